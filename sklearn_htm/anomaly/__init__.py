"""Anomaly detection on streams: NuPIC's anomaly likelihood, and a ready
detector that chains encoders, pooler, Temporal Memory and likelihood."""

from ._detector import HTMAnomalyDetector
from ._likelihood import AnomalyLikelihood

__all__ = ["AnomalyLikelihood", "HTMAnomalyDetector"]
