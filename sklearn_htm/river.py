"""river adapters: the HTM anomaly detector and forecaster in river's
one-dict-at-a-time interface.

river (https://riverml.xyz) scores streams one dict at a time:
``score_one(x)`` then ``learn_one(x)`` for an anomaly detector, higher
scores more anomalous; ``learn_one(y, x)`` and ``forecast(horizon)`` for a
forecaster. The classes here are river estimators (subclasses of river's
``anomaly.base.AnomalyDetector`` and ``time_series.base.Forecaster``) that
drive this package's :class:`~sklearn_htm.HTMAnomalyDetector` and
:class:`~sklearn_htm.HTMForecaster`, so they work in river's filters,
pipelines and evaluation loops, with the scores and forecasts of the
scikit-learn estimators fed the same rows, bit for bit.

Importing this module needs river (``pip install "sklearn-htm[river]"``);
the rest of the package does not.
"""

import math
import warnings

try:
    from river.base import AnomalyDetector as _RiverAnomalyDetector
    from river.time_series.base import Forecaster as _RiverForecaster
except ImportError as error:  # pragma: no cover - exercised without river only
    raise ImportError(
        f"sklearn_htm.river needs river 0.26 or newer: pip install 'sklearn-htm[river]' "
        f"(importing it failed: {error})."
    ) from error

from sklearn.base import clone

from .anomaly._detector import HTMAnomalyDetector as _Detector
from .forecasting._forecaster import HTMForecaster as _Forecaster

__all__ = ["HTMAnomalyDetector", "HTMForecaster"]


def _row(x, value_key, timestamp_key):
    """river's dict ``x`` as one row for the scikit-learn estimators: a
    ``{"timestamp": t, "value": v}`` dict, or ``{"value": v}`` when ``x``
    has no ``timestamp_key``."""
    if not isinstance(x, dict):
        raise TypeError(f"x must be a dict of features (river's rows); got "
                        f"{type(x).__name__}.")
    if value_key is None:
        names = [name for name in x if name != timestamp_key]
        if len(names) != 1:
            raise ValueError(
                f"x's keys {list(x)} do not say which is the value: set value_key (and "
                f"timestamp_key, now {timestamp_key!r}).")
        value_key = names[0]
    elif value_key not in x:
        raise ValueError(f"x has no value_key={value_key!r}; its keys are {list(x)}.")
    if timestamp_key is not None and timestamp_key in x:
        return {"timestamp": x[timestamp_key], "value": x[value_key]}
    return {"value": x[value_key]}


class HTMAnomalyDetector(_RiverAnomalyDetector):
    """river's interface to :class:`sklearn_htm.HTMAnomalyDetector`.

    ``score_one(x)`` is the ranking score the scikit-learn detector gives the
    row ``x`` as the stream's next row (``ranking_score_``; higher is more
    anomalous: NAB's anomaly score in [0, 1], graded above 1 where NAB's
    score ties at 1), without learning it; ``learn_one(x)`` learns it
    (``partial_fit``). In river's loop, ``score_one`` then ``learn_one``
    for each row, the scores equal the scikit-learn detector's
    ``ranking_score_`` over the same rows, bit for bit. Each call costs a
    pass of the detector over the row (scoring does not learn, so a row
    scored then learned is read twice).

    Parameters
    ----------
    detector : sklearn_htm.HTMAnomalyDetector or None, default=None
        The detector's configuration (cloned; a fitted one starts afresh).
        None: ``HTMAnomalyDetector()``. One value per call leaves no rows to
        take the range from: give ``minimum`` and ``maximum`` (the range
        expected), as NAB gives every detector, or the value encoder is set
        from the first value (with a warning).
    value_key : str or None, default=None
        The key of ``x`` holding the value. None: the only key besides
        ``timestamp_key``.
    timestamp_key : str or None, default="timestamp"
        The key of ``x`` holding the timestamp (a datetime, a pandas
        Timestamp or a date string). A stream whose first row has no such
        key, or ``timestamp_key=None``, has no clock: the value alone is
        encoded, and a later row with a timestamp is refused (as the
        detector refuses it).

    Attributes
    ----------
    detector_ : sklearn_htm.HTMAnomalyDetector
        The detector learning the stream.

    Examples
    --------
    >>> import math
    >>> from river import anomaly
    >>> from sklearn_htm import HTMAnomalyDetector
    >>> from sklearn_htm.river import HTMAnomalyDetector as RiverHTM
    >>> model = anomaly.QuantileFilter(
    ...     RiverHTM(HTMAnomalyDetector(minimum=-1, maximum=1, probation=100,
    ...                                 n_columns=256, activation_threshold=4,
    ...                                 min_threshold=3)),
    ...     q=0.99)
    >>> flags = []
    >>> for t in range(400):
    ...     x = {"value": 9.0 if t == 350 else math.sin(t / 4)}
    ...     flags.append(model.classify(model.score_one(x)))
    ...     model.learn_one(x)
    >>> flags[350]
    True
    """

    def __init__(self, detector=None, value_key=None, timestamp_key="timestamp"):
        self.detector = detector
        self.value_key = value_key
        self.timestamp_key = timestamp_key
        self.detector_ = _Detector() if detector is None else clone(detector)
        if not isinstance(self.detector_, _Detector):
            raise TypeError(f"detector must be a sklearn_htm.HTMAnomalyDetector; got "
                            f"{type(detector).__name__}.")

    def learn_one(self, x):
        """Learn the row ``x`` (a dict) as the stream's next row.

        Raises
        ------
        ValueError
            As :meth:`sklearn_htm.HTMAnomalyDetector.partial_fit` (a NaN or
            infinite value, an unparseable timestamp, a clock missing or
            given against the stream's first row), or when ``x`` does not
            say which key is the value. The detector is left as it was.
        """
        self.detector_.partial_fit(_row(x, self.value_key, self.timestamp_key))

    def score_one(self, x):
        """The ranking score of the row ``x`` as the stream's next row,
        without learning it (a float >= 0, higher is more anomalous; the
        row's own score before any row is learned).

        Raises
        ------
        ValueError
            As :meth:`learn_one`.
        """
        row = _row(x, self.value_key, self.timestamp_key)
        if hasattr(self.detector_, "pooler_"):
            return float(-self.detector_.score_samples(row)[0])
        # The stream's first row: what learning it would score it (its
        # warnings come when it is learned).
        first = clone(self.detector_)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first.partial_fit(row)
        return float(first.ranking_score_[0])

    @classmethod
    def _unit_test_params(cls):
        yield {"detector": _Detector(minimum=0, maximum=1, probation=20, n_columns=128,
                                     activation_threshold=3, min_threshold=2)}


class HTMForecaster(_RiverForecaster):
    """river's interface to :class:`sklearn_htm.HTMForecaster`.

    ``learn_one(y, x)`` learns the value ``y`` (with the timestamp of ``x``
    when ``timestamp_key`` is given and in ``x``; the other features of
    ``x`` are not used); ``forecast(horizon)`` returns the forecasts the
    scikit-learn forecaster made at the last row learned for 1, ...,
    ``horizon`` rows ahead (``forecast_[-1]``), bit for bit. A step whose
    classifier has not learned a row yet (the first ``s`` rows of the
    stream for step ``s``) forecasts the last value (persistence), as river's
    evaluation needs numbers.

    Parameters
    ----------
    forecaster : sklearn_htm.HTMForecaster or None, default=None
        The forecaster's configuration (cloned). Its ``steps`` must hold 1,
        ..., the largest horizon asked for. None: ``HTMForecaster()``
        (``steps=(1,)``). Give ``minimum`` and ``maximum``: one value per
        call leaves no rows to take the range from.
    timestamp_key : str or None, default=None
        The key of ``x`` holding the timestamp; None (or a stream whose
        first ``x`` lacks it): a stream without a clock.

    Attributes
    ----------
    forecaster_ : sklearn_htm.HTMForecaster
        The forecaster learning the stream.

    Examples
    --------
    >>> import math
    >>> from sklearn_htm import HTMForecaster
    >>> from sklearn_htm.river import HTMForecaster as RiverHTMForecaster
    >>> model = RiverHTMForecaster(HTMForecaster(steps=(1, 2), minimum=-1, maximum=1,
    ...                                          n_columns=1024))
    >>> for t in range(301):
    ...     model.learn_one(math.sin(2 * math.pi * t / 10))
    >>> [round(v, 2) for v in model.forecast(2)]  # sin(2 pi t / 10) at t = 301, 302
    [0.59, 0.95]
    """

    def __init__(self, forecaster=None, timestamp_key=None):
        self.forecaster = forecaster
        self.timestamp_key = timestamp_key
        self.forecaster_ = _Forecaster() if forecaster is None else clone(forecaster)
        if not isinstance(self.forecaster_, _Forecaster):
            raise TypeError(f"forecaster must be a sklearn_htm.HTMForecaster; got "
                            f"{type(forecaster).__name__}.")
        self._last_value = math.nan

    def learn_one(self, y, x=None):
        """Learn the value ``y`` as the stream's next row.

        Raises
        ------
        ValueError
            As :meth:`sklearn_htm.HTMForecaster.partial_fit`; the forecaster
            is left as it was.
        """
        key = self.timestamp_key
        if x is not None and key is not None and key in x:
            row = {"timestamp": x[key], "value": y}
        else:
            row = {"value": y}
        self.forecaster_.partial_fit(row)
        self._last_value = float(y)

    def forecast(self, horizon, xs=None):
        """Forecasts for 1, ..., ``horizon`` rows after the last row learned.

        Parameters
        ----------
        horizon : int
            Rows ahead, at most the largest of the forecaster's steps (all
            of 1, ..., ``horizon`` among them).
        xs : list of dict or None
            Ignored (the forecaster reads no exogenous features).

        Returns
        -------
        forecasts : list of float, length ``horizon``
            NaN before any row is learned.

        Raises
        ------
        ValueError
            For a horizon the forecaster's steps do not cover.
        """
        if not isinstance(horizon, int) or horizon < 1:
            raise ValueError(f"horizon must be a positive integer; got {horizon!r}.")
        steps = tuple(getattr(self.forecaster_, "steps_", self.forecaster_.steps))
        missing = [s for s in range(1, horizon + 1) if s not in steps]
        if missing:
            raise ValueError(
                f"horizon={horizon} needs the forecaster's steps to hold 1..{horizon}; "
                f"they are {steps}: give HTMForecaster(steps=tuple(range(1, {horizon + 1}))).")
        forecasts = getattr(self.forecaster_, "forecast_", None)
        if forecasts is None or forecasts.shape[0] == 0:
            return [math.nan] * horizon
        last = [float(forecasts[-1, steps.index(s)]) for s in range(1, horizon + 1)]
        return [self._last_value if math.isnan(v) else v for v in last]
