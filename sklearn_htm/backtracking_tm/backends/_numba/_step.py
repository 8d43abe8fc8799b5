"""The loop over the rows of a run: sequence starts, raw anomaly, inference,
learning."""

from ...._core.numba_cache import internal_kernel
from ..._state import (
    CONFIDENT,
    ITERATION,
    N_FREE_BLOCKS,
    N_FREE_SEGMENTS,
    N_INF_HISTORY,
    N_LRN_HISTORY,
    N_UPDATES,
    RESET_CALLED,
)
from ._cache import cached_kernel
from ._connections import decay_idle_segments
from ._inference import infer
from ._learning import learn
from ._sets import clear_cells, clear_columns, has_column


@internal_kernel
def begin_sequence(layer):
    """NuPIC's ``reset`` inside a run (as :meth:`..._state.BTMState.reset`):
    empty every cell and column set, the queued updates and both histories,
    and set ``resetCalled``."""
    for k in range(layer.n_cells_in.shape[0]):
        clear_cells(layer, k)
    for k in range(layer.n_columns_in.shape[0]):
        clear_columns(layer, k)
    counters = layer.counters
    counters[N_UPDATES] = 0
    counters[N_INF_HISTORY] = 0
    counters[N_LRN_HISTORY] = 0
    counters[RESET_CALLED] = 1


@cached_kernel
def run_rows(layer, cfg, scratch, indptr, indices, starts, anomaly, first_row, need_segments,
             need_blocks, learning):
    """Rows ``first_row...`` in order; stops before a row when fewer than
    ``need_segments`` segments or ``need_blocks`` index blocks are free (the
    most one row can take) and returns that row, else the number of rows.
    A row where ``starts`` (bool, one per row) is True begins a sequence:
    the layer is reset before it (:func:`begin_sequence`). A row's raw
    anomaly is the fraction of its columns the previous step was not
    confident of (NuPIC's anomaly on the backtracking TM). Every
    ``max_age`` learning steps, with a ``global_decay``, the step ends with
    :func:`decay_idle_segments`. Without
    ``learning``, each row is inferred only (nothing of the segments, the
    learning cells or the queued updates changes, but a sequence start)."""
    n_rows = indptr.shape[0] - 1
    counters = layer.counters
    mask = scratch.input_mask
    for r in range(first_row, n_rows):
        if counters[N_FREE_SEGMENTS] < need_segments or counters[N_FREE_BLOCKS] < need_blocks:
            return r
        if starts[r]:
            begin_sequence(layer)
        columns = indices[indptr[r]:indptr[r + 1]]
        n = columns.shape[0]
        hits = 0
        for column in columns:
            hits += has_column(layer, CONFIDENT, column)
        anomaly[r] = (n - hits) / n if n > 0 else 0.0
        counters[ITERATION] += 1
        if layer.avg_input_density[0] == 0.0:
            layer.avg_input_density[0] = n
        else:
            layer.avg_input_density[0] = 0.99 * layer.avg_input_density[0] + 0.01 * n
        infer(layer, cfg, scratch, columns)
        if learning:
            for column in columns:
                mask[column] = 1
            learn(layer, cfg, scratch, columns)
            for column in columns:
                mask[column] = 0
            if cfg.global_decay > 0 and counters[ITERATION] % cfg.max_age == 0:
                decay_idle_segments(layer, cfg)
        counters[RESET_CALLED] = 0
    return n_rows
