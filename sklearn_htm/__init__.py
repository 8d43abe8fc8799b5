"""sklearn-htm: Hierarchical Temporal Memory as scikit-learn estimators."""

from .anomaly import AnomalyLikelihood, HTMAnomalyDetector
from .backtracking_tm import BacktrackingTM
from .encoders import (
    DateEncoder,
    GreyscaleEncoder,
    RandomDistributedScalarEncoder,
    ScalarEncoder,
)
from .forecasting import HTMForecaster, SDRClassifier
from .spatial_pooler import SpatialPoolerTransformer
from .streams import MultiStreamDetector
from .temporal_memory import TemporalMemoryTransformer

__version__ = "0.1.0"

__all__ = [
    "AnomalyLikelihood",
    "BacktrackingTM",
    "DateEncoder",
    "GreyscaleEncoder",
    "HTMAnomalyDetector",
    "HTMForecaster",
    "MultiStreamDetector",
    "RandomDistributedScalarEncoder",
    "ScalarEncoder",
    "SDRClassifier",
    "SpatialPoolerTransformer",
    "TemporalMemoryTransformer",
    "__version__",
]
