"""One Temporal Memory step per row, and the loop over the rows of a run."""

import numpy as np

from ..._state import BLOCK, ITERATION, N_FREE_BLOCKS, N_FREE_SEGMENTS, N_FREE_SYNAPSES
from ._bundles import (
    N_ACTIVE,
    N_ACTIVE_SEGMENTS,
    N_MATCHING_SEGMENTS,
    N_TOUCHED,
    N_WINNERS,
    NEED_BLOCKS,
    NEED_OUTPUT,
    NEED_SEGMENTS,
    NEED_SYNAPSES,
)
from ._cache import cached_kernel
from ._connections import (
    adapt_segment,
    create_segment,
    grow_synapses,
    least_used_cell,
)

_KEY_SHIFT = 40  # sort key: cell << 40 | serial


@cached_kernel
def _sorted_segments(conn, den, segments, cells, n):
    """Sort ``segments[:n]`` by (cell, serial) and fill ``cells``."""
    for k in range(n):
        s = segments[k]
        den.keys[k] = (np.int64(conn.segment_cell[s]) << _KEY_SHIFT) + conn.segment_serial[s]
    order = np.argsort(den.keys[:n])
    ordered = segments[:n][order]
    for k in range(n):
        segments[k] = ordered[k]
        cells[k] = conn.segment_cell[ordered[k]]


@cached_kernel
def activate_dendrites(conn, cfg, ctx, den):
    """Count every segment's synapses to the context's active cells; list the
    active and matching segments."""
    for k in range(den.sizes[N_TOUCHED]):
        s = den.touched[k]
        den.potential[s] = 0
        den.connected[s] = 0
    n_touched = 0
    threshold = cfg.connected_threshold
    for i in range(ctx.sizes[N_ACTIVE]):
        cell = ctx.active[i]
        length = conn.cell_synapse_length[cell]
        block = conn.cell_synapse_head[cell]
        in_block = (length - 1) % BLOCK + 1
        seen = 0
        while seen < length:
            for slot in range(in_block):
                synapse = conn.block_items[block, slot]
                s = conn.synapse_segment[synapse]
                if den.potential[s] == 0:
                    den.touched[n_touched] = s
                    n_touched += 1
                den.potential[s] += 1
                if conn.synapse_permanence[synapse] >= threshold:
                    den.connected[s] += 1
            seen += in_block
            block = conn.block_next[block]
            in_block = BLOCK
    n_active = 0
    n_matching = 0
    for k in range(n_touched):
        s = den.touched[k]
        if den.connected[s] >= cfg.activation_threshold:
            den.active[n_active] = s
            n_active += 1
        if den.potential[s] >= cfg.min_threshold:
            den.matching[n_matching] = s
            n_matching += 1
    _sorted_segments(conn, den, den.active, den.active_cell, n_active)
    _sorted_segments(conn, den, den.matching, den.matching_cell, n_matching)
    den.sizes[N_TOUCHED] = n_touched
    den.sizes[N_ACTIVE_SEGMENTS] = n_active
    den.sizes[N_MATCHING_SEGMENTS] = n_matching


@cached_kernel
def _reinforce(conn, cfg, ctx, den, rng, segment):
    n_potential = den.potential[segment]
    conn.segment_last_used[segment] = conn.counters[ITERATION]
    if adapt_segment(conn, cfg, ctx, segment, cfg.permanence_increment,
                     cfg.permanence_decrement):
        n_grow = cfg.max_new_synapse_count - n_potential
        if n_grow > 0:
            grow_synapses(conn, cfg, ctx, rng, segment, n_grow)


@cached_kernel
def step(conn, cfg, ctx, den, rng, columns, learn):
    """One row (its active columns, sorted); returns the raw anomaly. Leaves
    this step's cells in ``ctx.new_active`` / ``ctx.new_winners`` and
    returns their counts."""
    cpc = cfg.cells_per_column
    n_columns = columns.shape[0]
    n_active_segments = den.sizes[N_ACTIVE_SEGMENTS]
    n_matching_segments = den.sizes[N_MATCHING_SEGMENTS]
    punish = learn and cfg.predicted_segment_decrement > 0
    a = 0
    i = 0
    m = 0
    n_new_active = 0
    n_new_winners = 0
    n_predicted = 0
    while True:
        column = cfg.n_columns
        if a < n_columns:
            column = min(column, columns[a])
        if i < n_active_segments:
            column = min(column, den.active_cell[i] // cpc)
        if m < n_matching_segments:
            column = min(column, den.matching_cell[m] // cpc)
        if column == cfg.n_columns:
            break
        is_active = a < n_columns and columns[a] == column
        if is_active:
            a += 1
        i_begin = i
        while i < n_active_segments and den.active_cell[i] // cpc == column:
            i += 1
        m_begin = m
        while m < n_matching_segments and den.matching_cell[m] // cpc == column:
            m += 1
        if is_active and i > i_begin:
            n_predicted += 1
            for k in range(i_begin, i):
                cell = den.active_cell[k]
                if n_new_active == 0 or ctx.new_active[n_new_active - 1] != cell:
                    ctx.new_active[n_new_active] = cell
                    n_new_active += 1
                    ctx.new_winners[n_new_winners] = cell
                    n_new_winners += 1
                if learn:
                    _reinforce(conn, cfg, ctx, den, rng, den.active[k])
        elif is_active:
            first = column * cpc
            for cell in range(first, first + cpc):
                ctx.new_active[n_new_active] = cell
                n_new_active += 1
            best = -1
            for k in range(m_begin, m):
                s = den.matching[k]
                if best < 0 or den.potential[s] > den.potential[best]:
                    best = s
            if best >= 0:
                winner = conn.segment_cell[best]
            else:
                winner = least_used_cell(conn, cfg, rng, column)
            ctx.new_winners[n_new_winners] = winner
            n_new_winners += 1
            if learn:
                if best >= 0:
                    _reinforce(conn, cfg, ctx, den, rng, best)
                else:
                    n_grow = min(cfg.max_new_synapse_count, ctx.sizes[N_WINNERS])
                    if n_grow > 0:
                        segment = create_segment(conn, cfg, winner, ctx.buffer)
                        grow_synapses(conn, cfg, ctx, rng, segment, n_grow)
        elif punish:
            for k in range(m_begin, m):
                adapt_segment(conn, cfg, ctx, den.matching[k],
                              -cfg.predicted_segment_decrement, np.float32(0.0))
    anomaly = 0.0
    if n_columns > 0:
        anomaly = (n_columns - n_predicted) / n_columns
    return anomaly, n_new_active, n_new_winners


@cached_kernel
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


@cached_kernel
def _write_cells(conn, cfg, ctx, den, out, r):
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
        for k in range(den.sizes[N_ACTIVE_SEGMENTS]):
            cell = den.active_cell[k]
            if n == 0 or out.indices[start + n - 1] != cell:
                out.indices[start + n] = cell
                n += 1
    out.indptr[r + 1] = start + n


@cached_kernel
def run_rows(conn, cfg, ctx, den, rng, indptr, indices, starts, learn, out, first_row):
    """Rows ``first_row...`` in order. Stops before a row that might need
    more free slots (segments, synapses, blocks, output) than there are,
    recording the need in ``ctx.sizes``; returns the next row to run."""
    n_rows = starts.shape[0]
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
        activate_dendrites(conn, cfg, ctx, den)
        if out.kind != 0:
            _write_cells(conn, cfg, ctx, den, out, r)
    return n_rows
