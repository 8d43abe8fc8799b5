"""Array-module-generic pieces of the Spatial Pooler, for numpy or CuPy.

Every function takes the array module ``xp`` (``numpy`` or ``cupy``) and
only uses operations both provide, so the CPU test suite runs them with
numpy against the reference (:mod:`sklearn_htm.backends._numpy`) and the GPU
backend runs them, unchanged, on the device. Where the CuPy backend has a
raw kernel for a step, the function here states the same contract and the
kernel follows the same algorithm (for example the radix selection of
:func:`global_winner_mask`), so a test of one is a test of the other's
logic.
"""

import numpy as np

from ....utils._array_api import counts_to_indptr
from ..._state import DUTY_DTYPE, PERMANENCE_DTYPE

_SIGN_BIT = 0x80000000


# ------------------------------------------------------------ inhibition


def order_keys(xp, values):
    """Map float32 values to uint32 keys that sort as numpy sorts the values.

    ``-0.0`` and ``+0.0`` get the same key and every NaN the largest key
    (numpy sorts NaN after ``+inf`` and treats NaNs as equal), so ordering
    the keys, ties broken by index, is ordering the values as
    ``np.lexsort`` does.
    """
    bits = values.view(xp.uint32)
    negative = (bits & xp.uint32(_SIGN_BIT)) != 0
    keys = xp.where(negative, ~bits, bits | xp.uint32(_SIGN_BIT))
    keys = xp.where(values == 0, xp.uint32(_SIGN_BIT), keys)
    return xp.where(xp.isnan(values), xp.uint32(0xFFFFFFFF), keys).astype(xp.uint32)


def global_winner_mask(xp, boosted, k, stimulus_threshold):
    """Global inhibition of a block of rows as a boolean mask.

    Per row, the ``k`` largest boosted overlaps win, ties to the higher
    column index; winners below ``stimulus_threshold`` are then dropped.
    The k-th largest key is found one bit at a time from the top, as the
    ``topk_global`` kernel does: ``remaining`` is the number of keys that
    match the current prefix and are still to be taken, and what is left at
    the end is taken among the keys equal to the k-th largest, highest
    indices first.

    Parameters
    ----------
    xp : module
        ``numpy`` or ``cupy``.
    boosted : array of float32, shape (n_rows, n_columns)
    k : int
        Winners per row, ``1 <= k <= n_columns``.
    stimulus_threshold : float32

    Returns
    -------
    winners : array of bool, shape (n_rows, n_columns)
    """
    keys = order_keys(xp, boosted)
    n_rows = boosted.shape[0]
    prefix = xp.zeros(n_rows, dtype=xp.uint32)
    remaining = xp.full(n_rows, k, dtype=xp.int64)
    known = 0
    for bit in range(31, -1, -1):
        b = xp.uint32(1 << bit)
        candidate = (keys & xp.uint32(known)) == prefix[:, None]
        count = xp.count_nonzero(candidate & ((keys & b) != 0), axis=1)
        take = count >= remaining
        prefix = xp.where(take, prefix | b, prefix)
        remaining = xp.where(take, remaining, remaining - count)
        known |= 1 << bit
    above = keys > prefix[:, None]
    equal = keys == prefix[:, None]
    # Ties at or after each column: the `remaining` rightmost ties win.
    ties_from_right = xp.cumsum(equal[:, ::-1], axis=1)[:, ::-1]
    tie_winners = equal & (ties_from_right <= remaining[:, None])
    return (above | tie_winners) & (boosted >= stimulus_threshold)


def padded_neighbourhoods(indptr, indices):
    """Neighbourhoods as a dense (n_columns, max size) int32 matrix (host).

    Short rows are padded with the column's own index: a column never beats
    itself, and its own duty cycle is part of every maximum taken over its
    neighbourhood, so the padding changes no result.
    """
    indptr = np.asarray(indptr)
    n_columns = indptr.size - 1
    sizes = np.diff(indptr)
    width = int(sizes.max(initial=0))
    padded = np.repeat(np.arange(n_columns, dtype=np.int32)[:, None], width, axis=1)
    slot = np.arange(indices.size) - np.repeat(indptr[:-1], sizes)
    padded[np.repeat(np.arange(n_columns), sizes), slot] = indices
    return padded


def local_winner_mask(xp, boosted, padded, n_winners, stimulus_threshold):
    """Local inhibition of a block of rows as a boolean mask.

    A column at or above ``stimulus_threshold`` wins when fewer than
    ``n_winners[c]`` of its neighbours beat it; ``n`` beats ``c`` when
    ``o'[n] > o'[c]``, or when they are equal and ``n > c``.

    Parameters
    ----------
    xp : module
    boosted : array of float32, shape (n_rows, n_columns)
    padded : array of int32, shape (n_columns, width)
        From :func:`padded_neighbourhoods`.
    n_winners : array of int32, shape (n_columns,)
    stimulus_threshold : float32
    """
    columns = xp.arange(boosted.shape[1], dtype=xp.int32)
    beaten = xp.zeros(boosted.shape, dtype=xp.int32)
    for j in range(padded.shape[1]):
        neighbour = padded[:, j]
        theirs = boosted[:, neighbour]
        beaten += (theirs > boosted) | ((theirs == boosted) & (neighbour > columns))
    return (boosted >= stimulus_threshold) & (beaten < n_winners)


# ----------------------------------------------------------- homeostasis


def duty_schedule(n_samples_seen, n_rows, duty_cycle_period):
    """Per-row decay and increment of the duty cycles (host, float64).

    Row ``t`` (0-based) of the next ``n_rows`` is sample number
    ``n_samples_seen + t + 1``; its period is
    ``min(duty_cycle_period, that number)``, its decay ``(period - 1) /
    period`` and its increment ``1 / period``, both divisions in float64 as
    the reference computes them.
    """
    seen = n_samples_seen + np.arange(1, n_rows + 1, dtype=np.int64)
    period = np.minimum(seen, duty_cycle_period).astype(DUTY_DTYPE)
    return (period - DUTY_DTYPE(1)) / period, DUTY_DTYPE(1) / period


def update_duty_cycles(xp, duty, events, decays, increments):
    """Advance ``duty`` in place over the rows of ``events``, in order.

    For row ``t``: ``duty *= decays[t]``, then ``duty += increments[t]``
    where ``events[t]`` is true.
    """
    for row in range(events.shape[0]):
        duty *= decays[row]
        duty[...] = xp.where(events[row], duty + increments[row], duty)


def adapt_permanences(xp, config, permanences, synapse_column, active_counts,
                      n_wins, weak):
    """Hebbian update of a batch's winners, then the weak columns' bump.

    Parameters
    ----------
    xp : module
    config : PoolerConfig
    permanences : array of float32, shape (n_synapses,)
    synapse_column : array of int32, shape (n_synapses,)
        Column of each potential synapse.
    active_counts : array of float32, shape (n_synapses,)
        ``a``: rows of the batch in which the synapse's column won and its
        input was active (an exact integer).
    n_wins : array of float32, shape (n_columns,)
        ``n``: rows in which each column won.
    weak : array of bool, shape (n_columns,)
        Columns whose overlap duty cycle is below their minimum.

    Returns
    -------
    permanences : array of float32
        ``clip(p + (a * inc - (n - a) * dec), 0, 1)`` where the column won,
        then ``min(p + bump, 1)`` where it is weak.
    """
    n = n_wins[synapse_column]
    delta = (
        active_counts * config.permanence_increment
        - (n - active_counts) * config.permanence_decrement
    )
    zero, one = PERMANENCE_DTYPE(0), PERMANENCE_DTYPE(1)
    adapted = xp.where(n > 0, xp.clip(permanences + delta, zero, one), permanences)
    raised = xp.minimum(adapted + config.weak_column_bump, one)
    return xp.where(weak[synapse_column], raised, adapted)


def local_min_duty_cycles(xp, overlap_duty, padded, min_pct):
    """``min_pct`` times the largest overlap duty cycle of each column and its
    neighbours (``padded`` from :func:`padded_neighbourhoods`)."""
    largest = overlap_duty
    if padded.shape[1]:
        largest = xp.maximum(largest, overlap_duty[padded].max(axis=1))
    return min_pct * largest


# ------------------------------------------------------------------- CSR


def csr_row_ids(xp, indptr, positions):
    """Row of each stored position of a CSR matrix with this ``indptr``."""
    return xp.searchsorted(indptr, positions, side="right") - 1


def mask_to_csr(xp, mask):
    """CSR parts ``(indptr int64, indices int32)`` of a 2-D mask, sorted per row."""
    _, columns = xp.nonzero(mask)
    return counts_to_indptr(xp, xp.count_nonzero(mask, axis=1)), columns.astype(xp.int32)


def lists_to_csr(xp, lists, counts):
    """CSR parts of per-row winner lists (row ``r`` holds ``counts[r]`` valid
    entries at the start of ``lists[r]``, ascending)."""
    valid = xp.arange(lists.shape[1])[None, :] < counts[:, None]
    return counts_to_indptr(xp, counts), lists[valid].astype(xp.int32)


def concat_csr(xp, parts):
    """Stack CSR parts of consecutive row blocks."""
    if not parts:
        return xp.zeros(1, dtype=xp.int64), xp.zeros(0, dtype=xp.int32)
    indptrs, offset = [parts[0][0][:1]], 0
    for indptr, _ in parts:
        indptrs.append(indptr[1:] + offset)
        offset = offset + indptr[-1]
    return xp.concatenate(indptrs), xp.concatenate([indices for _, indices in parts])
