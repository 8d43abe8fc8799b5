"""Overlaps of input rows with every column, from the connected-synapse words.

o[s, c] is the number of active inputs of row s on connected synapses of
column c: a popcount dot product of the row's input bits with the column's
words (see :mod:`._words`), one row at a time or a tile of rows at once.
"""

import numpy as np

from ...._core.numba_cache import internal_kernel
from ._bundles import TILE, U0, U1, U6, U63, UBLOCK
from ._intrinsics import popcount, popcount_dot_block, popcount_dot_tile
from ._words import word_location


@internal_kernel
def set_row_bits(rows, row, bits):
    """Set the bits of row ``row``'s active inputs in ``bits`` (one bit per input)."""
    for p in range(rows.indptr[row], rows.indptr[row + 1]):
        i = np.uint64(rows.indices[p])
        bits[i >> U6] |= U1 << (i & U63)


@internal_kernel
def clear_row_bits(rows, row, bits):
    """Zero the words of ``bits`` that row ``row`` set."""
    for p in range(rows.indptr[row], rows.indptr[row + 1]):
        bits[np.uint64(rows.indices[p]) >> U6] = U0


@internal_kernel
def row_overlaps(words, bits, overlap):
    """overlap[c] for the one row whose input bits are ``bits``.

    ``overlap`` has room for a whole number of blocks when ``blocked``.
    """
    word_indptr, word_index, connected = words.indptr, words.index, words.connected
    n_words = np.uint64(bits.size)
    if words.blocked:
        for block in range(np.uint64(overlap.size) // UBLOCK):
            # Every column is dense: word_index[j] == j for column 0.
            popcount_dot_block(
                bits, 0, 1, word_index, 0, n_words, connected,
                block * n_words * UBLOCK, UBLOCK, overlap, block * UBLOCK, 1,
            )
        return
    for c in range(np.uint64(word_indptr.size - 1)):
        total = U0
        for w in range(word_indptr[c], word_indptr[c + U1]):
            total += popcount(connected[w] & bits[word_index[w]])
        overlap[c] = np.int32(total)


@internal_kernel
def tile_overlaps(rows, row_start, n_rows, words, bits, overlap, first):
    """``overlap[first + r, c]`` for rows ``row_start + r``, ``r < n_rows <= TILE``.

    Writes all ``TILE`` rows ``first:first + TILE`` of ``overlap``.
    """
    word_indptr, word_index, connected = words.indptr, words.index, words.connected
    bits[:] = 0
    for r in range(n_rows):
        row = row_start + r
        for p in range(rows.indptr[row], rows.indptr[row + 1]):
            i = np.uint64(rows.indices[p])
            bits[i >> U6, r] |= U1 << (i & U63)
    n_words = np.uint64(bits.shape[0])
    width = np.uint64(overlap.shape[1])
    base = np.uint64(first) * width
    for c in range(np.uint64(word_indptr.size - 1)):
        location, step = word_location(word_indptr, c, n_words, words.blocked)
        w0 = word_indptr[c]
        popcount_dot_tile(
            connected, location, step, word_index, w0, word_indptr[c + U1] - w0, bits,
            0, TILE, overlap, base + c, width,
        )


@internal_kernel
def boost(overlap, boost_factors, boosted):
    """o' = float32(o) * b, column by column."""
    for c in range(np.uint64(boosted.size)):
        boosted[c] = np.float32(overlap[c]) * boost_factors[c]

