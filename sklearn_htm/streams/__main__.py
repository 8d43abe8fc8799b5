"""``python -m sklearn_htm.streams``: score a long-format CSV of many streams.

::

    python -m sklearn_htm.streams score IN.csv --output OUT.csv
        [--ranges RANGES.csv] [--checkpoint-dir DIR [--max-resident N]]
        [--n-jobs N] [--chunk-rows N] [--no-progress]

``IN.csv`` has the columns ``stream``, ``timestamp`` and ``value`` (one row
per value, any interleaving; other columns are passed through; without
``timestamp`` the streams have no clock). ``OUT.csv`` holds the same rows
with ``anomaly_score`` (NAB's score in [0, 1]), ``ranking_score`` (the same
with its ties at the top graded: sort alarms by it) and ``label`` (1 where
the score reaches the detector's threshold, 0.5, else 0: NAB's and PyOD's
convention, where ``predict`` says -1). Every stream gets
the default :class:`~sklearn_htm.HTMAnomalyDetector` (its first 750 values
are its probation). Stream keys are read as text.
The file is read and learned in chunks of ``--chunk-rows`` rows, with a
progress bar. With ``--checkpoint-dir`` the streams continue from the
checkpoint found there (a later file continues where this one stopped), and
a checkpoint is written at the end.
"""

import argparse
import sys
from pathlib import Path

from ..utils._cli import positive_int, run_command


#: Seconds the first chunk may take before a heartbeat says why (it may compile).
FIRST_CHUNK_NOTICE_S = 3.0


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_htm.streams",
        description="Score many streams with one HTM anomaly detector each.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser(
        "score", help="score a long-format CSV (stream, timestamp, value)",
        description="Learn and score every row of IN (columns stream, timestamp, value) "
                    "and write the rows with anomaly_score, ranking_score and label to OUTPUT.",
    )
    score.add_argument("input", metavar="IN.csv", help="rows of many streams, long format")
    score.add_argument("--output", required=True, metavar="OUT.csv",
                       help="where to write the rows with anomaly_score, ranking_score and label")
    score.add_argument("--ranges", metavar="RANGES.csv",
                       help="per-stream value ranges: columns stream, minimum, maximum "
                            "(a stream without one takes its first chunk's range)")
    score.add_argument("--checkpoint-dir", metavar="DIR",
                       help="continue the streams of the checkpoint in DIR (if any) and "
                            "write a checkpoint there at the end")
    score.add_argument("--max-resident", type=positive_int, metavar="N",
                       help="detectors kept in memory at most (the others in "
                            "--checkpoint-dir); default: all")
    score.add_argument("--n-jobs", type=int, default=1, metavar="N",
                       help="processes learning different streams at once (default: 1)")
    score.add_argument("--chunk-rows", type=positive_int, default=10_000, metavar="N",
                       help="rows read and learned at a time (default: 10000)")
    score.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser



def main(argv=None):
    return run_command(_parser(), _score, argv,
                       errors=(FileNotFoundError, NotADirectoryError, ValueError, TypeError))


def _streams(args):
    """The set of streams: continued from ``--checkpoint-dir`` or new."""
    import pandas as pd

    from . import MultiStreamDetector
    from ._store import MANIFEST

    if args.max_resident is not None and args.checkpoint_dir is None:
        raise ValueError("--max-resident needs --checkpoint-dir")
    # Keys are read as text: a later file must not turn stream "1" into 1.
    ranges = None if args.ranges is None else pd.read_csv(args.ranges, dtype={"stream": str})
    if args.checkpoint_dir is not None and (Path(args.checkpoint_dir) / MANIFEST).exists():
        if ranges is not None:
            raise ValueError("--ranges with a checkpoint to continue: the checkpoint's "
                             "ranges apply (a stream's range is fixed by its first row)")
        return MultiStreamDetector.restore(
            args.checkpoint_dir, n_jobs=args.n_jobs,
            **({} if args.max_resident is None else {"max_resident": args.max_resident}))
    return MultiStreamDetector(ranges=ranges, checkpoint_dir=args.checkpoint_dir,
                               max_resident=args.max_resident, n_jobs=args.n_jobs)


def _score(args):
    from contextlib import nullcontext

    import numpy as np
    import pandas as pd
    from tqdm import tqdm

    from .._core.progress import ProgressReporter

    streams = _streams(args)
    with open(args.input, "rb") as file:
        total = max(sum(1 for _ in file) - 1, 0)
    if total == 0:
        raise ValueError(f"{args.input} has no rows")
    from ..anomaly import HTMAnomalyDetector

    threshold = (streams.detector or HTMAnomalyDetector()).threshold
    with tqdm(total=total, unit="row", disable=args.no_progress, file=sys.stderr) as bar:
        chunks = pd.read_csv(args.input, chunksize=args.chunk_rows, dtype={"stream": str})
        # The first chunk may compile the kernels (up to a minute, once per
        # environment): said, with a heartbeat, once it takes a few seconds.
        heartbeat = ProgressReporter(0 if args.no_progress else 1, 0, "sklearn_htm.streams",
                                     stream=sys.stderr)
        for number, chunk in enumerate(chunks):
            first = heartbeat.waiting(
                "learning the first rows: the first run in an environment compiles the "
                "kernels (up to a minute); later runs load them", after=FIRST_CHUNK_NOTICE_S)
            try:
                with first if number == 0 else nullcontext():
                    streams.partial_fit(chunk.reset_index(drop=True))
            except ValueError as exc:
                first = number * args.chunk_rows + 1
                done = (f" (the rows before them are in {args.output})" if number else
                        f" ({args.output} was not written)")
                raise ValueError(f"{args.input}, data rows {first} to "
                                 f"{first + len(chunk) - 1}: {exc}{done}") from exc
            ranking = streams.ranking_score_
            chunk = chunk.assign(anomaly_score=streams.anomaly_score_, ranking_score=ranking,
                                 label=np.where(ranking >= threshold, 1, 0))
            chunk.to_csv(args.output, mode="w" if number == 0 else "a", header=number == 0,
                         index=False)
            bar.update(len(chunk))
    if args.checkpoint_dir is not None:
        streams.checkpoint()
    return 0


if __name__ == "__main__":
    sys.exit(main())
