"""NAB's threshold optimisation: the corpus' raw score at every candidate threshold.

As NAB's ``nab/sweeper.py`` and ``nab/optimizer.py``: the candidates are 1.1
(nothing detected) and every distinct anomaly score of a scored row; the
chosen threshold is the one that maximises the corpus' summed raw score, the
highest of equally good ones.
"""

import numpy as np
import pandas as pd

# The threshold that stands for "no detection at all" in the sweep: above every
# anomaly score (scores lie in [0, 1]). NAB's sweeper starts from the same value.
_NO_DETECTION = 1.1


def _sweep_values(prepared, weights):
    """Weighted value of each scored row: reward inside a window, cost outside."""
    inside = prepared.window >= 0
    return np.where(inside, prepared.unit * weights["tp"], prepared.unit * weights["fp"])


def _sweep(prepared_list, weights):
    """Corpus raw score at every candidate threshold, in one pass over sorted scores.

    Candidates are 1.1 (nothing detected) and every distinct anomaly score of a
    scored row, in decreasing order; at each one, every row whose score is at
    least the candidate is a detection.

    Returns
    -------
    thresholds, totals : ndarray of shape (n_candidates,)
    """
    scores, windows, values = [], [], []
    n_windows = 0
    for prepared in prepared_list:
        scores.append(prepared.scores)
        windows.append(np.where(prepared.window >= 0, prepared.window + n_windows, -1))
        values.append(_sweep_values(prepared, weights))
        n_windows += prepared.n_scored_windows
    scores = np.concatenate(scores) if scores else np.empty(0)
    windows = np.concatenate(windows) if windows else np.empty(0, dtype=np.int64)
    values = np.concatenate(values) if values else np.empty(0)

    order = np.argsort(-scores, kind="stable")
    scores, windows, values = scores[order], windows[order], values[order]

    # Lowering the threshold past a row adds a false positive's cost, or raises its
    # window's part from max(-fn, best so far) to max(-fn, best so far, its reward).
    change = values.copy()
    inside = windows >= 0
    if inside.any():
        fn = -weights["fn"]
        part = pd.Series(values[inside]).groupby(windows[inside]).cummax().to_numpy()
        part = np.maximum(part, fn)
        before = pd.Series(part).groupby(windows[inside]).shift(1, fill_value=fn).to_numpy()
        change[inside] = part - before
    totals = -weights["fn"] * n_windows + np.cumsum(change)

    last_of_value = np.flatnonzero(np.r_[scores[1:] != scores[:-1], True]) if scores.size else []
    thresholds = np.r_[_NO_DETECTION, scores[last_of_value]]
    totals = np.r_[-weights["fn"] * n_windows, totals[last_of_value]]
    return thresholds, totals


def _best_threshold(prepared_list, weights):
    """The threshold that maximises the corpus' summed raw score."""
    thresholds, totals = _sweep(prepared_list, weights)
    # The first maximum: among equal scores, the highest threshold (as NAB).
    return float(thresholds[int(np.argmax(totals))])
