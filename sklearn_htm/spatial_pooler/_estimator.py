"""The Spatial Pooler as a scikit-learn transformer.

It joins the layers' skeleton (:class:`~sklearn_htm._core.layer.HTMLayer`),
which runs ``fit`` and ``partial_fit``; this module keeps what is the
pooler's own: its parameters, its structure (:func:`~._structure.
resolve_structure`, :func:`~._memory.check_memory`), its configuration
(:meth:`~._state.PoolerConfig.from_params`), its initial state
(:func:`~._state.initial_state`), ``fit``'s shuffled passes, learning in
place with a journal (or on a copy) so that a failed ``partial_fit`` keeps
nothing, ``transform`` and ``score``.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..utils._array_api import csr_output, is_device_array, to_device, to_host
from .._core.layer import MAX_ITER_CONSTRAINT, HTMLayer, layer_constraints
from .._core.messages import warn_caller
from .._core.rows import binary_rows, take_rows, validate_rows
from ..utils._validation import check_output_dtype, check_sparse_output, preserved_dtypes
from ._attributes import PoolerAttributes
from ._memory import check_memory
from ._parameters import from_version_0_1
from ._state import PoolerConfig, check_reachable, initial_state
from ._structure import (
    STRUCTURAL_PARAMS,
    check_grid_dimensions,
    local_density,
    resolve_structure,
)
from ._topology import uncovered_inputs
from .backends import REGISTRY


class SpatialPoolerTransformer(
    PoolerAttributes, ClassNamePrefixFeaturesOutMixin, TransformerMixin, HTMLayer
):
    """HTM Spatial Pooler: binary input to a sparse distributed representation.

    Each of ``n_columns`` columns watches a random potential pool of inputs
    through synapses with permanences in [0, 1]; a synapse is connected when
    its permanence reaches ``connected_threshold``. A column's overlap with an
    input row is the number of active inputs on its connected synapses,
    scaled by its boost factor. Inhibition keeps the best
    ``round(sparsity * n_columns)`` columns (global) or the locally best
    columns (local): they form the output SDR. Learning strengthens the
    winners' synapses on active inputs and weakens them on inactive ones;
    duty cycles, boosting and bumps of weak columns keep every column in use.

    The numpy backend is the specification; the numba and cupy backends give
    bit-identical results for the same data and ``random_state``. Names in
    brackets are htm.core's.

    Parameters
    ----------
    n_columns : int or tuple of int, default=2048
        Number of columns, or the shape of the column grid for topology
        [columnDimensions]. With a ``potential_radius``, the grid has one
        entry per dimension of ``input_shape`` (as in htm.core; a 1 puts every
        column at the middle of that dimension); inputs within the radius of
        no column are warned about.
    sparsity : float in (0, 1), default=0.02
        Fraction of columns active per row [localAreaDensity]. Global
        inhibition keeps ``round(sparsity * n_columns)`` columns (halves round
        up, at least 1); local inhibition lets a column win when fewer than
        ``round(sparsity * (neighbours + 1))``, at least 1, of its neighbours
        beat it, so small neighbourhoods exceed the asked density (warned
        about when by more than half).
    potential_pct : float in (0, 1], default=0.3
        Fraction of the candidate inputs (all inputs, or those within
        ``potential_radius``) in each column's potential pool [potentialPct].
        htm.core's default is 0.5; 0.3 classified MNIST better (see Notes).
    potential_radius : int, tuple of int or None, default=None
        Radius, in input units per dimension of ``input_shape``, of the
        window around each column's centre from which its pool is drawn
        [potentialRadius]. ``None`` draws from the whole input (global pool).
    input_shape : tuple of int or None, default=None
        Shape of the input grid [inputDimensions]; its product must equal the
        number of features. ``None`` means ``(n_features,)``. Only used with a
        ``potential_radius``.
    wrap_around : bool, default=True
        Whether topological windows and neighbourhoods wrap around the edges
        of the grids [wrapAround].
    global_inhibition : bool, default=True
        Global inhibition (the k best columns of the whole layer) or local
        inhibition (a column must be among the best of its neighbourhood)
        [globalInhibition].
    inhibition_radius : int or None, default=None
        Local inhibition only: radius of a column's neighbourhood in column
        units [inhibitionRadius]. ``None`` derives it once from the
        potential radius as htm.core does at initialisation; unlike htm.core
        it then stays fixed.
    connected_threshold : float in (0, 1), default=0.5
        Permanence at which a synapse is connected [synPermConnected].
        Initial permanences are uniform in [threshold, 1] for half of the
        synapses and uniform in [0, threshold) for the rest.
    permanence_increment : float in [0, 1], default=0.03
        Added to a winning column's permanences on active inputs
        [synPermActiveInc].
    permanence_decrement : float in [0, 1], default=0.015
        Subtracted from a winning column's permanences on inactive inputs
        [synPermInactiveDec].
    stimulus_threshold : float >= 0, default=0
        Winners whose boosted overlap is below this are dropped
        [stimulusThreshold].
    boost_strength : float >= 0, default=30.0
        Boost factor ``exp((target - active_duty_cycle) * boost_strength)``;
        0 switches boosting off [boostStrength]. A column that never wins
        gets ``exp(sparsity * boost_strength)``, so weak boosting does little
        at low sparsity (see Notes).
    duty_cycle_period : int >= 1, default=20000
        Window of the duty cycles' moving averages [dutyCyclePeriod].
        htm.core's default is 1000; a long window keeps the boost factors
        from swinging (see Notes).
    min_pct_overlap_duty_cycle : float in [0, 1], default=0.001
        A column whose overlap duty cycle falls below this fraction of the
        largest one in its inhibition area gets all its potential
        permanences raised by ``connected_threshold / 10``
        [minPctOverlapDutyCycles].
    update_period : int >= 1, default=50
        Samples between updates of the minimum duty cycles [updatePeriod].
    batch_size : int >= 1, default=1
        Rows per learning step. 1 is classic online HTM. With more rows, the
        winners of all rows are computed against the state at the start of
        the step and the per-row permanence changes are summed, then clipped
        once; duty cycles advance row by row; bumps and boost factors are
        updated once per step.
    max_iter : int >= 1, default=1
        Passes over the data in ``fit`` (epochs).
    shuffle : bool, default=True
        Whether ``fit`` shuffles the rows before each pass, with the
        estimator's random stream. ``partial_fit`` never shuffles.
    binarize : float or None, default=0.0
        Threshold for turning input into binary: values above it become 1
        (BernoulliNB's rule). ``None`` requires binary input and refuses
        anything else.
    sparse_output : bool, default=True
        Return the SDR as a CSR matrix (about 2% of it is non-zero), or as a
        dense array (needed for ``set_output(transform="pandas")``).
    dtype : numpy dtype, default=np.float64
        Data type of the output.
    backend : {"auto", "numpy", "numba", "cupy"}, default="auto"
        Compute backend. "auto" picks cupy when a GPU is usable, else numba.
        All backends give identical results.
    random_state : int, RandomState instance or None, default=None
        Seed of the host random stream that draws potential pools, initial
        permanences and ``fit``'s shuffles. The stream persists across
        ``partial_fit`` calls [seed].
    verbose : int, default=0
        Progress reports while learning: samples seen, rate and time left.

    Attributes
    ----------
    permanences_ : scipy.sparse.csr_matrix of float32, shape (n_columns, n_features)
        Permanence of every potential synapse (explicit zeros included).
    potential_pools_ : scipy.sparse.csr_matrix of bool
        The potential synapses.
    connected_synapses_ : scipy.sparse.csr_matrix of bool
        Synapses whose permanence reaches ``connected_threshold``.
    active_duty_cycles_ : ndarray of float64, shape (n_columns,)
        Moving average of how often each column won.
    overlap_duty_cycles_ : ndarray of float64, shape (n_columns,)
        Moving average of how often each column had a non-zero overlap.
    min_overlap_duty_cycles_ : ndarray of float64, shape (n_columns,)
        Overlap duty cycle below which a column is bumped.
    boost_factors_ : ndarray of float32, shape (n_columns,)
        Current boost factors, also applied by ``transform``.
    n_samples_seen_ : int
        Rows learned from since the state was initialised.
    n_iter_ : int
        Passes over the data made by the last ``fit``.
    n_active_columns_ : int
        Columns kept per row by global inhibition.
    column_shape_ : tuple of int
        Resolved shape of the column grid.
    input_shape_ : tuple of int
        Resolved shape of the input grid.
    inhibition_radius_ : int or None
        Resolved local inhibition radius (None with global inhibition).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    GreyscaleEncoder : Turns pixel intensities into the binary input this needs.

    Notes
    -----
    The boosting and pool defaults differ from htm.core's: with htm.core's
    ``potential_pct=0.5`` and weak boosting over a short window most columns
    of a 2048-column pooler never win on MNIST, because a never-winning
    column's boost is only ``exp(sparsity * boost_strength)``. The
    candidates compared and their scores are in the documentation's
    performance page (``benchmarks/bench_defaults.py``).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> bits = GreyscaleEncoder(n_bits=4, value_range=(0, 16)).fit_transform(X)
    >>> sp = SpatialPoolerTransformer(n_columns=256, random_state=0, backend="numpy")
    >>> sdr = sp.fit(bits[:50]).transform(bits[:3])
    >>> sdr.shape, sdr.getnnz(axis=1).tolist()  # active columns per row
    ((3, 256), [5, 5, 5])
    """

    _parameter_constraints: dict = {
        "n_columns": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "sparsity": [Interval(Real, 0, 1, closed="neither")],
        "potential_pct": [Interval(Real, 0, 1, closed="right")],
        "potential_radius": [None, Interval(Integral, 0, None, closed="left"), tuple, list],
        "input_shape": [None, tuple, list],
        "wrap_around": ["boolean"],
        "global_inhibition": ["boolean"],
        "inhibition_radius": [None, Interval(Integral, 1, None, closed="left")],
        "connected_threshold": [Interval(Real, 0, 1, closed="neither")],
        "permanence_increment": [Interval(Real, 0, 1, closed="both")],
        "permanence_decrement": [Interval(Real, 0, 1, closed="both")],
        "stimulus_threshold": [Interval(Real, 0, None, closed="left")],
        "boost_strength": [Interval(Real, 0, None, closed="left")],
        "duty_cycle_period": [Interval(Integral, 1, None, closed="left")],
        "min_pct_overlap_duty_cycle": [Interval(Real, 0, 1, closed="both")],
        "update_period": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": MAX_ITER_CONSTRAINT,
        "shuffle": ["boolean"],
        "sparse_output": ["boolean"],
        "dtype": "no_validation",  # checked by utils._validation.check_output_dtype
        **layer_constraints(REGISTRY),
    }

    _backends = REGISTRY
    STRUCTURAL_PARAMS = STRUCTURAL_PARAMS
    _layer_name = "pooler"

    def __init__(
        self,
        n_columns=2048,
        *,
        sparsity=0.02,
        potential_pct=0.3,
        potential_radius=None,
        input_shape=None,
        wrap_around=True,
        global_inhibition=True,
        inhibition_radius=None,
        connected_threshold=0.5,
        permanence_increment=0.03,
        permanence_decrement=0.015,
        stimulus_threshold=0.0,
        boost_strength=30.0,
        duty_cycle_period=20000,
        min_pct_overlap_duty_cycle=0.001,
        update_period=50,
        batch_size=1,
        max_iter=1,
        shuffle=True,
        binarize=0.0,
        sparse_output=True,
        dtype=np.float64,
        backend="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_columns = n_columns
        self.sparsity = sparsity
        self.potential_pct = potential_pct
        self.potential_radius = potential_radius
        self.input_shape = input_shape
        self.wrap_around = wrap_around
        self.global_inhibition = global_inhibition
        self.inhibition_radius = inhibition_radius
        self.connected_threshold = connected_threshold
        self.permanence_increment = permanence_increment
        self.permanence_decrement = permanence_decrement
        self.stimulus_threshold = stimulus_threshold
        self.boost_strength = boost_strength
        self.duty_cycle_period = duty_cycle_period
        self.min_pct_overlap_duty_cycle = min_pct_overlap_duty_cycle
        self.update_period = update_period
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.binarize = binarize
        self.sparse_output = sparse_output
        self.dtype = dtype
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Initialise the pooler and learn from X for ``max_iter`` passes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input rows; binarized with ``binarize``.
        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.

        Raises
        ------
        ValueError
            For NaN or infinite input, non-binary input with
            ``binarize=None``, parameters that disagree with X's width
            (``input_shape``, ``potential_radius``), or a
            ``stimulus_threshold`` no column can ever reach.
        MemoryBudgetError
            If the pooler would not fit in memory.
        """
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Learn from the rows of X once, in order, continuing the current state.

        The first call initialises the pooler (as ``fit`` does, without
        learning passes of its own); later calls require the same number of
        features. A failed call leaves the pooler as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input rows; binarized with ``binarize``.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer, updated.

        Raises
        ------
        ValueError
            As ``fit``; also when a structural parameter was changed since
            the pooler was initialised.
        """
        return self._partial_fit(X)

    def _transform_rows(self, rows):
        """The winners of validated rows (:class:`~._input.BinaryRows` on the
        host) as CSR parts ``(indptr, indices)``; changes nothing."""
        return self._backends.get(self.backend).infer(self._config(), self._state, rows)

    def transform(self, X):
        """Return the SDR of each row: 1 for the active columns, 0 elsewhere.

        Uses the current boost factors and never changes the pooler.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input rows; binarized with ``binarize``.

        Returns
        -------
        sdr : {ndarray, sparse matrix} of shape (n_samples, n_columns)
            CSR when ``sparse_output=True``; dtype ``dtype``.

        Raises
        ------
        NotFittedError
            Before ``fit`` or ``partial_fit``.
        ValueError
            For NaN or infinite input, a wrong number of features, or
            non-binary input with ``binarize=None``.
        """
        if not hasattr(self, "_state"):
            check_is_fitted(self)  # raises NotFittedError
        config = self._config()
        dtype = check_output_dtype(self.dtype, self.sparse_output)
        X = validate_rows(self, X, reset=False)
        backend = self._backends.get(self.backend)
        rows = self._binary_rows(X, backend)
        indptr, indices = backend.infer(config, self._state, rows)
        if is_device_array(X) and not is_device_array(indices):
            indptr, indices = to_device(indptr), to_device(indices)
        # Winners are sorted and unique: a canonical CSR row.
        return csr_output(indptr, indices, config.n_columns, dtype, self.sparse_output,
                          canonical=True)

    def score(self, X, y=None):
        """How well the SDRs of X keep inputs apart and survive noise; higher
        is better (as ``KMeans.score``), for searches without labels.

        :func:`sklearn_htm.metrics.separation_score` with its defaults: the
        mean overlap of each row's SDR with the SDR of a copy with 20% of its
        active bits moved, minus the mean overlap with the SDR of another row.
        In [-1, 1]; a pooler that maps every row to the same SDR scores 0.
        Changes nothing.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            At least 2 rows; binarized with ``binarize``.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        from ..metrics import separation_score

        check_is_fitted(self)
        X = validate_rows(self, X, reset=False)
        rows = binary_rows(X if not is_device_array(X) else to_host(X), self.binarize)
        return separation_score(self, rows.to_csr())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.array_api_support = True
        tags.input_tags.sparse = True
        tags.requires_fit = True
        tags.transformer_tags.preserves_dtype = preserved_dtypes(self.dtype)
        return tags

    def __setstate__(self, state):
        if "_structure" in state and isinstance(state["_structure"], dict):
            state = from_version_0_1(state)
        super().__setstate__(state)

    # ------------------------------------------------------------- internals

    def _check_call(self, first):
        check_output_dtype(self.dtype, self.sparse_output)
        if first:
            check_sparse_output(self)

    def _resolve_structure(self, n_features):
        """Resolve the structure, check it fits in memory, and warn of inputs
        no column sees and of local inhibition denser than asked."""
        params = {name: getattr(self, name) for name in STRUCTURAL_PARAMS}
        structure = resolve_structure(params, n_features, build=False)
        check_grid_dimensions(params, structure)
        check_memory(structure, params)
        unseen = uncovered_inputs(structure.column_shape, structure.input_shape,
                                  structure.potential_radius, structure.wrap_around)
        if unseen:
            warn_caller(
                f"{unseen} of {structure.n_inputs} inputs are within potential_radius="
                f"{structure.potential_radius} of no column (column grid "
                f"{structure.column_shape} over input_shape {structure.input_shape}): they "
                "can never affect the output. Raise potential_radius, or give the column "
                "grid more columns along the dimensions it does not span."
            )
        structure = structure.with_neighbourhoods()
        if not structure.global_inhibition:
            density = local_density(structure.neighbourhoods)
            if density > 1.5 * structure.sparsity:
                warn_caller(
                    f"Local inhibition over neighbourhoods of about "
                    f"{np.diff(structure.neighbourhoods.indptr).mean() + 1:.0f} columns "
                    f"(inhibition_radius={structure.inhibition_radius}) lets at least one "
                    f"column of each win: about {density:.1%} of the columns active where "
                    f"sparsity={structure.sparsity:g} asks for {structure.sparsity:.1%}. "
                    "Raise inhibition_radius (or sparsity) so that sparsity times a "
                    "neighbourhood's size is at least 1."
                )
        return structure

    def _structure_key(self, params, structure):
        return resolve_structure(params, structure.n_inputs, build=False).key

    def _build_config(self):
        return PoolerConfig.from_params(self._structure, self.get_params(deep=False))

    def _new_state(self, config, random_state):
        # The host stream persists: fit's shuffles draw from it.
        self._random_state = random_state
        return initial_state(config, random_state)

    def _check_state(self, config, state):
        check_reachable(config, state)

    def _passes(self, rows, context):
        """``max_iter`` passes, each over the rows shuffled with the
        estimator's random stream (when ``shuffle``)."""
        for _ in range(self.max_iter):
            if self.shuffle:
                yield take_rows(rows, self._random_state.permutation(rows.shape[0])), context
            else:
                yield rows, context

    def _chunk_rows(self, backend):
        """Rows per ``backend.learn`` call: a multiple of ``batch_size``."""
        return max(1, backend.chunk_rows // self.batch_size) * self.batch_size

    def _begin_learning(self, backend, config, n_rows, context):
        """In place with a journal when one kernel call learns the rows on a
        state this pooler owns (not shared with a shallow copy, not a memory
        map: a state is marked as this pooler's when it commits it, and a
        loaded state is not, so the first call after loading learns on a
        copy); otherwise on a copy, kept only if every call succeeds. Either
        way a failed call keeps nothing."""
        if (backend.atomic_learn and n_rows <= self._chunk_rows(backend)
                and self._state.owner == id(self)):
            state = self._state
            state.keep_scratch(backend.name)
            journal = backend.begin_journal(config, state)
            return state, journal, journal.undo
        return self._state.copy(), None, None

    def _learn_chunk(self, backend, config, state, rows, journal, start, stop, result):
        """One ``backend.learn`` call (``journal``: this call's context, the
        journal of an in-place ``partial_fit``)."""
        state.keep_scratch(backend.name)
        if journal is None:
            backend.learn(config, state, rows, self.batch_size)
        else:
            backend.learn(config, state, rows, self.batch_size, journal=journal)

    def _commit(self, state, result):
        state.owner = id(self)
        self._state = state
