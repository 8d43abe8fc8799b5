"""The CuPy GPU backend: the driver (:mod:`._backend`), its CUDA kernels
(:mod:`._kernels`) and the array-module-generic steps (:mod:`._array_ops`).

Nothing here imports CuPy at import time; kernels compile on first use.
"""

from ._backend import CupyBackend

__all__ = ["CupyBackend"]
