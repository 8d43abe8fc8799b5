"""NuPIC's backtracking Temporal Memory (the one behind NAB's published HTM
results): estimator, configuration, state and backends."""

from ._estimator import BacktrackingTM

__all__ = ["BacktrackingTM"]
