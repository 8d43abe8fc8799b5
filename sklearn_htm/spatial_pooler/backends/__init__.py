"""Compute backends of the Spatial Pooler, behind one contract.

Every backend is a :class:`~._base.SpatialPoolerBackend`; :func:`get_backend`
returns the one a ``backend`` parameter names. Backends are imported on
first use, so importing the package never imports the Numba kernels' modules
eagerly nor CuPy at all.
"""

import functools

from ..._core.backends import backend_instance
from ._base import SpatialPoolerBackend

BACKENDS = ("auto", "numpy", "numba", "cupy")

_CLASSES = {
    "numpy": ("sklearn_htm.spatial_pooler.backends._numpy", "NumpyBackend"),
    "numba": ("sklearn_htm.spatial_pooler.backends._numba", "NumbaBackend"),
    "cupy": ("sklearn_htm.spatial_pooler.backends._cupy", "CupyBackend"),
}


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


def available_backends():
    """The concrete backends that can run in this process.

    Returns
    -------
    names : list of str
        "numpy" and "numba" always (numba is a core dependency), "cupy" when
        a GPU is usable.
    """
    return ["numpy", "numba"] + (["cupy"] if gpu_available() else [])


def resolve_backend_name(backend):
    """The concrete backend ``backend`` stands for ("auto" picks the fastest
    available one)."""
    if backend == "auto":
        return available_backends()[-1]
    return backend


def _instance(name):
    return backend_instance(*_CLASSES[name])


def get_backend(backend):
    """The backend (a :class:`SpatialPoolerBackend`) that ``backend`` names.

    Raises
    ------
    ValueError
        If ``backend`` is not one of :data:`BACKENDS`.
    RuntimeError
        If ``backend="cupy"`` and no GPU is usable.
    """
    name = resolve_backend_name(backend)
    if name not in _CLASSES:
        raise ValueError(
            f"Unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}."
        )
    if name == "cupy" and not gpu_available():
        raise RuntimeError(
            "backend='cupy' needs CuPy and a CUDA device; install CuPy (pip install "
            "cupy-cuda12x, or the gpu extra) on a machine with a GPU, or use "
            "backend='numba' or 'auto'."
        )
    return _instance(name)


__all__ = [
    "BACKENDS",
    "SpatialPoolerBackend",
    "available_backends",
    "get_backend",
    "gpu_available",
    "resolve_backend_name",
]
