"""The skeleton every HTM layer estimator joins (as ``_BaseKMeans`` serves
``KMeans`` and ``MiniBatchKMeans``).

One flow for ``fit`` and ``partial_fit``, each step in one place:

1. refuse a changed structural parameter (:meth:`HTMLayer._config`: the
   continuation check, against the one list :attr:`HTMLayer.STRUCTURAL_PARAMS`);
2. validate X and binarize it (:mod:`sklearn_htm._core.rows`);
3. the layer's checks of the call's other arguments (:meth:`_call_context`);
4. a new stream (``fit``, or the first ``partial_fit``:
   :meth:`_start_stream` resolves the structure and draws the state) or the
   continued one;
5. the rows in chunks of ``backend.chunk_rows``, with progress labelled
   from the class (:meth:`_learn_rows`);
6. commit: the state and what the call computed become the fitted state.

The configuration handed to the backends is built once per change of a
parameter (:class:`ConfigCache`): a stream of one-row calls with fixed
parameters pays for none of these decisions again.

The failure rule (stated once, in :mod:`sklearn_htm._core.failure`): a
call refused before it learns changes nothing; ``fit`` that fails changes
nothing; ``partial_fit`` that fails while learning keeps the rows learned
before the failure, a prefix of X, as if it had been given only those rows
(``n_samples_seen_`` says how many).

A layer writes only what is particular to its algorithm: its parameters,
:meth:`_resolve_structure`, :meth:`_build_config`, :meth:`_new_state`,
:meth:`_learn_chunk`, and (where it has them) :meth:`_call_context`,
:meth:`_passes` and :meth:`_begin_learning`.
"""

import functools
import operator
from numbers import Integral, Real
from typing import NamedTuple

from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils._array_api import is_device_array, to_host
from .failure import restore_on_failure
from .progress import ProgressReporter
from .rows import binary_rows, validate_rows


def layer_constraints(registry):
    """The parameter constraints every layer shares; ``registry`` (a
    :class:`~sklearn_htm._core.backends.BackendRegistry`) names the backends."""
    return {
        "binarize": [None, Interval(Real, None, None, closed="neither")],
        "backend": [StrOptions(set(registry.names))],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }


#: ``max_iter``: passes over the data in ``fit`` (the layers that make several).
MAX_ITER_CONSTRAINT = [Interval(Integral, 1, None, closed="left")]


class StreamStructure(NamedTuple):
    """The layout a stream was started with: its structural parameters'
    values (a tuple of ``(name, value)``) and its input width. A layer whose
    structure is only its parameters uses this; the Spatial Pooler resolves
    a richer one. ``key`` is what the continuation check compares."""

    params: tuple
    n_features: int

    @property
    def key(self):
        return (*(value for _, value in self.params), self.n_features)

    @property
    def fitted_params(self):
        return dict(self.params)


class ConfigCache:
    """The configuration of the parameters last seen (not fitted state: it
    is rebuilt from the parameters and the structure, and pickles empty)."""

    def __init__(self):
        self.snapshot = self.config = None

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.snapshot = self.config = None

    def config_for(self, estimator):
        """``estimator``'s configuration, validated and checked against its
        stream again only when a parameter changed (compared by identity:
        unchanged parameters cost a tuple of attribute reads)."""
        values = vars(estimator)
        snapshot = tuple(values[name] for name in _param_names(type(estimator)))
        if self.snapshot is not None and all(map(operator.is_, snapshot, self.snapshot)):
            return self.config
        estimator._validate_params()
        estimator._check_continuation()
        self.config = estimator._build_config()
        self.snapshot = snapshot
        return self.config


class _Unfitted:
    """The class-level ``_state`` (and ``_structure``) of a layer: a fitted
    layer's own hides it; before ``fit``, reading it (as every fitted
    attribute does) raises NotFittedError, which is also an AttributeError
    (``hasattr`` stays False). A descriptor, not ``__getattr__``: the
    attribute lookups that miss on every call (scikit-learn's) stay fast."""

    def __get__(self, estimator, owner=None):
        if estimator is None:
            return self
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' or "
            "'partial_fit' before using this estimator."
        )


class HTMLayer(BaseEstimator):
    """Base class of the layer estimators (not public).

    Class attributes a layer sets: ``_backends`` (its
    :class:`~sklearn_htm._core.backends.BackendRegistry`),
    ``STRUCTURAL_PARAMS`` (the parameters that fix the layout, which a
    stream cannot change) and ``_layer_name`` (for messages).
    """

    _backends = None
    STRUCTURAL_PARAMS = ()
    _layer_name = "layer"
    _state = _structure = _Unfitted()

    # ------------------------------------------------------------- the flow

    def _fit(self, X, **call_args):
        """The whole of ``fit``: a new stream, ``_passes`` over X."""
        with restore_on_failure(self):
            self._check_call(first=True)
            X = validate_rows(self, X, reset=True)
            backend = self._backends.get(self.backend)
            rows = self._binary_rows(X, backend)
            config, state = self._start_stream(rows.shape[1])
            self._check_state(config, state)
            context = self._call_context(rows, first=True, **call_args)
            n_passes = getattr(self, "max_iter", 1)
            reporter = self._reporter(rows.shape[0] * n_passes, "fit")
            result = None
            for epoch_rows, epoch_context in self._passes(rows, context):
                result = self._learn_rows(backend, config, state, epoch_rows, epoch_context,
                                          reporter)
            self._commit(state, result)
            self.n_iter_ = n_passes
        return self

    def _partial_fit(self, X, **call_args):
        """The whole of ``partial_fit``: the first call starts the stream,
        later ones continue it."""
        first = not self.__sklearn_is_fitted__()
        config = None if first else self._config()  # a changed layout is refused first
        with restore_on_failure(self):
            self._check_call(first=first)
            X = validate_rows(self, X, reset=first)
            backend = self._backends.get(self.backend)
            rows = self._binary_rows(X, backend)
            if first:
                config, state = self._start_stream(rows.shape[1])
                self._commit(state, None)
            context = self._call_context(rows, first=first, **call_args)
            if first:  # a first call that fails leaves the layer unfitted
                self._partial_fit_rows(rows, context=context, backend=backend, config=config)
                return self
        # A later call that fails keeps the rows learned (_partial_fit_rows
        # commits them): restoring the attributes would describe other rows.
        self._partial_fit_rows(rows, context=context, backend=backend, config=config)
        return self

    def _partial_fit_rows(self, rows, out=None, *, context=None, backend=None, config=None):
        """``partial_fit`` of rows already validated and binarized
        (:class:`~sklearn_htm._core.rows.BinaryRows`) by a started layer:
        the inner path of callers that validated their input once (the
        anomaly detector, the forecaster), which checks nothing of X.
        Returns what the layer computes per row (the Temporal Memories'
        raw anomalies, written into ``out`` when given)."""
        backend = self._backends.get(self.backend) if backend is None else backend
        config = self._config() if config is None else config
        if context is None:
            context = self._stream_context(rows)
        self._check_state(config, self._state)
        state, context, undo = self._begin_learning(backend, config, rows.shape[0], context)
        reporter = self._reporter(rows.shape[0], "partial_fit")
        result = self._new_result(rows.shape[0], out)
        before = state.n_samples_seen
        try:
            self._learn_rows(backend, config, state, rows, context, reporter, result)
        except BaseException:
            if undo is not None:
                undo()
            elif state is self._state:  # learned in place: the rows learned stay
                learned = state.n_samples_seen - before
                self._commit(state, None if result is None else result[:learned])
            raise
        self._commit(state, result)
        return result

    def _learn_rows(self, backend, config, state, rows, context, reporter, out=None):
        """Learn ``rows`` in order, one ``_learn_chunk`` per ``chunk_rows``
        rows, reporting progress between chunks."""
        chunk = self._chunk_rows(backend)
        n_rows = rows.shape[0]
        result = self._new_result(n_rows, out)
        for start in range(0, n_rows, chunk):
            stop = min(start + chunk, n_rows)
            part = rows if (start, stop) == (0, n_rows) else rows[start:stop]
            with reporter.preparing(backend.name, backend.is_ready(learning=True)):
                self._learn_chunk(backend, config, state, part, context, start, stop, result)
            reporter.update(stop - start)
        return result

    # ----------------------------------------------------- configuration

    def _config(self):
        """The configuration of the current parameters (see :class:`ConfigCache`)."""
        return self._config_cache.config_for(self)

    def _check_continuation(self):
        """Refuse parameters that would change the started stream's layout.

        Raises
        ------
        ValueError
            Naming each structural parameter whose value differs from the
            one the stream was started with.
        """
        structure = self._structure
        params = {name: getattr(self, name) for name in self.STRUCTURAL_PARAMS}
        try:
            key = self._structure_key(params, structure)
        except ValueError:
            key = None
        if key == structure.key:
            return
        fitted = structure.fitted_params
        changed = [name for name in self.STRUCTURAL_PARAMS
                   if name in fitted and not _same_value(params[name], fitted[name])]
        changed = changed or [name for name in self.STRUCTURAL_PARAMS if name in fitted]
        raise ValueError(refusal(self._layer_name, changed, fitted, params))

    def _structure_key(self, params, structure):
        """The key the structural ``params`` resolve to over the stream's
        input (compared with ``structure.key``)."""
        return StreamStructure(tuple(params.items()), structure.n_features).key

    def _start_stream(self, n_features):
        """Resolve the structure, build the configuration and draw a new
        state, from ``random_state``; returns ``(config, state)``."""
        self.__dict__.pop("_state", None)  # the stream before, if any, ends here
        self._structure = self._resolve_structure(n_features)
        self._config_cache = ConfigCache()
        config = self._config()
        return config, self._new_state(config, check_random_state(self.random_state))

    def _begin(self, n_features):
        """Start a stream over ``n_features`` inputs, learning nothing: the
        first call of an inner path (:meth:`_partial_fit_rows`) whose caller
        validated its rows itself. All or nothing: a configuration it
        refuses leaves the layer unstarted."""
        with restore_on_failure(self):
            self.n_features_in_ = int(n_features)
            config, state = self._start_stream(n_features)
            self._check_state(config, state)
            self._commit(state, None)
        return self

    # ---------------------------------------------------------- defaults

    def _resolve_structure(self, n_features):
        """The stream's layout for ``n_features`` inputs (raises ValueError
        for a layout that cannot be built)."""
        return StreamStructure(
            tuple((name, getattr(self, name)) for name in self.STRUCTURAL_PARAMS),
            int(n_features),
        )

    def _check_call(self, first):
        """Checks of parameters that do not depend on X (output options)."""

    def _check_state(self, config, state):
        """Refuse a configuration under which this state cannot learn
        (before any row is learned)."""

    def _call_context(self, rows, first, **call_args):
        """The layer's per-row arguments of this call, checked against X
        (the Temporal Memories' sequence starts)."""
        return None

    def _stream_context(self, rows):
        """The context of rows that continue the stream, given by a caller
        that validated them (no call arguments)."""
        return None

    def _passes(self, rows, context):
        """``fit``'s passes over the rows: ``(rows, context)`` pairs, one
        per ``max_iter`` (made as they are learned)."""
        return [(rows, context)] * getattr(self, "max_iter", 1)

    def _begin_learning(self, backend, config, n_rows, context):
        """The state a ``partial_fit`` of ``n_rows`` rows learns on, the
        call's context for the chunks, and a function that undoes the call
        if it fails (or None): by default the fitted state itself, in
        place, keeping the rows learned."""
        return self._state, context, None

    def _chunk_rows(self, backend):
        return backend.chunk_rows

    def _new_result(self, n_rows, out):
        """Where the chunks write what they compute per row (None: nothing)."""
        return out

    def _commit(self, state, result):
        self._state = state

    def _binary_rows(self, X, backend):
        """X binarized where the backend computes: on the host, unless X is
        on the device and the backend takes device input."""
        if is_device_array(X) and not backend.accepts_device_input:
            X = to_host(X)
        return binary_rows(X, self.binarize)

    def _reporter(self, n_rows, call):
        # A stream of short partial_fit calls does not print a line per call.
        return ProgressReporter(self.verbose, n_rows, f"{type(self).__name__}.{call}",
                                quiet_when_quick=call == "partial_fit")

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_state")

    # Rows learned since the stream started (no docstring: numpydoc would
    # link the estimators' documented attribute to this private class).
    @property
    def n_samples_seen_(self):
        return int(self._state.n_samples_seen)


@functools.cache
def _param_names(cls):
    """The parameter names of an estimator class (``_get_param_names``
    inspects the signature: too slow for every call of a stream)."""
    return tuple(cls._get_param_names())


def refusal(what, changed, started_with, params):
    """The one message refusing structural parameters changed mid-stream."""
    return (
        f"The {what} was started with "
        + ", ".join(f"{name}={started_with[name]!r}" for name in changed)
        + "; changing "
        + ", ".join(f"{name}={params[name]!r}" for name in changed)
        + " only takes effect when fit() starts a new stream (a structural parameter "
        "cannot change mid-stream)."
    )


def started_with(estimator, names):
    """The values of the parameters ``names`` a stream starts with, for
    :func:`check_unchanged` (an estimator-valued one by its class and
    parameters, so that a nested ``set_params`` counts as a change)."""
    return {name: _snapshot(getattr(estimator, name)) for name in names}


def check_unchanged(estimator, started, what):
    """Refuse the parameters of ``estimator`` that differ from ``started``
    (from :func:`started_with`): the continuation check of the stream
    estimators built on the layers.

    Raises
    ------
    ValueError
        Naming each changed parameter.
    """
    params = {name: _snapshot(getattr(estimator, name)) for name in started}
    changed = [name for name, value in started.items()
               if not (params[name] is value or _equal(params[name], value))]
    if changed:
        raise ValueError(refusal(what, changed, started, params))


def _snapshot(value):
    if hasattr(value, "get_params") and not isinstance(value, type):
        return (type(value).__name__, value.get_params(deep=True))
    return value


def _equal(a, b):
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _same_value(given, resolved):
    """Whether a structural parameter's value is the one a stream resolved
    (None: the default the stream resolved)."""
    if given is None:
        return True
    if isinstance(given, Integral) and isinstance(resolved, tuple):
        return resolved in ((int(given),), (int(given),) * len(resolved))
    if isinstance(given, (list, tuple)) and isinstance(resolved, tuple):
        return tuple(given) == resolved
    if isinstance(given, Real) and isinstance(resolved, Real):
        return float(given) == float(resolved)
    return given == resolved
