"""Compute backends of the Temporal Memory, behind one contract.

Every backend is a :class:`~._base.TemporalMemoryBackend`; :func:`get_backend`
returns the one a ``backend`` parameter names ("auto" is numba: there is no
GPU backend of the Temporal Memory yet, and the contract leaves room for one).
Backends are imported on first use.
"""

from ..._core.backends import BackendRegistry
from ._base import OUTPUTS, RunResult, TemporalMemoryBackend

REGISTRY = BackendRegistry("Temporal Memory", {
    "numpy": ("sklearn_htm.temporal_memory.backends._numpy", "NumpyBackend"),
    "numba": ("sklearn_htm.temporal_memory.backends._numba", "NumbaBackend"),
})

BACKENDS = REGISTRY.names
get_backend = REGISTRY.get

__all__ = ["BACKENDS", "OUTPUTS", "REGISTRY", "RunResult", "TemporalMemoryBackend",
           "get_backend"]
