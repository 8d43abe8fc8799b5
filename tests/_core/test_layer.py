"""The layers' skeleton (sklearn_htm/_core/layer.py): what every layer
inherits from it, checked on each."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sklearn_htm import BacktrackingTM, SpatialPoolerTransformer, TemporalMemoryTransformer
from sklearn_htm._core.layer import check_unchanged

LAYERS = {
    "pooler": lambda: SpatialPoolerTransformer(n_columns=32, random_state=0),
    "tm": lambda: TemporalMemoryTransformer(n_cells_per_column=2, activation_threshold=2,
                                            min_threshold=1, max_new_synapse_count=4,
                                            random_state=0),
    "btm": lambda: BacktrackingTM(n_cells_per_column=2, activation_threshold=2,
                                  min_threshold=1, max_new_synapse_count=4,
                                  random_state=0),
}
ATTRIBUTES = {
    "pooler": ["n_samples_seen_", "permanences_", "boost_factors_", "n_columns_"],
    "tm": ["n_samples_seen_", "active_cells_", "predictive_cells_", "n_segments_", "n_cells_"],
    "btm": ["n_samples_seen_", "active_cells_", "predictive_cells_", "n_segments_", "n_cells_"],
}


def rows(n=6, width=16, seed=0):
    return (np.random.RandomState(seed).rand(n, width) < 0.4).astype(np.float64)


@pytest.mark.parametrize("layer", LAYERS)
def test_fitted_attributes_of_an_unfitted_layer_raise_not_fitted(layer):
    estimator = LAYERS[layer]()
    for name in ATTRIBUTES[layer]:
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(estimator, name)
        assert not hasattr(estimator, name)
    with pytest.raises(AttributeError, match="no attribute 'typo'"):
        estimator.typo  # noqa: B018  (not a fitted attribute: a plain AttributeError)


@pytest.mark.parametrize("layer", LAYERS)
def test_a_fitted_layer_has_them(layer):
    estimator = LAYERS[layer]().fit(rows())
    for name in ATTRIBUTES[layer]:
        getattr(estimator, name)
    assert estimator.n_samples_seen_ == 6
    if layer != "pooler":  # the Temporal Memories' shared interface
        assert estimator.n_cells_ == 16 * 2
        cells = estimator.active_cells_
        assert cells.dtype.kind == "i" and np.all(np.diff(cells) > 0)
        assert np.all(cells < estimator.n_cells_)


def test_the_refusal_names_only_the_parameters_changed():
    pooler = LAYERS["pooler"]().fit(rows())
    pooler.set_params(n_columns=64)
    with pytest.raises(ValueError) as error:
        pooler.partial_fit(rows())
    message = str(error.value)
    assert "n_columns=64" in message and "input_shape" not in message
    assert "cannot change mid-stream" in message


def test_check_unchanged_names_each_changed_parameter():
    class Model:
        a, b, c = 1, "x", None

    model = Model()
    check_unchanged(model, {"a": 1, "b": "x", "c": None}, "model")
    model.a, model.c = 2, 3
    with pytest.raises(ValueError, match=r"started with a=1, c=None; changing a=2, c=3"):
        check_unchanged(model, {"a": 1, "b": "x", "c": None}, "model")


@pytest.mark.parametrize("layer", ["tm", "btm"])
def test_a_refused_start_leaves_the_layer_unstarted(layer):
    """``_begin`` (the inner path's start) is all or nothing: a caller that
    retries after a refusal gets the same refusal, not a half-started layer."""
    estimator = LAYERS[layer]().set_params(activation_threshold=9)  # above the 4 it grows
    for _ in range(2):
        with pytest.raises(ValueError, match="activation_threshold=9 can never be reached"):
            estimator._begin(16)
        assert not hasattr(estimator, "n_features_in_")
        assert not hasattr(estimator, "_state")
