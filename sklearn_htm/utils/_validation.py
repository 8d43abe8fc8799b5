"""Checks shared by the estimators."""

import numpy as np


def check_output_dtype(dtype):
    """The numpy dtype named by an estimator's ``dtype`` parameter.

    Binary outputs are stored as numbers: booleans, integers or floats.

    Raises
    ------
    ValueError
        If ``dtype`` is not a numpy dtype of one of those kinds.
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
    return resolved


def preserved_dtypes(dtype):
    """The ``preserves_dtype`` tag for an output of ``dtype``: the output keeps
    the input's float type only when that type is the output type."""
    try:
        resolved = check_output_dtype(dtype)
    except ValueError:
        return []
    return [resolved.name] if resolved.kind == "f" else []
