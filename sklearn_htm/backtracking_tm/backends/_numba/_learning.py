"""Learning: one learning cell per active column, segments queued while
they predict and reinforced when their column turns active, and starting
over (from an earlier input when possible) when learning loses the sequence.

Semantics of NuPIC's ``Cells4.cpp`` (``updateLearningState``,
``learnPhase1``, ``learnPhase2``, ``learnBacktrack``,
``learnBacktrackFrom``, ``getBestMatchingCellT`` and ``...T1``), as the
numpy reference states them.
"""

from ...._core.numba_cache import internal_kernel
from ..._config import UPDATE_VALID_STEPS
from ..._state import (
    LEARNED_LENGTH,
    LRN_ACTIVE,
    LRN_ACTIVE_PREV,
    LRN_PREDICTED,
    LRN_PREDICTED_PREV,
    N_LRN_HISTORY,
    N_UPDATES,
    PAM_COUNTER,
    RESET_CALLED,
)
from ._bundles import N_TOUCHED
from ._connections import (
    apply_update,
    apply_updates,
    cell_for_new_segment,
    count_synapses,
    queue_update,
)
from ._sets import add_cell, clear_cells, copy_cells, has_cell, history_drop, history_push


@internal_kernel
def best_matching_cell(layer, cfg, scratch, column):
    """The cell of ``column`` whose best segment (most synapses from the
    previous learning cells, counted in ``scratch``; the first such segment)
    has at least ``min_threshold`` of them; on ties the last cell. Returns
    (cell, segment), (-1, -1) when none."""
    cpc = cfg.cells_per_column
    best_cell = -1
    best_segment = -1
    best = cfg.min_threshold
    for cell in range(column * cpc, column * cpc + cpc):
        cell_best = 0
        cell_segment = -1
        s = layer.cell_head[cell]
        while s >= 0:
            count = scratch.counts[s]
            if count > cell_best:
                cell_best = count
                cell_segment = s
            s = layer.segment_next[s]
        if cell_segment >= 0 and cell_best >= best:
            best = cell_best
            best_cell = cell
            best_segment = cell_segment
    return best_cell, best_segment


@internal_kernel
def choose_learning_cells(layer, cfg, scratch, columns, read_only):
    """The learning cell of each column: its predicted learning cell, else
    (unless ``read_only``) the cell of its best matching segment, reinforced
    at once, else a cell given a new segment. Returns whether the input was
    in sequence (fewer than half its columns unpredicted)."""
    cpc = cfg.cells_per_column
    clear_cells(layer, LRN_ACTIVE)
    n_unpredicted = 0
    counted = False
    for column in columns:
        predicted = -1
        for cell in range(column * cpc, column * cpc + cpc):
            if has_cell(layer, LRN_PREDICTED_PREV, cell):
                predicted = cell
        if predicted >= 0:
            add_cell(layer, LRN_ACTIVE, predicted)
            continue
        n_unpredicted += 1
        if read_only:
            continue
        if not counted:
            count_synapses(layer, scratch, LRN_ACTIVE_PREV)
            counted = True
        cell, segment = best_matching_cell(layer, cfg, scratch, column)
        if segment < 0:
            cell = cell_for_new_segment(layer, cfg, scratch, column)
        add_cell(layer, LRN_ACTIVE, cell)
        if queue_update(layer, cfg, scratch, cell, segment, LRN_ACTIVE_PREV):
            u = layer.counters[N_UPDATES] - 1
            layer.counters[N_UPDATES] = u
            apply_update(layer, cfg, scratch, u)
    return n_unpredicted < columns.shape[0] // 2


@internal_kernel
def predict_learning_cells(layer, cfg, scratch, read_only):
    """At most one predicted learning cell per column: the cell of the
    segment with the most synapses from the learning cells (at least
    ``activation_threshold``; ties: the higher cell, then the older
    segment), whose update is queued (unless ``read_only``) in column
    order."""
    count_synapses(layer, scratch, LRN_ACTIVE)
    clear_cells(layer, LRN_PREDICTED)
    cpc = cfg.cells_per_column
    n_columns = 0
    best = scratch.column_best
    for i in range(scratch.sizes[N_TOUCHED]):
        s = scratch.touched[i]
        count = scratch.counts[s]
        if count < cfg.activation_threshold:
            continue
        cell = layer.segment_cell[s]
        column = cell // cpc
        b = best[column]
        if b < 0:
            scratch.column_list[n_columns] = column
            n_columns += 1
            best[column] = s
            continue
        b_count = scratch.counts[b]
        b_cell = layer.segment_cell[b]
        if count > b_count or (count == b_count and (
                cell > b_cell or (cell == b_cell
                                  and layer.segment_serial[s] < layer.segment_serial[b]))):
            best[column] = s
    columns = scratch.column_list[:n_columns]
    columns.sort()
    for i in range(n_columns):
        s = best[columns[i]]
        best[columns[i]] = -1
        cell = layer.segment_cell[s]
        add_cell(layer, LRN_PREDICTED, cell)
        if not read_only:
            queue_update(layer, cfg, scratch, cell, s, LRN_ACTIVE)


@internal_kernel
def _start_cells(layer, cfg, columns):
    clear_cells(layer, LRN_ACTIVE)
    for column in columns:
        add_cell(layer, LRN_ACTIVE, column * cfg.cells_per_column)


@internal_kernel
def replay_from(layer, cfg, scratch, start, read_only):
    """Replay the kept learning inputs from the start cells of input
    ``start``; returns whether it stayed in sequence up to the current one.
    Unless ``read_only``, learns along the way."""
    n = layer.counters[N_LRN_HISTORY]
    current = n - 1
    mask = scratch.input_mask
    if not read_only:
        layer.counters[N_UPDATES] = 0
    in_sequence = True
    for offset in range(start, n):
        copy_cells(layer, LRN_ACTIVE_PREV, LRN_ACTIVE)
        copy_cells(layer, LRN_PREDICTED_PREV, LRN_PREDICTED)
        columns = layer.lrn_history[offset, : layer.lrn_history_length[offset]]
        if not read_only:
            for column in columns:
                mask[column] = 1
            apply_updates(layer, cfg, scratch, mask, UPDATE_VALID_STEPS)
            for column in columns:
                mask[column] = 0
        if offset == start:
            _start_cells(layer, cfg, columns)
            in_sequence = True
        else:
            in_sequence = choose_learning_cells(layer, cfg, scratch, columns, read_only)
        if not in_sequence or offset == current:
            break
        predict_learning_cells(layer, cfg, scratch, read_only)
    return in_sequence


@internal_kernel
def learning_backtrack(layer, cfg, scratch):
    """Find the oldest kept input from whose start cells learning stays in
    sequence to the current input, and relearn from it. Returns how many
    steps back it is (0: none)."""
    n_back = layer.counters[N_LRN_HISTORY] - 1
    if n_back <= 0:
        return 0
    bad = scratch.bad
    found = -1
    for start in range(n_back):
        bad[start] = 0
    for start in range(n_back):
        if replay_from(layer, cfg, scratch, start, True):
            found = start
            break
        bad[start] = 1
    if found < 0:
        layer.counters[N_LRN_HISTORY] = 0
        return 0
    replay_from(layer, cfg, scratch, found, False)
    k = 0
    while k < n_back and (bad[k] or k <= found):
        k += 1
    layer.counters[N_LRN_HISTORY] = history_drop(
        layer.lrn_history, layer.lrn_history_length, layer.counters[N_LRN_HISTORY], k)
    return n_back - found


@internal_kernel
def learn(layer, cfg, scratch, columns):
    """One input's learning step (``scratch.input_mask`` holds its columns).
    After a reset, learning starts over on the start cells at once, without
    choosing learning cells or backtracking (NuPIC's ``resetCalled``)."""
    copy_cells(layer, LRN_ACTIVE_PREV, LRN_ACTIVE)
    copy_cells(layer, LRN_PREDICTED_PREV, LRN_PREDICTED)
    if cfg.max_lrn_backtrack > 0:
        layer.counters[N_LRN_HISTORY] = history_push(
            layer.lrn_history, layer.lrn_history_length, layer.counters[N_LRN_HISTORY],
            cfg.max_lrn_backtrack, columns)
    apply_updates(layer, cfg, scratch, scratch.input_mask, UPDATE_VALID_STEPS)
    counters = layer.counters
    if counters[PAM_COUNTER] > 0:
        counters[PAM_COUNTER] -= 1
    counters[LEARNED_LENGTH] += 1
    reset = counters[RESET_CALLED] != 0
    if not reset and choose_learning_cells(layer, cfg, scratch, columns, False):
        counters[PAM_COUNTER] = cfg.pam_length
    if reset or counters[PAM_COUNTER] == 0 or (
            cfg.max_seq_length != 0 and counters[LEARNED_LENGTH] >= cfg.max_seq_length):
        back = 0
        if not reset:
            mask = scratch.input_mask
            for column in columns:
                mask[column] = 0
            back = learning_backtrack(layer, cfg, scratch)
            for column in columns:
                mask[column] = 1
        if back == 0:
            _start_cells(layer, cfg, columns)
            counters[N_LRN_HISTORY] = 0
        counters[PAM_COUNTER] = cfg.pam_length
        counters[LEARNED_LENGTH] = back
        counters[N_UPDATES] = 0
    predict_learning_cells(layer, cfg, scratch, False)
