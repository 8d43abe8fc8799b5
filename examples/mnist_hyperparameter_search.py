"""
=====================================================
MNIST: searching the pooler's hyperparameters
=====================================================

How the ``"mnist"`` preset of :mod:`sklearn_htm.presets` was found: a
successive-halving search (:class:`~sklearn.model_selection.HalvingGridSearchCV`)
over the pooler's hyperparameters in an encoder -> pooler ->
LogisticRegression pipeline, on the MNIST **training** set only. The
candidates learn from a part of the training images and are scored on a
held-out part of them; the test set is never looked at.

Successive halving gives every candidate a few thousand training images,
keeps the best third, triples their images, and so on: the pooler learns
online, so more images also means more learning, and the poor candidates
are dropped cheaply.

MNIST is not bundled: this script is not run when the documentation is
built. Run it with ``python examples/mnist_hyperparameter_search.py --data
DIR`` (about 40 minutes on 2 CPU cores with the default grid).
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import HalvingGridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.datasets import load_mnist


# Topological pools: each column sees the bits of the pixels within
# potential_radius of its centre on the (28, 28, n_bits) grid of the encoded
# image; n_columns = (28, 28, k) puts k columns on every pixel. The encoder's
# n_bits fixes the input grid, hence one sub-grid per n_bits.
def _topology(n_bits):
    return {
        "greyscaleencoder__n_bits": [n_bits],
        "spatialpoolertransformer__input_shape": [(28, 28, n_bits)],
        "spatialpoolertransformer__potential_radius": [(2, 2, n_bits - 1)],
    }


PARAM_GRID = [
    {
        **_topology(2),
        "spatialpoolertransformer__n_columns": [(28, 28, 16), (28, 28, 32), (28, 28, 64)],
        "spatialpoolertransformer__sparsity": [0.03, 0.05, 0.08],
    },
    {
        **_topology(4),
        "spatialpoolertransformer__n_columns": [(28, 28, 16), (28, 28, 32)],
        "spatialpoolertransformer__sparsity": [0.05],
    },
]

def parse_args():
    parser = argparse.ArgumentParser(description="Successive-halving search on MNIST.")
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR"),
                        required="MNIST_DIR" not in os.environ,
                        help="folder of the four MNIST idx files (default: $MNIST_DIR)")
    parser.add_argument("--n-train", type=int, default=50000,
                        help="training images the candidates may learn from")
    parser.add_argument("--n-val", type=int, default=10000,
                        help="held-out training images that score the candidates")
    parser.add_argument("--min-resources", type=int, default=5000,
                        help="training images per candidate in the first round")
    parser.add_argument("--factor", type=int, default=3)
    parser.add_argument("--output", default=None, help="write cv_results_ as JSON")
    return parser.parse_args()


def main():
    args = parse_args()
    X, y = load_mnist(args.data, subset="train", return_X_y=True)
    # A fixed random part of the training set: the first n_train rows to
    # learn from, the next n_val rows to score on.
    chosen = np.random.RandomState(0).permutation(len(X))[:args.n_train + args.n_val]
    X, y = X[chosen], y[chosen]
    holdout = [(np.arange(args.n_train), np.arange(args.n_train, len(X)))]

    pipe = make_pipeline(
        GreyscaleEncoder(value_range=(0, 255)),
        # The pool and boosting parameters the search ran with (the package
        # defaults of the time), given explicitly so that the search
        # reproduces whatever the defaults become.
        SpatialPoolerTransformer(
            potential_pct=0.5, boost_strength=2.0, duty_cycle_period=1000,
            random_state=0,
        ),
        LogisticRegression(C=0.3, max_iter=1000),
    )
    search = HalvingGridSearchCV(
        pipe, PARAM_GRID, factor=args.factor, resource="n_samples",
        min_resources=args.min_resources, cv=holdout, refit=False,
        random_state=0, error_score="raise", verbose=1,
    )
    start = time.perf_counter()
    search.fit(X, y)
    elapsed = time.perf_counter() - start

    results = search.cv_results_
    order = np.lexsort((-results["mean_test_score"], -results["iter"]))
    print(f"\n{'round':>5} {'images':>7} {'accuracy':>9} {'fit (s)':>8}  parameters")
    for i in order:
        params = {k.split("__")[1]: v for k, v in results["params"][i].items()}
        print(
            f"{results['iter'][i]:>5} {results['n_resources'][i]:>7} "
            f"{results['mean_test_score'][i]:>9.4f} {results['mean_fit_time'][i]:>8.1f}  "
            f"{params}"
        )
    best = {k.split("__")[1]: v for k, v in search.best_params_.items()}
    print(f"\nbest: {best}, held-out accuracy {search.best_score_:.4f} "
          f"({elapsed / 60:.1f} minutes)")
    if args.output:
        rows = [
            {
                "iter": int(results["iter"][i]),
                "n_resources": int(results["n_resources"][i]),
                "mean_test_score": float(results["mean_test_score"][i]),
                "mean_fit_time": float(results["mean_fit_time"][i]),
                "params": results["params"][i],  # json writes tuples as lists
            }
            for i in order
        ]
        Path(args.output).write_text(json.dumps(
            {"best_params": search.best_params_,
             "best_score": float(search.best_score_), "seconds": elapsed,
             "results": rows}, indent=2))


if __name__ == "__main__":
    main()
