"""Many streams at once: a keyed set of anomaly detectors, with a memory
budget and crash-safe checkpoints (:class:`MultiStreamDetector`), on one
machine or across a Dask cluster; ``python -m sklearn_htm.streams`` scores a
long-format CSV file.

``_rows`` (the long format, validated and grouped once), ``_store`` (the
detectors in memory and on disk: the checkpoint layout), ``_multi`` (the
estimator), ``_dask`` (its partitions on a Dask cluster).
"""

from ._dask import DaskStreams
from ._multi import MultiStreamDetector
from ._store import CheckpointError

__all__ = ["CheckpointError", "DaskStreams", "MultiStreamDetector"]
