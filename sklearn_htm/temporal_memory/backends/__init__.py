"""Compute backends of the Temporal Memory, behind one contract.

Every backend is a :class:`~._base.TemporalMemoryBackend`; :func:`get_backend`
returns the one a ``backend`` parameter names ("auto" is numba: there is no
GPU backend of the Temporal Memory yet, and the contract leaves room for one).
Backends are imported on first use.
"""

from ..._core.backends import named_backend
from ._base import OUTPUTS, RunResult, TemporalMemoryBackend

BACKENDS = ("auto", "numpy", "numba")

_CLASSES = {
    "numpy": ("sklearn_htm.temporal_memory.backends._numpy", "NumpyBackend"),
    "numba": ("sklearn_htm.temporal_memory.backends._numba", "NumbaBackend"),
}


def get_backend(backend):
    """The backend (a :class:`TemporalMemoryBackend`) that ``backend`` names.

    Raises
    ------
    ValueError
        If ``backend`` is not one of :data:`BACKENDS`.
    """
    return named_backend(backend, _CLASSES, BACKENDS)


__all__ = ["BACKENDS", "OUTPUTS", "RunResult", "TemporalMemoryBackend", "get_backend"]
