"""Models saved by sklearn-htm 0.1.0 (before the spatial pooler became a
subpackage) load, transform and keep learning exactly as they did then.

The pickles, a skops file and the outputs that version computed are in
``tests/data/legacy_0_1_0`` (written at commit 48e8be8 by
``tests/data/make_legacy_pickles.py``, and the skops file by the same
steps with ``skops.io.dumps``: a 64-column pooler fitted on the first 100
encoded digits, its SDRs of digits 200-239).
"""

import pathlib
import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sklearn_htm import GreyscaleEncoder

FOLDER = pathlib.Path(__file__).parent.parent / "data" / "legacy_0_1_0"


@pytest.fixture(scope="module")
def digit_bits():
    X, _ = load_digits(return_X_y=True)
    return GreyscaleEncoder(n_bits=4, value_range=(0, 16)).fit_transform(X)


@pytest.mark.parametrize("name", ["global", "local"])
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_pickle_of_version_0_1_loads_and_continues_exactly(digit_bits, name, backend):
    expected = np.load(FOLDER / f"{name}_expected.npz")
    pooler = pickle.loads((FOLDER / f"{name}.pkl").read_bytes())
    pooler.set_params(backend=backend)
    test, more = digit_bits[200:260], digit_bits[260:300]
    np.testing.assert_array_equal(pooler.transform(test).toarray(), expected["sdr"])
    pooler.partial_fit(more)
    np.testing.assert_array_equal(pooler.permanences_.data, expected["permanences_after"])
    np.testing.assert_array_equal(pooler.boost_factors_, expected["boost_after"])
    np.testing.assert_array_equal(pooler.transform(test).toarray(), expected["sdr_after"])


@pytest.mark.parametrize("name", ["global", "local"])
def test_loaded_pickle_has_todays_structure(name):
    pooler = pickle.loads((FOLDER / f"{name}.pkl").read_bytes())
    structure = pooler._structure
    assert pooler.column_shape_ == structure.column_shape
    assert (structure.neighbourhoods is None) == (name == "global")
    # Saved again, it names today's classes and loads without the old layout.
    again = pickle.loads(pickle.dumps(pooler))
    assert again._structure.key == structure.key
    assert b"sklearn_htm._state" not in pickle.dumps(pooler)


def test_skops_file_of_version_0_1_loads_with_load_skops(digit_bits):
    pytest.importorskip("skops.io")
    from sklearn_htm.persistence import load_skops

    pooler = load_skops(FOLDER / "global_64.skops")
    expected = np.load(FOLDER / "global_64_skops_expected.npz")["sdr"]
    np.testing.assert_array_equal(pooler.transform(digit_bits[200:240]).toarray(), expected)


def test_greyscale_encoder_of_version_0_1_loads_and_encodes_the_same():
    X, _ = load_digits(return_X_y=True)
    encoder = pickle.loads((FOLDER / "greyscale.pkl").read_bytes())
    expected = np.load(FOLDER / "greyscale_expected.npy")
    np.testing.assert_array_equal(encoder.transform(X[50:60]).toarray(), expected)
    assert encoder.get_feature_names_out()[-1] == "x63_3"
