"""IncrementalPipeline: a Pipeline that learns from a stream with partial_fit."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.pipeline import IncrementalPipeline, make_incremental_pipeline

CLASSES = np.arange(10)
N_COLUMNS = 128


def encoder():
    return GreyscaleEncoder(n_bits=4, value_range=(0, 16))


def pooler(**params):
    params = {
        "n_columns": N_COLUMNS,
        "sparsity": 0.1,
        "random_state": 0,
        "backend": "auto",
        **params,
    }
    return SpatialPoolerTransformer(**params)


def classifier():
    return SGDClassifier(random_state=0)


def stream_pipeline():
    return make_incremental_pipeline(encoder(), pooler(), classifier())


def batches(n_samples, n_batches):
    return np.array_split(np.arange(n_samples), n_batches)


@pytest.fixture(scope="module")
def streamed(digits):
    """A pipeline that learned from the first 300 digits in 3 batches."""
    X, y = digits
    pipe = stream_pipeline()
    for batch in batches(300, 3):
        pipe.partial_fit(X[batch], y[batch], classes=CLASSES)
    return pipe


def test_partial_fit_pushes_each_batch_through_the_steps_in_turn(digits, streamed):
    X, y = digits
    enc, sp_, clf = encoder(), pooler(), classifier()
    for batch in batches(300, 3):
        bits = enc.partial_fit(X[batch]).transform(X[batch])
        sdr = sp_.partial_fit(bits).transform(bits)
        clf.partial_fit(sdr, y[batch], classes=CLASSES)

    got = streamed.named_steps["spatialpoolertransformer"]
    assert got.n_samples_seen_ == sp_.n_samples_seen_ == 300
    assert np.array_equal(got.permanences_.data, sp_.permanences_.data)
    assert np.array_equal(got.boost_factors_, sp_.boost_factors_)
    assert np.array_equal(streamed[-1].coef_, clf.coef_)
    assert np.array_equal(streamed[-1].intercept_, clf.intercept_)
    assert np.array_equal(
        streamed.predict(X[300:400]),
        clf.predict(sp_.transform(enc.transform(X[300:400]))),
    )


def test_streamed_pipeline_learns_digits(digits, streamed):
    X, y = digits
    # Chance is 0.1; the SDRs of a 128-column pooler carry enough to do far
    # better after 300 samples.
    assert streamed.score(X[1000:1400], y[1000:1400]) > 0.5


def test_everything_but_partial_fit_is_the_pipeline(digits, streamed):
    X, y = digits
    as_pipeline = Pipeline(streamed.steps)
    assert np.array_equal(streamed.predict(X[:50]), as_pipeline.predict(X[:50]))
    assert streamed.score(X[:50], y[:50]) == as_pipeline.score(X[:50], y[:50])
    head = streamed[:2]
    assert isinstance(head, IncrementalPipeline)
    assert (head.transform(X[:50]) != as_pipeline[:2].transform(X[:50])).nnz == 0
    np.testing.assert_array_equal(streamed.classes_, CLASSES)


def test_fit_restarts_the_stream(digits, streamed):
    X, y = digits
    refitted = clone(streamed).partial_fit(X[:100], y[:100], classes=CLASSES)
    refitted.fit(X[:200], y[:200])
    fresh = Pipeline(stream_pipeline().steps).fit(X[:200], y[:200])
    assert refitted[1].n_samples_seen_ == 200
    assert np.array_equal(refitted[1].permanences_.data, fresh[1].permanences_.data)
    assert np.array_equal(refitted[-1].coef_, fresh[-1].coef_)


def test_clone_and_params(streamed):
    copy = clone(streamed)
    assert type(copy) is IncrementalPipeline
    assert not hasattr(copy[1], "_state")
    assert copy.get_params()["spatialpoolertransformer__n_columns"] == N_COLUMNS
    copy.set_params(spatialpoolertransformer__n_columns=64, verbose=True)
    assert copy[1].n_columns == 64 and copy.verbose
    assert streamed[1].n_columns == N_COLUMNS


def test_make_incremental_pipeline_names_steps_like_make_pipeline():
    pipe = make_incremental_pipeline(encoder(), pooler(), verbose=True)
    assert [name for name, _ in pipe.steps] == [
        "greyscaleencoder",
        "spatialpoolertransformer",
    ]
    assert pipe.verbose and pipe.memory is None


def test_classifier_without_classes_is_refused_before_any_step_learns(digits):
    X, y = digits
    pipe = stream_pipeline()
    with pytest.raises(ValueError, match="pass classes"):
        pipe.partial_fit(X[:20], y[:20])
    assert not hasattr(pipe[0], "data_min_")
    assert not hasattr(pipe[1], "_state")
    # Once fitted, later calls need no classes.
    pipe.partial_fit(X[:20], y[:20], classes=CLASSES).partial_fit(X[20:40], y[20:40])
    assert pipe[1].n_samples_seen_ == 40


def test_classes_go_to_the_final_step_only(digits):
    X, y = digits
    pipe = stream_pipeline().partial_fit(X[:30], y[:30], classes=np.arange(12))
    np.testing.assert_array_equal(pipe.classes_, np.arange(12))


def test_step_params_reach_their_step(digits):
    X, y = digits
    weights = np.linspace(0.1, 2.0, 60)
    pipe = stream_pipeline().partial_fit(
        X[:60], y[:60], classes=CLASSES, sgdclassifier__sample_weight=weights
    )
    unweighted = stream_pipeline().partial_fit(X[:60], y[:60], classes=CLASSES)
    manual = classifier().partial_fit(
        unweighted[:2].transform(X[:60]), y[:60], classes=CLASSES, sample_weight=weights
    )
    assert np.array_equal(pipe[-1].coef_, manual.coef_)
    assert not np.array_equal(pipe[-1].coef_, unweighted[-1].coef_)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"sample_weight": None}, "<step name>__<parameter>"),
        ({"nosuchstep__sample_weight": None}, "nosuchstep__sample_weight"),
        ({"scaler__with_mean": True}, "does not learn in partial_fit"),
    ],
)
def test_bad_step_params_are_refused(digits, params, match):
    X, y = digits
    frozen = FrozenEstimator(StandardScaler().fit(X[:50]))
    pipe = IncrementalPipeline([("scaler", frozen), ("sgdclassifier", classifier())])
    with pytest.raises(ValueError, match=match):
        pipe.partial_fit(X[:20], y[:20], classes=CLASSES, **params)
    assert not hasattr(pipe[-1], "coef_")


def test_unfitted_step_without_partial_fit_is_refused(digits):
    X, _ = digits
    pipe = make_incremental_pipeline(
        StandardScaler(), FunctionTransformer(np.abs), PCA(n_components=5), pooler()
    )
    with pytest.raises(TypeError, match="'pca'.*no partial_fit"):
        pipe.partial_fit(X[:20])
    assert not hasattr(pipe[0], "mean_")


def test_classes_without_a_learning_final_step_are_refused(digits):
    X, y = digits
    pipe = make_incremental_pipeline(encoder(), pooler(), "passthrough")
    with pytest.raises(ValueError, match="does not learn"):
        pipe.partial_fit(X[:20], y[:20], classes=CLASSES)


def test_frozen_and_stateless_steps_are_used_as_they_are(digits):
    X, _ = digits
    # A range learned from the first 50 digits; later batches hold larger
    # values, which an unfrozen encoder's partial_fit would take in.
    fitted_encoder = GreyscaleEncoder(n_bits=4).fit(np.minimum(X[:50], 8) / 2)
    low, high = fitted_encoder.data_min_, fitted_encoder.data_max_
    pipe = make_incremental_pipeline(
        FunctionTransformer(lambda values: values / 2),
        FrozenEstimator(fitted_encoder),
        pooler(),
    )
    pipe.partial_fit(X[:100]).partial_fit(X[100:200])
    assert (fitted_encoder.data_min_, fitted_encoder.data_max_) == (low, high)
    assert X[100:200].max() / 2 > high
    manual = pooler()
    for batch in (X[:100], X[100:200]):
        manual.partial_fit(fitted_encoder.transform(batch / 2))
    assert np.array_equal(pipe[-1].permanences_.data, manual.permanences_.data)


def test_passthrough_steps_are_skipped(digits):
    X, _ = digits
    pipe = IncrementalPipeline(
        [("enc", encoder()), ("nothing", "passthrough"), ("sp", pooler()), ("end", None)]
    )
    pipe.partial_fit(X[:40])
    sdr = pipe.transform(X[40:50])
    manual = pooler().partial_fit(encoder().partial_fit(X[:40]).transform(X[:40]))
    assert sp.issparse(sdr)
    assert (sdr != manual.transform(encoder().fit(X[:40]).transform(X[40:50]))).nnz == 0


def test_transformer_pipeline_ignores_a_placeholder_target(digits):
    # dask-ml's Incremental passes a tuple placeholder as y when there is none.
    X, _ = digits
    with_placeholder = make_incremental_pipeline(encoder(), pooler())
    with_placeholder.partial_fit(X[:50], ("", 0)).partial_fit(X[50:100], ("", 1))
    without = make_incremental_pipeline(encoder(), pooler())
    without.partial_fit(X[:50]).partial_fit(X[50:100])
    assert np.array_equal(
        with_placeholder[-1].permanences_.data, without[-1].permanences_.data
    )


def test_transform_input_is_refused(digits):
    X, y = digits
    pipe = stream_pipeline().set_params(transform_input=["sample_weight"])
    with pytest.raises(ValueError, match="transform_input"):
        pipe.partial_fit(X[:20], y[:20], classes=CLASSES)


def test_failed_step_keeps_the_steps_before_it_consistent(digits):
    X, y = digits
    pipe = stream_pipeline().partial_fit(X[:40], y[:40], classes=CLASSES)
    seen = pipe[1].n_samples_seen_
    with pytest.raises(ValueError):
        pipe.partial_fit(X[40:60, :10], y[40:60])  # wrong number of features
    assert pipe[1].n_samples_seen_ == seen
    check_is_fitted(pipe)


def test_verbose_reports_each_step(digits, capsys):
    X, y = digits
    pipe = stream_pipeline().set_params(verbose=True)
    pipe.partial_fit(X[:20], y[:20], classes=CLASSES)
    out = capsys.readouterr().out
    assert "(step 2 of 3) Processing spatialpoolertransformer" in out
    assert out.count("[IncrementalPipeline]") == 3


@parametrize_with_checks(
    [
        make_incremental_pipeline(
            GreyscaleEncoder(n_bits=8),
            SpatialPoolerTransformer(
                n_columns=128, sparsity=0.2, random_state=0, backend="auto"
            ),
            SGDClassifier(random_state=0, max_iter=5, tol=None),
        )
    ],
    expected_failed_checks=lambda estimator: {
        # Inherited from Pipeline, which sklearn's own suite marks the same way:
        # fitting replaces the steps' estimators in place.
        "check_estimators_overwrite_params": "Pipeline changes its steps in place",
        "check_dont_overwrite_parameters": "Pipeline changes its steps in place",
    },
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("make", [
    lambda: SpatialPoolerTransformer(n_columns=32, random_state=0),
    lambda: GreyscaleEncoder(n_bits=2),
])
def test_pandas_output_with_sparse_output_fails_first_and_says_what_to_set(make):
    pytest.importorskip("pandas")
    X = (np.random.RandomState(0).random_sample((10, 16)) < 0.3).astype(float)
    estimator = make().set_output(transform="pandas")
    with pytest.raises(ValueError, match="set sparse_output=False"):
        estimator.fit(X)
    assert not hasattr(estimator, "n_features_in_")
    frame = estimator.set_params(sparse_output=False).fit_transform(X)
    assert list(frame.columns)[0] == estimator.get_feature_names_out()[0]
