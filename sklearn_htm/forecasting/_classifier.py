"""HTM's SDR classifier: a softmax over the active bits of binary rows.

Semantics of htm.core's ``Classifier`` (``src/htm/algorithms/
SDRClassifier.cpp``; NuPIC's ``sdr_classifier.py`` before it): one weight
per input bit and category, no bias; a row's activation of a category is
the sum of the weights of its active bits, its distribution the softmax of
the activations; learning a row adds ``alpha * (target - distribution)`` to
the weights of each of its active bits, the target spreading 1 evenly over
the row's labels. Categories join as they first appear.
"""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .._core.rows import binary_rows, validate_rows
from .._core.failure import restore_on_failure


def softmax_rows(activations, seen):
    """Row-wise softmax over the columns ``seen`` (bool mask); 0 elsewhere.

    Subtracting each row's largest activation first keeps ``exp`` finite
    whatever the activations' size (htm.core's ``softmax`` does the same).
    """
    out = np.zeros(activations.shape, dtype=np.float64)
    if not seen.any():
        return out
    values = activations[:, seen]
    values = np.exp(values - values.max(axis=1, keepdims=True))
    out[:, seen] = values / values.sum(axis=1, keepdims=True)
    return out


def label_lists(y, n_rows):
    """The labels of each row as a list of lists: ``y`` 1-D (one label per
    row, checked as scikit-learn's classifiers check it) or a sequence of
    label sequences (several per row, htm.core's category list).

    Raises
    ------
    ValueError
        For no y, a length other than ``n_rows``, continuous, NaN or
        infinite targets, a row without labels, or a missing label (None).
    """
    if y is None:
        raise ValueError("SDRClassifier requires y to be passed, but the target y is None.")
    if isinstance(y, (list, tuple)) and y and isinstance(
            y[0], (list, tuple, set, frozenset, np.ndarray)):
        lists = [list(labels) for labels in y]
        for r, labels in enumerate(lists):
            if not labels:
                raise ValueError(f"row {r} of y has no label.")
            check_classification_targets(np.asarray(labels))
    else:
        if any(label is None for label in np.ravel(np.asarray(y, dtype=object))):
            raise ValueError("y has a missing label (None).")
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        lists = [[label] for label in y.tolist()]
    if len(lists) != n_rows:
        raise ValueError(f"y has {len(lists)} rows; X has {n_rows}.")
    return lists


class SDRClassifier(ClassifierMixin, BaseEstimator):
    """HTM's SDR classifier: a softmax over the active bits of binary rows,
    learned online, row by row (htm.core's ``Classifier``).

    Each input bit holds one weight per category (no bias). The activation
    of a category for a row is the sum of the weights of the row's active
    bits, and its probability their softmax over the categories seen so
    far. Learning a row adds ``alpha * (target - probability)`` to the
    weights of each active bit, where the target spreads 1 evenly over the
    row's labels. Rows are learned in the order given, each after the
    earlier ones (no shuffling, one pass): the classifier a Temporal
    Memory's cells feed in a stream, read by the forecaster
    (:class:`~sklearn_htm.HTMForecaster`).

    Categories may appear during the stream. A category joins ``classes_``
    when first given (as a label, or in ``classes``), with zero weights;
    until it has been a label once its probability is exactly 0 (and its
    activation ``-inf``), as it cannot yet be predicted.

    Source: htm.core ``src/htm/algorithms/SDRClassifier.cpp``
    (``Classifier::learn``, ``Classifier::infer``); NuPIC's
    ``sdr_classifier.py``.

    Parameters
    ----------
    alpha : float, default=0.001
        Learning rate, > 0 [alpha].
    binarize : float or None, default=None
        ``None``: X must hold only 0 and 1; a number ``t``: values above it
        are active.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The categories given so far, sorted.
    weights_ : ndarray of float64, shape (n_features, n_classes)
        One weight per input bit and category, columns in ``classes_`` order.
    class_seen_ : ndarray of bool, shape (n_classes,)
        Whether each category has been a label (others have probability 0).
    n_features_in_ : int
        Width of the rows, fixed by the first call.
    n_samples_seen_ : int
        Rows learned.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_htm import SDRClassifier
    >>> X = np.zeros((300, 20), dtype=np.uint8)
    >>> X[::2, :5] = 1  # even rows: bits 0-4, label "a"
    >>> X[1::2, 5:10] = 1  # odd rows: bits 5-9, label "b"
    >>> y = np.array(["a", "b"] * 150)
    >>> clf = SDRClassifier(alpha=0.1).fit(X, y)
    >>> clf.predict(X[:4]).tolist()
    ['a', 'b', 'a', 'b']
    >>> bool(clf.predict_proba(X[:1])[0, 0] > 0.99)
    True
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "binarize": [None, Interval(Real, None, None, closed="neither")],
    }

    def __init__(self, alpha=0.001, binarize=None):
        self.alpha = alpha
        self.binarize = binarize

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn the rows of X in order, from a new classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Binary rows (an SDR each).
        y : array-like of shape (n_samples,), or a sequence of label lists
            The label of each row, or its labels (each a target of 1 / their
            number, htm.core's category list).

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            For no rows, NaN or infinite values, non-binary X with
            ``binarize=None``, a y of another length, or a row without label.
        """
        with restore_on_failure(self):
            for name in ("weights_", "classes_", "class_seen_", "n_samples_seen_"):
                self.__dict__.pop(name, None)
            self._learn_rows(*self._prepare(X, y, None, reset=True))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Learn the rows of X in order, continuing the classifier.

        Parameters
        ----------
        X, y
            As :meth:`fit`; X of the width of the first call.
        classes : array-like of shape (n_classes,), default=None
            Categories to add to ``classes_`` now (with probability 0 until
            they are a label); categories also join as labels bring them.

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            As :meth:`fit`, and for a width other than the first call's. A
            refused call leaves the classifier as it was; a later call that
            fails while learning (an interrupt) keeps the rows it learned, a
            prefix of X, counted in ``n_samples_seen_``.
        """
        first = not hasattr(self, "weights_")
        with restore_on_failure(self):
            rows, labels = self._prepare(X, y, classes, reset=first)
            if first:  # a first call that fails leaves the classifier unfitted
                self._learn_rows(rows, labels)
                return self
        self._learn_rows(rows, labels)
        return self

    def decision_function(self, X):
        """The activations: for each row and category, the sum of the
        weights of the row's active bits (``-inf`` for categories not yet
        seen as a label).

        Returns
        -------
        activations : ndarray of float64, shape (n_samples, n_classes)
            Columns in ``classes_`` order; with two classes, shape
            (n_samples,): the second's activation minus the first's (the
            log-odds of the second).
        """
        activations = self._activations(self._rows(X))
        activations[:, ~self.class_seen_] = -np.inf
        if activations.shape[1] == 2:
            with np.errstate(invalid="ignore"):
                return activations[:, 1] - activations[:, 0]
        return activations

    def predict_proba(self, X):
        """The softmax of the activations over the categories seen so far.

        Returns
        -------
        proba : ndarray of float64, shape (n_samples, n_classes)
            Columns in ``classes_`` order; each row sums to 1; 0 for the
            categories not yet seen as a label.
        """
        return softmax_rows(self._activations(self._rows(X)), self.class_seen_)

    def predict(self, X):
        """The most probable category of each row (the first in ``classes_``
        order on ties).

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = False
        return tags

    # ------------------------------------------------------------- internals

    def _rows(self, X):
        check_is_fitted(self)
        return binary_rows(validate_rows(self, X, reset=False), self.binarize)

    def _activations(self, rows):
        """Activations of :class:`~sklearn_htm._core.rows.
        BinaryRows` (all categories)."""
        out = np.zeros((rows.shape[0], self.weights_.shape[1]), dtype=np.float64)
        indptr, indices = rows.indptr, rows.indices
        for r in range(rows.shape[0]):
            out[r] = self.weights_[indices[indptr[r]:indptr[r + 1]]].sum(axis=0)
        return out

    def _prepare(self, X, y, classes, reset):
        """Validated rows and label lists; a new classifier when ``reset``,
        and ``classes`` added."""
        X = validate_rows(self, X, reset=reset)
        rows = binary_rows(X, self.binarize)
        labels = label_lists(y, rows.shape[0])
        if reset:
            self._begin(rows.shape[1])
        self._add_classes(list(classes) if classes is not None else [], seen=False)
        return rows, labels

    def _begin(self, n_features):
        """A new classifier of ``n_features`` inputs, no category yet."""
        self.n_features_in_ = int(n_features)
        self.classes_ = np.array([])
        self.weights_ = np.zeros((n_features, 0), dtype=np.float64)
        self.class_seen_ = np.zeros(0, dtype=bool)
        self.n_samples_seen_ = 0

    def _add_classes(self, new, seen):
        """Categories join ``classes_`` (sorted) with zero weights; ``seen``:
        mark them as labels seen."""
        if not new:
            return
        if self.classes_.shape[0]:
            try:
                where = np.searchsorted(self.classes_, np.array(new))
                present = (where < self.classes_.shape[0]) & (
                    self.classes_[np.minimum(where, self.classes_.shape[0] - 1)] == new)
            except TypeError:
                present = np.zeros(len(new), dtype=bool)
            if np.all(present):  # the common case of a stream: known categories
                if seen:
                    self.class_seen_[where] = True
                return
        known = set(self.classes_.tolist())
        fresh = {label for label in new if label not in known}
        if fresh:
            try:
                merged = np.array(sorted(known | fresh))
            except TypeError:
                raise ValueError(
                    f"labels {sorted(map(repr, fresh))} cannot be ordered with the categories "
                    f"so far ({self.classes_[:5].tolist()}...): give labels of one type."
                ) from None
            where = np.searchsorted(merged, self.classes_) if known else np.array([], int)
            weights = np.zeros((self.weights_.shape[0], merged.shape[0]), dtype=np.float64)
            weights[:, where] = self.weights_
            flags = np.zeros(merged.shape[0], dtype=bool)
            flags[where] = self.class_seen_
            self.classes_, self.weights_, self.class_seen_ = merged, weights, flags
        if seen:
            self.class_seen_[np.searchsorted(self.classes_, np.array(new))] = True

    def _learn_rows(self, rows, labels):
        """Learn validated rows in order (``labels``: a list of label lists);
        the inner path of callers that validated once (the forecaster)."""
        indptr, indices = rows.indptr, rows.indices
        for r, row_labels in enumerate(labels):
            # A row is learned whole or not at all: the categories it adds
            # are put back if it fails before it is counted.
            kept = (self.classes_, self.weights_, self.class_seen_.copy())
            counted = self.n_samples_seen_
            try:
                self._add_classes(row_labels, seen=True)
                active = indices[indptr[r]:indptr[r + 1]]
                self._learn_one(active, np.searchsorted(self.classes_, np.array(row_labels)))
            except BaseException:
                if self.n_samples_seen_ == counted:
                    self.classes_, self.weights_, self.class_seen_ = kept
                raise

    def _learn_one(self, active, targets):
        """One row: ``active`` bits, ``targets`` the positions of its labels
        in ``classes_``; returns the distribution it had before learning."""
        seen = self.class_seen_
        activation = self.weights_[active].sum(axis=0)
        proba = softmax_rows(activation[None, :], seen)[0]
        error = -proba
        np.add.at(error, targets, 1.0 / targets.shape[0])
        error[~seen] = 0.0
        self.weights_[active] += self.alpha * error
        self.n_samples_seen_ += 1
        return proba
