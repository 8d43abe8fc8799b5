"""AnomalyLikelihood: its rules, its stream, its failures."""

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import check_array
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_htm import AnomalyLikelihood
from sklearn_htm.anomaly._likelihood import (
    log10_tail_probability,
    log_likelihood,
    tail_probability,
)


def scores(n, mean=0.1, sd=0.05, seed=0):
    rng = np.random.RandomState(seed)
    return np.clip(rng.normal(mean, sd, n), 0, 1).reshape(-1, 1)


def small(**params):
    defaults = dict(learning_period=20, estimation_samples=30, reestimation_period=25)
    defaults.update(params)
    return AnomalyLikelihood(**defaults)


# scikit-learn's common checks draw data far outside [0, 1] (blobs, normal
# draws around 100); raw anomaly scores there are refused (issue 15: bad
# input refused with the state intact), so these checks fail on purpose when
# run on the estimator itself. The same checks run below on a pipeline that
# first squashes the data into [0, 1], where they must pass.
REFUSES_THE_CHECKS_DATA = {
    name: "the check's data lie outside [0, 1], which raw anomaly scores cannot"
    for name in (
        "check_dict_unchanged", "check_dont_overwrite_parameters",
        "check_estimators_dtypes", "check_estimators_fit_returns_self",
        "check_estimators_overwrite_params", "check_estimators_pickle",
        "check_f_contiguous_array_estimator", "check_fit2d_1feature",
        "check_fit2d_1sample", "check_fit2d_predict1d", "check_fit_check_is_fitted",
        "check_fit_idempotent", "check_n_features_in", "check_n_features_in_after_fitting",
        "check_pipeline_consistency", "check_positive_only_tag_during_fit",
        "check_readonly_memmap_input", "check_transformer_data_not_an_array",
        "check_transformer_general", "check_transformer_preserve_dtypes",
    )
}
# A stream's likelihoods depend on the rows before them.
ORDER_DEPENDENT = {
    "check_methods_sample_order_invariance": "a row's likelihood depends on the rows before it",
    "check_methods_subset_invariance": "a row's likelihood depends on the rows before it",
}


@parametrize_with_checks(
    [small()], expected_failed_checks=lambda e: {**REFUSES_THE_CHECKS_DATA, **ORDER_DEPENDENT}
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _squash(X):
    X = check_array(X, dtype=np.float64)  # refuses complex, sparse, NaN and inf data
    return 1.0 / (1.0 + np.exp(-X))


# A Pipeline sets its steps in place (as in tests/test_pipeline.py). The
# order checks pass here only because their data are shorter than the
# probation (every likelihood is 0.5).
WRAPPER = {
    "check_dont_overwrite_parameters": "Pipeline changes its steps in place",
    "check_estimators_overwrite_params": "Pipeline changes its steps in place",
}


@parametrize_with_checks(
    [make_pipeline(FunctionTransformer(_squash), small())],
    expected_failed_checks=lambda e: WRAPPER,
)
def test_sklearn_compatible_on_scores_in_range(estimator, check):
    check(estimator)


def test_probation_reports_one_half():
    al = small().fit(scores(80))
    np.testing.assert_array_equal(al.likelihood_[:50, 0], 0.5)
    assert np.all(al.likelihood_[50:, 0] != 0.5)
    assert al.distribution_[0] is not None


def test_columns_are_independent_streams():
    a, b = scores(200, seed=3), scores(200, seed=4)
    both = small().fit(np.hstack([a, b]))
    np.testing.assert_array_equal(both.likelihood_[:, 0], small().fit(a).likelihood_[:, 0])
    np.testing.assert_array_equal(both.likelihood_[:, 1], small().fit(b).likelihood_[:, 0])
    assert both.transform(np.hstack([a, b])[:3]).shape == (3, 4)
    assert both.get_feature_names_out().tolist() == [
        "x0_likelihood", "x0_log_likelihood", "x1_likelihood", "x1_log_likelihood"]


def test_a_break_in_predictability_is_likely_anomalous_and_filtered():
    raw = scores(400)
    raw[300:310] = 1.0
    al = small().fit(raw)
    assert al.likelihood_[50:300].max() < 0.999
    # The first extreme row reaches 1 (tail below 1e-5); the rest of the run
    # is held at 1 - 1e-3, so that a run of extremes counts once.
    assert al.likelihood_[300, 0] > 1 - 1e-5
    np.testing.assert_allclose(al.likelihood_[301:305, 0], 0.999)


def test_tail_probability_is_the_normal_tail():
    z = np.linspace(0, 4, 9)
    # 1.4142 for sqrt(2): within 1e-4 of the exact normal tail.
    np.testing.assert_allclose(tail_probability(0.5 + 0.1 * z, 0.5, 0.1), norm.sf(z),
                               atol=1e-4)
    # Symmetric about the mean.
    np.testing.assert_allclose(tail_probability(0.3, 0.5, 0.1), tail_probability(0.7, 0.5, 0.1))


def test_the_log_tail_goes_on_where_the_likelihood_rounds_to_one():
    z = np.array([0.0, 1.0, 3.0, 6.0, 8.0])
    np.testing.assert_allclose(log10_tail_probability(z),
                               np.log10(tail_probability(z, 0.0, 1.0)), rtol=1e-12)
    far = log10_tail_probability(np.array([9.0, 20.0, 40.0]))
    assert (1.0 - tail_probability(np.array([9.0, 20.0, 40.0]), 0.0, 1.0) == 1.0).all()
    assert np.all(np.isfinite(far)) and np.all(np.diff(far) < 0)
    np.testing.assert_allclose(far, norm.logsf(np.array([9.0, 20.0, 40.0]) * np.sqrt(2)
                                               / 1.4142) / np.log(10), rtol=1e-12)


def test_breaks_that_tie_at_a_likelihood_of_one_keep_their_order():
    raw = np.column_stack([scores(300, seed=1)] * 3)
    raw[250:260] = [0.6, 0.8, 1.0]  # three breaks of growing size, one per stream
    # No averaging: each break's first row is far out at once.
    al = AnomalyLikelihood(learning_period=100, estimation_samples=100,
                           averaging_window=1).fit(raw)
    assert (al.likelihood_[250] == 1.0).all()
    assert np.all(np.diff(al.log_tail_probability_[250]) < 0)
    np.testing.assert_allclose(al.log_tail_probability_[:200], np.log10(0.5))
    assert (al.log_tail_probability_[251:260] == np.log10(1.0 - 0.999)).all()  # filtered


def test_log_likelihood_spreads_the_top():
    values = log_likelihood([0.5, 0.9, 0.999, 0.99999, 1.0])
    assert np.all(np.diff(values) > 0)
    assert values[-1] == pytest.approx(1.0, abs=1e-9)
    assert values[0] == pytest.approx(np.log(0.5) / np.log(1e-10))


def test_a_flat_input_series_is_never_anomalous():
    raw = scores(200)
    raw[150] = 1.0
    flat = small().fit(raw, values=np.full(200, 3.0))
    varying = small().fit(raw, values=np.arange(200.0))
    assert flat.likelihood_[150, 0] < 0.6
    assert varying.likelihood_[150, 0] > 0.99


@settings(max_examples=20, deadline=None)
@given(cuts=st.lists(st.integers(1, 299), max_size=4, unique=True))
def test_partial_fit_over_chunks_equals_one_call(cuts):
    raw = scores(300, seed=1)
    raw[200:205] = 0.9
    whole = small().fit(raw)
    chunked = small()
    got = []
    bounds = [0, *sorted(cuts), 300]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        got.append(chunked.partial_fit(raw[lo:hi]).likelihood_)
    np.testing.assert_array_equal(np.concatenate(got), whole.likelihood_)
    assert chunked.n_samples_seen_ == 300


def test_transform_continues_without_learning_and_pickles_resume():
    raw = scores(300, seed=2)
    al = small().partial_fit(raw[:200])
    before = pickle.dumps(al)
    peek = al.transform(raw[200:])
    assert pickle.dumps(al) == before
    loaded = pickle.loads(before)
    al.partial_fit(raw[200:])
    loaded.partial_fit(raw[200:])
    np.testing.assert_array_equal(peek[:, 0], al.likelihood_[:, 0])
    np.testing.assert_array_equal(peek[:, 1], al.log_likelihood_[:, 0])
    np.testing.assert_array_equal(loaded.likelihood_, al.likelihood_)


def test_continuations_at_a_refit_row_refit_once_and_change_nothing(monkeypatch):
    """A row that refits the normal, scored again and again without being
    learned (a detector's ``score_samples`` on a live stream), refits once;
    each continuation equals learning; the saved state does not change."""
    raw = scores(300, seed=4)
    al = small()
    period = al.reestimation_period
    n = 8 * period  # the next row refits
    al.partial_fit(raw[:n])
    assert al._refits_at(al._streams[0])
    before = pickle.dumps(al)
    fits = []
    real = AnomalyLikelihood._fit_distribution

    def counted(self, stream):
        fits.append(stream.iteration)
        return real(self, stream)

    monkeypatch.setattr(AnomalyLikelihood, "_fit_distribution", counted)
    peeks = [al.transform(raw[n:n + k]) for k in (1, 3, 1, period + 2)]
    assert fits.count(n) == 1  # the row at n: once for every continuation
    assert pickle.dumps(al) == before
    learned = pickle.loads(before).partial_fit(raw[n:n + period + 2])
    for peek in peeks:
        k = peek.shape[0]
        np.testing.assert_array_equal(peek[:, 0], learned.likelihood_[:k, 0])
    monkeypatch.undo()
    al.partial_fit(raw[n:n + period + 2])
    np.testing.assert_array_equal(al.likelihood_, learned.likelihood_)


@pytest.mark.parametrize(
    "bad, values, message",
    [
        (np.array([[0.1], [np.nan]]), None, "NaN"),
        (np.array([[0.1], [1.5]]), None, r"\[0, 1\]"),
        (np.array([[0.1], [-0.1]]), None, r"\[0, 1\]"),
        (np.array([[0.1, 0.2]]), None, "features"),
        (np.array([[0.1], [0.2]]), [[1.0, 2.0], [1.0, 2.0]], "values"),
        (np.array([[0.1], [0.2]]), [1.0], "values"),
        (np.array([[0.1], [0.2]]), [1.0, np.nan], "values"),
    ],
)
def test_bad_input_is_refused_with_the_state_intact(bad, values, message):
    al = small().partial_fit(scores(100))
    before = pickle.dumps(al)
    with pytest.raises(ValueError, match=message):
        al.partial_fit(bad, values=values)
    assert pickle.dumps(al) == before


def test_estimation_samples_beyond_the_history_is_refused():
    with pytest.raises(ValueError, match="estimation_samples"):
        AnomalyLikelihood(estimation_samples=50, historic_window_size=40).fit(scores(10))
