"""The estimators of the common tests (tests/test_common.py and
tests/test_common_failure.py): every public estimator of the package that
learns from rows, each in a small configuration with generated data, and
what those tests need to know of it.

A case's data is a dict of ``partial_fit`` keyword arguments (X, and y or
values), all with one entry per row; :func:`part` slices it.
"""

import types
from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_htm import (
    AnomalyLikelihood,
    BacktrackingTM,
    DateEncoder,
    GreyscaleEncoder,
    HTMAnomalyDetector,
    HTMForecaster,
    MultiStreamDetector,
    RandomDistributedScalarEncoder,
    ScalarEncoder,
    SDRClassifier,
    SpatialPoolerTransformer,
    TemporalMemoryTransformer,
)
from sklearn_htm.anomaly import _likelihood as likelihood_module

LAYERS = (SpatialPoolerTransformer, TemporalMemoryTransformer, BacktrackingTM)

#: Attributes that describe the rows of the last call only (rows along axis 0).
PER_CALL = frozenset({
    "anomaly_", "anomaly_score_", "raw_anomaly_", "spatial_anomaly_", "likelihood_",
    "log_likelihood_", "log_tail_probability_", "ranking_score_", "forecast_",
    "forecast_proba_", "forecast_interval_",
})


# ------------------------------------------------------------------ data


def sequence_rows(n_rows, seed=0, n_columns=32):
    """Binary rows: 6 patterns in turn, a bit of noise (a sequence to learn)."""
    rng = np.random.RandomState(seed)
    patterns = rng.random_sample((6, n_columns)) < 0.25
    noise = rng.random_sample((n_rows, n_columns)) < 0.03
    return (patterns[np.arange(n_rows) % 6] ^ noise).astype(np.float64)


def series(n_rows, seed=0):
    """A daily-periodic (timestamp, value) stream, a row an hour."""
    rng = np.random.RandomState(seed)
    stamps = pd.date_range("2024-01-01", periods=n_rows, freq="h")
    value = 10 + 5 * np.sin(2 * np.pi * np.arange(n_rows) / 12) + rng.normal(0, 0.3, n_rows)
    return {"X": pd.DataFrame({"timestamp": stamps, "value": value})}


def long_rows(n_rows, seed=0):
    """Rows of two streams in long format, interleaved unevenly."""
    stamps = pd.date_range("2024-01-01", periods=n_rows, freq="h")
    rng = np.random.RandomState(seed)
    key = np.where(rng.random_sample(n_rows) < 0.6, "a", "b")
    value = 10 + 5 * np.sin(2 * np.pi * np.arange(n_rows) / 12) + rng.normal(0, 0.3, n_rows)
    return {"X": pd.DataFrame({"stream": key, "timestamp": stamps, "value": value})}


def binary(n_rows, seed=0):
    return {"X": sequence_rows(n_rows, seed)}


def labelled(n_rows, seed=0):
    X = sequence_rows(n_rows, seed)
    labels = np.arange(n_rows) % 6
    # A category that first appears mid-stream (the weights grow a column).
    labels[np.arange(n_rows) % 11 == 10] = 7
    return {"X": X, "y": labels}


def raw_scores(n_rows, seed=0):
    rng = np.random.RandomState(seed)
    return {"X": rng.beta(1, 6, size=(n_rows, 2)), "values": rng.normal(5, 1, (n_rows, 2))}


def values(n_rows, seed=0):
    return {"X": np.random.RandomState(seed).normal(5, 2, (n_rows, 2))}


def intensities(n_rows, seed=0):
    return {"X": np.random.RandomState(seed).randint(0, 17, (n_rows, 6)).astype(float)}


def stamps(n_rows, seed=0):
    start = np.datetime64("2024-03-01T00:00") + np.random.RandomState(seed).randint(0, 99)
    return {"X": (start + np.arange(n_rows) * np.timedelta64(97, "m"))[:, None]}


def part(data, start=None, stop=None):
    """Rows ``start:stop`` of every entry of a case's data."""
    return {name: (value.iloc[start:stop] if isinstance(value, pd.DataFrame)
                   else value[start:stop]) for name, value in data.items()}


def n_rows(data):
    return len(data["X"])


# ------------------------------------------------------------ the cases


@dataclass(frozen=True)
class Case:
    id: str
    make: object  # () -> a new unfitted estimator
    data: object  # (n_rows, seed) -> data
    probe: object = None  # (estimator, data) -> an output that changes nothing
    failure: object = None  # () -> (owner, attribute, kind) to inject failures into
    prefix: str = "any"  # "empty", "chunks" (a layer's learn calls) or "any"


def layer_backend(cls, name):
    """The class of the backend ``name`` of a layer, whose learn fails."""
    return lambda: (type(cls._backends.get(name)), "learn", "backend")


def _binary_probe(method):
    return lambda estimator, data: _dense(getattr(estimator, method)(data["X"][:10]))


def _dense(output):
    return output.toarray() if hasattr(output, "toarray") else np.asarray(output)


SMALL_TM = dict(n_cells_per_column=4, activation_threshold=3, min_threshold=2,
                max_new_synapse_count=4, random_state=0)
BACKENDS = ("numpy", "numba")


def _layer_cases():
    for backend in BACKENDS:
        yield Case(
            f"SpatialPoolerTransformer-{backend}",
            lambda backend=backend: SpatialPoolerTransformer(
                n_columns=32, sparsity=0.1, potential_pct=0.5, random_state=0,
                backend=backend),
            binary, _binary_probe("transform"),
            layer_backend(SpatialPoolerTransformer, backend), prefix="empty")
        yield Case(
            f"TemporalMemoryTransformer-{backend}",
            lambda backend=backend: TemporalMemoryTransformer(**SMALL_TM, backend=backend),
            binary, _binary_probe("transform"),
            layer_backend(TemporalMemoryTransformer, backend), prefix="chunks")
        yield Case(
            f"BacktrackingTM-{backend}",
            lambda backend=backend: BacktrackingTM(**SMALL_TM, backend=backend),
            binary, _binary_probe("anomaly_score"),
            layer_backend(BacktrackingTM, backend), prefix="chunks")


def _stream_probe(method):
    return lambda estimator, data: np.asarray(getattr(estimator, method)(
        part(data, 0, 6)["X"]))


def _detector(temporal_memory):
    # 128 columns: 3 active per row, thresholds the Temporal Memory reaches.
    return lambda: HTMAnomalyDetector(
        minimum=0, maximum=20, probation=16, n_columns=128, block_size=4,
        activation_threshold=2, min_threshold=1, temporal_memory=temporal_memory)


def _likelihood_probe(estimator, data):
    rows = part(data, 0, 6)
    return estimator.transform(rows["X"], values=rows["values"])


def _call(owner, attribute):
    return lambda: (owner, attribute, "call")


CASES = [
    *_layer_cases(),
    Case("HTMAnomalyDetector-backtracking", _detector("backtracking"), series,
         _stream_probe("score_samples"), layer_backend(BacktrackingTM, "auto")),
    Case("HTMAnomalyDetector-htm.core", _detector("htm.core"), series,
         _stream_probe("score_samples"), layer_backend(TemporalMemoryTransformer, "auto")),
    Case("MultiStreamDetector",
         lambda: MultiStreamDetector(_detector("backtracking")(), ranges={"b": (0, 20)}),
         long_rows, _stream_probe("score_samples")),
    Case("HTMForecaster",
         lambda: HTMForecaster(steps=(1, 2), minimum=0, maximum=20, n_buckets=8,
                               n_columns=128, alpha=0.1),
         series, _stream_probe("predict"), layer_backend(TemporalMemoryTransformer, "auto")),
    # No backend: a failure in the per-row computation (the tail probability
    # of each row after the probation; the classifier's update of one row).
    Case("AnomalyLikelihood",
         lambda: AnomalyLikelihood(learning_period=6, estimation_samples=6,
                                   historic_window_size=30, reestimation_period=5,
                                   averaging_window=3),
         raw_scores, _likelihood_probe, _call(likelihood_module, "tail_probability")),
    Case("SDRClassifier", lambda: SDRClassifier(alpha=0.1), labelled,
         _binary_probe("predict_proba"), _call(SDRClassifier, "_learn_one")),
    # Encoders learn a range (or nothing) from rows: no failure injection.
    Case("ScalarEncoder", lambda: ScalarEncoder(n_active=3, size=24), values,
         _binary_probe("transform")),
    Case("RandomDistributedScalarEncoder",
         lambda: RandomDistributedScalarEncoder(size=40, n_active=5, resolution=0.5),
         values, _binary_probe("transform")),
    Case("GreyscaleEncoder", lambda: GreyscaleEncoder(n_bits=3), intensities,
         _binary_probe("transform")),
    Case("DateEncoder", lambda: DateEncoder(day_of_week=(5, 1.0)), stamps,
         _binary_probe("transform")),
]
FAILING_CASES = [case for case in CASES if case.failure is not None]


# ----------------------------------------------------------- comparisons


def fingerprint(estimator):
    """What an estimator has learned, as comparable values per attribute
    (see :func:`canonical`; nested estimators recursively), without the
    attributes of the last call's rows (:data:`PER_CALL`)."""
    return {name: canonical(value) for name, value in vars(estimator).items()
            if name not in PER_CALL}


def canonical(value):
    """``value`` as nested tuples of exact values: arrays by dtype, shape and
    bytes, numbers by their repr, objects by their ``canonical()`` form when
    they have one, else by the state they pickle (``__getstate__``), so
    that two equal states compare equal however they were made (learned, or
    loaded by pickle or skops)."""
    if isinstance(value, BaseEstimator):
        return (type(value).__qualname__, fingerprint(value))
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            return ("object array", value.shape, canonical(value.tolist()))
        return ("array", value.dtype.str, value.shape, np.ascontiguousarray(value).tobytes())
    if sp.issparse(value):
        return ("sparse", value.format, canonical(value.toarray()))
    if isinstance(value, np.random.RandomState):
        return ("RandomState", canonical(value.get_state(legacy=False)))
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, (int, float, np.number)):
        return ("number", repr(value.item() if isinstance(value, np.generic) else value))
    if value is None or isinstance(value, (str, bytes, np.dtype)):
        return ("value", repr(value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), canonical(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple, deque)):
        return (type(value).__qualname__, tuple(canonical(v) for v in value))
    if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
        return ("reference", getattr(value, "__module__", None), value.__qualname__)
    if callable(getattr(value, "canonical", None)):  # the backtracking TM's states
        # (their arrays keep sets in the order learning left them)
        return (type(value).__qualname__, canonical(value.canonical()),
                canonical(getattr(value, "n_samples_seen", None)))
    state = value.__getstate__() if hasattr(type(value), "__getstate__") else vars(value)
    return (type(value).__qualname__, canonical(state))


def per_call(estimator):
    """The estimator's own per-call attributes (name -> array)."""
    return {name: np.asarray(value) for name, value in vars(estimator).items()
            if name in PER_CALL}


def assert_same_state(a, b):
    left, right = fingerprint(a), fingerprint(b)
    assert left.keys() == right.keys(), (sorted(left), sorted(right))
    changed = [name for name in left if left[name] != right[name]]
    assert not changed, f"fitted state differs in {changed}"


def assert_same_outputs(a, b):
    """Per-call attributes equal (NaN equal to NaN)."""
    left, right = per_call(a), per_call(b)
    assert left.keys() == right.keys()
    for name in left:
        np.testing.assert_array_equal(left[name], right[name], err_msg=name)


def seen(estimator):
    """Rows learned since the stream started (0 for an unfitted estimator)."""
    try:
        return int(estimator.n_samples_seen_)
    except AttributeError:
        return 0


def is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


# -------------------------------------------------------------- failures


def small_chunks(monkeypatch, rows):
    """Every layer backend (but cupy) hands ``rows`` rows to one learn call."""
    for cls in LAYERS:
        for name in BACKENDS:
            monkeypatch.setattr(cls._backends.get(name), "chunk_rows", rows)


def inject(monkeypatch, case, exception, k, mode):
    """Make the case's failure point raise ``exception("injected failure")``
    on its ``k``-th call: before it computes anything (``mode="before"``),
    or (``"inside"``) after a backend learned the first row of its chunk,
    or a per-row function did its work. Returns the list of calls."""
    owner, attribute, kind = case.failure()
    original = getattr(owner, attribute)
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) != k:
            return original(*args, **kwargs)
        if mode == "inside" and kind == "backend":
            # (self, config, state, rows, per-row arrays or options...)
            n = args[3].shape[0]
            first = [a[:1] if isinstance(a, np.ndarray) and a.shape[:1] == (n,) else a
                     for a in (*args[:3], args[3][:1], *args[4:])]
            first_kw = {key: a[:1] if isinstance(a, np.ndarray) and a.shape[:1] == (n,)
                        else a for key, a in kwargs.items()}
            original(*first, **first_kw)
        elif mode == "inside":
            original(*args, **kwargs)
        raise exception("injected failure")

    monkeypatch.setattr(owner, attribute, failing)
    return calls
