"""Creating, destroying, adapting and growing segments and synapses (the
rules of :mod:`sklearn_htm.temporal_memory.backends._numpy`, on the pool
layout)."""

import numpy as np

from ...._core.numba_cache import internal_kernel
from ..._config import PERMANENCE_EPSILON
from ..._state import BLOCK, ITERATION, N_FREE_SEGMENTS, N_FREE_SYNAPSES, NEXT_SERIAL
from ._bundles import N_WINNERS
from ._lists import append, items, remove
from ...._core.random_kernels import below

_EPSILON = np.float32(PERMANENCE_EPSILON)
_ONE = np.float32(1.0)


@internal_kernel
def _set_tag(conn, synapse, connected):
    """The tag of ``synapse`` in its presynaptic cell's list."""
    position = conn.synapse_presynaptic_position[synapse]
    conn.block_values[position // BLOCK, position % BLOCK] = (
        conn.synapse_segment[synapse] * 2 + connected
    )


@internal_kernel
def create_synapse(conn, cfg, segment, presynaptic, permanence):
    n_free = conn.counters[N_FREE_SYNAPSES] - 1
    conn.counters[N_FREE_SYNAPSES] = n_free
    synapse = conn.synapse_free[n_free]
    conn.synapse_presynaptic[synapse] = presynaptic
    conn.synapse_segment[synapse] = segment
    block, slot = append(conn, conn.segment_synapse_head, conn.segment_synapse_length, segment,
                         synapse, conn.synapse_segment_position)
    conn.block_values[block, slot] = presynaptic
    conn.block_permanences[block, slot] = permanence
    append(conn, conn.cell_synapse_head, conn.cell_synapse_length, presynaptic, synapse,
           conn.synapse_presynaptic_position)
    _set_tag(conn, synapse, 1 if permanence >= cfg.connected_threshold else 0)


@internal_kernel
def destroy_synapse(conn, synapse):
    remove(conn, conn.segment_synapse_head, conn.segment_synapse_length,
           conn.synapse_segment[synapse], synapse, conn.synapse_segment_position)
    remove(conn, conn.cell_synapse_head, conn.cell_synapse_length,
           conn.synapse_presynaptic[synapse], synapse, conn.synapse_presynaptic_position)
    conn.synapse_segment[synapse] = -1
    conn.synapse_presynaptic[synapse] = -1
    n_free = conn.counters[N_FREE_SYNAPSES]
    conn.synapse_free[n_free] = synapse
    conn.counters[N_FREE_SYNAPSES] = n_free + 1


@internal_kernel
def destroy_segment(conn, segment, buffer):
    n = items(conn, conn.segment_synapse_head, conn.segment_synapse_length, segment, buffer)
    for k in range(n):
        destroy_synapse(conn, buffer[k])
    remove(conn, conn.cell_segment_head, conn.cell_segment_length,
           conn.segment_cell[segment], segment, conn.segment_position)
    conn.segment_cell[segment] = -1
    n_free = conn.counters[N_FREE_SEGMENTS]
    conn.segment_free[n_free] = segment
    conn.counters[N_FREE_SEGMENTS] = n_free + 1


@internal_kernel
def create_segment(conn, cfg, cell, buffer):
    """A new segment on ``cell``, after destroying its least recently used
    segments while it has ``max_segments_per_cell``."""
    while conn.cell_segment_length[cell] >= cfg.max_segments_per_cell:
        n = items(conn, conn.cell_segment_head, conn.cell_segment_length, cell, buffer)
        oldest = buffer[0]
        for k in range(1, n):
            s = buffer[k]
            if conn.segment_last_used[s] < conn.segment_last_used[oldest] or (
                conn.segment_last_used[s] == conn.segment_last_used[oldest]
                and conn.segment_serial[s] < conn.segment_serial[oldest]
            ):
                oldest = s
        destroy_segment(conn, oldest, buffer)
    n_free = conn.counters[N_FREE_SEGMENTS] - 1
    conn.counters[N_FREE_SEGMENTS] = n_free
    segment = conn.segment_free[n_free]
    conn.segment_cell[segment] = cell
    conn.segment_serial[segment] = conn.counters[NEXT_SERIAL]
    conn.counters[NEXT_SERIAL] += 1
    conn.segment_last_used[segment] = conn.counters[ITERATION]
    conn.segment_synapse_head[segment] = -1
    conn.segment_synapse_length[segment] = 0
    append(conn, conn.cell_segment_head, conn.cell_segment_length, cell, segment,
           conn.segment_position)
    return segment


@internal_kernel
def adapt_segment(conn, cfg, ctx, segment, increment, decrement):
    """Add ``increment`` to synapses from previously active cells, subtract
    ``decrement`` from the others (float32, capped at 1), keeping the
    presynaptic tags exact. Synapses that would fall below 1e-6 are left
    untouched and listed in ``ctx.doomed``; returns how many (the caller
    prunes them with :func:`prune_segment`).

    A leaf: it calls nothing that takes a bundle, so calling it per segment
    costs no reference counting of the bundles' arrays.
    """
    threshold = cfg.connected_threshold
    length = conn.segment_synapse_length[segment]
    block = conn.segment_synapse_head[segment]
    in_block = (length - 1) % BLOCK + 1
    seen = 0
    n_doomed = 0
    while seen < length:
        for slot in range(in_block):
            before = conn.block_permanences[block, slot]
            if ctx.active_mark[conn.block_values[block, slot]]:
                permanence = before + increment
            else:
                permanence = before - decrement
            if permanence < _EPSILON:
                ctx.doomed[n_doomed] = conn.block_items[block, slot]
                n_doomed += 1
                continue
            permanence = min(permanence, _ONE)
            conn.block_permanences[block, slot] = permanence
            if (permanence >= threshold) != (before >= threshold):
                synapse = conn.block_items[block, slot]
                position = conn.synapse_presynaptic_position[synapse]
                conn.block_values[position // BLOCK, position % BLOCK] = (
                    conn.synapse_segment[synapse] * 2 + (1 if permanence >= threshold else 0)
                )
        seen += in_block
        block = conn.block_next[block]
        in_block = BLOCK
    return n_doomed


@internal_kernel
def needs_pruning(lengths, min_threshold, segment, n_doomed):
    """Whether :func:`prune_segment` has anything to do (``lengths``: the
    segments' synapse counts)."""
    return n_doomed > 0 or lengths[segment] < min_threshold


@internal_kernel
def prune_segment(conn, cfg, ctx, segment, n_doomed):
    """Destroy the ``n_doomed`` synapses of ``ctx.doomed``, then the segment if
    fewer than ``min_threshold`` synapses (or none) are left. Returns whether
    the segment survives."""
    for k in range(n_doomed):
        destroy_synapse(conn, ctx.doomed[k])
    length = conn.segment_synapse_length[segment]
    if length < cfg.min_threshold or length == 0:
        destroy_segment(conn, segment, ctx.buffer)
        return False
    return True


@internal_kernel
def _weakest_synapse(conn, ctx, segment):
    """The synapse of ``segment`` with the lowest (permanence, presynaptic
    cell) among those not from a previous winner cell; -1 if none."""
    length = conn.segment_synapse_length[segment]
    block = conn.segment_synapse_head[segment]
    in_block = (length - 1) % BLOCK + 1
    seen = 0
    weakest = -1
    weakest_permanence = np.float32(0.0)
    weakest_cell = -1
    while seen < length:
        for slot in range(in_block):
            cell = conn.block_values[block, slot]
            if ctx.winner_mark[cell]:
                continue
            permanence = conn.block_permanences[block, slot]
            if weakest < 0 or permanence < weakest_permanence or (
                permanence == weakest_permanence and cell < weakest_cell
            ):
                weakest = conn.block_items[block, slot]
                weakest_permanence = permanence
                weakest_cell = cell
        seen += in_block
        block = conn.block_next[block]
        in_block = BLOCK
    return weakest


@internal_kernel
def _winner_position(ctx, cell):
    """Where ``cell`` lies in the previous winner cells (sorted; the cell is
    one of them)."""
    winners = ctx.winners
    low = 0
    high = ctx.sizes[N_WINNERS] - 1
    while low < high:
        middle = (low + high) // 2
        if winners[middle] < cell:
            low = middle + 1
        else:
            high = middle
    return low


@internal_kernel
def grow_synapses(conn, cfg, ctx, rng, segment, n_desired):
    """Grow up to ``n_desired`` synapses from previous winner cells not yet
    presynaptic on ``segment``.

    The candidates are the previous winner cells in their (sorted) order
    less those already on the segment; each synapse draws one of the
    remaining candidates. The candidates are never listed: the segment's
    winner cells are kept as sorted positions in ``ctx.excluded``, and the
    ``j``-th candidate is found by stepping over them, so a segment costs
    its own length, not the number of winner cells (in a stream whose cells
    predict many variants at once there are over a thousand).
    """
    block_values = conn.block_values
    block_next = conn.block_next
    winner_mark = ctx.winner_mark
    excluded = ctx.excluded
    length = conn.segment_synapse_length[segment]
    block = conn.segment_synapse_head[segment]
    in_block = (length - 1) % BLOCK + 1
    seen = 0
    n_excluded = 0
    while seen < length:
        for slot in range(in_block):
            cell = block_values[block, slot]
            if winner_mark[cell]:
                n_excluded = _insert_sorted(excluded, n_excluded, _winner_position(ctx, cell))
        seen += in_block
        block = block_next[block]
        in_block = BLOCK
    n_candidates = ctx.sizes[N_WINNERS] - n_excluded
    n_grow = min(n_desired, n_candidates)
    if n_grow <= 0:
        return
    overrun = conn.segment_synapse_length[segment] + n_grow - cfg.max_synapses_per_segment
    if overrun > 0:
        # The weakest synapses are never from winner cells: the candidates stay.
        for _ in range(overrun):
            weakest = _weakest_synapse(conn, ctx, segment)
            if weakest < 0:
                break
            destroy_synapse(conn, weakest)
        n_grow = min(n_grow, cfg.max_synapses_per_segment - conn.segment_synapse_length[segment])
    winners = ctx.winners
    for _ in range(n_grow):
        position = below(rng, n_candidates)
        for k in range(n_excluded):
            if excluded[k] > position:
                break
            position += 1
        n_excluded = _insert_sorted(excluded, n_excluded, position)
        n_candidates -= 1
        create_synapse(conn, cfg, segment, winners[position], cfg.initial_permanence)


@internal_kernel
def _insert_sorted(values, n, value):
    """Insert ``value`` into the sorted ``values[:n]``; returns ``n + 1``."""
    k = n
    while k > 0 and values[k - 1] > value:
        values[k] = values[k - 1]
        k -= 1
    values[k] = value
    return n + 1


@internal_kernel
def least_used_cell(conn, cfg, rng, column):
    """The cell of ``column`` with the fewest segments (ties: a draw)."""
    first = column * cfg.cells_per_column
    fewest = conn.cell_segment_length[first]
    for cell in range(first + 1, first + cfg.cells_per_column):
        fewest = min(fewest, conn.cell_segment_length[cell])
    n_tied = 0
    for cell in range(first, first + cfg.cells_per_column):
        if conn.cell_segment_length[cell] == fewest:
            n_tied += 1
    pick = below(rng, n_tied)
    for cell in range(first, first + cfg.cells_per_column):
        if conn.cell_segment_length[cell] == fewest:
            if pick == 0:
                return cell
            pick -= 1
    return -1
