"""The HTM Spatial Pooler: estimator, structure, state and backends.

======================  ====================================================
module                  what it holds
======================  ====================================================
:mod:`._estimator`      :class:`SpatialPoolerTransformer`, the sklearn face
:mod:`._input`          validation and binarization of X
:mod:`._structure`      the structure resolved from the parameters
:mod:`._topology`       potential pools and neighbourhoods on grids
:mod:`._memory`         the memory check
:mod:`._state`          the constants and the state the backends share
:mod:`.backends`        the backend contract, numpy (the reference), numba, cupy
======================  ====================================================
"""

from ._estimator import SpatialPoolerTransformer

__all__ = ["SpatialPoolerTransformer"]
