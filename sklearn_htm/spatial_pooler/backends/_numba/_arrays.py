"""Scratch arrays of the kernels, allocated in one way.

Numba compiles ``np.zeros`` and ``np.empty`` once per signature (the types
of the shape and the dtype), and a first compile in an environment paid for
29 of them. Every kernel allocates through :func:`zeros` and
:func:`zeros_2d`, whose sizes are int64, so that there is one compiled
routine per dtype and rank (see ``benchmarks/bench_cpu.py``'s cold start).
"""

import numpy as np
from numba import njit


@njit(inline="always")
def zeros(n, dtype):
    """A zeroed 1-d array of ``n`` items."""
    return np.zeros(np.int64(n), dtype=dtype)


@njit(inline="always")
def zeros_2d(n_rows, n_cols, dtype):
    """A zeroed 2-d array of ``n_rows`` x ``n_cols`` items."""
    return np.zeros((np.int64(n_rows), np.int64(n_cols)), dtype=dtype)
