"""The Spatial Pooler's configuration and state, as plain numpy containers.

Backends receive a :class:`PoolerConfig` (constants derived from the
estimator's parameters and the input size) and a :class:`PoolerState` (the
arrays that learning changes). Both hold only numpy arrays and Python
scalars, so they pickle, copy and travel to joblib or Dask workers freely;
device copies are a backend's private business during a call.

Data types are part of the specification: permanences and boost factors are
float32, duty cycles float64, overlaps int32, and the float32 constants below
are rounded once here so that every backend compares against the same bits.
"""

from dataclasses import dataclass, field

import numpy as np

from ._portable_math import portable_exp
from ._topology import potential_pools

PERMANENCE_DTYPE = np.float32
DUTY_DTYPE = np.float64
BOOST_DTYPE = np.float32
OVERLAP_DTYPE = np.int32
# Probability that a potential synapse starts connected [initConnectedPct].
INIT_CONNECTED_PCT = 0.5


@dataclass(frozen=True)
class PoolerConfig:
    """Constants of one fitted Spatial Pooler (see the estimator for meanings)."""

    n_inputs: int
    n_columns: int
    n_active_columns: int
    sparsity: float
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
    global_inhibition: bool
    # Local inhibition only: neighbourhoods H(c) in CSR form and the number of
    # winners each column's neighbourhood admits, round(sparsity * (|H(c)| + 1)).
    neighbourhood_indptr: np.ndarray = field(default=None, repr=False)
    neighbourhood_indices: np.ndarray = field(default=None, repr=False)
    local_n_winners: np.ndarray = field(default=None, repr=False)


@dataclass
class PoolerState:
    """Everything learning changes. ``copy()`` gives an independent snapshot."""

    potential_indptr: np.ndarray  # int64, (n_columns + 1,)
    potential_indices: np.ndarray  # int32, (n_synapses,), sorted per column
    permanences: np.ndarray  # float32, (n_synapses,)
    active_duty_cycles: np.ndarray  # float64, (n_columns,)
    overlap_duty_cycles: np.ndarray  # float64, (n_columns,)
    min_overlap_duty_cycles: np.ndarray  # float64, (n_columns,)
    boost_factors: np.ndarray  # float32, (n_columns,)
    n_samples_seen: int = 0

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
        )


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


def initial_state(config, column_shape, input_shape, potential_radius,
                  potential_pct, wrap_around, rng):
    """A fresh state: potential pools, permanences, zero duty cycles."""
    indptr, indices = potential_pools(
        column_shape, input_shape, potential_radius, potential_pct, wrap_around, rng
    )
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
