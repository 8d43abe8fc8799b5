"""Models saved before a parameter existed load with the value that keeps
their behaviour (:mod:`sklearn_htm._core.saved`)."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator

from sklearn_htm import BacktrackingTM, HTMAnomalyDetector
from sklearn_htm._core.saved import AddedParamsMixin


class _Model(AddedParamsMixin, BaseEstimator):
    _added_params = {"added": "as before"}

    def __init__(self, kept=1, added="new default"):
        self.kept = kept
        self.added = added


def _saved_before(model, *names):
    """``model`` as a pickle of a version without the parameters ``names``."""
    state = pickle.loads(pickle.dumps(model)).__getstate__()  # nothing shared
    for name in names:
        del state[name]
    old = object.__new__(type(model))
    return old, state


def test_a_missing_parameter_gets_the_value_of_before_and_others_stay():
    old, state = _saved_before(_Model(kept=5, added="chosen"), "added")
    old.__setstate__(state)
    assert old.get_params() == {"kept": 5, "added": "as before"}
    again = pickle.loads(pickle.dumps(_Model(kept=5, added="chosen")))
    assert again.get_params() == {"kept": 5, "added": "chosen"}


def test_a_backtracking_tm_saved_before_global_decay_continues_without_it():
    rng = np.random.RandomState(3)
    rows = (rng.rand(90, 16) < 0.3).astype(np.uint8)
    params = dict(n_cells_per_column=3, activation_threshold=2, min_threshold=1,
                  max_new_synapse_count=3, max_synapses_per_segment=4, random_state=0)
    tm = BacktrackingTM(global_decay=0.0, **params).fit(rows[:40])
    old, state = _saved_before(tm, "global_decay", "max_age")
    old.__setstate__(state)
    assert (old.global_decay, old.max_age) == (0.0, 100_000)
    np.testing.assert_array_equal(old.partial_fit(rows[40:]).anomaly_,
                                  tm.partial_fit(rows[40:]).anomaly_)


def test_a_detector_saved_before_max_segments_per_cell_keeps_128():
    frame = pd.DataFrame({"timestamp": pd.date_range("2024-01-01", periods=60, freq="h"),
                          "value": np.sin(np.arange(60) / 3.0)})
    detector = HTMAnomalyDetector(minimum=-1, maximum=1, random_state=0).fit(frame[:30])
    old, state = _saved_before(detector, "max_segments_per_cell")
    old.__setstate__(state)
    assert old.max_segments_per_cell is None
    assert old._temporal_memory().max_segments_per_cell == 128
    np.testing.assert_array_equal(old.partial_fit(frame[30:]).anomaly_score_,
                                  detector.partial_fit(frame[30:]).anomaly_score_)


@pytest.mark.parametrize("model", [BacktrackingTM(), HTMAnomalyDetector()])
def test_every_added_parameter_is_a_parameter(model):
    assert set(model._added_params) <= set(model.get_params())
