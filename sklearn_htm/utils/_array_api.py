"""Helpers for input that may live on a GPU, without importing CuPy.

A CuPy array (or cupyx sparse matrix) is recognised by the module its type
comes from, so nothing here imports CuPy unless the caller already handed
over a CuPy object, in which case CuPy is imported already.

The estimators keep their fitted state as numpy arrays; these helpers let
them accept CuPy input, validate it on the device and answer in the same
namespace (CuPy in, CuPy out; numpy or scipy.sparse in, numpy or
scipy.sparse out).
"""

import copy
import functools

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import _check_feature_names, _check_n_features

_DEVICE_MODULES = ("cupy", "cupyx")


def is_device_array(X):
    """Whether ``X`` is a CuPy array or a cupyx sparse matrix."""
    return type(X).__module__.partition(".")[0] in _DEVICE_MODULES


def is_sparse(X):
    """Whether ``X`` is a scipy or a cupyx sparse matrix."""
    if sp.issparse(X):
        return True
    if is_device_array(X):
        import cupyx.scipy.sparse

        return cupyx.scipy.sparse.issparse(X)
    return False


def array_namespace(X):
    """``cupy`` for device input, ``numpy`` for everything else."""
    if is_device_array(X):
        import cupy

        return cupy
    return np


def to_host(X):
    """A numpy array or scipy sparse matrix with the content of ``X``.

    Host input is returned as is; device input is copied to the host.
    """
    return X.get() if is_device_array(X) else X


def to_device(X):
    """A CuPy array (or cupyx CSR matrix for sparse input) with the content of
    ``X``; device input is returned as is."""
    if is_device_array(X):
        return X
    if sp.issparse(X):
        import cupyx.scipy.sparse

        return cupyx.scipy.sparse.csr_matrix(sp.csr_matrix(X))
    import cupy

    return cupy.asarray(X)


def take_rows(X, order):
    """Rows ``order`` (a host integer array) of ``X``, in ``X``'s namespace."""
    return X[array_namespace(X).asarray(order)]


def validate_device_data(estimator, X, *, reset, accept_sparse=False):
    """The checks ``validate_data`` makes, for CuPy input, on the device.

    ``validate_data`` only takes CuPy arrays under
    ``sklearn.config_context(array_api_dispatch=True)`` and never cupyx
    sparse matrices, so device input is checked here instead: two
    dimensions, at least one sample and one feature, a numeric dtype, finite
    values, and the number (and absence of names) of features.

    Parameters
    ----------
    estimator : estimator instance
    X : cupy.ndarray or cupyx.scipy.sparse matrix
    reset : bool
        Whether to set ``n_features_in_`` (fit) or check against it.
    accept_sparse : bool, default=False
        Whether cupyx sparse matrices are accepted (converted to CSR).

    Returns
    -------
    X : cupy.ndarray or cupyx.scipy.sparse.csr_matrix
    """
    name = type(estimator).__name__
    sparse = is_sparse(X)
    if sparse and not accept_sparse:
        raise TypeError(
            f"{name} does not accept sparse CuPy input (got {type(X).__name__}); "
            "pass a dense cupy.ndarray, e.g. X.toarray()."
        )
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2D array, got a {X.ndim}D CuPy array of shape {X.shape}; "
            "reshape it with X.reshape(-1, 1) for a single feature or "
            "X.reshape(1, -1) for a single sample."
        )
    if X.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} needs numeric input; got a CuPy array of dtype {X.dtype}."
        )
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(
            f"Found array with shape {X.shape} while {name} needs at least one "
            "sample and one feature."
        )
    if sparse:
        X = X.tocsr()
    values = X.data if sparse else X
    if X.dtype.kind == "f" and not bool(array_namespace(values).isfinite(values).all()):
        raise ValueError("Input X contains NaN or infinity.")
    _check_n_features(estimator, X, reset=reset)
    _check_feature_names(estimator, X, reset=reset)
    return X


@functools.lru_cache(maxsize=64)
def _empty_row(n_columns, dtype):
    """A checked, empty 1 x ``n_columns`` CSR matrix of ``dtype`` (never handed out)."""
    return sp.csr_matrix((1, n_columns), dtype=dtype)


def csr_output(indptr, indices, n_columns, dtype, sparse_output, canonical=False):
    """A 0/1 matrix from CSR parts, in the namespace of the parts.

    Parameters
    ----------
    indptr, indices : numpy or CuPy arrays
        Row pointers and column indices of the ones, sorted per row.
    n_columns : int
    dtype : numpy dtype
    sparse_output : bool
        CSR (scipy or cupyx) when true, dense (numpy or CuPy) otherwise.
    canonical : bool, default=False
        The caller guarantees that each row's indices are sorted, unique and
        below ``n_columns`` (a pooler's winners). A single row then skips
        scipy's checks of the parts, a fifth of a one-row ``transform``.
    """
    xp = array_namespace(indices)
    n_rows = indptr.shape[0] - 1
    if not sparse_output:
        dense = xp.zeros((n_rows, n_columns), dtype=dtype)
        rows = xp.searchsorted(indptr, xp.arange(indices.shape[0]), side="right") - 1
        dense[rows, indices] = 1
        return dense
    ones = xp.ones(indices.shape[0], dtype=dtype)
    if xp is np:
        # int32 index arrays where they fit: scipy then checks them quickly.
        if indices.shape[0] < 2**31 and n_columns < 2**31:
            indptr = indptr.astype(np.int32, copy=False)
            indices = indices.astype(np.int32, copy=False)
            if canonical and n_rows == 1:
                out = copy.copy(_empty_row(n_columns, np.dtype(dtype)))
                out.data, out.indices, out.indptr = ones, indices, indptr
                out.has_sorted_indices = True
                out.has_canonical_format = True
                return out
        return sp.csr_matrix((ones, indices, indptr), shape=(n_rows, n_columns))
    import cupyx.scipy.sparse

    return cupyx.scipy.sparse.csr_matrix(
        (ones, indices.astype(xp.int32), indptr.astype(xp.int32)),
        shape=(n_rows, n_columns),
    )


def counts_to_indptr(xp, counts):
    """CSR row pointers (int64) from per-row counts, in the namespace ``xp``."""
    indptr = xp.zeros(counts.shape[0] + 1, dtype=xp.int64)
    indptr[1:] = xp.cumsum(counts)
    return indptr
