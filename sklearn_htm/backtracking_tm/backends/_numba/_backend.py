"""The numba backend's driver: keeps the work arrays, runs the kernel, and
grows the pools when the kernel stops for room (see :func:`._step.run_rows`)."""

import numpy as np

from ._bundles import new_scratch
from ._step import run_rows


def room_per_row(config, width):
    """The most segments and index blocks one row of ``width`` active columns
    can take: every learning pass of the row (the step itself and one
    replay of each kept input) growing a segment per column, and every
    update (queued per column, or per input column) growing
    ``new_synapse_count`` synapses, each possibly opening a block."""
    passes = config.max_lrn_backtrack + 2
    segments = passes * width + 1
    blocks = passes * (config.n_columns + width) * config.new_synapse_count + 1
    return segments, blocks


class NumbaBackend:
    """Compiled kernels (:mod:`._step`, :mod:`._inference`, :mod:`._learning`,
    :mod:`._connections`)."""

    name = "numba"
    chunk_rows = 5000

    def __init__(self):
        self._compiled = False

    def is_ready(self):
        return self._compiled

    def run(self, config, state, indptr, indices):
        """Learn the rows (CSR parts of their active columns, sorted); returns
        their raw anomalies."""
        n_rows = indptr.shape[0] - 1
        width = int(np.diff(indptr).max(initial=0))
        need_segments, need_blocks = room_per_row(config, width)
        anomaly = np.zeros(n_rows, dtype=np.float64)
        row = 0
        try:
            while row < n_rows:
                state.with_room(need_segments, need_blocks)
                scratch = state.scratch.get("numba")
                if (scratch is None
                        or scratch.counts.shape[0] != state.layer.segment_cell.shape[0]
                        or scratch.cell_mark.shape[0] != config.n_cells):
                    scratch = state.scratch["numba"] = new_scratch(config, state.layer)
                row = run_rows(state.layer, config, scratch, indptr, indices, anomaly, row,
                               need_segments, need_blocks)
        finally:
            state.n_samples_seen += row
        self._compiled = True
        return anomaly
