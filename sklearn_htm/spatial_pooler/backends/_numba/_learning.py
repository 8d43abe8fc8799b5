"""The learning kernel: every online or batch step over a run of rows, in one call."""

import numpy as np
from numba import njit

from ...._core.numba_cache import internal_kernel
from ..._state import crosses_update_round
from ._arrays import empty, empty_2d, zeros, zeros_2d
from ._bundles import BLOCK, LOCAL, TILE, U0, U1, U6, U63, U64
from ._cache import cached_kernel
from ._homeostasis import (
    update_boost_factors,
    update_duty_cycles,
    update_min_duty_cycles,
)
from ._intrinsics import bump_chunk, update_chunk_batch, update_chunk_online
from ._overlap import boost, clear_row_bits, row_overlaps, set_row_bits, tile_overlaps
from ._selection import select, selection_scratch
from ._words import gather_activity, scatter_connected, word_location

# ``packed`` of a column the journal does not save (see journal_column).
_NOT_SAVED = np.int64(-1)
# The reference's rule, compiled from the same source.
_crosses_update_round = njit(inline="always")(crosses_update_round)


@njit(inline="always")
def _clip(p, low, high):
    """numpy's clip for numbers that are not NaN. Here and below, float
    comparisons stand for min and max, which take Numba seconds to compile."""
    p = p if p > low else low
    return p if p < high else high


@internal_kernel
def _adapt(s0, n, activity, n_rows, permanences, threshold, increment, decrement,
           counts, flags, saved, packed):
    """The Hebbian rule on synapses ``s0:s0 + n`` of a column that won the
    ``n_rows`` rows whose activity streams are ``activity[:n_rows]``; with
    ``packed >= 0``, the old permanences go to ``saved[packed:packed + n]``
    first, chunk by chunk (the chunk is in the cache for its update anyway).

    ``a``, the number of those rows in which a synapse's input is active, is
    a sum of 0.0/1.0 in float32, hence an exact integer, and the update is
    the reference's ``float32(a) * inc - float32(n_rows - a) * dec``; with
    one row, this is the online rule.
    """
    one = np.float32(1.0)
    zero = np.float32(0.0)
    n_wins = np.float32(n_rows)
    for chunk in range((n + U63) >> U6):
        base = s0 + (chunk << U6)
        size = min(U64, n - (chunk << U6))
        if packed >= 0:
            _save_chunk(saved, np.uint64(packed) + (chunk << U6), permanences, base, size)
        if n_rows == 1:
            active = activity[0, chunk]
            if size == U64:
                flags[chunk] = update_chunk_online(
                    permanences, base, active, one, increment, decrement, threshold
                )
                continue
            for i in range(size):
                counts[i] = np.float32((active >> i) & U1)
        else:
            counts[:] = 0.0
            for j in range(n_rows):
                active = activity[j, chunk]
                for i in range(U64):
                    counts[i] += np.float32((active >> i) & U1)
            if size == U64:
                flags[chunk] = update_chunk_batch(
                    permanences, base, counts, n_wins, increment, decrement, threshold
                )
                continue
        # The column's last, partial chunk.
        bits = U0
        for i in range(size):
            a = counts[i]
            p = permanences[base + i] + (a * increment - (n_wins - a) * decrement)
            p = _clip(p, zero, one)
            permanences[base + i] = p
            bits |= np.uint64(p >= threshold) << i
        flags[chunk] = bits


@internal_kernel
def _bump(s0, n, permanences, threshold, bump, flags, saved, packed):
    """Raise synapses ``s0:s0 + n`` of a weak column by ``bump`` (at most to
    1); ``saved`` and ``packed``: see ``_adapt``."""
    one = np.float32(1.0)
    if packed >= 0:
        _save_chunk(saved, np.uint64(packed), permanences, s0, n)
    for chunk in range(n >> U6):
        flags[chunk] = bump_chunk(
            permanences, s0 + (chunk << U6), U0, one, bump, bump, threshold
        )
    chunk = n >> U6
    if n & U63:
        base = s0 + (chunk << U6)
        bits = U0
        for i in range(n & U63):
            p = permanences[base + i] + bump
            p = p if p < one else one
            permanences[base + i] = p
            bits |= np.uint64(p >= threshold) << i
        flags[chunk] = bits


@cached_kernel
def clear_journal(journal):
    for j in range(journal.n_saved[0]):
        journal.saved[journal.columns[j]] = 0
    journal.n_saved[:] = 0


@njit(inline="always")
def _save_chunk(saved, dst, permanences, src, size):
    # A plain loop: a slice assignment would copy through a temporary (Numba
    # cannot tell that the two arrays never overlap).
    for i in range(size):
        saved[dst + i] = permanences[src + i]


@internal_kernel
def journal_column(journal, c, pools, words):
    """Record that column ``c`` is about to change: save its words, and
    return where its permanences go in the journal (-1 when the column was
    saved earlier in this call, as it then must not be saved again)."""
    if journal.saved[c]:
        return np.int64(-1)
    journal.saved[c] = 1
    journal.columns[journal.n_saved[0]] = c
    packed = journal.n_saved[1]
    packed_words = np.uint64(journal.n_saved[2])
    location, step = word_location(words.indptr, c, np.uint64(words.n_words), words.blocked)
    n_words = words.indptr[c + U1] - words.indptr[c]
    for w in range(n_words):
        journal.connected[packed_words + w] = words.connected[location + w * step]
    journal.n_saved[0] += 1
    journal.n_saved[1] += np.int64(pools.indptr[c + U1] - pools.indptr[c])
    journal.n_saved[2] += np.int64(n_words)
    return packed


@cached_kernel
def undo_columns(journal, pools, words):
    """Put back every column the journal saved, and clear it."""
    packed = U0
    packed_words = U0
    for j in range(journal.n_saved[0]):
        c = np.uint64(journal.columns[j])
        s0, s1 = pools.indptr[c], pools.indptr[c + U1]
        for i in range(s1 - s0):
            pools.permanences[s0 + i] = journal.permanences[packed + i]
        location, step = word_location(words.indptr, c, np.uint64(words.n_words),
                                       words.blocked)
        n_words = words.indptr[c + U1] - words.indptr[c]
        for w in range(n_words):
            words.connected[location + w * step] = journal.connected[packed_words + w]
        packed += s1 - s0
        packed_words += n_words
    clear_journal(journal)


@cached_kernel
def learn_rows(rows, words, pools, inhibition, state, learning, hint, samples_seen,
               journal):
    """The reference's ``learn``: every step of every batch of ``rows``, in one call.

    Updates ``pools.permanences``, ``words.connected`` (kept exact: a
    column's words are rewritten whenever its permanences change), the
    arrays of ``state`` (:class:`~._bundles.Homeostasis`) and
    ``samples_seen[0]``, the number of rows learned from, in place: the
    call changes all of the fitted state or, if it never starts, none.
    ``hint`` guides the selection (see ``_selection.fresh_hint``). With a
    non-empty ``journal``, the old permanences and words of every column it
    changes are saved there first (the journal is cleared on entry).
    """
    n_samples_seen = samples_seen[0]
    journaling = journal.saved.size > 0
    if journaling:
        clear_journal(journal)
    n_rows = rows.indptr.size - 1
    n_columns = state.boost_factors.size
    mode = inhibition.mode
    batch_size = learning.batch_size
    slots = n_columns if mode == LOCAL else inhibition.k
    size = max(1, min(batch_size, n_rows))
    n_words = words.n_words
    # A column has at most 64 synapses per word: streams of one bit per synapse.
    stream_words = np.uint64(n_words) + U1
    row_bits = zeros_2d(size, n_words, np.uint64)
    tile_bits = zeros_2d(n_words if size > 1 else 0, TILE, np.uint64)
    # Room for whole tiles and blocks: tiles write TILE rows, the blocked row
    # overlap BLOCK columns at a time.
    overlap = empty_2d(-(-size // TILE) * TILE, -(-n_columns // BLOCK) * BLOCK, np.int32)
    winners = empty_2d(size, slots, np.int32)
    n_winners = zeros(size, np.int64)
    won = zeros_2d(size, n_columns, np.bool_)
    n_wins = zeros(n_columns, np.int64)
    activity = zeros_2d(size, stream_words, np.uint64)
    flags = zeros(stream_words, np.uint64)
    counts = zeros(64, np.float32)
    scratch = selection_scratch(n_columns, inhibition, hint)
    local = empty(n_columns, np.float64)
    permanences, potential_indptr = pools.permanences, pools.indptr
    threshold = learning.connected_threshold
    for start in range(0, n_rows, batch_size):
        m = min(batch_size, n_rows - start)
        # Overlaps and winners of every row against the state at the batch start.
        if m == 1:
            set_row_bits(rows, start, row_bits[0])
            row_overlaps(words, row_bits[0], overlap[0])
        else:
            for t in range(0, m, TILE):
                mt = min(TILE, m - t)
                tile_overlaps(rows, start + t, mt, words, tile_bits, overlap, t)
                for r in range(mt):
                    set_row_bits(rows, start + t + r, row_bits[t + r])
        for r in range(m):
            boost(overlap[r, :n_columns], state.boost_factors, scratch.boosted)
            n_winners[r] = select(inhibition, scratch, winners[r])
            for j in range(n_winners[r]):
                won[r, winners[r, j]] = True
                n_wins[winners[r, j]] += 1
        # Permanences of the columns that won at least once.
        for c in range(np.uint64(n_columns)):
            if n_wins[c] == 0:
                continue
            n = np.int64(0)
            for r in range(m):
                if won[r, c]:
                    gather_activity(words, c, row_bits[r], activity[n])
                    n += 1
            packed = journal_column(journal, c, pools, words) if journaling else _NOT_SAVED
            s0 = potential_indptr[c]
            n_synapses = potential_indptr[c + U1] - s0
            _adapt(
                s0, n_synapses, activity, n, permanences, threshold,
                learning.increment, learning.decrement, counts, flags,
                journal.permanences, packed,
            )
            scatter_connected(words, c, flags)
        # Duty cycles, row by row.
        n_before = n_samples_seen
        for r in range(m):
            n_samples_seen += 1
            update_duty_cycles(
                overlap[r, :n_columns], won[r], n_samples_seen,
                learning.duty_cycle_period, state,
            )
        for r in range(m):
            clear_row_bits(rows, start + r, row_bits[r])
            for j in range(n_winners[r]):
                won[r, winners[r, j]] = False
                n_wins[winners[r, j]] = 0
        # Weak columns, boost factors, and on update rounds the minimum duty cycles.
        for c in range(np.uint64(n_columns)):
            if state.overlap_duty[c] < state.min_overlap_duty[c]:
                packed = journal_column(journal, c, pools, words) if journaling else _NOT_SAVED
                s0 = potential_indptr[c]
                _bump(s0, potential_indptr[c + U1] - s0, permanences, threshold,
                      learning.bump, flags, journal.permanences, packed)
                scatter_connected(words, c, flags)
        update_boost_factors(inhibition, learning, state, local)
        if _crosses_update_round(n_before, n_samples_seen, learning.update_period):
            update_min_duty_cycles(inhibition, learning, state, local)
    samples_seen[0] = n_samples_seen
