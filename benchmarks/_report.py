"""What the benchmark scripts share: their command line as recorded in the
results, the MNIST folder option, and how they hand over their results (JSON
on stdout, and the same JSON in the file given with ``--output``, under
``benchmarks/results/``, where the documentation's tables are written from)."""

import argparse
import json
import os
import sys
import time
from pathlib import Path


def command(argv=None):
    """The command that ran the calling script, as the results record it:
    ``python benchmarks/<script> <arguments>`` (``argv`` when given, else
    the process's own)."""
    script = Path(sys.argv[0]).name
    return " ".join([f"python benchmarks/{script}", *(sys.argv[1:] if argv is None else argv)])


def add_mnist_argument(parser):
    """``--mnist DIR``, required unless ``$MNIST_DIR`` names the folder."""
    parser.add_argument("--mnist", default=os.environ.get("MNIST_DIR"),
                        required="MNIST_DIR" not in os.environ,
                        help="folder of the MNIST idx files (default: $MNIST_DIR)")


def description(doc):
    """A script's ``--help`` description: the first paragraph of its
    docstring ``doc``, on one line."""
    return " ".join(doc.split("\n\n")[0].split())


def mnist_parser(doc):
    """The command line of a script that reads MNIST: its description (see
    :func:`description`), ``--mnist DIR`` and ``--output FILE``."""
    parser = argparse.ArgumentParser(description=description(doc))
    add_mnist_argument(parser)
    parser.add_argument("--output", help="also write the JSON here")
    return parser


def fit_and_score(model, X_train, y_train, X_test, y_test):
    """Fit ``model``, score it; ``{"accuracy", "seconds"}`` (fit and score together)."""
    start = time.perf_counter()
    accuracy = model.fit(X_train, y_train).score(X_test, y_test)
    return {"accuracy": round(float(accuracy), 4),
            "seconds": round(time.perf_counter() - start, 1)}


def emit(report, output=None, default=None):
    """Print ``report`` as indented JSON and write it to ``output`` if given."""
    text = json.dumps(report, indent=2, default=default)
    print(text)
    if output:
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
