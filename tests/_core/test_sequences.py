"""The rules both Temporal Memories share (sklearn_htm/_core/sequences.py)."""

import warnings

import numpy as np
import pytest

from sklearn_htm import BacktrackingTM, TemporalMemoryTransformer

TMS = [TemporalMemoryTransformer, BacktrackingTM]


def rows(n_rows=12, n_columns=32, n_active=8):
    rng = np.random.default_rng(0)
    X = np.zeros((n_rows, n_columns), dtype=np.uint8)
    for r in range(n_rows):
        X[r, rng.choice(n_columns, n_active, replace=False)] = 1
    return X


@pytest.mark.parametrize("tm", TMS)
def test_min_threshold_above_activation_threshold_is_warned_about(tm):
    with pytest.warns(UserWarning, match="min_threshold=5 exceeds activation_threshold=3: .*"
                                         "Lower min_threshold to at most 3"):
        tm(activation_threshold=3, min_threshold=5, max_new_synapse_count=6).fit(rows())


@pytest.mark.parametrize("tm", TMS)
@pytest.mark.parametrize("thresholds", [(3, 3), (5, 3)])
def test_min_threshold_at_or_below_activation_threshold_is_not(tm, thresholds):
    activation, minimum = thresholds
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tm(activation_threshold=activation, min_threshold=minimum,
           max_new_synapse_count=6).fit(rows())


@pytest.mark.parametrize("tm", TMS)
@pytest.mark.parametrize("name", ["activation_threshold", "min_threshold"])
def test_a_threshold_above_the_synapses_a_segment_grows_is_refused_unfitted(tm, name):
    model = tm(max_new_synapse_count=4, **{"activation_threshold": 4, "min_threshold": 4,
                                           name: 5})
    with pytest.raises(ValueError, match=f"{name}=5 can never be reached: .* = 4 synapses"
                                         f".*lower {name} or raise max_new_synapse_count"):
        model.fit(rows())
    assert not hasattr(model, "n_features_in_")
