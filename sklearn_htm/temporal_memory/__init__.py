"""The Temporal Memory: sequence learning over SDRs (htm.core's ``TemporalMemory``).

``_estimator`` (the scikit-learn face), ``_config`` (constants resolved from
the parameters), ``_state`` (the fitted state and its pool layout),
``_random`` (the integer generator every backend shares) and ``backends``
(the numpy reference and the numba kernels, behind one contract).
"""

from ._estimator import TemporalMemoryTransformer

__all__ = ["TemporalMemoryTransformer"]
