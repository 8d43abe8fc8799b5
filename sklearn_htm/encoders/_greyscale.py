"""The greyscale encoder: pixel intensities to the binary input a Spatial Pooler needs.

Its arithmetic is written against the array module, so that CuPy input is
encoded on the device.
"""

import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._array_api import (
    array_namespace,
    counts_to_indptr,
    csr_output,
    is_device_array,
    validate_device_data,
)
from ..utils._validation import check_output_dtype, check_sparse_output, preserved_dtypes
from ._base import StreamEncoder


def greyscale_buckets(xp, values, low, high, n_bits):
    """Bucket of each value of a float64 array: ``min(floor((clip(v) - low) /
    (high - low) * n_bits), n_bits - 1)`` (0 everywhere when ``high == low``)."""
    if not high > low:
        return xp.zeros(values.shape, dtype=xp.int64)
    values = xp.clip(values, low, high)
    width = high - low
    if math.isinf(width):
        # The width overflows float64; halving every term is exact and keeps
        # the fraction the same.
        values, low, width = values * 0.5, low * 0.5, high * 0.5 - low * 0.5
    fraction = (values - low) / width
    return xp.minimum(xp.floor(fraction * n_bits), n_bits - 1).astype(xp.int64)


def bits_per_feature(n_bits, encoding):
    """Width of one feature's code: ``n_bits``, or two bits per threshold
    between buckets for "complement"."""
    return 2 * (n_bits - 1) if encoding == "complement" else n_bits


def greyscale_indices(xp, bucket, n_bits, encoding):
    """CSR parts ``(indptr, indices)`` of the encoded bits, sorted per row.

    "onehot" and "thermometer": bit ``f * n_bits + j`` stands for bucket
    ``j`` of feature ``f``; "onehot" sets the value's bucket, "thermometer"
    that bucket and every one below it. "complement": bits ``f * 2 * (n_bits
    - 1) + 2 * t`` and ``+ 2 * t + 1`` stand for "below" and "at or above"
    the threshold between buckets ``t`` and ``t + 1``; exactly one of the two
    is set.
    """
    n_samples, n_features = bucket.shape
    width = bits_per_feature(n_bits, encoding)
    first_bit = xp.arange(n_features, dtype=xp.int64) * width
    if encoding == "onehot":
        indptr = xp.arange(n_samples + 1, dtype=xp.int64) * n_features
        return indptr, (first_bit + bucket).ravel()
    if encoding == "complement":
        thresholds = xp.arange(n_bits - 1, dtype=xp.int64)
        above = (bucket[:, :, None] > thresholds).astype(xp.int64)
        indices = first_bit[None, :, None] + 2 * thresholds + above
        indptr = xp.arange(n_samples + 1, dtype=xp.int64) * (n_features * (n_bits - 1))
        return indptr, indices.ravel()
    n_set = (bucket + 1).ravel()
    ends = xp.cumsum(n_set)
    position = xp.arange(int(ends[-1]) if ends.size else 0, dtype=xp.int64)
    feature = xp.searchsorted(ends, position, side="right")
    offset = position - (ends[feature] - n_set[feature])
    indices = first_bit[feature % n_features] + offset
    row_counts = n_set.reshape(n_samples, n_features).sum(axis=1)
    return counts_to_indptr(xp, row_counts), indices


class GreyscaleEncoder(StreamEncoder):
    """Encode each feature (a pixel's intensity) as a few binary features.

    The value range ``[low, high]`` is cut into ``n_bits`` equal buckets and a
    value ``v`` falls in bucket ``min(floor((v - low) / (high - low) * n_bits),
    n_bits - 1)``. With ``low = 0`` this is the rule of the blog post the
    project grew from, ``min(int(v / high * n_bits), n_bits - 1)``.

    Output feature ``f * n_bits + j`` is bit ``j`` of input feature ``f``, so
    an image of shape (h, w) becomes an input grid of shape (h, w, n_bits)
    for a topological Spatial Pooler (``(h, w, 2 * (n_bits - 1))`` with
    ``encoding="complement"``).

    Parameters
    ----------
    n_bits : int >= 1, default=4
        Bits per feature.
    value_range : tuple (low, high) or None, default=None
        Range of the values, shared by all features: (0, 255) for uint8
        images, (0, 1) for float images, (0, 16) for sklearn's digits. ``None``
        learns it in ``fit`` as the smallest and largest value of X.
    encoding : {"onehot", "thermometer", "complement"}, default="onehot"
        "onehot" sets only the value's bucket (exactly one active bit per
        feature); "thermometer" sets the bucket and every bucket below it, so
        that near values share bits; "complement" is the thermometer code
        with its complement (complement coding, Carpenter, Grossberg and
        Rosen 1991): for each of the ``n_bits - 1`` thresholds between
        buckets, one bit for "below" and one for "at or above" (bits ``2 * t``
        and ``2 * t + 1`` of a feature's code for threshold ``t``), so every
        feature has ``n_bits - 1`` active bits out of ``2 * (n_bits - 1)``
        whatever its value (a dark pixel is as visible to a pooler as a
        bright one) and near values share all but a few. It needs ``n_bits
        >= 2``.
    handle_out_of_range : {"clip", "error"}, default="clip"
        Values outside the range are clipped to it (so they land in the first
        or last bucket), or raise a ValueError.
    sparse_output : bool, default=True
        Return a CSR matrix or a dense array.
    dtype : numpy dtype, default=np.float64
        Data type of the output.

    Attributes
    ----------
    data_min_ : float
        Low end of the range used (``value_range[0]`` or learned).
    data_max_ : float
        High end of the range used.
    offsets_ : ndarray of int64, shape (n_features + 1,)
        Feature ``f``'s bits are outputs ``offsets_[f]:offsets_[f + 1]``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Names of features seen during fit, when X has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_htm import GreyscaleEncoder
    >>> enc = GreyscaleEncoder(n_bits=4, value_range=(0, 255), sparse_output=False)
    >>> enc.fit_transform(np.array([[0, 100, 255]])).astype(int)
    array([[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]])
    """

    _parameter_constraints: dict = {
        "n_bits": [Interval(Integral, 1, None, closed="left")],
        "value_range": [None, tuple, list],
        "encoding": [StrOptions({"onehot", "thermometer", "complement"})],
        "handle_out_of_range": [StrOptions({"clip", "error"})],
        "sparse_output": ["boolean"],
        "dtype": "no_validation",
    }
    _learned = ("data_min_", "data_max_")

    def __init__(
        self,
        n_bits=4,
        *,
        value_range=None,
        encoding="onehot",
        handle_out_of_range="clip",
        sparse_output=True,
        dtype=np.float64,
    ):
        self.n_bits = n_bits
        self.value_range = value_range
        self.encoding = encoding
        self.handle_out_of_range = handle_out_of_range
        self.sparse_output = sparse_output
        self.dtype = dtype

    def transform(self, X):
        """Encode X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        bits : {ndarray, sparse matrix} of shape (n_samples, n_features * width)
            ``width`` is ``n_bits``, or ``2 * (n_bits - 1)`` for "complement".
        """
        check_is_fitted(self)
        check_sparse_output(self)
        X = self._validate(X, reset=False)
        xp = array_namespace(X)
        low, high = self.data_min_, self.data_max_
        values = xp.asarray(X, dtype=xp.float64)
        if self.handle_out_of_range == "error":
            outside = (values < low) | (values > high)
            if bool(outside.any()):
                raise ValueError(
                    f"X has {int(outside.sum())} value(s) outside the range "
                    f"[{low}, {high}] (X goes from {float(values.min())} to "
                    f"{float(values.max())}); set handle_out_of_range='clip' or widen "
                    "value_range."
                )
        bucket = greyscale_buckets(xp, values, low, high, self.n_bits)
        indptr, indices = greyscale_indices(xp, bucket, self.n_bits, self.encoding)
        dtype = check_output_dtype(self.dtype, self.sparse_output)
        return csr_output(indptr, indices, int(self.offsets_[-1]), dtype, self.sparse_output)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.array_api_support = True
        tags.transformer_tags.preserves_dtype = preserved_dtypes(self.dtype)
        return tags

    def __setstate__(self, state):
        # Encoders pickled by sklearn-htm 0.1.0 have no offsets_.
        if "data_min_" in state and "offsets_" not in state:
            n_bits = state.get("n_bits", 4)
            state = {**state, "offsets_": np.arange(state["n_features_in_"] + 1,
                                                    dtype=np.int64) * n_bits}
        super().__setstate__(state)

    def _validate(self, X, reset):
        """validate_data, or its device counterpart for CuPy input."""
        if is_device_array(X):
            return validate_device_data(self, X, reset=reset)
        return validate_data(self, X, reset=reset, dtype="numeric")

    def _learn(self, X):
        check_output_dtype(self.dtype, self.sparse_output)
        if self.encoding == "complement" and self.n_bits < 2:
            raise ValueError(
                f"encoding='complement' needs n_bits >= 2 (a threshold between two "
                f"buckets), got n_bits={self.n_bits}."
            )
        if self.value_range is not None:
            if len(self.value_range) != 2 or not all(
                isinstance(v, Real) for v in self.value_range
            ):
                raise ValueError(
                    f"value_range must be a pair (low, high) of numbers, got "
                    f"{self.value_range!r}."
                )
            low, high = (float(v) for v in self.value_range)
            if not (np.isfinite(low) and np.isfinite(high) and low < high):
                raise ValueError(
                    f"value_range={self.value_range!r} must satisfy low < high and "
                    "be finite."
                )
        else:
            low, high = float(X.min()), float(X.max())
            if hasattr(self, "data_min_"):
                low, high = min(low, self.data_min_), max(high, self.data_max_)
        self.data_min_, self.data_max_ = low, high
        self.offsets_ = np.arange(X.shape[1] + 1, dtype=np.int64) * bits_per_feature(
            self.n_bits, self.encoding)
