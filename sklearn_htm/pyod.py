"""A PyOD adapter: the HTM anomaly detector as a PyOD detector of one series.

PyOD (https://pyod.readthedocs.io) detectors learn with ``fit(X)``, keep the
training rows' outlier scores in ``decision_scores_`` (higher is more
anomalous), a ``threshold_`` set by ``contamination`` and the training
labels ``labels_`` (1 for outliers), and score new rows with
``decision_function``. :class:`HTMDetector` is a subclass of PyOD's
``BaseDetector`` (which aeon's and sktime's PyOD adapters require) that
drives :class:`~sklearn_htm.HTMAnomalyDetector` over one series, its rows in
time order.

Importing this module needs PyOD (``pip install "sklearn-htm[pyod]"``); the
rest of the package does not.
"""

try:
    from pyod.models.base import BaseDetector as _BaseDetector
except ImportError as error:  # pragma: no cover - exercised without PyOD only
    raise ImportError(
        f"sklearn_htm.pyod needs PyOD: pip install 'sklearn-htm[pyod]' (importing it "
        f"failed: {error})."
    ) from error

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from .anomaly._detector import HTMAnomalyDetector
from .anomaly._rows import frame

__all__ = ["HTMDetector"]


def _one_series(X):
    """Refuse numbers in several columns (windows, several features): the
    detector scores one series, a value per row."""
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 2 and shape[1] > 1 and not hasattr(X, "columns"):
        if np.asarray(X).dtype.kind in "biuf":
            raise ValueError(
                f"X has {shape[1]} columns of numbers; HTMDetector scores one series, one "
                "value per row: give shape (n_samples, 1) (with aeon's PyODAdapter, "
                "window_size=1).")
    return X


class HTMDetector(_BaseDetector):
    """PyOD's interface to :class:`sklearn_htm.HTMAnomalyDetector`, for one
    series whose rows are in time order.

    ``fit(X)`` learns the rows online, as the stream's beginning, and keeps
    the score each row got before it was learned: ``decision_scores_`` is the
    detector's ranking score (``ranking_score_``; higher is more anomalous:
    NAB's anomaly score, graded above 1 where NAB's ties at 1). PyOD then
    sets ``threshold_`` (the ``1 - contamination`` quantile of those scores)
    and ``labels_`` (1 above it, 0 otherwise). ``decision_function(X)``
    scores the rows of X as the series' continuation without learning them
    (:meth:`~sklearn_htm.HTMAnomalyDetector.score_samples`, negated), so
    ``predict(X)`` labels a continuation; called on the rows ``fit`` learned,
    it scores them as a second pass of the series, not as ``fit`` did: read
    ``decision_scores_`` and ``labels_`` for those.

    The first ``probation`` rows (750 by default) are the detector's warm-up:
    their scores are not comparable with the later ones (the likelihood is
    still learning; a value beyond the few values seen may score above 1).
    Leave them out of an evaluation, as NAB does.

    Parameters
    ----------
    detector : sklearn_htm.HTMAnomalyDetector or None, default=None
        The detector's configuration (cloned by ``fit``). None:
        ``HTMAnomalyDetector()``, the range of the values taken from the
        rows given to ``fit``.
    contamination : float in (0, 0.5], default=0.1
        The proportion of outliers PyOD's ``threshold_`` assumes.

    Attributes
    ----------
    detector_ : sklearn_htm.HTMAnomalyDetector
        The detector after learning the rows of ``fit``.
    decision_scores_ : ndarray of float64, shape (n_samples,)
        The ranking score of each row of ``fit``.
    threshold_ : float
    labels_ : ndarray of int, shape (n_samples,)
        1 for rows whose score exceeds ``threshold_``, else 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_htm import HTMAnomalyDetector
    >>> from sklearn_htm.pyod import HTMDetector
    >>> value = np.sin(np.arange(600) / 4)
    >>> value[550] = 9.0
    >>> model = HTMDetector(HTMAnomalyDetector(probation=100, n_columns=256,
    ...                                        activation_threshold=4, min_threshold=3),
    ...                     contamination=0.01).fit(value[:, None])
    >>> int(np.argmax(model.decision_scores_[100:])) + 100, int(model.labels_[550])
    (550, 1)
    """

    def __init__(self, detector=None, contamination=0.1):
        super().__init__(contamination=contamination)
        self.detector = detector

    def fit(self, X, y=None):
        """Learn the rows of X online as a new series.

        Parameters
        ----------
        X : array-like of shape (n_samples, 1) or (n_samples,), or any form
            :meth:`sklearn_htm.HTMAnomalyDetector.fit` takes
            The series' values in time order (PyOD's arrays: values alone,
            a series without a clock), or a DataFrame with a ``timestamp``
            and a ``value`` column.
        y : None
            Ignored (PyOD warns when it is given).

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            As :meth:`sklearn_htm.HTMAnomalyDetector.fit` (no rows, NaN or
            infinite values, more than one value column), or for an array
            of numbers in more than one column (windows of a series, as
            aeon's PyODAdapter makes with ``window_size > 1``).
        TypeError
            When ``detector`` is not an HTMAnomalyDetector.
        """
        if self.detector is not None and not isinstance(self.detector, HTMAnomalyDetector):
            raise TypeError(f"detector must be a sklearn_htm.HTMAnomalyDetector; got "
                            f"{type(self.detector).__name__}.")
        self._set_n_classes(y)
        detector = HTMAnomalyDetector() if self.detector is None else clone(self.detector)
        stamps, _, values = frame(_one_series(X))
        detector.fit(X)
        self.detector_ = detector
        self._fit_rows = (stamps, values)
        self.decision_scores_ = detector.ranking_score_.copy()
        self._process_decision_scores()
        return self

    def decision_function(self, X):
        """Ranking scores of the rows of X as the series' continuation,
        without learning them (higher is more anomalous); for the rows
        ``fit`` learned, ``decision_scores_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 1) or (n_samples,), or any form
            :meth:`fit` takes

        Returns
        -------
        scores : ndarray of float64, shape (n_samples,)

        Raises
        ------
        ValueError
            As :meth:`sklearn_htm.HTMAnomalyDetector.score_samples`.
        """
        check_is_fitted(self, ["decision_scores_", "threshold_", "labels_"])
        stamps, _, values = frame(_one_series(X))
        fit_stamps, fit_values = self._fit_rows
        if np.array_equal(values, fit_values) and (
                (stamps is None and fit_stamps is None)
                or (stamps is not None and fit_stamps is not None
                    and np.array_equal(stamps, fit_stamps))):
            return self.decision_scores_.copy()
        return -self.detector_.score_samples(X)
