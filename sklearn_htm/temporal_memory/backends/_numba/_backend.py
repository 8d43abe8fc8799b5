"""The numba backend's driver: builds the bundles, runs the kernel, and grows
the pool when the kernel stops for room (see :func:`._step.run_rows`)."""

import numpy as np

from ..._state import ITERATION, with_capacity
from .._base import RunResult, TemporalMemoryBackend
from ._bundles import (
    N_ACTIVE,
    N_WINNERS,
    NEED_BLOCKS,
    NEED_OUTPUT,
    NEED_SEGMENTS,
    NEED_SYNAPSES,
    OUTPUT_KINDS,
    Output,
    new_context,
    new_dendrites,
    set_context,
)
from ._step import run_rows


def _buffer_size(config, conn):
    """Room for any one segment's synapses, or one column's segments."""
    per_cell = max(config.max_segments_per_cell, int(conn.cell_segment_length.max(initial=0)))
    longest = int(conn.segment_synapse_length.max(initial=0))
    return max(config.max_synapses_per_segment, longest, per_cell * config.cells_per_column) + 1


class NumbaBackend(TemporalMemoryBackend):
    """Compiled kernels over the pool layout, in place."""

    name = "numba"
    chunk_rows = 2000

    def __init__(self):
        self._compiled = set()

    def is_ready(self, learning):
        return bool(learning) in self._compiled

    def run(self, config, state, rows, starts, learn, output, out=None):
        conn = state.connections
        if not conn.tag_threshold[0] == config.connected_threshold:
            conn.retag(config.connected_threshold)
        rng = state.rng if learn else state.rng.copy()
        n_rows = rows.shape[0]
        kind = OUTPUT_KINDS[output]
        # Room for every row bursting; the kernel asks for more when needed.
        size_hint = (rows.indices.shape[0] * config.cells_per_column + 64) if kind else 0
        anomaly = np.zeros(n_rows, dtype=np.float64) if out is None else out
        out = Output(
            kind=kind,
            anomaly=anomaly,
            indptr=np.zeros(n_rows + 1, dtype=np.int64),
            indices=np.zeros(size_hint, dtype=np.int32),
        )
        ctx, den, ready = self._scratch(config, state, conn, learn)
        starts = np.ascontiguousarray(starts, dtype=np.bool_)
        row = 0
        try:
            while True:
                row = run_rows(conn, config, ctx, den, rng, rows.indptr, rows.indices,
                               starts, bool(learn), out, row, ready, state.cell_activity)
                ready = False
                if row >= n_rows:
                    break
                out, conn, den = self._make_room(config, state, conn, ctx, den, out, row, learn)
        finally:
            # Whatever happens, the state holds the rows learned so far and
            # their context (a run interrupted while growing the pool keeps
            # a consistent prefix).
            if learn:
                state.active_cells = ctx.active[: ctx.sizes[N_ACTIVE]].copy()
                state.winner_cells = ctx.winners[: ctx.sizes[N_WINNERS]].copy()
                state.n_samples_seen += row
                # The dendrites in the scratch are those of this context and
                # these connections, as long as nothing else changes them.
                state.scratch["numba_token"] = self._token(config, state)
        self._compiled.add(bool(learn))
        if not kind:
            return RunResult(out.anomaly, None, None)
        return RunResult(out.anomaly, out.indptr, out.indices[: out.indptr[-1]].copy())

    @staticmethod
    def _scratch(config, state, conn, learn):
        """The context and dendrite arrays. A learning run keeps them with the
        state for the next one (a stream of one-row calls would otherwise
        allocate megabytes per row); runs without learning, which may share a
        state across threads, use their own."""
        buffer_size = _buffer_size(config, conn)
        kept = state.scratch.get("numba") if learn else None
        ready = kept is not None and state.scratch.get("numba_token") == NumbaBackend._token(
            config, state)
        if (kept is None or kept[0].buffer.shape[0] < buffer_size
                or kept[0].active.shape[0] != config.n_cells
                or kept[1].counts.shape[0] != conn.segment_cell.shape[0]):
            ctx = new_context(config.n_cells, config.n_columns, buffer_size,
                              state.active_cells, state.winner_cells)
            den = new_dendrites(conn.segment_cell.shape[0], config.n_columns)
            ready = False
        else:
            ctx = set_context(kept[0], state.active_cells, state.winner_cells)
            den = kept[1]
        if learn:
            state.scratch["numba"] = (ctx, den)
        return ctx, den, ready

    @staticmethod
    def _token(config, state):
        """What the kept dendrites depend on: the connections object and its
        learning step, the context, and the thresholds."""
        conn = state.connections
        return (id(conn), int(conn.counters[ITERATION]), state.n_samples_seen,
                state.active_cells.tobytes(), config.activation_threshold,
                config.min_threshold, float(config.connected_threshold))

    @staticmethod
    def _make_room(config, state, conn, ctx, den, out, row, learn):
        """Grow the output or the pool by what the kernel said it needs."""
        sizes = ctx.sizes
        if out.kind and out.indices.shape[0] - out.indptr[row] < sizes[NEED_OUTPUT]:
            grown = np.zeros(max(2 * out.indices.shape[0], int(sizes[NEED_OUTPUT])),
                             dtype=np.int32)
            grown[: out.indices.shape[0]] = out.indices
            out = out._replace(indices=grown)
        if learn:
            grown = with_capacity(conn, int(sizes[NEED_SEGMENTS]), int(sizes[NEED_SYNAPSES]),
                                  int(sizes[NEED_BLOCKS]))
            if grown is not conn:
                if grown.segment_cell.shape[0] != conn.segment_cell.shape[0]:
                    den = new_dendrites(grown.segment_cell.shape[0], config.n_columns)
                    state.scratch["numba"] = (ctx, den)  # learning runs only grow
                conn = grown
                state.connections = conn
        sizes[NEED_OUTPUT] = sizes[NEED_SEGMENTS] = 0
        sizes[NEED_SYNAPSES] = sizes[NEED_BLOCKS] = 0
        return out, conn, den
