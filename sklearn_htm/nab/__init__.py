"""NAB, the Numenta Anomaly Benchmark: scoring (``_scoring``)."""
