"""The Temporal Memory's fitted state: connections, stream context, counters.

Connections live in a *pool layout* that the compiled kernels update in
place and that pickles as plain numpy arrays:

- a **segment** (a distal dendrite of one cell) is a slot of the segment
  arrays: its cell (``-1`` for a free slot), a creation serial number and
  the learning step at which it was last reinforced;
- a **synapse** is a slot of the synapse arrays: its presynaptic cell and
  its segment (``-1`` when free);
- three kinds of **lists** tie them together: the segments of each cell,
  the synapses of each segment, and the synapses *from* each presynaptic
  cell (what makes one step cost the activity of the active cells, not
  the size of the layer). A list is a chain of fixed-size blocks of item
  indices (:data:`BLOCK` items each); the chain's head block holds the
  newest items and is the only one that may be partly filled. Each item
  stores its position in its list, so that it can be removed in O(1) by
  moving the list's last item into its place. Beside each item a block
  holds a *value* and a *permanence*, so that the two hot loops read
  blocks in order instead of chasing slots: in a segment's list, the
  synapse's presynaptic cell and its permanence (float32; stored only
  there); in a presynaptic cell's list, the tag ``segment * 2 +
  connected`` (connected: permanence >= ``tag_threshold``).

Free slots of each kind wait on a stack. Nothing about a slot's number, or
an item's position in a list, affects the results: every choice the
algorithm makes breaks ties by cell, creation serial or presynaptic cell
(see :mod:`.backends._numpy`). :func:`canonical` reads the layout as sorted
arrays (segments by cell then serial, synapses by presynaptic cell), the
form in which states are compared, published and pickled; :func:`pack`
builds a compact layout from that form.
"""

from typing import NamedTuple

import numpy as np

from .._core.pools import free_stack, grown, grown_capacity, grown_free_stack, indptr_from_lengths
from .._core.state import LayerState
from ._config import PERMANENCE_DTYPE

#: Items per block of a list.
BLOCK = 16

# Indices into ``Connections.counters``.
N_FREE_SEGMENTS = 0
N_FREE_SYNAPSES = 1
N_FREE_BLOCKS = 2
NEXT_SERIAL = 3
ITERATION = 4
N_COUNTERS = 5


class Connections(NamedTuple):
    """Segments and synapses in the pool layout (see the module docstring).

    Attributes
    ----------
    cell_segment_head, cell_segment_length : ndarray of int32, shape (n_cells,)
        The list of each cell's segments.
    cell_synapse_head, cell_synapse_length : ndarray of int32, shape (n_cells,)
        The list of the synapses whose presynaptic cell is each cell.
    segment_cell : ndarray of int32, shape (segment_capacity,)
        Owner cell; -1 for a free slot.
    segment_serial : ndarray of int64
        Creation serial number (order of creation; never reused).
    segment_last_used : ndarray of int64
        Learning step at which the segment was created or last reinforced.
    segment_synapse_head, segment_synapse_length : ndarray of int32
        The list of each segment's synapses.
    segment_position : ndarray of int32
        Position of the segment in its cell's list.
    segment_free : ndarray of int32
        Stack of free segment slots (its top ``counters[N_FREE_SEGMENTS]``).
    synapse_presynaptic, synapse_segment : ndarray of int32, shape (synapse_capacity,)
        Presynaptic cell and segment; segment -1 for a free slot.
    synapse_segment_position, synapse_presynaptic_position : ndarray of int32
        Positions of the synapse in its segment's and its presynaptic cell's lists.
    synapse_free : ndarray of int32
        Stack of free synapse slots.
    block_items : ndarray of int32, shape (block_capacity, BLOCK)
    block_values : ndarray of int32, shape (block_capacity, BLOCK)
        Presynaptic cell (segment lists) or tag (presynaptic lists).
    block_permanences : ndarray of float32, shape (block_capacity, BLOCK)
        Permanence (segment lists).
    block_next : ndarray of int32, shape (block_capacity,)
        Next (older) block of the same list, -1 at the end.
    block_free : ndarray of int32
        Stack of free blocks.
    counters : ndarray of int64, shape (N_COUNTERS,)
        Free-stack sizes, the next segment serial, and the learning step.
    tag_threshold : ndarray of float32, shape (1,)
        The connected threshold of the tags (NaN: tags not yet written).
    """

    cell_segment_head: np.ndarray
    cell_segment_length: np.ndarray
    cell_synapse_head: np.ndarray
    cell_synapse_length: np.ndarray
    segment_cell: np.ndarray
    segment_serial: np.ndarray
    segment_last_used: np.ndarray
    segment_synapse_head: np.ndarray
    segment_synapse_length: np.ndarray
    segment_position: np.ndarray
    segment_free: np.ndarray
    synapse_presynaptic: np.ndarray
    synapse_segment: np.ndarray
    synapse_segment_position: np.ndarray
    synapse_presynaptic_position: np.ndarray
    synapse_free: np.ndarray
    block_items: np.ndarray
    block_values: np.ndarray
    block_permanences: np.ndarray
    block_next: np.ndarray
    block_free: np.ndarray
    counters: np.ndarray
    tag_threshold: np.ndarray

    @property
    def n_segments(self):
        return self.segment_cell.shape[0] - int(self.counters[N_FREE_SEGMENTS])

    @property
    def n_synapses(self):
        return self.synapse_segment.shape[0] - int(self.counters[N_FREE_SYNAPSES])

    @property
    def nbytes(self):
        return sum(array.nbytes for array in self)

    def copy(self):
        return Connections(*(array.copy() for array in self))

    def permanences(self, synapses):
        """Permanences of the given synapse slots."""
        return self.block_permanences.reshape(-1)[self.synapse_segment_position[synapses]]

    def retag(self, threshold):
        """Rewrite every presynaptic list's tags for ``threshold`` (float32)."""
        synapses = np.flatnonzero(self.synapse_segment >= 0)
        connected = self.permanences(synapses) >= threshold
        self.block_values.reshape(-1)[self.synapse_presynaptic_position[synapses]] = (
            self.synapse_segment[synapses] * 2 + connected
        )
        self.tag_threshold[0] = threshold


class CanonicalConnections(NamedTuple):
    """Connections as sorted arrays, independent of the pool layout.

    Attributes
    ----------
    segment_cell : ndarray of int32, shape (n_segments,)
        Segments sorted by cell, then by creation serial.
    segment_serial, segment_last_used : ndarray of int64, shape (n_segments,)
    synapse_indptr : ndarray of int64, shape (n_segments + 1,)
        Synapses of segment ``s``: ``synapse_indptr[s]:synapse_indptr[s + 1]``.
    synapse_presynaptic : ndarray of int32, shape (n_synapses,)
        Sorted within each segment.
    synapse_permanence : ndarray of float32, shape (n_synapses,)
    next_serial, iteration : int
    """

    segment_cell: np.ndarray
    segment_serial: np.ndarray
    segment_last_used: np.ndarray
    synapse_indptr: np.ndarray
    synapse_presynaptic: np.ndarray
    synapse_permanence: np.ndarray
    next_serial: int
    iteration: int

    def equals(self, other):
        """Whether two canonical forms are bit for bit the same."""
        return all(
            np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
            for a, b in zip(self, other)
        ) and all(
            a.dtype == b.dtype for a, b in zip(self, other) if isinstance(a, np.ndarray)
        )


def _pack_lists(owners, items, n_owners, block_items, block_next, first_block):
    """Write lists into blocks ``first_block...``; ``owners`` sorted, ``items``
    in list order. Returns heads, lengths, item positions (flat indices into
    the block arrays) and blocks used."""
    length = np.bincount(owners, minlength=n_owners).astype(np.int32)
    n_blocks = (length + BLOCK - 1) // BLOCK
    first = first_block + np.concatenate(([0], np.cumsum(n_blocks)[:-1])).astype(np.int64)
    start = np.concatenate(([0], np.cumsum(length)[:-1])).astype(np.int64)
    rank = np.arange(owners.shape[0], dtype=np.int64) - start[owners]
    block = first[owners] + rank // BLOCK
    slot = rank % BLOCK
    block_items[block, slot] = items
    total = int(n_blocks.sum())
    blocks = np.arange(first_block, first_block + total, dtype=np.int64)
    block_next[blocks] = blocks - 1
    has = n_blocks > 0
    block_next[first[has]] = -1
    head = np.where(has, first + n_blocks - 1, -1).astype(np.int32)
    return head, length, (block * BLOCK + slot).astype(np.int32), total


def pack(canon, n_cells, connected_threshold=None, spare=0.5):
    """A compact pool layout of canonical connections, with ``spare`` (a
    fraction) of free capacity of every kind, tagged for
    ``connected_threshold`` (None: untagged until a backend needs tags)."""
    n_seg = canon.segment_cell.shape[0]
    n_syn = canon.synapse_presynaptic.shape[0]
    seg_cap = max(64, int(n_seg * (1 + spare)))
    syn_cap = max(1024, int(n_syn * (1 + spare)))
    # At most one partly filled block per list, plus the full ones.
    lists_blocks = 2 * n_cells + n_seg + (2 * n_syn + n_seg) // BLOCK + 3
    block_cap = max(256, int(lists_blocks * (1 + spare)))
    block_items = np.full((block_cap, BLOCK), -1, dtype=np.int32)
    block_values = np.full((block_cap, BLOCK), -1, dtype=np.int32)
    block_permanences = np.zeros((block_cap, BLOCK), dtype=PERMANENCE_DTYPE)
    block_next = np.full(block_cap, -1, dtype=np.int32)

    segment_of_synapse = np.repeat(
        np.arange(n_seg, dtype=np.int64), np.diff(canon.synapse_indptr)
    )
    used = 0
    seg_head, seg_len, syn_seg_pos, n = _pack_lists(
        segment_of_synapse, np.arange(n_syn, dtype=np.int32), n_seg,
        block_items, block_next, used,
    )
    used += n
    cell_head, cell_len, seg_pos, n = _pack_lists(
        canon.segment_cell.astype(np.int64), np.arange(n_seg, dtype=np.int32), n_cells,
        block_items, block_next, used,
    )
    used += n
    by_presyn = np.argsort(canon.synapse_presynaptic, kind="stable")
    out_head, out_len, out_pos, n = _pack_lists(
        canon.synapse_presynaptic[by_presyn].astype(np.int64), by_presyn.astype(np.int32),
        n_cells, block_items, block_next, used,
    )
    used += n
    syn_pre_pos = np.empty(n_syn, dtype=np.int32)
    syn_pre_pos[by_presyn] = out_pos
    block_values.reshape(-1)[syn_seg_pos] = canon.synapse_presynaptic
    block_permanences.reshape(-1)[syn_seg_pos] = canon.synapse_permanence

    def padded(values, capacity, fill, dtype):
        array = np.full(capacity, fill, dtype=dtype)
        array[: values.shape[0]] = values
        return array

    counters = np.zeros(N_COUNTERS, dtype=np.int64)
    counters[N_FREE_SEGMENTS] = seg_cap - n_seg
    counters[N_FREE_SYNAPSES] = syn_cap - n_syn
    counters[N_FREE_BLOCKS] = block_cap - used
    counters[NEXT_SERIAL] = canon.next_serial
    counters[ITERATION] = canon.iteration
    conn = Connections(
        cell_segment_head=cell_head,
        cell_segment_length=cell_len,
        cell_synapse_head=out_head,
        cell_synapse_length=out_len,
        segment_cell=padded(canon.segment_cell, seg_cap, -1, np.int32),
        segment_serial=padded(canon.segment_serial, seg_cap, 0, np.int64),
        segment_last_used=padded(canon.segment_last_used, seg_cap, 0, np.int64),
        segment_synapse_head=padded(seg_head, seg_cap, -1, np.int32),
        segment_synapse_length=padded(seg_len, seg_cap, 0, np.int32),
        segment_position=padded(seg_pos, seg_cap, -1, np.int32),
        segment_free=free_stack(seg_cap, n_seg),
        synapse_presynaptic=padded(canon.synapse_presynaptic, syn_cap, -1, np.int32),
        synapse_segment=padded(segment_of_synapse, syn_cap, -1, np.int32),
        synapse_segment_position=padded(syn_seg_pos, syn_cap, -1, np.int32),
        synapse_presynaptic_position=padded(syn_pre_pos, syn_cap, -1, np.int32),
        synapse_free=free_stack(syn_cap, n_syn),
        block_items=block_items,
        block_values=block_values,
        block_permanences=block_permanences,
        block_next=block_next,
        block_free=free_stack(block_cap, used),
        counters=counters,
        tag_threshold=np.array([np.nan], dtype=PERMANENCE_DTYPE),
    )
    if connected_threshold is not None:
        conn.retag(PERMANENCE_DTYPE(connected_threshold))
    return conn


def empty_canonical():
    """Canonical connections of a layer without segments."""
    return CanonicalConnections(
        segment_cell=np.zeros(0, dtype=np.int32),
        segment_serial=np.zeros(0, dtype=np.int64),
        segment_last_used=np.zeros(0, dtype=np.int64),
        synapse_indptr=np.zeros(1, dtype=np.int64),
        synapse_presynaptic=np.zeros(0, dtype=np.int32),
        synapse_permanence=np.zeros(0, dtype=PERMANENCE_DTYPE),
        next_serial=0,
        iteration=0,
    )


def canonical(conn):
    """The canonical form of a pool layout (copies)."""
    alive = np.flatnonzero(conn.segment_cell >= 0)
    order = alive[np.lexsort((conn.segment_serial[alive], conn.segment_cell[alive]))]
    rank = np.full(conn.segment_cell.shape[0], -1, dtype=np.int64)
    rank[order] = np.arange(order.shape[0])
    synapses = np.flatnonzero(conn.synapse_segment >= 0)
    segment_rank = rank[conn.synapse_segment[synapses]]
    synapses = synapses[np.lexsort((conn.synapse_presynaptic[synapses], segment_rank))]
    counts = np.bincount(rank[conn.synapse_segment[synapses]], minlength=order.shape[0])
    indptr = indptr_from_lengths(counts)
    return CanonicalConnections(
        segment_cell=conn.segment_cell[order],
        segment_serial=conn.segment_serial[order],
        segment_last_used=conn.segment_last_used[order],
        synapse_indptr=indptr,
        synapse_presynaptic=conn.synapse_presynaptic[synapses],
        synapse_permanence=conn.permanences(synapses),
        next_serial=int(conn.counters[NEXT_SERIAL]),
        iteration=int(conn.counters[ITERATION]),
    )


def with_capacity(conn, segments=0, synapses=0, blocks=0):
    """``conn``, or a copy with more slots, so that at least ``segments``,
    ``synapses`` and ``blocks`` are free (capacities at least double)."""
    counters = conn.counters.copy()
    fields = conn._asdict()
    for free_index, need, names, stack_name, fills in (
        (N_FREE_SEGMENTS, segments,
         ("segment_cell", "segment_serial", "segment_last_used", "segment_synapse_head",
          "segment_synapse_length", "segment_position"), "segment_free",
         (-1, 0, 0, -1, 0, -1)),
        (N_FREE_SYNAPSES, synapses,
         ("synapse_presynaptic", "synapse_segment", "synapse_segment_position",
          "synapse_presynaptic_position"), "synapse_free", (-1, -1, -1, -1)),
        (N_FREE_BLOCKS, blocks,
         ("block_items", "block_values", "block_permanences", "block_next"), "block_free",
         (-1, -1, 0, -1)),
    ):
        n_free = int(counters[free_index])
        if n_free >= need:
            continue
        old = fields[names[0]].shape[0]
        new = grown_capacity(old, n_free, need)
        for name, fill in zip(names, fills):
            fields[name] = grown(fields[name], new, fill)
        fields[stack_name] = grown_free_stack(fields[stack_name], n_free, old, new)
        counters[free_index] = n_free + new - old
    fields["counters"] = counters
    fields["tag_threshold"] = conn.tag_threshold.copy()
    return Connections(**fields)


class TMState(LayerState):
    """Everything a fitted Temporal Memory carries between calls.

    Attributes
    ----------
    connections : Connections
        Segments and synapses (pool layout); backends update it in place.
    rng : ndarray of uint64, shape (1,)
        The state of the integer generator (:mod:`._random`).
    active_cells, winner_cells : ndarray of int32
        The previous step's active and winner cells, sorted (empty after a
        reset): the context of the next row.
    n_samples_seen : int
        Rows learned since ``fit`` began.
    cell_activity : ndarray of int64, shape (n_cells,)
        Learned rows in which each cell was active.
    scratch : dict
        Work arrays a backend keeps between calls (never copied or pickled).
    """

    def __init__(self, connections, rng, active_cells, winner_cells, n_samples_seen=0,
                 cell_activity=None):
        self.connections = connections
        self.rng = rng
        self.active_cells = active_cells
        self.winner_cells = winner_cells
        self.n_samples_seen = int(n_samples_seen)
        if cell_activity is None:
            cell_activity = np.zeros(connections.cell_segment_head.shape[0], dtype=np.int64)
        self.cell_activity = cell_activity
        self.scratch = {}

    @classmethod
    def empty(cls, n_cells, rng):
        return cls(
            pack(empty_canonical(), n_cells), rng,
            np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32),
        )

    @property
    def n_cells(self):
        return self.connections.cell_segment_head.shape[0]

    def reset(self):
        """Forget the context: the next row starts a sequence."""
        self.active_cells = np.zeros(0, dtype=np.int32)
        self.winner_cells = np.zeros(0, dtype=np.int32)

    def copy(self):
        return TMState(
            self.connections.copy(), self.rng.copy(), self.active_cells.copy(),
            self.winner_cells.copy(), self.n_samples_seen, self.cell_activity.copy(),
        )

    def canonical(self):
        """The connections in canonical form, the generator, the context,
        the activity counts and ``n_samples_seen`` (a dict)."""
        return self.__getstate__()

    def __getstate__(self):
        # Pickled in the canonical form: compact, and free of the layout.
        return {
            "connections": canonical(self.connections)._asdict(),
            "n_cells": self.n_cells,
            "rng": self.rng,
            "active_cells": self.active_cells,
            "winner_cells": self.winner_cells,
            "n_samples_seen": self.n_samples_seen,
            "cell_activity": self.cell_activity,
        }

    def __setstate__(self, saved):
        # Writable copies: a model loaded from read-only memory (joblib's
        # memory maps) must still learn, and the kernels write in place.
        canon = CanonicalConnections(**saved["connections"])
        self.connections = pack(canon, saved["n_cells"])
        self.rng = np.array(saved["rng"], dtype=np.uint64)
        self.active_cells = np.array(saved["active_cells"], dtype=np.int32)
        self.winner_cells = np.array(saved["winner_cells"], dtype=np.int32)
        self.n_samples_seen = saved["n_samples_seen"]
        self.cell_activity = np.array(saved["cell_activity"], dtype=np.int64)
        self.scratch = {}
