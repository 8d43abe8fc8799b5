"""Saving and resuming models exactly: pickle, joblib and skops round trips."""

import io
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import SGDClassifier

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.pipeline import make_incremental_pipeline
from sklearn_htm.presets import make_preset_pipeline

CLASSES = np.arange(10)
POOLERS = {
    "global": dict(n_columns=96, sparsity=0.05),
    "local": dict(
        n_columns=(8, 8, 1),
        sparsity=0.1,
        input_shape=(8, 8, 4),
        potential_radius=(2, 2, 3),
        global_inhibition=False,
        batch_size=4,
    ),
}


def pickle_round_trip(model):
    return pickle.loads(pickle.dumps(model))


def joblib_round_trip(model):
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


def skops_round_trip(model):
    skops_io = pytest.importorskip("skops.io")
    from sklearn_htm.persistence import load_skops

    return load_skops(io.BytesIO(skops_io.dumps(model)))


ROUND_TRIPS = {
    "pickle": pickle_round_trip,
    "joblib": joblib_round_trip,
    "skops": skops_round_trip,
}


def stream_pipeline(pooler):
    return make_incremental_pipeline(
        GreyscaleEncoder(n_bits=4, value_range=(0, 16)),
        SpatialPoolerTransformer(**POOLERS[pooler], random_state=0, backend="auto"),
        SGDClassifier(random_state=0),
    )


def assert_same_pooler(a, b):
    """Every piece of fitted state, bit for bit."""
    for name in (
        "permanences_",
        "potential_pools_",
        "connected_synapses_",
    ):
        left, right = getattr(a, name), getattr(b, name)
        for part in ("data", "indices", "indptr"):
            assert np.array_equal(getattr(left, part), getattr(right, part)), name
            assert getattr(left, part).dtype == getattr(right, part).dtype, name
    for name in (
        "active_duty_cycles_",
        "overlap_duty_cycles_",
        "min_overlap_duty_cycles_",
        "boost_factors_",
    ):
        left, right = getattr(a, name), getattr(b, name)
        assert left.dtype == right.dtype and np.array_equal(left, right), name
    assert a.n_samples_seen_ == b.n_samples_seen_
    state_a, state_b = a._random_state.get_state(), b._random_state.get_state()
    assert state_a[0] == state_b[0] and np.array_equal(state_a[1], state_b[1])
    assert state_a[2:] == state_b[2:]
    assert a._structure.key == b._structure.key
    hoods_a, hoods_b = a._structure.neighbourhoods, b._structure.neighbourhoods
    assert (hoods_a is None) == (hoods_b is None)
    for name in ("indptr", "indices", "n_winners", "table", "reverse_indptr",
                 "reverse_indices"):
        left, right = getattr(hoods_a, name, None), getattr(hoods_b, name, None)
        assert getattr(left, "dtype", None) == getattr(right, "dtype", None)
        assert np.array_equal(left, right) if left is not None else right is None


def assert_same_pipeline(a, b, X):
    assert_same_pooler(a[1], b[1])
    assert (a[0].data_min_, a[0].data_max_) == (b[0].data_min_, b[0].data_max_)
    assert np.array_equal(a[-1].coef_, b[-1].coef_)
    assert np.array_equal(a[-1].intercept_, b[-1].intercept_)
    sdr_a, sdr_b = a[:2].transform(X), b[:2].transform(X)
    assert (sdr_a != sdr_b).nnz == 0
    assert np.array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize("pooler", POOLERS)
@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
def test_saved_mid_stream_resumes_exactly(digits, pooler, round_trip):
    X, y = digits
    batches = np.array_split(np.arange(240), 4)
    uninterrupted = stream_pipeline(pooler)
    for batch in batches[:2]:
        uninterrupted.partial_fit(X[batch], y[batch], classes=CLASSES)

    resumed = ROUND_TRIPS[round_trip](uninterrupted)
    assert resumed is not uninterrupted
    assert_same_pipeline(resumed, uninterrupted, X[240:300])

    for batch in batches[2:]:
        uninterrupted.partial_fit(X[batch], y[batch])
        resumed.partial_fit(X[batch], y[batch])
    assert resumed[1].n_samples_seen_ == 240
    assert_same_pipeline(resumed, uninterrupted, X[240:300])


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
def test_shared_random_state_instance_round_trips(digit_bits, round_trip):
    # The estimator draws fit's shuffles from a RandomState instance it was
    # given; a saved copy must continue that stream of draws.
    bits, _ = digit_bits
    pooler = SpatialPoolerTransformer(
        n_columns=64,
        sparsity=0.1,
        max_iter=2,
        random_state=np.random.RandomState(3),
        backend="auto",
    ).fit(bits[:100])
    copy = ROUND_TRIPS[round_trip](pooler)
    assert_same_pooler(copy, pooler)
    for model in (pooler, copy):
        model.fit(bits[100:200])
    assert_same_pooler(copy, pooler)


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
def test_unfitted_models_round_trip(digits, round_trip):
    X, y = digits
    copy = ROUND_TRIPS[round_trip](stream_pipeline("global"))
    copy.partial_fit(X[:60], y[:60], classes=CLASSES)
    reference = stream_pipeline("global").partial_fit(X[:60], y[:60], classes=CLASSES)
    assert_same_pipeline(copy, reference, X[60:100])


def test_skops_trusted_types_are_exactly_what_a_model_needs(digits):
    skops_io = pytest.importorskip("skops.io")
    from sklearn_htm import (
        BacktrackingTM,
        DateEncoder,
        HTMAnomalyDetector,
        MultiStreamDetector,
        RandomDistributedScalarEncoder,
        ScalarEncoder,
        TemporalMemoryTransformer,
    )
    from sklearn_htm.persistence import SKOPS_TRUSTED_TYPES

    X, y = digits
    stream = clock_stream()
    models = [
        *(learn(model, part) for model, part, _, _ in stream_models(stream)),
        stream_pipeline("local").partial_fit(X[:40], y[:40], classes=CLASSES),
        ScalarEncoder(size=40, n_active=5).fit(X[:, 2:3]),
        RandomDistributedScalarEncoder(size=40, n_active=5, resolution=1.0).fit(X[:, 2:3]),
        DateEncoder().fit(np.array(["2024-01-01T10:00"], dtype="datetime64[m]")[:, None]),
        TemporalMemoryTransformer(n_cells_per_column=2, activation_threshold=2,
                                  min_threshold=2).fit(X[:5]),
        *(BacktrackingTM(n_cells_per_column=2, activation_threshold=2, min_threshold=1,
                         max_new_synapse_count=3, backend=backend).fit(X[:20] > 8)
          for backend in ("numba", "numpy")),
        make_preset_pipeline("image", image_shape=(8, 8), n_columns=(8, 8, 2)).fit(
            X[:40], y[:40]),
        MultiStreamDetector(HTMAnomalyDetector(n_columns=128, probation=20),
                            ranges={"a": (0, 20)}).fit(stream[:30].assign(stream="a")),
    ]
    untrusted = set()
    for model in models:
        untrusted |= set(skops_io.get_untrusted_types(data=skops_io.dumps(model)))
    assert sorted(untrusted) == sorted(SKOPS_TRUSTED_TYPES)


def clock_stream(n_rows=700):
    stamps = pd.date_range("2024-01-01", periods=n_rows, freq="h")
    noise = np.random.RandomState(0).normal(0, 0.5, n_rows)
    return pd.DataFrame({"timestamp": stamps,
                         "value": 10 + 5 * np.sin(2 * np.pi * stamps.hour / 24) + noise})


def stream_models(stream):
    """(model, first part, rest, what to compare) for each stream model,
    saved after a first part long enough for every part of it to be past
    its warm-up (the likelihood's estimate, the classifiers' buckets)."""
    from sklearn_htm import AnomalyLikelihood, HTMAnomalyDetector, HTMForecaster, SDRClassifier

    raw = np.random.RandomState(1).beta(1, 6, size=(500, 2))
    codes = (np.random.RandomState(2).rand(300, 40) < 0.2).astype(np.uint8)
    labels = codes[:, :3].sum(axis=1)
    return [
        (HTMAnomalyDetector(minimum=0, maximum=20, probation=200), stream[:500], stream[500:],
         ("anomaly_score_", "raw_anomaly_")),
        (HTMForecaster(steps=(1, 3), minimum=0, maximum=20), stream[:500], stream[500:],
         ("forecast_", "forecast_proba_", "forecast_interval_")),
        (AnomalyLikelihood(learning_period=100, estimation_samples=100, reestimation_period=50),
         raw[:300], raw[300:], ("likelihood_", "log_likelihood_")),
        (SDRClassifier(alpha=0.1), (codes[:200], labels[:200]), (codes[200:], labels[200:]),
         ("weights_",)),
    ]


def learn(model, part):
    """``partial_fit`` with a part: X, or (X, y)."""
    return model.partial_fit(*part) if isinstance(part, tuple) else model.partial_fit(part)


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
@pytest.mark.parametrize("k", range(4), ids=["detector", "forecaster", "likelihood",
                                            "classifier"])
def test_stream_models_saved_mid_stream_continue_exactly(round_trip, k):
    """Every stream model saved mid-stream (skops: with the package's trusted
    types only) continues bit for bit, its history and warm-up state
    included."""
    model, first, rest, compared = stream_models(clock_stream())[k]
    learn(model, first)
    copy = ROUND_TRIPS[round_trip](model)
    learn(model, rest)
    learn(copy, rest)
    for name in compared:
        np.testing.assert_array_equal(getattr(copy, name), getattr(model, name), err_msg=name)
    if k == 2:  # the likelihood's estimate is running
        assert not np.all(model.likelihood_ == 0.5)


class Custom(TransformerMixin, BaseEstimator):
    """A transformer skops knows nothing about."""

    def fit(self, X, y=None):
        return self

    def partial_fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


def test_load_skops_refuses_other_types_unless_trusted(digits):
    skops_io = pytest.importorskip("skops.io")
    from skops.io.exceptions import UntrustedTypesFoundException

    from sklearn_htm.persistence import load_skops

    X, _ = digits
    model = make_incremental_pipeline(
        Custom(), SpatialPoolerTransformer(n_columns=32, random_state=0)
    ).partial_fit(X[:20])
    data = skops_io.dumps(model)
    with pytest.raises(UntrustedTypesFoundException, match="Custom"):
        load_skops(io.BytesIO(data))
    loaded = load_skops(io.BytesIO(data), trusted=[f"{__name__}.Custom"])
    assert (loaded.transform(X[:10]) != model.transform(X[:10])).nnz == 0
    with pytest.raises(TypeError, match="sequence of type names"):
        load_skops(io.BytesIO(data), trusted=f"{__name__}.Custom")


def test_image_recipe_round_trips_through_skops(digits):
    """The image recipe's pipeline (with its check of the intensities, a
    function) loads with the package's trusted types alone."""
    skops_io = pytest.importorskip("skops.io")
    from sklearn_htm.persistence import load_skops

    X, y = digits
    model = make_preset_pipeline("image", image_shape=(8, 8), n_columns=(8, 8, 2)).fit(
        X[:40], y[:40])
    loaded = load_skops(io.BytesIO(skops_io.dumps(model)))
    assert np.array_equal(loaded.predict(X[:80]), model.predict(X[:80]))
    # The bytes of skops.io.dumps load as they are.
    from_bytes = load_skops(skops_io.dumps(model))
    assert np.array_equal(from_bytes.predict(X[:80]), model.predict(X[:80]))
    with pytest.raises(ValueError, match="non-negative pixel intensities"):
        loaded.predict(X[:5] - 20)
