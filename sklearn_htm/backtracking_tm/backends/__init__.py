"""Compute backends of the backtracking Temporal Memory, behind the one
backend contract (:class:`~._base.BacktrackingTMBackend`).

"numpy" is the specification (a readable reference whose state is its own
Python objects); "numba" (also "auto") runs compiled kernels over a
:class:`~sklearn_htm.backtracking_tm._state.BTMState`. Both give the same
bits. Backends are imported on first use.
"""

from ..._core.backends import BackendRegistry
from ._base import BacktrackingTMBackend

REGISTRY = BackendRegistry("backtracking Temporal Memory", {
    "numpy": ("sklearn_htm.backtracking_tm.backends._numpy", "NumpyBackend"),
    "numba": ("sklearn_htm.backtracking_tm.backends._numba", "NumbaBackend"),
})

BACKENDS = REGISTRY.names
get_backend = REGISTRY.get

__all__ = ["BACKENDS", "REGISTRY", "BacktrackingTMBackend", "get_backend"]
