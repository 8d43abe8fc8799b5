"""The numpy backend: the backtracking Temporal Memory's specification in code.

Written to be read, not to be fast: segments are Python objects holding a
list of ``[presynaptic cell, float32 permanence]`` in slot order, every
count is recomputed from them, and each rule of NuPIC's ``Cells4.cpp``
(the C++ ``BacktrackingTMCPP`` that NAB's HTM detector ran; its Python
twin is ``backtracking_tm.py``) is one short method. The numba backend
reproduces these exact bits. Where ``Cells4`` leaves an order or a draw
open (its own generator, its segment slots), this module fixes it:

- segments of a cell are in creation order; a segment is identified by its
  serial (creation count);
- a new segment goes on a random cell of the column other than its start
  cell (cell 0), ``below(number of cells under max_segments_per_cell)``
  among them in index order; when all are full, cell
  ``1 + below(cells_per_column - 1)`` first loses its oldest segment;
- new synapses go to cells of the learning set that the segment does not
  yet have: the candidates sorted, then the first ``n`` of a Fisher-Yates
  shuffle (``i + below(m - i)`` at step ``i``); a segment's new synapses
  are appended in increasing cell order;
- a segment over ``max_synapses_per_segment`` first loses its weakest
  synapses (lowest permanence, the first slot on ties) not in the update,
  then its weakest ones in it;
- the predicted learning cell of a column is that of the segment with the
  most synapses from the learning cells, ties going to the higher cell and
  then the older segment (Cells4 scans cells downwards); queued updates are
  applied in column order.

A reset (:meth:`ReferenceBacktrackingTM.reset`) is NuPIC's: it forgets
the activity, the queued updates and both input histories, and the next
step infers from start cells and starts learning over on them
(``resetCalled``). A new layer has not been reset: its first step is an
ordinary one (as a new ``Cells4``'s). Inference without learning
(``step(columns, learning=False)``) runs a step's inference alone. Not
implemented (NAB's detector does not use it): pooling (``doPooling``).
The global decay (``globalDecay`` every ``maxAge`` steps, after the step's
learning) visits the segments by cell and then by serial.

The segment rules (updates, new segments) are in :mod:`._numpy_connections`;
the canonical form, and the layer built from it, in :mod:`.._canonical`.

``below`` is the generator of :mod:`sklearn_htm._core.random`.
"""

import copy

import numpy as np

from ..._core.pools import indptr_from_lengths, split
from ..._core.random import IntegerGenerator
from ..._core.state import LayerState
from .._canonical import reference_canonical, restore_reference
from .._config import IN_SEQUENCE_FRACTION, PERMANENCE_DTYPE
from .._state import CELL_SET_NAMES, STEP_SETS
from ._base import BacktrackingTMBackend
from ._numpy_connections import SegmentRules, _Segment


class ReferenceBacktrackingTM(SegmentRules, LayerState):
    """One backtracking Temporal Memory, step by step (its segment rules in
    :class:`~._numpy_connections.SegmentRules`)."""

    def __init__(self, config, rng_state):
        self.config = config
        self.cells = {}            # cell -> its segments, in creation order
        self.next_serial = 0
        self.iteration = 0
        self.pam_counter = config.pam_length + 1
        self.learned_length = 0
        self.avg_input_density = 0.0
        self.rng = IntegerGenerator(rng_state)
        self.sets = {CELL_SET_NAMES[k]: set() for k in STEP_SETS}
        self.confident = set()
        self.inf_history = []
        self.lrn_history = []
        self.updates = []          # (cell, segment or None, step, cells)
        self.reset_called = False  # NuPIC's resetCalled: the next row begins a sequence
        self.n_samples_seen = 0
        self.scratch = {}  # the state protocol's; the reference keeps nothing there

    def copy(self):
        return copy.deepcopy(self)

    # ----------------------------------------------------------- structure

    def segments(self):
        return [s for cell in sorted(self.cells) for s in self.cells[cell]]

    def column_cells(self, column):
        first = column * self.config.cells_per_column
        return range(first, first + self.config.cells_per_column)

    @property
    def n_segments(self):
        return sum(len(segments) for segments in self.cells.values())

    @property
    def n_synapses(self):
        return sum(len(s.synapses) for s in self.segments())

    def members(self, name):
        """As :meth:`..._state.BTMState.members`."""
        members = self.confident if name == "confident" else self.sets[name]
        return np.array(sorted(members), dtype=np.int64)

    def canonical(self):
        """The form :meth:`..._state.BTMState.canonical` gives (see
        :mod:`.._canonical`)."""
        return reference_canonical(self)

    @classmethod
    def from_canonical(cls, config, canonical, n_samples_seen=0):
        """The layer whose canonical form is ``canonical`` (of either
        backend's state), which continues bit for bit as that state
        (parameters as :meth:`..._state.BTMState.from_canonical`)."""
        tm = cls(config, np.array([canonical["rng"]], dtype=np.uint64))
        restore_reference(tm, canonical)
        tm.n_samples_seen = n_samples_seen
        return tm

    # ------------------------------------------------------------- saving

    def __getstate__(self):
        """Numbers, arrays and the configuration only (what skops saves):
        every segment once (those of the cells, in creation order, then
        destroyed ones a queued update still names) as flat arrays; the
        cells' lists, the queued updates and the histories as indices and
        offsets into them."""
        table, index = [], {}

        def ref(segment):
            if segment is None:
                return -1
            if id(segment) not in index:
                index[id(segment)] = len(table)
                table.append(segment)
            return index[id(segment)]

        cell_lists = [(cell, [ref(s) for s in segments]) for cell, segments in self.cells.items()]
        updates = [(cell, ref(segment), step, cells) for cell, segment, step, cells in self.updates]
        synapses = [syn for s in table for syn in s.synapses]
        return {
            "config": self.config,
            "counters": np.array([self.next_serial, self.iteration, self.pam_counter,
                                  self.learned_length, self.n_samples_seen,
                                  self.reset_called], dtype=np.int64),
            "avg_input_density": float(self.avg_input_density),
            "rng": np.array(self.rng.state, dtype=np.uint64),
            "segment_cell": np.array([s.cell for s in table], dtype=np.int64),
            "segment_serial": np.array([s.serial for s in table], dtype=np.int64),
            "segment_alive": np.array([s.alive for s in table], dtype=bool),
            "segment_last_active": np.array([s.last_active for s in table], dtype=np.int64),
            "synapse_offsets": indptr_from_lengths([len(s.synapses) for s in table]),
            "presynaptic": np.array([p for p, _ in synapses], dtype=np.int64),
            "permanence": np.array([v for _, v in synapses], dtype=PERMANENCE_DTYPE),
            "cells": np.array([cell for cell, _ in cell_lists], dtype=np.int64),
            "cell_offsets": indptr_from_lengths([len(refs) for _, refs in cell_lists]),
            "cell_segments": np.array([r for _, refs in cell_lists for r in refs], dtype=np.int64),
            "updates": np.array([u[:3] for u in updates], dtype=np.int64).reshape(-1, 3),
            "update_offsets": indptr_from_lengths([len(u[3]) for u in updates]),
            "update_cells": np.array([c for u in updates for c in u[3]], dtype=np.int64),
            "sets": {name: np.array(sorted(cells), dtype=np.int64)
                     for name, cells in self.sets.items()},
            "confident": np.array(sorted(self.confident), dtype=np.int64),
            **{f"{name}_offsets": indptr_from_lengths([len(h) for h in history])
               for name, history in (("inf_history", self.inf_history),
                                     ("lrn_history", self.lrn_history))},
            **{name: np.array([c for h in history for c in h], dtype=np.int64)
               for name, history in (("inf_history", self.inf_history),
                                     ("lrn_history", self.lrn_history))},
        }

    def __setstate__(self, state):
        self.config = state["config"]
        counters = state["counters"].tolist()
        (self.next_serial, self.iteration, self.pam_counter, self.learned_length,
         self.n_samples_seen) = counters[:5]
        self.reset_called = bool(counters[5]) if len(counters) > 5 else False  # none before
        self.avg_input_density = state["avg_input_density"]
        self.rng = IntegerGenerator(np.array(state["rng"], dtype=np.uint64))
        offsets = state["synapse_offsets"]
        presynaptic, permanence = state["presynaptic"].tolist(), state["permanence"]
        table = []
        # saved before global decay: every segment as if reinforced now
        last_active = state.get("segment_last_active",
                                np.full(len(state["segment_cell"]), self.iteration)).tolist()
        for k, (cell, serial, alive) in enumerate(zip(state["segment_cell"].tolist(),
                                                      state["segment_serial"].tolist(),
                                                      state["segment_alive"].tolist())):
            segment = _Segment(cell, serial, last_active[k])
            segment.alive = alive
            segment.synapses = [[presynaptic[j], permanence[j]]
                                for j in range(offsets[k], offsets[k + 1])]
            table.append(segment)
        lists = split(state["cell_segments"].tolist(), state["cell_offsets"])
        self.cells = {cell: [table[r] for r in refs]
                      for cell, refs in zip(state["cells"].tolist(), lists)}
        update_cells = split(state["update_cells"].tolist(), state["update_offsets"])
        self.updates = [(cell, None if r < 0 else table[r], step, cells)
                        for (cell, r, step), cells in zip(state["updates"].tolist(), update_cells)]
        self.sets = {name: set(cells.tolist()) for name, cells in state["sets"].items()}
        self.confident = set(state["confident"].tolist())
        for name in ("inf_history", "lrn_history"):
            setattr(self, name, split(state[name].tolist(), state[f"{name}_offsets"]))
        self.scratch = {}

    # ---------------------------------------------------------------- step

    def reset(self):
        """NuPIC's ``reset``: forget the activity (the cell sets, learning
        and inference, active and predicted, at t and t-1, and the column
        confidences), flush the queued segment updates, clear both input
        histories (``_prevInfPatterns``, ``_prevLrnPatterns``) and set
        ``resetCalled``: the next step begins a sequence. The segments, the
        step counters, the average input density and the generator stay."""
        self.sets = {name: set() for name in self.sets}
        self.confident = set()
        self.updates = []
        self.inf_history = []
        self.lrn_history = []
        self.reset_called = True

    def step(self, columns, learning=True):
        """Learn one input (its active columns, sorted); returns its raw
        anomaly: the fraction of its columns not confidently predicted.
        Without ``learning`` the input is inferred only. After a
        :meth:`reset` the step begins a sequence, and clears
        ``reset_called`` (as ``Cells4::compute``)."""
        columns = [int(c) for c in columns]
        anomaly = 0.0
        if columns:
            anomaly = sum(1 for c in columns if c not in self.confident) / len(columns)
        self.iteration += 1
        if self.avg_input_density == 0.0:
            self.avg_input_density = float(len(columns))
        else:
            self.avg_input_density = 0.99 * self.avg_input_density + 0.01 * len(columns)
        self.infer(columns)
        if learning:
            self.learn(columns)
            cfg = self.config
            if cfg.global_decay > 0 and self.iteration % cfg.max_age == 0:
                self.decay_idle_segments()
        self.reset_called = False
        return anomaly

    # ------------------------------------------------------------ inference

    def infer(self, columns):
        """NuPIC's ``updateInferenceState``: after a reset, the input's
        start cells (``inferPhase1(activeColumns, resetCalled)``)."""
        sets = self.sets
        sets["inf_active_prev"] = set(sets["inf_active"])
        sets["inf_predicted_prev"] = set(sets["inf_predicted"])
        if self.config.max_inf_backtrack > 0:
            self._push(self.inf_history, self.config.max_inf_backtrack, columns)
        if not self.activate(columns, self.reset_called) or not self.predict():
            self.backtrack()

    def activate(self, columns, from_start_cells):
        """Active cells: start cells, or each column's predicted cells, or
        the whole column. Returns whether half the columns were predicted."""
        active = set()
        if from_start_cells:
            active = {c * self.config.cells_per_column for c in columns}
            self.sets["inf_active"] = active
            return True
        n_predicted = 0
        for column in columns:
            predicted = [c for c in self.column_cells(column)
                         if c in self.sets["inf_predicted_prev"]]
            if predicted:
                n_predicted += 1
                active.update(predicted)
            else:
                active.update(self.column_cells(column))
        self.sets["inf_active"] = active
        return n_predicted >= IN_SEQUENCE_FRACTION * len(columns)

    def predict(self):
        """Predicted cells (enough connected synapses from active cells) and
        confident columns (enough synapses of any permanence). Returns
        whether enough columns are predicted to go forward."""
        cfg = self.config
        active = self.sets["inf_active"]
        predicted, confident = set(), set()
        for segment in self.segments():
            if segment.count(active) < cfg.activation_threshold:
                continue
            confident.add(segment.cell // cfg.cells_per_column)
            connected = sum(1 for p, v in segment.synapses
                            if v >= cfg.connected_threshold and p in active)
            if connected >= cfg.activation_threshold:
                predicted.add(segment.cell)
        self.sets["inf_predicted"] = predicted
        self.confident = confident
        n_columns = len({c // cfg.cells_per_column for c in predicted})
        return n_columns >= IN_SEQUENCE_FRACTION * self.avg_input_density

    def backtrack(self):
        sets = self.sets
        history = self.inf_history
        if not history:
            return
        current = len(history) - 1
        backup_active = set(sets["inf_active"])
        backup_predicted_prev = set(sets["inf_predicted_prev"])
        bad = [False] * len(history)
        candidate, saved = None, None
        for start in range(len(history)):
            if start == current and candidate is not None:
                break
            in_sequence = False
            for offset in range(start, len(history)):
                sets["inf_predicted_prev"] = set(sets["inf_predicted"])
                in_sequence = self.activate(history[offset], offset == start)
                if not in_sequence:
                    break
                in_sequence = self.predict()
                if not in_sequence:
                    break
            if not in_sequence:
                bad[start] = True
                continue
            candidate = start
            saved = (set(sets["inf_active"]), set(sets["inf_predicted"]), set(self.confident))
            break
        if candidate is None:
            sets["inf_active"] = backup_active
            self.predict()
        else:
            sets["inf_active"], sets["inf_predicted"], self.confident = saved
        k = 0
        while k < len(history) and (bad[k] or (candidate is not None and k <= candidate)):
            k += 1
        del history[:k]
        sets["inf_predicted_prev"] = backup_predicted_prev

    # ------------------------------------------------------------- learning

    def learn(self, columns):
        """NuPIC's ``updateLearningState``. After a reset it chooses no
        learning cells (``learnPhase1``) and does not backtrack: learning
        starts over on the input's start cells."""
        cfg = self.config
        sets = self.sets
        sets["lrn_active_prev"] = set(sets["lrn_active"])
        sets["lrn_predicted_prev"] = set(sets["lrn_predicted"])
        if cfg.max_lrn_backtrack > 0:
            self._push(self.lrn_history, cfg.max_lrn_backtrack, columns)
        self.apply_updates(set(columns))
        if self.pam_counter > 0:
            self.pam_counter -= 1
        self.learned_length += 1
        if not self.reset_called and self.choose_learning_cells(columns, read_only=False):
            self.pam_counter = cfg.pam_length
        if self.reset_called or self.pam_counter == 0 or (
                cfg.max_seq_length != 0 and self.learned_length >= cfg.max_seq_length):
            back = 0 if self.reset_called else self.learning_backtrack()
            if back == 0:
                sets["lrn_active"] = {c * cfg.cells_per_column for c in columns}
                self.lrn_history = []
            self.pam_counter = cfg.pam_length
            self.learned_length = back
            self.updates = []
        self.predict_learning_cells(read_only=False)

    def choose_learning_cells(self, columns, read_only):
        """One learning cell per column (see the numba kernel of the same
        name). Returns whether fewer than half the columns were unpredicted."""
        previous = self.sets["lrn_active_prev"]
        active = set()
        self.sets["lrn_active"] = active
        n_unpredicted = 0
        for column in columns:
            predicted = [c for c in self.column_cells(column)
                         if c in self.sets["lrn_predicted_prev"]]
            if predicted:
                active.add(predicted[-1])
                continue
            n_unpredicted += 1
            if read_only:
                continue
            cell, segment = self.best_matching_cell(column, previous)
            if segment is None:
                cell = self.cell_for_new_segment(column)
            active.add(cell)
            update = self.make_update(cell, segment, previous)
            if update is not None:
                self.apply_update(update)
        return n_unpredicted < len(columns) // 2

    def best_matching_cell(self, column, cells):
        best, best_cell, best_segment = self.config.min_threshold, -1, None
        for cell in self.column_cells(column):
            cell_best, cell_segment = 0, None
            for segment in self.cells.get(cell, []):
                count = segment.count(cells)
                if count > cell_best:
                    cell_best, cell_segment = count, segment
            if cell_segment is not None and cell_best >= best:
                best, best_cell, best_segment = cell_best, cell, cell_segment
        return best_cell, best_segment

    def predict_learning_cells(self, read_only):
        cfg = self.config
        active = self.sets["lrn_active"]
        best = {}
        for segment in self.segments():
            count = segment.count(active)
            if count < cfg.activation_threshold:
                continue
            column = segment.cell // cfg.cells_per_column
            key = (count, segment.cell, -segment.serial)
            if column not in best or key > best[column][0]:
                best[column] = (key, segment)
        self.sets["lrn_predicted"] = {segment.cell for _, segment in best.values()}
        if not read_only:
            for column in sorted(best):
                segment = best[column][1]
                update = self.make_update(segment.cell, segment, active)
                if update is not None:
                    self.updates.append(update)

    def learning_backtrack(self):
        n_back = len(self.lrn_history) - 1
        if n_back <= 0:
            return 0
        bad = [False] * n_back
        found = None
        for start in range(n_back):
            if self.replay_from(start, read_only=True):
                found = start
                break
            bad[start] = True
        if found is None:
            self.lrn_history = []
            return 0
        self.replay_from(found, read_only=False)
        k = 0
        while k < n_back and (bad[k] or k <= found):
            k += 1
        del self.lrn_history[:k]
        return n_back - found

    def replay_from(self, start, read_only):
        sets = self.sets
        history = self.lrn_history
        if not read_only:
            self.updates = []
        in_sequence = True
        for offset in range(start, len(history)):
            sets["lrn_active_prev"] = set(sets["lrn_active"])
            sets["lrn_predicted_prev"] = set(sets["lrn_predicted"])
            columns = history[offset]
            if not read_only:
                self.apply_updates(set(columns))
            if offset == start:
                sets["lrn_active"] = {c * self.config.cells_per_column for c in columns}
                in_sequence = True
            else:
                in_sequence = self.choose_learning_cells(columns, read_only)
            if not in_sequence or offset == len(history) - 1:
                break
            self.predict_learning_cells(read_only)
        return in_sequence

    @staticmethod
    def _push(history, limit, columns):
        if len(history) > limit:
            del history[0]
        history.append(list(columns))


class NumpyBackend(BacktrackingTMBackend):
    """The reference backend (slow: for tests and as the specification). Its
    state is a :class:`ReferenceBacktrackingTM`."""

    name = "numpy"
    chunk_rows = 200

    state_type = ReferenceBacktrackingTM

    def new_state(self, config, rng_state):
        return ReferenceBacktrackingTM(config, rng_state)

    def infer(self, config, state, rows, starts=None):
        state = copy.deepcopy(state)
        return self._run(config, state, rows, None, starts, learning=False)

    def learn(self, config, state, rows, out=None, starts=None):
        return self._run(config, state, rows, out, starts, learning=True)

    @staticmethod
    def _run(config, state, rows, out, starts, learning):
        state.config = config
        indptr, indices = rows.indptr, rows.indices
        anomaly = np.zeros(indptr.shape[0] - 1, dtype=np.float64) if out is None else out
        for r in range(anomaly.shape[0]):
            if starts is not None and starts[r]:
                state.reset()
            anomaly[r] = state.step(indices[indptr[r]:indptr[r + 1]], learning)
            if learning:
                state.n_samples_seen += 1
        return anomaly
