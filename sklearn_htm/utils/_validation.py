"""Checks shared by the estimators."""

import numpy as np
from sklearn.utils._set_output import _get_output_config


def check_output_dtype(dtype, sparse_output=False):
    """The numpy dtype named by an estimator's ``dtype`` parameter.

    Binary outputs are stored as numbers: booleans, integers or floats.

    Raises
    ------
    ValueError
        If ``dtype`` is not a numpy dtype of one of those kinds, or is float16
        with ``sparse_output=True`` (scipy.sparse cannot hold float16: the
        matrix would be built and then fail in ``toarray``, as scikit-learn's
        ``OneHotEncoder`` refuses it for).
    """
    try:
        resolved = np.dtype(dtype)
    except TypeError as exc:
        raise ValueError(
            f"dtype={dtype!r} is not a numpy data type; use for example np.float64, "
            "np.float32, np.uint8 or bool."
        ) from exc
    if dtype is None or resolved.kind not in "biuf":
        raise ValueError(
            f"dtype={dtype!r} cannot hold a binary output; use a boolean, integer or "
            "float type such as np.float64 or np.uint8."
        )
    if sparse_output and resolved == np.float16:
        raise ValueError(
            "dtype=float16 is not supported with sparse_output=True: scipy.sparse "
            "matrices cannot hold float16. Use np.float32 (or np.uint8, bool), or "
            "sparse_output=False for a dense float16 array."
        )
    return resolved


def preserved_dtypes(dtype):
    """The ``preserves_dtype`` tag for an output of ``dtype``: the output keeps
    the input's float type only when that type is the output type."""
    try:
        resolved = check_output_dtype(dtype)
    except ValueError:
        return []
    return [resolved.name] if resolved.kind == "f" else []


def check_sparse_output(estimator):
    """Refuse a DataFrame output configured on an estimator that returns
    CSR matrices: scikit-learn cannot wrap them, and would say so only
    after all the work.

    Raises
    ------
    ValueError
        If ``set_output(transform=...)`` asks for a DataFrame while
        ``sparse_output=True``.
    """
    container = _get_output_config("transform", estimator)["dense"]
    if estimator.sparse_output and container != "default":
        raise ValueError(
            f"{type(estimator).__name__} returns a sparse matrix (sparse_output=True), "
            f"which set_output(transform={container!r}) cannot wrap; set "
            "sparse_output=False for a DataFrame output."
        )
