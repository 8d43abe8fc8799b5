"""DaskStreams: the streams partitioned over a real two-worker cluster give
the scores of one process, and checkpoint and restore by partition."""

import numpy as np
import pytest

distributed = pytest.importorskip("dask.distributed")

from sklearn_htm import MultiStreamDetector  # noqa: E402
from sklearn_htm.streams import DaskStreams  # noqa: E402
from sklearn_htm.streams._dask import partition_of  # noqa: E402

from ._data import interleaved, small_detector  # noqa: E402

KEYS = ("cpu", "disk", 7, "net", 12)
RANGES = {key: (0.0, 20.0) for key in KEYS}

pytestmark = pytest.mark.filterwarnings("ignore:Port .* is already in use")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


def _template(**params):
    return MultiStreamDetector(small_detector(), ranges=RANGES, **params)


def test_the_cluster_gives_the_scores_of_one_process(client):
    X = interleaved(30, keys=KEYS)
    here = _template()
    there = DaskStreams(client, _template())
    assert {partition_of(key, there.n_partitions) for key in KEYS} == {0, 1}
    for begin, end in ((0, 70), (70, len(X))):
        np.testing.assert_array_equal(there.partial_fit(X.iloc[begin:end]).anomaly_score_,
                                      here.partial_fit(X.iloc[begin:end]).anomaly_score_)
    np.testing.assert_array_equal(there.score_samples(X.iloc[:20]),
                                  here.score_samples(X.iloc[:20]))
    assert sorted(map(str, there.streams_)) == sorted(map(str, KEYS))
    assert there.n_samples_seen_ == len(X)


def test_a_partitioned_checkpoint_restores_on_the_cluster(client, tmp_path):
    X = interleaved(30, keys=KEYS)
    there = DaskStreams(client, _template(checkpoint_dir=tmp_path))
    there.partial_fit(X.iloc[:80]).checkpoint()
    restored = DaskStreams.restore(client, tmp_path)
    here = _template().partial_fit(X.iloc[:80])
    np.testing.assert_array_equal(restored.partial_fit(X.iloc[80:]).anomaly_score_,
                                  here.partial_fit(X.iloc[80:]).anomaly_score_)


def test_bad_rows_are_refused_before_any_partition_learns(client):
    X = interleaved(10, keys=KEYS)
    there = DaskStreams(client, _template()).partial_fit(X)
    with pytest.raises(ValueError, match="lacks the column"):
        there.partial_fit(X.drop(columns="value"))
    assert there.n_samples_seen_ == len(X)
