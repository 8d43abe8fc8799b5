"""Checks shared by the estimators (sklearn_htm.utils._validation)."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sklearn_htm import (
    DateEncoder,
    GreyscaleEncoder,
    ScalarEncoder,
    SpatialPoolerTransformer,
    TemporalMemoryTransformer,
)


@pytest.mark.parametrize(
    "estimator, X",
    [
        (SpatialPoolerTransformer(n_columns=32, dtype=np.float16), np.eye(8)),
        (TemporalMemoryTransformer(n_cells_per_column=2, activation_threshold=1,
                                   min_threshold=1, dtype=np.float16), np.eye(8)),
        (GreyscaleEncoder(n_bits=2, dtype=np.float16), np.eye(8)),
        (ScalarEncoder(n_active=3, size=20, dtype=np.float16), np.arange(5.0)[:, None]),
        (DateEncoder(dtype=np.float16), np.array([["2024-01-01"]])),
    ],
)
def test_float16_is_refused_with_sparse_output_and_works_dense(estimator, X):
    # scipy.sparse cannot hold float16 (its toarray() raises): refused up front.
    with pytest.raises(ValueError, match="float16.*sparse_output"):
        estimator.fit(X)
    dense = estimator.set_params(sparse_output=False).fit(X).transform(X)
    assert dense.dtype == np.float16 and set(np.unique(dense)) <= {0, 1}


def test_float32_sparse_output_still_works():
    X = load_digits().data[:20]
    out = GreyscaleEncoder(n_bits=2, value_range=(0, 16), dtype=np.float32).fit_transform(X)
    assert out.dtype == np.float32 and out.toarray().shape == (20, 128)
