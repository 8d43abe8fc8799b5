import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sklearn_htm import SpatialPoolerTransformer, TemporalMemoryTransformer
from sklearn_htm._core.attributes import forwarded


class _Holder:
    values = forwarded("inner.values", copy=True)
    size = forwarded("inner.values.size")

    def __init__(self, values):
        self.inner = type("Inner", (), {})()
        self.inner.values = values


def test_a_forwarded_attribute_reads_through_the_path():
    holder = _Holder(np.arange(3))
    assert holder.size == 3
    np.testing.assert_array_equal(holder.values, [0, 1, 2])


def test_a_copied_attribute_does_not_change_with_the_state():
    holder = _Holder(np.arange(3))
    seen = holder.values
    holder.inner.values[0] = 9
    assert seen[0] == 0


def test_a_forwarded_attribute_is_read_only():
    with pytest.raises(AttributeError):
        _Holder(np.arange(3)).size = 4


@pytest.mark.parametrize(
    "estimator, name",
    [(SpatialPoolerTransformer(), "boost_factors_"), (TemporalMemoryTransformer(), "n_cells_")],
)
def test_an_unfitted_layer_raises_not_fitted(estimator, name):
    with pytest.raises(NotFittedError):
        getattr(estimator, name)
    assert not hasattr(estimator, name)
