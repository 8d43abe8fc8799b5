"""Homeostasis kernels: duty cycles, boost factors, minimum duty cycles, and the portable exp."""

import numpy as np
from numba import njit
from numba.extending import overload

from ...._core.numba_cache import internal_kernel
from ....utils._portable_math import (
    EXP_ARG_MAX,
    EXP_ARG_MIN,
    EXP_COEFFICIENTS,
    INV_LN2,
    LN2_HI,
    LN2_LO,
)
from ._arrays import zeros
from ._bundles import U1, is_global_type
from ._cache import cached_kernel
from ._intrinsics import float64_from_bits

_COEFFICIENTS = np.array(EXP_COEFFICIENTS, dtype=np.float64)
_N_COEFFICIENTS = len(EXP_COEFFICIENTS)
# Non-literal constants: Numba compiles a function once more for each
# literal constant passed to it, so helpers get these instead.
_SUM = np.int64(0)
_MAXIMUM = np.int64(1)


@njit(inline="always")
def _portable_exp(x):
    """:func:`sklearn_htm._portable_math.portable_exp` for one float64.

    Same constants, same operations, same order. ``ldexp(result, n)`` is
    computed as ``result * 2.0**n`` with ``2.0**n`` built from its bits:
    the clip keeps ``n`` in [-125, 127], so ``2.0**n`` is a normal double and
    the product is ``ldexp``'s correctly rounded result (also when it
    overflows), without a call into the C library.
    """
    if x < EXP_ARG_MIN:
        x = EXP_ARG_MIN
    elif x > EXP_ARG_MAX:
        x = EXP_ARG_MAX
    n = np.floor(x * INV_LN2 + 0.5)
    r = (x - n * LN2_HI) - n * LN2_LO
    result = _COEFFICIENTS[0]
    for j in range(1, _N_COEFFICIENTS):
        result = result * r + _COEFFICIENTS[j]
    return result * float64_from_bits((np.int64(n) + 1023) << 52)


@cached_kernel
def portable_exp(x, out):
    """Elementwise :func:`_portable_exp` of a float64 array into ``out``."""
    for j in range(np.uint64(x.size)):
        out[j] = _portable_exp(x[j])


@internal_kernel
def local_sums(values, table, combine, out):
    """``out[c]``: ``values[c]`` combined with its neighbours' values in index
    order (``combine``: ``_SUM`` or ``_MAXIMUM``), as the reference.

    ``table`` holds the neighbourhoods transposed, row ``j`` the
    ``j``-th neighbour of every column, or ``n_columns`` for columns with
    fewer neighbours; that index reads 0.0, which changes neither a sum nor a
    maximum of duty cycles (never negative, never -0.0). One row at a time,
    the loop over columns vectorises.
    """
    n_columns = np.uint64(out.size)
    padded = zeros(n_columns + U1, np.float64)
    # Element by element: an array-to-array slice assignment would compile
    # Numba's shape-mismatch error path (string formatting: seconds).
    for c in range(n_columns):
        padded[c] = values[c]
        out[c] = values[c]
    n_rows = table.shape[0]
    j = 0
    if combine == _SUM:
        # Four neighbours per pass over the columns: each column's additions
        # stay in the reference's order; ``out`` is read and written a
        # quarter as often.
        while j + 4 <= n_rows:
            r0, r1, r2, r3 = table[j], table[j + 1], table[j + 2], table[j + 3]
            for c in range(n_columns):
                out[c] = (((out[c] + padded[r0[c]]) + padded[r1[c]]) + padded[r2[c]]
                          ) + padded[r3[c]]
            j += 4
    for j in range(j, n_rows):
        row = table[j]
        if combine == _SUM:
            for c in range(n_columns):
                out[c] = out[c] + padded[row[c]]
        else:
            for c in range(n_columns):
                value = padded[row[c]]
                if value > out[c]:
                    out[c] = value


def _boost_targets(inhibition, learning, active_duty, target):
    """Each column's target duty cycle: the sparsity (global inhibition), or
    the mean active duty cycle of the column and its neighbours, summed in
    index order. Kernels only (an overload by the bundle's type)."""
    raise NotImplementedError("called from Numba kernels only")


@overload(_boost_targets)
def _boost_targets_for(inhibition, learning, active_duty, target):
    if is_global_type(inhibition):

        def sparsity(inhibition, learning, active_duty, target):
            for c in range(np.uint64(target.size)):
                target[c] = learning.sparsity

        return sparsity

    def neighbourhood_means(inhibition, learning, active_duty, target):
        hood_indptr = inhibition.hood_indptr
        local_sums(active_duty, inhibition.table, _SUM, target)
        for c in range(np.uint64(target.size)):
            target[c] = target[c] / np.float64(hood_indptr[c + U1] - hood_indptr[c] + U1)

    return neighbourhood_means


def _largest_overlap_duty(inhibition, overlap_duty, largest):
    """The largest overlap duty cycle of each column's inhibition area (the
    layer, or the column and its neighbours). Kernels only."""
    raise NotImplementedError("called from Numba kernels only")


@overload(_largest_overlap_duty)
def _largest_overlap_duty_for(inhibition, overlap_duty, largest):
    if is_global_type(inhibition):

        def layer_maximum(inhibition, overlap_duty, largest):
            top = overlap_duty[0]
            for c in range(np.uint64(overlap_duty.size)):
                if overlap_duty[c] > top:
                    top = overlap_duty[c]
            for c in range(np.uint64(largest.size)):
                largest[c] = top

        return layer_maximum

    def neighbourhood_maxima(inhibition, overlap_duty, largest):
        local_sums(overlap_duty, inhibition.table, _MAXIMUM, largest)

    return neighbourhood_maxima


@internal_kernel
def update_boost_factors(inhibition, learning, state, target):
    """b[c] = float32(exp((target[c] - a[c]) * boost_strength)), as the reference.

    The local target sums the column's own duty cycle, then its neighbours'
    in index order, then divides by the count.
    """
    active_duty, boost_factors = state.active_duty, state.boost_factors
    boost_strength = learning.boost_strength
    n_columns = np.uint64(boost_factors.size)
    if boost_strength == 0.0:
        for c in range(n_columns):
            boost_factors[c] = 1.0
        return
    _boost_targets(inhibition, learning, active_duty, target)
    for c in range(n_columns):
        boost_factors[c] = np.float32(
            _portable_exp((target[c] - active_duty[c]) * boost_strength)
        )


@internal_kernel
def update_min_duty_cycles(inhibition, learning, state, largest):
    """``min_pct`` times the largest overlap duty cycle of the column's
    inhibition area (the layer, or the column and its neighbours)."""
    overlap_duty, min_overlap_duty = state.overlap_duty, state.min_overlap_duty
    _largest_overlap_duty(inhibition, overlap_duty, largest)
    for c in range(np.uint64(overlap_duty.size)):
        min_overlap_duty[c] = learning.min_pct * largest[c]


@internal_kernel
def update_duty_cycles(overlap, won, n_samples_seen, duty_cycle_period, state):
    """One row's step of both moving averages, as the reference."""
    overlap_duty, active_duty = state.overlap_duty, state.active_duty
    period = min(duty_cycle_period, n_samples_seen)
    decay = np.float64(period - 1) / np.float64(period)
    step = 1.0 / np.float64(period)
    for c in range(np.uint64(overlap.size)):
        d = overlap_duty[c] * decay
        if overlap[c] > 0:
            d = d + step
        overlap_duty[c] = d
        d = active_duty[c] * decay
        if won[c]:
            d = d + step
        active_duty[c] = d

