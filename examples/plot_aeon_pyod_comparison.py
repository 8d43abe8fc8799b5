"""
==========================================================
HTM beside a PyOD detector in aeon, on generated anomalies
==========================================================

aeon's ``PyODAdapter`` runs any PyOD detector over a series: over windows of
``window_size`` values for detectors that score points of a feature space,
or row by row (``window_size=1``) for :class:`sklearn_htm.pyod.HTMDetector`,
which reads the rows as a stream. Both are fitted on a normal prefix and
score the rest (aeon's semi-supervised path): the HTM detector scores each
later row as the stream's continuation, the isolation forest each window of
50 values (a row's score is the mean of its windows').

The series come from :func:`sklearn_htm.datasets.make_anomaly_series`: a
clean periodic signal (a sine with its third harmonic, a period of about 50
rows) with one planted anomaly of each kind after a normal prefix of 2,000
rows. A series counts as found when the highest score after the prefix lies
within 100 rows of the anomaly
(:func:`sklearn_htm.metrics.anomaly_found_at_top`). With ``random_state=1``, HTM
finds all seven and the isolation forest six: it misses the spike, one value
in a window of 50. One seed is an illustration, not a measurement:
``benchmarks/bench_anomaly.py`` scores 56 series per detector.

This example needs aeon and PyOD: ``pip install "sklearn-htm[aeon,plot]"``
(aeon caps numba and numpy below their newest releases: use an environment
of its own), then ``python examples/plot_aeon_pyod_comparison.py``.
"""

import matplotlib.pyplot as plt
import numpy as np
from aeon.anomaly_detection.series import PyODAdapter
from pyod.models.iforest import IForest

from sklearn_htm import HTMAnomalyDetector
from sklearn_htm.datasets import make_anomaly_series
from sklearn_htm.metrics import anomaly_found_at_top
from sklearn_htm.pyod import HTMDetector

TRAIN = 2000
KINDS = ("spike", "level_shift", "frequency", "amplitude", "noise", "missing_cycle",
         "distorted_cycle")


def detectors():
    """The two detectors, each in aeon's adapter."""
    return {
        "HTM (window_size=1)": PyODAdapter(HTMDetector(HTMAnomalyDetector()), window_size=1),
        "IForest (window_size=50)": PyODAdapter(IForest(random_state=0), window_size=50),
    }


# %%
# Fit on the prefix, score the rest
# ---------------------------------
results = {}
for kind in KINDS:
    values, labels = make_anomaly_series(kind, signal="two_sines", random_state=1)
    scores = {}
    for name, detector in detectors().items():
        detector.fit(values[:TRAIN])
        scores[name] = np.concatenate([np.full(TRAIN, np.nan),
                                       detector.predict(values[TRAIN:])])
    results[kind] = (values, labels, scores)
    found = {name: anomaly_found_at_top(labels, np.nan_to_num(s, nan=-np.inf), start=TRAIN)
             for name, s in scores.items()}
    print(f"{kind:16s} " + "  ".join(f"{name}: {'found' if ok else 'missed'}"
                                     for name, ok in found.items()))

# %%
# The scores beside the series
# ----------------------------
fig, axes = plt.subplots(len(KINDS), 1, figsize=(10, 2.2 * len(KINDS)), sharex=True)
for axis, (kind, (values, labels, scores)) in zip(axes, results.items()):
    axis.plot(values, lw=0.5, color="tab:gray")
    axis.fill_between(np.arange(len(values)), values.min(), values.max(), where=labels > 0,
                      color="tab:orange", alpha=0.3, label="anomaly")
    axis.set_ylabel(kind, fontsize=8)
    twin = axis.twinx()
    for (name, score), colour in zip(scores.items(), ("tab:blue", "tab:red")):
        scaled = (score - np.nanmin(score)) / (np.nanmax(score) - np.nanmin(score))
        twin.plot(scaled, lw=0.6, color=colour, label=name)
    twin.set_yticks([])
axes[0].legend(loc="upper left", fontsize=7)
twin.legend(loc="lower left", fontsize=7)
axes[-1].set_xlabel("row")
fig.tight_layout()
plt.show()
