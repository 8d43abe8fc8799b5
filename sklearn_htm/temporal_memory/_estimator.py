"""The Temporal Memory as a scikit-learn transformer.

It joins the layers' skeleton (:class:`~sklearn_htm._core.layer.HTMLayer`)
and the stream interface both Temporal Memories share
(:class:`~sklearn_htm._core.sequences.SequenceMemoryMixin`); this module
keeps what is htm.core's algorithm's own: its parameters and their checks
(:meth:`~._config.TMConfig.from_params`), its empty state
(:meth:`~._state.TMState.empty`), ``transform``'s choice of cells and the
fitted attributes. Rows are learned in place (a copy of a large layer per
call would cost more than the learning): a call that fails while learning
keeps the rows learned, a prefix of X.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from .._core.attributes import forwarded
from .._core.layer import MAX_ITER_CONSTRAINT, HTMLayer, layer_constraints
from .._core.messages import warn_caller
from .._core.random import seed_state
from .._core.rows import BinaryRows
from .._core.sequences import SequenceCall, SequenceMemoryMixin, check_thresholds
from ..utils._array_api import csr_output
from ..utils._validation import check_output_dtype, check_sparse_output, preserved_dtypes
from ._config import PERMANENCE_DTYPE, STRUCTURAL_PARAMS, TMConfig
from ._state import TMState, canonical
from .backends import OUTPUTS, REGISTRY

#: Cells are numbered below this (the kernels sort segments by cell << 40 | serial).
MAX_CELLS = 2**23


class TemporalMemoryTransformer(
    SequenceMemoryMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, HTMLayer
):
    """HTM Temporal Memory: learns sequences of SDRs and predicts the next one.

    Each input column (a mini-column, one input feature) has
    ``n_cells_per_column`` cells; each cell grows distal segments whose
    synapses reach cells active one step earlier. A column of the current
    row activates only the cells that predicted it (cells with an active
    segment); a column that nobody predicted *bursts* (all its cells become
    active) and its raw anomaly counts. Learning reinforces the segments
    that predicted correctly, grows new ones where a column burst, and
    optionally punishes wrong predictions. The algorithm is htm.core's
    ``TemporalMemory`` (``src/htm/algorithms/TemporalMemory.cpp``; Hawkins
    and Ahmad 2016, "Why neurons have thousands of synapses, a theory of
    sequence memory in neocortex"); the choices htm.core leaves open are
    fixed in ``sklearn_htm/temporal_memory/backends/_numpy.py``, the
    reference that the numba backend reproduces bit for bit.

    Rows are a sequence in time: nothing is shuffled, and the previous row is
    the context of the next. ``fit`` starts a new sequence at its first row
    (and wherever ``sequence_starts`` says); ``partial_fit`` continues the
    stream from the last row it learned; ``reset`` clears the context.

    Parameters
    ----------
    n_cells_per_column : int, default=32
        Cells per mini-column [htm.core ``cellsPerColumn``].
    activation_threshold : int, default=13
        Connected synapses to active cells that make a segment active, and
        its cell predictive [``activationThreshold``].
    min_threshold : int, default=10
        Synapses of any permanence to active cells that make a segment
        matching (a candidate for learning) [``minThreshold``]. Keep it at
        most ``activation_threshold``: above, a UserWarning says why.
    initial_permanence : float, default=0.21
        Permanence of a new synapse [``initialPermanence``].
    connected_threshold : float, default=0.5
        A synapse with at least this permanence is connected
        [``connectedPermanence``].
    permanence_increment : float, default=0.1
        Added to a learning segment's synapses from previously active cells
        [``permanenceIncrement``].
    permanence_decrement : float, default=0.1
        Subtracted from a learning segment's other synapses
        [``permanenceDecrement``].
    predicted_segment_decrement : float, default=0.0
        Subtracted from the synapses to previously active cells of matching
        segments whose column did not become active (wrong predictions)
        [``predictedSegmentDecrement``].
    max_new_synapse_count : int, default=20
        Synapses a learning segment grows at most per step, up to this many
        active ones [``maxNewSynapseCount``].
    max_segments_per_cell : int, default=255
        [``maxSegmentsPerCell``]; beyond it the least recently used segment
        is destroyed.
    max_synapses_per_segment : int, default=255
        [``maxSynapsesPerSegment``]; beyond it the weakest synapses are
        destroyed.
    max_iter : int, default=1
        Passes over X in ``fit``, each from a cleared context.
    output : {"active_cells", "winner_cells", "predictive_cells"}, default="active_cells"
        What ``transform`` returns for each row: the cells active at that
        row, the winner (learning) cells, or the cells predictive after it
        (predicted for the next row) [``getActiveCells``, ``getWinnerCells``,
        ``getPredictiveCells``].
    binarize : float or None, default=0.0
        Input values above it are active columns; None requires 0 / 1 input.
    sparse_output : bool, default=True
        CSR output (False: a dense array).
    dtype : numpy dtype, default=np.float64
        dtype of the output's values.
    backend : {"auto", "numpy", "numba"}, default="auto"
        "numpy" is the readable reference; "numba" (and "auto") compiled
        kernels with identical results.
    random_state : int, RandomState instance or None, default=None
        Seeds the integer generator of the random choices (growth, and the
        winner cell of a bursting column without a matching segment)
        [``seed``]; the generator's state carries across ``partial_fit``.
    verbose : int, default=0
        Progress reports during ``fit`` / ``partial_fit``.

    Attributes
    ----------
    anomaly_ : ndarray of float64, shape (n_rows,)
        Raw anomaly of each row of the last ``fit`` pass or ``partial_fit``
        call, computed before the row was learned: the fraction of its active
        columns that were not predicted (0 for a row without active columns).
    n_features_in_ : int
        Number of input columns.
    n_cells_ : int
        ``n_features_in_ * n_cells_per_column``.
    n_segments_, n_synapses_ : int
        Segments and synapses now.
    segments_per_cell_ : ndarray of int64, shape (n_cells,)
    connections_ : CanonicalConnections
        Copies of every segment (cell, creation serial, last use) and synapse
        (presynaptic cell, permanence), sorted.
    active_cells_, winner_cells_ : ndarray of int32
        The last learned row's active and winner cells (the context of the
        next ``partial_fit`` row); empty after ``reset``.
    predictive_cells_ : ndarray of int32
        Cells predicted for the next row.
    cell_activity_ : ndarray of int64, shape (n_cells,)
        Rows learned since ``fit`` began in which each cell was active
        (divide by ``n_samples_seen_`` for a duty cycle).
    n_samples_seen_ : int
        Rows learned since ``fit`` began.
    n_iter_ : int
        Passes made by ``fit``.

    Examples
    --------
    A sequence of 8 SDRs (12 active columns of 256), seen 6 times, each
    time as a new sequence:

    >>> import numpy as np
    >>> from sklearn_htm import TemporalMemoryTransformer
    >>> rng = np.random.RandomState(0)
    >>> sequence = np.zeros((8, 256), dtype=np.uint8)
    >>> for row in sequence:
    ...     row[rng.choice(256, 12, replace=False)] = 1
    >>> tm = TemporalMemoryTransformer(n_cells_per_column=4, activation_threshold=8,
    ...     min_threshold=6, max_new_synapse_count=12, random_state=0)
    >>> tm = tm.fit(np.tile(sequence, (6, 1)), sequence_starts=np.arange(48) % 8 == 0)
    >>> tm.anomaly_.reshape(6, 8).mean(axis=1).round(2).tolist()  # per repetition
    [1.0, 1.0, 1.0, 1.0, 0.12, 0.12]
    >>> tm.anomaly_[-8:].tolist()  # only the sequence's first step is a surprise
    [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    >>> tm.transform(sequence[:3]).getnnz(axis=1).tolist()  # a burst, then 1 cell per column
    [48, 12, 12]
    """

    _parameter_constraints: dict = {
        "n_cells_per_column": [Interval(Integral, 1, None, closed="left")],
        "activation_threshold": [Interval(Integral, 1, None, closed="left")],
        "min_threshold": [Interval(Integral, 1, None, closed="left")],
        "initial_permanence": [Interval(Real, 0, 1, closed="both")],
        "connected_threshold": [Interval(Real, 0, 1, closed="right")],
        "permanence_increment": [Interval(Real, 0, 1, closed="both")],
        "permanence_decrement": [Interval(Real, 0, 1, closed="both")],
        "predicted_segment_decrement": [Interval(Real, 0, 1, closed="both")],
        "max_new_synapse_count": [Interval(Integral, 1, None, closed="left")],
        "max_segments_per_cell": [Interval(Integral, 1, None, closed="left")],
        "max_synapses_per_segment": [Interval(Integral, 1, None, closed="left")],
        "max_iter": MAX_ITER_CONSTRAINT,
        "output": [StrOptions(set(OUTPUTS))],
        "sparse_output": ["boolean"],
        "dtype": "no_validation",  # checked by utils._validation.check_output_dtype
        **layer_constraints(REGISTRY),
    }

    _backends = REGISTRY
    STRUCTURAL_PARAMS = STRUCTURAL_PARAMS
    _layer_name = "Temporal Memory"

    def __init__(
        self,
        *,
        n_cells_per_column=32,
        activation_threshold=13,
        min_threshold=10,
        initial_permanence=0.21,
        connected_threshold=0.5,
        permanence_increment=0.1,
        permanence_decrement=0.1,
        predicted_segment_decrement=0.0,
        max_new_synapse_count=20,
        max_segments_per_cell=255,
        max_synapses_per_segment=255,
        max_iter=1,
        output="active_cells",
        binarize=0.0,
        sparse_output=True,
        dtype=np.float64,
        backend="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_cells_per_column = n_cells_per_column
        self.activation_threshold = activation_threshold
        self.min_threshold = min_threshold
        self.initial_permanence = initial_permanence
        self.connected_threshold = connected_threshold
        self.permanence_increment = permanence_increment
        self.permanence_decrement = permanence_decrement
        self.predicted_segment_decrement = predicted_segment_decrement
        self.max_new_synapse_count = max_new_synapse_count
        self.max_segments_per_cell = max_segments_per_cell
        self.max_synapses_per_segment = max_synapses_per_segment
        self.max_iter = max_iter
        self.output = output
        self.binarize = binarize
        self.sparse_output = sparse_output
        self.dtype = dtype
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sequence_starts=None):
        """Learn the sequence of rows of X, ``max_iter`` passes, in order.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_columns)
            Active columns of each step (an SDR per row, such as a Spatial
            Pooler's output); binarized with ``binarize``.
        y : None
            Ignored.
        sequence_starts : array-like of bool, shape (n_samples,), default=None
            True at the rows that begin a new sequence (the context is
            cleared before them, as ``reset`` does). The first row always
            begins one.

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            For NaN or infinite input, non-binary input with
            ``binarize=None``, a malformed ``sequence_starts``, thresholds no
            segment can reach, or a layer of 2**23 cells or more (columns x
            ``n_cells_per_column``).
        """
        return self._fit(X, sequence_starts=sequence_starts)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sequence_starts=None):
        """Learn the rows of X as the continuation of the stream.

        The first call starts the stream (as ``fit`` with one pass); later
        calls continue from the last row learned, with its context and the
        generator's state, so that calls over consecutive chunks of a stream
        equal one call over all of it. A call refused for its input (any of
        the errors below) leaves the estimator as it was; a call interrupted
        while learning (KeyboardInterrupt, MemoryError) keeps the rows it had
        learned, a prefix of X, with their context, as if it had been given
        only those rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_columns)
        y : None
            Ignored.
        sequence_starts : array-like of bool, shape (n_samples,), default=None
            True at the rows that begin a new sequence.

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            As ``fit``; also for a width other than the fitted one, or a
            changed ``n_cells_per_column``.
        """
        return self._partial_fit(X, sequence_starts=sequence_starts)

    def transform(self, X, sequence_starts=None):
        """The chosen cells (``output``) of each row, without learning.

        X is run as a sequence from a cleared context (the first row begins
        a sequence), with the connections learned so far; nothing of the
        estimator changes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_columns)
        sequence_starts : array-like of bool, shape (n_samples,), default=None
            True at the rows that begin a new sequence.

        Returns
        -------
        cells : {ndarray, sparse matrix} of shape (n_samples, n_cells)
            1 for the chosen cells of each row, ``n_cells = n_features_in_ *
            n_cells_per_column`` columns (cell ``c`` belongs to input column
            ``c // n_cells_per_column``); CSR when ``sparse_output=True``.

        Raises
        ------
        NotFittedError
            Before ``fit`` or ``partial_fit``.
        ValueError
            For NaN or infinite input, a wrong number of columns, non-binary
            input with ``binarize=None``, or a malformed ``sequence_starts``.
        """
        if self.output not in OUTPUTS:
            self._validate_params()  # scikit-learn's InvalidParameterError, naming output
        result = self._infer_public(X, sequence_starts, output=self.output)
        dtype = check_output_dtype(self.dtype, self.sparse_output)
        return csr_output(result.indptr, result.indices, self.n_cells_, dtype,
                          self.sparse_output)

    # ------------------------------------------------------- fitted attributes

    n_cells_ = forwarded("_state.n_cells")
    n_segments_ = forwarded("_state.connections.n_segments")
    n_synapses_ = forwarded("_state.connections.n_synapses")

    @property
    def connections_(self):
        return canonical(self._state.connections)

    @property
    def segments_per_cell_(self):
        return self._state.connections.cell_segment_length.astype(np.int64)

    active_cells_ = forwarded("_state.active_cells", copy=True)
    winner_cells_ = forwarded("_state.winner_cells", copy=True)

    @property
    def predictive_cells_(self):
        conn = self.connections_
        active = np.zeros(self.n_cells_, dtype=bool)
        active[self._state.active_cells] = True
        threshold = PERMANENCE_DTYPE(self.connected_threshold)
        live = active[conn.synapse_presynaptic] & (conn.synapse_permanence >= threshold)
        segment = np.repeat(np.arange(conn.segment_cell.size), np.diff(conn.synapse_indptr))
        counts = np.bincount(segment[live], minlength=conn.segment_cell.size)
        return np.unique(conn.segment_cell[counts >= self.activation_threshold])

    cell_activity_ = forwarded("_state.cell_activity", copy=True)
    _n_features_out = forwarded("n_cells_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.requires_fit = True
        tags.transformer_tags.preserves_dtype = preserved_dtypes(self.dtype)
        return tags

    # ------------------------------------------------------------- internals

    def _check_call(self, first):
        check_output_dtype(self.dtype, self.sparse_output)
        if first:
            check_sparse_output(self)

    def _build_config(self):
        """The configuration of the current parameters, after the checks that
        no parameter constraint can express."""
        n_columns = self._structure.n_features
        # Attributes, not get_params(): cheaper, and the cache calls this
        # only after a parameter changed.
        config = TMConfig.from_params(vars(self), n_columns)
        if config.n_cells >= MAX_CELLS:
            raise ValueError(
                f"{n_columns} columns x n_cells_per_column={self.n_cells_per_column} "
                f"= {config.n_cells} cells; at most {MAX_CELLS - 1} are supported."
            )
        check_thresholds(
            config, min(config.max_new_synapse_count, config.max_synapses_per_segment),
            "min(max_new_synapse_count, max_synapses_per_segment)",
            "max_new_synapse_count and max_synapses_per_segment")
        if config.initial_permanence < config.connected_threshold and (
                config.permanence_increment == 0):
            warn_caller(
                f"initial_permanence={self.initial_permanence} is below "
                f"connected_threshold={self.connected_threshold} and "
                "permanence_increment=0: no synapse can ever connect, so nothing is "
                "ever predicted."
            )
        return config

    def _new_state(self, config, random_state):
        return TMState.empty(config.n_cells, seed_state(random_state))

    def _learn_chunk(self, backend, config, state, rows, context, start, stop, result):
        output = None if context.cells is None else "active_cells"
        # The anomalies go straight into the result: after a failure, those
        # of the rows learned are there.
        run = backend.learn(config, state, rows, context.starts[start:stop], output,
                            out=result[start:stop])
        if context.cells is not None:
            context.cells.append(BinaryRows(run.indptr, run.indices, config.n_cells))

    def _partial_fit_rows(self, rows, out=None, cells=None, *, context=None, **call):
        """``partial_fit`` of validated rows continuing a started stream,
        without sequence starts (see :meth:`HTMLayer._partial_fit_rows`);
        ``cells``: a list that receives the rows' active cells, chunk by
        chunk (as :class:`~sklearn_htm._core.rows.BinaryRows`)."""
        if context is None:
            context = SequenceCall(np.zeros(rows.shape[0], dtype=bool), cells)
        return super()._partial_fit_rows(rows, out, context=context, **call)

    def _infer(self, backend, config, rows, starts, output=None):
        """``backend.infer`` from the current state (only read): the raw
        anomalies, or with ``output`` (an ``output`` name) the whole
        :class:`~.backends._base.RunResult`, the cells of each row included."""
        result = backend.infer(config, self._state, rows, starts, output)
        return result.anomaly if output is None else result
