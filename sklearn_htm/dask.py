"""Helpers for running sklearn-htm on a Dask cluster.

Nothing here imports Dask: the functions build settings for worker processes
and drive an existing ``distributed.Client``. See the "Streaming, saving and
scaling out" page of the documentation for the whole recipe.
"""

import os
import time
from numbers import Integral

import numpy as np

# Thread-pool sizes read once, when each library starts in a process.
_THREAD_VARIABLES = (
    "NUMBA_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
)


def worker_env(n_threads=1, numba_cache_dir=None):
    """Environment variables for Dask worker processes that run sklearn-htm.

    Numba, OpenMP and BLAS size their thread pools from the environment when
    a process first uses them, one thread per core by default. Several
    worker processes on one machine would each start a pool as large as the
    machine and oversubscribe its cores. Give every worker process these
    variables (``LocalCluster(env=...)``, ``Nanny(env=...)``, or exported in
    the shell that starts ``dask worker``) so that ``n_workers * n_threads``
    matches the cores.

    Parameters
    ----------
    n_threads : int >= 1, default=1
        Threads each worker process may use for Numba's parallel kernels and
        for BLAS. With ``threads_per_worker=1`` (one task at a time per
        process, recommended), use the cores per worker process.
    numba_cache_dir : str, path-like or None, default=None
        Directory where Numba keeps compiled kernels (``NUMBA_CACHE_DIR``),
        shared by the worker processes of a machine so that a kernel compiled
        by one process is loaded from disk by the others. Must be writable.
        ``None`` keeps Numba's default (next to the package, or a per-user
        cache when that is read-only).

    Returns
    -------
    env : dict of str to str
        Variable names and values.

    Examples
    --------
    >>> from sklearn_htm.dask import worker_env
    >>> worker_env(2)["NUMBA_NUM_THREADS"]
    '2'
    """
    if not isinstance(n_threads, Integral) or isinstance(n_threads, bool) or n_threads < 1:
        raise ValueError(f"n_threads must be a positive integer, got {n_threads!r}.")
    env = {name: str(int(n_threads)) for name in _THREAD_VARIABLES}
    if numba_cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = os.fspath(numba_cache_dir)
    return env


def _warm_up(backend):
    """Fit and transform tiny data with global and local inhibition.

    Runs every kernel of ``backend`` once in this process, so that Numba
    compiles them (or loads them from its cache) now rather than in the
    first real task. Returns the seconds it took.
    """
    # Imported here: this runs in a worker process.
    from .spatial_pooler import SpatialPoolerTransformer

    start = time.perf_counter()
    rows = np.random.RandomState(0).random_sample((8, 16)) > 0.5
    for global_inhibition in (True, False):
        pooler = SpatialPoolerTransformer(
            n_columns=(4, 4),
            sparsity=0.25,
            input_shape=(4, 4),
            potential_radius=1,
            global_inhibition=global_inhibition,
            batch_size=2,
            backend=backend,
            random_state=0,
        )
        pooler.fit(rows).transform(rows)
    return time.perf_counter() - start


def warm_up_workers(client, backend="auto"):
    """Compile the Spatial Pooler's kernels once in every worker process.

    Numba compiles a kernel the first time a process calls it and keeps it
    for the life of the process, so without this the first task of each
    worker pays for compilation. This runs one tiny fit and transform on
    each worker now instead. Call it again after adding workers.

    Parameters
    ----------
    client : distributed.Client
        Client of the cluster.
    backend : {"auto", "numpy", "numba", "cupy"}, default="auto"
        Backend whose kernels to compile, resolved on each worker.

    Returns
    -------
    seconds : dict of str to float
        Time taken on each worker, by worker address.
    """
    # Client.run answers from every worker; scheduler_info lists only a few
    # workers in some versions of distributed.
    workers = list(client.run(os.getpid))
    futures = {
        address: client.submit(
            _warm_up,
            backend,
            workers=[address],
            allow_other_workers=False,
            pure=False,
        )
        for address in workers
    }
    return {address: future.result() for address, future in futures.items()}
