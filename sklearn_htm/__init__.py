"""sklearn-htm: Hierarchical Temporal Memory as scikit-learn estimators."""

from .encoders import (
    DateEncoder,
    GreyscaleEncoder,
    RandomDistributedScalarEncoder,
    ScalarEncoder,
)
from .spatial_pooler import SpatialPoolerTransformer

__version__ = "0.1.0"

__all__ = [
    "DateEncoder",
    "GreyscaleEncoder",
    "RandomDistributedScalarEncoder",
    "ScalarEncoder",
    "SpatialPoolerTransformer",
    "__version__",
]
