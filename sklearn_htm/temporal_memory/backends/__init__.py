"""Compute backends of the Temporal Memory, behind one contract.

Every backend is a :class:`~._base.TemporalMemoryBackend`; :func:`get_backend`
returns the one a ``backend`` parameter names ("auto" is numba: there is no
GPU backend of the Temporal Memory yet, and the contract leaves room for one).
Backends are imported on first use.
"""

from ...utils._backends import backend_instance
from ._base import OUTPUTS, RunResult, TemporalMemoryBackend

BACKENDS = ("auto", "numpy", "numba")

_CLASSES = {
    "numpy": ("sklearn_htm.temporal_memory.backends._numpy", "NumpyBackend"),
    "numba": ("sklearn_htm.temporal_memory.backends._numba", "NumbaBackend"),
}


def _instance(name):
    return backend_instance(*_CLASSES[name])


def get_backend(backend):
    """The backend (a :class:`TemporalMemoryBackend`) that ``backend`` names.

    Raises
    ------
    ValueError
        If ``backend`` is not one of :data:`BACKENDS`.
    """
    name = "numba" if backend == "auto" else backend
    if name not in _CLASSES:
        raise ValueError(
            f"Unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}."
        )
    return _instance(name)


__all__ = ["BACKENDS", "OUTPUTS", "RunResult", "TemporalMemoryBackend", "get_backend"]
