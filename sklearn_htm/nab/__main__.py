"""``python -m sklearn_htm.nab``: run the HTM detector on NAB, and score results.

Two commands::

    python -m sklearn_htm.nab run --data DIR --output OUT [--n-jobs N]
    python -m sklearn_htm.nab score RESULTS --data DIR

``run`` writes NAB's results layout, ``OUT/sklearnhtm/<group>/sklearnhtm_<name>.csv``
(columns ``timestamp,value,anomaly_score,label``), with a progress bar.
``score`` scores such a folder (or any NAB detector's results folder) with
NAB's three profiles, optimising each profile's threshold as NAB does for a
new detector, and prints JSON: ``standard``, ``reward_low_FP_rate``,
``reward_low_FN_rate``, then ``thresholds`` and the per-group scores under
``groups``.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from ..utils._cli import positive_int, run_command


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_htm.nab",
        description="Run sklearn-htm's HTM anomaly detector on NAB, and score results.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="run the detector on every series of a NAB folder",
        description="Run the HTM detector on every series under DATA/data and write "
                    "OUTPUT/sklearnhtm/<group>/sklearnhtm_<name>.csv; score that folder "
                    "with the score command.",
    )
    run.add_argument("--data", required=True,
                     help="the NAB folder (holding data/ and labels/): a checkout of "
                          "https://github.com/numenta/NAB")
    run.add_argument("--output", required=True,
                     help="where to write the results (in OUTPUT/sklearnhtm)")
    run.add_argument("--n-jobs", type=positive_int, default=1,
                     help="series run in parallel (default: 1; the documentation's NAB "
                          "table uses 2 on 2 cores)")
    run.add_argument("--random-state", type=int, default=0,
                     help="the detector's seed (default: 0, the first seed of the "
                          "documentation's NAB table)")
    score = commands.add_parser(
        "score", help="score a detector's results folder",
        description="Score RESULTS (<group>/<detector>_<name>.csv files, such as "
                    "OUTPUT/sklearnhtm) with NAB's three profiles, optimising each "
                    "threshold as NAB does, and print JSON.",
    )
    score.add_argument("results", help="the results folder, e.g. OUTPUT/sklearnhtm")
    score.add_argument("--data", required=True, help="the NAB folder (holding labels/)")
    return parser



def main(argv=None):
    return run_command(_parser(), _main, argv)


def _main(args):
    if args.command == "run":
        from ._runner import run_corpus

        start = time.perf_counter()
        folder = run_corpus(args.data, args.output, n_jobs=args.n_jobs,
                            random_state=args.random_state)
        print(json.dumps({"results": folder,
                          "seconds": round(time.perf_counter() - start, 1)}))
        return 0
    from ._io import read_results, read_windows, scores_report
    from ._scoring import score_all_profiles

    results = read_results(args.results)
    if not results:
        raise ValueError(
            f"no results files in {args.results!r}; expected "
            "<group>/<detector>_<name>.csv files, such as those of OUTPUT/sklearnhtm"
        )
    windows = read_windows(Path(args.data) / "labels" / "combined_windows.json")
    print(json.dumps(scores_report(score_all_profiles(results, windows)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
