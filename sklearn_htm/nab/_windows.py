"""NAB's probation period and labelled windows, and each scored row's place in them.

:func:`_prepare` checks one series (timestamps, anomaly scores, windows) and
reduces it to what every profile and threshold needs: the rows after the
probation period, the window of each, and each row's reward (in a window) or
cost (outside) per unit weight, from the scaled sigmoid of its position. The
rules are those of NAB's ``nab/sweeper.py``; :mod:`sklearn_htm.nab._scoring`
states them in full.
"""

import math
from numbers import Integral
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["PROBATION_FRACTION", "PROBATION_MAX_ROWS", "probation_length"]

#: Fraction of each file, from its start, that is not scored...
PROBATION_FRACTION = 0.15
#: ...up to this many rows (NAB: 15% of 5000 rows).
PROBATION_MAX_ROWS = 750


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


class _Prepared(NamedTuple):
    """Profile-independent data of one series: its scored rows only."""

    scores: np.ndarray  # anomaly scores of the rows after the probation period
    window: np.ndarray  # window id (0..n_scored_windows-1) of each row, -1 outside
    unit: np.ndarray  # in a window: its reward per unit tp weight, in (0, 1];
    #                   outside: its cost per unit fp weight, in [-1, 0]
    n_windows: int
    n_scored_windows: int


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

