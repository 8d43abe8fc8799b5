"""The Spatial Pooler's structure, resolved once from its parameters and the input width.

Structural parameters (``n_columns``, ``sparsity``, ``potential_pct``,
``potential_radius``, ``input_shape``, ``wrap_around``, ``global_inhibition``,
``inhibition_radius``) become a :class:`SpatialPoolerStructure` in one
function, :func:`resolve_structure`: grid shapes, the number of winners, the
inhibition radius and the inhibition neighbourhoods in the one layout every
backend reads. Every rounding rule of the pooler is
:func:`~sklearn_htm.spatial_pooler._topology.round_half_up`.

The structure is frozen. Two parameter sets that resolve to the same
:attr:`SpatialPoolerStructure.key` (``n_columns=64`` and ``(64,)``, say)
describe the same pooler, which is what the estimator compares when a
parameter changes after fitting.
"""

import math
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from ._topology import (
    default_inhibition_radius,
    expected_synapse_count,
    inhibition_neighbourhoods,
    round_half_up,
)
from .._core.pools import indptr_from_lengths

#: The estimator parameters that shape the pooler when it is initialised
#: (``fit`` or the first ``partial_fit``).
STRUCTURAL_PARAMS = (
    "n_columns",
    "sparsity",
    "potential_pct",
    "potential_radius",
    "input_shape",
    "wrap_around",
    "global_inhibition",
    "inhibition_radius",
)


def n_winners_of(sparsity, n_candidates):
    """Winners among ``n_candidates`` columns: ``round_half_up(sparsity *
    n_candidates)``, at least 1 [localAreaDensity]."""
    return max(1, round_half_up(sparsity * n_candidates))


@dataclass(frozen=True, eq=False)
class Neighbourhoods:
    """Local inhibition neighbourhoods H(c), the column itself excluded.

    Attributes
    ----------
    indptr : ndarray of int64, shape (n_columns + 1,)
    indices : ndarray of int32, shape (n_neighbours,)
        ``indices[indptr[c]:indptr[c + 1]]`` are the neighbours of ``c``,
        sorted (that order is part of the specification: the local boost
        target sums duty cycles in it).
    n_winners : ndarray of int32, shape (n_columns,)
        Winners the neighbourhood admits, ``n_winners_of(sparsity, |H(c)| + 1)``.
    table : ndarray of uint32, shape (max |H(c)|, n_columns)
        The same lists transposed: ``table[j, c]`` is the ``j``-th neighbour
        of ``c``, or ``n_columns`` where ``c`` has fewer.
    reverse_indptr, reverse_indices : ndarrays of int64 and int32
        The columns whose neighbourhood holds each column, sorted.
    whole_layer : bool
        Whether every neighbourhood is the rest of the layer and admits the
        same number of winners (local inhibition is then global selection).
    """

    indptr: np.ndarray
    indices: np.ndarray
    n_winners: np.ndarray
    table: np.ndarray = field(repr=False)
    reverse_indptr: np.ndarray = field(repr=False)
    reverse_indices: np.ndarray = field(repr=False)
    whole_layer: bool = False


def build_neighbourhoods(column_shape, radius, wrap_around, sparsity):
    """:class:`Neighbourhoods` of every column of the grid (see there)."""
    indptr, indices = inhibition_neighbourhoods(column_shape, radius, wrap_around)
    n_columns = indptr.size - 1
    sizes = np.diff(indptr)
    n_winners = np.array(
        [n_winners_of(sparsity, int(size) + 1) for size in sizes], dtype=np.int32
    )
    width = int(sizes.max(initial=0))
    j = np.arange(width)[:, None]
    has_j = j < sizes
    positions = np.where(has_j, indptr[:-1] + j, 0)
    table = np.where(has_j, indices[positions] if indices.size else 0, n_columns)
    # The reverse lists: a stable sort of the (neighbour, owner) pairs by neighbour.
    owner = np.repeat(np.arange(n_columns, dtype=np.int32), sizes)
    order = np.argsort(indices, kind="stable")
    reverse_indptr = indptr_from_lengths(np.bincount(indices, minlength=n_columns))
    whole_layer = bool(
        np.all(sizes == n_columns - 1) and np.all(n_winners == n_winners[0])
    )
    return Neighbourhoods(
        indptr=indptr,
        indices=indices,
        n_winners=n_winners,
        table=np.ascontiguousarray(table, dtype=np.uint32),
        reverse_indptr=reverse_indptr,
        reverse_indices=owner[order],
        whole_layer=whole_layer,
    )


@dataclass(frozen=True, eq=False)
class SpatialPoolerStructure:
    """Everything about a pooler that is fixed when it is initialised.

    Attributes
    ----------
    n_inputs : int
        Input width (features).
    input_shape, column_shape : tuple of int
        Grids of the same number of dimensions when there is a topology.
    potential_radius : tuple of int or None
        Radius per input dimension; None for global pools.
    potential_pct, sparsity : float
    wrap_around, global_inhibition : bool
    n_columns : int
    n_active_columns : int
        Winners per row under global inhibition, ``n_winners_of(sparsity, n_columns)``.
    inhibition_radius : int or None
        Local inhibition only.
    neighbourhoods : Neighbourhoods or None
        Local inhibition only.
    """

    n_inputs: int
    input_shape: tuple
    column_shape: tuple
    potential_radius: tuple
    potential_pct: float
    sparsity: float
    wrap_around: bool
    global_inhibition: bool
    n_columns: int
    n_active_columns: int
    inhibition_radius: int
    neighbourhoods: Neighbourhoods = field(default=None, repr=False)

    @property
    def key(self):
        """The resolved values that identify the structure (no arrays)."""
        return (
            self.n_inputs, self.input_shape, self.column_shape, self.potential_radius,
            self.potential_pct, self.sparsity, self.wrap_around, self.global_inhibition,
            self.inhibition_radius,
        )

    @property
    def fitted_params(self):
        """The structural parameters' resolved values, by parameter name
        (what the continuation check names)."""
        return {
            "input_shape": self.input_shape, "n_columns": self.column_shape,
            "potential_radius": self.potential_radius, "potential_pct": self.potential_pct,
            "sparsity": self.sparsity, "wrap_around": self.wrap_around,
            "global_inhibition": self.global_inhibition,
            "inhibition_radius": self.inhibition_radius,
        }

    @property
    def expected_synapses(self):
        """Potential synapses the pools will hold (an upper bound)."""
        return expected_synapse_count(
            self.column_shape, self.input_shape, self.potential_radius, self.potential_pct
        )

    @property
    def n_neighbours(self):
        """Entries of the neighbourhood lists (0 with global inhibition)."""
        if self.global_inhibition:
            return 0
        window = math.prod(min(2 * self.inhibition_radius + 1, d) for d in self.column_shape)
        return self.n_columns * (window - 1)

    def with_neighbourhoods(self):
        """This structure with its neighbourhoods built (local inhibition)."""
        if self.global_inhibition or self.neighbourhoods is not None:
            return self
        hoods = build_neighbourhoods(
            self.column_shape, self.inhibition_radius, self.wrap_around, self.sparsity
        )
        return SpatialPoolerStructure(**{**self.__dict__, "neighbourhoods": hoods})

    def __getstate__(self):
        # Neighbourhoods follow from the other fields: rebuilt, not pickled.
        return {**self.__dict__, "neighbourhoods": None}

    def __setstate__(self, state):
        self.__dict__.update(state)
        object.__setattr__(self, "neighbourhoods", self.with_neighbourhoods().neighbourhoods)


def as_shape(value, name):
    """A tuple of positive ints from an int or a sequence of ints."""
    if isinstance(value, Integral):
        value = (value,)
    try:
        shape = tuple(value)
    except TypeError:
        shape = ()
    if not shape or not all(isinstance(v, Integral) and v >= 1 for v in shape):
        raise ValueError(
            f"{name} must be a positive integer or a non-empty tuple of positive "
            f"integers, got {value!r}."
        )
    return tuple(int(v) for v in shape)


def _resolve_radius(params, column_shape, input_shape):
    """The column grid padded to the input's dimensions and the potential
    radius per input dimension (None for global pools)."""
    radius = params["potential_radius"]
    if radius is None:
        return column_shape, None
    if len(column_shape) > len(input_shape):
        raise ValueError(
            f"The column grid n_columns={column_shape} has more dimensions "
            f"than input_shape={input_shape}."
        )
    column_shape = column_shape + (1,) * (len(input_shape) - len(column_shape))
    if isinstance(radius, Integral):
        radius = (int(radius),) * len(input_shape)
    radius = tuple(radius)
    if len(radius) != len(input_shape) or not all(
        isinstance(r, Integral) and r >= 0 for r in radius
    ):
        raise ValueError(
            f"potential_radius={params['potential_radius']!r} must be a "
            f"non-negative int or a tuple of {len(input_shape)} of them "
            f"(one per dimension of input_shape={input_shape})."
        )
    if all(r >= size for r, size in zip(radius, input_shape)):
        raise ValueError(
            f"potential_radius={params['potential_radius']!r} is larger than the "
            f"input (input_shape={input_shape}); use potential_radius=None "
            "for pools drawn from the whole input."
        )
    return column_shape, tuple(int(r) for r in radius)


def local_density(neighbourhoods):
    """The fraction of its neighbourhood (itself included) a column may share
    the win with, averaged over the columns: what local inhibition asks for
    once ``n_winners_of`` has rounded (and raised to 1) each neighbourhood's
    share."""
    sizes = np.diff(neighbourhoods.indptr) + 1
    return float(np.mean(neighbourhoods.n_winners / sizes))


def check_grid_dimensions(params, structure):
    """Refuse a column grid with fewer dimensions than the input (htm.core and
    nupic refuse it too): :func:`resolve_structure` pads it with 1s, which
    centres every column on the middle of the missing dimensions. Checked
    when a new pooler is made; models saved by sklearn-htm 0.1.0 with such a
    grid still load and learn.

    Raises
    ------
    ValueError
        If ``n_columns`` has fewer dimensions than ``input_shape`` while a
        ``potential_radius`` sets a topology.
    """
    given = as_shape(params["n_columns"], "n_columns")
    if structure.potential_radius is None or len(given) == len(structure.input_shape):
        return
    raise ValueError(
        f"The column grid n_columns={given} has {len(given)} dimension(s) and "
        f"input_shape={structure.input_shape} has {len(structure.input_shape)}: give "
        f"n_columns one entry per input dimension, for example {structure.column_shape} "
        "(a 1 puts every column at the middle of that dimension, so its potential_radius "
        "must reach across it)."
    )


def resolve_structure(params, n_features, *, build=True):
    """The structure that ``params`` describe for inputs of ``n_features``.

    Parameters
    ----------
    params : dict
        The estimator's structural parameters (:data:`STRUCTURAL_PARAMS`),
        already validated for type and range.
    n_features : int
        Input width.
    build : bool, default=True
        Whether to build the inhibition neighbourhoods (local inhibition);
        without them the structure serves to compare keys.

    Returns
    -------
    structure : SpatialPoolerStructure

    Raises
    ------
    ValueError
        If ``input_shape`` does not hold ``n_features`` elements, or the
        column grid, the input grid and the potential radius disagree.
    """
    column_shape = as_shape(params["n_columns"], "n_columns")
    if params["input_shape"] is None:
        input_shape = (int(n_features),)
    else:
        input_shape = as_shape(params["input_shape"], "input_shape")
        if math.prod(input_shape) != n_features:
            hint = ""
            if len(input_shape) == 3 and n_features % input_shape[-1] == 0:
                # An image grid with a code of input_shape[-1] bits per pixel
                # (as the "image" recipe builds it from image_shape).
                hint = (
                    f" With {input_shape[-1]} bits per pixel, X holds "
                    f"{n_features // input_shape[-1]} pixels, not {input_shape[0]} x "
                    f"{input_shape[1]}: check the image shape (make_preset_pipeline's "
                    "image_shape is (height, width) of the images, flattened one per row)."
                )
            raise ValueError(
                f"input_shape={input_shape} has {math.prod(input_shape)} "
                f"elements but X has {n_features} features.{hint}"
            )
    column_shape, radius = _resolve_radius(params, column_shape, input_shape)
    n_columns = math.prod(column_shape)
    sparsity = float(params["sparsity"])
    global_inhibition = bool(params["global_inhibition"])
    inhibition_radius = None
    if not global_inhibition:
        inhibition_radius = params["inhibition_radius"]
        if inhibition_radius is None:
            inhibition_radius = default_inhibition_radius(column_shape, input_shape, radius)
        inhibition_radius = int(inhibition_radius)
    structure = SpatialPoolerStructure(
        n_inputs=int(n_features),
        input_shape=input_shape,
        column_shape=column_shape,
        potential_radius=radius,
        potential_pct=float(params["potential_pct"]),
        sparsity=sparsity,
        wrap_around=bool(params["wrap_around"]),
        global_inhibition=global_inhibition,
        n_columns=n_columns,
        n_active_columns=n_winners_of(sparsity, n_columns),
        inhibition_radius=inhibition_radius,
    )
    return structure.with_neighbourhoods() if build else structure
