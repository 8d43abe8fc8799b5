"""Many streams across a Dask cluster: the streams partitioned by key, each
partition a :class:`~sklearn_htm.MultiStreamDetector` kept on one worker."""

import json
import os
import zlib

import numpy as np
from sklearn.base import clone

from ._multi import MultiStreamDetector
from ._rows import stream_key, stream_rows


def partition_of(key, n_partitions):
    """The partition of a stream key: a hash of its JSON form (the same in
    every process and Python version, unlike ``hash``)."""
    return zlib.crc32(json.dumps(stream_key(key)).encode()) % n_partitions


class _Partition:
    """A Dask actor: one partition's MultiStreamDetector, on its worker."""

    def __init__(self, streams=None, checkpoint_dir=None):
        if checkpoint_dir is not None and streams is None:
            self.streams = MultiStreamDetector.restore(checkpoint_dir)
        else:
            self.streams = streams

    def partial_fit(self, X):
        return self.streams.partial_fit(X).anomaly_score_

    def score_samples(self, X):
        return self.streams.score_samples(X)

    def checkpoint(self):
        self.streams.checkpoint()

    def state(self):
        fitted = hasattr(self.streams, "_store")
        return (self.streams.streams_ if fitted else [],
                self.streams.n_samples_seen_ if fitted else 0)


class DaskStreams:
    """A :class:`~sklearn_htm.MultiStreamDetector` spread over a Dask cluster.

    The streams are partitioned by key (a stable hash), ``n_partitions``
    partitions placed round robin on the client's workers; each partition's
    detectors stay on its worker between calls (a Dask actor), so a call
    ships rows and scores, never detectors. Every stream's scores are those
    one process gives, bit for bit.

    Parameters
    ----------
    client : distributed.Client
    streams : MultiStreamDetector or None, default=None
        The settings of every partition (cloned; None:
        ``MultiStreamDetector()``). Its ``checkpoint_dir``, when given, holds
        one sub-directory per partition (``part-<i>-of-<n>``), each a
        checkpoint :meth:`~sklearn_htm.MultiStreamDetector.restore` can read.
    n_partitions : int or None, default=None
        None: one per worker of the client.

    Attributes
    ----------
    anomaly_score_ : ndarray of float64, shape (n_rows,)
        The scores of the last :meth:`partial_fit`, in X's order.
    """

    def __init__(self, client, streams=None, *, n_partitions=None):
        self.client = client
        template = MultiStreamDetector() if streams is None else clone(streams)
        self.n_partitions = n_partitions or len(client.scheduler_info()["workers"])
        root = template.checkpoint_dir
        self._place(lambda i: (clone(template).set_params(
            checkpoint_dir=None if root is None else _part_dir(root, i, self.n_partitions)),))

    @classmethod
    def restore(cls, client, checkpoint_dir):
        """The streams of :meth:`checkpoint`'s last call into ``checkpoint_dir``
        (its partitions as they were; placed on the client's workers)."""
        parts = sorted(name for name in os.listdir(checkpoint_dir) if name.startswith("part-"))
        if not parts:
            raise ValueError(f"{checkpoint_dir} holds no partition (part-<i>-of-<n>).")
        n_partitions = int(parts[0].rsplit("-", 1)[1])
        self = cls.__new__(cls)
        self.client, self.n_partitions = client, n_partitions
        self._place(lambda i: (None, _part_dir(checkpoint_dir, i, n_partitions)))
        return self

    def _place(self, arguments):
        """One partition actor per index, ``_Partition(*arguments(i))``, placed
        round robin on the client's workers."""
        workers = sorted(self.client.scheduler_info()["workers"])
        self._partitions = [
            self.client.submit(_Partition, *arguments(i), actor=True,
                               workers=[workers[i % len(workers)]]).result()
            for i in range(self.n_partitions)]

    def partial_fit(self, X):
        """Learn the rows of X (long format, as
        :meth:`~sklearn_htm.MultiStreamDetector.partial_fit`), each partition on its
        worker, all at once."""
        self.anomaly_score_ = self._each(X, "partial_fit")
        return self

    def score_samples(self, X):
        """:meth:`~sklearn_htm.MultiStreamDetector.score_samples` over the partitions."""
        return self._each(X, "score_samples")

    def checkpoint(self):
        """Every partition's :meth:`~sklearn_htm.MultiStreamDetector.checkpoint`, at once."""
        for future in [partition.checkpoint() for partition in self._partitions]:
            future.result()
        return self

    @property
    def streams_(self):
        """The stream keys seen, partition by partition."""
        return [key for keys, _ in self._states() for key in keys]

    @property
    def n_samples_seen_(self):
        return sum(seen for _, seen in self._states())

    def _states(self):
        return [future.result() for future in
                [partition.state() for partition in self._partitions]]

    def _each(self, X, method):
        rows = stream_rows(X)  # refused here, before any partition learns
        owner = np.empty(rows.n_rows, dtype=np.int64)
        for key, positions in zip(rows.keys, rows.rows):
            owner[positions] = partition_of(key, self.n_partitions)
        futures = {}
        for i, partition in enumerate(self._partitions):
            mine = np.flatnonzero(owner == i)
            if mine.size:
                futures[i] = (mine, getattr(partition, method)(X.iloc[mine]))
        scores = np.empty(rows.n_rows, dtype=np.float64)
        for mine, future in futures.values():
            scores[mine] = future.result()
        return scores


def _part_dir(root, i, n_partitions):
    return os.path.join(os.fspath(root), f"part-{i}-of-{n_partitions}")
