"""One Temporal Memory step per row, and the loop over the rows of a run.

The per-step order of the reference (columns in increasing order) is kept
where it matters: the active columns are learned in increasing order (they
draw from the generator), and wrong predictions are punished after them
(punishing touches only segments of inactive columns, and draws nothing,
so its place in the step changes no bit).
"""

import numpy as np

from ...._core.numba_cache import internal_kernel
from ..._state import BLOCK, ITERATION, N_FREE_BLOCKS, N_FREE_SEGMENTS, N_FREE_SYNAPSES
from ._bundles import (
    CONNECTED_SHIFT,
    N_ACTIVE,
    N_ACTIVE_SEGMENTS,
    N_COLUMNS,
    N_MATCHING_SEGMENTS,
    N_TOUCHED,
    N_WINNERS,
    NEED_BLOCKS,
    NEED_OUTPUT,
    NEED_SEGMENTS,
    NEED_SYNAPSES,
    POTENTIAL_MASK,
)
from ._cache import cached_kernel
from ._connections import (
    adapt_segment,
    create_segment,
    grow_synapses,
    least_used_cell,
    needs_pruning,
    prune_segment,
)


@internal_kernel
def activate_dendrites(conn, cfg, ctx, den):
    """Count every segment's synapses to the context's active cells; bucket
    the active and matching segments by column."""
    for k in range(den.sizes[N_TOUCHED]):
        den.counts[den.touched[k]] = 0
    for k in range(den.sizes[N_COLUMNS]):
        den.column_active[den.columns[k]] = -1
        den.column_matching[den.columns[k]] = -1
    n_touched = 0
    for i in range(ctx.sizes[N_ACTIVE]):
        cell = ctx.active[i]
        length = conn.cell_synapse_length[cell]
        block = conn.cell_synapse_head[cell]
        in_block = (length - 1) % BLOCK + 1
        seen = 0
        while seen < length:
            for slot in range(in_block):
                tag = conn.block_values[block, slot]
                s = tag >> 1
                count = den.counts[s]
                # Branch-free: first touches are unpredictable.
                den.touched[n_touched] = s
                n_touched += count == 0
                den.counts[s] = count + 1 + ((tag & 1) << CONNECTED_SHIFT)
            seen += in_block
            block = conn.block_next[block]
            in_block = BLOCK
    n_active = 0
    n_matching = 0
    n_columns = 0
    cpc = cfg.cells_per_column
    for k in range(n_touched):
        s = den.touched[k]
        count = den.counts[s]
        active = (count >> CONNECTED_SHIFT) >= cfg.activation_threshold
        matching = (count & POTENTIAL_MASK) >= cfg.min_threshold
        if not (active or matching):
            continue
        cell = conn.segment_cell[s]
        column = cell // cpc
        if den.column_active[column] < 0 and den.column_matching[column] < 0:
            den.columns[n_columns] = column
            n_columns += 1
        if active:
            den.active[n_active] = s
            den.active_cell[n_active] = cell
            den.active_next[n_active] = den.column_active[column]
            den.column_active[column] = n_active
            n_active += 1
        if matching:
            den.matching[n_matching] = s
            den.matching_cell[n_matching] = cell
            den.matching_next[n_matching] = den.column_matching[column]
            den.column_matching[column] = n_matching
            n_matching += 1
    den.sizes[N_TOUCHED] = n_touched
    den.sizes[N_ACTIVE_SEGMENTS] = n_active
    den.sizes[N_MATCHING_SEGMENTS] = n_matching
    den.sizes[N_COLUMNS] = n_columns


@internal_kernel
def _column_segments(conn, first, following, segments, out):
    """The segments of one column's bucket, sorted by (cell, serial)."""
    n = 0
    k = first
    while k >= 0:
        s = segments[k]
        # Insertion sort: a column holds a handful of segments.
        j = n
        while j > 0 and (
            conn.segment_cell[out[j - 1]] > conn.segment_cell[s]
            or (conn.segment_cell[out[j - 1]] == conn.segment_cell[s]
                and conn.segment_serial[out[j - 1]] > conn.segment_serial[s])
        ):
            out[j] = out[j - 1]
            j -= 1
        out[j] = s
        n += 1
        k = following[k]
    return n


@internal_kernel
def step(conn, cfg, ctx, den, rng, columns, learn):
    """One row (its active columns, sorted). Leaves this step's cells in
    ``ctx.new_active`` / ``ctx.new_winners``; returns the raw anomaly and
    their counts.

    Called once per row, it holds every call that may create or destroy
    (see :func:`._connections.adapt_segment` on leaves). The arrays its loops
    use are read from the bundles once, above the loops: in a kernel that
    calls others, numba counts a reference to each array read from a bundle
    at every read (two calls into its runtime), which in the per-segment
    loops cost more than the learning itself (2x on a stream whose cells
    predict many variants at once; ``benchmarks/bench_long_stream.py``).
    """
    cpc = cfg.cells_per_column
    n_columns = columns.shape[0]
    n_new_active = 0
    n_new_winners = 0
    n_predicted = 0
    buffer = ctx.column_segments
    new_active = ctx.new_active
    new_winners = ctx.new_winners
    column_mark = ctx.column_mark
    counts = den.counts
    segment_cell = conn.segment_cell
    last_used = conn.segment_last_used
    lengths = conn.segment_synapse_length
    min_threshold = cfg.min_threshold
    iteration = conn.counters[ITERATION]
    for a in range(n_columns):
        column = columns[a]
        column_mark[column] = 1
        n = _column_segments(conn, den.column_active[column], den.active_next, den.active,
                             buffer)
        if n > 0:
            n_predicted += 1
            for k in range(n):
                cell = segment_cell[buffer[k]]
                if n_new_active == 0 or new_active[n_new_active - 1] != cell:
                    new_active[n_new_active] = cell
                    n_new_active += 1
                    new_winners[n_new_winners] = cell
                    n_new_winners += 1
        else:
            first = column * cpc
            for cell in range(first, first + cpc):
                new_active[n_new_active] = cell
                n_new_active += 1
            n_matching = _column_segments(conn, den.column_matching[column], den.matching_next,
                                          den.matching, buffer)
            best = -1
            for k in range(n_matching):
                s = buffer[k]
                if best < 0 or (counts[s] & POTENTIAL_MASK) > (counts[best] & POTENTIAL_MASK):
                    best = s
            if best >= 0:
                winner = segment_cell[best]
                buffer[0] = best
                n = 1
            else:
                winner = least_used_cell(conn, cfg, rng, column)
            new_winners[n_new_winners] = winner
            n_new_winners += 1
            if learn and best < 0:
                n_grow = min(cfg.max_new_synapse_count, ctx.sizes[N_WINNERS])
                if n_grow > 0:
                    segment = create_segment(conn, cfg, winner, ctx.buffer)
                    grow_synapses(conn, cfg, ctx, rng, segment, n_grow)
        if not learn:
            continue
        # Reinforce the segments that predicted the column, or its best match.
        for k in range(n):
            s = buffer[k]
            n_potential = counts[s] & POTENTIAL_MASK
            last_used[s] = iteration
            n_doomed = adapt_segment(conn, cfg, ctx, s, cfg.permanence_increment,
                                     cfg.permanence_decrement)
            if needs_pruning(lengths, min_threshold, s, n_doomed) and not prune_segment(
                    conn, cfg, ctx, s, n_doomed):
                continue
            n_grow = cfg.max_new_synapse_count - n_potential
            if n_grow > 0:
                grow_synapses(conn, cfg, ctx, rng, s, n_grow)
    if learn and cfg.predicted_segment_decrement > 0:
        matching = den.matching
        matching_cell = den.matching_cell
        for k in range(den.sizes[N_MATCHING_SEGMENTS]):
            if not column_mark[matching_cell[k] // cpc]:
                s = matching[k]
                n_doomed = adapt_segment(conn, cfg, ctx, s, -cfg.predicted_segment_decrement,
                                         np.float32(0.0))
                if needs_pruning(lengths, min_threshold, s, n_doomed):
                    prune_segment(conn, cfg, ctx, s, n_doomed)
    for a in range(n_columns):
        column_mark[columns[a]] = 0
    anomaly = 0.0
    if n_columns > 0:
        anomaly = (n_columns - n_predicted) / n_columns
    return anomaly, n_new_active, n_new_winners


@internal_kernel
def _set_context(ctx, n_active, n_winners):
    """The step's cells become the context."""
    for k in range(ctx.sizes[N_ACTIVE]):
        ctx.active_mark[ctx.active[k]] = 0
    for k in range(ctx.sizes[N_WINNERS]):
        ctx.winner_mark[ctx.winners[k]] = 0
    for k in range(n_active):
        ctx.active[k] = ctx.new_active[k]
        ctx.active_mark[ctx.active[k]] = 1
    for k in range(n_winners):
        ctx.winners[k] = ctx.new_winners[k]
        ctx.winner_mark[ctx.winners[k]] = 1
    ctx.sizes[N_ACTIVE] = n_active
    ctx.sizes[N_WINNERS] = n_winners


@internal_kernel
def _write_cells(ctx, den, out, r):
    """Row ``r``'s requested cells into ``out``."""
    start = out.indptr[r]
    n = 0
    if out.kind == 1:
        for k in range(ctx.sizes[N_ACTIVE]):
            out.indices[start + n] = ctx.active[k]
            n += 1
    elif out.kind == 2:
        for k in range(ctx.sizes[N_WINNERS]):
            out.indices[start + n] = ctx.winners[k]
            n += 1
    elif out.kind == 3:
        cells = np.unique(den.active_cell[: den.sizes[N_ACTIVE_SEGMENTS]])
        n = cells.shape[0]
        out.indices[start:start + n] = cells
    out.indptr[r + 1] = start + n


@cached_kernel
def run_rows(conn, cfg, ctx, den, rng, indptr, indices, starts, learn, out, first_row,
             dendrites_ready, activity):
    """Rows ``first_row...`` in order (``dendrites_ready``: ``den`` already
    holds the dendrites of the context). Stops before a row that might need
    more free slots (segments, synapses, blocks, output) than there are,
    recording the need in ``ctx.sizes``; returns the next row to run.
    Learning counts each cell's active rows in ``activity``."""
    n_rows = starts.shape[0]
    if not dendrites_ready:
        activate_dendrites(conn, cfg, ctx, den)
    for r in range(first_row, n_rows):
        if starts[r]:
            _set_context(ctx, 0, 0)
            activate_dendrites(conn, cfg, ctx, den)
        columns = indices[indptr[r]:indptr[r + 1]]
        n_columns = columns.shape[0]
        if learn:
            need_synapses = (den.sizes[N_ACTIVE_SEGMENTS] + n_columns) * cfg.max_new_synapse_count
            need_blocks = 2 * need_synapses + n_columns
            if (conn.counters[N_FREE_SEGMENTS] < n_columns
                    or conn.counters[N_FREE_SYNAPSES] < need_synapses
                    or conn.counters[N_FREE_BLOCKS] < need_blocks):
                ctx.sizes[NEED_SEGMENTS] = n_columns
                ctx.sizes[NEED_SYNAPSES] = need_synapses
                ctx.sizes[NEED_BLOCKS] = need_blocks
                return r
        if out.kind != 0:
            need = n_columns * cfg.cells_per_column
            if out.kind == 3:
                need = cfg.n_columns * cfg.cells_per_column
            if out.indices.shape[0] - out.indptr[r] < need:
                ctx.sizes[NEED_OUTPUT] = out.indptr[r] + need
                return r
        anomaly, n_active, n_winners = step(conn, cfg, ctx, den, rng, columns, learn)
        out.anomaly[r] = anomaly
        _set_context(ctx, n_active, n_winners)
        if learn:
            conn.counters[ITERATION] += 1
            for k in range(n_active):
                activity[ctx.active[k]] += 1
        activate_dendrites(conn, cfg, ctx, den)
        if out.kind != 0:
            _write_cells(ctx, den, out, r)
    return n_rows
