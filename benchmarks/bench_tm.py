"""Speed and memory of the Temporal Memory, numba and the numpy reference side by side.

Workload (issue 14's, the one htm.core was timed on): a layer of 2048
columns x 32 cells with htm.core's default parameters; a stream that repeats
a sequence of 100 random SDRs of 40 active columns, 10% of its steps replaced
by random SDRs (noise). The layer first learns ``--warmup`` steps (5,000),
then is measured on ``--steps`` more of the same stream:

* learning steps per second (``partial_fit`` over the rows, numba);
* inference steps per second (``anomaly_score``: the same steps without
  learning, numba), split into predicted steps and noise steps;
* one row per ``partial_fit`` call, calls per second (a live stream);
* the numpy reference on a few steps of the same state (it recounts every
  synapse at every step: slow by design);
* memory: bytes per synapse of the pool layout (with its free room) and of
  the canonical form that is pickled;
* where the time of a step goes: counting each segment's synapses to the
  active cells (``activate_dendrites``, the kernel's own, from each step's
  context) beside its floor at this layout, the same walk over the active
  cells' synapses with one counter increment each and nothing else.

With ``--nab DIR`` the same is measured on a real encoded stream: NAB's
``realKnownCause/nyc_taxi.csv`` through ``ScalarEncoder`` + ``DateEncoder``
and a Spatial Pooler (2048 columns, 40 active), its rows fed to the layer.

htm.core's figures beside them are those reported in issue 14, measured on
this machine (htm.core 2.2.0, Release build, default parameters, the same
synthetic workload): 0.35 ms per learning step (2,800 steps/s), 3,200
inference steps/s. Prints JSON (and writes it with ``--output``) with the
load average before and after: other processes slow every figure down.
Usage::

    python benchmarks/bench_tm.py --nab ../shared/data/nab \\
        --output benchmarks/results/tm.json
"""

import argparse
import os
import pickle
import platform
import sys
import time
from pathlib import Path

import numba
import numpy as np
import scipy.sparse as sp
from _report import description, emit
from numba import njit

from sklearn_htm import TemporalMemoryTransformer
from sklearn_htm.temporal_memory._state import BLOCK, canonical
from sklearn_htm.temporal_memory.backends._numba._bundles import (
    new_context,
    new_dendrites,
)
from sklearn_htm.temporal_memory.backends._numba._step import (
    _set_context,
    activate_dendrites,
)
from sklearn_htm.temporal_memory.backends._numpy import ReferenceTemporalMemory

N_COLUMNS, N_ACTIVE, SEQUENCE, NOISE = 2048, 40, 100, 0.1
HTM_CORE = {
    "learning_steps_per_s": 2800,
    "inference_steps_per_s": 3200,
    "source": "issue 14: htm.core 2.2.0 Release, default parameters, same workload, "
              "this machine",
}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=description(__doc__))
    parser.add_argument("--warmup", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=1000, help="one-row partial_fit calls")
    parser.add_argument("--numpy-steps", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--nab", help="NAB folder (data/realKnownCause/nyc_taxi.csv)")
    parser.add_argument("--output", help="also write the JSON here")
    return parser.parse_args(argv)


def sdr_rows(columns):
    """CSR rows of the given sorted active columns (one row per line)."""
    n_rows, n_active = columns.shape
    return sp.csr_matrix(
        (np.ones(columns.size, dtype=np.uint8), columns.ravel(),
         np.arange(0, columns.size + 1, n_active)),
        shape=(n_rows, N_COLUMNS),
    )


def synthetic_stream(n_rows, rng, alphabet):
    """The repeating sequence with 10% of its steps replaced by noise; also
    says which rows are noise."""
    columns = alphabet[np.arange(n_rows) % SEQUENCE].copy()
    noise = rng.rand(n_rows) < NOISE
    columns[noise] = [rng.choice(N_COLUMNS, N_ACTIVE, replace=False)
                      for _ in range(int(noise.sum()))]
    return sdr_rows(np.sort(columns, axis=1)), noise


def best_seconds(function, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def measure(tm, warm, rows, noise, args):
    """Every figure on a layer that has learned ``warm`` (a pickled model)."""
    n = rows.shape[0]
    result = {"rows": n}
    learned = []

    def learn():
        model = pickle.loads(warm)
        start = time.perf_counter()
        model.partial_fit(rows)
        seconds = time.perf_counter() - start
        # Only the fastest run's model is kept: several layers of this size
        # alive at once make the kernel's page allocation (huge pages) slow.
        if not learned or seconds < learned[0][0]:
            learned[:] = [(seconds, model)]

    for _ in range(args.repeat):
        learn()
    seconds, model = learned[0]
    result["learning_steps_per_s"] = n / seconds
    result["mean_raw_anomaly_while_learning"] = float(model.anomaly_.mean())
    base = pickle.loads(warm)
    result["inference_steps_per_s"] = n / best_seconds(lambda: base.anomaly_score(rows),
                                                       args.repeat)
    if noise is not None:
        for name, mask in (("predicted", ~noise), ("noise", noise)):
            part = rows[np.flatnonzero(mask)]
            seconds = best_seconds(lambda: base.anomaly_score(part), args.repeat)
            result[f"inference_steps_per_s_{name}_rows"] = part.shape[0] / seconds
    stream = pickle.loads(warm)
    single = [rows[i:i + 1] for i in range(min(args.calls, n))]
    stream.partial_fit(single[0])
    start = time.perf_counter()
    for row in single[1:]:
        stream.partial_fit(row)
    result["one_row_partial_fit_calls_per_s"] = (len(single) - 1) / (
        time.perf_counter() - start)

    conn = base._state.connections
    canon = canonical(conn)
    n_synapses = max(1, conn.n_synapses)
    result["segments"] = conn.n_segments
    result["synapses"] = conn.n_synapses
    result["bytes_per_synapse_pool_layout"] = conn.nbytes / n_synapses
    result["bytes_per_synapse_pickled"] = sum(
        a.nbytes for a in canon if isinstance(a, np.ndarray)) / n_synapses

    # The numpy reference, on the same state: building its structures once,
    # then a few learning steps.
    config = base._config()
    start = time.perf_counter()
    reference = ReferenceTemporalMemory(config, canon, base._state.rng.copy(),
                                        base._state.active_cells, base._state.winner_cells)
    result["numpy_reference_load_s"] = time.perf_counter() - start
    start = time.perf_counter()
    for r in range(args.numpy_steps):
        reference.step(rows.indices[rows.indptr[r]:rows.indptr[r + 1]], True)
    result["numpy_reference_learning_steps_per_s"] = args.numpy_steps / (
        time.perf_counter() - start)
    result["step_costs"] = dendrite_costs(base, rows, args.repeat)
    return result


@njit
def _count_synapses(conn, ctx, counts):
    """The floor of ``activate_dendrites``: every synapse from the context's
    active cells read, its segment's counter incremented; nothing classified
    or cleared."""
    for i in range(ctx.sizes[0]):
        cell = ctx.active[i]
        length = conn.cell_synapse_length[cell]
        block = conn.cell_synapse_head[cell]
        in_block = (length - 1) % BLOCK + 1
        seen = 0
        while seen < length:
            for slot in range(in_block):
                counts[conn.block_values[block, slot] >> 1] += 1
            seen += in_block
            block = conn.block_next[block]
            in_block = BLOCK


@njit
def _dendrites_per_step(conn, cfg, ctx, den, indptr, indices, counts):
    """Each step's context (its active cells) set, then its dendrites counted
    by the kernel, or by the floor into ``counts`` when it is not empty."""
    floor = counts.shape[0] > 0
    for r in range(indptr.shape[0] - 1):
        n = indptr[r + 1] - indptr[r]
        for k in range(n):
            ctx.new_active[k] = indices[indptr[r] + k]
        _set_context(ctx, n, 0)
        if floor:
            _count_synapses(conn, ctx, counts)
        else:
            activate_dendrites(conn, cfg, ctx, den)


def dendrite_costs(base, rows, repeat):
    """Microseconds per step of activate_dendrites and of its floor, on the
    contexts (active cells) of ``rows`` after the layer ``base`` learned."""
    model = pickle.loads(pickle.dumps(base)).set_params(output="active_cells")
    cells = model.transform(rows)
    config = model._config()
    conn = model._state.connections
    conn.retag(config.connected_threshold)
    empty = np.zeros(0, dtype=np.int32)
    segments = conn.segment_cell.shape[0]
    out = {}
    for name, counts in (("activate_dendrites_us_per_step", empty),
                         ("floor_count_only_us_per_step", np.zeros(segments, np.int32))):
        ctx = new_context(config.n_cells, N_COLUMNS, 1, empty, empty)
        den = new_dendrites(segments, N_COLUMNS)

        def run(ctx=ctx, den=den, counts=counts):
            _dendrites_per_step(conn, config, ctx, den, cells.indptr, cells.indices, counts)

        run()  # compiles
        out[name] = best_seconds(run, repeat) / rows.shape[0] * 1e6
    # Step r counts the synapses of the cells active at step r (its context).
    out["synapses_read_per_step"] = float(
        conn.cell_synapse_length[cells.indices].sum() / rows.shape[0])
    return out


def synthetic(args):
    rng = np.random.RandomState(0)
    alphabet = np.array([rng.choice(N_COLUMNS, N_ACTIVE, replace=False)
                         for _ in range(SEQUENCE)])
    warmup, _ = synthetic_stream(args.warmup, rng, alphabet)
    rows, noise = synthetic_stream(args.steps, rng, alphabet)
    tm = TemporalMemoryTransformer(random_state=0)
    start = time.perf_counter()
    tm.partial_fit(warmup[:2])
    first_call = time.perf_counter() - start
    start = time.perf_counter()
    tm.partial_fit(warmup[2:])
    warmup_rate = (args.warmup - 2) / (time.perf_counter() - start)
    result = measure(tm, pickle.dumps(tm), rows, noise, args)
    result["warmup_learning_steps_per_s"] = warmup_rate
    result["first_call_s (compile or cache load)"] = first_call
    return result


def nyc_taxi(args):
    """The encoded nyc_taxi stream: value and time of day through the
    encoders, a Spatial Pooler learning online, its SDRs into the layer."""
    import pandas as pd
    from sklearn.compose import make_column_transformer

    from sklearn_htm import DateEncoder, ScalarEncoder, SpatialPoolerTransformer

    frame = pd.read_csv(Path(args.nab) / "data/realKnownCause/nyc_taxi.csv",
                        parse_dates=["timestamp"])
    encoder = make_column_transformer(
        (ScalarEncoder(size=400, n_active=21, minimum=0, maximum=40000, clip_input=True),
         ["value"]),
        (DateEncoder(), ["timestamp"]),
    )
    bits = encoder.fit_transform(frame)
    # The slowly changing pooler of examples/plot_nab_nyc_taxi.py (NAB's
    # detector's values: no boosting, small permanence steps).
    pooler = SpatialPoolerTransformer(
        n_columns=N_COLUMNS, sparsity=N_ACTIVE / N_COLUMNS, potential_pct=0.8,
        connected_threshold=0.2, permanence_increment=0.003, permanence_decrement=0.0005,
        boost_strength=0.0, random_state=0, shuffle=False,
    )
    sdrs = pooler.fit(bits[: args.warmup]).transform(bits)
    n = min(args.warmup + args.steps, sdrs.shape[0])
    tm = TemporalMemoryTransformer(random_state=0).partial_fit(sdrs[: args.warmup])
    result = measure(tm, pickle.dumps(tm), sdrs[args.warmup:n], None, args)
    result["input"] = "nyc_taxi.csv: ScalarEncoder(value) + DateEncoder -> SpatialPooler"
    return result


def main(argv=None):
    args = parse_args(argv)
    load_before = os.getloadavg()
    report = {
        "workload": {
            "columns": N_COLUMNS, "active_columns": N_ACTIVE, "cells_per_column": 32,
            "parameters": "htm.core defaults", "sequence": SEQUENCE, "noise": NOISE,
            "warmup_steps": args.warmup, "measured_steps": args.steps,
        },
        "synthetic": synthetic(args),
        "htm_core": HTM_CORE,
    }
    if args.nab:
        report["nyc_taxi"] = nyc_taxi(args)
    s = report["synthetic"]
    report["ratio_to_htm_core"] = {
        "learning": s["learning_steps_per_s"] / HTM_CORE["learning_steps_per_s"],
        "inference": s["inference_steps_per_s"] / HTM_CORE["inference_steps_per_s"],
    }
    report["machine"] = {
        "cores": os.cpu_count(), "numba": numba.__version__, "numpy": np.__version__,
        "python": platform.python_version(),
        "load_average_before": load_before, "load_average_after": os.getloadavg(),
    }
    emit(report, args.output, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
