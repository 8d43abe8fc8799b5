"""Forecasting: HTM's SDR classifier and a ready forecaster."""

from ._classifier import SDRClassifier
from ._forecaster import HTMForecaster

__all__ = ["HTMForecaster", "SDRClassifier"]
