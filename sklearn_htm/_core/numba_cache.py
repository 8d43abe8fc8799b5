"""Numba's on-disk cache for a package of kernels, keyed by all of its source.

The one keying rule of every layer's kernels: a layer's ``_cache.py`` calls
:func:`layer_kernel_cache` with its own file and the non-kernel modules its
kernels read constants or layouts from; the key then covers every module of
that kernel package, those modules, and the shared kernels of
:mod:`sklearn_htm._core` (:data:`CORE_KERNEL_SOURCES`).

Numba invalidates a cached kernel when the file that defines it changes,
not when a function it calls from another module (or a shared constant)
does, so a change to one kernel module could load stale machine code for
another. :func:`kernel_cache` returns a decorator that compiles like
``njit(cache=True)`` and adds to the cache's index key a digest of every
module of one kernel package (and of any shared module named): any change
to any of them misses the cache and recompiles. Only sequential kernels are
cached (Numba cannot cache parallel ones reliably). Nothing global in Numba
is changed.

Where the cache lives: Numba's own places first (``NUMBA_CACHE_DIR`` when
set, the package's ``__pycache__`` folders, Numba's user-wide cache under
``~/.cache/numba``), then, for an install no one may write to run by a user
without a writable home (a container image), a folder of this user's in the
system's temporary folder (:func:`private_cache_dir`). Where none can be
written, the kernels compile in every process, with a warning.
"""

import hashlib
import os
import stat
import tempfile
import warnings
from pathlib import Path

from numba import njit
from numba.core import caching
from numba.core.caching import CompileResultCacheImpl, FunctionCache

from ..exceptions import KernelCompileWarning


def source_digest(paths):
    """SHA-256 of the given source files, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def package_sources(package_file, *shared):
    """The ``.py`` files beside ``package_file`` (sorted), then ``shared``."""
    return sorted(Path(package_file).parent.glob("*.py")) + [Path(p) for p in shared]


def internal_kernel(function=None, **options):
    """``njit`` for a kernel that only other kernels call.

    Numba compiles a Python entry point and a C entry point for every
    function, also for one never called from Python; skipping both
    (``no_cpython_wrapper``, ``no_cfunc_wrapper``) shortens the first
    compile in an environment. Such a kernel cannot be called from Python.
    """
    options = {"no_cpython_wrapper": True, "no_cfunc_wrapper": True, **options}

    def decorate(python_function):
        return njit(**options)(python_function)

    return decorate(function) if function is not None else decorate


def private_cache_dir():
    """The last place the kernels are cached: ``sklearn-htm-numba-<user id>``
    in the system's temporary folder (``TMPDIR``), made readable and
    writable by this user alone.

    Raises
    ------
    OSError
        When it cannot be made, or is not a folder of this user's that no
        one else may write to (machine code loaded from a folder another
        user can write to would run as this user).
    """
    uid = os.getuid() if hasattr(os, "getuid") else None
    path = Path(tempfile.gettempdir()) / f"sklearn-htm-numba-{'user' if uid is None else uid}"
    path.mkdir(mode=0o700, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or (
            uid is not None and (info.st_uid != uid or info.st_mode & 0o077)):
        raise PermissionError(f"{path} is not a folder of this user's alone")
    return path


class _PrivateCacheLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
    """Numba's cache locator for :func:`private_cache_dir`."""

    def __init__(self, py_func, py_file):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = None

    def get_cache_path(self):
        return self._cache_path

    def ensure_cache_path(self):
        self._cache_path = os.path.join(private_cache_dir(),
                                        self.get_suitable_cache_subpath(self._py_file))
        super().ensure_cache_path()


class _CacheImpl(CompileResultCacheImpl):
    _locator_classes = [*CompileResultCacheImpl._locator_classes, _PrivateCacheLocator]


_warned_uncached = False


def _warn_uncached(error):
    """Warn once a process that kernels compile in every process."""
    global _warned_uncached
    if not _warned_uncached:
        _warned_uncached = True
        warnings.warn(
            f"No folder for Numba's cache can be written ({error}): sklearn_htm's kernels "
            "compile in every process (seconds to a minute). Set NUMBA_CACHE_DIR to a "
            "writable folder.", KernelCompileWarning, stacklevel=3)


def kernel_cache(sources):
    """A ``cached_kernel`` decorator whose cache key includes ``sources``' digest.

    The decorator is used as ``@cached_kernel`` or ``@cached_kernel(nogil=True)``;
    its ``sources`` attribute lists the files its key covers.
    """
    key = source_digest(sources)

    class _KernelCache(FunctionCache):
        """Numba's function cache, its index key extended by the source digest."""

        _impl_class = _CacheImpl

        def _index_key(self, sig, codegen):
            return (*super()._index_key(sig, codegen), key)

    def cached_kernel(function=None, **options):
        # No C entry point (only first-class function objects use one): a
        # shorter first compile.
        options = {"no_cfunc_wrapper": True, **options}

        def decorate(python_function):
            dispatcher = njit(**options)(python_function)
            try:
                dispatcher._cache = _KernelCache(python_function)
            except RuntimeError as error:  # no locator: Numba's "cannot cache"
                _warn_uncached(error)
            return dispatcher

        return decorate(function) if function is not None else decorate

    cached_kernel.sources = tuple(Path(source) for source in sources)
    return cached_kernel


#: The shared modules whose kernels (or constants) any layer's kernels use:
#: the integer generator and its compiled form, and the portable math
#: functions. Every layer's cache key covers them.
CORE_KERNEL_SOURCES = tuple(
    Path(__file__).parent / name for name in ("random.py", "random_kernels.py")
) + (Path(__file__).parent.parent / "utils" / "_portable_math.py",)


def core_kernel_cache():
    """The ``cached_kernel`` decorator of the shared kernels themselves."""
    return kernel_cache(list(CORE_KERNEL_SOURCES))


def layer_kernel_cache(package_file, *shared):
    """The ``cached_kernel`` decorator of one layer's kernel package.

    Parameters
    ----------
    package_file : str
        ``__file__`` of a module of the kernel package: every ``.py`` file
        beside it is part of the key.
    *shared : str
        Further source files the kernels depend on (the layer's state layout
        and configuration modules).
    """
    return kernel_cache(package_sources(package_file, *shared, *CORE_KERNEL_SOURCES))
