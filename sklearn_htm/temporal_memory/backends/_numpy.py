"""The numpy backend: the Temporal Memory's specification in code.

Written to be read, not to be fast: segments are Python objects holding a
``{presynaptic cell: permanence}`` dictionary, every step recounts every
segment's synapses, and each rule of the algorithm (htm.core's
``TemporalMemory.cpp`` and ``Connections.cpp``, Hawkins and Ahmad 2016,
"Why neurons have thousands of synapses") is one short method. Every other
backend reproduces these exact bits. Where htm.core leaves an order or a tie
open, this module fixes it:

- segments are visited, and ties between them broken, by ``(cell, serial)``
  where ``serial`` counts segment creations;
- a bursting column's winner is the cell of its best matching segment (most
  active potential synapses; the first in that order on ties), else its
  least used cell (fewest segments), chosen by ``below(number of tied
  cells)`` among the tied cells in index order; the draw happens whenever
  there is no matching segment, learning or not;
- growth picks ``n`` of the previous winner cells that are not yet
  presynaptic on the segment: the candidates in increasing order, then
  ``n`` times ``candidates.pop(below(len(candidates)))``;
- a segment that would exceed ``max_synapses_per_segment`` first loses its
  weakest synapses (lowest permanence, then lowest presynaptic cell) that
  do not come from a previous winner cell;
- a cell at ``max_segments_per_cell`` loses its least recently used segment
  (lowest ``last_used``, then lowest serial) before it grows a new one;
  ``last_used`` is the learning step at which a segment was created or
  last reinforced;
- adapting adds ``permanence_increment`` to synapses from previously active
  cells and subtracts ``permanence_decrement`` from the others, in float32,
  capped at 1; a synapse whose permanence would fall below 1e-6 is destroyed,
  and so is a segment left with fewer than ``min_threshold`` synapses
  (htm.core's pruning).

``below`` is the generator of :mod:`sklearn_htm._core.random`.
"""

import numpy as np

from .._config import PERMANENCE_DTYPE, PERMANENCE_EPSILON
from ..._core.random import IntegerGenerator
from .._state import CanonicalConnections, canonical, pack
from ._base import RunResult, TemporalMemoryBackend
from ..._core.pools import indptr_from_lengths

_ONE = PERMANENCE_DTYPE(1.0)


class _Segment:
    __slots__ = ("cell", "serial", "last_used", "synapses")

    def __init__(self, cell, serial, last_used, synapses):
        self.cell = cell
        self.serial = serial
        self.last_used = last_used
        self.synapses = synapses  # {presynaptic cell: float32 permanence}

    @property
    def key(self):
        return (self.cell, self.serial)


class ReferenceTemporalMemory:
    """One Temporal Memory, step by step, over readable structures."""

    def __init__(self, config, canon, rng_state, active_cells, winner_cells):
        self.config = config
        self.cells = [[] for _ in range(config.n_cells)]
        for s, cell in enumerate(canon.segment_cell):
            lo, hi = canon.synapse_indptr[s], canon.synapse_indptr[s + 1]
            synapses = dict(zip(canon.synapse_presynaptic[lo:hi].tolist(),
                                canon.synapse_permanence[lo:hi]))
            self.cells[cell].append(_Segment(
                int(cell), int(canon.segment_serial[s]),
                int(canon.segment_last_used[s]), synapses,
            ))
        self.next_serial = canon.next_serial
        self.iteration = canon.iteration
        self.rng = IntegerGenerator(rng_state)
        self.active_cells = [int(c) for c in active_cells]
        self.winner_cells = [int(c) for c in winner_cells]
        self._activate_dendrites()

    # ----------------------------------------------------------- structure

    def segments(self):
        """Every segment, by (cell, serial)."""
        return [segment for cell in self.cells for segment in cell]

    def canonical(self):
        segments = self.segments()
        presynaptic, permanence, counts = [], [], []
        for segment in segments:
            pairs = sorted(segment.synapses.items())
            presynaptic += [p for p, _ in pairs]
            permanence += [v for _, v in pairs]
            counts.append(len(pairs))
        return CanonicalConnections(
            segment_cell=np.array([s.cell for s in segments], dtype=np.int32),
            segment_serial=np.array([s.serial for s in segments], dtype=np.int64),
            segment_last_used=np.array([s.last_used for s in segments], dtype=np.int64),
            synapse_indptr=indptr_from_lengths(counts),
            synapse_presynaptic=np.array(presynaptic, dtype=np.int32),
            synapse_permanence=np.array(permanence, dtype=PERMANENCE_DTYPE),
            next_serial=self.next_serial,
            iteration=self.iteration,
        )

    def column_of(self, cell):
        return cell // self.config.cells_per_column

    def reset(self):
        self.active_cells, self.winner_cells = [], []
        self._activate_dendrites()

    # ---------------------------------------------------------------- step

    def step(self, columns, learn):
        """One row: its active columns (sorted). Returns the raw anomaly."""
        cfg = self.config
        columns = [int(c) for c in columns]
        predicted_columns = {self.column_of(s.cell) for s in self.active_segments}
        anomaly = 0.0
        if columns:
            n_predicted = sum(1 for c in columns if c in predicted_columns)
            anomaly = (len(columns) - n_predicted) / len(columns)

        prev_active = set(self.active_cells)
        prev_winners = sorted(self.winner_cells)
        active_columns = set(columns)
        new_active, new_winners = [], []
        visited = sorted(active_columns | {self.column_of(s.cell) for s in self.matching_segments}
                         | predicted_columns)
        for column in visited:
            active_here = [s for s in self.active_segments if self.column_of(s.cell) == column]
            matching_here = [s for s in self.matching_segments
                             if self.column_of(s.cell) == column]
            if column in active_columns and active_here:
                self._activate_predicted_column(active_here, prev_active, prev_winners,
                                                learn, new_active, new_winners)
            elif column in active_columns:
                self._burst_column(column, matching_here, prev_active, prev_winners,
                                   learn, new_active, new_winners)
            elif learn and cfg.predicted_segment_decrement > 0:
                for segment in matching_here:
                    self._adapt(segment, prev_active, -cfg.predicted_segment_decrement,
                                PERMANENCE_DTYPE(0.0))
        self.active_cells = new_active
        self.winner_cells = sorted(new_winners)
        if learn:
            self.iteration += 1
        self._activate_dendrites()
        return anomaly

    def predictive_cells(self):
        return sorted({s.cell for s in self.active_segments})

    # ------------------------------------------------------------ the rules

    def _activate_dendrites(self):
        """Count each segment's synapses to the active cells."""
        cfg = self.config
        active = set(self.active_cells)
        self.n_potential = {}
        self.active_segments, self.matching_segments = [], []
        for segment in self.segments():
            potential = sum(1 for p in segment.synapses if p in active)
            connected = sum(1 for p, v in segment.synapses.items()
                            if p in active and v >= cfg.connected_threshold)
            self.n_potential[segment.key] = potential
            if potential and connected >= cfg.activation_threshold:
                self.active_segments.append(segment)
            if potential and potential >= cfg.min_threshold:
                self.matching_segments.append(segment)

    def _activate_predicted_column(self, segments, prev_active, prev_winners, learn,
                                   new_active, new_winners):
        for segment in segments:
            if not new_active or new_active[-1] != segment.cell:
                new_active.append(segment.cell)
                new_winners.append(segment.cell)
            if learn:
                self._reinforce(segment, prev_active, prev_winners)

    def _burst_column(self, column, matching, prev_active, prev_winners, learn,
                      new_active, new_winners):
        cfg = self.config
        first = column * cfg.cells_per_column
        new_active.extend(range(first, first + cfg.cells_per_column))
        best = None
        for segment in matching:
            if best is None or self.n_potential[segment.key] > self.n_potential[best.key]:
                best = segment
        winner = best.cell if best is not None else self._least_used_cell(column)
        new_winners.append(winner)
        if not learn:
            return
        if best is not None:
            self._reinforce(best, prev_active, prev_winners)
            return
        n_grow = min(cfg.max_new_synapse_count, len(prev_winners))
        if n_grow > 0:
            segment = self._create_segment(winner)
            self._grow(segment, prev_winners, n_grow)

    def _least_used_cell(self, column):
        first = column * self.config.cells_per_column
        cells = range(first, first + self.config.cells_per_column)
        fewest = min(len(self.cells[c]) for c in cells)
        tied = [c for c in cells if len(self.cells[c]) == fewest]
        return tied[self.rng.below(len(tied))]

    def _reinforce(self, segment, prev_active, prev_winners):
        """Learning on a segment that predicted, or best matched, its column."""
        cfg = self.config
        n_potential = self.n_potential[segment.key]
        segment.last_used = self.iteration
        if self._adapt(segment, prev_active, cfg.permanence_increment,
                       cfg.permanence_decrement):
            n_grow = cfg.max_new_synapse_count - n_potential
            if n_grow > 0:
                self._grow(segment, prev_winners, n_grow)

    def _adapt(self, segment, prev_active, increment, decrement):
        """Returns whether the segment survives."""
        for presynaptic, permanence in list(segment.synapses.items()):
            if presynaptic in prev_active:
                permanence = permanence + increment
            else:
                permanence = permanence - decrement
            if permanence < PERMANENCE_EPSILON:
                del segment.synapses[presynaptic]
            else:
                segment.synapses[presynaptic] = min(permanence, _ONE)
        if len(segment.synapses) < self.config.min_threshold or not segment.synapses:
            self.cells[segment.cell].remove(segment)
            return False
        return True

    def _grow(self, segment, prev_winners, n_desired):
        cfg = self.config
        candidates = [c for c in prev_winners if c not in segment.synapses]
        n = min(n_desired, len(candidates))
        if n <= 0:
            return
        overrun = len(segment.synapses) + n - cfg.max_synapses_per_segment
        if overrun > 0:
            winners = set(prev_winners)
            weakest = sorted((v, p) for p, v in segment.synapses.items() if p not in winners)
            for _, presynaptic in weakest[:overrun]:
                del segment.synapses[presynaptic]
            n = min(n, cfg.max_synapses_per_segment - len(segment.synapses))
        for _ in range(n):
            cell = candidates.pop(self.rng.below(len(candidates)))
            segment.synapses[cell] = cfg.initial_permanence

    def _create_segment(self, cell):
        segments = self.cells[cell]
        while len(segments) >= self.config.max_segments_per_cell:
            segments.remove(min(segments, key=lambda s: (s.last_used, s.serial)))
        segment = _Segment(cell, self.next_serial, self.iteration, {})
        self.next_serial += 1
        segments.append(segment)
        return segment


class NumpyBackend(TemporalMemoryBackend):
    """The reference backend (slow: for tests and as the specification)."""

    name = "numpy"
    chunk_rows = 200

    def run(self, config, state, rows, starts, learn, output, out=None):
        rng_state = state.rng.copy()
        tm = ReferenceTemporalMemory(
            config, canonical(state.connections), rng_state,
            state.active_cells, state.winner_cells,
        )
        n_rows = rows.shape[0]
        anomaly = np.zeros(n_rows, dtype=np.float64) if out is None else out
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        indices = []
        activity = state.cell_activity.copy()
        for r in range(n_rows):
            if starts[r]:
                tm.reset()
            anomaly[r] = tm.step(rows.indices[rows.indptr[r]:rows.indptr[r + 1]], learn)
            if learn:
                activity[tm.active_cells] += 1
            if output is not None:
                cells = {"active_cells": tm.active_cells, "winner_cells": tm.winner_cells,
                         "predictive_cells": tm.predictive_cells()}[output]
                indices.extend(cells)
                indptr[r + 1] = len(indices)
        if learn:
            state.connections = pack(tm.canonical(), config.n_cells)
            state.rng = rng_state
            state.cell_activity = activity
            state.active_cells = np.array(tm.active_cells, dtype=np.int32)
            state.winner_cells = np.array(tm.winner_cells, dtype=np.int32)
            state.n_samples_seen += n_rows
        if output is None:
            return RunResult(anomaly, None, None)
        return RunResult(anomaly, indptr, np.array(indices, dtype=np.int32))
