"""The numba backend's driver: keeps the work arrays, runs the kernel, and
grows the pools when the kernel stops for room (see :func:`._step.run_rows`)."""

import numpy as np

from ..._state import BTMState
from .._base import BacktrackingTMBackend
from ._bundles import new_scratch
from ._step import run_rows


def room_per_row(config, width):
    """The most segments and index blocks one row can take, when no input
    kept or given has more than ``width`` active columns.

    A row is learned in at most ``max_lrn_backtrack + 2`` passes (the step
    itself and one replay of each kept input). A pass applies at most two
    updates per column of its input (the update queued for the column's
    predicted learning cell, and the one of its chosen learning cell), each
    adding at most ``new_synapse_count`` synapses, each of which may open
    an index block; and it creates at most one segment per column.
    """
    passes = config.max_lrn_backtrack + 2
    segments = passes * width + 1
    blocks = passes * 2 * width * config.new_synapse_count + 1
    return segments, blocks


class NumbaBackend(BacktrackingTMBackend):
    """Compiled kernels (:mod:`._step`, :mod:`._inference`, :mod:`._learning`,
    :mod:`._connections`)."""

    name = "numba"
    chunk_rows = 5000
    state_type = BTMState

    def __init__(self):
        self._compiled = False

    def is_ready(self, learning):
        return self._compiled

    def new_state(self, config, rng_state):
        return BTMState.empty(config, rng_state)

    def infer(self, config, state, rows, starts=None):
        """(The kernel runs on a copy of the state's activity, sharing its
        segments.)"""
        indptr, indices = rows.indptr, rows.indices
        n_rows = indptr.shape[0] - 1
        activity = state.activity_copy()
        anomaly = np.zeros(n_rows, dtype=np.float64)
        scratch = self._scratch(config, state)
        run_rows(activity.layer, config, scratch, indptr, indices, _starts(starts, n_rows),
                 anomaly, 0, 0, 0, False)
        self._compiled = True
        return anomaly

    @staticmethod
    def _scratch(config, state):
        scratch = state.scratch.get("numba")
        if (scratch is None
                or scratch.counts.shape[0] != state.layer.segment_cell.shape[0]
                or scratch.cell_mark.shape[0] != config.n_cells):
            scratch = state.scratch["numba"] = new_scratch(config, state.layer)
        return scratch

    def learn(self, config, state, rows, out=None, starts=None):
        indptr, indices = rows.indptr, rows.indices
        n_rows = indptr.shape[0] - 1
        starts = _starts(starts, n_rows)
        kept = state.layer.lrn_history_length
        width = max(int(np.diff(indptr).max(initial=0)), int(kept.max(initial=0)))
        need_segments, need_blocks = room_per_row(config, width)
        anomaly = np.zeros(n_rows, dtype=np.float64) if out is None else out
        row = 0
        try:
            while row < n_rows:
                state.with_room(need_segments, need_blocks)
                scratch = self._scratch(config, state)
                row = run_rows(state.layer, config, scratch, indptr, indices, starts, anomaly,
                               row, need_segments, need_blocks, True)
        finally:
            state.n_samples_seen += row
        self._compiled = True
        return anomaly


def _starts(starts, n_rows):
    """The rows' sequence starts as the kernel takes them (bool, one per row;
    none when not given)."""
    if starts is None:
        return np.zeros(n_rows, dtype=np.bool_)
    return np.ascontiguousarray(starts, dtype=np.bool_)
