"""
=======================================================
Forecasting a real series: New York taxi demand
=======================================================

:class:`~sklearn_htm.HTMForecaster` learns a stream one row at a time and,
at every row, forecasts the value some rows ahead before it learns that row.
Here it forecasts New York taxi passengers (counted every 30 minutes, a
year of them) 5 rows, two and a half hours, ahead: the setting of Cui, Ahmad
and Hawkins (2016), where HTM was compared with LSTMs on this series.

The forecast made at row ``t`` is for row ``t + 5``: to compare it with the
truth, plot it at row ``t + 5``. Plotted at the row it was made at, a good
forecast runs 5 rows ahead of the truth; plotted where it belongs, a
forecast that only repeats the latest value trails the truth by 5 rows (the
"HTM predictions lag" often reported: the model follows, it does not
foresee). The plots below show both, with the 80% interval.

This example needs the series: ``python examples/plot_forecast_nyc_taxi.py
--data /path/to/nyc_taxi.csv`` (NuPIC's three-line header:
``timestamp,passenger_count,...``). Its first 10,320 rows are NAB's
``realKnownCause/nyc_taxi.csv``, which works too.
"""

import argparse
import copy
import os
import sys
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sklearn_htm import HTMForecaster

parser = argparse.ArgumentParser(description="Forecast nyc_taxi with HTM.")
parser.add_argument("--data", default=os.environ.get("NYC_TAXI_CSV"),
                    required="NYC_TAXI_CSV" not in os.environ,
                    help="nyc_taxi.csv (default: $NYC_TAXI_CSV)")
args, _ = parser.parse_known_args(sys.argv[1:])

# %%
# The stream
# ----------
# Rows of (timestamp, value); NuPIC's files have two more header lines,
# which pandas skips if they are there.
raw = pd.read_csv(args.data)
raw = raw[raw["timestamp"].str.match(r"\d{4}-")]
X = pd.DataFrame({"timestamp": pd.to_datetime(raw["timestamp"]),
                  "value": raw.iloc[:, 1].astype(float)}).reset_index(drop=True)
print(f"{len(X)} rows from {X.timestamp.iloc[0]} to {X.timestamp.iloc[-1]}")

# %%
# Learn and forecast, online
# --------------------------
# One pass, as a live stream would be learned: ``fit`` runs the rows in
# order, forecasting each before learning it; ``partial_fit`` continues
# the stream with more rows (here the last day). ``forecast_`` holds the
# forecasts of the last call's rows. The range is given, so that the value
# buckets do not depend on the first rows.
steps = 5
model = HTMForecaster(steps=(1, steps), minimum=0, maximum=40000, verbose=1)
start = time.perf_counter()
model.fit(X.iloc[:-48])
made = [model.forecast_]
intervals = [model.forecast_interval_]
before_last_day = copy.deepcopy(model)
model.partial_fit(X.iloc[-48:])
made.append(model.forecast_)
intervals.append(model.forecast_interval_)
made, intervals = np.concatenate(made), np.concatenate(intervals)
print(f"{len(X)} rows in {time.perf_counter() - start:.1f} s")

# %%
# Forecasts are made ``steps`` rows before the row they are for: shift them
# forward to compare with the truth.
truth = X["value"].to_numpy()
column = model.steps_.index(steps)
forecast = np.full(len(X), np.nan)
forecast[steps:] = made[:-steps, column]
interval = np.full((len(X), 2), np.nan)
interval[steps:] = intervals[:-steps, column]

# The paper scored rows 10,000 on (the second half of a shorter file here).
scored = np.arange(len(X)) >= (10000 if len(X) > 10000 else len(X) // 2)
wape = np.abs(forecast - truth)[scored].sum() / truth[scored].sum()
inside = (interval[:, 0] <= truth) & (truth <= interval[:, 1])
print(f"WAPE {wape:.4f} over the last {scored.sum()} rows; "
      f"{inside[scored].mean():.0%} of them inside the 80% interval")

# The same horizon, persistence (the value 5 rows before) and the value a
# week before, for scale.
persistence = np.r_[np.full(steps, np.nan), truth[:-steps]]
week = np.r_[np.full(336, np.nan), truth[:-336]]
for name, baseline in (("persistence", persistence), ("a week before", week)):
    error = np.abs(baseline - truth)[scored].sum() / truth[scored].sum()
    print(f"{name}: WAPE {error:.4f}")

# %%
# A week of forecasts
# -------------------
# The truth, the forecast for each row (made 5 rows before) and its 80%
# central interval. Left: each forecast where it belongs. Right: the same
# forecasts at the row they were made at, 5 rows early; and persistence (the
# value 5 rows before) where it belongs, which trails the truth.
last = np.flatnonzero(scored)[-336:]
hours = (X["timestamp"].iloc[last] - X["timestamp"].iloc[last[0]]).dt.total_seconds() / 3600
fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
axes[0].fill_between(hours, interval[last, 0], interval[last, 1], color="tab:orange",
                     alpha=0.25, label="80% interval")
axes[0].plot(hours, truth[last], color="black", lw=1, label="truth")
axes[0].plot(hours, forecast[last], color="tab:orange", lw=1, label=f"forecast, {steps} rows ahead")
axes[0].set_title("forecasts at the row they are for")
axes[1].plot(hours, truth[last], color="black", lw=1, label="truth")
axes[1].plot(hours, made[last, column], color="tab:red", lw=1,
             label="forecast at the row it was made")
axes[1].plot(hours, persistence[last], color="tab:gray", lw=1, ls="--",
             label="persistence, where it belongs")
axes[1].set_title("unshifted forecasts run 5 rows early")
for ax in axes:
    ax.set_xlabel("hours")
    ax.legend(loc="upper left", fontsize="small")
axes[0].set_ylabel("passengers per 30 min")
fig.tight_layout()

# %%
# Forecasting without learning
# ----------------------------
# ``predict`` reads rows as the stream's continuation without learning
# them. The copy kept before the last day forecasts that day: its first row
# exactly as the learning model did, the later rows from a model that has
# not learned the day's earlier rows.
ahead = before_last_day.predict(X.iloc[-48:])
learned = made[-48:]
print("first row identical:", np.array_equal(ahead[0], learned[0]))
print(f"largest difference over the day: {np.nanmax(np.abs(ahead - learned)):.0f} passengers")
plt.show()
