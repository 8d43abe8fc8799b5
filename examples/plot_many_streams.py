"""
Many streams at once
====================

A fleet of 200 servers reports one metric each, a value every five minutes.
:class:`~sklearn_htm.MultiStreamDetector` keeps one HTM anomaly detector per
stream: the rows of all streams arrive together, in long format (a
``stream``, a ``timestamp`` and a ``value`` per row, as metric stores export
them), and each stream's detector learns its own rows in their order. Ten
servers misbehave late in the run (a spike, a level shift or a burst of
noise); we rank the streams by their highest score after the detectors'
probation and plot the most anomalous ones.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sklearn_htm import HTMAnomalyDetector, MultiStreamDetector

rng = np.random.default_rng(0)
n_streams, n_values, probation = 200, 260, 120
stamps = pd.date_range("2024-03-01", periods=n_values, freq="5min")
t = np.arange(n_values)

# %%
# Each server's metric: a cycle of its own period, level and noise. Ten of
# them change after the probation.
frames, faulty = [], {}
for k in range(n_streams):
    level, period = rng.uniform(20, 80), rng.integers(12, 48)
    value = level + 0.3 * level * np.sin(2 * np.pi * t / period) + rng.normal(0, 1, n_values)
    if k % 20 == 7:
        at = int(rng.integers(probation + 40, n_values - 20))
        kind = ["spike", "level shift", "noise burst"][k // 20 % 3]
        if kind == "spike":
            value[at] += 0.8 * level
        elif kind == "level shift":
            value[at:] += 0.5 * level
        else:
            value[at:at + 15] += rng.normal(0, 0.4 * level, 15)
        faulty[f"server-{k:03d}"] = (at, kind)
    frames.append(pd.DataFrame({"stream": f"server-{k:03d}", "timestamp": stamps,
                                "value": value}))

# One row of every server per timestamp, as a collector would send them.
rows = pd.concat(frames).sort_values("timestamp", kind="stable").reset_index(drop=True)
ranges = {frame["stream"][0]: (frame["value"].min(), frame["value"].max())
          for frame in frames}
print(rows.head())

# %%
# One detector per server. NAB gives each detector its series' range; so do
# we. The rows are learned in chunks, as they would arrive.
detector = HTMAnomalyDetector(probation=probation)
streams = MultiStreamDetector(detector, ranges=ranges)
scores = np.concatenate([
    streams.partial_fit(rows.iloc[begin:begin + 10 * n_streams]).anomaly_score_
    for begin in range(0, len(rows), 10 * n_streams)])
print(f"{len(streams.streams_)} streams, {streams.n_samples_seen_} values learned")

# %%
# Rank the streams by their highest score after the probation.
scored = rows.assign(anomaly_score=scores)
after = scored[scored["timestamp"] >= stamps[probation]]
ranking = after.groupby("stream")["anomaly_score"].max().sort_values(ascending=False)
top = ranking.index[:6]
print("the faulty servers among the top 10:",
      sorted(set(ranking.index[:10]) & set(faulty)), "of", sorted(faulty))

# %%
# The six most anomalous streams; a red line marks an injected fault.
fig, axes = plt.subplots(len(top), 1, figsize=(8, 1.6 * len(top)), sharex=True)
for ax, key in zip(axes, top):
    stream = scored[scored["stream"] == key]
    ax.plot(stream["timestamp"], stream["value"], lw=0.8, color="0.3")
    flagged = stream[(stream["anomaly_score"] >= 0.5)
                     & (stream["timestamp"] >= stamps[probation])]
    ax.scatter(flagged["timestamp"], flagged["value"], color="tab:orange", s=12, zorder=3)
    if key in faulty:
        ax.axvline(stamps[faulty[key][0]], color="tab:red", lw=1)
    ax.set_ylabel(key, rotation=0, ha="right", fontsize=8)
axes[0].set_title("The most anomalous of 200 streams (orange: score >= 0.5)")
fig.tight_layout()
plt.show()
