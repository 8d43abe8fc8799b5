"""The Temporal Memory's numba backend.

========================  ===================================================
:mod:`._bundles`          the named bundles of arrays the kernels share
:mod:`._random`           the integer generator, in uint64 arithmetic
:mod:`._lists`            lists of indices in chains of blocks
:mod:`._connections`      segments and synapses: create, destroy, adapt, grow
:mod:`._step`             one step per row, and the loop over a run's rows
:mod:`._backend`          the driver (growth of the pool between kernel calls)
:mod:`._cache`            the on-disk cache, keyed by all of the above
========================  ===================================================
"""

from ._backend import NumbaBackend

__all__ = ["NumbaBackend"]
