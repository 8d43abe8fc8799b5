"""The numba backend of the backtracking Temporal Memory: kernels over the
:class:`~sklearn_htm.backtracking_tm._state.Layer`, in place."""

from ._backend import NumbaBackend

__all__ = ["NumbaBackend"]
