"""
================================================
Detecting anomalies in a stream, online
================================================

An :class:`~sklearn_htm.HTMAnomalyDetector` reads a stream of (timestamp,
value) rows and scores each row against what it learned from the rows before
it, then learns it: the protocol of NAB, the Numenta Anomaly Benchmark.

The stream here is two months of a daily rhythm sampled every 30 minutes. On
day 50 the sensor sticks at a middle value for six hours, well inside its
usual range: nothing a threshold on the value could see. The Temporal
Memory, which has learned the rhythm, is surprised (raw anomaly), and the
anomaly likelihood turns that surprise into the highest score since the
first days: the one alarm of the last month.

Why two months: in a stream that never restarts, a learned cycle keeps one
surprising step per repetition, moving one step along each time (when a step
becomes predicted, its cells change, and the next step must learn them
again): the daily spikes of raw anomaly below. It takes the likelihood a
few weeks of them to learn that they are normal, and then only the stuck
sensor stands out.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sklearn_htm import HTMAnomalyDetector

rng = np.random.RandomState(0)
n = 60 * 48
t = pd.date_range("2024-03-01", periods=n, freq="30min")
phase = 2 * np.pi * np.arange(n) / 48
value = 50 + 20 * np.sin(phase) + 8 * np.sin(3 * phase) + rng.normal(0, 0.3, n)
start = 50 * 48 + 20
value[start:start + 12] = 50.0  # the sensor sticks
frame = pd.DataFrame({"timestamp": t, "value": value})
window = (t[start - 6], t[start + 18])

# %%
# The detector
# ------------
# NAB gives a detector the series' range and the length of its probation
# (15% of the rows, at most 750): the likelihood reports 0.5 until then.
detector = HTMAnomalyDetector(minimum=value.min(), maximum=value.max(), probation=432,
                              threshold=0.4)
detector.fit(frame)
score = detector.anomaly_score_
alarms = np.flatnonzero(score >= detector.threshold)
print(f"rows: {n}, alarms at or above {detector.threshold}: {len(alarms)}")
late = alarms[alarms > 40 * 48]
print("alarms after day 40:", [str(t[a]) for a in late])
print("anomaly window:", window[0], "to", window[1])

# %%
# What each stage sees
# --------------------
fig, axes = plt.subplots(3, 1, figsize=(10, 6), sharex=True, layout="constrained")
axes[0].plot(t, value, linewidth=0.8)
axes[0].set_ylabel("value")
axes[1].plot(t, detector.raw_anomaly_, linewidth=0.6)
axes[1].set_ylabel("raw anomaly")
axes[2].plot(t, score, linewidth=0.8)
axes[2].axhline(detector.threshold, color="tab:gray", linestyle="--", linewidth=0.8)
axes[2].set_ylabel("anomaly score")
for ax in axes:
    ax.axvspan(*window, color="tab:red", alpha=0.2)
axes[0].set_title("A stuck sensor on day 50 (red): raw anomaly and NAB's anomaly score")

# %%
# scikit-learn's outlier conventions
# ----------------------------------
# ``score_samples`` and ``decision_function`` are higher for normal rows and
# ``predict`` says -1 for outliers, scoring new rows as the stream's
# continuation without learning them.
tomorrow = pd.DataFrame({
    "timestamp": pd.date_range(t[-1] + pd.Timedelta("30min"), periods=48, freq="30min"),
    "value": 50 + 20 * np.sin(phase[:48]) + 8 * np.sin(3 * phase[:48]),
})
print("tomorrow, as expected: outliers predicted:", int((detector.predict(tomorrow) == -1).sum()))
plt.show()
