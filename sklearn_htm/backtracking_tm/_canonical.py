"""The canonical form of a backtracking Temporal Memory's state: what both
backends' states reduce to (``canonical()``), what the tests compare, and
what either kind of state is built from (``from_canonical``), so that a
stream started on one backend continues bit for bit on the other.

The form is a dict of plain Python values:

``segments``
    ``(cell, serial, presynaptic cells, permanences, last active)`` of every
    segment, by cell and then by serial (a cell's creation order); the
    synapses in slot order, the float32 permanences as floats (exact); the
    step the segment was created or last reinforced at;
``sets``
    the cell sets that carry from one step to the next
    (:data:`~._state.STEP_SETS`, by name) and ``"confident"``, the confident
    columns, each sorted;
``inf_history``, ``lrn_history``
    the inputs kept for backtracking, oldest first, each its columns;
``updates``
    the queued learning updates, in order: ``(cell, serial of the segment
    or -1 for a new one, step queued, cells)``; a serial that no segment
    has names a segment destroyed since (the update will be dropped);
``counters``
    ``(iteration, pam counter, learned length, next serial)``;
``reset_called``, ``avg_input_density``, ``rng``
    the pending-reset flag, the average input density and the generator's
    state.

Nothing else is read by a step before it is written: the work sets of a
step (the backtracking backups and candidates, the previous confident
columns) and the kernels' scratch start over every step, and neither
backend's behaviour depends on where a segment sits in a pool, nor on the
order of a set's members.
"""

import numpy as np

from ._config import PERMANENCE_DTYPE
from ._state import (
    CELL_SET_NAMES,
    CONFIDENT,
    ITERATION,
    LEARNED_LENGTH,
    N_FREE_SEGMENTS,
    N_INF_HISTORY,
    N_LRN_HISTORY,
    N_UPDATES,
    NEXT_SERIAL,
    PAM_COUNTER,
    RESET_CALLED,
    STEP_SETS,
    BTMState,
    _set_bits,
    _with_index,
)
from .._core.pools import free_stack
from .._core.random import IntegerGenerator
from .backends._numpy_connections import _Segment

#: Free segment rows a layer built from the canonical form starts with (as
#: a new layer's; the pool grows as learning needs).
SPARE_SEGMENTS = 1024


# ------------------------------------------------------------ numba layers

def layer_canonical(layer):
    """The canonical form of a :class:`~._state.Layer` (see the module)."""
    counters = layer.counters
    segments = []
    for cell in np.flatnonzero(layer.cell_n_segments):
        s = layer.cell_head[cell]
        while s >= 0:
            n = layer.segment_length[s]
            segments.append((int(cell), int(layer.segment_serial[s]),
                             layer.segment_presynaptic[s, :n].tolist(),
                             layer.segment_permanence[s, :n].tolist(),
                             int(layer.segment_last_active[s])))
            s = layer.segment_next[s]
    sets = {CELL_SET_NAMES[k]: sorted(layer.cells[k, : layer.n_cells_in[k]].tolist())
            for k in STEP_SETS}
    sets["confident"] = sorted(
        layer.columns[CONFIDENT, : layer.n_columns_in[CONFIDENT]].tolist())
    updates = [(int(layer.update_cell[u]),
                int(layer.update_serial[u]) if layer.update_segment[u] >= 0 else -1,
                int(layer.update_step[u]),
                layer.update_presynaptic[u, : layer.update_length[u]].tolist())
               for u in range(counters[N_UPDATES])]
    return {
        "segments": segments,
        "sets": sets,
        "inf_history": [layer.inf_history[i, : layer.inf_history_length[i]].tolist()
                        for i in range(counters[N_INF_HISTORY])],
        "lrn_history": [layer.lrn_history[i, : layer.lrn_history_length[i]].tolist()
                        for i in range(counters[N_LRN_HISTORY])],
        "updates": updates,
        "counters": (int(counters[ITERATION]), int(counters[PAM_COUNTER]),
                     int(counters[LEARNED_LENGTH]), int(counters[NEXT_SERIAL])),
        "reset_called": bool(counters[RESET_CALLED]),
        "avg_input_density": float(layer.avg_input_density[0]),
        "rng": int(layer.rng[0]),
    }


def layer_from_canonical(config, canonical):
    """A :class:`~._state.Layer` that continues as the state whose canonical
    form is ``canonical`` (under ``config``, the stream's configuration).

    The segments take the first rows of a new pool, in the form's order,
    each cell's linked in serial order, with :data:`SPARE_SEGMENTS` free
    rows after them; the forward index is built from them
    (:func:`~._state._with_index`); the work sets are empty. A queued update
    of a destroyed segment keeps its serial, which no row of the pool has
    (it is dropped when the updates are applied, as the kernels drop an
    update whose row has been freed or reused).

    Parameters
    ----------
    config : BTMConfig
    canonical : dict
        The form ``canonical()`` gives (of either kind of state).

    Returns
    -------
    layer : Layer
    """
    segments = canonical["segments"]
    n_segments = len(segments)
    capacity = n_segments + SPARE_SEGMENTS
    rng = np.array([canonical["rng"]], dtype=np.uint64)
    layer = BTMState.empty(config, rng, segments=capacity, blocks=0).layer
    counters = layer.counters
    (counters[ITERATION], counters[PAM_COUNTER], counters[LEARNED_LENGTH],
     counters[NEXT_SERIAL]) = canonical["counters"]
    counters[RESET_CALLED] = int(canonical["reset_called"])
    layer.avg_input_density[0] = canonical["avg_input_density"]

    row_of = {}
    for s, (cell, serial, presynaptic, permanence, last_active) in enumerate(segments):
        n = len(presynaptic)
        layer.segment_last_active[s] = last_active
        layer.segment_cell[s] = cell
        layer.segment_length[s] = n
        layer.segment_presynaptic[s, :n] = presynaptic
        layer.segment_permanence[s, :n] = permanence
        layer.segment_serial[s] = serial
        if layer.cell_head[cell] < 0:
            layer.cell_head[cell] = s
        else:
            layer.segment_next[layer.cell_tail[cell]] = s
        layer.cell_tail[cell] = s
        layer.cell_n_segments[cell] += 1
        row_of[serial] = s
    layer.free_segments[:] = free_stack(capacity, n_segments)
    counters[N_FREE_SEGMENTS] = capacity - n_segments

    for k in STEP_SETS:
        _fill(layer.cells, layer.n_cells_in, k, canonical["sets"][CELL_SET_NAMES[k]])
    _fill(layer.columns, layer.n_columns_in, CONFIDENT, canonical["sets"]["confident"])
    for name, slot in (("inf_history", N_INF_HISTORY), ("lrn_history", N_LRN_HISTORY)):
        history, lengths = getattr(layer, name), getattr(layer, f"{name}_length")
        for i, columns in enumerate(canonical[name]):
            history[i, : len(columns)] = columns
            lengths[i] = len(columns)
        counters[slot] = len(canonical[name])

    for u, (cell, serial, step, cells) in enumerate(canonical["updates"]):
        layer.update_cell[u] = cell
        # A destroyed segment's update names row 0, whose serial is not its
        # own (or which is free): the kernels drop it, as they would have.
        layer.update_segment[u] = -1 if serial < 0 else row_of.get(serial, 0)
        layer.update_serial[u] = serial
        layer.update_step[u] = step
        layer.update_length[u] = len(cells)
        layer.update_presynaptic[u, : len(cells)] = cells
    counters[N_UPDATES] = len(canonical["updates"])

    layer = layer._replace(
        flags=_set_bits(layer.cells, layer.n_cells_in, config.n_cells, np.uint16),
        column_flags=_set_bits(layer.columns, layer.n_columns_in, config.n_columns,
                               np.uint8))
    return _with_index(layer)


def _fill(members, sizes, k, values):
    """Set ``k`` of a family of sets (members and sizes only) to ``values``."""
    members[k, : len(values)] = values
    sizes[k] = len(values)


# ------------------------------------------------------- numpy reference

def reference_canonical(tm):
    """The canonical form of a
    :class:`~.backends._numpy.ReferenceBacktrackingTM` (see the module)."""
    return {
        "segments": [(s.cell, s.serial, [p for p, _ in s.synapses],
                      [float(v) for _, v in s.synapses], s.last_active)
                     for s in tm.segments()],
        "sets": {**{name: sorted(cells) for name, cells in tm.sets.items()},
                 "confident": sorted(tm.confident)},
        "inf_history": [list(h) for h in tm.inf_history],
        "lrn_history": [list(h) for h in tm.lrn_history],
        "updates": [(cell, -1 if segment is None else segment.serial, step, list(cells))
                    for cell, segment, step, cells in tm.updates],
        "counters": (tm.iteration, tm.pam_counter, tm.learned_length, tm.next_serial),
        "reset_called": tm.reset_called,
        "avg_input_density": float(tm.avg_input_density),
        "rng": int(tm.rng.state[0]),
    }


def restore_reference(tm, canonical):
    """Set what a :class:`~.backends._numpy.ReferenceBacktrackingTM` learned
    (all but its configuration and ``n_samples_seen``) to ``canonical``.

    A queued update of a destroyed segment names a segment object marked as
    destroyed (``alive`` False), as the reference keeps it.
    """
    tm.cells, by_serial = {}, {}
    for cell, serial, presynaptic, permanence, last_active in canonical["segments"]:
        segment = _Segment(int(cell), int(serial), int(last_active))
        segment.synapses = [[int(p), PERMANENCE_DTYPE(v)]
                            for p, v in zip(presynaptic, permanence)]
        tm.cells.setdefault(segment.cell, []).append(segment)
        by_serial[segment.serial] = segment
    updates = []
    for cell, serial, step, cells in canonical["updates"]:
        segment = None
        if serial >= 0:
            segment = by_serial.get(serial)
            if segment is None:  # destroyed since it was queued (never decays)
                segment = by_serial[serial] = _Segment(int(cell), int(serial), int(step))
                segment.alive = False
        updates.append((int(cell), segment, int(step), [int(c) for c in cells]))
    tm.updates = updates
    (tm.iteration, tm.pam_counter, tm.learned_length,
     tm.next_serial) = (int(v) for v in canonical["counters"])
    tm.reset_called = bool(canonical["reset_called"])
    tm.avg_input_density = float(canonical["avg_input_density"])
    tm.rng = IntegerGenerator(np.array([canonical["rng"]], dtype=np.uint64))
    sets = canonical["sets"]
    tm.sets = {CELL_SET_NAMES[k]: {int(c) for c in sets[CELL_SET_NAMES[k]]}
               for k in STEP_SETS}
    tm.confident = {int(c) for c in sets["confident"]}
    for name in ("inf_history", "lrn_history"):
        setattr(tm, name, [[int(c) for c in columns] for columns in canonical[name]])
