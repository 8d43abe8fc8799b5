"""HTMForecaster: forecasts that lead the stream, never see their value,
do not depend on how the rows are split, and bad input."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_htm import HTMForecaster

N_ROWS = 700


@pytest.fixture(scope="module")
def cycle():
    """A value cycle of 7 rows, a row every 7 minutes."""
    stamps = pd.date_range("2024-01-01", periods=N_ROWS, freq="7min")
    return pd.DataFrame({"timestamp": stamps, "value": (np.arange(N_ROWS) % 7) * 10.0})


def forecaster(**params):
    defaults = dict(steps=(1, 2), minimum=0, maximum=70, n_buckets=7, alpha=0.1)
    defaults.update(params)
    return HTMForecaster(**defaults)


@pytest.fixture(scope="module")
def fitted(cycle):
    return forecaster().fit(cycle)


def test_a_learned_cycle_is_forecast_one_and_two_rows_ahead(cycle, fitted):
    values = cycle["value"].to_numpy()
    rows = np.arange(N_ROWS - 100, N_ROWS - 2)
    for k, step in enumerate((1, 2)):
        close = np.abs(fitted.forecast_[rows, k] - values[rows + step]) < 2.0
        assert close.mean() > 0.9
    low, high = fitted.forecast_interval_[rows, 0, 0], fitted.forecast_interval_[rows, 0, 1]
    inside = (low <= values[rows + 1]) & (values[rows + 1] <= high)
    assert inside.mean() > 0.9 and (low <= high).all()


def test_no_forecast_before_a_step_has_learned(fitted):
    """Step s's classifier first learns at row s, after that row's forecast."""
    assert np.isnan(fitted.forecast_[:2, 0]).all() and np.isnan(fitted.forecast_[:3, 1]).all()
    assert not np.isnan(fitted.forecast_[3:, :]).any()
    np.testing.assert_allclose(fitted.forecast_proba_[3:].sum(axis=2), 1.0)


def test_one_row_calls_forecast_as_one_call(cycle, fitted):
    stream = forecaster()
    forecasts = []
    for i in range(200):
        stream.partial_fit(cycle.iloc[i:i + 1])
        forecasts.append(stream.forecast_[0])
    np.testing.assert_array_equal(np.array(forecasts), fitted.forecast_[:200])


def test_a_forecast_never_sees_the_value_it_forecasts(cycle):
    changed = cycle.copy()
    changed.loc[300:, "value"] = 35.0
    a = forecaster().fit(cycle.iloc[:320])
    b = forecaster().fit(changed.iloc[:320])
    np.testing.assert_array_equal(a.forecast_[:300], b.forecast_[:300])
    assert not np.array_equal(a.forecast_[300:], b.forecast_[300:])


def test_predict_is_the_next_forecast_and_changes_nothing(cycle):
    model = forecaster().fit(cycle.iloc[:400])
    before = pickle.dumps(model)
    predicted = model.predict(cycle.iloc[400:403])
    assert pickle.dumps(model) == before
    model.partial_fit(cycle.iloc[400:401])
    np.testing.assert_array_equal(predicted[0], model.forecast_[0])


@pytest.mark.parametrize("bad, message", [
    (pd.DataFrame({"timestamp": ["2024-02-01"], "value": [np.nan]}), "finite"),
    (pd.DataFrame({"timestamp": ["not a date"], "value": [1.0]}), "timestamp"),
    (pd.DataFrame({"timestamp": [], "value": []}), "no rows"),
])
def test_bad_input_is_refused_and_changes_nothing(fitted, bad, message):
    before = pickle.dumps(fitted)
    with pytest.raises(ValueError, match=message):
        fitted.partial_fit(bad)
    assert pickle.dumps(fitted) == before


def test_a_sensor_sentinel_is_learned_with_its_call(cycle):
    # A huge finite value is encoded as the value encoder's edge bucket and
    # falls in the top bucket; the rows before it forecast as without it.
    stream = cycle.iloc[:420].copy()
    stream.loc[410, "value"] = 1e300
    model = forecaster().fit(stream.iloc[:400]).partial_fit(stream.iloc[400:])
    clean = forecaster().fit(cycle.iloc[:420])
    np.testing.assert_array_equal(model.forecast_[:11], clean.forecast_[400:411])
    assert np.isfinite(model.forecast_).all()
    assert model.bucket_values_[-1] > 1e299  # the top bucket averaged it in


def test_forecasts_follow_the_order_of_steps(cycle, fitted):
    reversed_steps = forecaster(steps=(2, 1)).fit(cycle.iloc[:300])
    np.testing.assert_array_equal(reversed_steps.forecast_[:, ::-1], fitted.forecast_[:300])


@pytest.mark.parametrize("steps", [(0,), (), (1.5,), ((1, 2),), (1, 1)])
def test_steps_must_be_positive_integers(cycle, steps):
    with pytest.raises(ValueError, match="steps"):
        forecaster(steps=steps).fit(cycle.iloc[:10])


def test_a_range_from_a_short_first_call_is_warned_about(cycle):
    with pytest.warns(UserWarning, match="range"):
        HTMForecaster().fit(cycle.iloc[:20])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forecaster().fit(cycle.iloc[:20])


@pytest.mark.parametrize("when", ["before", "after"])
def test_an_interrupted_call_keeps_whole_rows_as_if_only_they_were_given(cycle, when):
    """Ctrl-C inside the Temporal Memory's learning of row 40 of a call: the
    row is completed in every part, the interruption goes on, and the model
    continues exactly as one given rows 0 to 40 only."""
    first, stop = cycle.iloc[:300], 40
    model = forecaster().fit(first)
    tm = model.temporal_memory_
    learn = tm._partial_fit_rows
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == stop + 1:
            if when == "after":
                learn(*args, **kwargs)
            raise KeyboardInterrupt
        return learn(*args, **kwargs)

    tm._partial_fit_rows = interrupted
    with pytest.raises(KeyboardInterrupt):
        model.partial_fit(cycle.iloc[300:400])
    del tm._partial_fit_rows
    reference = forecaster().fit(first).partial_fit(cycle.iloc[300:300 + stop + 1])
    assert model.n_samples_seen_ == reference.n_samples_seen_ == 300 + stop + 1
    np.testing.assert_array_equal(model.forecast_, reference.forecast_)
    rest = cycle.iloc[300 + stop + 1:500]
    model.partial_fit(rest)
    reference.partial_fit(rest)
    np.testing.assert_array_equal(model.forecast_, reference.forecast_)
    np.testing.assert_array_equal(model.forecast_proba_, reference.forecast_proba_)


@pytest.mark.parametrize("name, value", [("steps", (1, 3)), ("n_buckets", 8),
                                         ("maximum", 80), ("time_of_day", (21, 1.0)),
                                         ("random_state", 7)])
def test_a_structural_parameter_cannot_change_mid_stream(cycle, name, value):
    model = forecaster().fit(cycle.iloc[:50])
    before = pickle.dumps(model)
    model.set_params(**{name: value})
    for call in (model.partial_fit, model.predict):
        with pytest.raises(ValueError, match=f"{name}=.*cannot change mid-stream"):
            call(cycle.iloc[50:60])
    model.set_params(**{name: forecaster().get_params()[name]})
    assert pickle.dumps(model) == before


def test_a_changed_learning_rate_applies_from_the_next_call(cycle):
    changed = forecaster().fit(cycle.iloc[:300])
    changed.set_params(alpha=0.5).partial_fit(cycle.iloc[300:400])
    fresh = forecaster(alpha=0.5).fit(cycle.iloc[:300])
    kept = forecaster().fit(cycle.iloc[:300]).partial_fit(cycle.iloc[300:400])
    assert all(c.alpha == 0.5 for c in changed.classifiers_)
    assert not np.array_equal(changed.forecast_, kept.forecast_)
    assert not np.array_equal(changed.classifiers_[0].weights_, fresh.classifiers_[0].weights_)


def test_without_date_codes_the_values_carry_the_sequence(cycle):
    """No date code (a stream without a calendar cycle): the pooler reads the
    value code alone, and the cycle is still forecast."""
    model = forecaster(steps=(1,), time_of_day=None, day_of_week=None).fit(cycle)
    values = cycle["value"].to_numpy()
    assert model.pooler_.n_features_in_ == 400  # the value code's bits only
    close = np.abs(model.forecast_[-100:-1, 0] - values[-99:]) < 2.0
    assert close.mean() > 0.8


def test_rows_that_go_back_in_time_are_warned_about(cycle):
    model = forecaster().fit(cycle.iloc[100:200])
    with pytest.warns(UserWarning, match="1 row.s. go back in time: the forecaster"):
        model.partial_fit(cycle.iloc[50:60])
    with pytest.warns(UserWarning, match="9 row.s. go back in time"):
        forecaster().fit(cycle.iloc[300:310].iloc[::-1])


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_warnings_point_at_the_callers_line(cycle, method):
    with pytest.warns(UserWarning, match="value range") as caught:
        getattr(HTMForecaster(), method)(cycle.iloc[:20])
    model = forecaster().fit(cycle.iloc[100:200])
    with pytest.warns(UserWarning, match="back in time") as backwards:
        getattr(model, "partial_fit")(cycle.iloc[50:60])
    for record in (*caught, *backwards):
        if "value range" in str(record.message) or "back in time" in str(record.message):
            assert record.filename == __file__
