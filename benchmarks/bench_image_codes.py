"""Which greyscale code a topological pooler needs, on MNIST and on MNIST whose
contrast varies from image to image (groundwork for an image recipe, issue 13).

Every pipeline learns from MNIST training images 0-49,999 and is scored on
50,000-59,999 (the test set is never used): a code of each pixel
(:class:`~sklearn_htm.GreyscaleEncoder`), a pooler with 32 columns on every
pixel of the 28 x 28 grid whose pools draw half of the bits within 2 pixels
(5% active, boost strength 2 over 1,000 rows, as the ``"mnist"`` preset), and
``LogisticRegression(C=0.1)``. The "contrast" images are MNIST's with each
image's intensities multiplied by a factor drawn from U(0.25, 1) (seed 1):
the same shapes, grey levels that vary. Codes:

* one-hot, 2 bits: a threshold at half the range (the ``"mnist"`` preset);
* one-hot, 4 bits; thermometer, 4 bits (a level sets its bit and those below);
* ``Normalizer(norm="max")`` first (each image divided by its own maximum),
  then one-hot, 2 bits over (0, 1);
* one-hot, 2 bits with an untrained pooler (what learning adds).

Prints JSON (and writes it with ``--output``); about 20 minutes on 2 cores::

    python benchmarks/bench_image_codes.py --mnist DIR --output benchmarks/results/image_codes.json
"""

import sys

import numpy as np
from _report import command, emit, fit_and_score, mnist_parser
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, Normalizer

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer, __version__
from sklearn_htm.datasets import load_mnist
from sklearn_htm.metrics import untrained_pooler

#: name: (normalise, encoder parameters, trained)
CODES = {
    "one-hot, 2 bits": (False, {"n_bits": 2}, True),
    "one-hot, 4 bits": (False, {"n_bits": 4}, True),
    "thermometer, 4 bits": (False, {"n_bits": 4, "encoding": "thermometer"}, True),
    "Normalizer(norm='max'), one-hot, 2 bits": (True, {"n_bits": 2}, True),
    "one-hot, 2 bits, untrained pooler": (False, {"n_bits": 2}, False),
}
#: Codes measured on each variant of the images.
VARIANTS = {
    "mnist": ["one-hot, 2 bits", "thermometer, 4 bits",
              "Normalizer(norm='max'), one-hot, 2 bits",
              "one-hot, 2 bits, untrained pooler"],
    "contrast": ["one-hot, 2 bits", "one-hot, 4 bits",
                 "Normalizer(norm='max'), one-hot, 2 bits"],
}


def pipeline(normalise, encoder, trained):
    n_bits = encoder["n_bits"]
    pooler = SpatialPoolerTransformer(
        n_columns=(28, 28, 32), input_shape=(28, 28, n_bits),
        potential_radius=(2, 2, n_bits - 1), potential_pct=0.5, sparsity=0.05,
        boost_strength=2.0, duty_cycle_period=1000, random_state=0,
    )
    steps = [Normalizer(norm="max")] if normalise else []
    steps += [
        GreyscaleEncoder(value_range=(0, 1) if normalise else (0, 255), **encoder),
        pooler if trained else untrained_pooler(pooler),
        LogisticRegression(C=0.1, max_iter=1000),
    ]
    return make_pipeline(*steps)


def main(argv=None):
    args = mnist_parser(__doc__).parse_args(argv)

    X, y = load_mnist(args.mnist, subset="train", return_X_y=True)
    scale = np.random.RandomState(1).uniform(0.25, 1.0, size=(X.shape[0], 1))
    images = {"mnist": X, "contrast": np.floor(X * scale)}
    results = {}
    for variant, names in VARIANTS.items():
        Xv = images[variant]
        train, val = (Xv[:50000], y[:50000]), (Xv[50000:], y[50000:])
        raw = make_pipeline(MaxAbsScaler(), LogisticRegression(C=0.1, max_iter=1000))
        rows = {"raw pixels + LR": fit_and_score(raw, *train, *val)}
        for name in names:
            rows[name] = fit_and_score(pipeline(*CODES[name]), *train, *val)
            print(variant, name, rows[name], file=sys.stderr, flush=True)
        results[variant] = rows
    report = {
        "command": command(argv),
        "sklearn_htm": __version__,
        "workload": "MNIST training images 0-49,999 learned, 50,000-59,999 scored; "
                    "pooler n_columns=(28, 28, 32), potential_radius 2 pixels, "
                    "potential_pct=0.5, sparsity=0.05, boost 2 over 1,000 rows; "
                    "LogisticRegression(C=0.1)",
        "results": results,
    }
    emit(report, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
