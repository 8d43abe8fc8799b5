"""Speed of the CuPy backend on the MNIST workload, next to numba and the dense formulation.

Workload (the seed's): 3136 binary inputs of which 784 are active (MNIST
through ``GreyscaleEncoder(n_bits=4)``), 2048 columns, sparsity 0.02 (41
winners), global inhibition, potential_pct 0.5. Rows are real MNIST with
``--mnist DIR`` (the idx files), else random rows of the same shape (one of
4 bits per pixel); speed does not depend on which.

Measures, in samples per second (best of ``--repeat``):

* transform: the cupy backend with the rows on the device (a dense bool
  array and a cupyx CSR matrix) and from host CSR (transfers included); the
  numba backend (CPU, when it exists); the dense formulation, float32
  ``X @ C.T`` plus an ``argpartition`` top-k, with CuPy and with numpy;
* learning at batch_size 1, 32 and 1024: the cupy backend with the rows on
  the device (one ``learn`` call, so the state crosses the bus once each
  way), and the numba backend;
* the whole pipeline: ``GreyscaleEncoder`` + ``SpatialPoolerTransformer``
  fit on 60,000 rows and transform of those and 10,000 more, input on the
  device, in seconds (with ``--accuracy``, also a ``LogisticRegression`` on
  the SDRs and its test accuracy);
* exactness spot checks: the cupy backend against numba (or numpy) on the
  same rows, SDRs and learned permanences bit for bit.

Targets on one H200: transform >= 5,000,000 samples/s, learning at
batch_size 1024 >= 1,000,000 samples/s, pipeline < 10 s.

Prints JSON (and writes it with ``--output``). Without CuPy or a GPU it
prints ``{"skipped": ...}`` and exits 0. Usage::

    python benchmarks/bench_gpu.py --mnist /path/to/mnist --output benchmarks/results/gpu.json
"""

import argparse
import importlib.util
import json
import platform
import sys
import time

import numpy as np
import scipy.sparse as sp
from _report import description, emit

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm._core.rows import binary_rows
from sklearn_htm.spatial_pooler.backends import get_backend, gpu_available

N_INPUTS, N_PIXELS, N_BITS = 3136, 784, 4
# The pool and boosting parameters of the published figures (the package
# defaults when they were measured), pinned so that the workload stays the same.
POOLER = dict(n_columns=2048, sparsity=0.02, potential_pct=0.5, boost_strength=2.0,
              duty_cycle_period=1000, random_state=0)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=description(__doc__))
    parser.add_argument("--mnist", help="folder with the MNIST idx files (else random rows)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--transform-rows", type=int, default=200_000)
    parser.add_argument("--learn-rows", type=int, default=60_000,
                        help="rows per learning measure (batch_size 1 uses a tenth)")
    parser.add_argument("--cpu-rows", type=int, default=4_000,
                        help="rows for the CPU measures (numba, numpy dense)")
    parser.add_argument("--accuracy", action="store_true",
                        help="also fit LogisticRegression on the pipeline's SDRs")
    parser.add_argument("--output", help="also write the JSON here")
    return parser.parse_args(argv)


def images(args):
    """(train, test) uint8 images of shape (n, 784), and their labels."""
    if args.mnist:
        from sklearn_htm.datasets import load_mnist

        train = load_mnist(args.mnist, subset="train", return_X_y=True)
        test = load_mnist(args.mnist, subset="test", return_X_y=True)
        return train, test, "mnist"
    rng = np.random.RandomState(0)
    draw = lambda n: (rng.randint(0, 256, (n, N_PIXELS)).astype(np.uint8),  # noqa: E731
                      rng.randint(0, 10, n))
    return draw(60_000), draw(10_000), "random"


def encoded(pixels):
    return GreyscaleEncoder(n_bits=N_BITS, value_range=(0, 255)).fit_transform(pixels)


def repeat_rows(X, n_rows):
    """``n_rows`` rows cycling through ``X``, as the backends take them
    (:class:`~sklearn_htm._core.rows.BinaryRows`)."""
    return binary_rows(sp.csr_matrix(X[np.arange(n_rows) % X.shape[0]]), 0.0)


class Timer:
    def __init__(self, cupy, repeat):
        self.cupy, self.repeat = cupy, repeat

    def sync(self):
        self.cupy.cuda.get_current_stream().synchronize()

    def best(self, function):
        """Smallest wall time of ``repeat`` calls (the GPU drained around each)."""
        times = []
        for _ in range(self.repeat):
            self.sync()
            start = time.perf_counter()
            function()
            self.sync()
            times.append(time.perf_counter() - start)
        return min(times)

    def rate(self, n_rows, function):
        return round(n_rows / self.best(function))


def fresh_pooler(**params):
    """Config and initial state of the benchmark's pooler (``params`` override
    ``POOLER``)."""
    pooler = SpatialPoolerTransformer(backend="numpy", **{**POOLER, **params})
    pooler.n_features_in_ = N_INPUTS
    return pooler._start_stream(N_INPUTS)


def dense_formulation(xp, config, state, X_dense):
    """The dense formulation: float32 ``X @ C.T``, boost, top-k by argpartition
    (ties in no particular order: the speed reference, not the specification)."""
    connected = np.zeros((config.n_columns, N_INPUTS), dtype=np.float32)
    columns = np.repeat(np.arange(config.n_columns), np.diff(state.potential_indptr))
    connected[columns, state.potential_indices] = (
        state.permanences >= config.connected_threshold
    )
    connected = xp.asarray(connected)
    boost = xp.asarray(state.boost_factors)
    k = config.n_active_columns

    def run():
        boosted = (X_dense @ connected.T) * boost
        return xp.argpartition(-boosted, k - 1, axis=1)[:, :k]

    return run


def bench_transform(cupy, timer, config, state, X, args, numba):
    import cupyx.scipy.sparse as csp

    cuda = get_backend("cupy")
    n = args.transform_rows
    rows = repeat_rows(X, n)
    on_device_dense = cupy.asarray(rows.toarray())
    on_device_csr = csp.csr_matrix(rows.to_csr())
    cuda.infer(config, state, rows[:1000])  # compile, cuBLAS handles
    out = {
        "cupy_device_dense": timer.rate(n, lambda: cuda.infer(config, state, on_device_dense)),
        "cupy_device_csr": timer.rate(n, lambda: cuda.infer(config, state, on_device_csr)),
        "cupy_host_csr": timer.rate(n, lambda: cuda.infer(config, state, rows)),
        "dense_formulation_cupy": timer.rate(
            n, dense_formulation(cupy, config, state, on_device_dense.astype(cupy.float32))
        ),
    }
    small = rows[:args.cpu_rows]
    out["dense_formulation_numpy"] = timer.rate(
        small.shape[0], dense_formulation(np, config, state, small.toarray().astype(np.float32))
    )
    if numba is not None:
        numba.infer(config, state, small[:100])
        out["numba"] = timer.rate(small.shape[0], lambda: numba.infer(config, state, small))
    return out


def bench_learning(cupy, timer, config, state, X, args, numba):
    cuda = get_backend("cupy")
    out = {}
    for batch_size in (1, 32, 1024):
        n = args.learn_rows // 10 if batch_size == 1 else args.learn_rows
        on_device = cupy.asarray(repeat_rows(X, n).toarray())
        cuda.learn(config, state.copy(), on_device[:2 * batch_size], batch_size)
        entry = {"cupy_device": timer.rate(n, lambda: cuda.learn(
            config, state.copy(), on_device, batch_size))}
        if numba is not None:
            small = repeat_rows(X, min(n, args.cpu_rows))
            numba.learn(config, state.copy(), small[:batch_size], batch_size)
            entry["numba"] = timer.rate(small.shape[0], lambda: numba.learn(
                config, state.copy(), small, batch_size))
        out[f"batch_size_{batch_size}"] = entry
    return out


def exactness(config, state, X, args, other):
    """The cupy backend and ``other`` on the same rows: SDRs and permanences equal?"""
    cuda = get_backend("cupy")
    rows = repeat_rows(X, min(2000, args.cpu_rows))
    learned = {}
    for name, backend in (("cupy", cuda), ("other", other)):
        learned[name] = state.copy()
        backend.learn(config, learned[name], rows, 32)
    same_state = all(
        np.array_equal(getattr(learned["cupy"], f).view(np.uint8),
                       getattr(learned["other"], f).view(np.uint8))
        for f in ("permanences", "active_duty_cycles", "overlap_duty_cycles",
                  "min_overlap_duty_cycles", "boost_factors")
    )
    sdr = [backend.infer(config, learned[name], rows)
           for name, backend in (("cupy", cuda), ("other", other))]
    same_sdr = all(np.array_equal(a, b) for a, b in zip(*sdr))
    return {"against": other.name, "rows": rows.shape[0], "state_equal": same_state,
            "sdr_equal": same_sdr}


def bench_pipeline(cupy, timer, train, test, args, batch_size):
    """Encoder + pooler fit on the training images + transform of both sets."""
    sparse_output = not args.accuracy  # LogisticRegression on the device wants dense

    def run(to_device):
        encoder = GreyscaleEncoder(n_bits=N_BITS, value_range=(0, 255),
                                   sparse_output=sparse_output, dtype=np.float32)
        pooler = SpatialPoolerTransformer(batch_size=batch_size, backend="cupy",
                                          sparse_output=sparse_output, dtype=np.float32,
                                          **POOLER)
        X_train, X_test = to_device(train[0]), to_device(test[0])
        start = time.perf_counter()
        bits = encoder.fit_transform(X_train)
        train_sdr = pooler.fit(bits).transform(bits)
        test_sdr = pooler.transform(encoder.transform(X_test))
        timer.sync()
        return time.perf_counter() - start, train_sdr, test_sdr

    try:
        seconds, train_sdr, test_sdr = run(cupy.asarray)
        where = "device"
    except (TypeError, ValueError) as exc:  # estimators without CuPy input support
        seconds, train_sdr, test_sdr = run(lambda a: a)
        where = f"host ({type(exc).__name__}: {exc})"
    out = {"seconds": round(seconds, 3), "input": where, "batch_size": batch_size}
    if args.accuracy:
        out["test_accuracy"] = accuracy(cupy, train_sdr, train[1], test_sdr, test[1])
    return out


def accuracy(cupy, train_sdr, y_train, test_sdr, y_test):
    import sklearn
    from sklearn.linear_model import LogisticRegression

    from sklearn_htm.utils._array_api import is_device_array, to_host

    if is_device_array(train_sdr):
        try:
            with sklearn.config_context(array_api_dispatch=True):
                model = LogisticRegression(max_iter=1000).fit(
                    train_sdr, cupy.asarray(y_train))
                predicted = to_host(model.predict(test_sdr))
            return float((predicted == y_test).mean())
        except Exception:  # no array API dispatch (SCIPY_ARRAY_API unset): host
            train_sdr, test_sdr = to_host(train_sdr), to_host(test_sdr)
    model = LogisticRegression(max_iter=1000).fit(train_sdr, y_train)
    return float(model.score(test_sdr, y_test))


def main(argv=None):
    args = parse_args(argv)
    if not gpu_available():
        print(json.dumps({"skipped": "no usable GPU: CuPy is missing or sees no CUDA "
                                     "device; run this on a machine with one"}))
        return 0
    import cupy

    timer = Timer(cupy, args.repeat)
    train, test, source = images(args)
    X = encoded(train[0])
    config, state = fresh_pooler()
    numba = (get_backend("numba")
             if importlib.util.find_spec("sklearn_htm.spatial_pooler.backends._numba") else None)
    device = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    result = {
        "workload": {"inputs": N_INPUTS, "active_inputs": N_PIXELS,
                     "columns": config.n_columns, "winners": config.n_active_columns,
                     "rows": source},
        "machine": {"gpu": device["name"].decode(), "cupy": cupy.__version__,
                    "cuda_runtime": cupy.cuda.runtime.runtimeGetVersion(),
                    "python": platform.python_version()},
        "transform_samples_per_s": bench_transform(cupy, timer, config, state, X, args, numba),
        "learn_samples_per_s": bench_learning(cupy, timer, config, state, X, args, numba),
        "exactness": exactness(config, state, X, args, numba or get_backend("numpy")),
        "pipeline": [bench_pipeline(cupy, timer, train, test, args, batch_size)
                     for batch_size in (1, 32)],
    }
    emit(result, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
