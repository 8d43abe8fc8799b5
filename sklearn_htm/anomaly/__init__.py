"""Anomaly detection on streams: the anomaly likelihood (SPEC section 7)."""

from ._likelihood import AnomalyLikelihood

__all__ = ["AnomalyLikelihood"]
