"""Numba's on-disk cache for the backtracking Temporal Memory's kernels,
keyed by all of their source (this package's modules, the state layout and
the integer generator they share with the Temporal Memory); see
:mod:`sklearn_htm.utils._numba_cache`."""

from ....temporal_memory import _random
from ....temporal_memory.backends._numba import _random as _numba_random
from ....utils import _numba_cache
from ... import _config, _state

_SOURCES = _numba_cache.package_sources(
    __file__, _config.__file__, _state.__file__, _random.__file__, _numba_random.__file__)

cached_kernel = _numba_cache.kernel_cache(_SOURCES)
