"""Compute backends of the Spatial Pooler.

Each backend is a module exposing ``name``, ``transform(config, state, X)`` and
``learn(config, state, X, batch_size)`` (see :mod:`sklearn_htm.backends._numpy`,
the reference). Backends are imported on first use, so importing the package
never imports Numba kernels' dependencies eagerly nor CuPy at all.
"""

import functools
import importlib
import importlib.util

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


def _module_exists(name):
    return importlib.util.find_spec(_MODULES[name]) is not None


def available_backends():
    """The concrete backends that can run in this process.

    Returns
    -------
    names : list of str
        "numpy" always, "numba" when its module is present, "cupy" when a GPU
        is usable.
    """
    names = ["numpy"]
    if _module_exists("numba"):
        names.append("numba")
    if _module_exists("cupy") and gpu_available():
        names.append("cupy")
    return names


def resolve_backend_name(backend):
    """The concrete backend ``backend`` stands for ("auto" picks one)."""
    if backend == "auto":
        if _module_exists("cupy") and gpu_available():
            return "cupy"
        if _module_exists("numba"):
            return "numba"
        return "numpy"
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
