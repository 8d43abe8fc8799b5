"""The anomaly likelihood: how unusual the recent raw anomaly scores are.

Source: Ahmad, Lavin, Purdy and Agha (2017), "Unsupervised real-time anomaly
detection for streaming data", Neurocomputing 262; the reference semantics
are nupic's ``nupic/algorithms/anomaly_likelihood.py`` (as NAB's HTM
detector uses it) and htm.core's ``AnomalyLikelihood``. Written from their
description.

For each new raw anomaly score ``s`` (in [0, 1]):

1. the moving average ``a`` of the last ``averaging_window`` raw scores
   (``s`` included) is taken;
2. during the first ``learning_period + estimation_samples`` rows the
   likelihood is 0.5 (nothing is known yet);
3. otherwise, every ``reestimation_period`` rows (and the first time), a
   normal distribution is fitted to the moving averages of the last
   ``historic_window_size`` rows, skipping those of the learning period
   still in the window; its mean is at least 0.03 and its variance at
   least 0.0003. If the input values of those rows are given and nearly
   constant (variance below 1.5e-5), a very broad distribution is used
   instead (mean 0.5, standard deviation 1000): a flat series is never
   anomalous;
4. the tail probability ``q = P(|A - mean| >= |a - mean|)`` of the fitted
   normal is ``0.5 * erfc(z / 1.4142)`` with ``z = |a - mean| / stdev``;
5. if ``q <= 1e-5`` and the previous row's ``q`` was too, ``q`` becomes
   1e-3 (only the first of a run of extreme values counts as one; after a
   new fit, the previous row's ``q`` is taken under the new fit);
6. the likelihood is ``1 - q``, and its log form
   ``log(1.0000000001 - likelihood) / log(1e-10)``, which spreads the values
   near 1 over [0, 1] (NAB's HTM detector reports the log form).

``log10(q)`` is also kept, computed from ``z`` without forming ``q``: where
``1 - q`` rounds to 1 (``z`` beyond about 8) the likelihood and its log form
tie, ``log10(q)`` goes on falling (the detector ranks by it).
"""

import math
from collections import deque
from numbers import Integral

import numpy as np
from scipy.special import erfc, log_ndtr
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from .._core.failure import restore_on_failure

#: ``log(1 - 0.9999999999)``: the denominator of the log likelihood.
_LOG_FLOOR = -23.02585084720009
#: The tail probability at or below which a score is in the "red zone".
_RED = 1.0 - 0.99999
#: What a red-zone score that follows another one becomes.
_YELLOW = 1.0 - 0.999
#: A distribution that finds every score likely.
_BROAD = (0.5, 1e6, 1e3)  # mean, variance, standard deviation


def log_likelihood(likelihood):
    """The log form of a likelihood (array or float), in [0, 1]."""
    return np.log(1.0000000001 - np.asarray(likelihood, dtype=np.float64)) / _LOG_FLOOR


def tail_probability(x, mean, stdev):
    """``0.5 * erfc(z / 1.4142)`` with ``z = |x - mean| / stdev`` (nupic's Q-function)."""
    x = np.asarray(x, dtype=np.float64)
    x = np.where(x < mean, 2 * mean - x, x)
    return 0.5 * erfc(((x - mean) / stdev) / 1.4142)


#: ``0.5 * erfc(y) = Phi(-y * sqrt(2))``: the z-score's scale in ``log_ndtr``.
_Z_SCALE = math.sqrt(2) / 1.4142
#: log10 of the tail probability of the probation's likelihood, 0.5.
_LOG10_HALF = float(np.log10(0.5))


def log10_tail_probability(z):
    """``log10(0.5 * erfc(z / 1.4142))`` for ``z >= 0`` (a float or an
    array), without underflow: scipy's ``log_ndtr`` is accurate far into the
    tail."""
    return log_ndtr(-z * _Z_SCALE) / math.log(10)


def _normal(samples, lower_bounds=True):
    mean = float(np.mean(samples))
    variance = float(np.var(samples))
    if lower_bounds:
        mean = max(mean, 0.03)
        variance = max(variance, 0.0003)
    return mean, variance, math.sqrt(variance) if variance > 0 else 0.0


def _moving_averages(scores, window):
    """Moving average of each score with up to ``window - 1`` before it."""
    sums = np.cumsum(scores)
    sums[window:] = sums[window:] - sums[:-window]
    return sums / np.minimum(np.arange(1, scores.shape[0] + 1), window)


class _State:
    """The estimator's stream: a plain object so that a copy is cheap."""

    def __init__(self, historic_window_size):
        self.iteration = 0
        self.history = deque(maxlen=historic_window_size)  # (score, value)
        self.distribution = None  # (mean, variance, stdev)
        self.window = deque()  # the last raw scores, for the moving average
        self.total = 0.0
        self.previous_tail = 1.0  # the last unfiltered tail probability
        # Never saved: the fit a continuation starting here needs, kept for
        # the next one (see AnomalyLikelihood._continuation), and, on a
        # continuation's copy, that fit handed to its first row.
        self.memo = None
        self.prefit = None

    def __getstate__(self):
        """Numbers and arrays only (what skops saves): the history as an
        array of (score, value) rows and its length limit, the window as an
        array."""
        state = dict(vars(self))
        state.pop("memo", None)
        state.pop("prefit", None)
        state["history_maxlen"] = self.history.maxlen
        state["history"] = np.array(self.history, dtype=np.float64).reshape(-1, 2)
        state["window"] = np.array(self.window, dtype=np.float64)
        return state

    def __setstate__(self, state):
        state = dict(state)
        self.__init__(state.pop("history_maxlen"))
        self.history.extend(tuple(row) for row in state.pop("history").tolist())
        self.window.extend(state.pop("window").tolist())
        vars(self).update(state)

    def copy(self):
        other = _State(self.history.maxlen)
        other.iteration = self.iteration
        other.history = deque(self.history, maxlen=self.history.maxlen)
        other.distribution = self.distribution
        other.window = deque(self.window)
        other.total = self.total
        other.previous_tail = self.previous_tail
        return other


class AnomalyLikelihood(TransformerMixin, BaseEstimator):
    """Turn a stream of raw anomaly scores into anomaly likelihoods.

    A raw anomaly score (the fraction of a Temporal Memory's active columns
    that were not predicted, ``TemporalMemoryTransformer.anomaly_``) is noisy:
    a predictable stream still has its share of surprises. The likelihood
    asks instead how unusual the recent average of the scores is, under a
    normal distribution fitted to their history, and so flags a change in
    predictability rather than every surprise. The rules, in order: a moving
    average of the last ``averaging_window`` scores; 0.5 for the first
    ``learning_period + estimation_samples`` rows; every
    ``reestimation_period`` rows a normal fitted to the moving averages of
    the history (mean at least 0.03, variance at least 0.0003; a very broad
    one when the input ``values`` are nearly constant); the likelihood
    ``1 - 0.5 * erfc(z / 1.4142)`` of the newest average; after a first
    value beyond 1 - 1e-5, the rest of the run held at 1 - 1e-3; and the log
    form ``log(1.0000000001 - likelihood) / log(1e-10)``.

    It is a streaming estimator: ``partial_fit`` scores each row against the
    history before it, then adds the row to the history; ``likelihood_`` and
    ``log_likelihood_`` hold the results for the rows of the last call. Each
    column of X is a stream of its own (one per monitored series).

    Parameters
    ----------
    learning_period : int, default=288
        Rows whose scores are left out of the fitted distribution while the
        model that produces them is still learning [nupic and htm.core
        ``learningPeriod``; NAB's detector uses half its probation period].
    estimation_samples : int, default=100
        Rows after the learning period before the first estimate; until then
        the likelihood is 0.5 [``estimationSamples``].
    historic_window_size : int, default=8640
        Rows of history the distribution is fitted to [``historicWindowSize``].
    reestimation_period : int, default=100
        Rows between two fits of the distribution [``reestimationPeriod``].
    averaging_window : int, default=10
        Raw scores in the moving average [nupic's ``averagingWindow``,
        htm.core's ``aggregationWindow``].

    Attributes
    ----------
    likelihood_ : ndarray of float64, shape (n_rows, n_streams)
        Likelihood of each row of the last ``fit`` / ``partial_fit`` call,
        per stream.
    log_likelihood_ : ndarray of float64, shape (n_rows, n_streams)
        Its log form (NAB's HTM detector's anomaly score).
    log_tail_probability_ : ndarray of float64, shape (n_rows, n_streams)
        ``log10`` of each row's tail probability ``1 - likelihood_`` (after
        the filter of step 5), computed from the z-score itself: it goes on
        falling where ``likelihood_`` rounds to 1, so rows tied there are
        ranked by how unusual their average is (about ``-z**2 / 4.6`` for a
        large z).
    n_samples_seen_ : int
        Rows seen since ``fit`` began.
    distribution_ : list of (dict or None)
        Per stream, ``mean``, ``variance`` and ``stdev`` of the normal fitted
        last (None before the first fit of the distribution).
    n_features_in_ : int
        Number of streams.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_htm import AnomalyLikelihood
    >>> rng = np.random.RandomState(0)
    >>> raw = np.clip(rng.normal(0.1, 0.05, 600), 0, 1)
    >>> raw[550:560] = 1.0                     # predictability breaks down
    >>> al = AnomalyLikelihood(learning_period=100, estimation_samples=100)
    >>> al = al.fit(raw.reshape(-1, 1))
    >>> float(al.likelihood_[:200].max())      # still estimating
    0.5
    >>> al.likelihood_[549:553, 0].round(4).tolist()  # the break, then the filter
    [0.5711, 1.0, 0.999, 0.999]
    """

    _parameter_constraints: dict = {
        "learning_period": [Interval(Integral, 0, None, closed="left")],
        "estimation_samples": [Interval(Integral, 1, None, closed="left")],
        "historic_window_size": [Interval(Integral, 1, None, closed="left")],
        "reestimation_period": [Interval(Integral, 1, None, closed="left")],
        "averaging_window": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, learning_period=288, estimation_samples=100,
                 historic_window_size=8640, reestimation_period=100, averaging_window=10):
        self.learning_period = learning_period
        self.estimation_samples = estimation_samples
        self.historic_window_size = historic_window_size
        self.reestimation_period = reestimation_period
        self.averaging_window = averaging_window

    # ------------------------------------------------------------------ API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, values=None):
        """Start a new stream and run the rows of X through it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_streams)
            Raw anomaly scores in [0, 1], in stream order, one stream per column.
        y : None
            Ignored.
        values : array-like of shape (n_samples,) or (n_samples, n_streams), default=None
            The input values the scores were computed from; when given, a
            nearly constant stretch of them is never anomalous (nupic's rule).

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            For NaN or infinite scores, scores outside [0, 1], no rows,
            ``estimation_samples > historic_window_size``, or ``values`` of
            another shape or with NaN.
        """
        with restore_on_failure(self):
            scores, values = self._check(X, values, reset=True)
            self._streams = self._new_streams(scores.shape[1])
            self._run(self._streams, scores, values)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, values=None):
        """Continue the stream with the rows of X (the first call starts it).

        Calls over consecutive chunks of a stream give the same values as one
        call over all of it. A call that fails for any reason (its input, an
        interrupt) leaves the estimator as it was: the rows run on copies of
        the streams, which replace them once every row is through.

        Parameters and errors as :meth:`fit`.
        """
        first_call = not hasattr(self, "_streams")
        with restore_on_failure(self):
            scores, values = self._check(X, values, reset=first_call)
            if first_call:
                self._streams = self._new_streams(scores.shape[1])
                self._run(self._streams, scores, values)
            else:
                self._partial_fit_scores(scores, values)
        return self

    def transform(self, X, values=None):
        """Likelihood and log likelihood of the rows of X as the stream's
        continuation, without adding them to it.

        Returns
        -------
        likelihoods : ndarray of float64, shape (n_samples, 2 * n_streams)
            For each stream, its likelihood and its log likelihood.
        """
        check_is_fitted(self)
        scores, values = self._check(X, values, reset=False)
        likelihood, _ = self._continuation(scores, values)
        out = np.empty((scores.shape[0], 2 * scores.shape[1]), dtype=np.float64)
        out[:, 0::2] = likelihood
        out[:, 1::2] = log_likelihood(likelihood)
        return out

    def get_feature_names_out(self, input_features=None):
        """``<stream>_likelihood`` and ``<stream>_log_likelihood`` per stream."""
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        return np.asarray([f"{name}_{kind}" for name in names
                           for kind in ("likelihood", "log_likelihood")], dtype=object)

    # ------------------------------------------------------- fitted attributes

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_streams")

    @property
    def n_samples_seen_(self):
        return self._streams[0].iteration

    @property
    def distribution_(self):
        return [
            None if s.distribution is None
            else dict(zip(("mean", "variance", "stdev"), s.distribution))
            for s in self._streams
        ]

    # ------------------------------------------------------------- internals

    def _check(self, X, values, reset):
        if self.estimation_samples > self.historic_window_size:
            raise ValueError(
                f"estimation_samples={self.estimation_samples} exceeds "
                f"historic_window_size={self.historic_window_size}: the first estimate "
                "would need more rows than the history keeps."
            )
        scores = validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite=True)
        outside = (scores < 0) | (scores > 1)
        if outside.any():
            row, column = np.argwhere(outside)[0]
            raise ValueError(
                f"Raw anomaly scores must lie in [0, 1]; row {row}, column {column} "
                f"holds {float(scores[row, column])!r}."
            )
        if values is not None:
            values = np.asarray(values, dtype=np.float64)
            if values.ndim == 1:
                values = values.reshape(-1, 1)
            if values.shape != scores.shape:
                raise ValueError(
                    f"values must have one entry per score of X, shape {scores.shape} (or "
                    f"({scores.shape[0]},) for one stream); got shape "
                    f"{np.shape(np.asarray(values))}."
                )
            if not np.isfinite(values).all():
                raise ValueError("values holds NaN or infinite entries.")
        return scores, values

    def _continuation(self, scores, values):
        """Likelihoods of checked rows as the streams' continuation, and
        their log10 tail probabilities, on copies of the streams (nothing
        changes)."""
        return self._all_likelihoods(self._copies(), scores, values)

    def _partial_fit_scores(self, scores, values):
        """``partial_fit`` of checked rows continuing started streams (the
        inner path of the anomaly detector): run on copies of the streams,
        which replace them once every row is through, so that a failure
        changes nothing."""
        streams = self._copies()
        self._run(streams, scores, values)
        self._streams = streams
        return self

    def _copies(self):
        """Copies of the streams to run on. The refit at a stream's next row
        depends only on its history: it is done once, kept on the stream
        (unsaved), and handed to every copy that starts there (scoring
        without learning, then learning, as a live stream does)."""
        copies = []
        for stream in self._streams:
            copy = stream.copy()
            if self._refits_at(stream):
                key = (stream.iteration, self.learning_period, self.averaging_window,
                       self.historic_window_size)
                if stream.memo is None or stream.memo[0] != key:
                    stream.memo = (key, self._fit_distribution(stream))
                copy.prefit = (stream.iteration, stream.memo[1])
            copies.append(copy)
        return copies

    def _refits_at(self, stream):
        """Whether the stream's next row refits the normal (step 3)."""
        return (stream.iteration >= self.learning_period + self.estimation_samples
                and (stream.distribution is None
                     or stream.iteration % self.reestimation_period == 0))

    def _new_streams(self, n_streams):
        return [_State(self.historic_window_size) for _ in range(n_streams)]

    def _run(self, streams, scores, values):
        likelihood, log_tail = self._all_likelihoods(streams, scores, values)
        self.likelihood_ = likelihood
        self.log_likelihood_ = log_likelihood(likelihood)
        self.log_tail_probability_ = log_tail

    def _all_likelihoods(self, streams, scores, values):
        """The likelihoods and the log10 tail probabilities of the rows, one
        column per stream."""
        columns = [
            self._likelihoods(stream, scores[:, f], None if values is None else values[:, f])
            for f, stream in enumerate(streams)
        ]
        return (np.column_stack([c[0] for c in columns]),
                np.column_stack([c[1] for c in columns]))

    def _fit_distribution(self, stream):
        """The normal of step 3, from the history; also the tail probability
        of the last history row under it (what step 5 compares with next)."""
        distribution = self._normal_of_history(stream)
        last = _moving_averages(
            np.array([s for s, _ in stream.history][-self.averaging_window:]),
            self.averaging_window)[-1]
        return distribution, float(tail_probability(last, distribution[0], distribution[2]))

    def _normal_of_history(self, stream):
        history = np.array(stream.history, dtype=np.float64).reshape(-1, 2)
        skip = min(stream.iteration,
                   max(0, self.learning_period
                       - max(0, stream.iteration - self.historic_window_size)))
        averages = _moving_averages(history[:, 0], self.averaging_window)
        if averages.shape[0] <= skip:
            return _BROAD
        distribution = _normal(averages[skip:])
        values = history[skip:, 1]
        if not np.isnan(values).any() and _normal(values, lower_bounds=False)[1] < 1.5e-5:
            return _BROAD
        return distribution

    def _likelihoods(self, stream, scores, values):
        """Steps 1-6 for each row, updating ``stream``; returns the
        likelihoods and the log10 tail probabilities."""
        out = np.empty(scores.shape[0], dtype=np.float64)
        log_tail = np.empty(scores.shape[0], dtype=np.float64)
        probation = self.learning_period + self.estimation_samples
        for r, score in enumerate(scores.tolist()):
            value = np.nan if values is None else float(values[r])
            if len(stream.window) == self.averaging_window:
                stream.total -= stream.window.popleft()
            stream.window.append(score)
            stream.total += score
            average = stream.total / len(stream.window)
            if stream.iteration < probation:
                out[r] = 0.5
                log_tail[r] = _LOG10_HALF
            else:
                if stream.prefit is not None and stream.prefit[0] == stream.iteration:
                    stream.distribution, stream.previous_tail = stream.prefit[1]
                elif self._refits_at(stream):
                    stream.distribution, stream.previous_tail = self._fit_distribution(stream)
                mean, _, stdev = stream.distribution
                tail = float(tail_probability(average, mean, stdev))
                held = tail <= _RED and stream.previous_tail <= _RED
                stream.previous_tail = tail
                out[r] = 1.0 - (_YELLOW if held else tail)
                # From the z-score itself where 1 - tail may round to 1.
                log_tail[r] = (np.log10(1.0 - out[r]) if held
                               else log10_tail_probability(abs(average - mean) / stdev))
            stream.history.append((score, value))
            stream.iteration += 1
        return out, log_tail
