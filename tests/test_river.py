"""sklearn_htm.river: river's anomaly detector and forecaster interfaces give
the scikit-learn estimators' scores and forecasts, in river's own loops."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

river = pytest.importorskip("river")

from river import anomaly, compose, evaluate, metrics  # noqa: E402

from sklearn_htm import HTMAnomalyDetector, HTMForecaster  # noqa: E402
from sklearn_htm.river import HTMAnomalyDetector as RiverDetector  # noqa: E402
from sklearn_htm.river import HTMForecaster as RiverForecaster  # noqa: E402

SMALL = dict(minimum=-1.0, maximum=1.0, probation=60, n_columns=256, activation_threshold=4,
             min_threshold=3, random_state=0)
N_ROWS = 260
SPIKE = 230


def series():
    value = np.sin(np.arange(N_ROWS) / 4.0)
    value[SPIKE] = 6.0
    stamps = pd.date_range("2024-03-01", periods=N_ROWS, freq="15min")
    return stamps, value


def river_scores(model, rows):
    """river's loop: score each row, then learn it."""
    scores = []
    for x in rows:
        scores.append(model.score_one(x))
        model.learn_one(x)
    return np.array(scores)


@pytest.mark.parametrize("clock", [True, False])
def test_scores_equal_the_detectors_bit_for_bit(clock):
    stamps, value = series()
    if clock:
        rows = [{"when": t.to_pydatetime(), "level": v} for t, v in zip(stamps, value)]
        model = RiverDetector(HTMAnomalyDetector(**SMALL), value_key="level",
                              timestamp_key="when")
        reference = HTMAnomalyDetector(**SMALL).fit(pd.DataFrame({"timestamp": stamps,
                                                                  "value": value}))
    else:
        rows = [{"level": v} for v in value]
        model = RiverDetector(HTMAnomalyDetector(**SMALL))
        reference = HTMAnomalyDetector(**SMALL).fit(value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = river_scores(model, rows)
    np.testing.assert_array_equal(scores, reference.ranking_score_)
    assert model.detector_.n_samples_seen_ == N_ROWS
    assert np.argmax(scores[SMALL["probation"]:]) + SMALL["probation"] == SPIKE


def test_river_progressive_validation_loop():
    """river's own evaluation loop (score_one, then learn_one) gives the
    ROC AUC of the detector's ranking scores."""
    _, value = series()
    labels = (np.arange(N_ROWS) == SPIKE).astype(int)
    dataset = [({"value": v}, int(y)) for v, y in zip(value, labels)]
    model = RiverDetector(HTMAnomalyDetector(**SMALL))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = evaluate.progressive_val_score(dataset, model, metrics.ROCAUC())
        reference = HTMAnomalyDetector(**SMALL).fit(value).ranking_score_
    expected = metrics.ROCAUC()
    for y, score in zip(labels, reference):
        expected.update(int(y), float(score))
    assert result.get() == expected.get()


def test_pipeline_selects_the_value():
    _, value = series()
    rows = [{"value": v, "noise": float(i % 7)} for i, v in enumerate(value)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        piped = river_scores(compose.Select("value") | RiverDetector(HTMAnomalyDetector(**SMALL)),
                             rows)
        alone = river_scores(RiverDetector(HTMAnomalyDetector(**SMALL), value_key="value"),
                             rows)
    np.testing.assert_array_equal(piped, alone)


@pytest.mark.parametrize("make_filter", [
    lambda detector: anomaly.QuantileFilter(detector, q=0.99),
    lambda detector: anomaly.ThresholdFilter(detector, threshold=1.0),
], ids=["quantile", "threshold"])
def test_filters_flag_the_spike_and_protect_the_detector(make_filter):
    _, value = series()
    model = make_filter(RiverDetector(HTMAnomalyDetector(**SMALL)))
    flagged = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for v in value:
            x = {"value": v}
            flagged.append(model.classify(model.score_one(x)))
            model.learn_one(x)
    flagged = np.array(flagged)
    assert flagged[SPIKE]
    # A protected detector does not learn the rows its filter flags.
    assert model.anomaly_detector.detector_.n_samples_seen_ == N_ROWS - flagged.sum()


def test_clone_starts_afresh_and_keys_are_parameters():
    model = RiverDetector(HTMAnomalyDetector(**SMALL), value_key="v", timestamp_key=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for v in (0.1, 0.2, 0.3):
            model.learn_one({"v": v})
    fresh = model.clone()
    assert fresh.value_key == "v" and fresh.timestamp_key is None
    assert not hasattr(fresh.detector_, "pooler_")
    assert fresh.detector_.get_params() == model.detector_.get_params()


def test_bad_rows_are_refused_and_change_nothing():
    model = RiverDetector(HTMAnomalyDetector(**SMALL))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.learn_one({"value": 0.5})
    with pytest.raises(ValueError, match="value_key"):
        model.learn_one({"a": 1.0, "b": 2.0})
    with pytest.raises(ValueError, match="value_key='level'"):
        RiverDetector(value_key="level").score_one({"value": 1.0})
    with pytest.raises(TypeError, match="dict"):
        model.score_one([0.5])
    with pytest.raises(ValueError, match="NaN"):
        model.learn_one({"value": math.nan})
    with pytest.raises(ValueError, match="timestamps"):  # the stream started without a clock
        model.learn_one({"timestamp": "2024-01-01", "value": 0.5})
    assert model.detector_.n_samples_seen_ == 1
    with pytest.raises(TypeError, match="HTMAnomalyDetector"):
        RiverDetector(detector=HTMForecaster())


def test_forecaster_gives_the_forecasters_forecasts():
    t = np.arange(320)
    value = np.sin(2 * np.pi * t / 10)
    stamps = pd.date_range("2024-01-01", periods=t.shape[0], freq="h")
    config = dict(steps=(1, 2, 3), minimum=-1, maximum=1, n_columns=1024)
    model = RiverForecaster(HTMForecaster(**config), timestamp_key="t")
    reference = HTMForecaster(**config).fit(pd.DataFrame({"timestamp": stamps, "value": value}))
    for stamp, v in zip(stamps, value):
        model.learn_one(float(v), {"t": stamp})
    assert model.forecast(3) == reference.forecast_[-1].tolist()
    assert model.forecast(2) == reference.forecast_[-1, :2].tolist()
    with pytest.raises(ValueError, match=r"steps=tuple\(range\(1, 5\)\)"):
        model.forecast(4)
    with pytest.raises(ValueError, match="horizon"):
        model.forecast(0)


def test_forecaster_in_rivers_evaluation_loop():
    """river's forecasting loop: learn the first rows, then forecast the
    horizon and learn each row; the forecasts are the forecaster's, the
    steps not learned yet filled by the last value."""
    value = np.sin(2 * np.pi * np.arange(120) / 12)
    dataset = [({}, float(v)) for v in value]
    config = dict(steps=(1, 2), minimum=-1, maximum=1, n_columns=1024)
    model = RiverForecaster(HTMForecaster(**config))
    forecasts = [y_pred for _, _, y_pred, _ in
                 evaluate.iter_evaluate(dataset, model, metrics.MAE(), horizon=2)]
    reference = HTMForecaster(**config).fit(value).forecast_
    # The loop learns rows 0 and 1, then forecasts after learning rows
    # 0..r for r = 1, ..., n - 4 (the last forecast's horizon ends the series).
    assert len(forecasts) == value.shape[0] - 4
    expected = reference[1:-3].copy()
    last = value[1:-3, None].repeat(2, axis=1)
    expected[np.isnan(expected)] = last[np.isnan(expected)]
    np.testing.assert_array_equal(np.array(forecasts), expected)
    assert not np.isnan(np.array(forecasts)).any()


def test_forecaster_before_learning_and_refused_configuration():
    model = RiverForecaster(HTMForecaster(steps=(1,), minimum=0, maximum=1))
    assert all(math.isnan(v) for v in model.forecast(1))
    with pytest.raises(TypeError, match="HTMForecaster"):
        RiverForecaster(forecaster=HTMAnomalyDetector())
