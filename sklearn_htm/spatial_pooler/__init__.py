"""The HTM Spatial Pooler: estimator, structure, state and backends.

======================  ====================================================
module                  what it holds
======================  ====================================================
:mod:`._estimator`      :class:`SpatialPoolerTransformer`, the sklearn face
:mod:`._attributes`     the fitted attributes, read from the state
:mod:`._structure`      the structure resolved from the parameters
:mod:`._topology`       potential pools and neighbourhoods on grids
:mod:`._memory`         the memory check
:mod:`._state`          the constants and the state the backends share
:mod:`._parameters`     reading a pooler pickled by version 0.1.0
:mod:`.backends`        the backend contract, numpy (the reference), numba, cupy
======================  ====================================================
"""

from ._estimator import SpatialPoolerTransformer

__all__ = ["SpatialPoolerTransformer"]
