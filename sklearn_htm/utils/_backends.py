"""Loading a compute backend class on first use (shared by the algorithms)."""

import functools
import importlib


@functools.cache
def backend_instance(module, cls):
    """The one instance of ``module.cls``, imported on first use, so that
    importing the package never imports kernel modules (or CuPy) eagerly."""
    return getattr(importlib.import_module(module), cls)()
