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
last 100 values, in their standard deviations); and a simple learned
baseline: the error of a 5-nearest-neighbour forecast of the next change
from the last 40 values, fitted on the training prefix (MGAB: the first
20% of a series; its own rows there are among their neighbours, so an
anomaly there scores lower). Rows of the detector's probation (750) are left
out for every score. Prints JSON::

    python benchmarks/bench_anomaly.py --only generated \
        --output benchmarks/results/anomaly_generated.json
    python benchmarks/bench_anomaly.py --only mgab --mgab ../shared/data/mgab \
        --output benchmarks/results/mgab.json
    python benchmarks/bench_anomaly.py --only mgab --no-detector --mgab ../shared/data/mgab \
        --output benchmarks/results/mgab_baselines.json

``--only mgab_variants`` runs, on one MGAB series, the HTM variants tried
for it (htm.core's Temporal Memory, finer value buckets, lagged values
encoded beside the value, the forecaster's error), each beside the
nearest-neighbour baseline, in about 12 minutes::

    python benchmarks/bench_anomaly.py --only mgab_variants --mgab ../shared/data/mgab \
        --output benchmarks/results/mgab_variants.json

MGAB takes the detector 8 to 11 minutes a series of 100,000 rows on one core
in the recorded run (``--mgab-series 1 2 3 4``, 20 minutes on 2 cores),
reported as each series ends; a later run of all ten, on a busier machine,
had not finished its first two series after 35 minutes.
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
from sklearn.neighbors import KNeighborsRegressor

from sklearn_htm import (HTMAnomalyDetector, HTMForecaster, RandomDistributedScalarEncoder,
                         __version__)
from sklearn_htm.anomaly._rows import stream_pooler  # the detector's own pooler
from sklearn_htm.datasets import ANOMALY_KINDS, SIGNALS, make_anomaly_series
from sklearn_htm.metrics import anomaly_found_at_top, recall_at_k

#: The detector's probation: its scores there are left out for every method.
PROBATION = 750
TRAIN_SIZE = 2000
#: The generator's settings: (noise, magnitude) by name.
SETTINGS = {"clear": (0.02, 1.0), "subtle": (0.05, 0.3)}


#: The nearest-neighbour baseline's window (values) and neighbours.
WINDOW, NEIGHBOURS = 40, 5
#: MGAB has no training split: the baseline learns from this share of a series.
MGAB_TRAIN_SHARE = 0.2


def one_liners(values):
    """The simple scores, higher is more anomalous."""
    series = pd.Series(values)
    past = series.shift(1).rolling(100, min_periods=10)
    return {
        "abs first difference": np.abs(np.diff(values, prepend=values[0])),
        "rolling z-score": ((series - past.mean()).abs() / past.std()).to_numpy(),
    }


def window_neighbours(values, train_size=None):
    """The absolute error of a nearest-neighbour forecast of each row's
    change from the ``WINDOW`` values before it, the neighbours taken among
    the windows of the first ``train_size`` rows (None: the first
    ``MGAB_TRAIN_SHARE`` of them, for series without a training prefix);
    NaN for the first ``WINDOW`` rows."""
    if train_size is None:
        train_size = int(MGAB_TRAIN_SHARE * values.shape[0])
    windows = np.lib.stride_tricks.sliding_window_view(values, WINDOW)[:-1]
    change = values[WINDOW:] - values[WINDOW - 1:-1]
    fitted = min(train_size, windows.shape[0]) - WINDOW
    model = KNeighborsRegressor(NEIGHBOURS).fit(windows[:fitted], change[:fitted])
    score = np.full(values.shape[0], np.nan)
    score[WINDOW:] = np.abs(model.predict(windows) - change)
    return score


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


def all_scores(values, train_size=None, detector=True):
    """Every score of the rows (the detector's with ``detector``), and the
    detector's seconds (0 without it)."""
    scores, seconds = detector_scores(values, train_size) if detector else ({}, 0.0)
    scores.update(one_liners(values))
    scores["nearest neighbours, last 40 values"] = window_neighbours(values, train_size)
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


def mgab_case(path, detector=True):
    frame = pd.read_csv(path)
    scores, seconds = all_scores(frame["value"].to_numpy(dtype=np.float64), detector=detector)
    labels = frame["is_anomaly"].to_numpy()
    return {"series": path.name, "seconds": seconds,
            "hits": {name: round(10 * recall_at_k(labels, score)) for name, score in
                     scores.items()}}


def lagged_tm_anomaly(values, lags, n_buckets):
    """Raw anomalies of htm.core's Temporal Memory (the detector's
    configuration) over the values at ``lags`` rows before each row, each
    encoded as the detector encodes its value (a 400-bit RDSE of 21 active
    bits, the first 2,000 rows' range / ``n_buckets``) side by side, pooled
    by the detector's Spatial Pooler fitted on the first 3,000 rows and
    then fixed."""
    lagged = np.stack([np.concatenate([np.full(lag, values[0]), values[:values.shape[0] - lag]])
                       for lag in lags], axis=1)
    start = values[:2000]
    encoder = RandomDistributedScalarEncoder(
        size=400, n_active=21, resolution=(start.max() - start.min()) / n_buckets, seed=42)
    bits = encoder.fit(lagged[:1]).transform(lagged)
    pooler = stream_pooler(n_columns=2048, random_state=0, verbose=0).fit(bits[:3000])
    tm = HTMAnomalyDetector(temporal_memory="htm.core")._temporal_memory()
    return tm.fit(pooler.transform(bits)).anomaly_


def forecast_error(values):
    """The absolute error of :class:`HTMForecaster`'s one-step forecast of
    each row (defaults, values alone)."""
    forecast = HTMForecaster().fit(values).forecast_[:, 0]
    error = np.full(values.shape[0], np.nan)
    error[1:] = np.abs(forecast[:-1] - values[1:])
    return error


#: The HTM variants tried on MGAB: name -> score of a series' values.
MGAB_VARIANTS = {
    "detector, htm.core's Temporal Memory (ranking score)":
        lambda v: HTMAnomalyDetector(temporal_memory="htm.core").fit(v).ranking_score_,
    "htm.core's TM, value, 130 buckets (raw anomaly)":
        lambda v: lagged_tm_anomaly(v, (0,), 130),
    "htm.core's TM, value, 520 buckets (raw anomaly)":
        lambda v: lagged_tm_anomaly(v, (0,), 520),
    "htm.core's TM, values 0 and 18 rows back, 130 buckets (raw anomaly)":
        lambda v: lagged_tm_anomaly(v, (0, 18), 130),
    "htm.core's TM, values 0 and 18 rows back, 520 buckets (raw anomaly)":
        lambda v: lagged_tm_anomaly(v, (0, 18), 520),
    "htm.core's TM, values 0, 9 and 18 rows back, 130 buckets (raw anomaly)":
        lambda v: lagged_tm_anomaly(v, (0, 9, 18), 130),
    "HTMForecaster, one-step absolute error": forecast_error,
    "nearest neighbours, last 40 values": window_neighbours,
}


def mgab_variant(path, name):
    frame = pd.read_csv(path)
    values = frame["value"].to_numpy(dtype=np.float64)
    labels = frame["is_anomaly"].to_numpy()
    start = time.perf_counter()
    score = np.array(MGAB_VARIANTS[name](values), dtype=np.float64)
    seconds = time.perf_counter() - start
    score[:PROBATION] = np.nan
    smoothed = pd.Series(score).rolling(10, min_periods=1).mean().to_numpy().copy()
    smoothed[:PROBATION] = np.nan
    inside = labels.astype(bool)
    return {"variant": name, "seconds": round(seconds, 1),
            "found": round(10 * recall_at_k(labels, score)),
            "found_mean_of_10": round(10 * recall_at_k(labels, smoothed)),
            "mean_in_windows": float(np.nanmean(score[inside])),
            "mean_elsewhere": float(np.nanmean(score[~inside]))}


def mgab_variants(folder, name, n_jobs):
    path = Path(folder) / f"{name}.csv"
    print(f"[bench_anomaly] MGAB variants on {path.name}: {len(MGAB_VARIANTS)} runs",
          file=sys.stderr, flush=True)
    start = time.perf_counter()
    runs = Parallel(n_jobs=n_jobs, verbose=5)(delayed(mgab_variant)(path, v)
                                              for v in MGAB_VARIANTS)
    return {"series": path.name, "out_of": 10, "probation_left_out": PROBATION,
            "variants": runs, "wall_seconds": round(time.perf_counter() - start, 1)}


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


def mgab(folder, names, n_jobs, detector=True):
    paths = [Path(folder) / f"{name}.csv" for name in names]
    print(f"[bench_anomaly] MGAB: {len(paths)} series of 100,000 rows"
          f"{'' if detector else ', the baselines alone'}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    cases = Parallel(n_jobs=n_jobs, verbose=5)(delayed(mgab_case)(p, detector) for p in paths)
    report = {"series": [c["series"] for c in cases], "recall_at_10": summed(cases, "hits"),
              "out_of": 10 * len(cases), "detector_run": detector,
              "hits_by_series": {c["series"]: c["hits"] for c in cases}}
    if detector:
        report["detector_seconds_by_series"] = {c["series"]: round(c["seconds"], 1)
                                                for c in cases}
    report["wall_seconds"] = round(time.perf_counter() - start, 1)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=description(__doc__))
    parser.add_argument("--only", choices=("generated", "mgab", "mgab_variants"),
                        action="append",
                        help="run only this part (repeatable; default: generated and mgab)")
    parser.add_argument("--mgab", default=os.environ.get("MGAB_DIR"),
                        help="the MGAB folder of 1.csv ... 10.csv (default: $MGAB_DIR)")
    parser.add_argument("--mgab-series", type=int, nargs="+", default=list(range(1, 11)),
                        help="which MGAB series (default: all ten; mgab_variants: the first)")
    parser.add_argument("--no-detector", action="store_true",
                        help="MGAB: the one-liners and the nearest neighbours alone (minutes "
                             "for all ten series; the detector takes most of an hour)")
    parser.add_argument("--seeds", type=int, default=2,
                        help="generated series per kind and signal (default: 2)")
    parser.add_argument("--n-jobs", type=int, default=2, help="series run in parallel")
    parser.add_argument("--output", help="also write the JSON here")
    args = parser.parse_args(argv)
    parts = args.only or ["generated", "mgab"]
    if {"mgab", "mgab_variants"} & set(parts) and not args.mgab:
        parser.error("MGAB needs --mgab DIR (or $MGAB_DIR)")
    report = {"command": command(argv), "version": __version__,
              "detector": "HTMAnomalyDetector() defaults, values alone (no clock)"}
    if "generated" in parts:
        report["generated"] = generated(args.seeds, args.n_jobs)
    if "mgab" in parts:
        report["mgab"] = mgab(args.mgab, args.mgab_series, args.n_jobs,
                              detector=not args.no_detector)
    if "mgab_variants" in parts:
        report["mgab_variants"] = mgab_variants(args.mgab, args.mgab_series[0], args.n_jobs)
    emit(report, args.output)


if __name__ == "__main__":
    main()
