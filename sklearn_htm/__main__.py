"""``python -m sklearn_htm``: the package's main job, from the command line.

Trains GreyscaleEncoder -> SpatialPoolerTransformer -> LogisticRegression
(scikit-learn's bundled digits by default, MNIST with ``--data DIR``) and
prints accuracy and fit time next to the ablations (raw pixels, encoder
only, untrained pooler). ``python -m sklearn_htm --help`` lists the options.
"""

import argparse
import sys

from ._demo import check_preset, run_demo
from .metrics import format_ablation_table
from .presets import PRESET_NAMES
from .spatial_pooler.backends import BACKENDS, gpu_available


def build_parser():
    """The command line's :class:`argparse.ArgumentParser`."""
    parser = argparse.ArgumentParser(
        # "sklearn-htm" (the installed command) or "python -m sklearn_htm".
        prog=("python -m sklearn_htm" if sys.argv[0].endswith("__main__.py")
              else "sklearn-htm"),
        description=(
            "Train encoder -> Spatial Pooler -> LogisticRegression and print test "
            "accuracy and fit time next to the ablations: raw pixels, encoder only "
            "and the untrained pooler. The first run in an environment compiles the "
            "Numba kernels (said as it happens)."
        ),
    )
    parser.add_argument(
        "--preset", choices=PRESET_NAMES,
        help="configuration (default: 'digits' without --data, 'blog' with it; "
             "'image' is the recipe that follows from the images' shape)",
    )
    parser.add_argument(
        "--data", metavar="DIR",
        help="an MNIST folder with the four idx files (default: scikit-learn's "
             "bundled 8x8 digits)",
    )
    parser.add_argument("--backend", choices=BACKENDS, default="auto",
                        help="compute backend of the pooler (default: auto)")
    parser.add_argument("--random-state", type=int, default=0, metavar="N",
                        help="seed of the split and of the pooler (default: 0)")
    parser.add_argument("--verbose", type=int, default=1, metavar="N",
                        help="0: the table only; 1: also the pooler's progress "
                             "(default: 1)")
    return parser


def main(argv=None):
    """Run the command line with ``argv`` (``sys.argv[1:]`` when None)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    preset = args.preset or ("digits" if args.data is None else "blog")
    try:
        check_preset(preset, args.data)
    except ValueError as exc:
        parser.error(str(exc))
    if args.backend == "cupy" and not gpu_available():
        parser.error("--backend cupy needs CuPy and a CUDA device; use numba or numpy")
    rows = run_demo(preset, data=args.data, backend=args.backend,
                    random_state=args.random_state, verbose=args.verbose)
    if not args.verbose:
        # Verbose runs print the table row by row as it is measured.
        print(format_ablation_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
