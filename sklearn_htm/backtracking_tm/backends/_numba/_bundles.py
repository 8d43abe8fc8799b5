"""The kernels' work arrays (kept between calls, never saved)."""

from typing import NamedTuple

import numpy as np

# Indices into Scratch.sizes.
N_TOUCHED = 0
N_SCRATCH_SIZES = 1


class Scratch(NamedTuple):
    """Work arrays of the kernels.

    Attributes
    ----------
    counts : int32, shape (segment capacity,)
        Synapses of each segment to the set last counted (zero outside
        ``touched``).
    touched : int32, shape (segment capacity,)
        The segments with a nonzero count (the first ``sizes[N_TOUCHED]``).
    cell_mark : uint8, shape (n_cells,)
        Membership marks (an update's presynaptic cells, a segment's).
    column_mark, input_mask : uint8, shape (n_columns,)
        Columns already counted; the columns of the input being learned.
    column_best, column_list : int64, shape (n_columns,)
        Best segment per column (-1 when none) and the columns that have one.
    candidates, chosen : uint16 or int32 (as the layer's cells), shape (n_cells,)
        Growth candidates; cells chosen.
    bad : uint8, shape (history,)
        Starting points that lost the sequence.
    sizes : int64, shape (N_SCRATCH_SIZES,)
    """

    counts: np.ndarray
    touched: np.ndarray
    cell_mark: np.ndarray
    column_mark: np.ndarray
    input_mask: np.ndarray
    column_best: np.ndarray
    column_list: np.ndarray
    candidates: np.ndarray
    chosen: np.ndarray
    bad: np.ndarray
    sizes: np.ndarray


def new_scratch(config, layer):
    n_cells, n_columns = config.n_cells, config.n_columns
    capacity = layer.segment_cell.shape[0]
    return Scratch(
        counts=np.zeros(capacity, dtype=np.int32),
        touched=np.zeros(capacity, dtype=np.int32),
        cell_mark=np.zeros(n_cells, dtype=np.uint8),
        column_mark=np.zeros(n_columns, dtype=np.uint8),
        input_mask=np.zeros(n_columns, dtype=np.uint8),
        column_best=np.full(n_columns, -1, dtype=np.int64),
        column_list=np.zeros(n_columns, dtype=np.int64),
        candidates=np.zeros(n_cells, dtype=layer.cells.dtype),
        chosen=np.zeros(max(n_cells, config.max_synapses_per_segment
                            + config.new_synapse_count), dtype=layer.cells.dtype),
        bad=np.zeros(layer.inf_history.shape[0], dtype=np.uint8),
        sizes=np.zeros(N_SCRATCH_SIZES, dtype=np.int64),
    )
