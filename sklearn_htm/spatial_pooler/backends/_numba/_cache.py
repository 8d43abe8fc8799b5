"""Numba's on-disk cache for the Spatial Pooler's kernels, keyed by all of
their source (every module of this package and
:mod:`sklearn_htm.utils._portable_math`); see
:mod:`sklearn_htm.utils._numba_cache`."""

from ....utils import _numba_cache, _portable_math

_SOURCES = _numba_cache.package_sources(__file__, _portable_math.__file__)


def source_digest(paths=_SOURCES):
    """SHA-256 of the kernel modules' source, in a fixed order."""
    return _numba_cache.source_digest(paths)


cached_kernel = _numba_cache.kernel_cache(_SOURCES)
