"""sklearn-htm: the HTM Spatial Pooler as scikit-learn transformers."""

from .encoders import GreyscaleEncoder
from .spatial_pooler import SpatialPoolerTransformer

__version__ = "0.1.0"

__all__ = ["GreyscaleEncoder", "SpatialPoolerTransformer", "__version__"]
