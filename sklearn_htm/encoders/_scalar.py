"""The scalar encoder: a run of active bits whose position follows the value.

Reference semantics: htm.core's ``src/htm/encoders/ScalarEncoder.cpp``
(names in brackets below are its parameters). Written from its description,
not its code.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import StreamEncoder

# Bits per column when neither size nor resolution is given.
DEFAULT_SIZE = 400


def bucket_layout(n_active, size, resolution, low, high, periodic):
    """Width, number of positions and resolution of one column's code.

    Exactly one of ``size`` and ``resolution`` is given. A non-periodic code
    has ``size - n_active + 1`` positions for the run of active bits, so
    ``resolution = (high - low) / (size - n_active)``; a periodic code wraps,
    with ``size`` positions and ``resolution = (high - low) / size``
    [ScalarEncoder's parameter rules]. Given ``resolution``, the size is the
    smallest that reaches it: ``ceil((high - low) / resolution)`` steps,
    plus ``n_active`` bits when not periodic.

    Returns
    -------
    size : int
    n_positions : int
    resolution : float
        Value units per position (0 for a range of zero width).
    """
    span = float(high) - float(low)
    if size is None:
        steps = max(1, math.ceil(span / resolution)) if span > 0 else 1
        if periodic:
            return int(steps), int(steps), float(resolution)
        # Positions 0..steps for values low..high, n_active bits from the last.
        return int(steps + n_active), int(steps + 1), float(resolution)
    n_positions = size if periodic else size - n_active + 1
    steps = size if periodic else size - n_active
    return int(size), int(n_positions), (span / steps if steps > 0 and span > 0 else 0.0)


class ScalarEncoder(StreamEncoder):
    """Encode each column of values as a contiguous run of ``n_active`` bits.

    The run starts at position ``round((v - minimum) / resolution)`` (halves
    rounded up) of the column's code, so that values ``resolution`` apart are
    one position apart and share ``n_active - 1`` bits, and values more than
    ``n_active * resolution`` apart share none. Periodic codes wrap around
    (angles, times of day). The codes of all columns are concatenated.

    Parameters
    ----------
    n_active : int >= 1, default=21
        Active bits per value [activeBits].
    size : int or None, default=None
        Bits per column [size]. Give ``size`` or ``resolution``, not both;
        with neither, ``size`` is 400.
    resolution : float > 0 or None, default=None
        Value units between two adjacent positions of the run [resolution];
        the size follows from it and the range.
    minimum, maximum : float or None, default=None
        The range encoded [minimum, maximum], the same for every column.
        ``None`` learns each column's smallest (largest) value in ``fit``;
        ``partial_fit`` widens a learned range to cover every batch (which
        changes the code of values seen before).
    periodic : bool, default=False
        Whether the code wraps around: ``maximum`` is ``minimum`` again
        [periodic].
    clip_input : bool, default=False
        Whether values outside the range are clipped to it; otherwise they
        raise a ValueError [clipInput]. Periodic codes wrap instead.
    sparse_output : bool, default=True
        Return a CSR matrix or a dense array.
    dtype : numpy dtype, default=np.float64
        Data type of the output.

    Attributes
    ----------
    data_min_, data_max_ : ndarray of float64, shape (n_features,)
        The range of each column.
    sizes_ : ndarray of int64, shape (n_features,)
        Bits of each column's code.
    resolutions_ : ndarray of float64, shape (n_features,)
        Value units per position, per column.
    offsets_ : ndarray of int64, shape (n_features + 1,)
        Column ``f``'s code is output bits ``offsets_[f]:offsets_[f + 1]``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When X has string column names.

    See Also
    --------
    RandomDistributedScalarEncoder : Needs no range; codes chosen by hashing.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_htm import ScalarEncoder
    >>> enc = ScalarEncoder(n_active=3, size=8, minimum=0, maximum=5, sparse_output=False)
    >>> enc.fit_transform(np.array([[0.0], [1.0], [5.0]])).astype(int)
    array([[1, 1, 1, 0, 0, 0, 0, 0],
           [0, 1, 1, 1, 0, 0, 0, 0],
           [0, 0, 0, 0, 0, 1, 1, 1]])
    """

    _parameter_constraints: dict = {
        "n_active": [Interval(Integral, 1, None, closed="left")],
        "size": [None, Interval(Integral, 1, None, closed="left")],
        "resolution": [None, Interval(Real, 0, None, closed="neither")],
        "minimum": [None, Real],
        "maximum": [None, Real],
        "periodic": ["boolean"],
        "clip_input": ["boolean"],
        "sparse_output": ["boolean"],
        "dtype": "no_validation",
    }
    _learned = ("data_min_", "data_max_")

    def __init__(self, n_active=21, *, size=None, resolution=None, minimum=None, maximum=None,
                 periodic=False, clip_input=False, sparse_output=True, dtype=np.float64):
        self.n_active = n_active
        self.size = size
        self.resolution = resolution
        self.minimum = minimum
        self.maximum = maximum
        self.periodic = periodic
        self.clip_input = clip_input
        self.sparse_output = sparse_output
        self.dtype = dtype

    def _learn(self, X):
        if self.size is not None and self.resolution is not None:
            raise ValueError(
                f"Give size or resolution, not both; got size={self.size!r} and "
                f"resolution={self.resolution!r}."
            )
        size = DEFAULT_SIZE if self.size is None and self.resolution is None else self.size
        if size is not None and size < self.n_active:
            raise ValueError(
                f"size={size} cannot hold n_active={self.n_active} active bits."
            )
        n_features = X.shape[1]
        low = np.full(n_features, np.nan) if self.minimum is None else np.full(
            n_features, float(self.minimum))
        high = np.full(n_features, np.nan) if self.maximum is None else np.full(
            n_features, float(self.maximum))
        if self.minimum is None:
            low = X.min(axis=0)
            if hasattr(self, "data_min_"):
                low = np.minimum(low, self.data_min_)
        if self.maximum is None:
            high = X.max(axis=0)
            if hasattr(self, "data_max_"):
                high = np.maximum(high, self.data_max_)
        if np.any(high < low):
            raise ValueError(
                f"maximum={self.maximum!r} is below minimum={self.minimum!r} "
                f"(per column: {low.tolist()} .. {high.tolist()})."
            )
        layouts = [
            bucket_layout(self.n_active, size, self.resolution, lo, hi, self.periodic)
            for lo, hi in zip(low, high)
        ]
        sizes = np.array([layout[0] for layout in layouts], dtype=np.int64)
        if np.any(sizes < self.n_active):
            raise ValueError(
                f"resolution={self.resolution!r} over the range gives a periodic code of "
                f"{int(sizes.min())} bits, fewer than n_active={self.n_active}; use a finer "
                "resolution or give size."
            )
        if np.any(sizes > 2**24):
            raise ValueError(
                f"resolution={self.resolution!r} over the range makes codes of "
                f"{int(sizes.max()):,} bits; use a coarser resolution or give size."
            )
        flat = (high == low) & (self.minimum is None or self.maximum is None)
        if flat.any():
            names = ", ".join(self._column_name(f) for f in np.flatnonzero(flat))
            warnings.warn(
                f"The range learned for {names} has zero width (one distinct value): "
                "every other value is out of range. Give minimum and maximum, fit on "
                "more data, or widen the range with partial_fit.",
                UserWarning,
                stacklevel=3,
            )
        self.data_min_, self.data_max_ = low, high
        self.sizes_ = sizes
        self._positions = np.array([layout[1] for layout in layouts], dtype=np.int64)
        self.resolutions_ = np.array([layout[2] for layout in layouts], dtype=np.float64)
        self.offsets_ = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    def _active_bits(self, feature, values):
        low, high = self.data_min_[feature], self.data_max_[feature]
        if not self.periodic and not self.clip_input:
            outside = (values < low) | (values > high)
            if outside.any():
                first = values[np.flatnonzero(outside)[0]]
                raise ValueError(
                    f"{self._column_name(feature).capitalize()} has {int(outside.sum())} "
                    f"value(s) outside [{low}, {high}] (the first: {first}); set "
                    "clip_input=True, or widen minimum/maximum."
                )
        return run_bits(values, low, high, self.resolutions_[feature],
                        int(self._positions[feature]), int(self.sizes_[feature]),
                        self.n_active, self.periodic)


def run_bits(values, low, high, resolution, n_positions, size, n_active, periodic):
    """Active bits of a run code: ``n_active`` bits from position
    ``round((v - low) / resolution)`` (halves up), clipped to the
    ``n_positions`` positions, or wrapped around ``[low, high)`` and the
    ``size`` bits when ``periodic``.

    Returns
    -------
    bits : ndarray of int64, shape (n_values, n_active)
    """
    values = np.asarray(values, dtype=np.float64)
    if periodic:
        span = high - low
        values = low + np.mod(values - low, span) if span > 0 else np.full_like(values, low)
    else:
        values = np.clip(values, low, high)
    if resolution > 0:
        start = np.floor((values - low) / resolution + 0.5).astype(np.int64)
    else:
        start = np.zeros(values.shape, dtype=np.int64)
    if periodic:
        start %= n_positions
        return (start[:, None] + np.arange(n_active)) % size
    start = np.clip(start, 0, n_positions - 1)
    return start[:, None] + np.arange(n_active)
