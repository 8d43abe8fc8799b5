"""
==============================================
MNIST: the blog configuration and the best one
==============================================

Trains encoder -> Spatial Pooler -> LogisticRegression on the 60,000 MNIST
training images and scores it on the 10,000 test images, for two
configurations from :mod:`sklearn_htm.presets`:

* ``"blog"``: the blog post the project grew from (4 bits per pixel, 2048
  columns, 2% sparsity), the package's defaults for everything else;
* ``"mnist"``: the best configuration found by
  ``examples/mnist_hyperparameter_search.py`` on the training set.

Each is printed beside its ablations (raw pixels, encoder only, untrained
pooler) and followed by the Spatial Pooler quality metrics of the untrained
and the trained pooler (:mod:`sklearn_htm.metrics`).

MNIST is not bundled: this example is not run when the documentation is
built. Run it with ``python examples/plot_mnist_pipeline.py --data DIR``
(DIR holds the four idx files, gzipped or not); ``--figures DIR`` also saves
pictures of the trained pooler, ``--output FILE`` the figures as JSON.
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from sklearn_htm import __version__, metrics
from sklearn_htm.datasets import load_mnist
from sklearn_htm.presets import get_preset, make_preset_pipeline
from sklearn_htm.spatial_pooler.backends import resolve_backend_name


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"),
                        required="MNIST_DIR" not in os.environ,
                        help="folder of the four MNIST idx files (default: $MNIST_DIR)")
    parser.add_argument("--presets", nargs="+", default=["blog", "mnist"],
                        help="presets to run (default: blog mnist)")
    parser.add_argument("--n-train", type=int, default=None,
                        help="use only the first N training images (quick trials)")
    parser.add_argument("--n-test", type=int, default=None,
                        help="use only the first N test images")
    parser.add_argument("--metrics-samples", type=int, default=2000,
                        help="test images used for the quality metrics")
    parser.add_argument("--figures", default=None, help="save pictures in this folder")
    parser.add_argument("--output", default=None, help="write the results as JSON")
    parser.add_argument("--random-state", type=int, default=0)
    return parser.parse_args()


def quality_metrics(untrained, trained, bits_train, bits_probe, random_state):
    """Cui et al.'s metrics for the untrained and the trained pooler."""
    levels = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    report = {"noise_levels": levels}
    for name, pooler in (("untrained", untrained), ("trained", trained)):
        sdr = pooler.transform(bits_probe)
        report[name] = {
            "sparsity": metrics.mean_sparsity(sdr),
            "activation_entropy": metrics.activation_entropy(sdr),
            "dead_columns": int(np.sum(metrics.activation_frequency(sdr) == 0)),
            "noise_robustness": metrics.noise_robustness(
                pooler, bits_probe, levels, random_state=random_state
            ).tolist(),
        }
    # Stability: a fresh pooler with the trained one's parameters, three
    # passes over 5,000 training images, SDRs of the probe images compared
    # from one pass to the next.
    start = time.perf_counter()
    report["trained"]["stability_over_epochs"] = metrics.stability_over_epochs(
        trained, bits_train[:5000], 3, X_probe=bits_probe[:1000],
        random_state=random_state,
    ).tolist()
    report["stability_time"] = time.perf_counter() - start
    return report


def print_metrics(report):
    print(f"\n{'SP quality':<28} {'untrained':>10} {'trained':>10}")
    for key in ("sparsity", "activation_entropy", "dead_columns"):
        print(f"{key:<28} {report['untrained'][key]:>10.4g} {report['trained'][key]:>10.4g}")
    for i, level in enumerate(report["noise_levels"]):
        print(
            f"{'overlap at noise ' + format(level, '.1f'):<28} "
            f"{report['untrained']['noise_robustness'][i]:>10.3f} "
            f"{report['trained']['noise_robustness'][i]:>10.3f}"
        )
    stability = ", ".join(f"{v:.3f}" for v in report["trained"]["stability_over_epochs"])
    print(f"stability between passes (trained): {stability}")


def save_figures(folder, name, trained, bits_probe, images, labels):
    import matplotlib

    matplotlib.use("Agg")
    from sklearn_htm import plotting

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n_bits = trained.n_features_in_ // 784
    ink = list(range(1, n_bits))  # bit 0 of the one-hot code is the background
    figures = {
        "receptive_fields": plotting.plot_receptive_fields(trained, (28, 28), bits=ink),
        "sdrs": plotting.plot_sdrs(
            trained.transform(bits_probe[:6]), images[:6], labels=labels[:6],
            column_shape=(trained.column_shape_[0], trained.n_columns_ // trained.column_shape_[0])
            if trained.column_shape_[0] < trained.n_columns_ else None,
        ),
        "duty_cycles": plotting.plot_duty_cycles(trained),
    }
    for kind, fig in figures.items():
        fig.savefig(folder / f"mnist_{name}_{kind}.png", dpi=90, bbox_inches="tight")


def main():
    args = parse_args()
    train = load_mnist(args.data, subset="train")
    test = load_mnist(args.data, subset="test")
    X_train, y_train = train.data[:args.n_train], train.target[:args.n_train]
    X_test, y_test = test.data[:args.n_test], test.target[:args.n_test]
    print(
        f"sklearn-htm {__version__}, backend {resolve_backend_name('auto')!r}, "
        f"{os.cpu_count()} CPUs ({platform.machine()}); MNIST {len(X_train)} training "
        f"and {len(X_test)} test images"
    )
    results = {"n_train": len(X_train), "n_test": len(X_test), "presets": {}}
    raw_row = None
    for name in args.presets:
        preset = get_preset(name)
        encoder, pooler, classifier = make_preset_pipeline(
            name, random_state=args.random_state
        ).named_steps.values()
        print(f"\n=== preset {name!r}: encoder {preset['encoder']}, pooler "
              f"{preset['pooler']}, LogisticRegression {preset['classifier']}")
        include = ["encoder", "untrained", "trained"] + (["raw"] if raw_row is None else [])
        rows = metrics.ablation_study(
            X_train, y_train, X_test, y_test, encoder=encoder, pooler=pooler,
            classifier=classifier, include=include, verbose=raw_row is None,
        )
        if raw_row is None:
            raw_row = rows[0]
        else:
            rows.insert(0, raw_row)
            print(metrics.format_ablation_table(rows))
        untrained_pipe, trained_pipe = rows[2]["pipeline"], rows[3]["pipeline"]
        trained_sp = trained_pipe[1]
        bits_probe = trained_pipe[0].transform(X_test[:args.metrics_samples])
        bits_train = trained_pipe[0].transform(X_train[:5000])
        report = quality_metrics(
            untrained_pipe[1], trained_sp, bits_train, bits_probe, args.random_state
        )
        print_metrics(report)
        results["presets"][name] = {
            "parameters": preset,
            "ablations": [
                {k: v for k, v in row.items() if k != "pipeline"} for row in rows
            ],
            "metrics": report,
        }
        if args.figures:
            save_figures(args.figures, name, trained_sp, bits_probe,
                         test.images[:args.metrics_samples], y_test)
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=2, default=float))


if __name__ == "__main__":
    main()
