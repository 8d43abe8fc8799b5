"""How an anomaly score is judged beyond NAB: the rows a ranking puts first.

Two protocols of the literature, both for scores where higher is more
anomalous:

- one labelled anomaly per series after a normal prefix (Wu and Keogh's
  archive, 2021): the series counts as found when the highest score after
  the prefix lies within 100 rows of the anomaly
  (:func:`anomaly_found_at_top`);
- several anomalies per series (MGAB, Thill, Konen and Baeck 2020): the
  ``k`` highest peaks of the score, each pick hiding the rows around it,
  and the share of anomaly windows they hit (:func:`recall_at_k`).
"""

import numpy as np


def _scores_and_labels(y_true, scores):
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype=np.float64)
    if y_true.ndim != 1 or scores.shape != y_true.shape:
        raise ValueError(f"y_true and scores must be 1-D of one length; got shapes "
                         f"{y_true.shape} and {scores.shape}.")
    if not np.isin(y_true, (0, 1)).all():
        raise ValueError("y_true must hold 0 (normal) and 1 (anomalous) only.")
    if not y_true.any():
        raise ValueError("y_true labels no anomaly.")
    return y_true.astype(bool), np.where(np.isnan(scores), -np.inf, scores)


def anomaly_windows(y_true):
    """The runs of 1 in ``y_true`` as ``(start, stop)`` row pairs (stop
    excluded), in order."""
    padded = np.concatenate([[0], np.asarray(y_true, dtype=np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist()))


def top_k_peaks(scores, *, k=10, exclusion=200):
    """The rows of the ``k`` highest peaks of ``scores``, highest first: the
    highest row, then the highest of the rows more than ``exclusion`` rows
    from every row picked, and so on (fewer than ``k`` when the series runs
    out). Of tied rows the first is picked; NaN and -inf are never picked.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Higher is more anomalous.
    k : int, default=10
    exclusion : int, default=200
        Rows hidden on either side of each pick.

    Returns
    -------
    peaks : ndarray of int64, shape (at most k,)

    Raises
    ------
    ValueError
        For scores that are not 1-D, ``k`` below 1 or a negative ``exclusion``.
    """
    scores = np.asarray(scores, dtype=np.float64).copy()
    if scores.ndim != 1:
        raise ValueError(f"scores must be 1-D; got shape {scores.shape}.")
    if k < 1 or exclusion < 0:
        raise ValueError(f"k must be at least 1 and exclusion at least 0; got k={k!r}, "
                         f"exclusion={exclusion!r}.")
    scores[np.isnan(scores)] = -np.inf
    peaks = []
    while len(peaks) < k:
        row = int(np.argmax(scores))
        if scores[row] == -np.inf:
            break
        peaks.append(row)
        scores[max(0, row - exclusion):row + exclusion + 1] = -np.inf
    return np.asarray(peaks, dtype=np.int64)


def recall_at_k(y_true, scores, *, k=10, exclusion=200):
    """Share of the anomaly windows hit by the ``k`` highest peaks of the
    score (MGAB's protocol: ``k`` = 10 windows, ``exclusion`` = 200 rows).

    A window counts once however many peaks fall in it. Rows to leave out
    (a warm-up whose false alarms do not count) are given a NaN score.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        1 on the rows of the anomaly windows, 0 elsewhere.
    scores : array-like of shape (n_samples,)
        Higher is more anomalous (an anomaly score, ``-score_samples``).
    k, exclusion : int
        As :func:`top_k_peaks`.

    Returns
    -------
    recall : float
        Windows hit / windows, in [0, 1].

    Raises
    ------
    ValueError
        When the shapes differ, ``y_true`` is not 0 / 1, or labels nothing.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_htm.metrics import recall_at_k
    >>> y = np.zeros(1000, dtype=int); y[100:150] = 1; y[600:650] = 1
    >>> scores = np.zeros(1000); scores[120] = 5.0; scores[900] = 4.0
    >>> recall_at_k(y, scores, k=2)
    0.5
    """
    labels, scores = _scores_and_labels(y_true, scores)
    windows = anomaly_windows(labels)
    peaks = top_k_peaks(scores, k=k, exclusion=exclusion)
    hit = sum(any(start <= p < stop for p in peaks.tolist()) for start, stop in windows)
    return hit / len(windows)


def anomaly_found_at_top(y_true, scores, *, start=0, margin=100):
    """Whether the highest score from row ``start`` on lies within
    ``margin`` rows of the labelled anomaly (the one-anomaly archive's rule;
    ``start``: the end of the normal training prefix). Of tied rows the
    first counts: a score that saturates is judged by its first maximum.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        1 on the anomaly's rows, 0 elsewhere.
    scores : array-like of shape (n_samples,)
        Higher is more anomalous.
    start : int, default=0
    margin : int, default=100

    Returns
    -------
    found : bool

    Raises
    ------
    ValueError
        As :func:`recall_at_k`, for a negative ``margin`` or a ``start``
        outside the series, or when no row from ``start`` on is labelled.
    """
    labels, scores = _scores_and_labels(y_true, scores)
    if margin < 0 or not 0 <= start < labels.shape[0]:
        raise ValueError(f"margin must be at least 0 and start a row of the series; got "
                         f"margin={margin!r}, start={start!r}.")
    rows = np.flatnonzero(labels)
    if rows[-1] < start:
        raise ValueError(f"no anomaly is labelled from start={start} on.")
    top = start + int(np.argmax(scores[start:]))
    return bool(rows[0] - margin <= top <= rows[-1] + margin)
