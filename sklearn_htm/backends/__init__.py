"""Compute backends of the Spatial Pooler.

Each backend is a module exposing ``name``, ``transform(config, state, X)`` and
``learn(config, state, X, batch_size)`` (see :mod:`sklearn_htm.backends._numpy`,
the reference). Backends are imported on first use, so importing the package
never imports Numba kernels' dependencies eagerly nor CuPy at all.
"""

import functools
import importlib

BACKENDS = ("auto", "numpy", "numba", "cupy")

_MODULES = {
    "numpy": "sklearn_htm.backends._numpy",
    "numba": "sklearn_htm.backends._numba",
    "cupy": "sklearn_htm.backends._cupy",
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


def get_backend(backend):
    """Import and return the backend module for ``backend``."""
    name = resolve_backend_name(backend)
    if name not in _MODULES:
        raise ValueError(
            f"Unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}."
        )
    if name == "cupy" and not gpu_available():
        raise RuntimeError(
            "backend='cupy' needs CuPy and a CUDA device; install sklearn-htm[gpu] "
            "on a machine with a GPU, or use backend='numba' or 'auto'."
        )
    return importlib.import_module(_MODULES[name])
