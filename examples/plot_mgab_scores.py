"""
=======================================================
Scores on a chaotic series without a clock (MGAB)
=======================================================

MGAB (the Mackey-Glass anomaly benchmark) holds ten chaotic series of
100,000 points without timestamps, each with ten anomalies that are hard to
see by eye, labelled as windows of 401 points. Its protocol ranks: take the
highest peaks of a score (after each pick, hide 200 points on either side)
and count the windows they fall in.

This example runs :class:`~sklearn_htm.HTMAnomalyDetector`, with its
defaults, on 27,000 points of the first series (three anomalies), given as
a plain 1-D array: a stream without a clock, so the detector encodes the
value alone. It plots the value with the windows, NAB's score
(``anomaly_score_``, in [0, 1]) and the ranking score (``ranking_score_``,
the same score with its ties at the top graded), and compares the
detector's highest peaks with those of the absolute first difference, a
one-line baseline.

Read it as what it is: on chaotic series HTM is weak. Every stretch of a
chaotic series is a little new; the Temporal Memory learns each variation
of the coarse value buckets it sees and, after some thousand points,
predicts nearly all of them at once (its raw anomaly is 0 on most rows), so
the anomalies do not stand out (TimeEval measured NuPIC's
HTM at a ROC AUC of 0.49 on MGAB, chance level; subsequence methods reach
0.97-0.98). The detector's peaks here are false alarms, as the first
difference's are. On NAB's real streams, with a daily rhythm and a clock,
the same detector ranks second of the published detectors; see
:doc:`/reading_scores` for reading both scores.

A simple learned baseline shows what the anomalies are: a forecast of each
point's change by its nearest neighbours among windows of the 40 points
before it finds two of the three. An MGAB anomaly is a splice after which
the series continues smoothly, but not as the last few dozen points would
make it continue; a comparison of whole windows sees that, coarse value
buckets do not.

This example needs MGAB: ``python examples/plot_mgab_scores.py --data
/path/to/mgab`` (the folder holding ``1.csv`` ... ``10.csv``), about two
minutes.
"""

import argparse
import os
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.neighbors import KNeighborsRegressor

from sklearn_htm import HTMAnomalyDetector
from sklearn_htm.metrics import recall_at_k, top_k_peaks

parser = argparse.ArgumentParser(description="HTM's scores on one MGAB series.")
parser.add_argument("--data", default=os.environ.get("MGAB_DIR"),
                    required="MGAB_DIR" not in os.environ,
                    help="the MGAB folder of 1.csv ... 10.csv (default: $MGAB_DIR)")
args, _ = parser.parse_known_args(sys.argv[1:])
series = pd.read_csv(Path(args.data) / "1.csv").iloc[20_000:47_000]
value = series["value"].to_numpy()
labels = series["is_anomaly"].to_numpy()
edges = np.flatnonzero(np.diff(np.concatenate([[0], labels, [0]])))
windows = list(zip(edges[0::2].tolist(), edges[1::2].tolist()))  # (start, stop) rows
print(f"{value.size} points, anomaly windows from {[start for start, _ in windows]}")

# %%
# The detector learns the points in one call, one after another, as a
# stream. Without a range (``minimum``, ``maximum``) it takes the first
# call's. The first ``probation`` (750) scores are its warm-up: they are
# left out of the ranking, for the baseline too.

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the one-time compile notice
    detector = HTMAnomalyDetector(verbose=1).fit(value)

# %%
# The baseline: each point's change forecast by its 5 nearest neighbours
# among the windows of 40 points before it in the first fifth of the
# points, and the error of that forecast.

windows_of_40 = np.lib.stride_tricks.sliding_window_view(value, 40)[:-1]
change = np.diff(value)[39:]  # the change after each window
learned = value.size // 5 - 40
neighbours = KNeighborsRegressor(n_neighbors=5).fit(windows_of_40[:learned], change[:learned])
forecast_error = np.full(value.size, np.nan)
forecast_error[40:] = np.abs(neighbours.predict(windows_of_40) - change)

scores = {
    "HTM ranking score": detector.ranking_score_.copy(),
    "absolute first difference": np.abs(np.diff(value, prepend=value[0])),
    "nearest neighbours' forecast error": forecast_error,
}
for score in scores.values():
    score[:detector.probation] = np.nan
for name, score in scores.items():
    peaks = top_k_peaks(score, k=len(windows))
    hit = recall_at_k(labels, score, k=len(windows))
    print(f"{name}: highest {len(windows)} peaks at {peaks.tolist()}, "
          f"{hit:.0%} of the windows found")

# %%
# The value, the windows, and both of the detector's scores. NAB's score
# saturates at 1 (every value beyond the range seen, and every likelihood
# beyond 1 - 1e-10, scores 1); the ranking score grades those ties, so its
# peaks are the ones a user ranking alarms would see.

fig, axes = plt.subplots(3, 1, figsize=(10, 7), sharex=True)
rows = np.arange(value.size)
axes[0].plot(rows, value, lw=0.4)
axes[0].set_ylabel("value")
axes[1].plot(rows, detector.anomaly_score_, lw=0.4, color="tab:orange")
axes[1].set_ylabel("NAB score")
axes[2].plot(rows, detector.ranking_score_, lw=0.4, color="tab:red")
axes[2].set_ylabel("ranking score")
for peak in top_k_peaks(scores["HTM ranking score"], k=len(windows)).tolist():
    axes[2].axvline(peak, color="black", ls=":", lw=1)
for ax in axes:
    for start, stop in windows:
        ax.axvspan(start, stop, color="tab:green", alpha=0.3, lw=0)
axes[2].set_xlabel("point (rows 20,000-47,000 of 1.csv); green: anomaly windows, "
                   "dotted: the highest peaks")
fig.tight_layout()
plt.show()
