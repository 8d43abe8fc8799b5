"""Segments, synapses and the forward index; queued learning updates.

Semantics of NuPIC's ``Cells4.cpp`` (``computeUpdate``, ``adaptSegment``,
``getCellForNewSegment``, ``chooseCellsToLearnFrom``,
``computeForwardPropagation``), as the numpy reference states them.
"""

import numpy as np

from ...._core.random_kernels import below
from ...._core.numba_cache import internal_kernel
from ..._state import BLOCK, ITERATION, N_FREE_BLOCKS, N_FREE_SEGMENTS, N_UPDATES, NEXT_SERIAL
from ._bundles import N_TOUCHED
from ._sets import in_set


@internal_kernel(inline="always")
def index_add(layer, cell, segment):
    """``segment`` now has a synapse from ``cell``."""
    length = layer.out_length[cell]
    if length % BLOCK == 0:
        n_free = layer.counters[N_FREE_BLOCKS] - 1
        block = layer.free_blocks[n_free]
        layer.counters[N_FREE_BLOCKS] = n_free
        layer.block_next[block] = layer.out_head[cell]
        layer.out_head[cell] = block
    layer.block_items[layer.out_head[cell], length % BLOCK] = segment
    layer.out_length[cell] = length + 1


@internal_kernel(inline="always")
def index_remove(layer, cell, segment):
    """``segment`` no longer has a synapse from ``cell`` (the newest entry
    takes its place)."""
    length = layer.out_length[cell]
    head = layer.out_head[cell]
    last = (length - 1) % BLOCK
    block = head
    in_block = last + 1
    seen = 0
    while seen < length:
        for j in range(in_block):
            if layer.block_items[block, j] == segment:
                layer.block_items[block, j] = layer.block_items[head, last]
                length -= 1
                layer.out_length[cell] = length
                if length % BLOCK == 0:
                    layer.out_head[cell] = layer.block_next[head]
                    layer.free_blocks[layer.counters[N_FREE_BLOCKS]] = head
                    layer.counters[N_FREE_BLOCKS] += 1
                return
        seen += in_block
        block = layer.block_next[block]
        in_block = BLOCK


@internal_kernel
def count_synapses(layer, scratch, k):
    """``scratch.counts[s]``: synapses of segment s from the cells of set
    ``k``, whatever their permanence (NuPIC's forward propagation)."""
    counts = scratch.counts
    touched = scratch.touched
    for i in range(scratch.sizes[N_TOUCHED]):
        counts[touched[i]] = 0
    n_touched = 0
    for i in range(layer.n_cells_in[k]):
        cell = layer.cells[k, i]
        length = layer.out_length[cell]
        if length == 0:
            continue
        block = layer.out_head[cell]
        in_block = (length - 1) % BLOCK + 1
        seen = 0
        while seen < length:
            for j in range(in_block):
                s = layer.block_items[block, j]
                count = counts[s]
                if count == 0:
                    touched[n_touched] = s
                    n_touched += 1
                counts[s] = count + 1
            seen += in_block
            block = layer.block_next[block]
            in_block = BLOCK
    scratch.sizes[N_TOUCHED] = n_touched


@internal_kernel
def create_segment(layer, cell):
    """A new, empty segment at the end of ``cell``'s list."""
    n_free = layer.counters[N_FREE_SEGMENTS] - 1
    s = layer.free_segments[n_free]
    layer.counters[N_FREE_SEGMENTS] = n_free
    layer.segment_cell[s] = cell
    layer.segment_length[s] = 0
    layer.segment_next[s] = -1
    layer.segment_serial[s] = layer.counters[NEXT_SERIAL]
    layer.segment_last_active[s] = layer.counters[ITERATION]
    layer.counters[NEXT_SERIAL] += 1
    if layer.cell_head[cell] < 0:
        layer.cell_head[cell] = s
    else:
        layer.segment_next[layer.cell_tail[cell]] = s
    layer.cell_tail[cell] = s
    layer.cell_n_segments[cell] += 1
    return s


@internal_kernel
def destroy_segment(layer, s):
    cell = layer.segment_cell[s]
    for j in range(layer.segment_length[s]):
        index_remove(layer, layer.segment_presynaptic[s, j], s)
    layer.segment_length[s] = 0
    previous = -1
    t = layer.cell_head[cell]
    while t != s:
        previous = t
        t = layer.segment_next[t]
    if previous < 0:
        layer.cell_head[cell] = layer.segment_next[s]
    else:
        layer.segment_next[previous] = layer.segment_next[s]
    if layer.cell_tail[cell] == s:
        layer.cell_tail[cell] = previous
    layer.cell_n_segments[cell] -= 1
    layer.segment_cell[s] = -1
    layer.free_segments[layer.counters[N_FREE_SEGMENTS]] = s
    layer.counters[N_FREE_SEGMENTS] += 1


@internal_kernel
def cell_for_new_segment(layer, cfg, scratch, column):
    """A random non-start cell of ``column`` below ``max_segments_per_cell``
    segments; when all are full, a random one loses its oldest segment."""
    cpc = cfg.cells_per_column
    first = column * cpc
    if cpc == 1:
        if layer.cell_n_segments[first] >= cfg.max_segments_per_cell:
            destroy_segment(layer, layer.cell_head[first])
        return first
    n = 0
    for cell in range(first + 1, first + cpc):
        if layer.cell_n_segments[cell] < cfg.max_segments_per_cell:
            scratch.chosen[n] = cell
            n += 1
    if n > 0:
        return scratch.chosen[below(layer.rng, n)]
    cell = first + 1 + below(layer.rng, cpc - 1)
    destroy_segment(layer, layer.cell_head[cell])
    return cell


@internal_kernel
def queue_update(layer, cfg, scratch, cell, segment, k):
    """Queue an update of ``segment`` (-1: a new one) on ``cell``: its
    synapses from set ``k``, plus new synapses to randomly chosen cells of
    ``k`` up to ``new_synapse_count``. Returns False when that is empty
    (nothing queued)."""
    u = layer.counters[N_UPDATES]
    # The arrays the loops use, read from the bundles once (see apply_update).
    presynaptics = layer.segment_presynaptic
    update = layer.update_presynaptic
    flags = layer.flags
    cell_mark = scratch.cell_mark
    n = 0
    length = layer.segment_length[segment] if segment >= 0 else 0
    for j in range(length):
        presynaptic = presynaptics[segment, j]
        if in_set(flags, k, presynaptic):
            update[u, n] = presynaptic
            n += 1
    n_add = cfg.new_synapse_count - n
    if n_add > 0:
        for j in range(length):
            cell_mark[presynaptics[segment, j]] = 1
        m = 0
        candidates = scratch.candidates
        members = layer.cells
        for i in range(layer.n_cells_in[k]):
            c = members[k, i]
            if not cell_mark[c]:
                candidates[m] = c
                m += 1
        for j in range(length):
            cell_mark[presynaptics[segment, j]] = 0
        candidates = candidates[:m]
        candidates.sort()
        if m <= n_add:
            for i in range(m):
                update[u, n] = candidates[i]
                n += 1
        else:
            # The first n_add of a Fisher-Yates shuffle of the sorted candidates.
            for i in range(n_add):
                r = i + below(layer.rng, m - i)
                chosen = candidates[r]
                candidates[r] = candidates[i]
                candidates[i] = chosen
                update[u, n] = chosen
                n += 1
    if n == 0:
        return False
    layer.update_cell[u] = cell
    layer.update_segment[u] = segment
    layer.update_serial[u] = layer.segment_serial[segment] if segment >= 0 else -1
    layer.update_step[u] = layer.counters[ITERATION]
    layer.update_length[u] = n
    layer.counters[N_UPDATES] = u + 1
    return True


@internal_kernel(inline="always")
def _remove_slot(layer, s, j, length):
    index_remove(layer, layer.segment_presynaptic[s, j], s)
    for i in range(j, length - 1):
        layer.segment_presynaptic[s, i] = layer.segment_presynaptic[s, i + 1]
        layer.segment_permanence[s, i] = layer.segment_permanence[s, i + 1]
    return length - 1


@internal_kernel
def apply_update(layer, cfg, scratch, u):
    """Apply queued update ``u``: a new segment with its cells at
    ``initial_permanence``; or, on an existing one, ``permanence_increment``
    to synapses from its cells (capped at 1), ``permanence_decrement`` to
    the others (destroyed at 0 or below), the weakest synapses freed to make
    room (inactive ones first), and synapses to its other cells grown."""
    cell = layer.update_cell[u]
    s = layer.update_segment[u]
    n = layer.update_length[u]
    cells = layer.update_presynaptic[u, :n]
    if s < 0:
        s = create_segment(layer, cell)
        ordered = np.sort(cells)
        for j in range(n):
            layer.segment_presynaptic[s, j] = ordered[j]
            layer.segment_permanence[s, j] = cfg.initial_permanence
            index_add(layer, ordered[j], s)
        layer.segment_length[s] = n
        return
    layer.segment_last_active[s] = layer.counters[ITERATION]
    # The arrays the loops use, read from the bundles once: in a kernel that
    # calls others, numba counts a reference at every read of a bundle's
    # array.
    mark = scratch.cell_mark
    presynaptics = layer.segment_presynaptic
    permanences = layer.segment_permanence
    for j in range(n):
        mark[cells[j]] = 1
    one = np.float32(1.0)
    zero = np.float32(0.0)
    increment = cfg.permanence_increment
    decrement = cfg.permanence_decrement
    length = layer.segment_length[s]
    kept = 0
    for j in range(length):
        presynaptic = presynaptics[s, j]
        permanence = permanences[s, j]
        if mark[presynaptic] == 1:
            permanence = permanence + increment
            if permanence > one:
                permanence = one
            mark[presynaptic] = 2  # on the segment already
        else:
            permanence = permanence - decrement
            if permanence <= zero:
                index_remove(layer, presynaptic, s)
                continue
        presynaptics[s, kept] = presynaptic
        permanences[s, kept] = permanence
        kept += 1
    length = kept
    n_new = 0
    chosen = scratch.chosen
    for j in range(n):
        if mark[cells[j]] == 1:
            chosen[n_new] = cells[j]
            n_new += 1
    excess = length + n_new - cfg.max_synapses_per_segment
    for active_pass in range(2):
        while excess > 0:
            weakest = -1
            for j in range(length):
                if (mark[presynaptics[s, j]] == 2) != (active_pass == 1):
                    continue
                if weakest < 0 or permanences[s, j] < permanences[s, weakest]:
                    weakest = j
            if weakest < 0:
                break
            length = _remove_slot(layer, s, weakest, length)
            excess -= 1
    for j in range(n):
        mark[cells[j]] = 0
    if n_new > 0:
        new = chosen[:n_new]
        new.sort()
        for j in range(n_new):
            presynaptics[s, length] = new[j]
            permanences[s, length] = cfg.initial_permanence
            index_add(layer, new[j], s)
            length += 1
    layer.segment_length[s] = length
    if length == 0:
        destroy_segment(layer, s)


@internal_kernel
def apply_updates(layer, cfg, scratch, input_mask, valid_steps):
    """Apply the queued updates of cells whose column is in ``input_mask``
    (if still valid); drop the others (NuPIC without pooling)."""
    cpc = cfg.cells_per_column
    for u in range(layer.counters[N_UPDATES]):
        if layer.counters[ITERATION] - layer.update_step[u] > valid_steps:
            continue
        s = layer.update_segment[u]
        if s >= 0 and (layer.segment_cell[s] < 0
                       or layer.segment_serial[s] != layer.update_serial[u]):
            continue  # destroyed since
        if input_mask[layer.update_cell[u] // cpc]:
            apply_update(layer, cfg, scratch, u)
    layer.counters[N_UPDATES] = 0


@internal_kernel
def decay_idle_segments(layer, cfg):
    """NuPIC's global decay: every segment created or last reinforced more
    than ``max_age`` steps ago loses ``global_decay`` of every permanence; a
    synapse at 0 or below is destroyed, and a segment left without
    synapses (as the numpy reference's ``decay_idle_segments``)."""
    step = layer.counters[ITERATION]
    zero = np.float32(0.0)
    for s in range(layer.segment_cell.shape[0]):
        if layer.segment_cell[s] < 0 or step - layer.segment_last_active[s] <= cfg.max_age:
            continue
        kept = 0
        for j in range(layer.segment_length[s]):
            presynaptic = layer.segment_presynaptic[s, j]
            permanence = layer.segment_permanence[s, j] - cfg.global_decay
            if permanence <= zero:
                index_remove(layer, presynaptic, s)
                continue
            layer.segment_presynaptic[s, kept] = presynaptic
            layer.segment_permanence[s, kept] = permanence
            kept += 1
        layer.segment_length[s] = kept
        if kept == 0:
            destroy_segment(layer, s)
