"""Input of the Spatial Pooler: validation and binarization into :class:`BinaryRows`.

:func:`validate_rows` checks ``X`` as scikit-learn's ``validate_data`` does.
Plain 2-D numpy arrays and scipy CSR matrices of a fitted pooler (the rows
of a stream, one at a time) take a short path with the same checks: numeric
dtype, at least one row, the fitted width, finite values, no feature names
where the pooler was fitted with names. Everything else, and anything that
fails a check, goes through ``validate_data``, which raises scikit-learn's
own errors.

:func:`binary_rows` then turns host input into :class:`BinaryRows`:
canonical CSR parts (sorted, no duplicates) of the active inputs, reusing
the input's index arrays when it is already binary and canonical (backends
never write to their input).
"""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import validate_data

from ..utils._array_api import (
    array_namespace,
    is_device_array,
    is_sparse,
    validate_device_data,
)
from .pools import indptr_from_lengths

_NUMERIC_KINDS = frozenset("biuf")
_FAST_DTYPES = frozenset(
    np.dtype(t) for t in (np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
                          np.uint8, np.uint16, np.uint32, np.uint64, np.bool_)
)


class BinaryRows(NamedTuple):
    """Binary rows on the host as canonical CSR parts.

    Attributes
    ----------
    indptr : ndarray of int64, shape (n_rows + 1,)
    indices : ndarray of int32, shape (n_active,)
        Active inputs of row ``r``: ``indices[indptr[r]:indptr[r + 1]]``,
        sorted, without duplicates.
    n_features : int
    """

    indptr: np.ndarray
    indices: np.ndarray
    n_features: int

    @property
    def shape(self):
        return (self.indptr.shape[0] - 1, self.n_features)

    def to_csr(self):
        """The rows as a scipy CSR matrix of bool (copies of the index arrays)."""
        matrix = sp.csr_matrix(
            (np.ones(self.indices.size, dtype=bool), self.indices.copy(), self.indptr.copy()),
            shape=self.shape,
        )
        matrix.has_sorted_indices = True
        return matrix

    def toarray(self):
        """The rows as a dense bool array."""
        return self.to_csr().toarray()

    def __getitem__(self, item):
        """Rows ``start:stop`` (a slice with step 1) as BinaryRows."""
        if not isinstance(item, slice) or item.step not in (None, 1):
            return tuple.__getitem__(self, item)
        start, stop, _ = item.indices(self.shape[0])
        stop = max(start, stop)
        indptr = self.indptr[start:stop + 1]
        indices = self.indices[indptr[0]:indptr[-1]]
        return BinaryRows(indptr - indptr[0], indices, self.n_features)

    def take(self, order):
        """Rows ``order`` (an integer array), in that order."""
        return from_csr(self.to_csr()[order], self.n_features)


def from_csr(matrix, n_features):
    """BinaryRows of a canonical binary scipy CSR matrix."""
    return BinaryRows(
        np.asarray(matrix.indptr, dtype=np.int64),
        np.asarray(matrix.indices, dtype=np.int32),
        int(n_features),
    )


def take_rows(rows, order):
    """Rows ``order`` (a host integer array) of host or device rows."""
    if isinstance(rows, BinaryRows):
        return rows.take(order)
    return rows[array_namespace(rows).asarray(order)]


def _fast_checked(estimator, X):
    """Whether ``X`` passes ``validate_data``'s checks (reset=False) on the
    short path; False sends it through ``validate_data`` itself."""
    if hasattr(estimator, "feature_names_in_"):
        return False
    if type(X) is np.ndarray:
        values = X
    elif type(X) in (sp.csr_matrix, sp.csr_array):
        values = X.data
        if X.indices.dtype not in (np.int32, np.int64):
            return False
    else:
        return False
    if X.ndim != 2 or X.dtype not in _FAST_DTYPES:
        return False
    if X.shape[0] < 1 or X.shape[1] != estimator.n_features_in_:
        return False
    return X.dtype.kind != "f" or bool(np.isfinite(values).all())


def validate_rows(estimator, X, reset):
    """``X`` checked as ``validate_data(estimator, X, reset=reset)`` would,
    dense or CSR (CuPy input is checked on its device).

    Raises
    ------
    ValueError
        For NaN or infinite values, a wrong number of features, no rows, or
        a non-numeric dtype (scikit-learn's messages).
    """
    if is_device_array(X):
        return validate_device_data(estimator, X, reset=reset, accept_sparse=True)
    if not reset and _fast_checked(estimator, X):
        return X
    return validate_data(
        estimator, X, reset=reset, accept_sparse="csr", dtype="numeric",
        ensure_all_finite=True,
    )


def _active(values, binarize):
    """Which values are active inputs: ``> binarize``, or non-zero when
    ``binarize=None`` (which refuses anything but 0 and 1)."""
    if binarize is None:
        if not bool(array_namespace(values).all((values == 0) | (values == 1))):
            raise ValueError(
                "X must be binary (only 0 and 1) when binarize=None; set binarize "
                "to a threshold (values above it become 1), or encode the input "
                "first, for example with GreyscaleEncoder."
            )
        return values != 0
    return values > binarize


def _device_binary_rows(X, binarize):
    """CuPy input stays on the device: dense input becomes a bool array,
    cupyx sparse input a CSR matrix whose stored values are 1."""
    if not is_sparse(X):
        return _active(X, binarize)
    X = X.tocsr(copy=True)
    X.sum_duplicates()
    X.data = _active(X.data, binarize).astype(X.dtype)
    X.eliminate_zeros()
    return X


def binary_rows(X, binarize):
    """Validated input as binary rows.

    Parameters
    ----------
    X : ndarray, scipy sparse matrix, or CuPy array / cupyx sparse matrix
    binarize : float or None
        ``None`` requires X to hold only 0 and 1; a number ``t`` maps values
        ``> t`` to 1 and the rest to 0 (BernoulliNB's rule).

    Returns
    -------
    rows : BinaryRows, or a CuPy bool array / cupyx CSR matrix for device input

    Raises
    ------
    ValueError
        If ``binarize`` is None and X is not binary, or ``binarize < 0`` with
        sparse X (every implicit zero would become a 1).
    """
    if binarize is not None and binarize < 0 and is_sparse(X):
        raise ValueError(
            f"binarize={binarize} < 0 would turn every implicit zero of the sparse "
            "input into a 1; use a threshold >= 0 or pass dense input."
        )
    if is_device_array(X):
        return _device_binary_rows(X, binarize)
    n_features = X.shape[1]
    if not sp.issparse(X):
        active = _active(X, binarize)
        counts = np.count_nonzero(active, axis=1)
        indptr = indptr_from_lengths(counts)
        return BinaryRows(indptr, np.nonzero(active)[1].astype(np.int32), n_features)
    if not (X.format == "csr" and X.has_canonical_format):
        X = sp.csr_matrix(X, copy=True)
        X.sum_duplicates()
    active = _active(X.data, binarize)
    if active.all():
        return BinaryRows(X.indptr.astype(np.int64, copy=False),
                          X.indices.astype(np.int32, copy=False), n_features)
    kept = np.zeros(active.size + 1, dtype=np.int64)
    np.cumsum(active, out=kept[1:])
    return BinaryRows(kept[X.indptr], X.indices[active].astype(np.int32), n_features)
