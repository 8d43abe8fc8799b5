"""Inference: which cells are active and predicted, with backtracking.

Semantics of NuPIC's ``Cells4.cpp`` (``updateInferenceState``,
``inferPhase1``, ``inferPhase2``, ``inferBacktrack``), as the numpy
reference states them.
"""

from ...._core.numba_cache import internal_kernel
from ..._config import IN_SEQUENCE_FRACTION
from ..._state import (
    CONFIDENT,
    CONFIDENT_CANDIDATE,
    CONFIDENT_PREV,
    INF_ACTIVE,
    INF_ACTIVE_BACKUP,
    INF_ACTIVE_CANDIDATE,
    INF_ACTIVE_PREV,
    INF_PREDICTED,
    INF_PREDICTED_BACKUP,
    INF_PREDICTED_CANDIDATE,
    INF_PREDICTED_PREV,
    N_INF_HISTORY,
    RESET_CALLED,
)
from ._bundles import N_TOUCHED
from ._connections import count_synapses
from ._sets import (
    add_cell,
    add_column,
    clear_cells,
    clear_columns,
    copy_cells,
    copy_columns,
    has_cell,
    history_drop,
    history_push,
)


@internal_kernel
def activate(layer, cfg, columns, from_start_cells):
    """Active cells of an input: the start cells of its columns, or in each
    column its predicted cells, or all of them (a burst). Returns whether
    the input was in sequence (at least half its columns predicted)."""
    cpc = cfg.cells_per_column
    clear_cells(layer, INF_ACTIVE)
    if from_start_cells:
        for column in columns:
            add_cell(layer, INF_ACTIVE, column * cpc)
        return True
    n_predicted = 0
    for column in columns:
        first = column * cpc
        found = False
        for cell in range(first, first + cpc):
            if has_cell(layer, INF_PREDICTED_PREV, cell):
                add_cell(layer, INF_ACTIVE, cell)
                found = True
        if found:
            n_predicted += 1
        else:
            for cell in range(first, first + cpc):
                add_cell(layer, INF_ACTIVE, cell)
    return n_predicted >= IN_SEQUENCE_FRACTION * columns.shape[0]


@internal_kernel
def predict(layer, cfg, scratch):
    """Predicted cells of the active ones: cells with a segment of at least
    ``activation_threshold`` connected synapses from active cells; a column
    is *confident* when one of its segments has that many synapses from
    active cells whatever their permanence (NuPIC's nonzero column
    confidence, which its raw anomaly uses). Returns whether at least half
    as many columns as the average input holds are predicted."""
    count_synapses(layer, scratch, INF_ACTIVE)
    clear_cells(layer, INF_PREDICTED)
    clear_columns(layer, CONFIDENT)
    cpc = cfg.cells_per_column
    threshold = cfg.activation_threshold
    n_predicted_columns = 0
    for i in range(scratch.sizes[N_TOUCHED]):
        s = scratch.touched[i]
        if scratch.counts[s] < threshold:
            continue
        cell = layer.segment_cell[s]
        column = cell // cpc
        add_column(layer, CONFIDENT, column)
        if has_cell(layer, INF_PREDICTED, cell) or layer.segment_length[s] < threshold:
            continue
        n = 0
        for j in range(layer.segment_length[s]):
            if (layer.segment_permanence[s, j] >= cfg.connected_threshold
                    and has_cell(layer, INF_ACTIVE, layer.segment_presynaptic[s, j])):
                n += 1
        if n >= threshold:
            add_cell(layer, INF_PREDICTED, cell)
            if not scratch.column_mark[column]:
                scratch.column_mark[column] = 1
                n_predicted_columns += 1
    for i in range(layer.n_cells_in[INF_PREDICTED]):
        scratch.column_mark[layer.cells[INF_PREDICTED, i] // cpc] = 0
    return n_predicted_columns >= IN_SEQUENCE_FRACTION * layer.avg_input_density[0]


@internal_kernel
def backtrack(layer, cfg, scratch):
    """Replay the kept inputs from the start cells of the oldest one that
    leads, in sequence, to the current input; else keep the bursts. Drops
    the inputs that cannot start a sequence any more."""
    n = layer.counters[N_INF_HISTORY]
    if n == 0:
        return
    current = n - 1
    copy_cells(layer, INF_ACTIVE_BACKUP, INF_ACTIVE)
    copy_cells(layer, INF_PREDICTED_BACKUP, INF_PREDICTED_PREV)
    bad = scratch.bad
    for i in range(n):
        bad[i] = 0
    candidate = -1
    for start in range(n):
        if start == current and candidate != -1:
            break
        in_sequence = False
        for offset in range(start, n):
            copy_cells(layer, INF_PREDICTED_PREV, INF_PREDICTED)
            columns = layer.inf_history[offset, : layer.inf_history_length[offset]]
            in_sequence = activate(layer, cfg, columns, offset == start)
            if not in_sequence:
                break
            in_sequence = predict(layer, cfg, scratch)
            if not in_sequence:
                break
        if not in_sequence:
            bad[start] = 1
            continue
        candidate = start
        if candidate != current:
            copy_cells(layer, INF_ACTIVE_CANDIDATE, INF_ACTIVE)
            copy_cells(layer, INF_PREDICTED_CANDIDATE, INF_PREDICTED)
            copy_columns(layer, CONFIDENT_CANDIDATE, CONFIDENT)
        break
    if candidate == -1:
        copy_cells(layer, INF_ACTIVE, INF_ACTIVE_BACKUP)
        predict(layer, cfg, scratch)
    elif candidate != current:
        copy_cells(layer, INF_ACTIVE, INF_ACTIVE_CANDIDATE)
        copy_cells(layer, INF_PREDICTED, INF_PREDICTED_CANDIDATE)
        copy_columns(layer, CONFIDENT, CONFIDENT_CANDIDATE)
    k = 0
    while k < n and (bad[k] or (candidate != -1 and k <= candidate)):
        k += 1
    layer.counters[N_INF_HISTORY] = history_drop(layer.inf_history, layer.inf_history_length,
                                                 n, k)
    copy_cells(layer, INF_PREDICTED_PREV, INF_PREDICTED_BACKUP)


@internal_kernel
def infer(layer, cfg, scratch, columns):
    """One input's inference step: after a reset, from the start cells of
    its columns (NuPIC's ``inferPhase1(activeColumns, resetCalled)``)."""
    copy_cells(layer, INF_ACTIVE_PREV, INF_ACTIVE)
    copy_cells(layer, INF_PREDICTED_PREV, INF_PREDICTED)
    copy_columns(layer, CONFIDENT_PREV, CONFIDENT)
    if cfg.max_inf_backtrack > 0:
        layer.counters[N_INF_HISTORY] = history_push(
            layer.inf_history, layer.inf_history_length, layer.counters[N_INF_HISTORY],
            cfg.max_inf_backtrack, columns)
    if not activate(layer, cfg, columns, layer.counters[RESET_CALLED] != 0):
        backtrack(layer, cfg, scratch)
    elif not predict(layer, cfg, scratch):
        backtrack(layer, cfg, scratch)
