"""The integer generator of :mod:`sklearn_htm._core.random`, in
uint64 arithmetic (every constant a uint64, so nothing promotes to float),
for the kernels of every layer that draws (both Temporal Memories)."""

import numpy as np

from .numba_cache import core_kernel_cache, internal_kernel
from .random import GOLDEN_GAMMA, MIX1, MIX2

cached_kernel = core_kernel_cache()

_GAMMA = np.uint64(GOLDEN_GAMMA)
_MIX1 = np.uint64(MIX1)
_MIX2 = np.uint64(MIX2)
_S27 = np.uint64(27)
_S30 = np.uint64(30)
_S31 = np.uint64(31)
_S32 = np.uint64(32)


@internal_kernel
def draw(rng):
    """The next 64-bit draw; advances ``rng[0]``."""
    s = rng[0] + _GAMMA
    rng[0] = s
    z = (s ^ (s >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@cached_kernel
def below(rng, n):
    """An integer in ``[0, n)``."""
    return np.int64(((draw(rng) >> _S32) * np.uint64(n)) >> _S32)
