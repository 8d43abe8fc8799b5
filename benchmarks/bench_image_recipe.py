"""The "image" recipe (``make_preset_pipeline("image", image_shape=...)``): the
measurements behind each of its choices, and its accuracy beside raw pixels.

Choices are measured on data the figures are not reported on:

* ``digits_choices``: sklearn's digits (8 x 8, values 0..16), 3-fold
  cross-validation over the training part of the demo's split
  (``train_test_split(test_size=0.25, stratify=y, random_state=0)``);
* ``mnist_choices``: MNIST training images 0-19,999 learned, 50,000-59,999
  scored (never the test set), plain and with each image's contrast
  multiplied by a factor drawn from U(0.25, 1) (seed 1): the same shapes,
  grey levels that vary from image to image.

Each choice row changes one thing in the recipe. Then the recipe itself:

* ``digits_splits``: held-out accuracy on the demo's split and four others,
  raw pixels beside the recipe;
* ``digits_ablation`` and ``mnist_test`` (60,000 / 10,000): raw pixels, the
  code alone, the untrained pooler and the trained pooler
  (:func:`sklearn_htm.metrics.ablation_study`), with fit and score times.

With ``--heldout DIR`` (a folder of idx files named as MNIST's, any image
size), ``heldout_test`` makes the same four-row ablation on that dataset,
the recipe built from its images' shape: the check on data the recipe was
never validated on.

And what learning adds, on validation data only:

* ``mnist_learning``: the untrained and the trained pooler with 8 to 64
  columns per pixel, learning from MNIST training images 0-19,999 or
  0-49,999 and scoring 50,000-59,999.

Prints JSON (and writes it with ``--output``); about 40 minutes on 2 cores,
most of it MNIST::

    python benchmarks/bench_image_recipe.py --mnist DIR \\
        --output benchmarks/results/image_recipe.json
"""

import argparse
import json
import os
import platform
import sys
import time

import numpy as np
from _report import command, description, emit, fit_and_score
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler

from sklearn_htm import SpatialPoolerTransformer, __version__
from sklearn_htm.datasets import load_mnist
from sklearn_htm.metrics import ablation_study, untrained_pooler
from sklearn_htm.presets import IMAGE_GREY_BUCKETS, _image_parameters, image_preset, preset_encoder

#: The command that runs every section (the sections of a results file may
#: come from several runs, each recorded under "runs").
CANONICAL = ("python benchmarks/bench_image_recipe.py --mnist ../shared/data/mnist "
             "--output benchmarks/results/image_recipe.json")
SECTIONS = ("digits_choices", "digits_splits", "digits_ablation", "mnist_choices",
            "mnist_test", "mnist_learning", "heldout_test")
#: Columns per pixel and training images of the ``mnist_learning`` section.
LEARNING_DEPTHS = (8, 16, 32, 64)
LEARNING_SIZES = (20000, 50000)


def recipe(image_shape, *, n_bits=IMAGE_GREY_BUCKETS, encoding="complement",
           potential_pct=None, depth=None, global_pools=False, normalise=True,
           trained=True, random_state=0):
    """The recipe's pipeline for ``image_shape``, with one choice changed.

    ``n_bits``, ``encoding`` and ``depth`` go through the recipe's own rules
    (``presets._image_parameters``); ``global_pools``: the recipe's number of
    columns in a flat layer whose pools draw from the whole image;
    ``normalise=False`` drops the :class:`~sklearn.preprocessing.Normalizer`
    (the encoder then gets the data's own range, ``value_range=None``)."""
    preset = _image_parameters(*image_shape, n_bits=n_bits, encoding=encoding, depth=depth)
    pooler = dict(preset["pooler"], random_state=random_state)
    if potential_pct is not None:
        pooler["potential_pct"] = potential_pct
    if global_pools:
        pooler["n_columns"] = int(np.prod(pooler["n_columns"]))
        for key in ("input_shape", "potential_radius"):
            del pooler[key]
    if not normalise:
        del preset["normalizer"]
        preset["encoder"].update(value_range=None, handle_out_of_range="clip")
    sp = SpatialPoolerTransformer(**pooler)
    return make_pipeline(preset_encoder(preset), sp if trained else untrained_pooler(sp),
                         LogisticRegression(**preset["classifier"]))


def raw_pixels():
    return make_pipeline(MaxAbsScaler(), LogisticRegression(max_iter=1000))


#: label: recipe() keyword arguments. The first row is the recipe itself.
DIGITS_CHOICES = {
    "the recipe": {},
    "code: one threshold (one-hot, 2 bits)": {"n_bits": 2},
    "code: two thresholds": {"n_bits": 3},
    "code: five thresholds": {"n_bits": 6},
    "code: thermometer, 4 bits": {"n_bits": 4, "encoding": "thermometer"},
    "pools draw half of their neighbourhood's bits": {"potential_pct": 0.5},
    "64 columns per pixel (4096 in all)": {"depth": 64},
    "global pools (8192 columns)": {"global_pools": True},
    "no Normalizer": {"normalise": False},
    "untrained pooler": {"trained": False},
}
MNIST_CHOICES = {
    "the recipe": {},
    "code: one threshold (one-hot, 2 bits), pools of half the bits": {
        "n_bits": 2, "potential_pct": 0.5},
    "code: two thresholds": {"n_bits": 3},
    "pools draw half of their neighbourhood's bits": {"potential_pct": 0.5},
    "untrained pooler": {"trained": False},
}
#: The rows repeated on the images whose contrast varies.
CONTRAST_CHOICES = ("the recipe", "no Normalizer")


def digits_split(random_state):
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=random_state)


def digits_choices(log):
    X_train, _, y_train, _ = digits_split(0)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    rows = {}
    for label, model in [("raw pixels", raw_pixels())] + [
            (label, recipe((8, 8), **kwargs)) for label, kwargs in DIGITS_CHOICES.items()]:
        start = time.perf_counter()
        scores = cross_val_score(model, X_train, y_train, cv=folds)
        rows[label] = {"cv_accuracy": round(float(scores.mean()), 4),
                       "seconds": round(time.perf_counter() - start, 1)}
        log(f"digits choices: {label}: {rows[label]}")
    return rows


def digits_splits(log):
    rows = []
    for seed in range(5):
        X_train, X_test, y_train, y_test = digits_split(seed)
        data = (X_train, y_train, X_test, y_test)
        row = {"split random_state": seed,
               "raw pixels": fit_and_score(raw_pixels(), *data)["accuracy"],
               "recipe": fit_and_score(recipe((8, 8)), *data)["accuracy"]}
        row["gain"] = round(row["recipe"] - row["raw pixels"], 4)
        rows.append(row)
        log(f"digits split {seed}: {row}")
    return rows


def ablation(image_shape, X_train, y_train, X_test, y_test, log):
    """The four rows of :func:`~sklearn_htm.metrics.ablation_study`, each
    logged as it starts and as it ends (one pipeline can take minutes)."""
    encoder, pooler, classifier = (step for _, step in recipe(image_shape).steps)
    out = {}
    for part in ("raw", "encoder", "untrained", "trained"):
        log(f"{image_shape}: fitting and scoring the {part} row ({X_train.shape[0]:,} "
            "training images)")
        (row,) = ablation_study(X_train, y_train, X_test, y_test, encoder=encoder,
                                pooler=pooler, classifier=classifier, include=(part,))
        out[row["model"]] = {key: round(float(row[key]), 4 if key == "accuracy" else 1)
                             for key in ("accuracy", "fit_time", "score_time")}
        log(f"{image_shape}: {row['model']}: {out[row['model']]}")
    return out


def digits_ablation(log):
    X_train, X_test, y_train, y_test = digits_split(0)
    return ablation((8, 8), X_train, y_train, X_test, y_test, log)


def contrast(X, seed=1):
    factor = np.random.default_rng(seed).uniform(0.25, 1.0, X.shape[0])
    return X * factor[:, None]


def mnist_choices(mnist, log):
    X, y = load_mnist(mnist, subset="train", return_X_y=True)
    train, val = slice(0, 20000), slice(50000, 60000)
    out = {}
    for variant, images in (("mnist", X.astype(np.float64)), ("contrast", contrast(X))):
        rows = {"raw pixels": fit_and_score(raw_pixels(), images[train], y[train], images[val],
                                    y[val])}
        log(f"{variant}: raw pixels: {rows['raw pixels']}")
        choices = MNIST_CHOICES if variant == "mnist" else {
            label: {**MNIST_CHOICES, **DIGITS_CHOICES}[label] for label in CONTRAST_CHOICES}
        for label, kwargs in choices.items():
            rows[label] = fit_and_score(recipe((28, 28), **kwargs), images[train], y[train],
                                images[val], y[val])
            log(f"{variant}: {label}: {rows[label]}")
        out[variant] = rows
    return out


def mnist_learning(mnist, log):
    X, y = load_mnist(mnist, subset="train", return_X_y=True)
    X = X.astype(np.float64)
    val = slice(50000, 60000)
    rows = []
    for n_train in LEARNING_SIZES:
        for depth in LEARNING_DEPTHS:
            row = {"training images": n_train, "columns per pixel": depth}
            for label, trained in (("untrained", False), ("trained", True)):
                result = fit_and_score(recipe((28, 28), depth=depth, trained=trained),
                                       X[:n_train], y[:n_train], X[val], y[val])
                row[label] = result["accuracy"]
                row[f"{label} seconds"] = result["seconds"]
            row["learning adds"] = round(row["trained"] - row["untrained"], 4)
            rows.append(row)
            log(f"mnist learning: {row}")
    return rows


def mnist_test(mnist, log):
    """The ablation on the training and test images of an idx-format folder
    (MNIST's, or the held-out dataset's), the recipe built for its shape."""
    train = load_mnist(mnist, subset="train")
    X_test, y_test = load_mnist(mnist, subset="test", return_X_y=True)
    return ablation(train.images.shape[1:], train.data, train.target, X_test, y_test, log)


def main(argv=None):
    parser = argparse.ArgumentParser(description=description(__doc__))
    parser.add_argument("--mnist", default=os.environ.get("MNIST_DIR"),
                        help="folder of the MNIST idx files (default: $MNIST_DIR); "
                             "without it the MNIST sections are skipped")
    parser.add_argument("--heldout",
                        help="folder of another image dataset in MNIST's idx format and file "
                             "names (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                             "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each may end in "
                             ".gz), images of any size: heldout_test runs the recipe's ablation "
                             "on it (use with --only heldout_test); without it heldout_test is "
                             "skipped")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections among {', '.join(SECTIONS)}")
    parser.add_argument("--output", help="also write the JSON here")
    args = parser.parse_args(argv)
    sections = [s for s in args.only.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {sorted(unknown)}; choose among {SECTIONS}")

    def log(message):
        print(message, file=sys.stderr, flush=True)

    report = {"command": CANONICAL, "sklearn_htm": __version__,
              "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
              "recipe": {"(8, 8)": image_preset((8, 8)), "(28, 28)": image_preset((28, 28))},
              "runs": []}
    if args.output and os.path.exists(args.output):
        with open(args.output) as f:  # keep the sections not rerun
            report = {**report, **json.load(f), **{k: report[k] for k in (
                "command", "sklearn_htm", "machine", "recipe")}}
    report["runs"] = [*report.get("runs", []), {"command": command(argv),
                                                "sections": sections}]
    runners = {"digits_choices": digits_choices, "digits_splits": digits_splits,
               "digits_ablation": digits_ablation,
               "mnist_choices": lambda log: mnist_choices(args.mnist, log),
               "mnist_test": lambda log: mnist_test(args.mnist, log),
               "mnist_learning": lambda log: mnist_learning(args.mnist, log),
               "heldout_test": lambda log: mnist_test(args.heldout, log)}
    missing = {section: "--mnist" for section in sections
               if section.startswith("mnist") and not args.mnist}
    if "heldout_test" in sections and not args.heldout:
        missing["heldout_test"] = "--heldout"
    if missing and len(missing) == len(sections):
        parser.error("nothing to run: " + ", ".join(
            f"{section} needs {option} DIR" for section, option in missing.items()))
    for section in sections:
        if section in missing:
            log(f"skipping {section}: no {missing[section]} folder")
            continue
        report[section] = runners[section](log)
    emit(report, args.output, default=str)


if __name__ == "__main__":
    main()
