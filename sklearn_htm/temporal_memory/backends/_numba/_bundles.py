"""The named bundles of arrays the Temporal Memory's kernels share.

Glossary: a *row* is one step of the sequence (the active columns of one
input row); the *context* is the previous step's active and winner cells;
*dendrites* are the per-segment counts of synapses to the active cells and
the active and matching segments they make.
"""

from typing import NamedTuple

import numpy as np

# Indices into Context.sizes.
N_ACTIVE = 0
N_WINNERS = 1
NEED_SEGMENTS = 2
NEED_SYNAPSES = 3
NEED_BLOCKS = 4
NEED_OUTPUT = 5
N_CONTEXT_SIZES = 6

# Indices into Dendrites.sizes.
N_TOUCHED = 0
N_ACTIVE_SEGMENTS = 1
N_MATCHING_SEGMENTS = 2
N_COLUMNS = 3

#: ``Dendrites.counts`` holds the connected count above this bit.
CONNECTED_SHIFT = 16
POTENTIAL_MASK = (1 << CONNECTED_SHIFT) - 1


class Context(NamedTuple):
    """Per-cell arrays (n_cells long unless said), kept across the kernel
    calls of one run.

    Attributes
    ----------
    active, winners : int32
        The previous step's active and winner cells, sorted (the first
        ``sizes[N_ACTIVE]`` and ``sizes[N_WINNERS]`` entries).
    active_mark, winner_mark : uint8
        The same sets as flags per cell.
    new_active, new_winners : int32
        This step's cells, as they are found.
    buffer, doomed, column_segments, excluded : int32, long enough for any
        one segment's or cell's list
        Scratch copies of a list; synapses to destroy; one column's segments;
        the positions among ``winners`` of a growing segment's winner cells.
    column_mark : uint8, shape (n_columns,)
        The active columns of the row being learned.
    sizes : int64, shape (N_CONTEXT_SIZES,)
        Counts, and what a kernel that stopped early needs.
    """

    active: np.ndarray
    winners: np.ndarray
    active_mark: np.ndarray
    winner_mark: np.ndarray
    new_active: np.ndarray
    new_winners: np.ndarray
    buffer: np.ndarray
    doomed: np.ndarray
    column_segments: np.ndarray
    excluded: np.ndarray
    column_mark: np.ndarray
    sizes: np.ndarray


class Dendrites(NamedTuple):
    """Counts per segment slot and the active and matching segments, bucketed
    by column.

    Attributes
    ----------
    counts : int32, shape (segment_capacity,)
        Synapses to the active cells: ``potential + (connected << 16)``.
    touched : int32, shape (segment_capacity,)
        Slots with a non-zero count (the first ``sizes[N_TOUCHED]``).
    active, matching : int32, shape (segment_capacity,)
        Active and matching segments (in the order found).
    active_cell, matching_cell : int32, shape (segment_capacity,)
        Their cells.
    active_next, matching_next : int32, shape (segment_capacity,)
        Next entry of the same column's bucket (-1 at the end).
    column_active, column_matching : int32, shape (n_columns,)
        First entry of each column's bucket (-1: none).
    columns : int32, shape (n_columns,)
        Columns whose buckets are not empty (the first ``sizes[N_COLUMNS]``).
    sizes : int64, shape (4,)
    """

    counts: np.ndarray
    touched: np.ndarray
    active: np.ndarray
    matching: np.ndarray
    active_cell: np.ndarray
    matching_cell: np.ndarray
    active_next: np.ndarray
    matching_next: np.ndarray
    column_active: np.ndarray
    column_matching: np.ndarray
    columns: np.ndarray
    sizes: np.ndarray


class Output(NamedTuple):
    """What a run writes per row.

    Attributes
    ----------
    kind : int
        0 none, 1 active cells, 2 winner cells, 3 predictive cells.
    anomaly : float64, shape (n_rows,)
    indptr : int64, shape (n_rows + 1,)
    indices : int32
        Cells of each row (grown by the driver when full).
    """

    kind: int
    anomaly: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray


OUTPUT_KINDS = {None: 0, "active_cells": 1, "winner_cells": 2, "predictive_cells": 3}


def set_context(context, active_cells, winner_cells):
    """Make ``context`` hold the given previous active and winner cells."""
    sizes = context.sizes
    context.active_mark[context.active[: sizes[N_ACTIVE]]] = 0
    context.winner_mark[context.winners[: sizes[N_WINNERS]]] = 0
    context.active[: active_cells.size] = active_cells
    context.winners[: winner_cells.size] = np.sort(winner_cells)  # growth relies on it
    context.active_mark[active_cells] = 1
    context.winner_mark[winner_cells] = 1
    sizes[:] = 0
    sizes[N_ACTIVE] = active_cells.size
    sizes[N_WINNERS] = winner_cells.size
    return context


def new_context(n_cells, n_columns, buffer_size, active_cells, winner_cells):
    """A context holding the given previous active and winner cells."""
    context = Context(
        active=np.zeros(n_cells, dtype=np.int32),
        winners=np.zeros(n_cells, dtype=np.int32),
        active_mark=np.zeros(n_cells, dtype=np.uint8),
        winner_mark=np.zeros(n_cells, dtype=np.uint8),
        new_active=np.zeros(n_cells, dtype=np.int32),
        new_winners=np.zeros(n_cells, dtype=np.int32),
        buffer=np.zeros(buffer_size, dtype=np.int32),
        doomed=np.zeros(buffer_size, dtype=np.int32),
        column_segments=np.zeros(buffer_size, dtype=np.int32),
        excluded=np.zeros(buffer_size, dtype=np.int32),
        column_mark=np.zeros(n_columns, dtype=np.uint8),
        sizes=np.zeros(N_CONTEXT_SIZES, dtype=np.int64),
    )
    return set_context(context, active_cells, winner_cells)


def new_dendrites(segment_capacity, n_columns):
    return Dendrites(
        *(np.zeros(segment_capacity, dtype=np.int32) for _ in range(8)),
        column_active=np.full(n_columns, -1, dtype=np.int32),
        column_matching=np.full(n_columns, -1, dtype=np.int32),
        columns=np.zeros(n_columns, dtype=np.int32),
        sizes=np.zeros(4, dtype=np.int64),
    )
