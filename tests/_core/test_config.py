from typing import NamedTuple

import numpy as np
import pytest

from sklearn_htm._core.config import config_from_params
from sklearn_htm.backtracking_tm import BacktrackingTM
from sklearn_htm.backtracking_tm._config import BTMConfig
from sklearn_htm.temporal_memory import TemporalMemoryTransformer
from sklearn_htm.temporal_memory._config import TMConfig


class _Config(NamedTuple):
    width: int
    count: int
    rate: np.float32


def test_fields_are_converted_to_their_annotated_type():
    config = config_from_params(
        _Config, {"n_count": 3.0, "rate": 0.1}, {"count": "n_count"}, width=np.int64(7)
    )
    assert config == (7, 3, np.float32(0.1))
    assert type(config.width) is int and type(config.count) is int
    assert type(config.rate) is np.float32


def test_a_missing_parameter_names_itself():
    with pytest.raises(KeyError, match="rate"):
        config_from_params(_Config, {"count": 1}, width=2)


@pytest.mark.parametrize(
    "estimator, config_type",
    [(TemporalMemoryTransformer(), TMConfig), (BacktrackingTM(), BTMConfig)],
    ids=["TemporalMemoryTransformer", "BacktrackingTM"],
)
def test_every_field_of_a_layer_config_comes_from_a_parameter(estimator, config_type):
    params = estimator.get_params(deep=False)
    config = config_type.from_params(params, 64)
    assert config.n_columns == 64
    assert config.cells_per_column == params["n_cells_per_column"]
    assert config.activation_threshold == params["activation_threshold"]
    assert config.connected_threshold == np.float32(params["connected_threshold"])
    assert all(isinstance(value, (int, np.float32)) for value in config)
