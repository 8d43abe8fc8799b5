"""The detector's input: rows of (timestamp, value) in the forms a stream
passes, parsed once; and its blocks of encoded rows."""

import numpy as np

from ..spatial_pooler._input import BinaryRows


def stamps_of(timestamps):
    """Timestamps (a 1-D array or Series) parsed once by pandas, as two
    naive datetime64 arrays (in pandas' unit): the wall-clock time, which is
    encoded, and the instant (UTC), which orders the stream; the same for
    timestamps without a time zone."""
    import pandas as pd

    if isinstance(timestamps, pd.Series) and isinstance(timestamps.dtype,
                                                        pd.DatetimeTZDtype):
        parsed = timestamps
    else:
        array = np.asarray(timestamps)
        numeric = array.dtype.kind in "biuf" or (array.dtype == object and any(
            isinstance(v, (bool, int, float, np.number)) and v == v for v in array.tolist()))
        if numeric:
            raise TypeError("numbers are not timestamps (they would be read as nanoseconds "
                            "since 1970); give datetimes, pandas Timestamps or date strings")
        if array.dtype.kind == "M":
            return array, array
        if array.shape[0] == 1:  # one row: a Timestamp, not a Series (a stream's call)
            stamp = pd.Timestamp(array[0])
            if stamp is pd.NaT or stamp.tzinfo is None:
                wall = np.array([stamp.to_datetime64()])
                return wall, wall
            return (np.array([stamp.tz_localize(None).to_datetime64()]),
                    np.array([stamp.tz_convert("UTC").tz_localize(None).to_datetime64()]))
        parsed = pd.to_datetime(pd.Series(array), errors="raise")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return (parsed.dt.tz_localize(None).to_numpy(),
                parsed.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy())
    wall = parsed.to_numpy()
    return wall, wall


def frame(X):
    """``X`` as (wall-clock timestamps, instants, values): two naive
    datetime64 arrays (see :func:`stamps_of`) and a float64 one.

    ``X`` is a DataFrame with ``timestamp`` and ``value`` columns, an array
    of shape (n, 2) holding them, or one ``(timestamp, value)`` pair.

    Raises
    ------
    ValueError
        For no rows, missing columns, values that are not finite numbers, or
        timestamps pandas cannot parse.
    """
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        missing = {"timestamp", "value"} - set(X.columns)
        if missing:
            raise ValueError(f"X lacks the column(s) {sorted(missing)}; it needs "
                             "'timestamp' and 'value'.")
        timestamps, values = X["timestamp"], X["value"].to_numpy()
    else:
        if (isinstance(X, tuple) and len(X) == 2
                and not isinstance(X[0], (tuple, list, np.ndarray))):
            X = [X]  # one (timestamp, value) pair
        X = np.asarray(X, dtype=object)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(
                f"X must be a DataFrame with 'timestamp' and 'value' columns, an array "
                f"of shape (n_samples, 2) or one (timestamp, value) pair; got shape "
                f"{X.shape}. (One row of a DataFrame is frame.iloc[i:i + 1].)"
            )
        timestamps, values = X[:, 0], X[:, 1]
    if len(values) == 0:
        raise ValueError("X has no rows.")
    try:
        values = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X's values must be numbers: {exc}") from exc
    if not np.isfinite(values).all():
        raise ValueError("X's values hold NaN or infinite entries.")
    try:
        stamps, instants = stamps_of(timestamps)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"X's timestamps cannot be parsed: {exc}") from exc
    if np.isnat(stamps).any():
        raise ValueError("X has missing timestamps (NaT).")
    return stamps, instants, values


def stacked(top, bottom):
    """Two :class:`~sklearn_htm.spatial_pooler._input.BinaryRows`, one above the other."""
    return BinaryRows(np.concatenate([top.indptr, bottom.indptr[1:] + top.indptr[-1]]),
                      np.concatenate([top.indices, bottom.indices]), top.n_features)
