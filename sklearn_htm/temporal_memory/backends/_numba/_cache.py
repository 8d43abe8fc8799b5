"""Numba's on-disk cache for the Temporal Memory's kernels, keyed by all of
their source (every module of this package and the state layout's
constants); see :mod:`sklearn_htm.utils._numba_cache`."""

from ....utils import _numba_cache
from ... import _config, _state

_SOURCES = _numba_cache.package_sources(__file__, _config.__file__, _state.__file__)

cached_kernel = _numba_cache.kernel_cache(_SOURCES)
