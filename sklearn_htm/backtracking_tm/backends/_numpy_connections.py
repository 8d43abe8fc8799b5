"""The numpy reference's segments and their updates (the rules of
:mod:`._numpy`'s docstring on new segments, new synapses and full
segments), as the numba backend's :mod:`._numba._connections` holds them.

:class:`SegmentRules` is a part of
:class:`~._numpy.ReferenceBacktrackingTM`: it reads the layer's
``config``, ``cells``, ``rng``, ``iteration``, ``next_serial`` and
``updates``.
"""

from .._config import PERMANENCE_DTYPE, UPDATE_VALID_STEPS

_ONE = PERMANENCE_DTYPE(1.0)
_ZERO = PERMANENCE_DTYPE(0.0)


class _Segment:
    """One segment: its cell, its serial (creation count), its synapses,
    ``[presynaptic cell, float32 permanence]`` in slot order, and the step
    it was created or last reinforced at (NuPIC's ``lastActiveIteration``)."""

    __slots__ = ("cell", "serial", "synapses", "alive", "last_active")

    def __init__(self, cell, serial, last_active):
        self.cell = cell
        self.serial = serial
        self.synapses = []  # [presynaptic cell, float32 permanence], slot order
        self.alive = True
        self.last_active = last_active

    def count(self, cells):
        return sum(1 for presynaptic, _ in self.synapses if presynaptic in cells)


class SegmentRules:
    """Making, queueing and applying segment updates, where a new segment
    goes, and the global decay (NuPIC's ``SegmentUpdate``, ``computeUpdate``,
    ``processSegmentUpdates``, ``adaptSegment``, ``getCellForNewSegment``,
    and the ``globalDecay`` step of ``backtracking_tm.py``'s ``compute``)."""

    def make_update(self, cell, segment, cells):
        """``segment``'s synapses from ``cells`` plus new ones to random
        cells of ``cells`` (up to ``new_synapse_count``); None if empty."""
        chosen = [] if segment is None else [p for p, _ in segment.synapses if p in cells]
        n_add = self.config.new_synapse_count - len(chosen)
        if n_add > 0:
            have = set() if segment is None else {p for p, _ in segment.synapses}
            candidates = sorted(c for c in cells if c not in have)
            if len(candidates) <= n_add:
                chosen += candidates
            else:
                for i in range(n_add):
                    r = i + self.rng.below(len(candidates) - i)
                    candidates[i], candidates[r] = candidates[r], candidates[i]
                    chosen.append(candidates[i])
        if not chosen:
            return None
        return (cell, segment, self.iteration, chosen)

    def apply_updates(self, columns):
        cpc = self.config.cells_per_column
        for update in self.updates:
            cell, segment, step, _ = update
            if self.iteration - step > UPDATE_VALID_STEPS:
                continue
            if segment is not None and not segment.alive:
                continue
            if cell // cpc in columns:
                self.apply_update(update)
        self.updates = []

    def apply_update(self, update):
        cfg = self.config
        cell, segment, _, cells = update
        if segment is None:
            segment = self._create_segment(cell)
            segment.synapses = [[c, cfg.initial_permanence] for c in sorted(cells)]
            return
        segment.last_active = self.iteration
        wanted = set(cells)
        kept = []
        for presynaptic, permanence in segment.synapses:
            if presynaptic in wanted:
                permanence = min(permanence + cfg.permanence_increment, _ONE)
            else:
                permanence = permanence - cfg.permanence_decrement
                if permanence <= _ZERO:
                    continue
            kept.append([presynaptic, permanence])
        on_segment = {p for p, _ in kept}
        new = [c for c in cells if c not in on_segment]
        excess = len(kept) + len(new) - cfg.max_synapses_per_segment
        for in_update in (False, True):
            while excess > 0:
                slots = [j for j, (p, _) in enumerate(kept) if (p in wanted) == in_update]
                if not slots:
                    break
                weakest = min(slots, key=lambda j: (kept[j][1], j))
                del kept[weakest]
                excess -= 1
        kept += [[c, cfg.initial_permanence] for c in sorted(new)]
        segment.synapses = kept
        if not kept:
            self._destroy_segment(segment)

    def cell_for_new_segment(self, column):
        cfg = self.config
        cells = list(self.column_cells(column))
        if cfg.cells_per_column > 1:
            cells = cells[1:]
        open_ = [c for c in cells if len(self.cells.get(c, [])) < cfg.max_segments_per_cell]
        if cfg.cells_per_column == 1:
            if not open_:
                self._destroy_segment(self.cells[cells[0]][0])
            return cells[0]
        if open_:
            return open_[self.rng.below(len(open_))]
        cell = cells[self.rng.below(len(cells))]
        self._destroy_segment(self.cells[cell][0])
        return cell

    def decay_idle_segments(self):
        """Every segment created or last reinforced more than ``max_age``
        steps ago loses ``global_decay`` of every permanence; a synapse at 0
        or below is destroyed, and a segment left without synapses."""
        cfg = self.config
        for segment in self.segments():
            if self.iteration - segment.last_active <= cfg.max_age:
                continue
            kept = []
            for presynaptic, permanence in segment.synapses:
                permanence = permanence - cfg.global_decay
                if permanence > _ZERO:
                    kept.append([presynaptic, permanence])
            segment.synapses = kept
            if not kept:
                self._destroy_segment(segment)

    def _create_segment(self, cell):
        segment = _Segment(cell, self.next_serial, self.iteration)
        self.next_serial += 1
        self.cells.setdefault(cell, []).append(segment)
        return segment

    def _destroy_segment(self, segment):
        segment.alive = False
        self.cells[segment.cell].remove(segment)
        if not self.cells[segment.cell]:
            del self.cells[segment.cell]
