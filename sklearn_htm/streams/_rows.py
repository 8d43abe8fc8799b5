"""Rows of many streams in long format, validated and parsed once."""

from numbers import Integral
from typing import NamedTuple

import numpy as np

from ..anomaly._rows import frame

#: The columns of the long format (one row per value, as metric stores
#: export); streams without a clock have no ``timestamp``.
COLUMNS = ("stream", "timestamp", "value")


class StreamRows(NamedTuple):
    """The rows of one call, grouped by stream.

    Attributes
    ----------
    keys : list
        The streams in the order of their first row (str or int keys).
    rows : list of ndarray of int64
        For each key, the positions of its rows in X, in X's order.
    stamps, instants : ndarray of datetime64, shape (n_rows,), or None
        Wall-clock timestamps (encoded) and instants (UTC, for order); None
        for rows without timestamps.
    values : ndarray of float64, shape (n_rows,)
    """

    keys: list
    rows: list
    stamps: np.ndarray
    instants: np.ndarray
    values: np.ndarray

    @property
    def n_rows(self):
        return self.values.shape[0]

    def of(self, i):
        """``(stamps, instants, values)`` of the ``i``-th stream's rows."""
        rows = self.rows[i]
        if self.stamps is None:
            return None, None, self.values[rows]
        return self.stamps[rows], self.instants[rows], self.values[rows]


def stream_key(key):
    """A stream key as a plain Python ``str`` or ``int`` (what a checkpoint's
    JSON holds); anything else raises a ValueError."""
    if isinstance(key, str):
        return key
    if isinstance(key, Integral) and not isinstance(key, bool):
        return int(key)
    raise ValueError(
        f"stream keys must be strings or integers; got {key!r} "
        f"({type(key).__name__}). Convert the 'stream' column (e.g. .astype(str))."
    )


def stream_rows(X):
    """Validate long-format rows and group them by stream.

    Parameters
    ----------
    X : DataFrame with columns ``stream``, ``timestamp`` and ``value``
        Rows of any streams, in any interleaving; each stream's rows in its
        order. Without a ``timestamp`` column the streams have no clock.

    Returns
    -------
    rows : StreamRows

    Raises
    ------
    TypeError
        When X is not a DataFrame.
    ValueError
        For no rows, a missing column, missing stream keys, keys that are not
        strings or integers, values that are not finite numbers, or
        timestamps pandas cannot parse.
    """
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            "X must be a DataFrame in long format with columns 'stream', 'timestamp' "
            f"and 'value' (one row per value); got {type(X).__name__}."
        )
    missing = [name for name in ("stream", "value") if name not in X.columns]
    if missing:
        raise ValueError(f"X lacks the column(s) {missing}; the long format has "
                         f"{list(COLUMNS)}.")
    if X.shape[0] == 0:
        raise ValueError("X has no rows.")
    codes, uniques = pd.factorize(X["stream"], sort=False, use_na_sentinel=True)
    if (codes < 0).any():
        raise ValueError(f"X's 'stream' column has {int((codes < 0).sum())} missing key(s).")
    keys = [stream_key(key) for key in uniques.tolist()]
    stamps, instants, values = frame(X[[name for name in COLUMNS[1:] if name in X.columns]])
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(keys)))[:-1]
    return StreamRows(keys, np.split(order, bounds), stamps, instants, values)

