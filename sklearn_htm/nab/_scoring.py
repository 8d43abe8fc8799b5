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
``nab/runner.py`` (numenta/NAB, commit ea702d7); it reproduces NAB's published
figures for Numenta's HTM detector (70.10 standard, 63.12 reward_low_FP_rate,
74.32 reward_low_FN_rate).

References
----------
.. [1] A. Lavin and S. Ahmad, "Evaluating Real-time Anomaly Detection
   Algorithms -- the Numenta Anomaly Benchmark", 14th International Conference
   on Machine Learning and Applications (IEEE ICMLA'15), 2015.
.. [2] Numenta Anomaly Benchmark, https://github.com/numenta/NAB: ``nab/sweeper.py``,
   ``nab/scorer.py``, ``nab/optimizer.py``, ``nab/runner.py``.
"""

import json
import math
import os
from collections.abc import Mapping
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "PROBATION_FRACTION",
    "PROBATION_MAX_ROWS",
    "PROFILES",
    "CorpusScore",
    "SeriesScore",
    "probation_length",
    "read_results",
    "read_windows",
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

#: Fraction of each file, from its start, that is not scored...
PROBATION_FRACTION = 0.15
#: ...up to this many rows (NAB: 15% of 5000 rows).
PROBATION_MAX_ROWS = 750

# The threshold that stands for "no detection at all" in the sweep: above every
# anomaly score (scores lie in [0, 1]). NAB's sweeper starts from the same value.
_NO_DETECTION = 1.1


def _scaled_sigmoid(position):
    """``2 * sigmoid(-5 * position) - 1``, and -1 past 3 window widths.

    -1 (a window's left edge) gives 0.98661, 0 (its right edge) gives 0, and
    positive positions (after a window) give negative values down to -1.
    """
    position = np.asarray(position, dtype=float)
    with np.errstate(over="ignore"):
        value = 2.0 / (1.0 + np.exp(5.0 * position)) - 1.0
    return np.where(position > 3.0, -1.0, value)


# The scaled sigmoid at a window's left edge: an in-window value is divided by it,
# so that the earliest possible detection earns exactly the tp weight.
_MAX_TP = float(_scaled_sigmoid(-1.0))


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


class _Prepared(NamedTuple):
    """Profile-independent data of one series: its scored rows only."""

    scores: np.ndarray  # anomaly scores of the rows after the probation period
    window: np.ndarray  # window id (0..n_scored_windows-1) of each row, -1 outside
    unit: np.ndarray  # in a window: its reward per unit tp weight, in (0, 1];
    #                   outside: its cost per unit fp weight, in [-1, 0]
    n_windows: int
    n_scored_windows: int


# --------------------------------------------------------------------------- checks


def probation_length(n_rows):
    """Number of leading rows of a series that NAB does not score.

    ``min(floor(0.15 * n_rows), 750)``: 15% of the series, at most 750 rows (15%
    of 5000), as in NAB's sweeper.

    Parameters
    ----------
    n_rows : int
        Length of the series, ``>= 0``.

    Returns
    -------
    int
        Rows ``0 .. probation_length(n_rows) - 1`` are in the probation period.

    Raises
    ------
    ValueError
        If ``n_rows`` is not a non-negative integer.
    """
    if isinstance(n_rows, bool) or not isinstance(n_rows, Integral) or n_rows < 0:
        raise ValueError(f"n_rows must be a non-negative integer, got {n_rows!r}.")
    return int(min(math.floor(PROBATION_FRACTION * int(n_rows)), PROBATION_MAX_ROWS))


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


def _as_ns(values, name):
    """Timestamps as int64 nanoseconds (tz-aware ones in UTC)."""
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise ValueError(f"{name} must be a 1-d sequence of timestamps.")
    try:
        index = pd.DatetimeIndex(pd.to_datetime(values))
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{name} could not be read as timestamps: {exc}") from exc
    if index.hasnans:
        raise ValueError(f"{name} contains missing timestamps (NaT).")
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return index.as_unit("ns").asi8


def _as_scores(values, name):
    try:
        scores = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of floats: {exc}") from exc
    if scores.ndim != 1:
        raise ValueError(f"{name} must be 1-d, got shape {scores.shape}.")
    if np.isnan(scores).any():
        raise ValueError(f"{name} contains NaN.")
    if scores.size and (scores.min() < 0.0 or scores.max() > 1.0):
        raise ValueError(
            f"{name} must lie in [0, 1], got values in [{scores.min()}, {scores.max()}]."
        )
    return scores


def _window_bounds(ts, windows, name):
    """First and last row of each window, sorted; refuses empty or overlapping ones.

    A window covers the rows from the first one at or after its start up to the
    row before the first later one past its end, which are exactly the rows
    between its start and end timestamps when these occur in the series.
    """
    if windows is None:
        windows = []
    if isinstance(windows, (str, bytes)):
        raise ValueError(f"{name} must be a list of (start, end) pairs.")
    windows = list(windows)
    for i, window in enumerate(windows):
        if isinstance(window, (str, bytes)) or np.ndim(window) != 1 or len(window) != 2:
            raise ValueError(f"{name}[{i}] must be a (start, end) pair, got {window!r}.")
    if not windows:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    flat = _as_ns([t for window in windows for t in window], name)
    starts, ends = flat[0::2], flat[1::2]
    if (starts > ends).any():
        i = int(np.flatnonzero(starts > ends)[0])
        raise ValueError(f"{name}[{i}] ends before it starts: {windows[i]!r}.")
    order = np.argsort(starts, kind="stable")
    lefts = np.empty(len(windows), dtype=np.int64)
    rights = np.empty(len(windows), dtype=np.int64)
    n = len(ts)
    for k, i in enumerate(order):
        at_or_after = np.flatnonzero(ts >= starts[i])
        left = int(at_or_after[0]) if at_or_after.size else n
        past = np.flatnonzero(ts[left:] > ends[i])
        right = left + (int(past[0]) if past.size else n - left) - 1
        if right < left:
            raise ValueError(f"{name}[{i}] holds no timestamp of the series: {windows[i]!r}.")
        if k and left <= rights[k - 1]:
            raise ValueError(f"{name}[{i}] overlaps another window: {windows[i]!r}.")
        lefts[k], rights[k] = left, right
    return lefts, rights


_SERIES_NAMES = ("timestamps", "anomaly_scores", "windows")


def _prepare(timestamps, anomaly_scores, windows, names=_SERIES_NAMES):
    """Check one series and compute each scored row's profile-independent value."""
    ts = _as_ns(timestamps, names[0])
    scores = _as_scores(anomaly_scores, names[1])
    if len(ts) != len(scores):
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same length, got {len(ts)} and {len(scores)}."
        )
    lefts, rights = _window_bounds(ts, windows, names[2])
    n = len(ts)
    rows = np.arange(n)
    widths = rights - lefts + 1

    # Window of each row: +1 at a window's left edge, -1 after its right edge.
    marks = np.zeros(n + 1, dtype=np.int64)
    np.add.at(marks, lefts, np.arange(1, len(lefts) + 1))
    np.add.at(marks, rights + 1, -np.arange(1, len(lefts) + 1))
    window = np.cumsum(marks[:n]) - 1

    unit = np.empty(n)
    inside = window >= 0
    k = window[inside]
    # Position in the window: -1 at its left edge, -1/width at its right edge.
    position = -(rights[k] - rows[inside] + 1) / widths[k]
    unit[inside] = _scaled_sigmoid(position) / _MAX_TP

    outside = rows[~inside]
    previous = np.searchsorted(rights, outside, side="left") - 1  # last window ended before
    cost = np.full(outside.size, -1.0)  # before the first window: the full cost
    after = previous >= 0
    prev = previous[after]
    span = (widths[prev] - 1).astype(float)
    distance = (outside[after] - rights[prev]).astype(float)
    with np.errstate(divide="ignore"):  # a 1-row window: every later row counts as far
        past = np.where(span > 0, distance / np.where(span > 0, span, 1.0), np.inf)
    cost[after] = _scaled_sigmoid(past)
    unit[~inside] = cost

    start = probation_length(n)
    n_early = int(np.count_nonzero(rights < start))  # windows over before scoring starts
    scored_window = window[start:]
    scored_window = np.where(scored_window >= 0, scored_window - n_early, -1)
    return _Prepared(
        scores=scores[start:],
        window=scored_window,
        unit=unit[start:],
        n_windows=len(lefts),
        n_scored_windows=len(lefts) - n_early,
    )


def _sweep_values(prepared, weights):
    """Weighted value of each scored row: reward inside a window, cost outside."""
    inside = prepared.window >= 0
    return np.where(inside, prepared.unit * weights["tp"], prepared.unit * weights["fp"])


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
        thresholds, totals = _sweep(list(prepared.values()), weights)
        # The first maximum: among equal scores, the highest threshold (as NAB).
        threshold = float(thresholds[int(np.argmax(totals))])
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


def scores_report(scores):
    """:func:`score_all_profiles`'s result as JSON-ready data (what
    ``python -m sklearn_htm.nab score`` prints): each profile's score
    (rounded to 4 decimals), ``"thresholds"`` and ``"groups"`` (each profile's
    per-group scores; None for a group without windows)."""
    def finite(value):
        return None if isinstance(value, float) and math.isnan(value) else round(value, 4)

    report = {profile: round(result.score, 4) for profile, result in scores.items()}
    report["thresholds"] = {profile: result.threshold for profile, result in scores.items()}
    report["groups"] = {profile: {group: finite(value) for group, value in result.groups.items()}
                        for profile, result in scores.items()}
    return report


def read_results(folder, detector=None):
    """Read a detector's NAB results folder back into a ``results`` mapping.

    Parameters
    ----------
    folder : str or path-like
        ``<folder>/<group>/<detector>_<name>.csv`` files with (at least) the
        columns ``timestamp`` and ``anomaly_score``, as NAB writes them in
        ``results/<detector>/``. Files directly in ``folder`` (NAB's
        ``<detector>_<profile>_scores.csv``) are skipped.
    detector : str, optional
        The detector's name, stripped from the file names; by default the name
        of ``folder``.

    Returns
    -------
    dict of str to DataFrame
        ``"<group>/<name>.csv"`` (the keys of NAB's windows) to a DataFrame with
        columns ``timestamp`` (datetime64) and ``anomaly_score`` (float).

    Raises
    ------
    FileNotFoundError
        If ``folder`` is not a directory.
    ValueError
        If a results file's name lacks the ``<detector>_`` prefix or the file
        lacks a needed column.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"folder is not a directory: {folder!r}.")
    if detector is None:
        detector = os.path.basename(os.path.normpath(folder))
    prefix = f"{detector}_"
    results = {}
    for group in sorted(os.listdir(folder)):
        group_dir = os.path.join(folder, group)
        if not os.path.isdir(group_dir):
            continue
        for file_name in sorted(os.listdir(group_dir)):
            if not file_name.endswith(".csv"):
                continue
            if not file_name.startswith(prefix):
                raise ValueError(
                    f"results file {os.path.join(group, file_name)!r} does not start with "
                    f"the detector prefix {prefix!r}."
                )
            path = os.path.join(group_dir, file_name)
            frame = pd.read_csv(path)
            missing = {"timestamp", "anomaly_score"} - set(frame.columns)
            if missing:
                raise ValueError(f"results file {path!r} lacks the column(s) {sorted(missing)}.")
            frame = pd.DataFrame(
                {
                    "timestamp": pd.to_datetime(frame["timestamp"]),
                    "anomaly_score": frame["anomaly_score"].astype(float),
                }
            )
            results[f"{group}/{file_name[len(prefix):]}"] = frame
    return results


def read_windows(path):
    """Read NAB's windows file (``labels/combined_windows.json``).

    Parameters
    ----------
    path : str or path-like
        A JSON object mapping each file name to a list of ``[start, end]``
        timestamp strings.

    Returns
    -------
    dict of str to list of (Timestamp, Timestamp)
    """
    with open(path) as handle:
        raw = json.load(handle)
    return {
        name: [(pd.Timestamp(start), pd.Timestamp(end)) for start, end in limits]
        for name, limits in raw.items()
    }
