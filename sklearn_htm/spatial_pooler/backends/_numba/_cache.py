"""Numba's on-disk cache for the backend's kernels, keyed by all of their source.

Numba invalidates a cached kernel when the file that defines it changes,
not when a function it calls from another module (or a shared constant)
does, so a change to one kernel module could load stale machine code for
another. :func:`cached_kernel` compiles like ``njit(cache=True)`` and adds
to the cache's index key a digest of every module of this package and of
:mod:`sklearn_htm.utils._portable_math`: any change to any of them misses
the cache and recompiles. Only sequential kernels are cached (Numba cannot
cache parallel ones reliably). Nothing global in Numba is changed.
"""

import hashlib
from pathlib import Path

from numba import njit
from numba.core.caching import FunctionCache

from ....utils import _portable_math

_SOURCES = sorted(Path(__file__).parent.glob("*.py")) + [Path(_portable_math.__file__)]


def source_digest(paths=_SOURCES):
    """SHA-256 of the kernel modules' source, in a fixed order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


_DIGEST = source_digest()


class _KernelCache(FunctionCache):
    """Numba's function cache, its index key extended by the source digest."""

    def _index_key(self, sig, codegen):
        return (*super()._index_key(sig, codegen), _DIGEST)


def cached_kernel(function=None, **options):
    """``njit(cache=True, **options)`` with the package-wide cache key."""

    def decorate(python_function):
        dispatcher = njit(**options)(python_function)
        dispatcher._cache = _KernelCache(python_function)
        return dispatcher

    return decorate(function) if function is not None else decorate
