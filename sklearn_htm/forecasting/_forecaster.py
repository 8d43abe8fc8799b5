"""HTM forecaster: encoders -> Spatial Pooler -> Temporal Memory -> one SDR
classifier per step ahead, on one stream of (timestamp, value) rows.

The setup of Cui, Ahmad and Hawkins (2016), "Continuous online sequence
learning with an unsupervised neural network model" (Neural Computation
28(11)): the classifier reads the Temporal Memory's active cells; each
value falls in a bucket of the range (its category); a bucket's value is
the running average of the values that fell in it (NuPIC's
``actValueAlpha``, ``sdr_classifier.py``).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..anomaly._rows import (MIN_RESOLUTION, POOLER_REACH, begin_part, check_clock,
                             check_order, encode_rows, last_instant, pooled, start_range,
                             stream_pooler)
from ..anomaly._rows import frame as _frame
from ..encoders import DateEncoder, RandomDistributedScalarEncoder
from .._core.rows import BinaryRows
from ..temporal_memory import TemporalMemoryTransformer
from .._core.failure import restore_on_failure
from .._core.layer import check_unchanged, started_with
from .._core.messages import warn_caller
from .._core.progress import ProgressReporter
from ._classifier import SDRClassifier, softmax_rows

#: Parameters fixed by a stream's first call.
STRUCTURAL_PARAMS = ("steps", "minimum", "maximum", "n_buckets", "time_of_day", "day_of_week",
                     "n_columns", "random_state")


def distribution_points(proba, values, coverage):
    """Point forecasts and central intervals of discrete distributions.

    Parameters
    ----------
    proba : ndarray of float64, shape (n, k)
        Probabilities over ``values`` (rows summing to 1, or all 0: no
        forecast).
    values : ndarray of float64, shape (k,)
        The value of each category.
    coverage : float
        Probability of the central interval.

    Returns
    -------
    mean, median, mode : ndarray of float64, shape (n,)
    interval : ndarray of float64, shape (n, 2)
        The ``(1 - coverage) / 2`` and ``(1 + coverage) / 2`` quantiles.
        NaN for rows without a distribution.
    """
    n = proba.shape[0]
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    cumulative = np.cumsum(proba[:, order], axis=1)
    empty = cumulative[:, -1] <= 0 if cumulative.shape[1] else np.ones(n, dtype=bool)

    def quantile(q):
        if not ordered.shape[0]:
            return np.full(n, np.nan)
        # The first value whose cumulative probability reaches q (a small
        # tolerance for the rounding of the sums).
        index = (cumulative < q - 1e-12).sum(axis=1)
        return ordered[np.minimum(index, ordered.shape[0] - 1)]

    mean = proba @ values if values.shape[0] else np.full(n, np.nan)
    mode = values[np.argmax(proba, axis=1)] if values.shape[0] else np.full(n, np.nan)
    median = quantile(0.5)
    interval = np.stack([quantile((1 - coverage) / 2), quantile((1 + coverage) / 2)], axis=1)
    for out in (mean, median, mode):
        out[empty] = np.nan
    interval[empty] = np.nan
    return mean, median, mode, interval


class HTMForecaster(BaseEstimator):
    """Forecast a stream's value ``s`` rows ahead, online, with HTM.

    Each row's value and time of day and day of week are encoded (a random
    distributed scalar encoder, a date encoder), pooled into an SDR of 40
    active columns of 2,048 (a Spatial Pooler), and learned as a sequence by
    a Temporal Memory (htm.core's). For each step ``s`` of ``steps``, an
    :class:`SDRClassifier` learns which value bucket follows the Temporal
    Memory's active cells ``s`` rows later. At each row the forecaster first
    forecasts the value ``s`` rows ahead, from that row's active cells, then
    learns the row (every part, the classifiers with the pattern of ``s``
    rows before); so a forecast never sees the value it forecasts.

    A forecast is a distribution over the value buckets (``forecast_proba_``);
    a bucket's value is the running average of the values that fell in it
    (NuPIC's ``actValueAlpha``). ``point`` says which number stands for the
    distribution, and ``forecast_interval_`` gives its central interval of
    probability ``coverage``.

    Rows are records: the forecast for ``s`` steps ahead is for the value
    ``s`` rows later, whatever the timestamps say (htm.core's ``Predictor``
    pairs patterns by record number). A stream with gaps should be
    resampled to a regular clock first (``DataFrame.resample``).

    Parameters
    ----------
    steps : tuple of int, default=(1,)
        Rows ahead to forecast, each >= 1 and given once [steps]; the
        forecasts' second axis follows this order.
    minimum, maximum : float or None, default=None
        The range of the values: the value encoder's resolution and the
        buckets divide it. ``None``: the first call's minimum or maximum (a
        warning if that call holds fewer than 100 rows). Values beyond it are
        encoded as they are and fall in the outer buckets; one more than 2**52
        value-encoder buckets from 0 (a sensor's sentinel such as 1e300) is
        encoded as the edge bucket, and its outer bucket's value averages it
        in (drop known sentinels first).
    n_buckets : int, default=66
        Buckets of the range (the classifier's categories); 66 are three to
        each of the 22 of Cui et al.
    alpha : float, default=0.01
        The classifiers' learning rate [alpha] (htm.core's default is 0.001,
        which learns too slowly for a stream's first months).
    bucket_value_alpha : float, default=0.3
        Weight of a new value in its bucket's running average [actValueAlpha].
    point : {"median", "mean", "mode"}, default="median"
        The point forecast: the distribution's median (least absolute
        error), mean (least squared error) or most probable bucket's value
        (NuPIC's choice).
    coverage : float, default=0.8
        Probability of the interval in ``forecast_interval_``, in (0, 1).
    time_of_day : tuple (n_active, radius) or None, default=(29, 1.16)
        The date encoder's time of day code (radius in hours), as
        :class:`~sklearn_htm.DateEncoder` takes it; None leaves it out. The
        default is Cui et al.'s: 29 active bits of 600. With NAB's anomaly
        setting (21, 9.49), rows hours apart share most bits and forecasts
        follow the last values.
    day_of_week : tuple (n_active, radius) or None, default=(29, 2.03)
        The day of week code (radius in days): 29 active bits of 100. Both
        None: no date code, for a stream without a calendar cycle (the
        timestamps still order the rows). A stream whose first rows carry
        no timestamps (values alone) has no date code either.
    n_columns : int, default=2048
        The pooler's columns.
    random_state : int, RandomState instance or None, default=0
        Seeds the pooler and the Temporal Memory.
    verbose : int, default=0
        1 reports the rows learned (``[HTMForecaster.fit] ...``; a
        ``partial_fit`` only when it is long), and is passed to the pooler and
        the Temporal Memory, which say when their kernels are being compiled;
        0 prints nothing (a first compile is a ``KernelCompileWarning``).

    Attributes
    ----------
    forecast_ : ndarray of float64, shape (n_rows, len(steps))
        For the rows of the last ``fit`` / ``partial_fit`` call, the forecast
        made at each row for each step (NaN until that step's classifier has
        learned a row).
    forecast_interval_ : ndarray of float64, shape (n_rows, len(steps), 2)
        Lower and upper ends of the central interval.
    forecast_proba_ : ndarray of float64, shape (n_rows, len(steps), n_buckets)
        The forecast distributions over the buckets (0 for buckets not seen
        yet; all 0 before a step's classifier has learned).
    bucket_edges_ : ndarray of float64, shape (n_buckets + 1,)
    bucket_values_ : ndarray of float64, shape (n_buckets,)
        Running average of the values of each bucket (NaN: none yet).
    classifiers_ : list of SDRClassifier
        One per step, over the Temporal Memory's cells.
    pooler_ : SpatialPoolerTransformer
    temporal_memory_ : TemporalMemoryTransformer
    n_samples_seen_ : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn_htm import HTMForecaster
    >>> t = pd.date_range("2024-01-01", periods=600, freq="h")
    >>> X = pd.DataFrame({"timestamp": t, "value": 10 + 5 * np.sin(2 * np.pi * t.hour / 24)})
    >>> model = HTMForecaster(steps=(1, 3), minimum=0, maximum=20).fit(X)
    >>> model.forecast_.shape
    (600, 2)
    >>> truth = X["value"].to_numpy()
    >>> error = np.abs(model.forecast_[-100:-3, 1] - truth[-97:])
    >>> bool(error.mean() < 1.0)
    True
    """

    _parameter_constraints: dict = {
        "steps": ["array-like"],
        "minimum": [None, Real],
        "maximum": [None, Real],
        "n_buckets": [Interval(Integral, 1, 65536, closed="both")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "bucket_value_alpha": [Interval(Real, 0, 1, closed="right")],
        "point": [StrOptions({"mean", "median", "mode"})],
        "coverage": [Interval(Real, 0, 1, closed="neither")],
        "time_of_day": [None, tuple],
        "day_of_week": [None, tuple],
        "n_columns": [Interval(Integral, 64, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, steps=(1,), *, minimum=None, maximum=None, n_buckets=66, alpha=0.01,
                 bucket_value_alpha=0.3, point="median", coverage=0.8,
                 time_of_day=(29, 1.16), day_of_week=(29, 2.03), n_columns=2048,
                 random_state=0, verbose=0):
        self.steps = steps
        self.time_of_day = time_of_day
        self.day_of_week = day_of_week
        self.minimum = minimum
        self.maximum = maximum
        self.n_buckets = n_buckets
        self.alpha = alpha
        self.bucket_value_alpha = bucket_value_alpha
        self.point = point
        self.coverage = coverage
        self.n_columns = n_columns
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the rows of X as a new stream, forecasting each as it comes.

        Parameters
        ----------
        X : DataFrame, Series, array-like, dict or one (timestamp, value) pair
            The rows in the forms :meth:`HTMAnomalyDetector.fit
            <sklearn_htm.HTMAnomalyDetector.fit>` takes (a 1-D array or a
            Series without a DatetimeIndex: values alone, no clock);
            timestamps datetimes, pandas Timestamps or date strings
            (numbers are refused); values finite numbers.
        y : None
            Ignored.

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            For no rows, NaN or infinite values, unparseable timestamps,
            ``minimum > maximum``, or steps that are not positive integers.
        """
        with restore_on_failure(self):
            for name in ("pooler_", "_encoders", "_last_timestamp"):
                self.__dict__.pop(name, None)
            self._learn(*_frame(X), call="fit")
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Continue the stream with the rows of X (the first call starts it).

        One row per call is the way of a live stream. Parameters and errors
        as :meth:`fit`; a call refused for its input leaves the forecaster
        as it was. A call interrupted while learning keeps the rows learned
        before the interruption (the row being learned is completed in every
        part before the error propagates), as if only those had been given.

        The stream's structure is fixed by its first call: a later call
        refuses (``ValueError``) a changed ``steps``, ``minimum``,
        ``maximum``, ``n_buckets``, ``time_of_day``, ``day_of_week``,
        ``n_columns`` or ``random_state``; ``alpha``, ``bucket_value_alpha``, ``point`` and
        ``coverage`` may change between calls and apply from the next row.
        """
        self._learn(*_frame(X))
        return self

    def predict(self, X):
        """Forecasts made at the rows of X as the stream's continuation,
        without learning them.

        The first row's forecasts are those :meth:`partial_fit` would record
        for it; later rows are read by what was learned before X.

        Returns
        -------
        forecast : ndarray of float64, shape (n_samples, len(steps))
        """
        check_is_fitted(self)
        self._check_continuation()
        stamps, _, values = _frame(X)
        check_clock(self, stamps, "forecaster")
        sdrs = self._pooled(self._encode(stamps, values))
        result = self.temporal_memory_._score_rows(sdrs, output="active_cells")
        cells = BinaryRows(result.indptr, result.indices, self.temporal_memory_.n_cells_)
        proba = np.stack([self._distribution(k, cells) for k in range(len(self.steps_))],
                         axis=1)
        return self._points(proba)[0]

    def __sklearn_is_fitted__(self):
        return hasattr(self, "pooler_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------- internals

    def _start(self, stamps, values):
        steps = np.asarray(self.steps)
        if (steps.ndim != 1 or steps.shape[0] == 0 or steps.dtype.kind not in "iu"
                or (steps < 1).any()):
            raise ValueError(f"steps must be positive integers (rows ahead); got {self.steps!r}.")
        if len(set(steps.tolist())) != steps.shape[0]:
            raise ValueError(f"steps holds a step twice: {self.steps!r}.")
        self.steps_ = tuple(int(s) for s in steps)
        self._structure = started_with(self, STRUCTURAL_PARAMS)
        self._timestamped = stamps is not None
        if (self.minimum is None or self.maximum is None) and values.shape[0] < 100:
            warn_caller(
                f"The value range is taken from the first call's {values.shape[0]} row(s); "
                "give minimum and maximum (the range you expect) or a longer first call.")
        minimum, maximum = start_range(self.minimum, self.maximum, values)
        if minimum == maximum and self.minimum is not None and self.maximum is not None:
            raise ValueError(f"minimum and maximum are both {minimum}: no range to divide into "
                             "buckets; give the range the values are expected in.")
        span = max(maximum - minimum, MIN_RESOLUTION * self.n_buckets)
        self.bucket_edges_ = minimum + span * np.arange(self.n_buckets + 1) / self.n_buckets
        self.bucket_values_ = np.full(self.n_buckets, np.nan)
        self._encoders = (
            RandomDistributedScalarEncoder(size=400, n_active=21,
                                           resolution=max(MIN_RESOLUTION, span / 130), seed=42),
            None if stamps is None or (self.time_of_day is None and self.day_of_week is None)
            else DateEncoder(time_of_day=self.time_of_day, day_of_week=self.day_of_week),
        )
        # Cui et al.'s pooler and Temporal Memory (htmresearch's
        # nyc_taxi_model_params): chosen on the taxi series' rows before
        # 10,000 over the previous defaults, the anomaly detector's pooler
        # and a NAB-like Temporal Memory (bench_forecast.py --tune).
        self.pooler_ = stream_pooler(self.n_columns, self.random_state, self.verbose,
                                     connected_threshold=0.5, permanence_increment=0.0001)
        self.temporal_memory_ = TemporalMemoryTransformer(
            n_cells_per_column=32, activation_threshold=15, min_threshold=15,
            max_new_synapse_count=32, predicted_segment_decrement=0.01,
            max_segments_per_cell=128, max_synapses_per_segment=128,
            random_state=self.random_state, verbose=self.verbose,
        )
        self.classifiers_ = [SDRClassifier(alpha=self.alpha) for _ in self.steps_]
        n_cells = self.n_columns * 32
        for classifier in self.classifiers_:
            classifier._begin(n_cells)
        self._history = []  # active cells of the last max(steps) rows, oldest first
        self.n_samples_seen_ = 0

    def _check_continuation(self):
        """A stream's structure is fixed by its first call: refuse a changed
        structural parameter (``set_params`` between calls); the learning
        rates and the point and interval settings apply from the next row."""
        check_unchanged(self, self._structure, "forecaster")

    def _encode(self, stamps, values):
        return encode_rows(self._encoders, stamps, values)

    def _pooled(self, bits):
        return pooled(self.pooler_, bits)

    def _bucket(self, value):
        edges = self.bucket_edges_
        return int(np.clip(np.searchsorted(edges, value, side="right") - 1, 0,
                           self.n_buckets - 1))

    def _learn(self, stamps, instants, values, call="partial_fit"):
        first = not hasattr(self, "pooler_")
        with restore_on_failure(self):  # until the rows are encoded (all, on a first call)
            if first:
                self._start(stamps, values)
            else:
                self._check_continuation()
                check_clock(self, stamps, "forecaster")
                for classifier in self.classifiers_:  # a changed rate applies from here
                    classifier.alpha = self.alpha
            bits = self._encode(stamps, values)
            if first:
                begin_part(self.pooler_, bits.n_features, self, POOLER_REACH)
        check_order(getattr(self, "_last_timestamp", None), instants, "forecaster")
        n_rows, n_steps = values.shape[0], len(self.steps_)
        self.forecast_proba_ = np.zeros((n_rows, n_steps, self.n_buckets))
        self.forecast_ = np.full((n_rows, n_steps), np.nan)
        self.forecast_interval_ = np.full((n_rows, n_steps, 2), np.nan)
        reporter = ProgressReporter(self.verbose, n_rows, f"{type(self).__name__}.{call}",
                                    quiet_when_quick=call == "partial_fit")
        seen = self.n_samples_seen_
        try:
            for r in range(n_rows):
                self._learn_row(bits[r:r + 1], float(values[r]), r)
                reporter.update(1)
        finally:
            done = self.n_samples_seen_ - seen  # the rows learned, whole
            self._commit(done)
            if done:
                self._last_timestamp = last_instant(instants, done)

    def _learn_row(self, bits, value, r):
        """One row in every part: the pooler (its SDR read first), the
        Temporal Memory, then each classifier forecasts from the row's cells
        and learns the pattern of ``s`` rows before; the bucket averages."""
        sdr = self._pooled(bits)
        self.pooler_._partial_fit_rows(bits)  # all or nothing
        interruption = None
        try:
            cells = self._tm_learn(sdr)
        except BaseException as error:  # an interruption (Ctrl-C) while learning
            # The pooler has learned the row: complete it in every part, so
            # that the parts agree, then let the interruption go on.
            tm = self.temporal_memory_
            if getattr(tm, "n_samples_seen_", 0) < self.pooler_.n_samples_seen_:
                cells = self._tm_learn(sdr)
            else:  # learned, the interruption came after
                cells = self._last_cells()
            interruption = error
        bucket = self._bucket(value)
        proba = np.stack([self._distribution(k, cells)[0] for k in range(len(self.steps_))])
        point, interval = self._points(proba[None])
        self.forecast_proba_[r], self.forecast_[r], self.forecast_interval_[r] = (
            proba, point[0], interval[0])
        for k, step in enumerate(self.steps_):
            if len(self._history) >= step:
                classifier = self.classifiers_[k]
                classifier._add_classes([bucket], seen=True)
                position = np.searchsorted(classifier.classes_, bucket)
                classifier._learn_one(self._history[-step], np.array([position]))
        average = self.bucket_values_[bucket]
        self.bucket_values_[bucket] = value if average != average else (
            (1 - self.bucket_value_alpha) * average + self.bucket_value_alpha * value)
        self._history.append(cells.indices)
        del self._history[:-max(self.steps_)]
        self.n_samples_seen_ += 1
        if interruption is not None:
            raise interruption

    def _tm_learn(self, sdr):
        """The Temporal Memory learns one SDR; returns its active cells."""
        tm = self.temporal_memory_
        if not hasattr(tm, "n_features_in_"):
            tm._begin(sdr.shape[1])
        chunks = []
        tm._partial_fit_rows(sdr, cells=chunks)
        return chunks[0]

    def _last_cells(self):
        """The Temporal Memory's active cells of the row it learned last."""
        tm = self.temporal_memory_
        cells = np.sort(tm.active_cells_.astype(np.int32))
        return BinaryRows(np.array([0, cells.shape[0]]), cells, tm.n_cells_)

    def _distribution(self, k, cells):
        """Step ``k``'s forecast distributions over the buckets, shape
        (n_rows, n_buckets), from the rows' active cells (all 0 before the
        classifier learned)."""
        classifier = self.classifiers_[k]
        out = np.zeros((cells.shape[0], self.n_buckets))
        if not classifier.class_seen_.any():
            return out
        activations = classifier._activations(cells)
        out[:, classifier.classes_.astype(np.int64)] = softmax_rows(activations,
                                                                    classifier.class_seen_)
        return out

    def _points(self, proba):
        """Point forecasts and intervals of distributions (n, n_steps, n_buckets)."""
        values = np.where(np.isnan(self.bucket_values_), 0.0, self.bucket_values_)
        n, n_steps, _ = proba.shape
        flat = proba.reshape(n * n_steps, -1)
        mean, median, mode, interval = distribution_points(flat, values, self.coverage)
        point = {"mean": mean, "median": median, "mode": mode}[self.point]
        return point.reshape(n, n_steps), interval.reshape(n, n_steps, 2)

    def _commit(self, done):
        """Keep the forecasts of the rows learned."""
        self.forecast_proba_ = self.forecast_proba_[:done]
        self.forecast_ = self.forecast_[:done]
        self.forecast_interval_ = self.forecast_interval_[:done]
