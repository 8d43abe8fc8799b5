"""sklearn_htm.pyod: a PyOD detector of one series whose scores are the HTM
detector's, accepted by aeon's PyOD adapter."""

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyod")

from pyod.models.base import BaseDetector  # noqa: E402
from sklearn.base import clone  # noqa: E402

from sklearn_htm import HTMAnomalyDetector  # noqa: E402
from sklearn_htm.pyod import HTMDetector  # noqa: E402

SMALL = dict(probation=60, n_columns=256, activation_threshold=4, min_threshold=3,
             random_state=0)
N_ROWS = 300
SPIKE = 250


def series(n_rows=N_ROWS):
    value = np.sin(np.arange(n_rows) / 4.0)
    value[SPIKE] = 6.0
    return value


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_fit_keeps_the_detectors_scores_and_pyods_threshold():
    value = series()
    model = HTMDetector(HTMAnomalyDetector(**SMALL), contamination=0.02).fit(value[:, None])
    assert isinstance(model, BaseDetector)
    reference = HTMAnomalyDetector(**SMALL).fit(value)
    np.testing.assert_array_equal(model.decision_scores_, reference.ranking_score_)
    assert model.threshold_ == np.percentile(reference.ranking_score_, 98)
    np.testing.assert_array_equal(model.labels_,
                                  (reference.ranking_score_ > model.threshold_).astype(int))
    assert model.labels_[SPIKE] == 1


def test_decision_function_scores_a_continuation_and_the_fitted_rows_as_fit_did():
    value = np.sin(np.arange(400) / 4.0)
    value[350] = 6.0
    model = HTMDetector(HTMAnomalyDetector(**SMALL)).fit(value[:300, None])
    np.testing.assert_array_equal(model.decision_function(value[:300, None]),
                                  model.decision_scores_)
    reference = HTMAnomalyDetector(**SMALL).fit(value[:300])
    continuation = model.decision_function(value[300:])
    np.testing.assert_array_equal(continuation, -reference.score_samples(value[300:]))
    assert np.argmax(continuation) == 50
    np.testing.assert_array_equal(model.predict(value[300:]),
                                  (continuation > model.threshold_).astype(int))
    assert model.detector_.n_samples_seen_ == 300  # scoring learned nothing


def test_timestamped_frames_and_parameters():
    value = series()
    stamps = pd.date_range("2024-01-01", periods=N_ROWS, freq="5min")
    frame = pd.DataFrame({"timestamp": stamps, "value": value})
    model = HTMDetector(HTMAnomalyDetector(**SMALL)).fit(frame)
    reference = HTMAnomalyDetector(**SMALL).fit(frame)
    np.testing.assert_array_equal(model.decision_scores_, reference.ranking_score_)
    np.testing.assert_array_equal(model.decision_function(frame), model.decision_scores_)
    copy = clone(model)
    assert copy.get_params()["detector__probation"] == SMALL["probation"]
    assert not hasattr(copy, "decision_scores_")


def test_refusals():
    with pytest.raises(ValueError, match="window_size=1"):
        HTMDetector().fit(np.zeros((50, 10)))
    with pytest.raises(TypeError, match="HTMAnomalyDetector"):
        HTMDetector(detector="htm").fit(series()[:, None])
    with pytest.raises(ValueError, match="contamination"):
        HTMDetector(contamination=0.9)
    model = HTMDetector(HTMAnomalyDetector(**SMALL)).fit(series()[:, None])
    with pytest.raises(ValueError, match="NaN"):
        model.decision_function(np.array([[np.nan]]))
    assert model.detector_.n_samples_seen_ == N_ROWS


def test_aeons_pyod_adapter_accepts_it():
    """aeon requires a real PyOD BaseDetector; its unsupervised path gives the
    training scores, its semi-supervised path scores a continuation."""
    series_module = pytest.importorskip("aeon.anomaly_detection.series")
    value = np.sin(np.arange(400) / 4.0)
    value[350] = 6.0
    detector = HTMDetector(HTMAnomalyDetector(**SMALL), contamination=0.01)
    scores = series_module.PyODAdapter(detector, window_size=1).fit_predict(value)
    reference = HTMDetector(HTMAnomalyDetector(**SMALL)).fit(value[:, None])
    np.testing.assert_array_equal(scores, reference.decision_scores_)
    adapter = series_module.PyODAdapter(detector, window_size=1).fit(value[:300])
    continuation = adapter.predict(value[300:])
    assert np.argmax(continuation) == 50
