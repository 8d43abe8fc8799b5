"""The Spatial Pooler's constants and state, as plain numpy containers.

Backends receive a :class:`PoolerConfig` (the resolved
:class:`~sklearn_htm.spatial_pooler._structure.SpatialPoolerStructure` and
the learning constants) and a :class:`PoolerState` (the arrays that learning
changes). Both hold numpy arrays and Python scalars, so they pickle, copy and
travel to joblib or Dask workers freely.

A state also carries each backend's *scratch* (the one place for a backend's
work data, as in every layer's state): what a backend builds from the
arrays to compute fast (the numba backend's connected-synapse bit words, the
CuPy backend's copy of the state on the device). It is built on a backend's
first call, kept exact by that backend's learning, copied with the state,
dropped by every other backend's learning (which would leave it stale) and
never pickled: a loaded model rebuilds it on first use.

Data types are part of the specification: permanences and boost factors are
float32, duty cycles float64, overlaps int32, and the float32 constants below
are rounded once here so that every backend compares against the same bits.
"""

import math
import weakref
from functools import partial
from dataclasses import dataclass

import numpy as np

from .._core.attributes import forwarded
from .._core.state import LayerState
from ..utils._portable_math import portable_exp
from ._topology import potential_pools

PERMANENCE_DTYPE = np.float32
DUTY_DTYPE = np.float64
BOOST_DTYPE = np.float32
OVERLAP_DTYPE = np.int32
# Probability that a potential synapse starts connected [initConnectedPct].
INIT_CONNECTED_PCT = 0.5


@dataclass(frozen=True, eq=False)
class PoolerConfig:
    """Constants of one fitted Spatial Pooler: its structure and the learning
    parameters as the backends compute with them (see the estimator for
    meanings)."""

    structure: object  # SpatialPoolerStructure
    connected_threshold: np.float32
    permanence_increment: np.float32
    permanence_decrement: np.float32
    # Raise of every potential permanence of a weak column [synPermBelowStimulusInc].
    weak_column_bump: np.float32
    stimulus_threshold: np.float32
    boost_strength: float
    duty_cycle_period: int
    min_pct_overlap_duty_cycle: float
    update_period: int

    @classmethod
    def from_params(cls, structure, params):
        """The constants for ``structure`` and the estimator's ``params`` (a dict)."""
        threshold = PERMANENCE_DTYPE(params["connected_threshold"])
        return cls(
            structure=structure,
            connected_threshold=threshold,
            permanence_increment=PERMANENCE_DTYPE(params["permanence_increment"]),
            permanence_decrement=PERMANENCE_DTYPE(params["permanence_decrement"]),
            weak_column_bump=PERMANENCE_DTYPE(threshold / PERMANENCE_DTYPE(10)),
            stimulus_threshold=BOOST_DTYPE(params["stimulus_threshold"]),
            boost_strength=float(params["boost_strength"]),
            duty_cycle_period=int(params["duty_cycle_period"]),
            min_pct_overlap_duty_cycle=float(params["min_pct_overlap_duty_cycle"]),
            update_period=int(params["update_period"]),
        )

    # The structure's figures that every backend reads.
    n_inputs = forwarded("structure.n_inputs")
    n_columns = forwarded("structure.n_columns")
    n_active_columns = forwarded("structure.n_active_columns")
    sparsity = forwarded("structure.sparsity")
    global_inhibition = forwarded("structure.global_inhibition")

    @property
    def neighbourhoods(self):
        """The structure's :class:`~sklearn_htm.spatial_pooler._structure.Neighbourhoods`
        (None with global inhibition)."""
        return self.structure.neighbourhoods

    neighbourhood_indptr = forwarded("structure.neighbourhoods.indptr")
    neighbourhood_indices = forwarded("structure.neighbourhoods.indices")
    local_n_winners = forwarded("structure.neighbourhoods.n_winners")


class PoolerState(LayerState):
    """Everything learning changes, and the backends' scratch.

    Attributes
    ----------
    potential_indptr : ndarray of int64, shape (n_columns + 1,)
    potential_indices : ndarray of uint16 or int32, shape (n_synapses,)
        Column ``c``'s potential inputs, sorted:
        ``potential_indices[potential_indptr[c]:potential_indptr[c + 1]]``;
        16 bits when every input index fits in them (see
        :func:`compact_indices`).
    permanences : ndarray of float32, shape (n_synapses,)
    active_duty_cycles, overlap_duty_cycles : ndarray of float64, shape (n_columns,)
    min_overlap_duty_cycles : ndarray of float64, shape (n_columns,)
    boost_factors : ndarray of float32, shape (n_columns,)
    owner : int or None
        ``id()`` of the estimator that committed this state; never pickled.
    n_samples_seen : int
        Rows learned from. Kept in a one-element int64 array,
        ``samples_seen``, that a compiled learning kernel updates itself, so
        that a kernel call changes every part of the state or none.
    scratch : dict
        Backend name -> its work data (an object with a ``copy()`` method).

    ``copy()`` gives an independent snapshot (scratch included).
    """

    _ARRAYS = (
        "potential_indptr", "potential_indices", "permanences", "active_duty_cycles",
        "overlap_duty_cycles", "min_overlap_duty_cycles", "boost_factors",
    )

    def __init__(self, potential_indptr, potential_indices, permanences,
                 active_duty_cycles, overlap_duty_cycles, min_overlap_duty_cycles,
                 boost_factors, n_samples_seen=0, scratch=None):
        self.potential_indptr = potential_indptr
        self.potential_indices = compact_indices(potential_indices)
        self.permanences = permanences
        self.active_duty_cycles = active_duty_cycles
        self.overlap_duty_cycles = overlap_duty_cycles
        self.min_overlap_duty_cycles = min_overlap_duty_cycles
        self.boost_factors = boost_factors
        self.samples_seen = np.array([n_samples_seen], dtype=np.int64)
        self.scratch = {} if scratch is None else scratch
        # id() of the estimator that committed this state (it may then learn
        # in place: see SpatialPoolerTransformer._begin_learning); never pickled.
        self.owner = None

    @property
    def n_samples_seen(self):
        return int(self.samples_seen[0])

    @n_samples_seen.setter
    def n_samples_seen(self, value):
        self.samples_seen[0] = value

    def copy(self):
        # The potential pool never changes after initialisation; sharing it
        # keeps snapshots cheap.
        return PoolerState(
            potential_indptr=self.potential_indptr,
            potential_indices=self.potential_indices,
            permanences=self.permanences.copy(),
            active_duty_cycles=self.active_duty_cycles.copy(),
            overlap_duty_cycles=self.overlap_duty_cycles.copy(),
            min_overlap_duty_cycles=self.min_overlap_duty_cycles.copy(),
            boost_factors=self.boost_factors.copy(),
            n_samples_seen=self.n_samples_seen,
            scratch={name: value.copy() for name, value in self.scratch.items()},
        )

    def canonical(self):
        """The arrays learning changes and ``n_samples_seen`` (a dict)."""
        return self.__getstate__()

    def __repr__(self):
        return (f"PoolerState(n_columns={self.boost_factors.size}, "
                f"n_synapses={self.permanences.size}, n_samples_seen={self.n_samples_seen})")

    def __getstate__(self):
        # The fields as sklearn-htm 0.1.0 pickled them: arrays and an int
        # (input indices in 16 bits when they fit, as held).
        state = {name: getattr(self, name) for name in self._ARRAYS}
        state["n_samples_seen"] = self.n_samples_seen
        return state

    def __setstate__(self, state):
        arrays = {name: state[name] for name in self._ARRAYS}
        self.__init__(**arrays, n_samples_seen=state.get("n_samples_seen", 0))


def compact_indices(indices):
    """Potential input indices in 16 bits when every one fits in them (a
    pooler of at most 65,536 inputs: a third of its fixed memory), else
    int32; the array itself when it already has that dtype."""
    if indices.dtype == np.uint16:
        return indices
    fits = indices.size == 0 or (int(indices.min()) >= 0 and int(indices.max()) < 2**16)
    return np.asarray(indices, dtype=np.uint16 if fits else np.int32)


def initial_permanences(n_synapses, connected_threshold, rng):
    """Draw initial permanences [initPermanence_].

    With probability 0.5 a synapse starts connected, uniform in
    [threshold, 1]; otherwise uniform in [0, threshold). With threshold 0.5
    this is U(0, 1).
    """
    threshold = float(connected_threshold)
    # Drawn in chunks to bound the float64 temporaries; the stream and so
    # the values are those of one draw of all flags, then one of all u.
    connected = np.empty(n_synapses, dtype=bool)
    for chunk in _chunks(n_synapses):
        connected[chunk] = rng.random_sample(chunk.stop - chunk.start) <= INIT_CONNECTED_PCT
    values = np.empty(n_synapses, dtype=PERMANENCE_DTYPE)
    for chunk in _chunks(n_synapses):
        u = rng.random_sample(chunk.stop - chunk.start)
        values[chunk] = np.where(
            connected[chunk], threshold + (1.0 - threshold) * u, threshold * u
        )
    return values


def _chunks(n, size=1 << 22):
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def initial_state(config, rng):
    """A fresh state: potential pools, permanences, zero duty cycles.

    Pools are drawn first, column by column, then the permanences, all from
    the host stream ``rng`` (a ``numpy.random.RandomState``).
    """
    indptr, indices = shared_pools(config.structure, rng)
    permanences = initial_permanences(indices.size, config.connected_threshold, rng)
    n = config.n_columns
    active = np.zeros(n, dtype=DUTY_DTYPE)
    return PoolerState(
        potential_indptr=indptr,
        potential_indices=indices,
        permanences=permanences,
        active_duty_cycles=active,
        overlap_duty_cycles=np.zeros(n, dtype=DUTY_DTYPE),
        min_overlap_duty_cycles=np.zeros(n, dtype=DUTY_DTYPE),
        boost_factors=boost_factors(config, active),
        n_samples_seen=0,
    )


# Pools drawn in this process: (structure, stream state before) -> a weak
# reference to the read-only indices, their indptr, the stream state after.
_DRAWN_POOLS = {}


def shared_pools(structure, rng):
    """:func:`potential_pools` of ``structure`` drawn from ``rng``, shared
    with every pooler of this process that drew them from the same stream
    state (the clones of one estimator: a detector per stream): read-only
    arrays, and ``rng`` left where the draw leaves it. A pool never changes
    after it is drawn, and is a third of a fresh pooler's memory."""
    kind, keys, position, has_gauss, cached_gaussian = rng.get_state()
    key = (structure.column_shape, structure.input_shape, structure.potential_radius,
           float(structure.potential_pct), bool(structure.wrap_around),
           keys.tobytes(), position, has_gauss, cached_gaussian)
    drawn = _DRAWN_POOLS.get(key)
    indices = drawn[0]() if drawn is not None else None
    if indices is not None:
        _, indptr, after = drawn
        rng.set_state(after)
        return indptr, indices
    indptr, indices = potential_pools(
        structure.column_shape, structure.input_shape, structure.potential_radius,
        structure.potential_pct, structure.wrap_around, rng,
    )
    indices = compact_indices(indices)
    indptr.flags.writeable = False
    indices.flags.writeable = False
    _DRAWN_POOLS[key] = (weakref.ref(indices, partial(_forget_pools, key)), indptr,
                         rng.get_state())
    return indptr, indices


def _forget_pools(key, ref):
    if _DRAWN_POOLS.get(key, (None,))[0] is ref:
        del _DRAWN_POOLS[key]


def crosses_update_round(n_before, n_after, update_period):
    """Whether a multiple of ``update_period`` lies in (n_before, n_after]:
    the minimum duty cycles are updated after a step that crosses one
    [updatePeriod]."""
    return n_after // update_period > n_before // update_period


def boost_targets(config, active_duty_cycles):
    """Target activity per column: the sparsity (global inhibition) or the
    mean active duty cycle of the column and its neighbourhood (local),
    summed from the column itself and then its neighbours in index order."""
    if config.global_inhibition:
        return np.full(config.n_columns, config.sparsity, dtype=DUTY_DTYPE)
    indptr = config.neighbourhood_indptr
    indices = config.neighbourhood_indices
    sizes = np.diff(indptr)
    total = active_duty_cycles.copy()
    # Add the j-th neighbour of every column at once, j = 0, 1, ...: the same
    # sequential order a per-column loop would use.
    for j in range(int(sizes.max(initial=0))):
        has_j = sizes > j
        total[has_j] = total[has_j] + active_duty_cycles[indices[indptr[:-1][has_j] + j]]
    return total / (sizes + 1).astype(DUTY_DTYPE)


def boost_factors(config, active_duty_cycles):
    """b[c] = exp((target[c] - a[c]) * boost_strength), as float32 [updateBoostFactors_]."""
    if config.boost_strength == 0.0:
        return np.ones(config.n_columns, dtype=BOOST_DTYPE)
    targets = boost_targets(config, active_duty_cycles)
    exponent = (targets - active_duty_cycles) * config.boost_strength
    return portable_exp(exponent).astype(BOOST_DTYPE)


def check_reachable(config, state):
    """Refuse a ``stimulus_threshold`` that no column can ever reach.

    A column's boosted overlap is at most its pool size (every potential
    synapse connected and active) times its boost factor, which is at most
    ``exp(sparsity * boost_strength)`` under global inhibition (a column
    that never wins) and ``exp(boost_strength)`` under local inhibition (its
    target is a mean duty cycle, at most 1).

    Raises
    ------
    ValueError
        If ``stimulus_threshold`` exceeds that bound for every column: every
        SDR would be empty and nothing would ever be learned.
    """
    threshold = float(config.stimulus_threshold)
    if threshold <= 0:
        return
    largest_pool = int(np.diff(state.potential_indptr).max(initial=0))
    target = float(config.sparsity) if config.global_inhibition else 1.0
    exponent = target * float(config.boost_strength)
    largest_boost = math.exp(exponent) if exponent < 700 else math.inf
    if threshold > largest_pool * largest_boost:
        raise ValueError(
            f"stimulus_threshold={threshold:g} can never be reached: "
            f"the largest potential pool has {largest_pool} synapses and boosting "
            f"multiplies an overlap by at most {largest_boost:.3g}, so every SDR would be "
            "empty. Lower stimulus_threshold, or raise potential_pct or potential_radius."
        )
