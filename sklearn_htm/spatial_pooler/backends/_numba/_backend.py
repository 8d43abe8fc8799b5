"""The Numba CPU backend's driver: the reference's results, bit for bit, at compiled speed.

The kernels (this package's other modules) compile on their first call, with
the exact dtypes this driver passes (one specialisation each), and load from
Numba's on-disk cache afterwards (:mod:`._cache`). This driver builds their
bundles (:mod:`._bundles`):

* the connected-synapse words of a state (:class:`NumbaLayout`), built once
  on the first call and kept in ``state.scratch["numba"]``, where the
  learning kernel keeps them exact;
* the inhibition bundle of a configuration (neighbourhood layouts from the
  structure, and the selection's tuning), built once per configuration.

``transform`` splits many rows over ``numba.get_num_threads()`` threads (the
kernel releases the GIL; a parallel Numba kernel would cost seconds of
compilation in every process, where this one loads from the cache); a few
rows run in the calling thread. Results do not depend on the number of
threads. Learning is sequential, as the online rule is.
"""

import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np

from .._base import SpatialPoolerBackend
from ._bundles import (
    BLOCK,
    GLOBAL,
    LOCAL,
    LOCAL_WHOLE_LAYER,
    TILE,
    GlobalInhibition,
    Homeostasis,
    Inhibition,
    Journal,
    Learning,
    Pools,
    Rows,
    Words,
)
from ._learning import clear_journal, learn_rows, undo_columns
from ._selection import fresh_hint
from ._transform import transform_rows
from ._words import column_words, connected_words
from ...._core.pools import indptr_from_lengths

# Upper bound on the winner slots (rows x slots per row) one transform call
# of the kernel fills; bounds the temporary memory of local inhibition.
_WINNER_SLOTS = 1 << 22
# Fewest rows worth a thread of their own in transform.
_ROWS_PER_THREAD = 64


def _array(values, dtype):
    """``values`` as a C-contiguous, writeable array of ``dtype`` (copied only if needed).

    Kernels are compiled for writeable arrays; passing a read-only one (a
    memory map, say) would compile a second specialisation.
    """
    array = np.ascontiguousarray(values, dtype=dtype)
    if not array.flags.writeable:
        array = array.copy()
    return array


_SIGNED = {np.uint64: np.dtype(np.int64), np.uint32: np.dtype(np.int32)}


def _indices(values, dtype):
    """Non-negative indices as the unsigned ``dtype`` the kernels take (a view
    of a signed array of the same width)."""
    signed = _SIGNED[dtype]
    if values.dtype == signed and values.flags.c_contiguous and values.flags.writeable:
        return values.view(dtype)
    return _array(values, signed).view(dtype)


def _rows(rows):
    """The :class:`Rows` bundle of canonical binary rows."""
    return Rows(_indices(rows.indptr, np.uint64), _indices(rows.indices, np.uint32))


@dataclass
class NumbaLayout:
    """The numba backend's scratch of a state: the potential pools'
    row pointers, the connected-synapse words at ``threshold``
    (``words.connected`` is the only part that learning changes), the
    selection hint carried from one call to the next (work, never results,
    depend on it)."""

    pools_indptr: np.ndarray
    words: Words
    hint: np.ndarray
    threshold: np.float32

    def copy(self):
        return NumbaLayout(
            self.pools_indptr, self.words._replace(connected=self.words.connected.copy()),
            self.hint.copy(), self.threshold,
        )


# Journaling off: zero-length arrays of the journal's dtypes.
_NO_JOURNAL = Journal(
    np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64), np.zeros(3, dtype=np.int64),
    np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.uint64),
)


# The journals of this thread, by shape: a journal serves one learning call
# at a time (its undo, if any, runs before the call returns), so the poolers
# of a thread share one instead of each state holding one (a fresh pooler's
# permanences again, in a detector per stream).
_JOURNALS = threading.local()


def _journal(n_columns, n_synapses, n_words):
    """This thread's :class:`Journal` for a pooler of this shape (room for
    every synapse, of which a call touches the columns it changes)."""
    journals = getattr(_JOURNALS, "by_shape", None)
    if journals is None:
        journals = _JOURNALS.by_shape = {}
    key = (n_columns, n_synapses, n_words)
    journal = journals.get(key)
    if journal is None:
        journal = journals[key] = Journal(
            np.zeros(n_columns, dtype=np.uint8), np.zeros(n_columns, dtype=np.int64),
            np.zeros(3, dtype=np.int64), np.empty(n_synapses, dtype=np.float32),
            np.empty(n_words, dtype=np.uint64),
        )
    return journal


class NumbaUndo:
    """Puts a state back as it was when this was made, after a journaled
    :meth:`NumbaBackend.learn` (see :meth:`SpatialPoolerBackend.begin_journal`)."""

    def __init__(self, state, layout):
        self.state, self.layout = state, layout
        self.journal = _journal(state.boost_factors.size, state.permanences.size,
                                layout.words.connected.size)
        # Cleared here, so that a call interrupted before its kernel ran
        # undoes nothing of an earlier call.
        clear_journal(self.journal)
        self.arrays = {name: getattr(state, name).copy() for name in _PER_COLUMN}
        self.samples_seen = state.n_samples_seen
        self.hint = layout.hint.copy()

    def undo(self):
        state, layout = self.state, self.layout
        undo_columns(self.journal, Pools(layout.pools_indptr, state.permanences),
                     layout.words)
        for name, values in self.arrays.items():
            getattr(state, name)[...] = values
        state.n_samples_seen = self.samples_seen
        layout.hint[...] = self.hint


_PER_COLUMN = ("active_duty_cycles", "overlap_duty_cycles", "min_overlap_duty_cycles",
               "boost_factors")


def build_layout(config, state):
    """The :class:`NumbaLayout` of ``state`` (its words from its permanences)."""
    pools_indptr = _indices(state.potential_indptr, np.uint64)
    word_indptr, word_index, word_mask = column_words(
        pools_indptr, _indices(state.potential_indices, np.uint32)
    )
    n_words = (config.n_inputs + 63) // 64
    # Interleaved storage when every column touches every word (global pools).
    blocked = bool(np.all(np.diff(word_indptr) == n_words))
    if blocked:
        size = -(-config.n_columns // BLOCK) * BLOCK * n_words
        connected = np.zeros(size, dtype=np.uint64)
    else:
        connected = np.empty(word_index.size, dtype=np.uint64)
    words = Words(word_indptr, word_index, word_mask, connected, int(n_words), blocked)
    connected_words(
        Pools(pools_indptr, _array(state.permanences, np.float32)),
        np.float32(config.connected_threshold), words,
    )
    return NumbaLayout(pools_indptr, words, fresh_hint(), np.float32(config.connected_threshold))


_EMPTY_INDPTR = np.zeros(1, dtype=np.uint64)
_EMPTY_INDICES = np.zeros(0, dtype=np.uint32)


def build_inhibition(config):
    """The :class:`Inhibition` bundle of ``config`` (see :mod:`._selection`)."""
    n_columns = config.n_columns
    stimulus = np.float32(config.stimulus_threshold)
    hoods = config.neighbourhoods
    if hoods is None:
        return GlobalInhibition(
            GLOBAL, int(config.n_active_columns), stimulus, 0, _EMPTY_INDPTR,
            _EMPTY_INDICES, _EMPTY_INDPTR, _EMPTY_INDICES, np.zeros(0, dtype=np.int32),
            np.zeros((0, n_columns), dtype=np.uint32),
        )
    indptr = _indices(hoods.indptr, np.uint64)
    indices = _indices(hoods.indices, np.uint32)
    n_local = _array(hoods.n_winners, np.int32)
    table = _array(hoods.table, np.uint32)
    if hoods.whole_layer:
        # Every other column is a neighbour: the lists are their own reverse.
        return Inhibition(
            LOCAL_WHOLE_LAYER, int(n_local[0]), stimulus, 0, indptr, indices, indptr,
            indices, n_local, table,
        )
    sizes = np.diff(hoods.indptr)
    # Enough of the layer's strongest columns that most neighbourhoods hold
    # a few more of them than they admit winners (see _select_local).
    share = (n_local.mean() + 3.0) / (sizes.mean() + 1.0)
    n_strong = int(min(n_columns, max(n_local.max(), np.ceil(share * n_columns))))
    return Inhibition(
        LOCAL, int(config.n_active_columns), stimulus, n_strong, indptr, indices,
        _indices(hoods.reverse_indptr, np.uint64),
        _indices(hoods.reverse_indices, np.uint32), n_local, table,
    )


def build_learning(config, batch_size):
    """The :class:`Learning` bundle of ``config``."""
    return Learning(
        int(batch_size), np.float32(config.connected_threshold),
        np.float32(config.permanence_increment), np.float32(config.permanence_decrement),
        np.float32(config.weak_column_bump), float(config.sparsity),
        float(config.boost_strength), int(config.duty_cycle_period),
        float(config.min_pct_overlap_duty_cycle), int(config.update_period),
    )


def _writeable_state(state):
    """Make the arrays learning writes to C-contiguous and writeable, in ``state``."""
    for attribute, dtype in (
        ("permanences", np.float32),
        ("active_duty_cycles", np.float64),
        ("overlap_duty_cycles", np.float64),
        ("min_overlap_duty_cycles", np.float64),
        ("boost_factors", np.float32),
    ):
        value = getattr(state, attribute)
        if not (value.dtype == dtype and value.flags.c_contiguous and value.flags.writeable):
            setattr(state, attribute, _array(value, dtype))


class NumbaBackend(SpatialPoolerBackend):
    """The Numba CPU backend (see the module docstring)."""

    name = "numba"
    chunk_rows = 2048
    atomic_learn = True

    def __init__(self):
        # Configuration -> its bundles; configurations are immutable and the
        # estimator keeps one while its parameters do not change.
        self._bundles = weakref.WeakKeyDictionary()

    def _bundles_of(self, config):
        bundles = self._bundles.get(config)
        if bundles is None:
            bundles = self._bundles[config] = {"inhibition": build_inhibition(config)}
        return bundles

    def _inhibition(self, config):
        return self._bundles_of(config)["inhibition"]

    def _learning(self, config, batch_size):
        bundles = self._bundles_of(config)
        learning = bundles.get("learning")
        if learning is None or learning.batch_size != batch_size:
            learning = bundles["learning"] = build_learning(config, batch_size)
        return learning

    def layout(self, config, state):
        """``state``'s :class:`NumbaLayout`, built on first use and again when
        the connected threshold changed."""
        layout = state.scratch.get(self.name)
        if layout is None or layout.threshold != np.float32(config.connected_threshold):
            layout = state.scratch[self.name] = build_layout(config, state)
        return layout

    def is_ready(self, learning):
        # ``overloads`` (compiled so far) is a dict: cheap to test, where
        # ``signatures`` hashes every argument type (a fifth of a one-row call).
        return bool(_DISPATCHERS[learning].overloads)

    def begin_journal(self, config, state):
        return NumbaUndo(state, self.layout(config, state))

    def infer(self, config, state, rows):
        layout = self.layout(config, state)
        words = layout.words
        inhibition = self._inhibition(config)
        x = _rows(rows)
        n_rows = x.indptr.size - 1
        slots = config.n_columns if inhibition.mode == LOCAL else inhibition.k
        boost = state.boost_factors
        if not (boost.dtype == np.float32 and boost.flags.c_contiguous and boost.flags.writeable):
            boost = _array(boost, np.float32)
        counts = np.zeros(n_rows, dtype=np.int64)
        block = max(TILE, _WINNER_SLOTS // max(slots, 1))
        n_threads = 1
        if n_rows >= 2 * _ROWS_PER_THREAD:
            n_threads = min(numba.get_num_threads(), n_rows // _ROWS_PER_THREAD)

        if n_threads == 1 and n_rows <= block:
            winners = np.empty((n_rows, slots), dtype=np.int32)
            transform_rows(x, 0, n_rows, words, boost, inhibition, layout.hint, winners,
                           counts)
            return _winner_csr(counts, [winners], slots)

        def run(start, stop, winners):
            # Threads share no hint: each starts afresh.
            transform_rows(
                x, start, stop - start, words, boost, inhibition, fresh_hint(), winners,
                counts[start:stop],
            )

        pieces = []
        with ThreadPoolExecutor(n_threads) as pool:
            for start in range(0, n_rows, block):
                m = min(block, n_rows - start)
                winners = np.empty((m, slots), dtype=np.int32)
                # Contiguous parts of whole tiles, one per thread.
                step = -(-m // (n_threads * TILE)) * TILE
                parts = [
                    pool.submit(run, start + a, start + min(a + step, m),
                                winners[a:a + step])
                    for a in range(0, m, step)
                ]
                for part in parts:
                    part.result()
                pieces.append(winners)
        return _winner_csr(counts, pieces, slots)

    def learn(self, config, state, rows, batch_size, journal=None):
        _writeable_state(state)
        layout = self.layout(config, state)
        learn_rows(
            _rows(rows), layout.words,
            Pools(layout.pools_indptr, state.permanences),
            self._inhibition(config),
            Homeostasis(
                state.active_duty_cycles, state.overlap_duty_cycles,
                state.min_overlap_duty_cycles, state.boost_factors,
            ),
            self._learning(config, batch_size),
            layout.hint,
            state.samples_seen,
            _NO_JOURNAL if journal is None else journal.journal,
        )


# The kernels' dispatchers (compiled signatures so far), by ``learning``.
_DISPATCHERS = {True: learn_rows, False: transform_rows}


def _winner_csr(counts, pieces, slots):
    """CSR parts from per-row winner lists (row ``r``'s first ``counts[r]`` slots)."""
    if counts.size == 1:
        count = int(counts[0])
        return np.array([0, count], dtype=np.int64), pieces[0][0, :count]
    indptr = indptr_from_lengths(counts)
    winners = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    return indptr, winners[np.arange(slots) < counts[:, None]]
