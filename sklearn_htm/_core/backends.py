"""Loading a compute backend class on first use (shared by the algorithms)."""

import functools
import importlib


@functools.cache
def backend_instance(module, cls):
    """The one instance of ``module.cls``, imported on first use, so that
    importing the package never imports kernel modules (or CuPy) eagerly."""
    return getattr(importlib.import_module(module), cls)()


def named_backend(backend, classes, choices):
    """The instance of the backend a ``backend`` parameter names: a key of
    ``classes`` (name -> (module, class)), "auto" meaning "numba".

    Raises
    ------
    ValueError
        If ``backend`` is not one of ``choices``.
    """
    name = "numba" if backend == "auto" else backend
    if name not in classes:
        raise ValueError(f"Unknown backend {backend!r}; expected one of {', '.join(choices)}.")
    return backend_instance(*classes[name])
