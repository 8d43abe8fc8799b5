"""Speed of the numba backend on the MNIST workload, next to numpy and the dense formulation.

Workload (the seed's): MNIST through ``GreyscaleEncoder(n_bits=4)`` (3136
binary inputs, 784 active), 2048 columns, sparsity 0.02 (41 winners),
potential_pct 0.5, global inhibition. Rows are real MNIST with ``--mnist
DIR`` (the idx files), else random rows of the same shape.

Measures, in samples per second of wall time (best of ``--repeat``):

* transform: the numba backend (all of Numba's threads, and one), the
  numpy reference (on a few rows: it is slow), and the dense formulation,
  float32 ``X @ C.T`` (BLAS, all its threads) plus an ``argpartition`` top-k,
  on the same rows;
* learning at batch_size 1 and 32: numba, and numpy on a few rows;
* local against global inhibition, on a topology (input grid 28 x 28 x 4,
  column grid 32 x 64, potential radius 5: 120 neighbours per column) and
  without one (local inhibition over the whole layer, htm.core's default);
* first-call compile time of the kernels: the digits demo's pooler fitted in
  fresh processes, with an empty Numba cache (best of 3), then with the cache
  it left;
* scale: ``n_columns=65536`` learning from MNIST (its rate and the process's
  peak memory), and the error of a pooler too large for this machine;
* a profile of one online learning step (batch_size 1): each part of the
  step timed on its own, in microseconds of CPU time per row, next to the
  whole step.

Prints JSON (and writes it with ``--output``), with the load average before
and after: other processes on the machine slow every figure down. Usage::

    python benchmarks/bench_cpu.py --mnist /path/to/mnist \\
        --output benchmarks/results/cpu.json
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np
from _report import description
from bench_gpu import (
    N_INPUTS,
    POOLER,
    dense_formulation,
    encoded,
    fresh_pooler,
    images,
    repeat_rows,
)

from sklearn_htm import SpatialPoolerTransformer
from sklearn_htm.exceptions import MemoryBudgetError
from sklearn_htm.spatial_pooler.backends import get_backend
from sklearn_htm.spatial_pooler.backends._numba import (
    _homeostasis,
    _learning,
    _overlap,
    _selection,
    _words,
)
from sklearn_htm.spatial_pooler.backends._numba._bundles import (
    BLOCK,
    Homeostasis,
    Pools,
)

# A column grid for local inhibition with a topology.
TOPOLOGY = dict(input_shape=(28, 28, 4), n_columns=(32, 64, 1), potential_radius=5)
# htm.core 2.2.0 on this kind of machine, as measured side by side with this
# package in issue 11 (built from source in Release, Python bindings,
# SDR.sparse input, the same MNIST workload); not measured by this script.
HTM_CORE = {"source": "issue 11 (htm.core 2.2.0, Release build, same workload)",
            "learning_ms_per_row": 0.2, "inference_ms_per_row": 0.25,
            "learning_samples_per_s": 4900, "inference_samples_per_s": 3900}
# The stream workload of issue 11: the workload above at batch_size 1.
STREAM_CALLS = 3000


def parse_args(argv):
    parser = argparse.ArgumentParser(description=description(__doc__))
    parser.add_argument("--mnist", help="folder with the MNIST idx files (else random rows)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=10_000,
                        help="rows per numba and dense measure")
    parser.add_argument("--numpy-rows", type=int, default=50,
                        help="rows per measure of the (slow) numpy reference")
    parser.add_argument("--large-rows", type=int, default=2_000,
                        help="rows learned by the 65536-column pooler")
    parser.add_argument("--skip-scale", action="store_true",
                        help="leave out the 65536-column measure")
    parser.add_argument("--only", help="comma-separated sections to run (default: all)")
    parser.add_argument("--output", help="also write the JSON here")
    return parser.parse_args(argv)


def best_rate(n_rows, function, repeat):
    """Rows per second of wall time, best of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return round(n_rows / min(times))


def rates(config, state, rows, args, numpy_too=False):
    """Transform and learning rates of numba (and numpy) on ``rows``."""
    fast = get_backend("numba")
    fast.infer(config, state, rows[:100])
    fast.learn(config, state.copy(), rows[:64], 32)
    out = {"transform": {"numba": best_rate(
        rows.shape[0], lambda: fast.infer(config, state, rows), args.repeat)}}
    for batch_size in (1, 32):
        out[f"learn_batch_size_{batch_size}"] = {"numba": best_rate(
            rows.shape[0],
            lambda b=batch_size: fast.learn(config, state.copy(), rows, b),
            args.repeat)}
    if numpy_too:
        slow = get_backend("numpy")
        few = rows[:args.numpy_rows]
        out["transform"]["numpy"] = best_rate(
            few.shape[0], lambda: slow.infer(config, state, few), 1)
        for batch_size in (1, 32):
            out[f"learn_batch_size_{batch_size}"]["numpy"] = best_rate(
                few.shape[0],
                lambda b=batch_size: slow.learn(config, state.copy(), few, b), 1)
    return out


def bench_workload(X, args):
    config, state = fresh_pooler()
    rows = repeat_rows(X, args.rows)
    out = rates(config, state, rows, args, numpy_too=True)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        out["transform"]["numba_one_thread"] = best_rate(
            rows.shape[0], lambda: get_backend("numba").infer(config, state, rows),
            args.repeat)
    finally:
        numba.set_num_threads(threads)
    dense = dense_formulation(np, config, state, rows.toarray().astype(np.float32))
    out["transform"]["dense_formulation"] = best_rate(rows.shape[0], dense, args.repeat)
    out["transform"]["numba_over_dense"] = round(
        out["transform"]["numba"] / out["transform"]["dense_formulation"], 1)
    return out


def bench_inhibition(X, args):
    """Local against global inhibition, with and without a topology."""
    rows = repeat_rows(X, args.rows)
    out = {}
    for name, params, n_rows in (
        ("topology_global", dict(TOPOLOGY), args.rows),
        ("topology_local", dict(TOPOLOGY, global_inhibition=False), args.rows),
        # Its boost targets sum 2047 duty cycles per column and step: slow.
        ("whole_layer_local", dict(global_inhibition=False), args.rows // 5),
    ):
        config, state = fresh_pooler(**params)
        hood = (0 if config.global_inhibition
                else int(np.diff(config.neighbourhood_indptr).max()))
        out[name] = {"neighbours": hood, "rows": n_rows,
                     **rates(config, state, rows[:n_rows], args)}
    for measure in ("transform", "learn_batch_size_1", "learn_batch_size_32"):
        out[f"topology_local_over_global_{measure}"] = round(
            out["topology_global"][measure]["numba"]
            / out["topology_local"][measure]["numba"], 2)
    return out


@numba.njit
def _profile_overlap(rows, words, n_rows, overlap):
    bits = np.zeros(words.n_words, dtype=np.uint64)
    for row in range(n_rows):
        _overlap.set_row_bits(rows, row, bits)
        _overlap.row_overlaps(words, bits, overlap[row])
        _overlap.clear_row_bits(rows, row, bits)


@numba.njit
def _profile_select(overlap, boost_factors, inhibition, hint, n_rows, winners):
    scratch = _selection.selection_scratch(boost_factors.size, inhibition, hint)
    for row in range(n_rows):
        _overlap.boost(overlap[row, :boost_factors.size], boost_factors, scratch.boosted)
        _selection.select(inhibition, scratch, winners[row])


@numba.njit
def _profile_adapt(rows, words, pools, winners, n_rows, learning):
    bits = np.zeros(words.n_words, dtype=np.uint64)
    activity = np.zeros((1, words.n_words + 1), dtype=np.uint64)
    flags = np.zeros(words.n_words + 1, dtype=np.uint64)
    counts = np.zeros(64, dtype=np.float32)
    no_journal = np.zeros(0, dtype=np.float32)
    for row in range(n_rows):
        _overlap.set_row_bits(rows, row, bits)
        for column in winners[row]:
            c = np.uint64(column)
            _words.gather_activity(words, c, bits, activity[0])
            s0 = pools.indptr[c]
            _learning._adapt(s0, pools.indptr[c + np.uint64(1)] - s0, activity,
                             np.int64(1), pools.permanences, learning.connected_threshold,
                             learning.increment, learning.decrement, counts, flags,
                             no_journal, np.int64(-1))
            _words.scatter_connected(words, c, flags)
        _overlap.clear_row_bits(rows, row, bits)


@numba.njit
def _profile_homeostasis(overlap, winners, state, inhibition, learning, n_rows):
    n_columns = state.boost_factors.size
    won = np.zeros(n_columns, dtype=np.bool_)
    target = np.empty(n_columns)
    for row in range(n_rows):
        won[winners[row]] = True
        _homeostasis.update_duty_cycles(overlap[row, :n_columns], won,
                                        learning.duty_cycle_period + row,
                                        learning.duty_cycle_period, state)
        won[winners[row]] = False
        _homeostasis.update_boost_factors(inhibition, learning, state, target)


@numba.njit
def _floor_read_words(connected, n_rows):
    """Read every connected-synapse word once per row: the data the one-row
    overlap cannot avoid reading."""
    total = np.uint64(0)
    for _ in range(n_rows):
        for w in range(connected.size):
            total ^= connected[w]
    return total


@numba.njit
def _floor_touch_permanences(permanences, indptr, winners, n_rows, delta):
    """Read and write every permanence of each row's winners once (``delta``
    is 0.0, unknown to the compiler): the traffic the online rule cannot
    avoid."""
    for row in range(n_rows):
        for column in winners[row]:
            for s in range(indptr[column], indptr[column + 1]):
                permanences[s] += delta


def _cpu_seconds(function):
    start = time.process_time()
    function()
    return time.process_time() - start


def profile_online_step(X, args):
    """Microseconds of CPU time per row for each part of an online step
    (the kernels' own helpers, timed apart), next to the whole step."""
    from sklearn_htm.spatial_pooler.backends._numba import _backend as driver

    config, state = fresh_pooler()
    n = min(args.rows, 2048)
    rows = repeat_rows(X, n)
    x = driver._rows(rows)
    fast = get_backend("numba")
    layout = driver.build_layout(config, state)
    inhibition = driver.build_inhibition(config)
    learning = driver.build_learning(config, 1)
    k = config.n_active_columns
    overlap = np.zeros((n, -(-config.n_columns // BLOCK) * BLOCK), dtype=np.int32)
    winners = np.zeros((n, k), dtype=np.int32)

    def homeostasis_state():
        return Homeostasis(state.active_duty_cycles.copy(), state.overlap_duty_cycles.copy(),
                           state.min_overlap_duty_cycles.copy(), state.boost_factors.copy())

    parts = {
        "overlap (one row, every column)": lambda: _profile_overlap(
            x, layout.words, n, overlap),
        "boost and select the winners": lambda: _profile_select(
            overlap, state.boost_factors, inhibition, layout.hint.copy(), n, winners),
        "adapt the winners (permanences and bit sets)": lambda: _profile_adapt(
            x, layout.copy().words, Pools(layout.pools_indptr, state.permanences.copy()),
            winners, n, learning),
        "duty cycles and boost factors": lambda: _profile_homeostasis(
            overlap, winners, homeostasis_state(), inhibition, learning, n),
    }
    # What the two largest parts cannot go below: their data, read (and
    # written) once at this machine's speed, nothing computed.
    parts["floor: read every connected word once"] = lambda: _floor_read_words(
        layout.words.connected, n)
    scratch_permanences = state.permanences.copy()
    parts["floor: read and write the winners' permanences once"] = (
        lambda: _floor_touch_permanences(scratch_permanences, layout.pools_indptr,
                                         winners, n, np.float32(0.0)))
    out = {}
    for name, part in parts.items():
        part()  # compiles; also fills overlap and winners for the next parts
        out[name] = round(min(_cpu_seconds(part) for _ in range(args.repeat)) / n * 1e6, 1)
    out["sum of the parts"] = round(sum(v for k, v in out.items()
                                        if not k.startswith("floor")), 1)
    out["whole step"] = round(min(
        _cpu_seconds(lambda: fast.learn(config, state.copy(), rows, 1))
        for _ in range(args.repeat)) / n * 1e6, 1)
    return out


def _calls_per_s(calls, repeat):
    """Calls per second of wall time, best of ``repeat`` runs of ``calls``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for call in calls:
            call()
        best = min(best, time.perf_counter() - start)
    return round(len(calls) / best)


def bench_stream_calls(X, args):
    """The estimator fed one row per call, as a sensor feeds a model, next to
    the same rows in one call (numba backend, batch_size 1)."""
    params = {**POOLER, "batch_size": 1, "backend": "numba"}
    rows = X[:STREAM_CALLS + 1000]
    pooler = SpatialPoolerTransformer(**params).fit(rows[:1000])
    stream = [rows[1000 + j] for j in range(STREAM_CALLS)]
    dense = [row.toarray() for row in stream]
    pooler.transform(stream[0])
    out = {
        "transform_one_row_csr_calls_per_s": _calls_per_s(
            [lambda r=r: pooler.transform(r) for r in stream], args.repeat),
        "transform_one_row_dense_calls_per_s": _calls_per_s(
            [lambda r=r: pooler.transform(r) for r in dense], args.repeat),
    }
    learner = SpatialPoolerTransformer(**params).fit(rows[:1000])
    learner.partial_fit(stream[0])
    out["partial_fit_one_row_calls_per_s"] = _calls_per_s(
        [lambda r=r: learner.partial_fit(r) for r in stream], args.repeat)
    block = rows[1000:]
    out["transform_all_rows_in_one_call_samples_per_s"] = best_rate(
        block.shape[0], lambda: pooler.transform(block), args.repeat)
    fitted = [SpatialPoolerTransformer(**params).fit(rows[:1000]) for _ in range(args.repeat)]
    out["partial_fit_all_rows_in_one_call_samples_per_s"] = best_rate(
        block.shape[0], lambda: fitted.pop().partial_fit(block), args.repeat)
    out["over_htm_core"] = {
        "transform_one_row": round(out["transform_one_row_csr_calls_per_s"]
                                   / HTM_CORE["inference_samples_per_s"], 1),
        "partial_fit_one_row": round(out["partial_fit_one_row_calls_per_s"]
                                     / HTM_CORE["learning_samples_per_s"], 1),
    }
    return out


def bench_wide_init(args):
    """Initialising over very wide sparse input: HashingVectorizer's 2**20
    features, 2048 columns, potential_pct=0.001 (1049 synapses a column)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    rng = np.random.RandomState(0)
    words = [f"w{j}" for j in range(5000)]
    documents = [" ".join(rng.choice(words, 50)) for _ in range(20)]
    X = HashingVectorizer(n_features=2**20, alternate_sign=False).transform(documents)
    start = time.perf_counter()
    pooler = SpatialPoolerTransformer(n_columns=2048, potential_pct=0.001, random_state=0,
                                      backend="numba").fit(X)
    return {"n_features": X.shape[1], "rows": X.shape[0], "n_columns": 2048,
            "potential_pct": 0.001,
            "synapses_per_column": int(pooler.potential_pools_[0].sum()),
            "fit_s": round(time.perf_counter() - start, 2)}


def in_subprocess(code, env=None):
    """Run ``code`` in a fresh interpreter; its last output line, parsed as JSON."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, **(env or {})},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


FIRST_CALLS = """
import json, time
start = time.perf_counter()
from sklearn.datasets import load_digits
from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.presets import get_preset
imported = time.perf_counter()
preset = get_preset("digits")
X = GreyscaleEncoder(**preset["encoder"]).fit_transform(load_digits().data)
pooler = SpatialPoolerTransformer(**preset["pooler"], random_state=0, backend="numba")
encoded = time.perf_counter()
pooler.fit(X)
fitted = time.perf_counter()
pooler.transform(X)
done = time.perf_counter()
print(json.dumps({"import_s": round(imported - start, 2),
                  "first_fit_s": round(fitted - encoded, 2),
                  "first_transform_s": round(done - fitted, 2)}))
"""


def bench_compile(repeat=3):
    """The digits demo's pooler (``python -m sklearn_htm``) fitted and applied
    in fresh processes: with an empty Numba cache (compiling; ``repeat``
    runs, each with a new cache) and with the cache the last one filled."""
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            env = {"NUMBA_CACHE_DIR": cache}
            runs.append(in_subprocess(FIRST_CALLS, env))
            warm = in_subprocess(FIRST_CALLS, env)
    return {"workload": "digits preset pooler (python -m sklearn_htm), backend numba",
            "empty_cache": min(runs, key=lambda run: run["first_fit_s"]),
            "empty_cache_first_fit_s_runs": [run["first_fit_s"] for run in runs],
            "warm_cache": warm}


SCALE = """
import json, resource, sys, time
from bench_cpu import best_rate, repeat_rows
from bench_gpu import encoded, fresh_pooler, images
from sklearn_htm.spatial_pooler.backends import get_backend
args = json.loads(sys.argv[-1])
train = images(type("A", (), {"mnist": args["mnist"]}))[0]
rows = repeat_rows(encoded(train[0][:args["rows"]]), args["rows"])
start = time.perf_counter()
config, state = fresh_pooler(n_columns=65536)
initialised = time.perf_counter() - start
backend = get_backend("numba")
out = {"n_columns": config.n_columns, "winners": config.n_active_columns,
       "potential_synapses": int(state.permanences.size),
       "initialise_s": round(initialised, 1)}
for batch_size in (1, 32):
    out[f"learn_batch_size_{batch_size}"] = best_rate(
        rows.shape[0], lambda: backend.learn(config, state.copy(), rows, batch_size), 1)
out["transform"] = best_rate(rows.shape[0], lambda: backend.infer(config, state, rows), 1)
out["peak_rss_gib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)
print(json.dumps(out))
"""


def bench_scale(args):
    here = os.path.dirname(os.path.abspath(__file__))
    arguments = json.dumps({"mnist": args.mnist, "rows": args.large_rows})
    code = (f"import sys; sys.path.insert(0, {here!r}); "
            f"sys.argv.append({arguments!r})\n" + SCALE)
    out = in_subprocess(code)
    too_large = SpatialPoolerTransformer(n_columns=2**24, potential_pct=1.0)
    try:
        too_large.fit(np.zeros((1, N_INPUTS)))
        out["refused"] = None
    except MemoryBudgetError as exc:
        out["refused"] = f"n_columns=2**24, potential_pct=1.0: {exc}"
    return out


def machine():
    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": model, "cores": os.cpu_count(), "numba": numba.__version__,
            "numba_threads": numba.get_num_threads(), "numpy": np.__version__,
            "python": platform.python_version(), "nice": os.nice(0)}


def main(argv=None):
    args = parse_args(argv)
    load_before = os.getloadavg()
    train, _, source = images(args)
    X = encoded(train[0])
    sections = {
        "samples_per_s": lambda: bench_workload(X, args),
        "inhibition_samples_per_s": lambda: bench_inhibition(X, args),
        "online_step_profile_us_per_row": lambda: profile_online_step(X, args),
        "stream_calls": lambda: bench_stream_calls(X, args),
        "wide_sparse_init": lambda: bench_wide_init(args),
        "compile": bench_compile,
    }
    chosen = args.only.split(",") if args.only else list(sections)
    result = {
        "workload": {"inputs": N_INPUTS, "active_inputs": int(X[0].sum()),
                     "columns": POOLER["n_columns"], "rows": source,
                     "pooler": {k: v for k, v in POOLER.items() if k != "random_state"}},
        "machine": machine(),
        **{name: sections[name]() for name in chosen},
    }
    if not args.skip_scale and not args.only:
        result["scale"] = bench_scale(args)
    result["htm_core"] = HTM_CORE
    result["peak_rss_gib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)
    result["load_average"] = {"before": load_before, "after": os.getloadavg()}
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        if args.only and Path(args.output).exists():
            # Update the sections that ran, keep the others; the load average
            # of the partial run is kept under its sections' names.
            merged = json.loads(Path(args.output).read_text())
            merged.update({name: result[name] for name in chosen})
            merged.setdefault("partial_runs", {})[",".join(chosen)] = {
                "load_average": result["load_average"], "machine": result["machine"]}
            result = merged
        Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
