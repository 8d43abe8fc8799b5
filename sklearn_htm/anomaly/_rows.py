"""What the stream models (the anomaly detector, the forecaster) share: rows
of (timestamp, value) in the forms a stream passes, parsed once; their
encoding into one block of bits; their pooler and its SDRs."""


import numpy as np

from ..encoders._base import merge_codes
from ..spatial_pooler import SpatialPoolerTransformer
from .._core.messages import warn_caller
from .._core.rows import BinaryRows

#: Active columns of the pooler (NAB's HTM detector's 40 of 2,048).
SPARSITY = 40 / 2048
#: The finest value encoder resolution the stream models use.
MIN_RESOLUTION = 0.001
#: The value encoder's edge buckets, either side of 0: a value beyond is
#: encoded as the edge (a sensor's sentinel such as 1e300 or float32's
#: maximum), as NuPIC's RDSE encodes values beyond its edge buckets. 2**52
#: buckets keep every bucket an exact float64 integer.
EDGE_BUCKET = 2.0**52


def value_edge(value_encoder):
    """The largest magnitude a value is encoded at: :data:`EDGE_BUCKET`
    buckets of ``value_encoder`` (a fitted RDSE) from 0."""
    return EDGE_BUCKET * float(value_encoder.resolution)


def start_range(minimum, maximum, values):
    """The value range a stream model starts with: ``minimum`` and
    ``maximum`` where given, else the first call's. Raises ValueError for a
    range that is reversed or wider than float64 holds."""
    low = float(np.min(values)) if minimum is None else float(minimum)
    high = float(np.max(values)) if maximum is None else float(maximum)
    if low > high:
        raise ValueError(f"minimum={low} exceeds maximum={high}.")
    if not np.isfinite(high - low):
        raise ValueError(
            f"The value range ({low:g}, {high:g}) is wider than float64 holds; give minimum "
            "and maximum (the range the values are expected in).")
    return low, high


#: How a stream model sets its pooler's parameters (for :func:`begin_part`).
POOLER_REACH = "n_columns is its only pooler parameter"


def begin_part(part, n_features, model, reach):
    """Start a stream model's part (its pooler, its Temporal Memory) over
    ``n_features`` inputs. A configuration the part refuses (a ValueError,
    :class:`~sklearn_htm.exceptions.MemoryBudgetError` among them) is
    refused in the model's terms: the part's message names the part's
    parameters, and ``reach`` says how ``model`` sets them."""
    try:
        part._begin(n_features)
    except ValueError as error:
        raise type(error)(f"{error} ({type(model).__name__}: {reach})") from None


def stream_pooler(n_columns, random_state, verbose, *, connected_threshold=0.2,
                  permanence_increment=0.003):
    """The stream models' Spatial Pooler: global inhibition, 2% sparsity, no
    boosting. The defaults are NAB's HTM detector's; the forecaster gives
    Cui et al.'s (connected at 0.5, learning 30 times slower: a nearly fixed
    projection)."""
    return SpatialPoolerTransformer(
        n_columns=n_columns, sparsity=SPARSITY, potential_pct=0.8,
        connected_threshold=connected_threshold, permanence_increment=permanence_increment,
        permanence_decrement=0.0005, boost_strength=0.0, shuffle=False,
        random_state=random_state, verbose=verbose,
    )


def encode_rows(encoders, stamps, values):
    """The bits of the rows (the value code, then the date code), as
    :class:`~sklearn_htm._core.rows.BinaryRows`; ``encoders`` is
    (value encoder, date encoder or None for no date code), fitted here on a
    stream's first call.

    A value more than :data:`EDGE_BUCKET` buckets from 0 is encoded as the
    edge bucket on its side.
    """
    value_encoder, date_encoder = encoders
    if not hasattr(value_encoder, "n_features_in_"):
        value_encoder.fit(values[:1, None])
        if date_encoder is not None:
            date_encoder.fit(stamps[:1, None])
    edge = value_edge(value_encoder)
    value_bits = value_encoder._active_bits(0, np.clip(values, -edge, edge))
    if date_encoder is None:  # a stream without a clock: the value code alone
        indptr, indices = merge_codes([value_bits])
        return BinaryRows(indptr, indices.astype(np.int32), int(value_encoder.offsets_[-1]))
    indptr, indices = merge_codes([
        value_bits, date_encoder._active_bits(0, stamps) + value_encoder.offsets_[-1],
    ])
    width = int(value_encoder.offsets_[-1] + date_encoder.offsets_[-1])
    return BinaryRows(indptr, indices.astype(np.int32), width)


def check_order(last, instants, model):
    """Warn when time goes backwards (``instants``: the rows' instants, UTC;
    ``last``: the stream's last instant before them, or None): a stream
    model learns rows in the order given."""
    if instants is None:  # a stream without a clock: its rows' order is theirs
        return
    backwards = 0
    if instants.shape[0] > 1:
        backwards = int(np.count_nonzero(np.diff(instants) < np.timedelta64(0, "ns")))
    if last is not None and instants.shape[0] and instants[0] < last:
        backwards += 1
    if backwards:
        warn_caller(
            f"{backwards} row(s) go back in time: the {model} learns rows in the order "
            "given, as a stream; sort the rows by timestamp unless that order is meant.")


def last_instant(instants, n_rows):
    """The instant of the last of the first ``n_rows`` rows (None without a clock)."""
    return None if instants is None else instants[n_rows - 1]


def pooled(pooler, bits):
    """The pooler's SDRs of encoded rows (:class:`BinaryRows`), learning nothing."""
    return BinaryRows(*pooler._transform_rows(bits), pooler.n_columns)


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
            try:
                stamp = pd.Timestamp(array[0])
            except ValueError:
                raise ValueError(_unreadable(array)) from None
            if stamp is pd.NaT or stamp.tzinfo is None:
                wall = np.array([stamp.to_datetime64()])
                return wall, wall
            return (np.array([stamp.tz_localize(None).to_datetime64()]),
                    np.array([stamp.tz_convert("UTC").tz_localize(None).to_datetime64()]))
        try:
            parsed = pd.to_datetime(pd.Series(array), errors="raise")
        except ValueError:  # ISO 8601 of mixed precision ("2024-01-01", "... 02:00")
            try:
                parsed = pd.to_datetime(pd.Series(array), errors="raise", format="ISO8601")
            except ValueError:
                raise ValueError(_unreadable(array)) from None
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return (parsed.dt.tz_localize(None).to_numpy(),
                parsed.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy())
    wall = parsed.to_numpy()
    return wall, wall


def _unreadable(array):
    """What is wrong with timestamps pandas reads neither in one format nor
    as ISO 8601: the first that no format reads, else their mixed formats
    (pandas' own advice names arguments the stream models do not take)."""
    import pandas as pd

    one_by_one = pd.to_datetime(pd.Series(array), errors="coerce", format="mixed")
    bad = np.flatnonzero(one_by_one.isna().to_numpy() & pd.notna(array))
    if bad.size:
        return (f"{bad.size} of the {array.shape[0]} timestamps cannot be read as dates and times "
                f"(the first, at position {bad[0]}: {array[bad[0]]!r})")
    return (f"they are not all in one format (position 0: {array[0]!r}); parse them first, "
            "with pandas.to_datetime and the format they are in")


def frame(X):
    """``X`` as (wall-clock timestamps, instants, values): two naive
    datetime64 arrays (see :func:`stamps_of`), both None for rows without
    timestamps (a stream without a clock), and a float64 array.

    The forms a stream passes (scikit-learn's, pandas', river's):

    - a DataFrame: the value is its ``value`` column, or its only column
      other than ``timestamp``; the timestamps are its ``timestamp`` column,
      else its index when that is a DatetimeIndex, else there are none;
    - a Series: the values, timestamped by a DatetimeIndex (any other
      index: no timestamps);
    - a dict (one row, as river passes it): keys as a DataFrame's columns;
      so is a Series indexed by labels (a DataFrame's row, ``frame.iloc[i]``);
    - one ``(timestamp, value)`` pair, or an array of shape (n, 2) of them;
    - numbers alone (one number, a 1-D array, shape (n, 1)): no timestamps.

    Raises
    ------
    ValueError
        For no rows, columns that do not say which is the value, values that
        are not finite numbers, or timestamps pandas cannot parse (numbers
        are not timestamps).
    """
    import pandas as pd

    if isinstance(X, pd.Series) and X.index.inferred_type == "string":
        X = X.to_dict()  # labels, not positions or times: one row, frame.iloc[i]
    if isinstance(X, dict):  # one row: as a (timestamp, value) pair or a number
        value = X[_value_name(list(X))]
        X = (X["timestamp"], value) if "timestamp" in X else [value]
    if isinstance(X, pd.Series):
        X = X.to_frame(name="value")
    if isinstance(X, pd.DataFrame):
        timestamps, values = _frame_columns(X)
    else:
        if (isinstance(X, tuple) and len(X) == 2
                and not isinstance(X[0], (tuple, list, np.ndarray))):
            X = [X]  # one (timestamp, value) pair
        X = np.asarray(X, dtype=object)
        if X.ndim == 0:
            X = X.reshape(1)  # one number
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        if X.ndim == 1:
            timestamps, values = None, X
        elif X.ndim == 2 and X.shape[1] == 2:
            timestamps, values = X[:, 0], X[:, 1]
        else:
            raise ValueError(
                f"X must be values (a 1-D array or a Series), a DataFrame with a 'value' "
                f"column (and 'timestamp'), an array of shape (n_samples, 2) of (timestamp, "
                f"value) rows or one such pair; got shape {X.shape}. (One row of a "
                f"DataFrame is frame.iloc[i:i + 1].)"
            )
    if len(values) == 0:
        raise ValueError("X has no rows.")
    try:
        values = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X's values must be numbers: {exc}") from exc
    finite = np.isfinite(values)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ValueError(
            f"X's values hold NaN or infinite entries ({bad.size} of {values.size}, the first "
            f"at position {bad[0]}: {values[bad[0]]}; a missing value, None, reads as NaN).")
    if timestamps is None:
        return None, None, values
    try:
        stamps, instants = stamps_of(timestamps)
    except TypeError as exc:  # numbers given as timestamps
        raise ValueError(f"X's timestamps cannot be parsed: {exc}; for a stream without "
                         "a clock give the values alone (a 1-D array or a Series)") from exc
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"X's timestamps cannot be parsed: {exc}") from exc
    missing = np.flatnonzero(np.isnat(stamps))
    if missing.size:
        raise ValueError(f"X has missing timestamps (NaT): {missing.size} of {stamps.size}, the "
                         f"first at position {missing[0]}.")
    return stamps, instants, values


def _value_name(names):
    """Which of a DataFrame's columns (or a dict's keys) is the value: the
    one named ``value``, or the only one besides ``timestamp``."""
    if "value" in names:
        return "value"
    others = [name for name in names if name != "timestamp"]
    if len(others) != 1:
        raise ValueError(
            f"X's columns {list(names)} do not say which is the value: name it "
            "'value' (and the timestamps 'timestamp', or give them as a DatetimeIndex).")
    return others[0]


def _frame_columns(X):
    """(timestamps or None, values) of a DataFrame (see :func:`frame`)."""
    import pandas as pd

    value = _value_name(list(X.columns))
    if "timestamp" in X.columns:
        timestamps = X["timestamp"]
    elif isinstance(X.index, pd.DatetimeIndex):
        timestamps = pd.Series(X.index)
    else:
        timestamps = None
    return timestamps, X[value].to_numpy()


def check_clock(estimator, stamps, model):
    """Refuse rows with timestamps in a stream that started without them, or
    the reverse (the stream model ``estimator`` says which at its start, in
    ``_timestamped``; one saved before streams could lack a clock had one)."""
    timestamped = getattr(estimator, "_timestamped", True)
    if timestamped != (stamps is not None):
        if timestamped:
            raise ValueError(f"X has no timestamps, but this stream ({model}) started with "
                             "them: give every row its timestamp.")
        raise ValueError(f"X has timestamps, but this stream ({model}) started without "
                         "them (a stream without a clock): give the values alone.")


def stacked(top, bottom):
    """Two :class:`~sklearn_htm._core.rows.BinaryRows`, one above the other."""
    return BinaryRows(np.concatenate([top.indptr, bottom.indptr[1:] + top.indptr[-1]]),
                      np.concatenate([top.indices, bottom.indices]), top.n_features)
