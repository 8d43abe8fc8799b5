"""The loop over the rows of a run: raw anomaly, inference, learning."""

from ..._state import CONFIDENT, ITERATION, N_FREE_BLOCKS, N_FREE_SEGMENTS
from ._cache import cached_kernel
from ._inference import infer
from ._learning import learn
from ._sets import has_column


@cached_kernel
def run_rows(layer, cfg, scratch, indptr, indices, anomaly, first_row, need_segments,
             need_blocks, learning):
    """Rows ``first_row...`` in order; stops before a row when fewer than
    ``need_segments`` segments or ``need_blocks`` index blocks are free (the
    most one row can take) and returns that row, else the number of rows.
    A row's raw anomaly is the fraction of its columns the previous step
    was not confident of (NuPIC's anomaly on the backtracking TM). Without
    ``learning``, each row is inferred only (nothing of the segments, the
    learning cells or the queued updates changes)."""
    n_rows = indptr.shape[0] - 1
    counters = layer.counters
    mask = scratch.input_mask
    for r in range(first_row, n_rows):
        if counters[N_FREE_SEGMENTS] < need_segments or counters[N_FREE_BLOCKS] < need_blocks:
            return r
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
        if not learning:
            continue
        for column in columns:
            mask[column] = 1
        learn(layer, cfg, scratch, columns)
        for column in columns:
            mask[column] = 0
    return n_rows
