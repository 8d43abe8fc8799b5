"""A long stream that keeps producing new patterns: what one row costs and
what the Temporal Memory holds, by position in the stream.

The stream is a daily cycle sampled every 5 minutes (288 rows a day) with a
few value buckets of noise: each row adds -3, 0 or +3 to the cycle, drawn at
random (the value encoder's buckets are 100 / 130 = 0.77 wide, so the noise
spans about eight of them). A detector (``HTMAnomalyDetector(minimum=0,
maximum=100)``, defaults otherwise) learns it in calls of ``--chunk`` rows
(1,000), in each configuration of :data:`CONFIGURATIONS` (all by default,
one after another in one run): the default backtracking Temporal Memory,
the same without its bounds (``max_seq_length=0`` and no global decay, as
NAB's HTM detector), and htm.core's. For each call the JSON gives, under
``positions``: the row the call ends at, microseconds per row, the Temporal
Memory's segments and synapses, the active and predictive cells after its
last row (the backtracking TM's inference cells), the mean raw anomaly and
the mean NAB score of the call's rows. ``ratio`` is the mean time per row over rows
90,000-100,000 against rows 10,000-20,000 (or the last tenth against the
second when ``--rows`` is smaller); ``ratio_to_fourth_tenth``, against rows
30,000-40,000 (the fourth tenth): on this stream the Temporal Memories come
to predict every variant of the noise at once between rows 15,000 and
30,000 (the active cells jump from about 40 to about 1,200, and the raw
anomaly to 0), after which a row costs more; the second ratio is the growth
after that.

Run::

    python benchmarks/bench_long_stream.py --output benchmarks/results/long_stream.json

(100,000 rows in each configuration: about 15 minutes on 2 cores; ``--rows
20000`` for a quick look; ``--seed`` draws other noise.)
"""

import argparse
import sys
import time
import warnings

import numpy as np
import pandas as pd
from _report import command, description, emit
from tqdm import tqdm

import sklearn_htm
from sklearn_htm import BacktrackingTM, HTMAnomalyDetector

ROWS_PER_DAY = 288
#: The detector's ``temporal_memory`` in each configuration.
CONFIGURATIONS = {
    "backtracking": "backtracking",
    "backtracking without bounds": BacktrackingTM(max_seq_length=0, global_decay=0.0,
                                                  random_state=0),
    "htm.core": "htm.core",
}


def long_stream(n_rows, seed=0):
    """The noisy daily cycle of the module's docstring, as a DataFrame."""
    rng = np.random.RandomState(seed)
    stamps = pd.date_range("2024-01-01", periods=n_rows, freq="5min")
    cycle = 50 + 20 * np.sin(2 * np.pi * np.arange(n_rows) / ROWS_PER_DAY)
    noise = 3.0 * rng.choice([-1, 0, 1], size=n_rows)
    return pd.DataFrame({"timestamp": stamps, "value": cycle + noise})


def cell_counts(memory):
    """Active and predictive cells after the last row learned."""
    return int(np.asarray(memory.active_cells_).size), int(
        np.asarray(memory.predictive_cells_).size)


def run(frame, temporal_memory, chunk, progress):
    detector = HTMAnomalyDetector(minimum=0, maximum=100, temporal_memory=temporal_memory)
    positions = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the first call's compile notice
        for start in range(0, len(frame), chunk):
            rows = frame.iloc[start:start + chunk]
            began = time.perf_counter()
            (detector.partial_fit if start else detector.fit)(rows)
            seconds = time.perf_counter() - began
            memory = detector.temporal_memory_
            active, predictive = cell_counts(memory)
            positions.append({
                "row": start + len(rows),
                "us_per_row": round(seconds / len(rows) * 1e6, 1),
                "segments": int(memory.n_segments_), "synapses": int(memory.n_synapses_),
                "active_cells": active, "predictive_cells": predictive,
                "raw_anomaly": round(float(np.mean(detector.raw_anomaly_)), 4),
                "anomaly_score": round(float(np.mean(detector.anomaly_score_)), 4),
            })
            progress.update(len(rows))
            progress.set_postfix(us_per_row=positions[-1]["us_per_row"],
                                 synapses=positions[-1]["synapses"])
    return positions


def mean_time(positions, first, last):
    """Mean microseconds per row over the calls ending in (first, last]."""
    times = [p["us_per_row"] for p in positions if first < p["row"] <= last]
    return float(np.mean(times)) if times else float("nan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=description(__doc__))
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the stream")
    parser.add_argument("--chunk", type=int, default=1000, help="rows per partial_fit call")
    parser.add_argument("--configuration", choices=tuple(CONFIGURATIONS), action="append",
                        help="which configuration (default: all)")
    parser.add_argument("--seed", type=int, default=0,
                        help="the draw of the noise (how soon, and whether, a Temporal "
                             "Memory stops growing depends on it)")
    parser.add_argument("--output", help="write the JSON here as well")
    args = parser.parse_args(argv)
    if args.rows < 10 * args.chunk:
        parser.error("--rows must hold at least ten calls of --chunk rows")
    frame = long_stream(args.rows, seed=args.seed)
    tenth = args.rows // 10
    early, late = (10_000, 20_000) if args.rows >= 100_000 else (tenth, 2 * tenth)
    report = {"command": command(argv), "sklearn_htm": sklearn_htm.__version__,
              "rows": args.rows, "chunk": args.chunk, "seed": args.seed,
              "early_rows": [early, late],
              "late_rows": [args.rows - tenth, args.rows]}
    for name in args.configuration or list(CONFIGURATIONS):
        with tqdm(total=args.rows, desc=name, unit="row", file=sys.stderr) as progress:
            positions = run(frame, CONFIGURATIONS[name], args.chunk, progress)
        last = mean_time(positions, args.rows - tenth, args.rows)
        report[name] = {
            "ratio": round(last / mean_time(positions, early, late), 2),
            "ratio_to_fourth_tenth": round(last / mean_time(positions, 3 * tenth, 4 * tenth), 2),
            "positions": positions}
    emit(report, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
