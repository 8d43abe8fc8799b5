"""The numpy reference backend: the Spatial Pooler's specification in code.

Readable and slow on purpose. Every other backend must reproduce what these
functions compute, bit for bit; where a result depends on the order of
floating-point operations, the order written here is the specification.

The functions below take the rows as a canonical binary scipy CSR matrix
(sorted indices, no duplicates); :class:`NumpyBackend` is the
:class:`~._base.SpatialPoolerBackend` over them.
"""

import numpy as np
import scipy.sparse as sp

from .._state import (
    DUTY_DTYPE,
    OVERLAP_DTYPE,
    PERMANENCE_DTYPE,
    boost_factors,
    crosses_update_round,
)
from ._base import SpatialPoolerBackend

# Rows per block when transforming, to bound the dense intermediates.
_TRANSFORM_BLOCK = 256


def connected_matrix(config, state):
    """Connected synapses as a (n_columns, n_inputs) int32 CSR matrix of ones."""
    connected = state.permanences >= config.connected_threshold
    column_of_synapse = np.repeat(
        np.arange(config.n_columns), np.diff(state.potential_indptr)
    )
    return sp.csr_matrix(
        (
            np.ones(int(connected.sum()), dtype=OVERLAP_DTYPE),
            (column_of_synapse[connected], state.potential_indices[connected]),
        ),
        shape=(config.n_columns, config.n_inputs),
    )


def overlaps(config, state, X_rows):
    """o[s, c]: active inputs of row s on connected synapses of column c (int32)."""
    C = connected_matrix(config, state)
    X = sp.csr_matrix(X_rows, dtype=OVERLAP_DTYPE)
    return np.asarray((X @ C.T).toarray(), dtype=OVERLAP_DTYPE)


def boosted_overlaps(config, state, overlap):
    """o'[s, c] = o[s, c] * b[c] in float32 (b = 1 when boosting is off).

    With extreme boost strengths the product may overflow to inf; such
    columns then tie and the higher index wins, on every backend.
    """
    with np.errstate(over="ignore"):
        return overlap.astype(np.float32) * state.boost_factors


def inhibit_global(config, boosted):
    """The k largest boosted overlaps per row win; ties go to the higher index.

    Winners below the stimulus threshold are dropped afterwards.
    """
    n_rows, n_columns = boosted.shape
    k = config.n_active_columns
    winners = np.zeros((n_rows, n_columns), dtype=bool)
    column_index = np.arange(n_columns)
    for row in range(n_rows):
        # lexsort sorts by the last key first: ascending overlap, then
        # ascending index, so the last k entries are the winners.
        order = np.lexsort((column_index, boosted[row]))
        top = order[n_columns - k:]
        top = top[boosted[row, top] >= config.stimulus_threshold]
        winners[row, top] = True
    return winners


def inhibit_local(config, boosted):
    """A column at or above the stimulus threshold wins when fewer than
    ``local_n_winners[c]`` of its neighbours beat it; a neighbour ``n`` beats
    ``c`` when ``o'[n] > o'[c]``, or when they are equal and ``n > c``."""
    indptr = config.neighbourhood_indptr
    neighbour = config.neighbourhood_indices
    owner = np.repeat(np.arange(config.n_columns), np.diff(indptr))
    winners = np.zeros(boosted.shape, dtype=bool)
    for row in range(boosted.shape[0]):
        o = boosted[row]
        beats = (o[neighbour] > o[owner]) | (
            (o[neighbour] == o[owner]) & (neighbour > owner)
        )
        n_beaten_by = np.bincount(owner[beats], minlength=config.n_columns)
        winners[row] = (o >= config.stimulus_threshold) & (
            n_beaten_by < config.local_n_winners
        )
    return winners


def inhibit(config, boosted):
    if config.global_inhibition:
        return inhibit_global(config, boosted)
    return inhibit_local(config, boosted)


def active_columns(config, state, X_rows):
    """Raw overlaps and winners of a block of rows, with the current state."""
    overlap = overlaps(config, state, X_rows)
    winners = inhibit(config, boosted_overlaps(config, state, overlap))
    return overlap, winners


def transform(config, state, X):
    blocks = []
    for start in range(0, X.shape[0], _TRANSFORM_BLOCK):
        _, winners = active_columns(config, state, X[start:start + _TRANSFORM_BLOCK])
        blocks.append(sp.csr_matrix(winners))
    sdr = sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix(
        (0, config.n_columns), dtype=bool
    )
    sdr.sort_indices()
    return sdr.indptr.astype(np.int64), sdr.indices.astype(np.int32)


def adapt_permanences(config, state, X_dense, winners):
    """Hebbian update of every column that won at least once in the batch.

    For a synapse of column c on input i, with ``a`` the number of rows in
    which c won and i was active and ``n`` the number of rows in which c won:
    ``p += float32(a) * inc - float32(n - a) * dec``, then clip to [0, 1].
    With one row this is exactly the online rule; with more it is the sum of
    the online changes computed against the permanences at the batch start.
    """
    inc = config.permanence_increment
    dec = config.permanence_decrement
    n_wins = winners.sum(axis=0)
    for column in np.flatnonzero(n_wins):
        synapses = slice(state.potential_indptr[column], state.potential_indptr[column + 1])
        inputs = state.potential_indices[synapses]
        rows = winners[:, column]
        n_active = X_dense[rows][:, inputs].sum(axis=0)
        n_inactive = n_wins[column] - n_active
        delta = (
            n_active.astype(PERMANENCE_DTYPE) * inc
            - n_inactive.astype(PERMANENCE_DTYPE) * dec
        )
        updated = state.permanences[synapses] + delta
        state.permanences[synapses] = np.clip(updated, PERMANENCE_DTYPE(0), PERMANENCE_DTYPE(1))


def update_duty_cycles(config, state, overlap, winners):
    """Exponential moving averages over min(duty_cycle_period, samples seen),
    one row at a time: ``d = d * (period - 1) / period``, then
    ``d += 1 / period`` where the column overlapped (or won)."""
    for row in range(overlap.shape[0]):
        state.n_samples_seen += 1
        period = min(config.duty_cycle_period, state.n_samples_seen)
        decay = DUTY_DTYPE(period - 1) / DUTY_DTYPE(period)
        increment = DUTY_DTYPE(1.0) / DUTY_DTYPE(period)
        for duty, event in (
            (state.overlap_duty_cycles, overlap[row] > 0),
            (state.active_duty_cycles, winners[row]),
        ):
            duty *= decay
            duty[event] += increment


def bump_weak_columns(config, state):
    """Columns whose overlap duty cycle is below their minimum get every
    potential permanence raised by ``weak_column_bump`` [bumpUpWeakColumns_]."""
    weak = state.overlap_duty_cycles < state.min_overlap_duty_cycles
    for column in np.flatnonzero(weak):
        synapses = slice(state.potential_indptr[column], state.potential_indptr[column + 1])
        raised = state.permanences[synapses] + config.weak_column_bump
        state.permanences[synapses] = np.minimum(raised, PERMANENCE_DTYPE(1))


def update_min_duty_cycles(config, state):
    """min_pct_overlap_duty_cycle times the largest overlap duty cycle in the
    column's inhibition area (the whole layer for global inhibition)."""
    duty = state.overlap_duty_cycles
    if config.global_inhibition:
        state.min_overlap_duty_cycles[:] = config.min_pct_overlap_duty_cycle * duty.max()
        return
    indptr = config.neighbourhood_indptr
    owner = np.repeat(np.arange(config.n_columns), np.diff(indptr))
    largest = duty.copy()
    np.maximum.at(largest, owner, duty[config.neighbourhood_indices])
    state.min_overlap_duty_cycles[:] = config.min_pct_overlap_duty_cycle * largest


def update_homeostasis(config, state, overlap, winners):
    """Duty cycles, weak-column bumps, boost factors and (on update rounds)
    minimum duty cycles, in htm.core's order."""
    n_before = state.n_samples_seen
    update_duty_cycles(config, state, overlap, winners)
    bump_weak_columns(config, state)
    state.boost_factors[:] = boost_factors(config, state.active_duty_cycles)
    if crosses_update_round(n_before, state.n_samples_seen, config.update_period):
        update_min_duty_cycles(config, state)


def learn(config, state, X, batch_size):
    for start in range(0, X.shape[0], batch_size):
        X_batch = X[start:start + batch_size]
        overlap, winners = active_columns(config, state, X_batch)
        adapt_permanences(config, state, X_batch.toarray().astype(bool), winners)
        update_homeostasis(config, state, overlap, winners)


class NumpyBackend(SpatialPoolerBackend):
    """The reference: the functions of this module, on scipy CSR rows."""

    name = "numpy"
    # The reference learns tens of rows per second: small calls keep progress
    # reports and interrupts within a second or so.
    chunk_rows = 16

    def infer(self, config, state, rows):
        return transform(config, state, rows.to_csr())

    def learn(self, config, state, rows, batch_size, journal=None):
        learn(config, state, rows.to_csr(), batch_size)
