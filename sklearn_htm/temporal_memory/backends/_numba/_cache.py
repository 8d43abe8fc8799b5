"""Numba's on-disk cache for the Temporal Memory's kernels, keyed by all of
their source, their configuration and state layout modules and the shared
kernels (see :func:`sklearn_htm._core.numba_cache.layer_kernel_cache`)."""

from ...._core.numba_cache import layer_kernel_cache
from ... import _config, _state

cached_kernel = layer_kernel_cache(__file__, _config.__file__, _state.__file__)
