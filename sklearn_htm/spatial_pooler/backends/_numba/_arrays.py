"""Scratch arrays of the kernels, allocated in one way.

Numba compiles ``np.zeros`` and ``np.empty`` once per signature (the types
of the shape and the dtype), and ``np.zeros`` compiles ``np.empty`` and a
fill routine beside itself: a first compile in an environment paid for
dozens of such routines. Every kernel allocates through these helpers: int64
sizes and ``np.empty`` (:func:`empty`, :func:`empty_2d`), followed for
:func:`zeros` and :func:`zeros_2d` by a loop that LLVM turns into a memset,
so that one routine is compiled per dtype and rank (see
``benchmarks/bench_cpu.py``'s cold start).
"""

import numpy as np
from numba import njit


@njit(inline="always")
def zeros(n, dtype):
    """A zeroed 1-d array of ``n`` items."""
    out = np.empty(np.int64(n), dtype=dtype)
    zero = dtype(0)
    for i in range(out.shape[0]):
        out[i] = zero
    return out


@njit(inline="always")
def zeros_2d(n_rows, n_cols, dtype):
    """A zeroed 2-d array of ``n_rows`` x ``n_cols`` items."""
    out = np.empty((np.int64(n_rows), np.int64(n_cols)), dtype=dtype)
    zero = dtype(0)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = zero
    return out


@njit(inline="always")
def empty(n, dtype):
    """An uninitialised 1-d array of ``n`` items."""
    return np.empty(np.int64(n), dtype=dtype)


@njit(inline="always")
def empty_2d(n_rows, n_cols, dtype):
    """An uninitialised 2-d array of ``n_rows`` x ``n_cols`` items."""
    return np.empty((np.int64(n_rows), np.int64(n_cols)), dtype=dtype)
