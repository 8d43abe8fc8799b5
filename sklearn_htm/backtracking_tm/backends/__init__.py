"""Compute backends of the backtracking Temporal Memory.

"numpy" is the specification (a readable reference whose state is its own
Python objects); "numba" (also "auto") runs compiled kernels over a
:class:`~sklearn_htm.backtracking_tm._state.BTMState`. Both give the same
bits. Backends are imported on first use.
"""

from ..._core.backends import named_backend

BACKENDS = ("auto", "numpy", "numba")

_CLASSES = {
    "numpy": ("sklearn_htm.backtracking_tm.backends._numpy", "NumpyBackend"),
    "numba": ("sklearn_htm.backtracking_tm.backends._numba", "NumbaBackend"),
}


def get_backend(backend):
    """The backend that ``backend`` names ("auto" is numba).

    Raises
    ------
    ValueError
        If ``backend`` is not one of :data:`BACKENDS`.
    """
    return named_backend(backend, _CLASSES, BACKENDS)
