"""What streaming, saving and scaling out on Dask cost.

Measures, on sklearn's bundled digits (no download):

* grid search: ``GridSearchCV`` over pooler hyperparameters in this process
  (``n_jobs=1``, with the libraries' default thread pools and with one
  thread, as a worker has) and on local Dask clusters of single-threaded
  worker processes (joblib's dask backend), with the cluster's start and the
  kernels' warm-up timed apart. A cluster of one single-threaded worker is
  not measured: joblib runs the search in the calling process then;
* streaming: ``IncrementalPipeline.partial_fit`` per batch in this process,
  and dask-ml's ``Incremental`` on 2 workers, which sends the model from
  task to task;
* transform of a dask array (persisted on 2 workers) block by block, against
  the in-memory transform;
* saving and loading a fitted MNIST-sized pooler with pickle, joblib and
  skops: seconds and bytes.

Prints JSON (and writes it with ``--output``). Timings are the best of
``--repeat`` runs. Usage::

    python benchmarks/bench_dask.py --output benchmarks/results/dask.json
"""

import argparse
import io
import os
import pickle
import platform
import sys
import time
from contextlib import contextmanager
from itertools import product

import joblib
import numpy as np
import scipy.sparse as sp
from _report import command, description, emit
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_limits

import sklearn_htm
from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.dask import warm_up_workers, worker_env
from sklearn_htm.pipeline import make_incremental_pipeline
from sklearn_htm.spatial_pooler.backends import resolve_backend_name


def best_time(function, repeat):
    """Smallest wall time of ``repeat`` calls, and the last result."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def encoder():
    return GreyscaleEncoder(n_bits=4, value_range=(0, 16))


def search_space(n_candidates):
    """The first ``n_candidates`` points of a grid over pooler parameters."""
    axes = {
        "spatialpoolertransformer__n_columns": [256, 512],
        "spatialpoolertransformer__sparsity": [0.02, 0.05],
        "spatialpoolertransformer__boost_strength": [0.0, 2.0],
        "spatialpoolertransformer__potential_pct": [0.5, 0.8],
    }
    points = [dict(zip(axes, values)) for values in product(*axes.values())]
    if not 1 <= n_candidates <= len(points):
        raise SystemExit(f"--candidates must be in 1..{len(points)}")
    return [{key: [value] for key, value in point.items()} for point in points[:n_candidates]]


def grid_search(X, y, n_candidates, n_jobs):
    pipe = make_incremental_pipeline(
        encoder(),
        SpatialPoolerTransformer(random_state=0),
        LogisticRegression(max_iter=500),
    )
    search = GridSearchCV(pipe, search_space(n_candidates), cv=3, n_jobs=n_jobs)
    return search.fit(X, y)


@contextmanager
def one_thread():
    """Run this process as a worker runs: one BLAS / OpenMP / Numba thread."""
    import numba

    numba_threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        numba.set_num_threads(numba_threads)


@contextmanager
def local_cluster(n_workers):
    """A client of single-threaded worker processes on loopback, warmed up.

    Yields the client and the seconds the start and the warm-up took.
    """
    from dask.distributed import Client, LocalCluster

    start = time.perf_counter()
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        env=worker_env(1),
    )
    with cluster, Client(cluster) as client:
        started = time.perf_counter() - start
        warm_up = max(warm_up_workers(client).values())
        yield client, {
            "cluster_start_s": round(started, 3),
            "warm_up_s_per_worker": round(warm_up, 3),
        }


def bench_grid_search(X, y, n_candidates, worker_counts, repeat):
    from dask.distributed import get_task_stream

    default_s, local = best_time(lambda: grid_search(X, y, n_candidates, 1), repeat)
    with one_thread():
        one_thread_s, _ = best_time(lambda: grid_search(X, y, n_candidates, 1), repeat)
    results = {
        "candidates": n_candidates,
        "folds": 3,
        "fits": n_candidates * 3 + 1,
        "in_process_default_threads_s": round(default_s, 3),
        "in_process_1_thread_s": round(one_thread_s, 3),
        "on_dask": {},
    }
    for n_workers in worker_counts:
        with local_cluster(n_workers) as (client, costs):

            def search():
                # The final refit runs here, in the client: give it one thread
                # too, as in_process_1_thread does.
                with get_task_stream(client) as stream:
                    with one_thread(), joblib.parallel_backend("dask"):
                        fitted = grid_search(X, y, n_candidates, -1)
                busy = sum(
                    span["stop"] - span["start"]
                    for task in stream.data
                    for span in task["startstops"]
                    if span["action"] == "compute"
                )
                return fitted, busy

            runs = [best_time(search, 1) for _ in range(repeat)]
            seconds, (remote, busy) = min(runs, key=lambda run: run[0])
            costs["grid_search_s"] = round(seconds, 3)
            # Seconds the workers spent computing during that search, all
            # workers together: with free cores, the search takes about this
            # divided by the number of workers, plus the refit and overheads.
            costs["worker_compute_s"] = round(busy, 3)
            costs["speed_up_over_1_thread"] = round(one_thread_s / seconds, 2)
            costs["same_scores_as_in_process"] = bool(
                np.array_equal(
                    remote.cv_results_["mean_test_score"],
                    local.cv_results_["mean_test_score"],
                )
            )
            results["on_dask"][f"{n_workers}_workers"] = costs
    return results


def streaming_pipeline():
    return make_incremental_pipeline(
        encoder(),
        SpatialPoolerTransformer(n_columns=1024, sparsity=0.02, random_state=0),
        SGDClassifier(random_state=0),
    )


def best_time_on_cluster(client, arrays, function, repeat):
    """Like best_time, with ``arrays`` persisted on the workers before each run.

    Every run gets arrays with new names: the scheduler would otherwise hand
    back results of the previous run that it still holds under the same keys.
    """
    import dask.array as da
    from dask.distributed import wait

    times = []
    for _ in range(repeat):
        persisted = client.persist(
            [da.from_array(array, chunks=chunks, name=False) for array, chunks in arrays]
        )
        wait(persisted)
        start = time.perf_counter()
        result = function(*persisted)
        times.append(time.perf_counter() - start)
    return min(times), result


def bench_streaming(X, y, batch, repeat):
    from dask_ml.wrappers import Incremental, ParallelPostFit

    classes = np.unique(y)
    starts = range(0, X.shape[0], batch)

    def local_stream():
        pipe = streaming_pipeline()
        for start in starts:
            pipe.partial_fit(X[start:start + batch], y[start:start + batch], classes=classes)
        return pipe

    big = np.tile(X, (10, 1))
    with one_thread():
        stream_s, local = best_time(local_stream, repeat)
        transform_s, local_sdr = best_time(lambda: local[:2].transform(big), repeat)
    results = {
        "batch": batch,
        "samples": int(X.shape[0]),
        "transform_rows": int(big.shape[0]),
        "model_bytes": len(pickle.dumps(local)),
        "in_process_1_thread_partial_fit_samples_per_s": round(X.shape[0] / stream_s, 1),
        "in_process_1_thread_transform_samples_per_s": round(
            big.shape[0] / transform_s, 1
        ),
    }
    with local_cluster(2) as (client, _):
        seconds, incremental = best_time_on_cluster(
            client,
            [(X, (batch, X.shape[1])), (y, batch)],
            lambda dX, dy: Incremental(streaming_pipeline(), shuffle_blocks=False).fit(
                dX, dy, classes=classes
            ),
            repeat,
        )
        results["dask_ml_incremental_2_workers_samples_per_s"] = round(
            X.shape[0] / seconds, 1
        )
        results["incremental_same_as_in_process"] = bool(
            np.array_equal(incremental.estimator_[-1].coef_, local[-1].coef_)
        )
        wrapped = ParallelPostFit(local[:2])
        seconds, sdr = best_time_on_cluster(
            client,
            [(big, (2000, big.shape[1]))],
            lambda d_big: wrapped.transform(d_big).compute(),
            repeat,
        )
        results["dask_transform_2_workers_samples_per_s"] = round(big.shape[0] / seconds, 1)
        results["dask_transform_same_as_in_memory"] = bool(
            (sdr != local_sdr).nnz == 0
        )
    return results


def bench_saving(repeat):
    """A pooler of MNIST's size: 2048 columns over 784 pixels * 4 bits."""
    rng = np.random.RandomState(0)
    bits = sp.csr_matrix(rng.random_sample((64, 3136)) < 0.25)
    pooler = SpatialPoolerTransformer(n_columns=2048, random_state=0).fit(bits)
    formats = {
        "pickle": (
            lambda: pickle.dumps(pooler, protocol=pickle.HIGHEST_PROTOCOL),
            pickle.loads,
        ),
        "joblib": (lambda: joblib_dumps(pooler), lambda data: joblib.load(io.BytesIO(data))),
    }
    try:
        import skops.io

        from sklearn_htm.persistence import load_skops

        formats["skops"] = (
            lambda: skops.io.dumps(pooler),
            lambda data: load_skops(io.BytesIO(data)),
        )
    except ImportError:
        pass
    results = {
        "n_columns": 2048,
        "n_inputs": 3136,
        "potential_pct": pooler.potential_pct,
        "potential_synapses": int(pooler.permanences_.nnz),
    }
    for name, (dump, load) in formats.items():
        dump_s, data = best_time(dump, repeat)
        load_s, loaded = best_time(lambda: load(data), repeat)
        exact = bool(
            np.array_equal(loaded.permanences_.data, pooler.permanences_.data)
            and np.array_equal(loaded.boost_factors_, pooler.boost_factors_)
        )
        results[name] = {
            "bytes": len(data),
            "dump_s": round(dump_s, 4),
            "load_s": round(load_s, 4),
            "exact": exact,
        }
    return results


def joblib_dumps(model):
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    return buffer.getvalue()


def environment():
    import dask
    import dask_ml
    import sklearn

    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "sklearn_htm": sklearn_htm.__version__,
        "scikit_learn": sklearn.__version__,
        "dask": dask.__version__,
        "dask_ml": dask_ml.__version__,
        "backend": resolve_backend_name("auto"),
        # Other work on the machine skews every figure; record how busy it was.
        "load_average_1min_at_start": round(os.getloadavg()[0], 2),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=description(__doc__))
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument(
        "--workers",
        default="2",
        help="comma-separated worker counts, each >= 2 (joblib runs a search on a "
        "cluster of one single-threaded worker in the calling process)",
    )
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--output", help="also write the JSON here")
    args = parser.parse_args(argv)

    worker_counts = [int(n) for n in args.workers.split(",")]
    if min(worker_counts) < 2:
        parser.error("--workers: every count must be at least 2")
    X, y = load_digits(return_X_y=True)
    report = {
        "command": command(argv),
        "repeat": args.repeat,
        "environment": environment(),
        "grid_search": bench_grid_search(
            X, y, args.candidates, worker_counts, args.repeat
        ),
        "streaming": bench_streaming(X, y, args.batch, args.repeat),
        "saving": bench_saving(args.repeat),
    }
    emit(report, args.output)


if __name__ == "__main__":
    sys.exit(main())
