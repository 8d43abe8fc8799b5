"""The HTM forecaster on the New York taxi series of Cui, Ahmad and Hawkins
(2016), under the paper's protocol, beside simple baselines and the
published figures.

Protocol (the data folder's README): forecast the value 5 rows (2.5 hours)
ahead at every row, online, one pass over the 17,520 rows; score rows 10,000
to 17,519. Metrics: WAPE (the paper's "MAPE": sum |error| / sum |truth|),
NRMSE (RMSE over the series' standard deviation), and the negative
log-likelihood of the true value's bucket among 22 equal buckets of
[0, 40000] with a floor of 0.01 (the forecaster only; its 66 buckets are
3 to each of those).

Models, each under that protocol (the forecast for row t uses rows up to
t - 5):

* ``htm``: ``HTMForecaster(steps=(5,), minimum=0, maximum=40000)``, its
  defaults otherwise (chosen on rows before 10,000);
* ``persistence``: the value 5 rows before;
* ``seasonal_naive_weekly``: the value one week (336 rows) before;
* ``four_week_mean``: the mean of the same half hour over the previous four
  weeks;
* ``sgd_online``: scikit-learn's ``SGDRegressor`` learned online with
  ``partial_fit`` (forecast, then learn), on the last 6 values, the value a
  week before the target and one-hot time of day and day of week of the
  target (values scaled by 1/40000).

``perturbed``: the same for the paper's perturbed variant (from row 13,152,
weekdays 07:00-10:30 times 0.8 and 21:00-23:30 times 1.2), scored from row
13,152 on. ``published``: the paper's figures, labelled as published.

Prints JSON and writes it to ``--output`` (``benchmarks/results/forecast.json``).
About a minute on 2 cores::

    python benchmarks/bench_forecast.py

``--tune`` prints instead how the defaults were chosen: the forecaster on
rows 0 to 9,999 only, scored on rows 3,000 to 9,999 (the scored rows are out
of the choice), with one setting changed at a time, and the three point
forecasts (median, mean, mode) of each run; it writes
``benchmarks/results/forecast_tuning.json`` (about 2 minutes)::

    python benchmarks/bench_forecast.py --tune
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _report import command, description, emit
from sklearn.linear_model import SGDRegressor

import sklearn_htm
from sklearn_htm import HTMForecaster
from sklearn_htm.anomaly._rows import stream_pooler
from sklearn_htm.forecasting._forecaster import distribution_points
from sklearn_htm.temporal_memory import TemporalMemoryTransformer

ROOT = Path(__file__).resolve().parent.parent
STEPS = 5
FIRST_SCORED = 10000
WEEK = 336
SERIES_STD = 6821.08
NLL_BUCKETS, NLL_RANGE, NLL_FLOOR = 22, 40000.0, 0.01
PERTURB_FROM = 13152
PUBLISHED = {
    "source": "Cui, Ahmad and Hawkins (2016), Neural Computation 28(11), Figure 10 "
              "(WAPE, NLL) and Figure 11 (after the perturbation, read from the figure)",
    "htm": {"wape": 0.0785, "nll": 1.5584, "wape_after_perturbation": 0.108},
    "lstm_6000": {"wape": 0.0819, "nll": 1.5726, "wape_after_perturbation": 0.129},
    "lstm_1000": {"wape": 0.0988},
    "online_lstm": {"wape": 0.1009},
    "tdnn": {"wape": 0.1044},
    "elm": {"wape": 0.1629},
}


def log(message):
    print(f"[bench_forecast] {message}", file=sys.stderr, flush=True)


def load(path):
    frame = pd.read_csv(path, skiprows=[1, 2])
    return pd.DataFrame({"timestamp": pd.to_datetime(frame["timestamp"]),
                         "value": frame["passenger_count"].astype(np.float64)})


def perturbed(series):
    """The paper's perturbed variant of the series."""
    out = series.copy()
    stamps = out["timestamp"]
    late = np.arange(len(out)) >= PERTURB_FROM
    weekday = stamps.dt.day_of_week < 5
    minutes = stamps.dt.hour * 60 + stamps.dt.minute
    morning = late & weekday & (minutes >= 7 * 60) & (minutes <= 10 * 60 + 30)
    evening = late & weekday & (minutes >= 21 * 60) & (minutes <= 23 * 60 + 30)
    out.loc[morning, "value"] *= 0.8
    out.loc[evening, "value"] *= 1.2
    return out


def metrics(forecast, truth, first):
    """WAPE and NRMSE of ``forecast[t]`` (made for row t) over rows ``first...``."""
    error = forecast[first:] - truth[first:]
    return {"wape": round(float(np.abs(error).sum() / np.abs(truth[first:]).sum()), 4),
            "nrmse": round(float(np.sqrt(np.mean(error ** 2)) / SERIES_STD), 4)}


def shifted(forecast_made_at):
    """Forecasts indexed by the row they are for (made STEPS rows before)."""
    out = np.full(forecast_made_at.shape[0], np.nan)
    out[STEPS:] = forecast_made_at[:-STEPS]
    return out


def htm(series, first):
    model = HTMForecaster(steps=(STEPS,), minimum=0, maximum=NLL_RANGE)
    start = time.perf_counter()
    model.fit(series)
    seconds = time.perf_counter() - start
    truth = series["value"].to_numpy()
    report = metrics(shifted(model.forecast_[:, 0]), truth, first)
    # Probability of the true value's paper bucket (several of ours to each).
    proba = model.forecast_proba_[:, 0, :]
    per = model.n_buckets // NLL_BUCKETS
    coarse = proba.reshape(proba.shape[0], NLL_BUCKETS, per).sum(axis=2)
    true_bucket = np.clip((truth / (NLL_RANGE / NLL_BUCKETS)).astype(int), 0, NLL_BUCKETS - 1)
    rows = np.arange(first, truth.shape[0])
    p = coarse[rows - STEPS, true_bucket[rows]]
    report["nll"] = round(float(-np.log(np.maximum(p, NLL_FLOOR)).mean()), 4)
    low, high = model.forecast_interval_[rows - STEPS, 0, 0], model.forecast_interval_[rows - STEPS, 0, 1]
    report["interval_coverage"] = round(float(np.mean((low <= truth[rows]) & (truth[rows] <= high))), 4)
    report["interval_level"] = model.coverage
    report["seconds"] = round(seconds, 1)
    report["us_per_row"] = round(seconds / len(series) * 1e6, 1)
    report["model"] = f"HTMForecaster(steps=({STEPS},), minimum=0, maximum={NLL_RANGE:g})"
    return report


def baselines(series, first):
    truth = series["value"].to_numpy()
    n = truth.shape[0]
    out = {"persistence": metrics(shifted(truth), truth, first)}
    weekly = np.full(n, np.nan)
    weekly[WEEK:] = truth[:-WEEK]
    out["seasonal_naive_weekly"] = metrics(weekly, truth, first)
    four = np.full(n, np.nan)
    four[4 * WEEK:] = np.mean([truth[4 * WEEK - k * WEEK:n - k * WEEK] for k in range(1, 5)],
                              axis=0)
    out["four_week_mean"] = metrics(four, truth, first)
    out["sgd_online"] = sgd_online(series, first)
    return out


def sgd_online(series, first):
    truth = series["value"].to_numpy() / NLL_RANGE
    stamps = series["timestamp"]
    slot = (stamps.dt.hour * 2 + stamps.dt.minute // 30).to_numpy()
    day = stamps.dt.day_of_week.to_numpy()
    model = SGDRegressor(learning_rate="constant", eta0=0.01, random_state=0)
    forecast = np.full(truth.shape[0], np.nan)
    start = time.perf_counter()
    for t in range(WEEK, truth.shape[0]):
        origin = t - STEPS
        features = np.zeros(6 + 1 + 48 + 7)
        features[:6] = truth[origin - 5:origin + 1][::-1]
        features[6] = truth[t - WEEK]
        features[7 + slot[t]] = 1.0
        features[55 + day[t]] = 1.0
        forecast[t] = model.predict(features[None])[0] if hasattr(model, "coef_") else truth[origin]
        model.partial_fit(features[None], [truth[t]])
    report = metrics(forecast * NLL_RANGE, truth * NLL_RANGE, first)
    report["seconds"] = round(time.perf_counter() - start, 1)
    report["model"] = ("SGDRegressor(learning_rate='constant', eta0=0.01), partial_fit per row "
                       "on 6 lags, the value a week before, one-hot half hour and weekday")
    return report


class _PreviousLayers(HTMForecaster):
    """The forecaster with its previous pooler and Temporal Memory (the
    anomaly detector's pooler; a Temporal Memory with the backtracking
    detector's thresholds 13 / 10, 20 new synapses, 32 a segment), for the
    tuning table only."""

    def _start(self, values):
        super()._start(values)
        self.pooler_ = stream_pooler(self.n_columns, self.random_state, self.verbose)
        self.temporal_memory_ = TemporalMemoryTransformer(
            n_cells_per_column=32, activation_threshold=13, min_threshold=10,
            max_new_synapse_count=20, max_segments_per_cell=128, max_synapses_per_segment=32,
            random_state=self.random_state)


TUNE_ROWS, TUNE_FIRST = 10000, 3000
TUNE_VARIANTS = {
    "defaults": {},
    "previous pooler and Temporal Memory (NAB-like)": {"_layers": True},
    "time_of_day=(21, 0.5), day_of_week=(21, 0.5)": {"time_of_day": (21, 0.5),
                                                     "day_of_week": (21, 0.5)},
    "time_of_day=(29, 0.6)": {"time_of_day": (29, 0.6)},
    "time_of_day=(29, 2.3)": {"time_of_day": (29, 2.3)},
    "day_of_week=(29, 1.0)": {"day_of_week": (29, 1.0)},
    "alpha=0.003": {"alpha": 0.003},
    "alpha=0.05": {"alpha": 0.05},
    "n_buckets=22": {"n_buckets": 22},
    "n_buckets=132": {"n_buckets": 132},
}


def tuning(series):
    """WAPE on rows TUNE_FIRST..TUNE_ROWS-1 of each variant, learning rows
    before TUNE_ROWS only."""
    head = series.iloc[:TUNE_ROWS]
    truth = head["value"].to_numpy()
    out = {}
    for name, change in TUNE_VARIANTS.items():
        change = dict(change)
        model = (_PreviousLayers if change.pop("_layers", False) else HTMForecaster)(
            steps=(STEPS,), minimum=0, maximum=NLL_RANGE, **change)
        model.fit(head)
        values = np.where(np.isnan(model.bucket_values_), 0.0, model.bucket_values_)
        mean, median, mode, _ = distribution_points(model.forecast_proba_[:, 0, :], values,
                                                    model.coverage)
        out[name] = {point: metrics(shifted(forecast), truth, TUNE_FIRST)["wape"]
                     for point, forecast in (("median", median), ("mean", mean), ("mode", mode))}
        log(f"{name}: {out[name]}")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=description(__doc__))
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "forecasting"
                                              / "nyc_taxi.csv"),
                        help="the series (default: ../shared/data/forecasting/nyc_taxi.csv)")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results"
                                                / "forecast.json"),
                        help="also write the JSON here")
    parser.add_argument("--tune", action="store_true",
                        help="how the defaults were chosen: variants on rows before 10,000 "
                             "(writes forecast_tuning.json beside --output)")
    args = parser.parse_args(argv)
    series = load(args.data)
    if args.tune:
        report = {"command": command(argv), "sklearn_htm": sklearn_htm.__version__,
                  "protocol": f"{STEPS} rows ahead, online, one pass over rows 0 to "
                              f"{TUNE_ROWS - 1}, rows {TUNE_FIRST} to {TUNE_ROWS - 1} scored "
                              "(WAPE); one setting changed at a time",
                  "variants": tuning(series)}
        emit(report, str(Path(args.output).with_name("forecast_tuning.json")))
        return 0
    report = {"command": command(argv), "sklearn_htm": sklearn_htm.__version__,
              "protocol": f"{STEPS} rows ahead, online, one pass over {len(series)} rows, "
                          f"rows {FIRST_SCORED} to {len(series) - 1} scored"}
    log(f"HTM forecaster on {len(series)} rows")
    report["htm"] = htm(series, FIRST_SCORED)
    log(f"htm: {report['htm']}")
    report["baselines"] = baselines(series, FIRST_SCORED)
    log("HTM forecaster on the perturbed series")
    variant = perturbed(series)
    report["perturbed"] = {"rows_scored": f"{PERTURB_FROM} to {len(series) - 1}",
                           "htm": htm(variant, PERTURB_FROM),
                           **baselines(variant, PERTURB_FROM)}
    report["published"] = PUBLISHED
    report["machine"] = {"cores": os.cpu_count(), "python": platform.python_version(),
                         "numpy": np.__version__}
    emit(report, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
