"""Connected synapses as bit words: built once per state, rewritten by learning.

A column's connected synapses are held as bit sets over *words*, runs of 64
inputs. For each word that a column's potential pool touches, the
:class:`~._bundles.Words` bundle keeps the word's number (``index``), which
of its 64 inputs are in the pool (``mask``) and which of those are connected
(``connected``). A column's overlap with a row is then a sum of
``popcount(connected & row_bits)`` over its words, and memory grows with the
potential pools, not with ``n_columns * n_inputs``.

A column's synapses are sorted by input, so the ``i``-th pool member of a
word is its ``i``-th synapse there: ``pext(row_bits, word_mask)`` lists the
activity of those synapses in synapse order and ``pdep(flags, word_mask)``
puts per-synapse connected flags back in input order. Learning therefore
streams through a column's permanences in chunks of 64 without reading the
input indices, and rewrites the column's words from the flags.

Index arrays arrive as unsigned integers (the driver passes views): Numba
then emits no negative-index wrap-around code, which would keep LLVM from
vectorising the inner loops.
"""

import numpy as np
from numba import njit

from ...._core.numba_cache import internal_kernel
from ._arrays import empty, zeros
from ._bundles import U0, U1, U6, U63, U64, UBLOCK
from ._cache import cached_kernel
from ._intrinsics import pdep, pext, popcount


@cached_kernel
def column_words(potential_indptr, potential_indices):
    """The words each column's pool touches (see the module docstring).

    Returns ``word_indptr`` (uint64, n_columns + 1), ``word_index``
    (uint32) and ``word_mask`` (uint64).
    """
    n_columns = potential_indptr.size - 1
    word_indptr = zeros(n_columns + 1, np.uint64)
    for c in range(n_columns):
        s0 = potential_indptr[c]
        s1 = potential_indptr[c + 1]
        count = np.uint64(s1 > s0)
        for s in range(s0 + U1, s1):
            count += np.uint64((potential_indices[s] >> 6) != (potential_indices[s - U1] >> 6))
        word_indptr[c + 1] = word_indptr[c] + count
    n_words = word_indptr[n_columns]
    word_index = empty(n_words, np.uint32)
    word_mask = empty(n_words, np.uint64)
    for c in range(n_columns):
        s0 = potential_indptr[c]
        s1 = potential_indptr[c + 1]
        if s0 == s1:
            continue
        # Branch-free, and the mask kept in a register: w (and a fresh mask)
        # move on where the input's word changes.
        w = word_indptr[c]
        last = np.uint64(potential_indices[s0]) >> U6
        mask = U0
        for s in range(s0, s1):
            i = np.uint64(potential_indices[s])
            changed = np.uint64((i >> U6) != last)
            w += changed
            mask = (mask & (changed - U1)) | (U1 << (i & U63))
            last = i >> U6
            word_index[w] = last
            word_mask[w] = mask
    return word_indptr, word_index, word_mask



@njit(inline="always")
def word_location(word_indptr, c, n_words, blocked):
    """Where column ``c``'s first word is stored in ``connected``, and the
    step to its next word (see ``BLOCK``)."""
    if blocked:
        return (c // UBLOCK) * (n_words * UBLOCK) + c % UBLOCK, UBLOCK
    return word_indptr[c], U1


@internal_kernel
def gather_activity(words, c, bits, stream):
    """Bit ``i`` of ``stream`` := whether column ``c``'s ``i``-th synapse has
    an active input in the row ``bits``."""
    word_indptr, word_index, word_mask = words.indptr, words.index, words.mask
    position = U0
    for w in range(word_indptr[c], word_indptr[c + U1]):
        mask = word_mask[w]
        value = pext(bits[word_index[w]], mask)
        q = position >> U6
        r = position & U63
        if r == U0:
            stream[q] = value
        else:
            stream[q] |= value << r
            stream[q + U1] = value >> (U64 - r)
        position += popcount(mask)


@internal_kernel
def scatter_connected(words, c, flags):
    """Store column ``c``'s words from ``flags`` (bit ``i``: synapse ``i``
    is connected)."""
    word_indptr, word_mask, connected = words.indptr, words.mask, words.connected
    location, step = word_location(word_indptr, c, np.uint64(words.n_words), words.blocked)
    position = U0
    for w in range(word_indptr[c], word_indptr[c + U1]):
        mask = word_mask[w]
        q = position >> U6
        r = position & U63
        value = flags[q] >> r
        if r != U0:
            value |= flags[q + U1] << (U64 - r)
        connected[location] = pdep(value, mask)
        location += step
        position += popcount(mask)


@cached_kernel
def connected_words(pools, threshold, words):
    """Store the connected-synapse bits of every column in ``words.connected``."""
    permanences, potential_indptr = pools.permanences, pools.indptr
    flags = zeros(np.uint64(words.n_words) + U1, np.uint64)
    for c in range(np.uint64(potential_indptr.size - 1)):
        s0 = potential_indptr[c]
        n = potential_indptr[c + U1] - s0
        for chunk in range((n + U63) >> U6):
            base = s0 + (chunk << U6)
            bits = U0
            for i in range(min(U64, n - (chunk << U6))):
                bits |= np.uint64(permanences[base + i] >= threshold) << i
            flags[chunk] = bits
        scatter_connected(words, c, flags)
