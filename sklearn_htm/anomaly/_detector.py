"""A ready anomaly detector for one stream: encoders -> pooler -> TM -> likelihood.

The chain and its rules are those of NAB's HTM detector (``nab/detectors/
numenta/numenta_detector.py`` in numenta/NAB, with nupic's
``best_single_metric_anomaly_params``), rebuilt from this package's
estimators; written from their description.
"""

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..backtracking_tm import BacktrackingTM
from ..encoders import DateEncoder, RandomDistributedScalarEncoder
from ..spatial_pooler._structure import n_winners_of
from ..temporal_memory import TemporalMemoryTransformer
from .._core.failure import restore_on_failure
from .._core.layer import check_unchanged, started_with
from .._core.messages import warn_caller
from .._core.progress import ProgressReporter
from .._core.saved import AddedParamsMixin
from ._likelihood import AnomalyLikelihood, log_likelihood
from ._rows import (MIN_RESOLUTION, POOLER_REACH, SPARSITY, begin_part, check_clock,
                    check_order, encode_rows, last_instant, pooled, start_range,
                    stream_pooler, value_edge)
from ._rows import frame as _frame
from ._rows import stacked as _stacked

_LARGEST = float(np.finfo(np.float64).max)
#: A value beyond the range seen so far by more than this fraction of it is
#: a "spatial" anomaly (NAB's HTM detector's SPATIAL_TOLERANCE).
SPATIAL_TOLERANCE = 0.05
#: Buckets of the value's range for the RDSE resolution (nupic's numBuckets).
N_BUCKETS = 130
#: (activation_threshold, min_threshold) of each Temporal Memory when not
#: given: NAB's HTM detector's 13 / 10 for the backtracking TM; 10 / 8 for
#: htm.core's, which scored higher than 13 / 10 with it on NAB.
TM_THRESHOLDS = {"backtracking": (13, 10), "htm.core": (10, 8)}
#: Segments a cell of either Temporal Memory holds when not given (beyond
#: it, a new segment replaces the cell's oldest or least recently used one).
MAX_SEGMENTS_PER_CELL = 128
#: Parameters that shape the parts (or the pooler's blocks) when a stream
#: starts: a stream cannot change them.
STRUCTURAL_PARAMS = ("minimum", "maximum", "range_padding", "time_of_day", "temporal_memory",
                     "activation_threshold", "min_threshold", "max_segments_per_cell",
                     "predicted_segment_decrement", "probation", "block_size", "n_columns",
                     "random_state")
#: The backtracking TM's learning starts over after 64 steps in sequence
#: (NuPIC's default ``maxSeqLength`` is 32; NAB's HTM detector used 0,
#: never) and, every 10,000 rows, forgets the segments not reinforced in the
#: last 10,000 (NuPIC's ``globalDecay`` of 1 every ``maxAge`` steps): what
#: keeps a stream that never stops making new patterns at a bounded size
#: and cost. Chosen by measurement, one configuration for every series: the
#: cost by stream position in ``benchmarks/results/long_stream.json``, NAB's
#: three profiles in ``benchmarks/results/nab.json`` (higher than with 0 and
#: no decay), the generated series in ``anomaly_generated.json`` (32 scored
#: lower there: a period of 50 rows is longer); docs/anomaly_detection.rst
#: tells how.
MAX_SEQ_LENGTH = 64
GLOBAL_DECAY = 1.0
MAX_AGE = 10_000


#: How the detector sets its Temporal Memory's parameters beyond its own
#: (for a refusal's message, :func:`._rows.begin_part`).
TM_REACH = ("its Temporal Memory's other parameters are given through "
            "temporal_memory=BacktrackingTM(...) or TemporalMemoryTransformer(...)")
GIVEN_TM_REACH = "set them on the given temporal_memory"


class HTMAnomalyDetector(AddedParamsMixin, OutlierMixin, BaseEstimator):
    """Online anomaly detection on one stream of values with HTM.

    Each row (a value and, when the stream has a clock, its timestamp) is
    encoded (the value by a :class:`~sklearn_htm.RandomDistributedScalarEncoder`
    whose resolution is the range / 130, the time of day by a
    :class:`~sklearn_htm.DateEncoder`),
    pooled into an SDR of 40 columns out of 2048 by a slowly learning
    :class:`~sklearn_htm.SpatialPoolerTransformer`, and fed to a Temporal
    Memory (NuPIC's :class:`~sklearn_htm.BacktrackingTM` by default),
    whose raw anomaly an :class:`~sklearn_htm.AnomalyLikelihood` turns into
    NAB's anomaly score: the log likelihood, or 1 when the value leaves the
    range seen so far by more than 5% of it. This is the chain of NAB's HTM
    detector (``nab/detectors/numenta``; Ahmad et al. 2017, "Unsupervised
    real-time anomaly detection for streaming data"), one configuration for
    every series.

    The detector learns online: ``partial_fit`` (and ``fit``, which starts
    afresh) scores each row against what was learned from the rows before
    it, then learns it; ``anomaly_score_`` holds the scores of the last
    call. The pooler learns in blocks of ``block_size`` rows of the stream:
    a row's SDR comes from the pooler as it was when the row's block began
    (never from later rows), and a block is learned once complete, possibly
    in a later call; so calls over chunks of any size give the bits of one
    call over the whole stream (with ``minimum`` and ``maximum`` given: else
    the range comes from the first call's rows).

    Three forms of one score:

    - NAB's: ``anomaly_score_`` in [0, 1], higher is more anomalous. It
      saturates: every spatial anomaly scores 1, and so does every
      likelihood that rounds to 1, so the top of a ranking is a tie;
    - the ranking score, ``ranking_score_``: NAB's score with those ties
      graded, equal to it elsewhere. A spatial anomaly scores ``1 +`` how far
      the value lies beyond the range seen, as a fraction of that range
      (more than 0.05 by the rule's tolerance); a likelihood that rounds to
      1 scores ``-log10`` of its tail probability / 10 (1.6 and more: its
      z-score is beyond about 8). Two rows tie only when they are equally
      far out. Rank alarms by it;
    - scikit-learn's outlier detectors': ``score_samples`` and
      ``decision_function`` higher for normal rows (``-ranking_score``, and
      ``-ranking_score - offset_``, negative exactly for the rows whose
      ranking score reaches ``threshold``), ``predict`` -1 for those rows and
      1 for the others. These three score rows as the stream's continuation
      without learning them.

    Parameters
    ----------
    minimum, maximum : float or None, default=None
        The range of the values (NAB gives every detector the file's minimum
        and maximum). None: taken from the rows of the first call, with a
        warning when that call holds fewer than ``probation`` rows (a range
        from a few rows makes the value encoder far too fine). A value more
        than 2**52 buckets from 0 (a sensor's sentinel such as 1e300) is
        encoded as the edge bucket and scored by the spatial rule, without
        widening the range that rule knows; the rows right after it often
        score high too (the Temporal Memory did not predict them).
    range_padding : float, default=0.0
        The range is widened by this fraction of it on each side before the
        value encoder's resolution (the range / 130) is set. NAB's HTM
        detector widens it by 0.2; here that scored lower on NAB (the
        documentation's NAB table, from ``benchmarks/bench_nab.py``).
    time_of_day : tuple (n_active, radius) or None, default=(21, 9.49)
        The time-of-day code of :class:`~sklearn_htm.DateEncoder` (NAB's
        HTM detector's: 21 bits, a radius of 9.49 hours) [``timeOfDay``].
        None, or a stream whose first rows carry no timestamps (a series
        indexed by position: a 1-D array, a Series without a
        DatetimeIndex), has no time code: the value alone is encoded.
    temporal_memory : {"backtracking", "htm.core"} or estimator, default="backtracking"
        The Temporal Memory: NuPIC's :class:`~sklearn_htm.BacktrackingTM`
        (the one behind NAB's published HTM results) with NAB's HTM
        detector's configuration, ``max_seq_length=64`` and a global
        decay (``global_decay=1.0``, ``max_age=10000``: every 10,000 rows,
        the segments not reinforced in the last 10,000 go), which keep a
        long stream's size and cost bounded; or htm.core's
        :class:`~sklearn_htm.TemporalMemoryTransformer` (128 segments per
        cell, 32 synapses per segment, htm.core's defaults otherwise); or an
        instance of either class, cloned (a fitted one starts afresh) and used
        as given (its own ``random_state``; the thresholds below override its
        own when given); any other object raises a TypeError at ``fit``.
    activation_threshold : int or None, default=None
        Synapses to active cells that make a Temporal Memory segment
        predict [``activationThreshold``]. None: 13 for the backtracking TM
        (NAB's HTM detector), 10 for htm.core's (it scored higher on NAB
        than 13 there, the documentation's NAB table; chosen on the corpus,
        one value for every series).
    min_threshold : int or None, default=None
        Synapses that make a segment the best match of an unpredicted column
        [``minThreshold``]. None: 10 for the backtracking TM, 8 for htm.core's.
    max_segments_per_cell : int or None, default=None
        Segments a cell of the Temporal Memory holds; a new one beyond
        replaces the cell's oldest (backtracking) or least recently used
        (htm.core) [``maxSegmentsPerCell``]. None: 128 (NAB's HTM detector;
        fewer bound a long stream's size sooner but scored lower on NAB: 16
        and 8 lost 0.8 and 2.4 points, measured without the global
        decay), or a given estimator's own.
    predicted_segment_decrement : float, default=0.0
        htm.core's punishment of wrong predictions (``temporal_memory=
        "htm.core"`` only; the backtracking TM has none).
    use_likelihood : bool, default=True
        False scores rows by the raw anomaly itself (NAB's ablation of the
        likelihood step; the spatial rule still applies).
    probation : int, default=750
        Rows the anomaly likelihood spends learning (half) and estimating
        (half); until then the likelihood is 0.5, an anomaly score of 0.03
        (its log form), except for rows the spatial rule scores 1 (early on,
        while the range seen is still narrow). NAB: 15% of the file, at most
        750 rows, not scored. Ignore the scores of these rows.
    threshold : float, default=0.5
        Ranking score at or above which ``predict`` says -1 (up to 1, the
        anomaly score's threshold as well).
    block_size : int, default=16
        Rows per pooler step.
    n_columns : int, default=2048
        Columns of the pooler (and of the Temporal Memory).
    random_state : int, RandomState instance or None, default=0
        Seeds the pooler and the Temporal Memory.
    verbose : int, default=0
        1 reports the rows learned (``[HTMAnomalyDetector.fit] ...``; a
        ``partial_fit`` only when it is long), and is passed to the pooler and
        the Temporal Memory, which say when their kernels are being compiled
        (the first use in an environment, up to a minute), with a
        heartbeat; 0 prints nothing
        (a first compile is a :class:`~sklearn_htm.exceptions.KernelCompileWarning`
        for each part's kernels).

    Attributes
    ----------
    anomaly_score_ : ndarray of float64, shape (n_rows,)
        NAB's anomaly score of each row of the last ``fit`` / ``partial_fit``.
    ranking_score_ : ndarray of float64, shape (n_rows,)
        The ranking score of those rows (higher is more anomalous; at least
        ``anomaly_score_``, equal to it below 1).
    raw_anomaly_ : ndarray of float64, shape (n_rows,)
        The Temporal Memory's raw anomaly of those rows.
    spatial_anomaly_ : ndarray of bool, shape (n_rows,)
        Rows whose value left the range seen before them.
    pooler_, temporal_memory_, likelihood_estimator_ : estimators
        The fitted parts.
    n_samples_seen_ : int
        Rows learned since ``fit`` (or the first ``partial_fit``).
    offset_ : float
        ``decision_function = score_samples - offset_``: minus the largest
        float below ``threshold``, so that a score equal to the threshold
        gives a negative decision (an outlier), as in scikit-learn.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn_htm import HTMAnomalyDetector
    >>> t = pd.date_range("2024-01-01", periods=600, freq="30min")
    >>> value = 10 + 5 * np.sin(2 * np.pi * np.arange(600) / 48)
    >>> value[550] = 60.0                       # far outside the range seen
    >>> frame = pd.DataFrame({"timestamp": t, "value": value})
    >>> detector = HTMAnomalyDetector(minimum=0, maximum=20, probation=100, n_columns=256,
    ...                               activation_threshold=4, min_threshold=3).fit(frame)
    >>> float(detector.anomaly_score_[550]), bool(detector.spatial_anomaly_[550])
    (1.0, True)
    >>> int((detector.anomaly_score_[100:] >= 0.5).sum())   # after the probation
    1
    """

    #: A detector saved before max_segments_per_cell continues as it was
    #: (None: 128, what it used).
    _added_params = {"max_segments_per_cell": None}

    _parameter_constraints: dict = {
        "minimum": [None, Real],
        "maximum": [None, Real],
        "range_padding": [Interval(Real, 0, None, closed="left")],
        "time_of_day": [None, tuple],
        "temporal_memory": [StrOptions({"backtracking", "htm.core"}),
                            HasMethods(["partial_fit"])],
        "activation_threshold": [None, Interval(Integral, 1, None, closed="left")],
        "min_threshold": [None, Interval(Integral, 1, None, closed="left")],
        "max_segments_per_cell": [None, Interval(Integral, 1, None, closed="left")],
        "predicted_segment_decrement": [Interval(Real, 0, 1, closed="both")],
        "use_likelihood": ["boolean"],
        "probation": [Interval(Integral, 2, None, closed="left")],
        "threshold": [Interval(Real, 0, 1, closed="both")],
        "block_size": [Interval(Integral, 1, None, closed="left")],
        "n_columns": [Interval(Integral, 64, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, *, minimum=None, maximum=None, range_padding=0.0,
                 time_of_day=(21, 9.49), temporal_memory="backtracking",
                 activation_threshold=None,
                 min_threshold=None, max_segments_per_cell=None,
                 predicted_segment_decrement=0.0,
                 use_likelihood=True, probation=750, threshold=0.5, block_size=16,
                 n_columns=2048, random_state=0, verbose=0):
        self.minimum = minimum
        self.maximum = maximum
        self.range_padding = range_padding
        self.time_of_day = time_of_day
        self.temporal_memory = temporal_memory
        self.activation_threshold = activation_threshold
        self.min_threshold = min_threshold
        self.max_segments_per_cell = max_segments_per_cell
        self.predicted_segment_decrement = predicted_segment_decrement
        self.use_likelihood = use_likelihood
        self.probation = probation
        self.threshold = threshold
        self.block_size = block_size
        self.n_columns = n_columns
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Start a new stream and learn the rows of X online.

        Parameters
        ----------
        X : DataFrame, Series, array-like, dict or one ``(timestamp, value)`` pair
            The rows, in the stream's order, in any of these forms:

            - a DataFrame with a ``value`` column (or one column besides
              ``timestamp``) and the timestamps in a ``timestamp`` column or
              a DatetimeIndex;
            - a Series of values, timestamped by a DatetimeIndex;
            - an array-like of shape (n_samples, 2) of (timestamp, value)
              rows, or one ``(timestamp, value)`` pair;
            - values alone: a 1-D array-like (or shape (n_samples, 1)), a
              Series without a DatetimeIndex, one number: a stream without a
              clock, whose position is its time;
            - a dict, one row as river passes it: ``{"timestamp": t,
              "value": v}`` or ``{"value": v}``.

            Timestamps: datetime64 values, pandas Timestamps, datetimes or
            strings pandas parses (a time zone is dropped: wall-clock time);
            numbers are refused (give the values alone instead). Values:
            finite numbers. A stream that started with timestamps needs them
            in every call, one that started without refuses them.
        y : None
            Ignored.

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            For no rows, NaN or infinite values, unparseable timestamps,
            columns that do not say which is the value, timestamps given (or
            missing) against the stream's first call, or ``minimum >
            maximum``.
        """
        with restore_on_failure(self):  # new parts: the old ones come back whole
            for name in ("pooler_", "_encoders", "_last_timestamp"):
                self.__dict__.pop(name, None)
            self._learn(*_frame(X), call="fit")
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Continue the stream with the rows of X (the first call starts it).

        One row per call is the way of a live stream: a one-row DataFrame, a
        ``(timestamp, value)`` pair or an array of shape (1, 2), parsed and
        validated once, then handed to the parts' kernels directly.

        Parameters and errors as :meth:`fit`. A call refused for its input
        leaves the detector and its parts as they were; so does any failure
        of a stream's first call. A later call interrupted while learning
        (KeyboardInterrupt, MemoryError) keeps the rows its parts had
        learned, a prefix of X, in every part alike (the pooler, the Temporal
        Memory, the likelihood, the range seen and ``anomaly_score_``), as if
        it had been given only those rows.

        The stream's parts are fixed by its first call: a later call (and
        ``score_samples``) refuses (``ValueError``) a changed ``minimum``,
        ``maximum``, ``range_padding``, ``time_of_day``, ``temporal_memory`` (its own
        parameters included), ``activation_threshold``, ``min_threshold``,
        ``predicted_segment_decrement``, ``probation``, ``block_size``,
        ``n_columns`` or ``random_state``; ``threshold``, ``use_likelihood``
        and ``verbose`` apply from the next call.
        """
        self._learn(*_frame(X))
        return self

    def score_samples(self, X):
        """``-ranking_score`` of the rows of X as the stream's continuation,
        without learning them (higher is more normal).

        Nothing of the detector changes and nothing of it is copied but the
        activity of its Temporal Memory (with ``temporal_memory="htm.core"``,
        that Temporal Memory's whole state) and the likelihood's windows. The
        rows are scored by what was learned before X: the first row's score
        is the one ``partial_fit`` would give it; later rows' may differ from
        it, as learning the earlier rows of X would have changed the parts.

        Returns
        -------
        scores : ndarray of float64, shape (n_samples,)
        """
        check_is_fitted(self)
        self._check_continuation()
        stamps, _, values = _frame(X)
        return self._score_frame(stamps, values)

    def _score_frame(self, stamps, values, model="detector"):
        """:meth:`score_samples` of parsed rows (the inner path: only the
        clock is checked)."""
        check_clock(self, stamps, model)
        bits = self._encode(stamps, values)
        sdrs = self._pooled(bits)
        raw = self.temporal_memory_._score_rows(sdrs)
        excess, _ = self._spatial_excess(values)
        likelihood, log_tail = self.likelihood_estimator_._continuation(raw[:, None],
                                                                        values[:, None])
        return -self._scores(raw, excess, likelihood, log_tail)[1]

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative exactly for the rows whose
        ranking score reaches ``threshold``."""
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """-1 for rows whose ranking score reaches ``threshold`` (a negative
        ``decision_function``), 1 otherwise."""
        return np.where(self.decision_function(X) < 0, -1, 1)

    def fit_predict(self, X, y=None):
        """Learn X online and say which rows reached the threshold as they
        were learned (-1) or not (1)."""
        self.fit(X)
        return np.where(self.ranking_score_ >= self.threshold, -1, 1)

    # ------------------------------------------------------- fitted attributes

    def __sklearn_is_fitted__(self):
        return hasattr(self, "pooler_")

    @property
    def offset_(self):
        return -float(np.nextafter(float(self.threshold), -np.inf))

    @property
    def n_samples_seen_(self):
        return self.likelihood_estimator_.n_samples_seen_

    # ------------------------------------------------------------- internals

    def _check_continuation(self):
        """Refuse a structural parameter changed since the stream started
        (``set_params`` between calls); ``use_likelihood``, ``threshold`` and
        ``verbose`` apply from the next call."""
        started = self.__dict__.setdefault("_started_with",
                                           started_with(self, STRUCTURAL_PARAMS))
        check_unchanged(self, started, "detector")

    def _start(self, stamps, values):
        self._started_with = started_with(self, STRUCTURAL_PARAMS)
        self._timestamped = stamps is not None
        if (self.minimum is None or self.maximum is None) and values.shape[0] < self.probation:
            warn_caller(
                f"The value range is taken from the first call's {values.shape[0]} row(s); "
                "a range from so few rows makes the value encoder far too fine for the "
                "rest of the stream. Give minimum and maximum (the range you expect), or "
                f"a first call of at least probation={self.probation} rows."
            )
        minimum, maximum = start_range(self.minimum, self.maximum, values)
        span = (maximum - minimum) * (1 + 2 * self.range_padding)
        resolution = max(MIN_RESOLUTION, span / N_BUCKETS)
        self._encoders = (
            RandomDistributedScalarEncoder(size=400, n_active=21, resolution=resolution,
                                           seed=42),
            None if stamps is None or self.time_of_day is None
            else DateEncoder(time_of_day=self.time_of_day),
        )
        self.pooler_ = stream_pooler(self.n_columns, self.random_state, self.verbose)
        self.temporal_memory_ = self._temporal_memory()
        learning = math.floor(self.probation / 2)
        self.likelihood_estimator_ = AnomalyLikelihood(
            learning_period=learning, estimation_samples=self.probation - learning,
            reestimation_period=100,
        )
        self._seen_range = None
        self._pending_bits = None  # rows of the pooler's unfinished block

    def _temporal_memory(self):
        """The unfitted Temporal Memory of ``temporal_memory``, with NAB's
        HTM detector's configuration; the thresholds and segments per cell
        given (not None) replace its own."""
        given = {name: getattr(self, name) for name in
                 ("activation_threshold", "min_threshold", "max_segments_per_cell")
                 if getattr(self, name) is not None}
        if not isinstance(self.temporal_memory, str):
            if not isinstance(self.temporal_memory, (BacktrackingTM, TemporalMemoryTransformer)):
                raise TypeError(
                    "temporal_memory must be 'backtracking', 'htm.core', or a BacktrackingTM "
                    f"or TemporalMemoryTransformer; got {type(self.temporal_memory).__name__}."
                )
            return clone(self.temporal_memory).set_params(**given)
        activation, minimum = TM_THRESHOLDS[self.temporal_memory]
        params = {**dict(n_cells_per_column=32, activation_threshold=activation,
                         min_threshold=minimum, max_new_synapse_count=20,
                         max_segments_per_cell=MAX_SEGMENTS_PER_CELL, max_synapses_per_segment=32,
                         random_state=self.random_state, verbose=self.verbose), **given}
        if self.temporal_memory == "backtracking":
            return BacktrackingTM(max_seq_length=MAX_SEQ_LENGTH, global_decay=GLOBAL_DECAY,
                                  max_age=MAX_AGE, **params)
        return TemporalMemoryTransformer(
            predicted_segment_decrement=self.predicted_segment_decrement, **params)

    def _encode(self, stamps, values):
        """The encoders' bits of the rows (see :func:`._rows.encode_rows`)."""
        return encode_rows(self._encoders, stamps, values)

    def _spatial_excess(self, values):
        """NAB's rule: a value beyond the range seen before it by more than
        5% of that range is a spatial anomaly (the range then grows to
        include it). Returns, for each row, how far beyond the range it lies
        as a fraction of the range (0 for the rows the rule leaves alone),
        and the range seen after the rows; changes nothing. A value beyond
        the value encoder's edge buckets (a sensor's sentinel) is graded but
        does not widen the range."""
        excess = np.zeros(values.shape[0], dtype=np.float64)
        seen = self._seen_range
        edge = value_edge(self._encoders[0])
        for r, value in enumerate(values.tolist()):
            sentinel = abs(value) > edge
            if seen is not None:
                low, high = seen
                if low != high:
                    tolerance = (high - low) * SPATIAL_TOLERANCE
                    if value > high + tolerance or value < low - tolerance:
                        # a sentinel far beyond a narrow range: at most float64's largest
                        excess[r] = min(max(value - high, low - value) / (high - low),
                                        _LARGEST)
                if not sentinel:
                    seen = (min(low, value), max(high, value))
            elif not sentinel:
                seen = (value, value)
        return excess, seen

    def _scores(self, raw, excess, likelihood, log_tail):
        """NAB's anomaly score and the ranking score of rows from their raw
        anomalies, spatial excesses and likelihoods and log10 tail
        probabilities (shape (n, 1)); see ``ranking_score_``."""
        spatial = excess > 0
        score = log_likelihood(likelihood[:, 0]) if self.use_likelihood else raw.copy()
        score[spatial] = 1.0
        ranking = score.copy()
        tied = likelihood[:, 0] == 1.0
        if self.use_likelihood and tied.any():  # rare: most calls skip the grading
            tied &= ~spatial
            ranking[tied] = -log_tail[tied, 0] / 10
        if spatial.any():
            ranking[spatial] += excess[spatial]
        return score, ranking

    def _learn(self, stamps, instants, values, call="partial_fit", model="detector"):
        """Learn the rows, the pooler a block behind. A stream's first call
        is all or nothing (its parts are new); a later one changes nothing
        until its rows are encoded, then keeps, if it fails, the rows all the
        parts learned. ``model`` names the detector in warnings (the
        inner path of parsed rows: :class:`~sklearn_htm.MultiStreamDetector`
        names each stream's)."""
        if hasattr(self, "pooler_"):
            self._check_continuation()
            check_clock(self, stamps, model)
            self._learn_bits(self._encode(stamps, values), instants, values, call, model)
            return
        with restore_on_failure(self):
            self._start(stamps, values)
            bits = self._encode(stamps, values)
            begin_part(self.pooler_, bits.n_features, self, POOLER_REACH)  # nothing learned
            self._learn_bits(bits, instants, values, call, model)

    def _learn_bits(self, bits, instants, values, call, model="detector"):
        """Learn encoded rows (see :meth:`_learn`), reporting progress as
        ``HTMAnomalyDetector.<call>``."""
        check_order(getattr(self, "_last_timestamp", None), instants, model)
        n_rows = values.shape[0]
        raw = np.empty(n_rows, dtype=np.float64)
        done = [0]  # rows learned by the pooler and the TM alike
        reporter = ProgressReporter(self.verbose, n_rows, f"{type(self).__name__}.{call}",
                                    quiet_when_quick=call == "partial_fit")
        try:
            while done[0] < n_rows:
                before = done[0]
                self._learn_block(bits, done, raw)
                reporter.update(done[0] - before)
        finally:
            # The spatial rule, the likelihood and the scores follow the rows
            # the pooler and the TM learned.
            if done[0]:
                self._commit(last_instant(instants, done[0]), values[:done[0]], raw[:done[0]])

    def _learn_block(self, bits, done, raw):
        """Rows from ``done[0]`` up to the end of the pooler's current block:
        their SDRs come from the pooler as it was when the block began, the
        pooler learns the block once complete (possibly in a later call),
        then the TM learns the SDRs; ``done[0]`` moves past the rows the TM
        learned. When the TM's call fails part way and the pooler had learned
        the block, the TM learns the rest before the error goes on, so that
        the two agree (should that fail too, the pooler stays a block ahead)."""
        start = done[0]
        pending = self._pending_bits
        n_pending = 0 if pending is None else pending.shape[0]
        # The first block is the first row alone: an online pooler's first
        # step (NuPIC's, htm.core's) sets its duty cycles on that row and
        # raises the columns it left weak; the stream's later blocks follow.
        size = 1 if self.pooler_.n_samples_seen_ == 0 else self.block_size
        stop = min(bits.shape[0], start + size - n_pending)
        rows = bits[start:stop]
        sdrs = self._pooled(rows)
        block = rows if pending is None else _stacked(pending, rows)
        pooled = block.shape[0] == size
        if pooled:
            self.pooler_._partial_fit_rows(block)  # all or nothing (its journal)
        seen = self._tm_rows_seen()
        out = raw[start:stop]
        try:
            self._tm_learn(sdrs, out)
        except BaseException:
            learned = self._tm_rows_seen() - seen
            if pooled and learned < stop - start:
                self._tm_learn(sdrs[learned:], out[learned:])
            raise
        finally:
            learned = self._tm_rows_seen() - seen
            if learned == stop - start:
                self._pending_bits = None if pooled else block
            elif not pooled and learned:  # the rows the TM learned join the block
                self._pending_bits = (rows[:learned] if pending is None
                                      else _stacked(pending, rows[:learned]))
            done[0] = start + learned

    def _tm_rows_seen(self):
        state = getattr(self.temporal_memory_, "_state", None)  # both TMs keep one
        return 0 if state is None else int(state.n_samples_seen)

    def _pooled(self, bits):
        """The pooler's SDRs of encoded rows, learning nothing."""
        return pooled(self.pooler_, bits)

    def _tm_learn(self, sdrs, out):
        """The TM learns the SDRs, their raw anomalies written into ``out``
        (on the stream's first row it starts the TM's stream first)."""
        tm = self.temporal_memory_
        if not hasattr(tm, "n_features_in_"):  # it refuses thresholds no segment can reach
            given = not isinstance(self.temporal_memory, str)
            begin_part(tm, sdrs.shape[1], self, GIVEN_TM_REACH if given else TM_REACH)
            self._warn_if_too_few_columns()
        tm._partial_fit_rows(sdrs, out)

    def _warn_if_too_few_columns(self):
        """Warn of a Temporal Memory that could hardly ever predict: its
        segments grow one synapse per active column, fewer than its
        ``activation_threshold``. After the TM accepted its configuration,
        so that a threshold it refuses is not warned of first."""
        n_active = n_winners_of(SPARSITY, self.n_columns)
        threshold = getattr(self.temporal_memory_, "activation_threshold", 0)
        if n_active < threshold:
            warn_caller(
                f"n_columns={self.n_columns} makes {n_active} active columns per row, fewer "
                f"than activation_threshold={threshold}: Temporal Memory segments grow one "
                "synapse per active column of a row, so they hardly ever predict and raw "
                "anomalies stay near 1. Use more columns (2048 gives 40) or a lower "
                "activation_threshold."
            )

    def _commit(self, last, values, raw):
        """The spatial rule and the likelihood over rows the parts learned."""
        excess, seen = self._spatial_excess(values)
        likelihood = self.likelihood_estimator_
        if hasattr(likelihood, "_streams"):
            likelihood._partial_fit_scores(raw[:, None], values[:, None])
        else:  # the stream's first call: validated once
            likelihood.partial_fit(raw[:, None], values=values)
        self.anomaly_score_, self.ranking_score_ = self._scores(
            raw, excess, likelihood.likelihood_, likelihood.log_tail_probability_)
        self.raw_anomaly_ = raw
        self.spatial_anomaly_ = excess > 0
        self._seen_range = seen
        self._last_timestamp = last
