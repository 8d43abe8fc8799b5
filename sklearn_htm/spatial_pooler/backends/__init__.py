"""Compute backends of the Spatial Pooler, behind the one backend contract.

Every backend is a :class:`~._base.SpatialPoolerBackend`; :data:`REGISTRY`
names them, with the GPU probe as the cupy backend's registration: "auto"
picks cupy where CuPy sees a CUDA device, else numba. Backends are imported
on first use, so importing the package never imports the Numba kernels'
modules eagerly nor CuPy at all.
"""

import functools

from ..._core.backends import BackendRegistry
from ._base import SpatialPoolerBackend


@functools.cache
def gpu_available():
    """Whether CuPy is importable and sees at least one CUDA device.

    Answered once per process: probing imports CuPy and initialises CUDA.
    """
    try:
        import cupy
    except Exception:
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


REGISTRY = BackendRegistry(
    "Spatial Pooler",
    {
        "numpy": ("sklearn_htm.spatial_pooler.backends._numpy", "NumpyBackend"),
        "numba": ("sklearn_htm.spatial_pooler.backends._numba", "NumbaBackend"),
        "cupy": ("sklearn_htm.spatial_pooler.backends._cupy", "CupyBackend"),
    },
    probes={"cupy": (
        lambda: gpu_available(),  # looked up at call time (tests replace it)
        "backend='cupy' needs CuPy and a CUDA device; install CuPy (pip install "
        "cupy-cuda12x, or the gpu extra) on a machine with a GPU, or use "
        "backend='numba' or 'auto'.",
    )},
)

BACKENDS = REGISTRY.names
get_backend = REGISTRY.get
available_backends = REGISTRY.available
resolve_backend_name = REGISTRY.resolve

__all__ = [
    "BACKENDS",
    "REGISTRY",
    "SpatialPoolerBackend",
    "available_backends",
    "get_backend",
    "gpu_available",
    "resolve_backend_name",
]
