"""NuPIC's backtracking Temporal Memory as a scikit-learn estimator.

It joins the layers' skeleton (:class:`~sklearn_htm._core.layer.HTMLayer`),
which runs ``fit`` and ``partial_fit``; this module keeps what is NuPIC's
algorithm's own: its parameters and their checks
(:meth:`~._config.BTMConfig.from_params`), the warning about rows too
sparse to predict, and the fitted attributes. Each backend makes its own
kind of state (``backend.new_state``), and converts the other's
(``backend.adopt``), so that a stream continues on either backend. Rows are
learned in place: a call that fails while learning keeps the rows learned,
a prefix of X.
"""

from numbers import Integral, Real

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from .._core.layer import HTMLayer, layer_constraints
from .._core.random import seed_state
from .._core.saved import AddedParamsMixin
from .._core.sequences import SequenceMemoryMixin, check_thresholds
from ._config import BTMConfig
from .backends import REGISTRY

#: Cells are numbered below this (int32 cell indices in the kernels).
MAX_CELLS = 2**31 - 1

#: Parameters that fix the layer's layout; a stream cannot change them.
STRUCTURAL_PARAMS = (
    "n_cells_per_column",
    "max_synapses_per_segment",
    "max_new_synapse_count",
    "max_inf_backtrack",
    "max_lrn_backtrack",
)


class BacktrackingTM(AddedParamsMixin, SequenceMemoryMixin, HTMLayer):
    """NuPIC's backtracking Temporal Memory: online sequence learning whose
    raw anomaly is the anomaly detector of NAB's published HTM results.

    Each input column (a mini-column) has ``n_cells_per_column`` cells; cell
    0 is the column's *start cell*, used when a sequence starts. Unlike
    :class:`~sklearn_htm.TemporalMemoryTransformer` (htm.core's algorithm),
    this Temporal Memory

    - *backtracks*: when an input was not predicted (fewer than half its
      columns), it replays the last ``max_inf_backtrack`` inputs from the
      start cells of the oldest one that leads, in sequence, to the current
      input, and continues from there instead of bursting;
    - learns on one cell per column at a time (the *learning cells*), and
      starts learning over from start cells (again backtracking up to
      ``max_lrn_backtrack`` inputs) after ``pam_length`` steps out of
      sequence or ``max_seq_length`` steps in it;
    - applies a segment's learning one step late, when its column turns
      active after it predicted.

    The raw anomaly of a row is the fraction of its columns that the
    previous step was not *confident* of: columns with a segment of at least
    ``activation_threshold`` synapses from active cells, whatever their
    permanence (NuPIC's nonzero column confidence, which its anomaly
    region used). Each row is scored, then learned.

    A *reset* (:meth:`reset`, or ``sequence_starts`` in ``fit`` and
    ``partial_fit``) is NuPIC's: it forgets the context (the active and
    predicted cells, the column confidences, the queued segment updates and
    the inputs kept for backtracking), and the next row is inferred from the
    start cells of its columns while learning starts over on them. A new
    stream is not reset (a new NuPIC layer is not): its first row is an
    ordinary step. :meth:`anomaly_score` infers rows without learning.

    Algorithm: NuPIC's ``Cells4.cpp`` (``BacktrackingTMCPP``; the Python
    twin is ``nupic/algorithms/backtracking_tm.py``), with the ties and
    random draws fixed as the numpy reference
    (``sklearn_htm/backtracking_tm/backends/_numpy.py``) states them. Not
    implemented: pooling.

    Parameters
    ----------
    n_cells_per_column : int, default=32
        [cellsPerColumn]
    activation_threshold : int, default=13
        Synapses from active cells that make a segment predict (connected
        ones, permanence at least ``connected_threshold``) or make its
        column confident (any permanence) [activationThreshold].
    min_threshold : int, default=10
        Synapses from the previous learning cells that make a segment the
        best match of an unpredicted column [minThreshold]. Keep it at
        most ``activation_threshold``: above, a UserWarning says why.
    max_new_synapse_count : int, default=20
        A learning segment grows synapses to the learning cells up to this
        many [newSynapseCount].
    initial_permanence : float, default=0.21
        [initialPerm]
    connected_threshold : float, default=0.5
        [connectedPerm]
    permanence_increment, permanence_decrement : float, default=0.1
        [permanenceInc, permanenceDec]. A synapse decremented to 0 or below
        is destroyed, and a segment left without synapses.
    max_segments_per_cell : int, default=128
        [maxSegmentsPerCell]; a full cell loses its oldest segment.
    max_synapses_per_segment : int, default=32
        [maxSynapsesPerSegment]; a full segment loses its weakest synapses.
    pam_length : int, default=3
        Steps out of sequence before learning starts over [pamLength].
    max_inf_backtrack : int, default=10
        Past inputs inference may backtrack over [maxInfBacktrack].
    max_lrn_backtrack : int, default=5
        Past inputs learning may backtrack over [maxLrnBacktrack].
    max_seq_length : int, default=32
        Learning starts over after this many steps (0: never) [maxSeqLength].
    global_decay : float, default=0.0
        Every ``max_age`` learning steps, each segment not reinforced (nor
        created) in the last ``max_age`` steps loses this much of every
        synapse's permanence; a synapse at 0 or below is destroyed, and a
        segment left without synapses [globalDecay]. 0: never (NAB's HTM
        detector). What bounds the segments of a stream that keeps making
        new patterns (see :class:`~sklearn_htm.HTMAnomalyDetector`).
    max_age : int, default=100000
        Steps between global decays, and the age (steps since a segment was
        last reinforced) beyond which a segment decays [maxAge].
    binarize : float or None, default=0.0
        Values above it are active; None requires binary input.
    backend : {"auto", "numpy", "numba"}, default="auto"
        "numba" (and "auto"): compiled kernels; "numpy": the readable
        reference (slow). Both give the same bits, and a stream may continue
        on the other one (``set_params(backend=...)`` between calls, also
        after loading): its state is converted exactly when a call learns
        (or, for ``anomaly_score``, on a copy that is not kept).
    random_state : int, RandomState instance or None, default=None
        Seeds the generator of the choices of cells (carried across
        ``partial_fit`` calls).
    verbose : int, default=0
        1 reports the first compile of the kernels (up to a minute, once per
        environment) and long calls.

    Attributes
    ----------
    anomaly_ : ndarray of float64, shape (n_rows,)
        Raw anomaly of each row of the last ``fit`` or ``partial_fit``.
    n_features_in_ : int
        Number of columns.
    n_samples_seen_ : int
        Rows learned since ``fit`` (or the first ``partial_fit``).
    n_cells_ : int
        Cells of the layer (``n_features_in_ * n_cells_per_column``).
    n_segments_, n_synapses_ : int
        Segments in the layer, and synapses on them.
    active_cells_ : ndarray of int64
        Cells active after the last row learned (NuPIC's
        ``infActiveState['t']``: ``column * n_cells_per_column + cell``),
        sorted; empty after :meth:`reset`.
    predictive_cells_ : ndarray of int64
        Cells predicted for the next row (``infPredictedState['t']``),
        sorted; empty after :meth:`reset`.
    confident_columns_ : ndarray of int64
        Columns the next row's raw anomaly will count as predicted, sorted.

    See Also
    --------
    sklearn_htm.TemporalMemoryTransformer : htm.core's Temporal Memory.
    sklearn_htm.HTMAnomalyDetector : uses this Temporal Memory by default.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_htm import BacktrackingTM
    >>> rng = np.random.default_rng(0)
    >>> steps = np.zeros((8, 64), dtype=np.uint8)
    >>> for row in steps:
    ...     row[rng.choice(64, 8, replace=False)] = 1
    >>> X = np.tile(steps, (4, 1))              # a sequence of 8 repeated 4 times
    >>> tm = BacktrackingTM(n_cells_per_column=4, activation_threshold=4, min_threshold=3,
    ...                     max_new_synapse_count=6, random_state=0).fit(X)
    >>> tm.anomaly_.reshape(4, 8).mean(axis=1).round(2).tolist()
    [1.0, 0.12, 0.0, 0.0]
    """

    #: A model saved before global decay continues without it.
    _added_params = {"global_decay": 0.0, "max_age": 100_000}

    _parameter_constraints: dict = {
        "n_cells_per_column": [Interval(Integral, 1, None, closed="left")],
        "activation_threshold": [Interval(Integral, 1, None, closed="left")],
        "min_threshold": [Interval(Integral, 1, None, closed="left")],
        "max_new_synapse_count": [Interval(Integral, 1, None, closed="left")],
        "initial_permanence": [Interval(Real, 0, 1, closed="both")],
        "connected_threshold": [Interval(Real, 0, 1, closed="both")],
        "permanence_increment": [Interval(Real, 0, 1, closed="both")],
        "permanence_decrement": [Interval(Real, 0, 1, closed="both")],
        "max_segments_per_cell": [Interval(Integral, 1, None, closed="left")],
        "max_synapses_per_segment": [Interval(Integral, 1, None, closed="left")],
        "pam_length": [Interval(Integral, 1, None, closed="left")],
        "max_inf_backtrack": [Interval(Integral, 0, None, closed="left")],
        "max_lrn_backtrack": [Interval(Integral, 0, None, closed="left")],
        "max_seq_length": [Interval(Integral, 0, None, closed="left")],
        "global_decay": [Interval(Real, 0, 1, closed="both")],
        "max_age": [Interval(Integral, 1, None, closed="left")],
        **layer_constraints(REGISTRY),
    }

    _backends = REGISTRY
    STRUCTURAL_PARAMS = STRUCTURAL_PARAMS
    _layer_name = "backtracking Temporal Memory"
    # NuPIC's resetCalled is False on a new layer (a reset there would change
    # NAB's figures): sequence starts are taken as given.
    _first_row_begins_a_sequence = False

    def __init__(self, *, n_cells_per_column=32, activation_threshold=13, min_threshold=10,
                 max_new_synapse_count=20, initial_permanence=0.21, connected_threshold=0.5,
                 permanence_increment=0.1, permanence_decrement=0.1, max_segments_per_cell=128,
                 max_synapses_per_segment=32, pam_length=3, max_inf_backtrack=10,
                 max_lrn_backtrack=5, max_seq_length=32, global_decay=0.0, max_age=100_000,
                 binarize=0.0, backend="auto", random_state=None, verbose=0):
        self.n_cells_per_column = n_cells_per_column
        self.activation_threshold = activation_threshold
        self.min_threshold = min_threshold
        self.max_new_synapse_count = max_new_synapse_count
        self.initial_permanence = initial_permanence
        self.connected_threshold = connected_threshold
        self.permanence_increment = permanence_increment
        self.permanence_decrement = permanence_decrement
        self.max_segments_per_cell = max_segments_per_cell
        self.max_synapses_per_segment = max_synapses_per_segment
        self.pam_length = pam_length
        self.max_inf_backtrack = max_inf_backtrack
        self.max_lrn_backtrack = max_lrn_backtrack
        self.max_seq_length = max_seq_length
        self.global_decay = global_decay
        self.max_age = max_age
        self.binarize = binarize
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sequence_starts=None):
        """Learn the rows of X as a new stream, in order.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_columns)
            Active columns of each step (an SDR per row, such as a Spatial
            Pooler's output); binarized with ``binarize``.
        y : None
            Ignored.
        sequence_starts : array-like of bool, shape (n_samples,), default=None
            True at the rows that begin a new sequence: the layer is reset
            before them, as :meth:`reset` does (bool, or 0 / 1). None: no
            row is; in particular the first row is not (a new NuPIC layer
            has not been reset), unless its flag is True.

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            For no rows, NaN or infinite input, non-binary input with
            ``binarize=None``, a malformed ``sequence_starts`` (not one flag
            per row), thresholds above ``max_new_synapse_count``, or
            ``max_new_synapse_count > max_synapses_per_segment``.

        Warns
        -----
        UserWarning
            When every row has fewer active columns than
            ``activation_threshold`` (raw anomalies would stay near 1).
        """
        return self._fit(X, sequence_starts=sequence_starts)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sequence_starts=None):
        """Learn the rows of X as the continuation of the stream (the first
        call starts it). Calls over consecutive chunks of a stream give the
        bits of one call over all of it (a :meth:`reset` between two calls
        equals a sequence start at the second call's first row). A call
        refused for its input leaves the state as it was.

        Parameters, return value and errors as :meth:`fit`
        (``sequence_starts`` included: the first row of a call begins a
        sequence only where it says so); also raises ValueError when X has
        another number of columns than the stream, or when a parameter that
        fixes the layer's layout changed since the stream started
        (``n_cells_per_column``, ``max_synapses_per_segment``,
        ``max_new_synapse_count``, ``max_inf_backtrack``,
        ``max_lrn_backtrack``). ``backend`` may change: the stream continues
        on the other backend, exactly.
        """
        return self._partial_fit(X, sequence_starts=sequence_starts)

    def anomaly_score(self, X, sequence_starts=None):
        """Raw anomaly of each row of X, inferred without learning.

        X is run as a sequence from a cleared context (as after
        :meth:`reset`: its first row begins a sequence), with the segments
        learned so far; nothing of the estimator changes. A row's raw
        anomaly is the fraction of its columns that the previous step was
        not confident of (as ``anomaly_`` while learning; NuPIC's column
        confidence, see the class).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_columns)
        sequence_starts : array-like of bool, shape (n_samples,), default=None
            True at the further rows that begin a new sequence.

        Returns
        -------
        anomaly : ndarray of float64, shape (n_samples,)
            In [0, 1]: 1 for the first row of a sequence with active
            columns (nothing is confident after a reset), 0 for a row
            without active columns.

        Raises
        ------
        NotFittedError
            Before ``fit`` or ``partial_fit``.
        ValueError
            For NaN or infinite input, a wrong number of columns, non-binary
            input with ``binarize=None``, or a malformed ``sequence_starts``.
        """
        return self._infer_public(X, sequence_starts)

    def reset(self):
        """Begin a new sequence at the next row learned (NuPIC's ``reset``).

        Forgets the activity (active and predicted cells of inference and
        learning, at t and t-1, and the column confidences: ``active_cells_``,
        ``predictive_cells_`` and ``confident_columns_`` become empty),
        flushes the queued segment updates and the inputs kept for
        backtracking (``_prevInfPatterns``, ``_prevLrnPatterns``), and sets
        ``resetCalled``: the next row is inferred from the start cells of its
        columns, learning starts over on them without backtracking, and its
        raw anomaly is 1 (0 without active columns). The segments, the
        counters and the generator are kept; the reset is saved with the
        estimator.

        Returns
        -------
        self : object

        Raises
        ------
        NotFittedError
            Before ``fit`` or ``partial_fit``.
        """
        return super().reset()

    # ------------------------------------------------------- fitted attributes

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.requires_fit = True
        return tags

    @property
    def n_cells_(self):
        check_is_fitted(self)
        structure = self._structure
        return structure.n_features * int(structure.fitted_params["n_cells_per_column"])

    @property
    def n_segments_(self):
        check_is_fitted(self)
        return self._state.n_segments

    @property
    def n_synapses_(self):
        check_is_fitted(self)
        return self._state.n_synapses

    @property
    def active_cells_(self):
        check_is_fitted(self)
        return self._state.members("inf_active")

    @property
    def predictive_cells_(self):
        check_is_fitted(self)
        return self._state.members("inf_predicted")

    @property
    def confident_columns_(self):
        check_is_fitted(self)
        return self._state.members("confident")

    # ------------------------------------------------------------- internals

    def _build_config(self):
        n_columns = self._structure.n_features
        config = BTMConfig.from_params(vars(self), n_columns)
        if config.n_cells > MAX_CELLS:
            raise ValueError(
                f"{n_columns} columns x n_cells_per_column={self.n_cells_per_column} "
                f"= {config.n_cells} cells; at most {MAX_CELLS} are supported."
            )
        if config.new_synapse_count > config.max_synapses_per_segment:
            raise ValueError(
                f"max_new_synapse_count={self.max_new_synapse_count} exceeds "
                f"max_synapses_per_segment={self.max_synapses_per_segment}: a new segment "
                "could not hold its synapses (NuPIC requires the same)."
            )
        check_thresholds(config, config.new_synapse_count, "max_new_synapse_count",
                         "max_new_synapse_count (and max_synapses_per_segment, which must "
                         "hold it)")
        return config

    def _new_state(self, config, random_state):
        return self._backends.get(self.backend).new_state(config, seed_state(random_state))

    def _begin_learning(self, backend, config, n_rows, context):
        """Learn in place on the stream's state; a stream continued on its
        other backend first has its state converted to that backend's kind,
        exactly (``backend.adopt``, through the canonical form). Once the
        call is accepted and learning begins, the converted state is the
        stream's (committed): the call learns on it and, if it fails, keeps
        the rows learned on it (the failure rule)."""
        state = backend.adopt(config, self._state)
        if state is not self._state:
            self._commit(state, None)
        return state, context, None

    def _learn_chunk(self, backend, config, state, rows, context, start, stop, result):
        starts = context.starts[start:stop]
        backend.learn(config, state, rows, result[start:stop],
                      starts=starts if starts.any() else None)

    def _infer(self, backend, config, rows, starts):
        """Raw anomalies of validated rows inferred without learning from
        the current state (only read), reset before the rows where
        ``starts`` is True (see :meth:`SequenceMemoryMixin._score_rows`). On
        the other backend than the state's, on a converted copy of the state
        (``backend.adopt``), which is not kept."""
        return backend.infer(config, backend.adopt(config, self._state), rows, starts)
