"""The anomaly detector beyond NAB, beside one-liners in the same run: series
of the package's generator (one labelled anomaly of each kind the literature
names, clear and subtle, found when the highest score after the training prefix lies within
100 rows of it) and MGAB (chaotic series without a clock, recall at 10).

Every series gets the detector's defaults, values alone (no clock): on the
generated series ``fit`` on the training prefix (which sets the range), then
``partial_fit`` on the rest; on MGAB ``fit`` on the whole series. Scores
compared: the detector's ranking score, NAB's score (saturating at 1: its
ties go to the first row), the raw anomaly, and the one-liners: the absolute
first difference, and a rolling z-score (the distance from the mean of the
last 100 values, in their standard deviations). Rows of the detector's
probation (750) are left out for every score. Prints JSON::

    python benchmarks/bench_anomaly.py --only generated \
        --output benchmarks/results/anomaly_generated.json
    python benchmarks/bench_anomaly.py --only mgab --mgab ../shared/data/mgab \
        --output benchmarks/results/mgab.json

MGAB takes the detector 8 to 11 minutes a series of 100,000 rows on one core
(all ten: about 50 minutes on 2 cores; ``--mgab-series 1 2 3 4``, the
recorded run, 20), reported as each series ends.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _report import command, description, emit
from joblib import Parallel, delayed

from sklearn_htm import HTMAnomalyDetector, __version__
from sklearn_htm.datasets import ANOMALY_KINDS, SIGNALS, make_anomaly_series
from sklearn_htm.metrics import anomaly_found_at_top, recall_at_k

#: The detector's probation: its scores there are left out for every method.
PROBATION = 750
TRAIN_SIZE = 2000
#: The generator's settings: (noise, magnitude) by name.
SETTINGS = {"clear": (0.02, 1.0), "subtle": (0.05, 0.3)}


def one_liners(values):
    """The simple scores, higher is more anomalous."""
    series = pd.Series(values)
    past = series.shift(1).rolling(100, min_periods=10)
    return {
        "abs first difference": np.abs(np.diff(values, prepend=values[0])),
        "rolling z-score": ((series - past.mean()).abs() / past.std()).to_numpy(),
    }


def detector_scores(values, train_size=None):
    """The detector's ranking and NAB scores and raw anomaly of every row,
    and its seconds."""
    start = time.perf_counter()
    model = HTMAnomalyDetector()
    parts = [values] if train_size is None else [values[:train_size], values[train_size:]]
    ranking, nab, raw = [], [], []
    for k, part in enumerate(parts):
        (model.fit if k == 0 else model.partial_fit)(part)
        ranking.append(model.ranking_score_)
        nab.append(model.anomaly_score_)
        raw.append(model.raw_anomaly_)
    scores = {"detector (ranking score)": np.concatenate(ranking),
              "detector (NAB score)": np.concatenate(nab),
              "raw anomaly": np.concatenate(raw)}
    return scores, time.perf_counter() - start


def all_scores(values, train_size=None):
    scores, seconds = detector_scores(values, train_size)
    scores.update(one_liners(values))
    scores = {name: np.array(score, dtype=np.float64) for name, score in scores.items()}
    for score in scores.values():
        score[:PROBATION] = np.nan
    return scores, seconds


def generated_case(setting, kind, signal, seed):
    noise, magnitude = SETTINGS[setting]
    values, labels = make_anomaly_series(kind, signal=signal, noise=noise, magnitude=magnitude,
                                         random_state=seed)
    scores, seconds = all_scores(values, TRAIN_SIZE)
    return {"setting": setting, "kind": kind, "signal": signal, "seed": seed,
            "seconds": seconds,
            "found": {name: anomaly_found_at_top(labels, score, start=TRAIN_SIZE)
                      for name, score in scores.items()}}


def mgab_case(path):
    frame = pd.read_csv(path)
    scores, seconds = all_scores(frame["value"].to_numpy(dtype=np.float64))
    labels = frame["is_anomaly"].to_numpy()
    return {"series": path.name, "seconds": seconds,
            "hits": {name: round(10 * recall_at_k(labels, score)) for name, score in
                     scores.items()}}


def summed(cases, field):
    names = cases[0][field]
    return {name: int(sum(case[field][name] for case in cases)) for name in names}


def generated(n_seeds, n_jobs):
    tasks = [(setting, kind, signal, seed) for setting in SETTINGS for kind in ANOMALY_KINDS
             for signal in SIGNALS for seed in range(n_seeds)]
    print(f"[bench_anomaly] {len(tasks)} generated series of 5,000 rows", file=sys.stderr,
          flush=True)
    start = time.perf_counter()
    cases = Parallel(n_jobs=n_jobs, verbose=5)(delayed(generated_case)(*t) for t in tasks)
    report = {"per_kind": n_seeds * len(SIGNALS), "train_size": TRAIN_SIZE}
    for setting, (noise, magnitude) in SETTINGS.items():
        mine = [c for c in cases if c["setting"] == setting]
        report[setting] = {
            "noise": noise, "magnitude": magnitude, "series": len(mine),
            "found": summed(mine, "found"),
            "found_by_kind": {kind: summed([c for c in mine if c["kind"] == kind], "found")
                              for kind in ANOMALY_KINDS}}
    report["detector_seconds"] = round(sum(c["seconds"] for c in cases), 1)
    report["wall_seconds"] = round(time.perf_counter() - start, 1)
    return report


def mgab(folder, names, n_jobs):
    paths = [Path(folder) / f"{name}.csv" for name in names]
    print(f"[bench_anomaly] MGAB: {len(paths)} series of 100,000 rows", file=sys.stderr,
          flush=True)
    start = time.perf_counter()
    cases = Parallel(n_jobs=n_jobs, verbose=5)(delayed(mgab_case)(p) for p in paths)
    return {"series": [c["series"] for c in cases], "recall_at_10": summed(cases, "hits"),
            "out_of": 10 * len(cases),
            "hits_by_series": {c["series"]: c["hits"] for c in cases},
            "detector_seconds_by_series": {c["series"]: round(c["seconds"], 1)
                                           for c in cases},
            "wall_seconds": round(time.perf_counter() - start, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=description(__doc__))
    parser.add_argument("--only", choices=("generated", "mgab"), action="append",
                        help="run only this part (repeatable; default: both)")
    parser.add_argument("--mgab", default=os.environ.get("MGAB_DIR"),
                        help="the MGAB folder of 1.csv ... 10.csv (default: $MGAB_DIR)")
    parser.add_argument("--mgab-series", type=int, nargs="+", default=list(range(1, 11)),
                        help="which MGAB series (default: all ten)")
    parser.add_argument("--seeds", type=int, default=2,
                        help="generated series per kind and signal (default: 2)")
    parser.add_argument("--n-jobs", type=int, default=2, help="series run in parallel")
    parser.add_argument("--output", help="also write the JSON here")
    args = parser.parse_args(argv)
    parts = args.only or ["generated", "mgab"]
    if "mgab" in parts and not args.mgab:
        parser.error("MGAB needs --mgab DIR (or $MGAB_DIR)")
    report = {"command": command(argv), "version": __version__,
              "detector": "HTMAnomalyDetector() defaults, values alone (no clock)"}
    if "generated" in parts:
        report["generated"] = generated(args.seeds, args.n_jobs)
    if "mgab" in parts:
        report["mgab"] = mgab(args.mgab, args.mgab_series, args.n_jobs)
    emit(report, args.output)


if __name__ == "__main__":
    main()
