"""sklearn-htm on a real dask.distributed cluster of worker processes.

The cluster (two single-threaded worker processes on loopback) is started
once for the module; every test compares what the cluster computes with the
same computation done in this process.
"""

import copy
import importlib.util
import os

import numpy as np
import pytest

distributed = pytest.importorskip("dask.distributed")
da = pytest.importorskip("dask.array")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")

import joblib  # noqa: E402
from sklearn.linear_model import LogisticRegression, SGDClassifier  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer  # noqa: E402
from sklearn_htm.dask import warm_up_workers, worker_env  # noqa: E402
from sklearn_htm.pipeline import make_incremental_pipeline  # noqa: E402

CLASSES = np.arange(10)
HAS_NUMBA_BACKEND = (
    importlib.util.find_spec("sklearn_htm.spatial_pooler.backends._numba") is not None
)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        env=worker_env(1),
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def data(digits):
    X, y = digits
    return X[:240], y[:240]


def encoder():
    return GreyscaleEncoder(n_bits=4, value_range=(0, 16))


def pooler(**params):
    return SpatialPoolerTransformer(
        **{"n_columns": 64, "sparsity": 0.1, "random_state": 0, "backend": "auto", **params}
    )


def test_worker_env_values():
    env = worker_env(3, numba_cache_dir="/tmp/cache")
    assert env["NUMBA_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "3"
    assert env["NUMBA_CACHE_DIR"] == "/tmp/cache"
    assert "NUMBA_CACHE_DIR" not in worker_env()


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_worker_env_refuses_bad_thread_counts(bad):
    with pytest.raises(ValueError, match="n_threads"):
        worker_env(bad)


def test_workers_do_not_oversubscribe_the_cores(client):
    def thread_pools():
        import numba

        return numba.config.NUMBA_NUM_THREADS, os.environ["OPENBLAS_NUM_THREADS"]

    pools = client.run(thread_pools)
    assert len(pools) == 2
    assert set(pools.values()) == {(1, "1")}


def test_grid_search_on_the_cluster_matches_the_local_one(client, data):
    X, y = data
    pipe = make_incremental_pipeline(
        encoder(), pooler(), LogisticRegression(max_iter=200)
    )
    grid = {
        "spatialpoolertransformer__n_columns": [32, 64],
        "spatialpoolertransformer__sparsity": [0.05, 0.1],
    }
    local = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    with distributed.get_task_stream(client) as tasks:
        with joblib.parallel_backend("dask"):
            remote = GridSearchCV(pipe, grid, cv=2, n_jobs=-1).fit(X, y)
    assert tasks.data, "no task ran on the cluster"
    for key in ("mean_test_score", "split0_test_score", "split1_test_score"):
        assert np.array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
    assert np.array_equal(remote.predict(X[:50]), local.predict(X[:50]))


def stream_locally(model, X, y, chunk, order, **fit_params):
    for block in order:
        rows = slice(block * chunk, (block + 1) * chunk)
        if y is None:
            model.partial_fit(X[rows])
        else:
            model.partial_fit(X[rows], y[rows], **fit_params)
    return model


def test_incremental_streams_the_blocks_like_local_calls(client, data):
    X, y = data
    chunk = 60
    dX = da.from_array(X, chunks=(chunk, X.shape[1]))
    dy = da.from_array(y, chunks=chunk)

    def model():
        return make_incremental_pipeline(encoder(), pooler(), SGDClassifier(random_state=0))

    incremental = dask_ml_wrappers.Incremental(
        model(), shuffle_blocks=True, random_state=0
    ).fit(dX, dy, classes=CLASSES)

    # dask-ml shuffles the block order with the RandomState it is given.
    order = list(range(X.shape[0] // chunk))
    np.random.RandomState(0).shuffle(order)
    assert order != sorted(order)
    local = stream_locally(model(), X, y, chunk, order, classes=CLASSES)

    remote = incremental.estimator_
    assert remote[1].n_samples_seen_ == X.shape[0]
    assert np.array_equal(remote[1].permanences_.data, local[1].permanences_.data)
    assert np.array_equal(remote[1].active_duty_cycles_, local[1].active_duty_cycles_)
    assert np.array_equal(remote[-1].coef_, local[-1].coef_)
    assert np.array_equal(incremental.predict(dX).compute(), local.predict(X))


def test_incremental_without_targets_gets_a_placeholder_and_ignores_it(client, data):
    X, _ = data
    chunk = 80
    dX = da.from_array(X, chunks=(chunk, X.shape[1]))
    # Incremental wants a scorer; a transformer has no score method.
    incremental = dask_ml_wrappers.Incremental(
        make_incremental_pipeline(encoder(), pooler()),
        shuffle_blocks=False,
        scoring=lambda estimator, X, y=None: 0.0,
    ).fit(dX)
    local = stream_locally(
        make_incremental_pipeline(encoder(), pooler()), X, None, chunk, range(3)
    )
    remote = incremental.estimator_
    assert np.array_equal(remote[1].permanences_.data, local[1].permanences_.data)
    assert np.array_equal(remote[1].boost_factors_, local[1].boost_factors_)


@pytest.fixture(scope="module")
def fitted_pooler(data):
    X, _ = data
    return make_incremental_pipeline(encoder(), pooler()).fit(X)


def test_dask_array_transform_block_by_block_equals_in_memory(client, data, fitted_pooler):
    X, _ = data
    dX = da.from_array(X, chunks=(50, X.shape[1]))
    n_columns = fitted_pooler[-1].n_columns_

    # Sparse SDR blocks (CSR chunks) through dask-ml's ParallelPostFit.
    sparse = dask_ml_wrappers.ParallelPostFit(fitted_pooler).transform(dX)
    assert sparse.numblocks == (5, 1)
    assert (sparse.compute() != fitted_pooler.transform(X)).nnz == 0

    # Dense SDR blocks with plain dask.
    dense_model = copy.deepcopy(fitted_pooler).set_params(
        spatialpoolertransformer__sparse_output=False
    )
    dense = dX.map_blocks(
        dense_model.transform, chunks=(dX.chunks[0], (n_columns,)), dtype=np.float64
    )
    assert np.array_equal(dense.compute(), dense_model.transform(X))


def test_warm_up_runs_on_every_worker(client):
    seconds = warm_up_workers(client, backend="numpy")
    assert sorted(seconds) == sorted(client.run(os.getpid))
    assert all(value > 0 for value in seconds.values())


@pytest.mark.skipif(not HAS_NUMBA_BACKEND, reason="needs the numba backend")
def test_numba_kernels_compile_once_per_worker(client, data):
    X, _ = data
    warm_up_workers(client, backend="numba")

    def compilations_during_a_task(X):
        from numba.core.event import install_recorder

        with install_recorder("numba:compile") as recorder:
            model = make_incremental_pipeline(encoder(), pooler(backend="numba"))
            model.partial_fit(X[:120]).partial_fit(X[120:]).transform(X)
        return os.getpid(), len(recorder.buffer)

    for address in client.run(os.getpid):
        runs = [
            client.submit(
                compilations_during_a_task,
                X,
                workers=[address],
                allow_other_workers=False,
                pure=False,
            ).result()
            for _ in range(3)
        ]
        pids = {pid for pid, _ in runs}
        assert len(pids) == 1
        # The first task may still meet a signature the warm-up did not; the
        # same work again must compile nothing.
        assert [count for _, count in runs[1:]] == [0, 0]
