"""Numba's on-disk cache for the Spatial Pooler's kernels, keyed by all of
their source and the shared kernels (see
:func:`sklearn_htm._core.numba_cache.layer_kernel_cache`)."""

from ...._core.numba_cache import layer_kernel_cache

cached_kernel = layer_kernel_cache(__file__)
