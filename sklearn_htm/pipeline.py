"""A scikit-learn Pipeline that also learns from a stream with ``partial_fit``."""

from sklearn.base import _fit_context, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils._user_interface import _print_elapsed_time
from sklearn.utils.validation import check_is_fitted


def _learns_incrementally(step):
    """Whether ``partial_fit`` should be called on ``step``.

    A FrozenEstimator forwards attribute look-ups to the estimator it wraps,
    so ``hasattr`` would find that estimator's ``partial_fit``; frozen steps
    must never learn.
    """
    return hasattr(step, "partial_fit") and not isinstance(step, FrozenEstimator)


def _is_fitted(step):
    try:
        check_is_fitted(step)
    except NotFittedError:
        return False
    return True


class IncrementalPipeline(Pipeline):
    """A :class:`~sklearn.pipeline.Pipeline` that can learn from batches.

    It adds :meth:`partial_fit` to scikit-learn's Pipeline and changes
    nothing else: ``fit``, ``predict``, ``transform``, ``score``, slicing,
    ``get_params`` / ``set_params`` and ``clone`` behave exactly as they do
    for a Pipeline. One ``partial_fit`` call per batch pushes the batch
    through every step in turn: each step learns from the batch as the
    previous steps transform it, then transforms it for the next step.

    Parameters
    ----------
    steps : list of tuple
        ``(name, estimator)`` pairs, as for Pipeline. For ``partial_fit``,
        every step either has ``partial_fit`` or is already fitted (fitted
        beforehand and preferably wrapped in
        :class:`~sklearn.frozen.FrozenEstimator` so that ``clone`` keeps it,
        or stateless like FunctionTransformer); ``"passthrough"`` and None
        steps are skipped.
    transform_input : list of str or None, default=None
        See Pipeline. ``partial_fit`` does not support it.
    memory : str, object with the joblib.Memory interface or None, default=None
        See Pipeline. Only ``fit`` uses it; ``partial_fit`` never caches.
    verbose : bool, default=False
        Print the time taken by each step of ``fit`` and ``partial_fit``.

    Attributes
    ----------
    named_steps : :class:`~sklearn.utils.Bunch`
        The steps by name.
    classes_ : ndarray of shape (n_classes,)
        The classes of the final step, when it is a classifier.
    n_features_in_ : int
        Number of features seen by the first step.
    feature_names_in_ : ndarray of str
        Names of features seen by the first step, when X has string column
        names.

    See Also
    --------
    make_incremental_pipeline : Build one without naming the steps.
    sklearn.pipeline.Pipeline : The parent class.

    Notes
    -----
    A step that has ``partial_fit`` learns from every batch; one without it
    is used as it is and never learns (a FrozenEstimator is treated as having
    none, since it must not learn). ``partial_fit`` refuses an unfitted step
    without ``partial_fit`` rather than fitting it on the first batch alone.

    Unlike ``fit``, ``partial_fit`` never clones: the steps themselves carry
    the stream's state, so pickling or saving the pipeline between two
    batches and resuming from the copy continues the stream exactly.

    A call is not all-or-nothing across steps: if a step raises, the steps
    before it have already learned from the batch (each sklearn-htm
    estimator is all-or-nothing on its own). The most common such error, a
    classifier's first call without ``classes``, is detected before any step
    learns.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
    >>> from sklearn_htm.pipeline import make_incremental_pipeline
    >>> X, y = load_digits(return_X_y=True)
    >>> pipe = make_incremental_pipeline(
    ...     GreyscaleEncoder(n_bits=4, value_range=(0, 16)),
    ...     SpatialPoolerTransformer(n_columns=128, random_state=0, backend="numpy"),
    ...     SGDClassifier(random_state=0),
    ... )
    >>> for batch in np.array_split(np.arange(300), 3):
    ...     pipe = pipe.partial_fit(X[batch], y[batch], classes=np.arange(10))
    >>> pipe.predict(X[300:303]).shape
    (3,)
    """

    @_fit_context(
        # the steps are validated by their own partial_fit
        prefer_skip_nested_validation=False
    )
    def partial_fit(self, X, y=None, classes=None, **params):
        """Learn from one batch with every step, in order, without resetting.

        For each step in turn: a step with ``partial_fit`` learns from the
        batch as transformed by the steps before it; every step but the last
        then transforms the batch for the next one. The first call starts the
        steps' state (a step's own ``partial_fit`` decides what that means);
        later calls continue it.

        Parameters
        ----------
        X : iterable
            A batch of input, as the first step takes it.
        y : iterable, default=None
            Targets of the batch, passed to every step's ``partial_fit``
            (transformers ignore them).
        classes : array-like of shape (n_classes,), default=None
            Every class the stream can contain, passed to the final step's
            ``partial_fit`` when given. Classifiers such as SGDClassifier
            require it on the first call.
        **params : dict of str -> object
            Parameters of the steps' ``partial_fit``, named
            ``<step name>__<parameter>`` (for example
            ``sgdclassifier__sample_weight``).

        Returns
        -------
        self : object
            The pipeline, updated.
        """
        if self.transform_input is not None:
            raise ValueError(
                "IncrementalPipeline.partial_fit does not support transform_input; "
                "set transform_input=None."
            )
        self.steps = list(self.steps)
        self._validate_steps()
        step_params = self._partial_fit_params(params)
        self._check_before_learning(classes)
        final_idx = len(self.steps) - 1
        active = list(self._iter(with_final=True))
        for position, (step_idx, name, step) in enumerate(active, start=1):
            with _print_elapsed_time(type(self).__name__, self._log_message(step_idx)):
                if _learns_incrementally(step):
                    kwargs = step_params.get(name, {})
                    if step_idx == final_idx and classes is not None:
                        kwargs = {"classes": classes, **kwargs}
                    step.partial_fit(X, y, **kwargs)
                if position < len(active):
                    X = step.transform(X)
        return self

    def _partial_fit_params(self, params):
        """Split ``<step>__<param>`` keyword arguments by step, checking names."""
        names = [name for name, _ in self.steps]
        per_step = {}
        for key, value in params.items():
            name, sep, param = key.partition("__")
            if not sep or name not in names:
                raise ValueError(
                    f"IncrementalPipeline.partial_fit got the parameter {key!r}; "
                    "parameters of the steps are named <step name>__<parameter> "
                    f"with a step name among {names}."
                )
            step = dict(self.steps)[name]
            if not _learns_incrementally(step):
                raise ValueError(
                    f"IncrementalPipeline.partial_fit got the parameter {key!r} for "
                    f"step {name!r}, which does not learn in partial_fit."
                )
            per_step.setdefault(name, {})[param] = value
        return per_step

    def _check_before_learning(self, classes):
        """Refuse, before any step learns, what would fail half-way through."""
        for _, name, step in self._iter(with_final=True):
            if not _learns_incrementally(step) and not _is_fitted(step):
                raise TypeError(
                    f"Step {name!r} ({type(step).__name__}) has no partial_fit and is "
                    "not fitted. Fit it beforehand and wrap it in "
                    "sklearn.frozen.FrozenEstimator, or use a transformer that has "
                    "partial_fit."
                )
        final = self._final_estimator
        if classes is not None and not _learns_incrementally(final):
            raise ValueError(
                "classes is passed to the final step's partial_fit, but the final "
                f"step ({final!r}) does not learn in partial_fit."
            )
        if (
            classes is None
            and _learns_incrementally(final)
            and is_classifier(final)
            and not _is_fitted(final)
        ):
            raise ValueError(
                f"The final step ({type(final).__name__}) is a classifier: pass "
                "classes (every class of the stream) on the first call to "
                "partial_fit."
            )


def make_incremental_pipeline(*steps, memory=None, verbose=False):
    """Build an :class:`IncrementalPipeline`, naming the steps after their classes.

    Parameters
    ----------
    *steps : list of estimators
        The steps, as for :func:`~sklearn.pipeline.make_pipeline`.
    memory : str, object with the joblib.Memory interface or None, default=None
        Cache of the fitted transformers for ``fit``.
    verbose : bool, default=False
        Print the time taken by each step.

    Returns
    -------
    pipeline : IncrementalPipeline

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_htm import GreyscaleEncoder
    >>> from sklearn_htm.pipeline import make_incremental_pipeline
    >>> make_incremental_pipeline(GreyscaleEncoder(), SGDClassifier()).steps[0][0]
    'greyscaleencoder'
    """
    named = make_pipeline(*steps).steps
    return IncrementalPipeline(named, memory=memory, verbose=verbose)
