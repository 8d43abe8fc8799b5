"""Anomaly detection on streams (SPEC section 7): the anomaly likelihood, and
a ready detector that chains encoders, pooler, Temporal Memory and likelihood."""

from ._detector import HTMAnomalyDetector
from ._likelihood import AnomalyLikelihood

__all__ = ["AnomalyLikelihood", "HTMAnomalyDetector"]
