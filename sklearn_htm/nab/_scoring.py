"""Scoring of the Numenta Anomaly Benchmark (NAB).

NAB scores a detector by its anomaly scores, one float in [0, 1] per row of each
data file, against labelled anomaly *windows* (time ranges, a few per file):

- a row is a *detection* when its anomaly score is at least the threshold;
- the first ``probation_length(n_rows)`` rows of each file are not scored at all;
- a window earns the profile's true-positive weight times the scaled sigmoid of
  where its first detection falls: the full weight at the window's left edge,
  about 0 at its right edge; a window without a detection costs the
  false-negative weight;
- a detection outside every window costs the false-positive weight times a
  scaled sigmoid of its distance (in window widths) past the end of the
  preceding window: almost nothing right after a window, the full weight three
  widths or more after it, or anywhere before the first window;
- the per-file scores are summed over the corpus and normalised so that the
  null detector (no detection at all) scores 0 and a perfect detector (every
  window detected at its left edge, nothing else) scores 100;
- a detector's threshold, one per scoring profile, is the one that maximises
  the corpus' summed score, found by sweeping every distinct anomaly score.

The three profiles (:data:`~sklearn_htm.metrics.NAB_PROFILES`) weigh these outcomes differently.

This module is an independent implementation of the rules of NAB's
``nab/sweeper.py``, ``nab/scorer.py``, ``nab/optimizer.py`` and
``nab/runner.py`` (numenta/NAB, commit ea702d7). Scoring NAB's stored
results of Numenta's HTM detector with it gives NAB's published figures for
that detector; the documentation's anomaly detection page quotes them.

References
----------
.. [1] A. Lavin and S. Ahmad, "Evaluating Real-time Anomaly Detection
   Algorithms -- the Numenta Anomaly Benchmark", 14th International Conference
   on Machine Learning and Applications (IEEE ICMLA'15), 2015.
.. [2] Numenta Anomaly Benchmark, https://github.com/numenta/NAB: ``nab/sweeper.py``,
   ``nab/scorer.py``, ``nab/optimizer.py``, ``nab/runner.py``.
"""

import math
from collections.abc import Mapping
from numbers import Real
from typing import NamedTuple

import numpy as np
import pandas as pd

from ._thresholds import _best_threshold, _sweep_values
from ._windows import _prepare

__all__ = [
    "PROFILES",
    "CorpusScore",
    "SeriesScore",
    "score_all_profiles",
    "score_corpus",
    "score_series",
]

#: Weights of each outcome in NAB's three scoring profiles (``config/profiles.json``).
#: ``tn`` is listed for completeness: NAB's score does not use it.
PROFILES = {
    "standard": {"tp": 1.0, "fp": 0.11, "fn": 1.0, "tn": 1.0},
    "reward_low_FP_rate": {"tp": 1.0, "fp": 0.22, "fn": 1.0, "tn": 1.0},
    "reward_low_FN_rate": {"tp": 1.0, "fp": 0.11, "fn": 2.0, "tn": 1.0},
}


class SeriesScore(NamedTuple):
    """The NAB score of one series at one threshold.

    Attributes
    ----------
    score : float
        Raw (unnormalised) score: the windows' rewards and penalties plus the
        false positives' penalties.
    threshold : float
        Threshold used: a row is a detection when its anomaly score is
        ``>= threshold``.
    tp, fp, fn, tn : int
        Row counts after the probation period: detections inside a window,
        detections outside, rows inside a window without detection, rows outside
        without detection. (Rows, not windows, as NAB counts them.)
    n_windows : int
        Number of labelled windows of the series.
    n_scored_windows : int
        Windows that end after the probation period, the only ones scored
        (a window wholly inside the probation period neither earns nor costs).
    """

    score: float
    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int
    n_windows: int
    n_scored_windows: int


class CorpusScore(NamedTuple):
    """The NAB score of a detector on a corpus, for one profile.

    Attributes
    ----------
    score : float
        Normalised score, ``100 * (raw - null) / (perfect - null)``; NaN when the
        corpus has no window (``perfect == null``).
    threshold : float
        Threshold used (given, or found by the sweep); 1.1 means "no detection".
    raw : float
        Sum of the per-file raw scores.
    null : float
        Raw score of the null detector, which detects nothing:
        ``-fn * n_scored_windows``.
    perfect : float
        Raw score of a perfect detector, as NAB defines it: ``tp * n_windows``.
    tp, fp, fn, tn : int
        Row counts summed over the files (see :class:`SeriesScore`).
    groups : dict of str to float
        Normalised score of each group (the part of a file name before the
        first "/"), with the group's own null and perfect scores; NaN for a
        group without windows.
    files : dict of str to SeriesScore
        Each file's score at ``threshold``.
    """

    score: float
    threshold: float
    raw: float
    null: float
    perfect: float
    tp: int
    fp: int
    fn: int
    tn: int
    groups: dict
    files: dict


def _weights(profile):
    if not isinstance(profile, str) or profile not in PROFILES:
        raise ValueError(
            f"profile must be one of {sorted(PROFILES)}, got {profile!r}."
        )
    return PROFILES[profile]


def _check_threshold(threshold, name="threshold"):
    if isinstance(threshold, bool) or not isinstance(threshold, Real):
        raise ValueError(f"{name} must be a real number, got {threshold!r}.")
    threshold = float(threshold)
    if not math.isfinite(threshold):
        raise ValueError(f"{name} must be finite, got {threshold!r}.")
    return threshold


def _evaluate(prepared, weights, threshold):
    """Score one prepared series at a fixed threshold."""
    values = _sweep_values(prepared, weights)
    detected = prepared.scores >= threshold
    inside = prepared.window >= 0
    false_positive = detected & ~inside
    true_positive = detected & inside
    # Each window: the best (earliest) detection's reward, or -fn if none.
    windows = np.full(prepared.n_scored_windows, -weights["fn"])
    np.maximum.at(windows, prepared.window[true_positive], values[true_positive])
    score = float(values[false_positive].sum() + windows.sum())
    tp = int(np.count_nonzero(true_positive))
    fp = int(np.count_nonzero(false_positive))
    return SeriesScore(
        score=score,
        threshold=float(threshold),
        tp=tp,
        fp=fp,
        fn=int(np.count_nonzero(inside)) - tp,
        tn=int(np.count_nonzero(~inside)) - fp,
        n_windows=prepared.n_windows,
        n_scored_windows=prepared.n_scored_windows,
    )


def _normalise(raw, null, perfect):
    if perfect == null:
        return float("nan")
    return float(100.0 * (raw - null) / (perfect - null))


def _group(name):
    return name.split("/", 1)[0]


# --------------------------------------------------------------------------- corpus


def _unpack(name, value):
    label = f"results[{name!r}]"
    if isinstance(value, pd.DataFrame):
        missing = {"timestamp", "anomaly_score"} - set(value.columns)
        if missing:
            raise ValueError(f"{label} lacks the column(s) {sorted(missing)}.")
        return value["timestamp"], value["anomaly_score"]
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError(
            f"{label} must be a (timestamps, anomaly_scores) pair or a DataFrame with "
            "columns 'timestamp' and 'anomaly_score'."
        )
    return value[0], value[1]


def _prepare_corpus(results, windows):
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty mapping of file name to results.")
    if not isinstance(windows, Mapping):
        raise ValueError("windows must be a mapping of file name to a list of windows.")
    prepared = {}
    for name in sorted(results):
        if name not in windows:
            raise ValueError(f"windows has no entry for {name!r}.")
        timestamps, scores = _unpack(name, results[name])
        prepared[name] = _prepare(
            timestamps,
            scores,
            windows[name],
            names=(
                f"results[{name!r}] timestamps",
                f"results[{name!r}] anomaly_scores",
                f"windows[{name!r}]",
            ),
        )
    return prepared


def _score_prepared(prepared, weights, threshold):
    if threshold is None:
        threshold = _best_threshold(list(prepared.values()), weights)
    files = {name: _evaluate(p, weights, threshold) for name, p in prepared.items()}

    def summary(names):
        raw = sum(files[n].score for n in names)
        null = -weights["fn"] * sum(files[n].n_scored_windows for n in names)
        perfect = weights["tp"] * sum(files[n].n_windows for n in names)
        return raw, null, perfect

    raw, null, perfect = summary(list(files))
    groups = {}
    for name in files:
        groups.setdefault(_group(name), []).append(name)
    group_scores = {g: _normalise(*summary(names)) for g, names in sorted(groups.items())}
    return CorpusScore(
        score=_normalise(raw, null, perfect),
        threshold=threshold,
        raw=raw,
        null=null,
        perfect=perfect,
        tp=sum(f.tp for f in files.values()),
        fp=sum(f.fp for f in files.values()),
        fn=sum(f.fn for f in files.values()),
        tn=sum(f.tn for f in files.values()),
        groups=group_scores,
        files=files,
    )


# --------------------------------------------------------------------------- public


def score_series(timestamps, anomaly_scores, windows, threshold, profile="standard"):
    """NAB's raw score of one series at a given threshold.

    Parameters
    ----------
    timestamps : array-like of shape (n_rows,)
        Row times: datetime64 values, pandas Timestamps or strings pandas can
        parse. They need not be increasing (NAB's files have a few steps back);
        tz-aware ones are compared in UTC.
    anomaly_scores : array-like of float of shape (n_rows,)
        The detector's anomaly score of each row, in [0, 1].
    windows : list of (start, end) pairs
        The labelled anomaly windows, inclusive at both ends, as timestamps.
        A window covers the rows from the first one at or after ``start`` to the
        last one before a row later than ``end``. Windows may come in any order
        but must not overlap.
    threshold : float
        A row is a detection when its anomaly score is ``>= threshold``.
    profile : {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}, default="standard"
        Weights of the outcomes, see :data:`~sklearn_htm.metrics.NAB_PROFILES`.

    Returns
    -------
    SeriesScore
        The raw score and the row counts.

    Raises
    ------
    ValueError
        If the lengths differ, a score is NaN or outside [0, 1], a timestamp is
        missing or unreadable, a window is malformed, holds no row or overlaps
        another, the threshold is not a finite number, or the profile is unknown.

    Notes
    -----
    Rows before ``probation_length(n_rows)`` are ignored. Each window that ends
    after the probation period scores ``tp * S(p) / S(-1)`` for its earliest
    detection, where ``S(p) = 2 / (1 + exp(5 p)) - 1`` and
    ``p = -(right - i + 1) / width`` (-1 at the left edge, ``-1 / width`` at the
    right edge), or ``-fn`` if it has none. A detection outside the windows
    costs ``fp * S(d)``, ``d`` being its distance in rows past the right edge of
    the preceding window divided by that window's width minus one (``S = -1``
    when ``d > 3`` or there is no preceding window). This follows NAB's
    ``nab/sweeper.py`` [2]_, after Lavin and Ahmad [1]_.

    References
    ----------
    .. [1] A. Lavin and S. Ahmad, "Evaluating Real-time Anomaly Detection
       Algorithms -- the Numenta Anomaly Benchmark", IEEE ICMLA'15, 2015.
    .. [2] https://github.com/numenta/NAB, ``nab/sweeper.py`` and ``nab/scorer.py``.
    """
    weights = _weights(profile)
    threshold = _check_threshold(threshold)
    return _evaluate(_prepare(timestamps, anomaly_scores, windows), weights, threshold)


def score_corpus(results, windows, profile="standard", threshold=None):
    """NAB's normalised score of a detector on a corpus of series.

    Parameters
    ----------
    results : mapping of str to pair or DataFrame
        For each file name (e.g. ``"realKnownCause/nyc_taxi.csv"``), the
        detector's output: a ``(timestamps, anomaly_scores)`` pair (see
        :func:`~sklearn_htm.metrics.nab_score_series`) or a DataFrame with columns ``timestamp`` and
        ``anomaly_score`` (a results file of ``python -m sklearn_htm.nab run``).
    windows : mapping of str to list of (start, end) pairs
        The labelled windows of each file (the ``windows`` of
        :func:`~sklearn_htm.datasets.load_nab`).
        Every name of ``results`` needs an entry (possibly empty); entries for
        files absent from ``results`` are ignored, so that a subset of a corpus
        can be scored.
    profile : {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}, default="standard"
        Weights of the outcomes, see :data:`~sklearn_htm.metrics.NAB_PROFILES`.
    threshold : float or None, default=None
        A row is a detection when its anomaly score is ``>= threshold``. None
        chooses the threshold that maximises the corpus' summed raw score, as
        NAB's optimiser does: every distinct anomaly score (of the rows after
        the probation periods) is a candidate, as is 1.1 (nothing detected);
        the highest of equally good thresholds wins.

    Returns
    -------
    CorpusScore
        The normalised score, the threshold, the raw totals and the null and
        perfect scores, the per-group normalised scores and the per-file scores.

    Raises
    ------
    ValueError
        If ``results`` is empty or not a mapping, a file has no entry in
        ``windows``, an entry of ``results`` is malformed, or for any of the
        reasons :func:`~sklearn_htm.metrics.nab_score_series` gives (the message names the file).

    Notes
    -----
    The normalised score is ``100 * (raw - null) / (perfect - null)`` with
    ``null = -fn * (windows ending after their file's probation period)``, the
    score of a detector that detects nothing, and ``perfect = tp * (all
    windows)`` as in NAB's ``nab/runner.py``. The sweep over thresholds is one
    pass over the corpus' rows sorted by decreasing anomaly score, as in NAB's
    ``nab/sweeper.py``; the chosen threshold's score is then recomputed file by
    file.

    References
    ----------
    .. [1] A. Lavin and S. Ahmad, "Evaluating Real-time Anomaly Detection
       Algorithms -- the Numenta Anomaly Benchmark", IEEE ICMLA'15, 2015.
    .. [2] https://github.com/numenta/NAB, ``nab/sweeper.py``, ``nab/optimizer.py``
       and ``nab/runner.py``.
    """
    weights = _weights(profile)
    if threshold is not None:
        threshold = _check_threshold(threshold)
    return _score_prepared(_prepare_corpus(results, windows), weights, threshold)


def score_all_profiles(results, windows, thresholds=None):
    """:func:`~sklearn_htm.metrics.nab_score` for each of NAB's three profiles.

    Parameters
    ----------
    results, windows : mapping
        As for :func:`~sklearn_htm.metrics.nab_score`; they are checked and prepared once.
    thresholds : None, float or mapping of str to float or None, default=None
        None: each profile's threshold is optimised. A float: used by every
        profile. A mapping: each profile's threshold by profile name; a missing
        profile (or None) is optimised.

    Returns
    -------
    dict of str to CorpusScore
        Keys ``"standard"``, ``"reward_low_FP_rate"``, ``"reward_low_FN_rate"``.

    Raises
    ------
    ValueError
        As :func:`~sklearn_htm.metrics.nab_score`, or if ``thresholds`` names an unknown profile or
        holds something other than a finite number or None.
    """
    if thresholds is None or isinstance(thresholds, Mapping):
        chosen = dict(thresholds or {})
        unknown = set(chosen) - set(PROFILES)
        if unknown:
            raise ValueError(
                f"thresholds names unknown profile(s) {sorted(unknown)}; "
                f"expected keys among {sorted(PROFILES)}."
            )
    else:
        chosen = dict.fromkeys(PROFILES, thresholds)
    for name, value in chosen.items():
        if value is not None:
            chosen[name] = _check_threshold(value, f"thresholds[{name!r}]")
    prepared = _prepare_corpus(results, windows)
    return {
        name: _score_prepared(prepared, weights, chosen.get(name))
        for name, weights in PROFILES.items()
    }

