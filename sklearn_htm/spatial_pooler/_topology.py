"""Topology of the Spatial Pooler: potential pools and inhibition neighbourhoods.

Inputs and columns live on n-dimensional grids (``input_shape`` and the
column shape). A column's centre is mapped into the input grid as htm.core's
``initMapColumn_`` does, and neighbourhoods are hypercubes (Chebyshev balls)
that either wrap around the edges or are cut off by them.

All neighbourhoods are returned as sorted flat indices; that order is part of
the specification because the local boost target sums duty cycles in it.
"""

import math

import numpy as np
from .._core.pools import indptr_from_lengths

# A pool smaller than 1/SPARSE_DRAW of its candidates is drawn by rejection
# (cost follows the pool) rather than from a permutation of every candidate.
SPARSE_DRAW = 16


def round_half_up(x):
    """``floor(x + 0.5)`` as an int: the pooler's one rounding rule.

    Used for the number of winners (global and per neighbourhood), the size
    of a potential pool and the default inhibition radius. Halves round up,
    as htm.core's ``round`` does for the positive numbers it meets here.
    """
    return int(math.floor(x + 0.5))


def hypercube(center, radius, shape, wrap_around):
    """Flat indices of the grid points within ``radius`` of ``center``.

    Parameters
    ----------
    center : sequence of int
        Coordinates of the centre, one per dimension of ``shape``.
    radius : sequence of int
        Radius per dimension (Chebyshev distance).
    shape : sequence of int
        Grid shape.
    wrap_around : bool
        Whether the grid is a torus. Otherwise points beyond an edge are
        dropped.

    Returns
    -------
    indices : ndarray of int64, sorted, without duplicates
    """
    axes = []
    for c, r, size in zip(center, radius, shape):
        if wrap_around:
            if 2 * r + 1 >= size:
                axis = np.arange(size)
            else:
                axis = np.unique(np.arange(c - r, c + r + 1) % size)
        else:
            axis = np.arange(max(0, c - r), min(size, c + r + 1))
        axes.append(axis)
    grids = np.meshgrid(*axes, indexing="ij")
    flat = np.ravel_multi_index([g.ravel() for g in grids], shape)
    return np.unique(flat)


def column_centers(column_shape, input_shape):
    """Input-grid coordinates of each column's centre, shape (n_columns, ndim).

    Column coordinate ``j`` along an axis maps to
    ``floor((j + 0.5) * input_size / column_size)``.
    """
    column_shape = tuple(column_shape)
    coords = np.indices(column_shape).reshape(len(column_shape), -1).T
    scale = np.asarray(input_shape, dtype=np.float64) / np.asarray(
        column_shape, dtype=np.float64
    )
    return np.floor((coords + 0.5) * scale).astype(np.int64)


def uncovered_inputs(column_shape, input_shape, potential_radius, wrap_around):
    """How many inputs lie within ``potential_radius`` of no column's centre
    (and so can be in no potential pool). The column grid has one entry per
    input dimension; ``potential_radius=None`` covers everything."""
    if potential_radius is None:
        return 0
    covered = 1
    for columns, size, radius in zip(column_shape, input_shape, potential_radius):
        centers = np.floor((np.arange(columns) + 0.5) * size / columns).astype(np.int64)
        seen = np.zeros(size, dtype=bool)
        for center in centers:
            positions = np.arange(center - radius, center + radius + 1)
            if wrap_around:
                seen[positions % size] = True
            else:
                seen[positions[(positions >= 0) & (positions < size)]] = True
        covered *= int(seen.sum())
    return int(np.prod(input_shape)) - covered


def pool_size(n_candidates, potential_pct):
    """Number of potential synapses drawn from ``n_candidates`` inputs.

    ``round(potential_pct * n_candidates)`` with halves rounded up, and at
    least one synapse so that no column is blind.
    """
    return max(1, round_half_up(potential_pct * n_candidates))


def draw_pool(rng, n_candidates, size):
    """``size`` distinct positions among ``n_candidates``, uniformly, sorted.

    A pool of at least ``n_candidates / SPARSE_DRAW`` takes the first
    ``size`` entries of ``rng.permutation(n_candidates)``. A smaller one is
    drawn by rejection: uniform draws with replacement, in batches, keeping
    the first ``size`` distinct values in draw order (a uniform subset, as
    one draw at a time would give), so its cost follows the pool, not the
    input width.
    """
    if size * SPARSE_DRAW >= n_candidates:
        return np.sort(rng.permutation(n_candidates)[:size])
    chosen = np.zeros(0, dtype=np.int64)
    while chosen.size < size:
        draws = rng.randint(0, n_candidates, size - chosen.size)
        values, first = np.unique(draws, return_index=True)
        fresh = ~np.isin(values, chosen)
        new = values[fresh][np.argsort(first[fresh], kind="stable")]
        chosen = np.concatenate([chosen, new])
    return np.sort(chosen[:size])


def potential_pools(
    column_shape, input_shape, potential_radius, potential_pct, wrap_around, rng
):
    """Draw every column's potential pool.

    Parameters
    ----------
    column_shape, input_shape : tuple of int
        Grids of the same number of dimensions.
    potential_radius : tuple of int or None
        Radius per input dimension; ``None`` gives every column the whole
        input (global pool).
    potential_pct : float
        Fraction of the candidate inputs each column keeps.
    wrap_around : bool
        Whether the input grid wraps around at its edges.
    rng : numpy.random.RandomState
        Host random stream; columns draw in index order.

    Returns
    -------
    indptr : ndarray of int64, shape (n_columns + 1,)
    indices : ndarray of int32, shape (n_synapses,)
        Column ``c``'s pool is ``indices[indptr[c]:indptr[c + 1]]``, sorted.
    """
    n_columns = math.prod(column_shape)
    n_inputs = math.prod(input_shape)
    if potential_radius is None:
        # Every pool has the same size: fill one int32 array in place rather
        # than concatenating per-column int64 arrays (65,536 columns of the
        # MNIST workload would need several GiB of temporaries).
        size = pool_size(n_inputs, potential_pct)
        indices = np.empty(n_columns * size, dtype=np.int32)
        for column in range(n_columns):
            indices[column * size:(column + 1) * size] = draw_pool(rng, n_inputs, size)
        indptr = np.arange(n_columns + 1, dtype=np.int64) * size
        return indptr, indices
    pools = []
    centers = column_centers(column_shape, input_shape)
    for center in centers:
        candidates = hypercube(center, potential_radius, input_shape, wrap_around)
        size = pool_size(candidates.size, potential_pct)
        chosen = candidates[draw_pool(rng, candidates.size, size)]
        pools.append(chosen.astype(np.int32))
    lengths = np.fromiter((p.size for p in pools), dtype=np.int64, count=n_columns)
    indptr = indptr_from_lengths(lengths)
    indices = np.concatenate(pools)
    return indptr, indices


def expected_synapse_count(
    column_shape, input_shape, potential_radius, potential_pct
):
    """Upper bound on the number of potential synapses, without drawing them."""
    n_columns = math.prod(column_shape)
    if potential_radius is None:
        per_column = pool_size(math.prod(input_shape), potential_pct)
    else:
        window = 1
        for r, size in zip(potential_radius, input_shape):
            window *= min(2 * r + 1, size)
        per_column = pool_size(window, potential_pct)
    return n_columns * per_column


def default_inhibition_radius(column_shape, input_shape, potential_radius):
    """The inhibition radius htm.core starts from, held fixed here.

    htm.core derives it from the average span of a column's connected
    synapses, scaled from input to column units. At initialisation half of a
    pool is connected and spread over its whole window, so the span is the
    window's width.
    """
    if potential_radius is None:
        # Every column sees the whole input: the neighbourhood is the layer.
        return max(column_shape)
    else:
        spans = np.minimum(
            2 * np.asarray(potential_radius, dtype=np.float64) + 1,
            np.asarray(input_shape, dtype=np.float64),
        )
    columns_per_input = np.mean(
        np.asarray(column_shape, dtype=np.float64)
        / np.asarray(input_shape, dtype=np.float64)
    )
    diameter = np.mean(spans) * columns_per_input
    return max(1, round_half_up((diameter - 1.0) / 2.0))


def inhibition_neighbourhoods(column_shape, radius, wrap_around):
    """Every column's inhibition neighbourhood H(c), the column itself excluded.

    Returns
    -------
    indptr : ndarray of int64, shape (n_columns + 1,)
    indices : ndarray of int32
        ``indices[indptr[c]:indptr[c + 1]]`` are the neighbours of ``c``,
        sorted.
    """
    column_shape = tuple(column_shape)
    n_columns = math.prod(column_shape)
    radii = (radius,) * len(column_shape)
    coords = np.indices(column_shape).reshape(len(column_shape), -1).T
    hoods = []
    for c, center in enumerate(coords):
        hood = hypercube(center, radii, column_shape, wrap_around)
        hoods.append(hood[hood != c])
    lengths = np.fromiter((h.size for h in hoods), dtype=np.int64, count=n_columns)
    indptr = indptr_from_lengths(lengths)
    indices = np.concatenate(hoods).astype(np.int32, copy=False)
    return indptr, indices
