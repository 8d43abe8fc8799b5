"""The Numba CPU backend: the reference's results, bit for bit, at compiled speed.

Implements the interface of :mod:`sklearn_htm.backends._numpy` (see there).
The kernels live in :mod:`sklearn_htm.backends._numba_kernels`; this module
converts the configuration and state into the exact dtypes they are compiled
for (so each kernel compiles once per process, or loads from Numba's cache),
builds the connected-synapse bit sets a call needs, and throws them away at
the end of the call: the state keeps only the reference's arrays.

``transform`` splits the rows over ``numba.get_num_threads()`` threads (the
kernel releases the GIL; a parallel Numba kernel would cost seconds of
compilation in every process, where this one loads from the cache); the
results do not depend on the number of threads. Learning is sequential, as
the online rule is.
"""

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import scipy.sparse as sp

from . import _numba_kernels as kernels
from ._array_ops import counts_to_indptr

name = "numba"

# Upper bound on the winner slots (rows x slots per row) one transform call
# of the kernel fills; bounds the temporary memory of local inhibition.
_WINNER_SLOTS = 1 << 22

# Fewest rows worth a thread of their own in transform.
_ROWS_PER_THREAD = 64

_EMPTY_INDPTR = np.zeros(1, dtype=np.uint64)
_EMPTY_INDICES = np.zeros(0, dtype=np.uint32)
_NO_HOODS = (_EMPTY_INDPTR, _EMPTY_INDICES, _EMPTY_INDPTR, _EMPTY_INDICES,
             np.zeros(0, dtype=np.int32))


def _array(values, dtype):
    """``values`` as a C-contiguous, writeable array of ``dtype`` (copied only if needed).

    Kernels are compiled for writeable arrays; passing a read-only one (a
    memory map, say) would compile a second specialisation.
    """
    array = np.ascontiguousarray(values, dtype=dtype)
    if not array.flags.writeable:
        array = array.copy()
    return array


def _indices(values, dtype):
    """Non-negative indices as the unsigned ``dtype`` the kernels take (a view
    of a signed array of the same width)."""
    signed = np.dtype(dtype).name.replace("uint", "int")
    return _array(values, signed).view(dtype)


def _rows(X):
    """CSR parts of the canonical binary input."""
    return _indices(X.indptr, np.uint64), _indices(X.indices, np.uint32)


def _inhibition(config):
    """Selection mode, k, the neighbourhoods and ``n_strong`` for the kernels.

    The neighbourhoods travel as one tuple: ``indptr``, ``indices``, their
    reverse lists (the columns whose neighbourhood holds a column) and each
    column's number of local winners.
    """
    if config.global_inhibition:
        return kernels.GLOBAL, int(config.n_active_columns), _NO_HOODS, 0
    n_columns = config.n_columns
    indptr = _indices(config.neighbourhood_indptr, np.uint64)
    indices = _indices(config.neighbourhood_indices, np.uint32)
    n_local = _array(config.local_n_winners, np.int32)
    sizes = np.diff(indptr.view(np.int64))
    if np.all(sizes == n_columns - 1) and np.all(n_local == n_local[0]):
        # Every other column is a neighbour: the lists are their own reverse.
        hoods = (indptr, indices, indptr, indices, n_local)
        return kernels.LOCAL_WHOLE_LAYER, int(n_local[0]), hoods, 0
    reverse = sp.csr_matrix(
        (np.ones(indices.size, dtype=bool), indices.view(np.int32), indptr.view(np.int64)),
        shape=(n_columns, n_columns),
    ).T.tocsr()
    reverse.sort_indices()
    hoods = (indptr, indices, _indices(reverse.indptr, np.uint64),
             _indices(reverse.indices, np.uint32), n_local)
    # Enough of the layer's strongest columns that most neighbourhoods hold
    # a few more of them than they admit winners (see _select_local).
    share = (n_local.mean() + 3.0) / (sizes.mean() + 1.0)
    n_strong = int(min(n_columns, max(n_local.max(), np.ceil(share * n_columns))))
    return kernels.LOCAL, int(config.n_active_columns), hoods, n_strong


def _bit_sets(config, state):
    """The per-call connected-synapse bit sets (see the kernels' docstring).

    Returns the potential pools' ``indptr`` and the kernels' ``word_indptr``,
    ``word_index``, ``word_mask``, ``connected`` and ``blocked``.
    """
    potential_indptr = _indices(state.potential_indptr, np.uint64)
    word_indptr, word_index, word_mask = kernels.column_words(
        potential_indptr, _indices(state.potential_indices, np.uint32)
    )
    n_words = (config.n_inputs + 63) // 64
    # Interleaved storage when every column touches every word (global pools).
    blocked = bool(np.all(np.diff(word_indptr) == n_words))
    if blocked:
        size = -(-config.n_columns // kernels.BLOCK) * kernels.BLOCK * n_words
        connected = np.zeros(size, dtype=np.uint64)
    else:
        connected = np.empty(word_index.size, dtype=np.uint64)
    kernels.connected_words(
        potential_indptr, _array(state.permanences, np.float32),
        np.float32(config.connected_threshold), word_indptr, word_mask, n_words,
        blocked, connected,
    )
    return potential_indptr, word_indptr, word_index, word_mask, connected, blocked


def transform(config, state, X):
    x_indptr, x_indices = _rows(X)
    n_rows = x_indptr.size - 1
    _, word_indptr, word_index, _, connected, blocked = _bit_sets(config, state)
    mode, k, hoods, n_strong = _inhibition(config)
    slots = config.n_columns if mode == kernels.LOCAL else k
    block = max(kernels.TILE, _WINNER_SLOTS // max(slots, 1))
    n_words = (config.n_inputs + 63) // 64
    boost = _array(state.boost_factors, np.float32)
    stimulus = np.float32(config.stimulus_threshold)
    counts = np.zeros(n_rows, dtype=np.int64)
    n_threads = max(1, min(numba.get_num_threads(), n_rows // _ROWS_PER_THREAD))
    pieces = []

    def run(start, stop, winners):
        kernels.transform_rows(
            x_indptr, x_indices, start, stop - start, n_words, word_indptr,
            word_index, connected, blocked, boost, mode, k, stimulus, hoods, n_strong,
            winners, counts[start:stop],
        )

    with ThreadPoolExecutor(n_threads) as pool:
        for start in range(0, n_rows, block):
            m = min(block, n_rows - start)
            winners = np.empty((m, slots), dtype=np.int32)
            # Contiguous parts of whole tiles, one per thread.
            step = -(-m // (n_threads * kernels.TILE)) * kernels.TILE
            parts = [
                pool.submit(run, start + a, start + min(a + step, m), winners[a:a + step])
                for a in range(0, m, step)
            ]
            for part in parts:
                part.result()
            pieces.append(winners[np.arange(slots) < counts[start:start + m, None]])
    indices = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
    return counts_to_indptr(np, counts), indices


def _transposed_neighbourhoods(config):
    """Row ``j``: the ``j``-th neighbour of every column, or ``n_columns``
    where a column has fewer (see ``_numba_kernels._local_sums``)."""
    if config.global_inhibition:
        return np.zeros((0, config.n_columns), dtype=np.uint32)
    indptr = np.asarray(config.neighbourhood_indptr, dtype=np.int64)
    sizes = np.diff(indptr)
    j = np.arange(int(sizes.max(initial=0)))[:, None]
    has_j = j < sizes
    positions = np.where(has_j, indptr[:-1] + j, 0)
    indices = np.asarray(config.neighbourhood_indices)
    columns = np.where(has_j, indices[positions] if indices.size else 0, config.n_columns)
    return np.ascontiguousarray(columns, dtype=np.uint32)


def _writeable_state(state):
    """Make the arrays learning writes to C-contiguous and writeable, in ``state``."""
    for attribute, dtype in (
        ("permanences", np.float32),
        ("active_duty_cycles", np.float64),
        ("overlap_duty_cycles", np.float64),
        ("min_overlap_duty_cycles", np.float64),
        ("boost_factors", np.float32),
    ):
        setattr(state, attribute, _array(getattr(state, attribute), dtype))


def learn(config, state, X, batch_size):
    x_indptr, x_indices = _rows(X)
    _writeable_state(state)
    potential_indptr, word_indptr, word_index, word_mask, connected, blocked = (
        _bit_sets(config, state)
    )
    mode, k, hoods, n_strong = _inhibition(config)
    hood_columns = _transposed_neighbourhoods(config)
    state.n_samples_seen = int(
        kernels.learn_rows(
            x_indptr, x_indices, (config.n_inputs + 63) // 64, int(batch_size),
            potential_indptr, state.permanences, word_indptr, word_index, word_mask,
            connected, blocked, state.active_duty_cycles,
            state.overlap_duty_cycles, state.min_overlap_duty_cycles,
            state.boost_factors, int(state.n_samples_seen), mode, k,
            np.float32(config.stimulus_threshold),
            np.float32(config.connected_threshold),
            np.float32(config.permanence_increment),
            np.float32(config.permanence_decrement),
            np.float32(config.weak_column_bump), float(config.sparsity),
            float(config.boost_strength), int(config.duty_cycle_period),
            float(config.min_pct_overlap_duty_cycle), int(config.update_period),
            hoods, n_strong, hood_columns,
        )
    )
