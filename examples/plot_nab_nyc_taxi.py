"""
=======================================================
Streaming a real series: New York taxi demand
=======================================================

NAB's ``realKnownCause/nyc_taxi.csv`` counts New York taxi passengers every
30 minutes for seven months, with five labelled anomalies (the NYC marathon,
Thanksgiving, Christmas, New Year, a snow storm). Each row goes through the
whole HTM chain, online, as a live stream would:

1. a :class:`~sklearn_htm.ScalarEncoder` for the value and a
   :class:`~sklearn_htm.DateEncoder` for the time of day and the weekend,
   side by side in a :class:`~sklearn.compose.ColumnTransformer`;
2. a :class:`~sklearn_htm.SpatialPoolerTransformer` (2048 columns, 40
   active) that learns as the stream goes;
3. a :class:`~sklearn_htm.TemporalMemoryTransformer` whose ``partial_fit``
   scores each row against what it learned from the rows before it, then
   learns it: ``anomaly_`` is the raw anomaly of every row of the call.

The stream is fed in blocks of a day (48 rows) and nothing ever sees a row
before it arrives. The plot shows the value, the raw anomaly and NAB's
labelled anomaly windows. The raw anomaly is noisy by nature (it is the
fraction of the columns that nothing predicted). The last section runs the
ready detector, :class:`~sklearn_htm.HTMAnomalyDetector` (NuPIC's
backtracking Temporal Memory and the anomaly likelihood, NAB's protocol),
on the same series and plots its score against the windows.

This example needs the NAB data: ``python examples/plot_nab_nyc_taxi.py
--data /path/to/NAB`` (the folder holding ``data/`` and ``labels/``).
"""

import argparse
import json
import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer

from sklearn_htm import (
    DateEncoder,
    HTMAnomalyDetector,
    ScalarEncoder,
    SpatialPoolerTransformer,
    TemporalMemoryTransformer,
)

parser = argparse.ArgumentParser(description="Stream nyc_taxi through HTM.")
parser.add_argument("--data", default=os.environ.get("NAB_DIR"),
                    required="NAB_DIR" not in os.environ,
                    help="the NAB folder, with data/ and labels/ (default: $NAB_DIR)")
args, _ = parser.parse_known_args(sys.argv[1:])
nab = Path(args.data)
frame = pd.read_csv(nab / "data/realKnownCause/nyc_taxi.csv", parse_dates=["timestamp"])
windows = json.loads((nab / "labels/combined_windows.json").read_text())[
    "realKnownCause/nyc_taxi.csv"]
print(f"{len(frame)} rows from {frame.timestamp.iloc[0]} to {frame.timestamp.iloc[-1]}")

# %%
# The chain
# ---------
# The encoders' ranges are fixed (a stream cannot look ahead): 0 to 40,000
# passengers per half hour, values outside clipped.
encode = make_column_transformer(
    (ScalarEncoder(n_active=21, size=400, minimum=0, maximum=40_000, clip_input=True),
     ["value"]),
    (DateEncoder(time_of_day=(21, 9.49), weekend=21), ["timestamp"]),
)
encode.fit(frame.iloc[:1])
# A pooler that changes slowly: no boosting, small permanence steps (the
# values of NAB's HTM detector), so that the Temporal Memory sees stable codes.
pooler = SpatialPoolerTransformer(
    n_columns=2048, sparsity=40 / 2048, potential_pct=0.8, connected_threshold=0.2,
    permanence_increment=0.003, permanence_decrement=0.0005, boost_strength=0.0,
    shuffle=False, random_state=0,
)
memory = TemporalMemoryTransformer(random_state=0)

anomaly = []
for start in range(0, len(frame), 48):
    day = frame.iloc[start:start + 48]
    bits = encode.transform(day)
    pooler.partial_fit(bits)
    memory.partial_fit(pooler.transform(bits))
    anomaly.append(memory.anomaly_)
    if start // 48 % 30 == 0:
        print(f"day {start // 48:3d}: mean raw anomaly {memory.anomaly_.mean():.2f}, "
              f"{memory.n_segments_} segments")
anomaly = np.concatenate(anomaly)

# %%
# Value, raw anomaly and the labelled windows
# -------------------------------------------
# Averaging the raw anomaly over a few hours shows where the layer is
# surprised for long: the labelled holidays and storm stand out once the
# daily and weekly rhythms are learned.
smooth = pd.Series(anomaly).rolling(24, min_periods=1).mean()
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5), sharex=True, layout="constrained")
top.plot(frame.timestamp, frame.value, linewidth=0.6)
top.set_ylabel("passengers / 30 min")
bottom.plot(frame.timestamp, anomaly, linewidth=0.3, alpha=0.5, label="raw anomaly")
bottom.plot(frame.timestamp, smooth, linewidth=1.0, label="12-hour mean")
bottom.set_ylabel("raw anomaly")
bottom.legend(loc="upper right")
for lo, hi in windows:
    for ax in (top, bottom):
        ax.axvspan(pd.Timestamp(lo), pd.Timestamp(hi), color="tab:red", alpha=0.2)
top.set_title("nyc_taxi: value, raw anomaly and NAB's anomaly windows (red)")
plt.show()

# %%
# The ready detector: NAB's score
# -------------------------------
# :class:`~sklearn_htm.HTMAnomalyDetector` is the chain NAB scores: given
# only the series' range and its probation length (15% of the rows, at most
# 750, not scored), it scores each row, then learns it. NAB's threshold for
# this detector (the standard profile, ``benchmarks/results/nab.json``) is
# about 0.52.
detector = HTMAnomalyDetector(minimum=frame.value.min(), maximum=frame.value.max(),
                              probation=750, random_state=0, verbose=1)
detector.fit(frame)
score = detector.anomaly_score_
alarms = np.flatnonzero(score[750:] >= 0.52) + 750
print(f"alarms at or above 0.52 after the probation: {len(alarms)}")
for a in alarms:
    inside = any(pd.Timestamp(lo) <= frame.timestamp[a] <= pd.Timestamp(hi)
                 for lo, hi in windows)
    print(f"  {frame.timestamp[a]}  {'in a window' if inside else 'outside the windows'}")

fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5), sharex=True, layout="constrained")
top.plot(frame.timestamp, frame.value, linewidth=0.6)
top.set_ylabel("passengers / 30 min")
bottom.plot(frame.timestamp, score, linewidth=0.6)
bottom.axhline(0.52, color="tab:gray", linestyle="--", linewidth=0.8)
bottom.axvspan(frame.timestamp[0], frame.timestamp[749], color="tab:gray", alpha=0.15)
bottom.set_ylabel("anomaly score")
for lo, hi in windows:
    for ax in (top, bottom):
        ax.axvspan(pd.Timestamp(lo), pd.Timestamp(hi), color="tab:red", alpha=0.2)
top.set_title("nyc_taxi: HTMAnomalyDetector's score, its threshold, the probation (grey) "
              "and NAB's windows (red)")
plt.show()
