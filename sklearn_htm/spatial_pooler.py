"""The Spatial Pooler as a scikit-learn transformer."""

import math
import os
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._state import (
    BOOST_DTYPE,
    PERMANENCE_DTYPE,
    PoolerConfig,
    initial_state,
)
from ._topology import (
    default_inhibition_radius,
    expected_synapse_count,
    inhibition_neighbourhoods,
)
from .backends import BACKENDS, get_backend
from .exceptions import MemoryBudgetError
from .utils._array_api import (
    array_namespace,
    csr_output,
    is_device_array,
    is_sparse,
    take_rows,
    to_device,
    to_host,
    validate_device_data,
)
from .utils._atomic import restore_on_failure
from .utils._validation import check_output_dtype, preserved_dtypes
from .utils._progress import ProgressReporter

# Rows handed to a backend per call while learning (rounded to a multiple of
# batch_size): small enough for timely progress reports and interrupts,
# large enough that the call overhead does not matter. A backend whose calls
# cost more (cupy moves the state to the GPU and back) sets learn_chunk_rows.
_LEARN_CHUNK = 2048
# Parameters that shape the pooler when it is initialised (fit or the first
# partial_fit). Learning parameters (increments, boosting, duty cycles,
# batch_size, ...) may change between partial_fit calls; these may not.
_STRUCTURAL_PARAMS = (
    "n_columns",
    "sparsity",
    "potential_pct",
    "potential_radius",
    "input_shape",
    "wrap_around",
    "global_inhibition",
    "inhibition_radius",
)
# Memory per element of the state and of the backends' work structures
# (measured on the numba backend, see benchmarks/README.md): a potential
# synapse (float32 permanence and int32 index, the permanences held twice
# while a call works on a copy, plus the learning kernel's work arrays), a
# 64-bit word of connected-synapse bits, a local inhibition neighbour
# (forward and reverse neighbour lists).
_BYTES_PER_SYNAPSE = 16
_BYTES_PER_CONNECTED_WORD = 20
_BYTES_PER_NEIGHBOUR = 16


def available_memory_bytes():
    """Memory this process can still allocate (Linux MemAvailable, else total RAM)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return None


def _as_shape(value, name):
    """A tuple of positive ints from an int or a sequence of ints."""
    if isinstance(value, Integral):
        value = (value,)
    shape = tuple(value)
    if not shape or not all(isinstance(v, Integral) and v >= 1 for v in shape):
        raise ValueError(
            f"{name} must be a positive integer or a non-empty tuple of positive "
            f"integers, got {value!r}."
        )
    return tuple(int(v) for v in shape)


def _active(values, binarize):
    """Which values are active inputs: ``> binarize``, or non-zero when
    ``binarize=None`` (which refuses anything but 0 and 1)."""
    if binarize is None:
        if not bool(array_namespace(values).all((values == 0) | (values == 1))):
            raise ValueError(
                "X must be binary (only 0 and 1) when binarize=None; set binarize "
                "to a threshold (values above it become 1), or encode the input "
                "first, for example with GreyscaleEncoder."
            )
        return values != 0
    return values > binarize


def binary_rows(X, binarize):
    """Convert validated input to binary rows.

    Host input becomes a canonical binary CSR matrix (bool data). CuPy input
    stays on the device: dense input becomes a bool array, cupyx sparse input
    a CSR matrix whose stored values are 1. ``binarize=None`` requires X to
    hold only 0 and 1; a number ``t`` maps values ``> t`` to 1 and the rest
    to 0 (BernoulliNB's rule).
    """
    if binarize is not None and binarize < 0 and is_sparse(X):
        raise ValueError(
            f"binarize={binarize} < 0 would turn every implicit zero of the sparse "
            "input into a 1; use a threshold >= 0 or pass dense input."
        )
    if is_device_array(X):
        if not is_sparse(X):
            return _active(X, binarize)
        X = X.tocsr(copy=True)
        X.sum_duplicates()
        X.data = _active(X.data, binarize).astype(X.dtype)
        X.eliminate_zeros()
        return X
    if sp.issparse(X):
        X = sp.csr_matrix(X, copy=True)
        X.sum_duplicates()
        active = _active(X.data, binarize)
        rows = sp.csr_matrix((active, X.indices, X.indptr), shape=X.shape)
        rows.eliminate_zeros()
    else:
        rows = sp.csr_matrix(_active(X, binarize))
    rows.sort_indices()
    return rows


class SpatialPoolerTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
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
        [columnDimensions]. A grid with fewer dimensions than ``input_shape``
        is padded with trailing 1s.
    sparsity : float in (0, 1), default=0.02
        Fraction of columns active per row [localAreaDensity]. Global
        inhibition keeps ``round(sparsity * n_columns)`` columns (halves round
        up, at least 1).
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
    The boosting and pool defaults differ from htm.core's. With htm.core's
    ``potential_pct=0.5``, this package's former ``boost_strength=2.0`` and
    ``duty_cycle_period=1000``, the blog configuration (2048 columns, 2%
    sparsity, MNIST one-hot encoded with 4 bits per pixel) left 1717 of the
    2048 columns never active and one column active on every image, and
    LogisticRegression on its SDRs scored 0.895 on the last 10,000 training
    images after learning from the first 50,000. A never-winning column's
    boost is ``exp(sparsity * boost_strength)``, only 1.04 there. With the
    current defaults every column is in use and the same split scores 0.948;
    pools of 0.15, 0.3 and 0.5 and boost strengths of 10 to 100 over windows
    of 1,000 to 60,000 rows were compared. The documentation's MNIST page has
    the test-set figures.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> bits = GreyscaleEncoder(n_bits=4, value_range=(0, 16)).fit_transform(X)
    >>> sp = SpatialPoolerTransformer(n_columns=256, random_state=0, backend="numpy")
    >>> sdr = sp.fit(bits[:50]).transform(bits[:3])
    >>> sdr.shape, sdr.sum(axis=1).ravel().tolist()
    ((3, 256), [5.0, 5.0, 5.0])
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
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "binarize": [None, Interval(Real, None, None, closed="neither")],
        "sparse_output": ["boolean"],
        "dtype": "no_validation",  # checked by utils._validation.check_output_dtype
        "backend": [StrOptions(set(BACKENDS))],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

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
        """
        with restore_on_failure(self):
            check_output_dtype(self.dtype)
            X = self._validate_input(X, reset=True)
            rows = self._binary_rows(X)
            self._random_state = check_random_state(self.random_state)
            state = self._initialise(rows.shape[1], self._random_state)
            config = self._config()
            n_samples = rows.shape[0]
            reporter = ProgressReporter(
                self.verbose, n_samples * self.max_iter, "SpatialPooler.fit"
            )
            for _ in range(self.max_iter):
                epoch = rows
                if self.shuffle:
                    epoch = take_rows(rows, self._random_state.permutation(n_samples))
                self._learn(config, state, epoch, reporter)
            self._state = state
            self.n_iter_ = self.max_iter
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Learn from the rows of X once, in order, continuing the current state.

        The first call initialises the pooler (as ``fit`` does, without
        learning passes of its own); later calls require the same number of
        features.

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
        """
        first_call = not hasattr(self, "_state")
        if not first_call:
            # _fit_context validates parameters only while unfitted; set_params
            # between two partial_fit calls must not slip through.
            self._validate_params()
        with restore_on_failure(self):
            check_output_dtype(self.dtype)
            X = self._validate_input(X, reset=first_call)
            rows = self._binary_rows(X)
            if first_call:
                self._random_state = check_random_state(self.random_state)
                state = self._initialise(rows.shape[1], self._random_state)
            else:
                state = self._state.copy()
            reporter = ProgressReporter(
                self.verbose, rows.shape[0], "SpatialPooler.partial_fit"
            )
            self._learn(self._config(), state, rows, reporter)
            self._state = state
        return self

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
            CSR when ``sparse_output=True``.
        """
        check_is_fitted(self)
        X = self._validate_input(X, reset=False)
        rows = self._binary_rows(X)
        backend = get_backend(self.backend)
        indptr, indices = backend.transform(self._config(), self._state, rows)
        if is_device_array(X) and not is_device_array(indices):
            indptr, indices = to_device(indptr), to_device(indices)
        return csr_output(
            indptr, indices, self.n_columns_, check_output_dtype(self.dtype), self.sparse_output
        )

    # ------------------------------------------------------- fitted attributes

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_state")

    def _synapse_matrix(self, data):
        """A CSR matrix over the potential synapses, with copied index arrays
        so that scipy operations on it can never reach the fitted state."""
        state = self._state
        return sp.csr_matrix(
            (data, state.potential_indices.copy(), state.potential_indptr.copy()),
            shape=(self.n_columns_, self.n_features_in_),
        )

    @property
    def permanences_(self):
        return self._synapse_matrix(self._state.permanences.copy())

    @property
    def potential_pools_(self):
        return self._synapse_matrix(
            np.ones(self._state.potential_indices.size, dtype=bool)
        )

    @property
    def connected_synapses_(self):
        threshold = PERMANENCE_DTYPE(self.connected_threshold)
        connected = self._synapse_matrix(self._state.permanences >= threshold)
        connected.eliminate_zeros()
        return connected

    @property
    def active_duty_cycles_(self):
        return self._state.active_duty_cycles

    @property
    def overlap_duty_cycles_(self):
        return self._state.overlap_duty_cycles

    @property
    def min_overlap_duty_cycles_(self):
        return self._state.min_overlap_duty_cycles

    @property
    def boost_factors_(self):
        return self._state.boost_factors

    @property
    def n_samples_seen_(self):
        return self._state.n_samples_seen

    @property
    def n_columns_(self):
        return math.prod(self.column_shape_)

    @property
    def _n_features_out(self):
        return self.n_columns_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.array_api_support = True
        tags.input_tags.sparse = True
        tags.requires_fit = True
        tags.transformer_tags.preserves_dtype = preserved_dtypes(self.dtype)
        return tags

    # ------------------------------------------------------------- internals

    def _validate_input(self, X, reset):
        if is_device_array(X):
            return validate_device_data(self, X, reset=reset, accept_sparse=True)
        return validate_data(
            self,
            X,
            reset=reset,
            accept_sparse="csr",
            dtype="numeric",
            ensure_all_finite=True,
        )

    def _binary_rows(self, X):
        """X binarized where the backend computes: on the host, unless X is
        on the device and the backend is cupy."""
        if is_device_array(X) and get_backend(self.backend).name != "cupy":
            X = to_host(X)
        return binary_rows(X, self.binarize)


    def _resolve_shapes(self, n_features):
        """Column shape, input shape and potential radius, checked against X."""
        column_shape = _as_shape(self.n_columns, "n_columns")
        if self.input_shape is None:
            input_shape = (n_features,)
        else:
            input_shape = _as_shape(self.input_shape, "input_shape")
            if math.prod(input_shape) != n_features:
                raise ValueError(
                    f"input_shape={input_shape} has {math.prod(input_shape)} "
                    f"elements but X has {n_features} features."
                )
        radius = self.potential_radius
        if radius is not None:
            # Topology maps column coordinates into the input grid, axis by axis.
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
                    f"potential_radius={self.potential_radius!r} must be a "
                    f"non-negative int or a tuple of {len(input_shape)} of them "
                    f"(one per dimension of input_shape={input_shape})."
                )
            if all(r >= size for r, size in zip(radius, input_shape)):
                raise ValueError(
                    f"potential_radius={self.potential_radius!r} is larger than the "
                    f"input (input_shape={input_shape}); use potential_radius=None "
                    "for pools drawn from the whole input."
                )
            radius = tuple(int(r) for r in radius)
        return column_shape, input_shape, radius

    def _check_memory(self, n_synapses, n_neighbours, n_columns, n_features):
        # Connected-synapse bit sets: one 64-bit word per column and 64 inputs,
        # never more words than synapses (plus their work arrays).
        n_words = min(n_synapses, n_columns * -(-n_features // 64))
        needed = (
            n_synapses * _BYTES_PER_SYNAPSE
            + n_words * _BYTES_PER_CONNECTED_WORD
            + n_neighbours * _BYTES_PER_NEIGHBOUR
        )
        available = available_memory_bytes()
        if available is not None and needed > available:
            hoods = (
                f" and {n_neighbours:,} inhibition neighbours "
                f"(inhibition_radius={self.inhibition_radius!r})"
                if n_neighbours
                else ""
            )
            raise MemoryBudgetError(
                f"SpatialPoolerTransformer would need about {needed / 2**30:.1f} GiB "
                f"for {n_synapses:,} potential synapses{hoods} "
                f"(n_columns={self.n_columns!r}, potential_pct={self.potential_pct}), "
                f"but only {available / 2**30:.1f} GiB is available. Reduce "
                "n_columns, potential_pct, potential_radius or inhibition_radius."
            )

    def _initialise(self, n_features, rng):
        """Resolve the structure, check it fits in memory and draw a fresh state."""
        column_shape, input_shape, radius = self._resolve_shapes(n_features)
        n_columns = math.prod(column_shape)
        n_active = max(1, int(np.floor(self.sparsity * n_columns + 0.5)))
        inhibition_radius = None
        n_neighbours = 0
        if not self.global_inhibition:
            inhibition_radius = self.inhibition_radius
            if inhibition_radius is None:
                inhibition_radius = default_inhibition_radius(
                    column_shape, input_shape, radius
                )
            window = math.prod(min(2 * inhibition_radius + 1, d) for d in column_shape)
            n_neighbours = n_columns * (window - 1)
        self._check_memory(
            expected_synapse_count(column_shape, input_shape, radius, self.potential_pct),
            n_neighbours,
            n_columns,
            n_features,
        )
        self._structure = self._structural_params()
        self.column_shape_ = column_shape
        self.input_shape_ = input_shape
        self.n_active_columns_ = n_active
        self.inhibition_radius_ = inhibition_radius
        self._neighbourhoods = None
        if inhibition_radius is not None:
            indptr, indices = inhibition_neighbourhoods(
                column_shape, inhibition_radius, self.wrap_around
            )
            sizes = np.diff(indptr).astype(np.float64)
            n_winners = np.maximum(
                1, np.floor(self.sparsity * (sizes + 1.0) + 0.5)
            ).astype(np.int32)
            self._neighbourhoods = (indptr, indices, n_winners)
        return initial_state(
            self._config(),
            column_shape,
            input_shape,
            radius,
            self.potential_pct,
            self.wrap_around,
            rng,
        )

    def _structural_params(self):
        return {name: getattr(self, name) for name in _STRUCTURAL_PARAMS}

    def _config(self):
        """Constants for the backends, from the parameters and fitted structure.

        Structural parameters are fixed when the pooler is initialised; a
        change made with set_params since then is refused until ``fit``.
        """
        changed = [
            name
            for name, value in self._structural_params().items()
            if value != self._structure[name]
        ]
        if changed:
            raise ValueError(
                "The pooler was initialised with "
                + ", ".join(f"{name}={self._structure[name]!r}" for name in changed)
                + "; "
                + ", ".join(f"{name}={getattr(self, name)!r}" for name in changed)
                + " only takes effect when fit() initialises it again."
            )
        threshold = PERMANENCE_DTYPE(self.connected_threshold)
        hoods = self._neighbourhoods or (None, None, None)
        return PoolerConfig(
            n_inputs=self.n_features_in_,
            n_columns=self.n_columns_,
            n_active_columns=self.n_active_columns_,
            sparsity=float(self.sparsity),
            connected_threshold=threshold,
            permanence_increment=PERMANENCE_DTYPE(self.permanence_increment),
            permanence_decrement=PERMANENCE_DTYPE(self.permanence_decrement),
            weak_column_bump=PERMANENCE_DTYPE(threshold / PERMANENCE_DTYPE(10)),
            stimulus_threshold=BOOST_DTYPE(self.stimulus_threshold),
            boost_strength=float(self.boost_strength),
            duty_cycle_period=int(self.duty_cycle_period),
            min_pct_overlap_duty_cycle=float(self.min_pct_overlap_duty_cycle),
            update_period=int(self.update_period),
            global_inhibition=bool(self.global_inhibition),
            neighbourhood_indptr=hoods[0],
            neighbourhood_indices=hoods[1],
            local_n_winners=hoods[2],
        )

    def _learn(self, config, state, rows, reporter):
        """Learn from ``rows`` in order, in chunks aligned on ``batch_size``."""
        backend = get_backend(self.backend)
        rows_per_call = getattr(backend, "learn_chunk_rows", _LEARN_CHUNK)
        chunk = max(1, rows_per_call // self.batch_size) * self.batch_size
        for start in range(0, rows.shape[0], chunk):
            block = rows[start:start + chunk]
            backend.learn(config, state, block, self.batch_size)
            reporter.update(block.shape[0])
