"""NAB, the Numenta Anomaly Benchmark.

- ``_scoring``: the profiles and the scores of a series and of a corpus
  (public as :func:`sklearn_htm.metrics.nab_score` and its siblings);
- ``_windows``: the probation period, the labelled windows and each scored
  row's reward or cost;
- ``_thresholds``: the threshold sweep and optimisation;
- ``_io``: results folders, the windows file and the JSON report;
- ``_runner`` and ``__main__``: ``python -m sklearn_htm.nab run|score``.
"""
