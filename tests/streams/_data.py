"""Small streams and a small detector for the tests of sklearn_htm.streams."""

import numpy as np
import pandas as pd
from sklearn.base import clone

from sklearn_htm import HTMAnomalyDetector

KEYS = ("cpu", "disk", 7)


def small_detector(**params):
    # 128 columns: 3 active per row, thresholds the Temporal Memory reaches.
    return HTMAnomalyDetector(probation=16, n_columns=128, block_size=4,
                              activation_threshold=2, min_threshold=1, **params)


def stream(key, n_rows, seed):
    """One stream's rows in long format: an hourly cycle of its own period."""
    rng = np.random.RandomState(seed)
    stamps = pd.date_range("2024-01-01", periods=n_rows, freq="h")
    value = 10 + 5 * np.sin(2 * np.pi * np.arange(n_rows) / (8 + seed)) \
        + rng.normal(0, 0.3, n_rows)
    return pd.DataFrame({"stream": [key] * n_rows, "timestamp": stamps, "value": value})


def interleaved(n_rows=40, keys=KEYS, seed=0):
    """The streams' rows in one frame, interleaved by a random order that
    keeps each stream's rows in its order."""
    frames = [stream(key, n_rows, k) for k, key in enumerate(keys)]
    owner = np.random.RandomState(seed).permutation(np.repeat(np.arange(len(keys)), n_rows))
    position = np.zeros(len(keys), dtype=int)
    picks = []
    for k in owner:
        picks.append(frames[k].iloc[position[k]])
        position[k] += 1
    return pd.DataFrame(picks).reset_index(drop=True).astype({"value": float})


def separately(X, ranges=None, detector=None, cuts=()):
    """The scores of one detector per stream fed its rows of X in the calls
    that X cut at ``cuts`` makes, in X's order."""
    ranges = ranges or {}
    detectors, scores = {}, np.empty(len(X))
    bounds = [0, *sorted(cuts), len(X)]
    for begin, end in zip(bounds[:-1], bounds[1:]):
        piece = X.iloc[begin:end]
        for key in dict.fromkeys(piece["stream"].tolist()):
            if key not in detectors:
                detectors[key] = (small_detector() if detector is None else clone(detector)).set_params(
                    **dict(zip(("minimum", "maximum"), ranges.get(key, (None, None)))))
            rows = piece.index[(piece["stream"] == key).to_numpy()]
            detectors[key].partial_fit(piece.loc[rows, ["timestamp", "value"]])
            scores[rows] = detectors[key].anomaly_score_
    return scores, detectors
