"""The Temporal Memory: sequence learning over SDRs (htm.core's ``TemporalMemory``).

``_estimator`` (the scikit-learn face, on the layers' skeleton in
:mod:`sklearn_htm._core`), ``_config`` (constants resolved from the
parameters), ``_state`` (the fitted state and its pool layout) and
``backends`` (the numpy reference and the numba kernels, behind the one
backend contract).
"""

from ._estimator import TemporalMemoryTransformer

__all__ = ["TemporalMemoryTransformer"]
