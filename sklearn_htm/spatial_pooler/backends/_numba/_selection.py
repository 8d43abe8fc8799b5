"""Inhibition: the winners of one row from its boosted overlaps.

Global selection keeps the ``k`` best columns with a bounded min-heap;
local selection decides the layer's strongest columns first and counts the
other columns' beaters in their neighbourhoods. Both reproduce the
reference's rules exactly: higher boosted overlap first, ties to the higher
column index, NaN above everything (numpy's ``lexsort`` order) for global
selection and beating no column for local selection.
"""

import numpy as np
from numba import njit
from numba.extending import overload

from ...._core.numba_cache import internal_kernel
from ._arrays import empty, zeros
from ._bundles import LOCAL_WHOLE_LAYER, U1, U16, Selection, is_global_type

# Margin of the selection hint below the previous row's k-th value (see _top_k).
_MARGIN_START = np.float32(0.97)
_MARGIN_MIN = np.float32(0.5)
_MARGIN_MAX = np.float32(0.999)
_MARGIN_STEP = np.float32(0.002)
# Non-literal constant: Numba compiles a function once more for each
# literal constant passed to it, so helpers get this instead.
_ROOT = np.int64(0)
# Decisions of local inhibition (see _select_local).
_UNDECIDED = 0
_DECIDED_WINNER = 1
_DECIDED_LOSER = 2


@njit(inline="always")
def _ranks_above(v1, i1, v2, i2):
    """Whether column i1 (boosted v1) ranks above column i2 (boosted v2).

    Higher value first, ties to the higher index, NaN above everything
    (ordered by index among themselves): numpy's ``lexsort`` order, which
    the reference's global inhibition uses.
    """
    if v1 != v1:
        return v2 == v2 or i1 > i2
    if v2 != v2:
        return False
    return v1 > v2 or (v1 == v2 and i1 > i2)


@internal_kernel
def _sift_down(heap_v, heap_i, size, pos, v, c):
    """Put (v, c) at ``pos`` of the min-heap (by rank) and sift it down."""
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and _ranks_above(
            heap_v[child], heap_i[child], heap_v[child + 1], heap_i[child + 1]
        ):
            child += 1
        if _ranks_above(v, c, heap_v[child], heap_i[child]):
            heap_v[pos] = heap_v[child]
            heap_i[pos] = heap_i[child]
            pos = child
        else:
            break
    heap_v[pos] = v
    heap_i[pos] = c


@internal_kernel
def _top_k(boosted, k, scratch):
    """A min-heap (by rank) of the best ``k`` columns in the heap buffers.

    Only columns at or above a hint (and NaNs) are candidates, when at least
    k of them are (else every column is). The hint is a little below the
    previous row's k-th value: its margin grows while rows leave more than
    twice the candidates needed and shrinks faster after a row that had too
    few (which costs a heap over every column), so that most rows have a
    few candidates beyond the k needed, most of them rejected by one
    comparison with the heap's root. The hint changes the work, never the
    result. Returns the heap's size and the number of candidates,
    ``candidates[:m]`` (sorted).
    """
    heap_v, heap_i = scratch.heap_values, scratch.heap_columns
    candidates, hint = scratch.candidates, scratch.hint
    n_columns = boosted.size
    size = min(k, n_columns)
    threshold = hint[0] * hint[1]
    m = 0
    for c in range(np.uint64(n_columns)):
        v = boosted[c]
        candidates[m] = c
        m += (v >= threshold) | (v != v)
    if m < size:
        for c in range(np.uint64(n_columns)):
            candidates[c] = c
        m = n_columns
        margin = hint[1] - 10 * _MARGIN_STEP
        hint[1] = margin if margin > _MARGIN_MIN else _MARGIN_MIN
    elif m > 2 * size:
        margin = hint[1] + _MARGIN_STEP
        hint[1] = margin if margin < _MARGIN_MAX else _MARGIN_MAX
    for j in range(size):
        c = candidates[j]
        heap_v[j] = boosted[c]
        heap_i[j] = c
    for j in range(size // 2 - 1, -1, -1):
        _sift_down(heap_v, heap_i, size, j, heap_v[j], heap_i[j])
    if size == 0:
        return size, m
    root = heap_v[0]
    for j in range(size, m):
        c = candidates[j]
        v = boosted[c]
        # Later columns win ties, so only v < root is out (NaN never is).
        if v < root:
            continue
        if _ranks_above(v, c, root, heap_i[0]):
            _sift_down(heap_v, heap_i, size, _ROOT, v, c)
            root = heap_v[0]
    hint[0] = root
    return size, m


@internal_kernel
def _select_global(boosted, k, stimulus_threshold, scratch, winners):
    """The reference's global inhibition for one row; winners sorted."""
    heap_v, heap_i, candidates = scratch.heap_values, scratch.heap_columns, scratch.candidates
    size, m = _top_k(boosted, k, scratch)
    if size == 0:
        return 0
    # The winners are the root (the last of the best k) and every candidate
    # ranking above it; scanning the candidates yields them sorted.
    root = heap_v[0]
    last = heap_i[0]
    n_winners = 0
    for j in range(m):
        c = candidates[j]
        v = boosted[c]
        ranks_in = v > root or (not v < root and (c == last or _ranks_above(v, c, root, last)))
        if ranks_in and v >= stimulus_threshold:
            winners[n_winners] = c
            n_winners += 1
    return n_winners


@njit(inline="always")
def _beaten_by(boosted, c, v, hood_indices, start, stop):
    """How many of the neighbours ``hood_indices[start:stop]`` beat column
    ``c`` (boosted ``v``): a larger value, or the same and a larger index."""
    count = 0
    for p in range(start, stop):
        n = hood_indices[p]
        u = boosted[n]
        count += (u > v) | ((u == v) & (n > c))
    return count


@internal_kernel
def _select_local(boosted, inhibition, scratch, winners):
    """The reference's local inhibition for one row; winners sorted.

    First the ``n_strong`` columns that rank highest in the whole layer are
    decided, best first: each one's beaters among them are the ones already
    seen in its neighbourhood, and nothing outside them can beat it; each
    then counts as a beater of the columns whose neighbourhood holds it
    (the reverse lists). Most other columns are by then beaten
    enough; the rest count their beaters directly, 16 neighbours at a time
    (a vectorised loop), stopping as soon as they are enough. NaNs beat no
    column and win nothing, as in the reference.
    """
    hood_indptr, hood_indices = inhibition.hood_indptr, inhibition.hood_indices
    reverse_indptr, reverse_indices = inhibition.reverse_indptr, inhibition.reverse_indices
    n_local, stimulus_threshold = inhibition.n_winners, inhibition.stimulus_threshold
    heap_v, heap_i = scratch.heap_values, scratch.heap_columns
    beaten, state = scratch.beaten, scratch.decided
    size, _ = _top_k(boosted, inhibition.n_strong, scratch)
    # Heap sort: best first.
    for end in range(size - 1, 0, -1):
        v, c = heap_v[end], heap_i[end]
        heap_v[end], heap_i[end] = heap_v[0], heap_i[0]
        _sift_down(heap_v, heap_i, end, _ROOT, v, c)
    beaten[:] = 0
    for j in range(size):
        s, v = heap_i[j], heap_v[j]
        state[s] = _DECIDED_LOSER
        if v != v:
            continue
        if not v >= stimulus_threshold:
            break
        if beaten[s] < n_local[s]:
            state[s] = _DECIDED_WINNER
        for p in range(reverse_indptr[s], reverse_indptr[s + U1]):
            beaten[reverse_indices[p]] += 1
    n_winners = 0
    for c in range(np.uint64(boosted.size)):
        if state[c] != _UNDECIDED:
            if state[c] == _DECIDED_WINNER:
                winners[n_winners] = c
                n_winners += 1
            state[c] = _UNDECIDED
            continue
        v = boosted[c]
        limit = n_local[c]
        if not v >= stimulus_threshold or beaten[c] >= limit:
            continue
        start = hood_indptr[c]
        stop = hood_indptr[c + U1]
        count = 0
        while start < stop and count < limit:
            chunk = min(start + U16, stop)
            count += _beaten_by(boosted, c, v, hood_indices, start, chunk)
            start = chunk
        if count < limit:
            winners[n_winners] = c
            n_winners += 1
    return n_winners


@internal_kernel
def _has_nan(values):
    found = False
    for j in range(np.uint64(values.size)):
        found |= values[j] != values[j]
    return found


def select(inhibition, scratch, winners):
    """Winners of the row whose boosted overlaps are ``scratch.boosted``,
    sorted, into ``winners``; returns their number.

    Kernels only: Numba compiles the overload below for the bundle's type, so
    a :data:`~._bundles.GlobalInhibition` layer never compiles local
    selection.
    """
    raise NotImplementedError("select is called from Numba kernels only")


@overload(select)
def _select_for(inhibition, scratch, winners):
    if is_global_type(inhibition):

        def select_global(inhibition, scratch, winners):
            return _select_global(
                scratch.boosted, inhibition.k, inhibition.stimulus_threshold, scratch,
                winners,
            )

        return select_global

    def select_local(inhibition, scratch, winners):
        boosted = scratch.boosted
        if inhibition.mode == LOCAL_WHOLE_LAYER and not _has_nan(boosted):
            return _select_global(
                boosted, inhibition.k, inhibition.stimulus_threshold, scratch, winners
            )
        return _select_local(boosted, inhibition, scratch, winners)

    return select_local


def fresh_hint():
    """A selection hint that knows nothing yet (see ``_top_k``): float32
    ``[last k-th value, margin]``. A hint may be kept across calls (the
    driver keeps one per state): it changes the work, never the result."""
    return np.array([0.0, _MARGIN_START], dtype=np.float32)


@internal_kernel
def selection_scratch(n_columns, inhibition, hint):
    """A :class:`~._bundles.Selection` for rows of ``n_columns`` columns,
    guided by ``hint`` (updated as rows are selected)."""
    k = max(inhibition.k, inhibition.n_strong)
    return Selection(
        empty(n_columns, np.float32),
        empty(max(k, 1), np.float32),
        empty(max(k, 1), np.uint64),
        empty(n_columns, np.uint64),
        zeros(n_columns, np.int32),
        zeros(n_columns, np.uint8),
        hint,
    )
