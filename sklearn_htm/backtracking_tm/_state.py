"""The fitted state of a backtracking Temporal Memory, as the numba kernels
hold it, and its canonical form (what both backends must agree on).

Layout (:class:`Layer`):

- *cell sets*: the twelve sets of cells NuPIC's ``Cells4`` keeps (inference
  and learning, active and predicted, at t and t-1, and the backtracking
  backups and candidates), each a bit of a per-cell word plus the list of
  its cells;
- *segments*: a pool of fixed-width rows (presynaptic cells and float32
  permanences in slot order), each cell's segments a linked list in
  creation order, freed rows on a stack;
- *forward index*: for each presynaptic cell, the segments it synapses on,
  in blocks of :data:`BLOCK` (the kernels count a segment's synapses to a
  set of cells by walking the cells' lists);
- *history*: the last inputs (active columns) kept for backtracking;
- *updates*: the learning updates queued for the next step;
- *counters* (:data:`ITERATION` ... :data:`RESET_CALLED`): the step
  counters, the pools' and lists' sizes, and whether ``reset`` was called
  since the last row (NuPIC's ``resetCalled``).

A reset (:meth:`BTMState.reset`, or a sequence start inside a kernel run)
empties every cell and column set, the histories and the queued updates and
sets ``counters[RESET_CALLED]``; the next row is then inferred from its
start cells and learning starts over on them, and the row clears the flag.

Nothing in the behaviour depends on pool positions: ties are broken by a
segment's serial (its creation count), as in the numpy reference. The
canonical form (:mod:`._canonical`) is what both backends' states reduce to
and are built from (:meth:`BTMState.from_canonical`).
"""

from typing import NamedTuple

import numpy as np

from .._core.pools import free_stack, grown, grown_capacity, grown_free_stack
from .._core.state import LayerState
from ._config import PERMANENCE_DTYPE, cell_dtype

#: Entries per block of the forward index.
BLOCK = 16

# The cell sets (bits of Layer.flags, rows of Layer.cells).
INF_ACTIVE, INF_ACTIVE_PREV, INF_PREDICTED, INF_PREDICTED_PREV = 0, 1, 2, 3
INF_ACTIVE_BACKUP, INF_PREDICTED_BACKUP, INF_ACTIVE_CANDIDATE, INF_PREDICTED_CANDIDATE = (
    4, 5, 6, 7)
LRN_ACTIVE, LRN_ACTIVE_PREV, LRN_PREDICTED, LRN_PREDICTED_PREV = 8, 9, 10, 11
N_CELL_SETS = 12
CELL_SET_NAMES = (
    "inf_active", "inf_active_prev", "inf_predicted", "inf_predicted_prev",
    "inf_active_backup", "inf_predicted_backup", "inf_active_candidate",
    "inf_predicted_candidate", "lrn_active", "lrn_active_prev", "lrn_predicted",
    "lrn_predicted_prev",
)
#: The sets that carry from one step to the next (the others are work sets).
STEP_SETS = (INF_ACTIVE, INF_ACTIVE_PREV, INF_PREDICTED, INF_PREDICTED_PREV, LRN_ACTIVE,
             LRN_ACTIVE_PREV, LRN_PREDICTED, LRN_PREDICTED_PREV)

# The column sets (bits of Layer.column_flags, rows of Layer.columns): columns with a confident
# prediction (NuPIC's nonzero column confidence), now, before, candidate.
CONFIDENT, CONFIDENT_PREV, CONFIDENT_CANDIDATE = 0, 1, 2
N_COLUMN_SETS = 3

# Indices into Layer.counters.
ITERATION = 0          # learning steps so far
PAM_COUNTER = 1
LEARNED_LENGTH = 2     # steps learned since learning last started over
N_FREE_SEGMENTS = 3
N_FREE_BLOCKS = 4
NEXT_SERIAL = 5
N_UPDATES = 6
N_INF_HISTORY = 7
N_LRN_HISTORY = 8
RESET_CALLED = 9       # 1 from reset() to the next row (NuPIC's resetCalled), else 0
N_COUNTERS = 10


class Layer(NamedTuple):
    """The arrays of one backtracking Temporal Memory (see the module)."""

    counters: np.ndarray          # int64 (N_COUNTERS,)
    avg_input_density: np.ndarray  # float64 (1,)
    rng: np.ndarray               # uint64 (1,)
    flags: np.ndarray             # uint16 (n_cells,): bit k, in cell set k
    cells: np.ndarray             # uint16 or int32 (N_CELL_SETS, n_cells)
    n_cells_in: np.ndarray        # int64 (N_CELL_SETS,)
    column_flags: np.ndarray      # uint8 (n_columns,): bit k, in column set k
    columns: np.ndarray           # int32 (N_COLUMN_SETS, n_columns)
    n_columns_in: np.ndarray      # int64 (N_COLUMN_SETS,)
    segment_cell: np.ndarray      # int32 (capacity,), -1 when free
    segment_length: np.ndarray    # int32 (capacity,)
    segment_presynaptic: np.ndarray  # uint16 or int32 (capacity, max_synapses_per_segment)
    segment_permanence: np.ndarray   # float32 (capacity, max_synapses_per_segment)
    segment_next: np.ndarray      # int32 (capacity,): next segment of its cell
    segment_serial: np.ndarray    # int64 (capacity,)
    free_segments: np.ndarray     # int32 stack (capacity,)
    cell_head: np.ndarray         # int32 (n_cells,)
    cell_tail: np.ndarray         # int32 (n_cells,)
    cell_n_segments: np.ndarray   # int32 (n_cells,)
    out_head: np.ndarray          # int32 (n_cells,): a cell's newest block
    out_length: np.ndarray        # int32 (n_cells,)
    block_items: np.ndarray       # int32 (n_blocks, BLOCK)
    block_next: np.ndarray        # int32 (n_blocks,)
    free_blocks: np.ndarray       # int32 stack (n_blocks,)
    inf_history: np.ndarray       # int32 (max_inf_backtrack + 2, n_columns)
    inf_history_length: np.ndarray  # int32 (max_inf_backtrack + 2,)
    lrn_history: np.ndarray       # int32 (max_lrn_backtrack + 2, n_columns)
    lrn_history_length: np.ndarray  # int32 (max_lrn_backtrack + 2,)
    update_cell: np.ndarray       # int32 (n_columns + 1,)
    update_segment: np.ndarray    # int32: -1 for a new segment
    update_serial: np.ndarray     # int64: that segment's serial
    update_step: np.ndarray       # int64
    update_length: np.ndarray     # int32
    update_presynaptic: np.ndarray  # uint16 or int32 (n_columns + 1, width)
    # int64 (capacity,): the step a segment was created or last reinforced
    # at (NuPIC's lastActiveIteration); None in a layer saved before it
    segment_last_active: np.ndarray = None


class BTMState(LayerState):
    """The fitted state: a :class:`Layer` and the number of rows learned.

    Attributes
    ----------
    layer : Layer
    n_samples_seen : int
    scratch : dict
        Kernel work arrays kept between calls (not saved).
    """

    def __init__(self, layer, n_samples_seen=0):
        self.layer = layer
        self.n_samples_seen = n_samples_seen
        self.scratch = {}

    @classmethod
    def empty(cls, config, rng, segments=1024, blocks=4096):
        n_cells, n_columns = config.n_cells, config.n_columns
        history = max(config.max_inf_backtrack, config.max_lrn_backtrack) + 2
        width = config.max_synapses_per_segment + config.new_synapse_count
        counters = np.zeros(N_COUNTERS, dtype=np.int64)
        # NuPIC's Cells4 starts its counter at pamLength + 1.
        counters[PAM_COUNTER] = config.pam_length + 1
        counters[N_FREE_SEGMENTS] = segments
        counters[N_FREE_BLOCKS] = blocks
        n_updates = n_columns + 1
        layer = Layer(
            counters=counters,
            avg_input_density=np.zeros(1),
            rng=np.asarray(rng, dtype=np.uint64).copy(),
            flags=np.zeros(n_cells, dtype=np.uint16),
            cells=np.zeros((N_CELL_SETS, n_cells), dtype=cell_dtype(n_cells)),
            n_cells_in=np.zeros(N_CELL_SETS, dtype=np.int64),
            column_flags=np.zeros(n_columns, dtype=np.uint8),
            columns=np.zeros((N_COLUMN_SETS, n_columns), dtype=np.int32),
            n_columns_in=np.zeros(N_COLUMN_SETS, dtype=np.int64),
            segment_cell=np.full(segments, -1, dtype=np.int32),
            segment_length=np.zeros(segments, dtype=np.int32),
            segment_presynaptic=np.zeros((segments, config.max_synapses_per_segment),
                                         dtype=cell_dtype(n_cells)),
            segment_permanence=np.zeros((segments, config.max_synapses_per_segment),
                                        dtype=PERMANENCE_DTYPE),
            segment_next=np.full(segments, -1, dtype=np.int32),
            segment_serial=np.zeros(segments, dtype=np.int64),
            free_segments=np.arange(segments - 1, -1, -1, dtype=np.int32),
            cell_head=np.full(n_cells, -1, dtype=np.int32),
            cell_tail=np.full(n_cells, -1, dtype=np.int32),
            cell_n_segments=np.zeros(n_cells, dtype=np.int32),
            out_head=np.full(n_cells, -1, dtype=np.int32),
            out_length=np.zeros(n_cells, dtype=np.int32),
            block_items=np.zeros((blocks, BLOCK), dtype=np.int32),
            block_next=np.full(blocks, -1, dtype=np.int32),
            free_blocks=np.arange(blocks - 1, -1, -1, dtype=np.int32),
            inf_history=np.zeros((history, n_columns), dtype=np.int32),
            inf_history_length=np.zeros(history, dtype=np.int32),
            lrn_history=np.zeros((history, n_columns), dtype=np.int32),
            lrn_history_length=np.zeros(history, dtype=np.int32),
            update_cell=np.zeros(n_updates, dtype=np.int32),
            update_segment=np.zeros(n_updates, dtype=np.int32),
            update_serial=np.zeros(n_updates, dtype=np.int64),
            update_step=np.zeros(n_updates, dtype=np.int64),
            update_length=np.zeros(n_updates, dtype=np.int32),
            update_presynaptic=np.zeros((n_updates, width), dtype=cell_dtype(n_cells)),
            segment_last_active=np.zeros(segments, dtype=np.int64),
        )
        return cls(layer)

    # ---------------------------------------------------------------- room

    def with_room(self, segments, blocks):
        """Grow the pools (see :func:`~sklearn_htm._core.pools.grown_capacity`) until
        ``segments`` segment rows and ``blocks`` index blocks are free;
        returns whether anything grew."""
        layer = self.layer
        counters = layer.counters
        changed = {}
        capacity = layer.segment_cell.shape[0]
        if counters[N_FREE_SEGMENTS] < segments:
            new = grown_capacity(capacity, int(counters[N_FREE_SEGMENTS]), segments)
            changed.update(
                segment_cell=grown(layer.segment_cell, new, -1),
                segment_length=grown(layer.segment_length, new, 0),
                segment_presynaptic=grown(layer.segment_presynaptic, new, 0),
                segment_permanence=grown(layer.segment_permanence, new, 0),
                segment_next=grown(layer.segment_next, new, -1),
                segment_serial=grown(layer.segment_serial, new, 0),
                segment_last_active=grown(layer.segment_last_active, new, 0),
                free_segments=grown_free_stack(layer.free_segments, counters[N_FREE_SEGMENTS],
                                           capacity, new),
            )
            counters[N_FREE_SEGMENTS] += new - capacity
        n_blocks = layer.block_items.shape[0]
        if counters[N_FREE_BLOCKS] < blocks:
            new = grown_capacity(n_blocks, int(counters[N_FREE_BLOCKS]), blocks)
            changed.update(
                block_items=grown(layer.block_items, new, 0),
                block_next=grown(layer.block_next, new, -1),
                free_blocks=grown_free_stack(layer.free_blocks, counters[N_FREE_BLOCKS],
                                         n_blocks, new),
            )
            counters[N_FREE_BLOCKS] += new - n_blocks
        if changed:
            self.layer = layer._replace(**changed)
        return bool(changed)

    # ------------------------------------------------------------ summaries

    @property
    def n_segments(self):
        layer = self.layer
        return int(layer.segment_cell.shape[0] - layer.counters[N_FREE_SEGMENTS])

    @property
    def n_synapses(self):
        layer = self.layer
        return int(layer.segment_length[layer.segment_cell >= 0].sum())

    def members(self, name):
        """The cells of set ``name`` (one of :data:`CELL_SET_NAMES`), or the
        columns of ``"confident"``, sorted, as int64."""
        layer = self.layer
        if name == "confident":
            members = layer.columns[CONFIDENT, : layer.n_columns_in[CONFIDENT]]
        else:
            k = CELL_SET_NAMES.index(name)
            members = layer.cells[k, : layer.n_cells_in[k]]
        return np.sort(members).astype(np.int64)

    def copy(self):
        return BTMState(Layer(*(a.copy() for a in self.layer)), self.n_samples_seen)

    def reset(self):
        """NuPIC's ``reset``: empty the cell sets (inference and learning,
        active and predicted, at t and t-1), the column confidences, the
        queued updates and both input histories, and set ``resetCalled``
        (``counters[RESET_CALLED]``): the next row begins a sequence. The
        segments, the counters of steps and the generator are kept. (The
        kernels' in-run reset, ``_step.begin_sequence``, does the same.)"""
        layer = self.layer
        layer.flags.fill(0)
        layer.n_cells_in.fill(0)
        layer.column_flags.fill(0)
        layer.n_columns_in.fill(0)
        counters = layer.counters
        counters[N_UPDATES] = counters[N_INF_HISTORY] = counters[N_LRN_HISTORY] = 0
        counters[RESET_CALLED] = 1

    def activity_copy(self):
        """A state that shares this one's segments, index and queued updates
        and owns copies of what inference changes (the cell and column sets,
        the inference history, the counters): what inference without
        learning runs on, for the cost of the sets' members rather than of
        the layer. Its ``scratch`` is this state's."""
        layer = self.layer
        cells = np.empty_like(layer.cells)
        for k in range(N_CELL_SETS):
            n = layer.n_cells_in[k]
            cells[k, :n] = layer.cells[k, :n]
        columns = np.empty_like(layer.columns)
        for k in range(N_COLUMN_SETS):
            n = layer.n_columns_in[k]
            columns[k, :n] = layer.columns[k, :n]
        copied = layer._replace(
            counters=layer.counters.copy(),
            avg_input_density=layer.avg_input_density.copy(),
            flags=layer.flags.copy(),
            cells=cells,
            n_cells_in=layer.n_cells_in.copy(),
            column_flags=layer.column_flags.copy(),
            columns=columns,
            n_columns_in=layer.n_columns_in.copy(),
            inf_history=layer.inf_history.copy(),
            inf_history_length=layer.inf_history_length.copy(),
        )
        other = BTMState(copied, self.n_samples_seen)
        other.scratch = self.scratch
        return other

    def __getstate__(self):
        """Saved as what was learned: without the forward index (rebuilt
        from the segments on load), without the free rows at the end of the
        segment pool, each segment's synapses without its empty slots, the
        permanences as codes into the table of their distinct values (NuPIC's
        increments make few: exact, and a byte each when at most 256), and
        the cell sets as their members."""
        layer = self.layer
        counters = layer.counters.copy()
        live = np.flatnonzero(layer.segment_cell >= 0)
        capacity = int(live[-1]) + 1 if live.size else 0
        stack = layer.free_segments[: counters[N_FREE_SEGMENTS]]
        stack = stack[stack < capacity]
        free = np.zeros(capacity, dtype=layer.free_segments.dtype)
        free[: stack.size] = stack  # the stack keeps room for every row
        counters[N_FREE_SEGMENTS] = stack.size
        counters[N_FREE_BLOCKS] = 0
        lengths = layer.segment_length[:capacity]
        used = np.arange(layer.segment_presynaptic.shape[1])[None, :] < lengths[:, None]
        values, codes = np.unique(layer.segment_permanence[:capacity][used],
                                  return_inverse=True)
        code_dtype = np.uint8 if values.size <= 2**8 else np.uint32
        members = np.concatenate([layer.cells[k, : layer.n_cells_in[k]]
                                  for k in range(N_CELL_SETS)])
        trimmed = layer._replace(
            counters=counters,
            flags=layer.flags[:0],
            cells=layer.cells[:, :0],
            segment_cell=layer.segment_cell[:capacity],
            segment_length=lengths,
            segment_presynaptic=layer.segment_presynaptic[:0],
            segment_permanence=layer.segment_permanence[:0],
            segment_next=layer.segment_next[:capacity],
            segment_serial=layer.segment_serial[:capacity],
            segment_last_active=layer.segment_last_active[:capacity],
            free_segments=free,
            out_head=layer.out_head[:0],
            out_length=layer.out_length[:0],
            block_items=layer.block_items[:0],
            block_next=layer.block_next[:0],
            free_blocks=layer.free_blocks[:0],
        )
        return {"layer": trimmed, "n_samples_seen": self.n_samples_seen,
                "presynaptic": layer.segment_presynaptic[:capacity][used],
                "permanence_values": values,
                "permanence_codes": codes.astype(code_dtype).reshape(-1),
                "members": members}

    def __setstate__(self, saved):
        layer = saved["layer"]
        if layer.counters.shape[0] < N_COUNTERS:  # saved before resets (no RESET_CALLED)
            counters = np.zeros(N_COUNTERS, dtype=np.int64)
            counters[: layer.counters.shape[0]] = layer.counters
            layer = layer._replace(counters=counters)
        if layer.segment_last_active is None:  # saved before global decay
            layer = layer._replace(segment_last_active=np.full(
                layer.segment_cell.shape[0], layer.counters[ITERATION], dtype=np.int64))
        if "members" in saved:  # saved as what was learned (see __getstate__)
            n_cells = layer.cell_head.shape[0]
            capacity, width = layer.segment_length.shape[0], layer.segment_presynaptic.shape[1]
            used = np.arange(width)[None, :] < layer.segment_length[:, None]
            presynaptic = np.zeros((capacity, width), dtype=layer.segment_presynaptic.dtype)
            presynaptic[used] = saved["presynaptic"]
            permanence = np.zeros((capacity, width), dtype=layer.segment_permanence.dtype)
            permanence[used] = saved["permanence_values"][saved["permanence_codes"]]
            cells = np.zeros((N_CELL_SETS, n_cells), dtype=layer.cells.dtype)
            ends = np.cumsum(layer.n_cells_in)
            for k in range(N_CELL_SETS):
                cells[k, : layer.n_cells_in[k]] = saved["members"][
                    ends[k] - layer.n_cells_in[k]: ends[k]]
            layer = layer._replace(cells=cells, segment_presynaptic=presynaptic,
                                   segment_permanence=permanence)
        # Rebuilt from the members (saved as a flag row per set before 0.2);
        # the queued updates' cells in the layer's cell dtype (int32 before).
        layer = layer._replace(
            flags=_set_bits(layer.cells, layer.n_cells_in, layer.cell_head.shape[0],
                            np.uint16),
            column_flags=_set_bits(layer.columns, layer.n_columns_in,
                                   layer.columns.shape[1], np.uint8),
            update_presynaptic=layer.update_presynaptic.astype(layer.cells.dtype, copy=False))
        self.layer = _with_index(layer)
        self.n_samples_seen = saved["n_samples_seen"]
        self.scratch = {}

    def canonical(self):
        """What the numpy reference must reproduce exactly, and what either
        backend's state is built from (:meth:`from_canonical`): a dict of the
        segments (by cell, then serial: their synapses in slot order), the
        cell and column sets (sorted), the histories, the queued updates, the
        counters (and whether a reset is pending), the average input density
        and the generator (see :mod:`._canonical`)."""
        from ._canonical import layer_canonical

        return layer_canonical(self.layer)

    @classmethod
    def from_canonical(cls, config, canonical, n_samples_seen=0):
        """The state whose canonical form is ``canonical`` (of either
        backend's state), which continues bit for bit as that state.

        Parameters
        ----------
        config : BTMConfig
            The stream's configuration.
        canonical : dict
            What ``canonical()`` gives.
        n_samples_seen : int, default=0
            Rows learned so far.

        Returns
        -------
        state : BTMState
        """
        from ._canonical import layer_from_canonical

        return cls(layer_from_canonical(config, canonical), n_samples_seen)


def _set_bits(members, sizes, n, dtype):
    """The per-member words of a family of sets: bit k set in the words of
    ``members[k, :sizes[k]]``."""
    bits = np.zeros(n, dtype=dtype)
    for k in range(sizes.shape[0]):
        bits[members[k, : sizes[k]]] |= dtype(1 << k)
    return bits


def _with_index(layer, spare_blocks=1024):
    """``layer`` with its forward index built from its segments: each
    presynaptic cell's segments in blocks of :data:`BLOCK`, the first
    (newest) block holding the remainder, as the kernels keep it. The order
    inside a cell's list does not matter (the kernels only count)."""
    n_cells = layer.cell_head.shape[0]
    lengths = layer.segment_length * (layer.segment_cell >= 0)
    slots = np.arange(layer.segment_presynaptic.shape[1])
    mask = slots[None, :] < lengths[:, None]
    presynaptic = layer.segment_presynaptic[mask]
    segment = np.nonzero(mask)[0].astype(np.int32)
    order = np.argsort(presynaptic, kind="stable")
    presynaptic, segment = presynaptic[order], segment[order]
    out_length = np.bincount(presynaptic, minlength=n_cells).astype(np.int32)
    n_blocks = (out_length + BLOCK - 1) // BLOCK
    first_block = np.cumsum(n_blocks) - n_blocks
    used = int(n_blocks.sum())
    capacity = used + spare_blocks
    first_entry = np.cumsum(out_length) - out_length
    rank = np.arange(presynaptic.size) - first_entry[presynaptic]
    head_length = out_length - BLOCK * (n_blocks - 1)
    head = rank < head_length[presynaptic]
    after = rank - head_length[presynaptic]
    block = np.where(head, first_block[presynaptic],
                     first_block[presynaptic] + 1 + after // BLOCK)
    slot = np.where(head, rank, after % BLOCK)
    block_items = np.zeros((capacity, BLOCK), dtype=np.int32)
    block_items[block, slot] = segment
    block_next = np.full(capacity, -1, dtype=np.int32)
    owner = np.repeat(np.arange(n_cells), n_blocks)
    index = np.arange(used)
    last = index == (first_block[owner] + n_blocks[owner] - 1)
    block_next[:used] = np.where(last, -1, index + 1)
    out_head = np.where(out_length > 0, first_block, -1).astype(np.int32)
    counters = layer.counters.copy()
    counters[N_FREE_BLOCKS] = spare_blocks
    return layer._replace(
        counters=counters,
        out_head=out_head,
        out_length=out_length,
        block_items=block_items,
        block_next=block_next,
        free_blocks=free_stack(capacity, used),
    )
