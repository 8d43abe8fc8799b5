"""ScalarEncoder: the run of active bits, its resolution, periodic wrap, ranges and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_htm import ScalarEncoder


def codes(encoder, values):
    return encoder.transform(np.asarray(values, dtype=float).reshape(-1, 1)).toarray()


@st.composite
def encoders(draw, periodic=False):
    n_active = draw(st.integers(1, 12))
    size = draw(st.integers(n_active + (0 if periodic else 1), 80))
    low = draw(st.floats(-1e3, 1e3))
    span = draw(st.floats(1e-3, 1e3))
    encoder = ScalarEncoder(n_active=n_active, size=size, minimum=low, maximum=low + span,
                            periodic=periodic)
    return encoder.fit(np.array([[low]])), low, span


@given(encoders(), st.lists(st.floats(0, 1), min_size=1, max_size=20))
def test_every_value_has_n_active_contiguous_bits(setup, fractions):
    encoder, low, span = setup
    bits = codes(encoder, [low + f * span for f in fractions])
    assert (bits.sum(axis=1) == encoder.n_active).all()
    for row in bits:
        active = np.flatnonzero(row)
        assert (np.diff(active) == 1).all()


@given(encoders(), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_overlap_falls_monotonically_with_distance(setup, a, b, c):
    encoder, low, span = setup
    a, b, c = sorted((a, b, c))
    x = codes(encoder, [low + a * span, low + b * span, low + c * span])
    assert x[0] @ x[2] <= x[0] @ x[1] and x[0] @ x[2] <= x[1] @ x[2]


def test_values_a_resolution_apart_share_all_but_one_bit():
    encoder = ScalarEncoder(n_active=10, resolution=0.5, minimum=0, maximum=20).fit([[0.0]])
    assert encoder.resolutions_[0] == 0.5
    x = codes(encoder, [3.0, 3.5, 8.0])
    assert x[0] @ x[1] == 9 and x[0] @ x[2] == 0


@given(encoders(periodic=True), st.floats(0, 1), st.integers(-3, 3))
def test_periodic_codes_wrap(setup, fraction, turns):
    encoder, low, span = setup
    value = low + fraction * span
    shifted = value + turns * span
    if not np.isclose(np.mod(shifted - low, span), np.mod(value - low, span), atol=0):
        return  # float rounding moved the value; nothing to compare
    x = codes(encoder, [value, shifted])
    assert (x[0] == x[1]).all() and x[0].sum() == encoder.n_active


def test_periodic_ends_are_neighbours():
    hours = ScalarEncoder(n_active=4, size=24, minimum=0, maximum=24, periodic=True).fit([[0]])
    x = codes(hours, [23.0, 0.0, 1.0, 12.0])
    assert x[0] @ x[1] == 3 and x[1] @ x[2] == 3 and x[1] @ x[3] == 0


def test_out_of_range_values_are_refused_or_clipped():
    strict = ScalarEncoder(n_active=3, size=10, minimum=0, maximum=1).fit([[0.5]])
    with pytest.raises(ValueError, match="clip_input=True"):
        strict.transform([[1.5]])
    clipped = ScalarEncoder(n_active=3, size=10, minimum=0, maximum=1, clip_input=True).fit([[0]])
    np.testing.assert_array_equal(codes(clipped, [1.5, -2]), codes(clipped, [1, 0]))


def test_nan_and_infinity_are_refused():
    encoder = ScalarEncoder(n_active=3, size=10).fit([[0.0], [1.0]])
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="NaN|infinity"):
            encoder.transform([[bad]])


def test_learned_ranges_are_per_column_and_grow_with_partial_fit():
    encoder = ScalarEncoder(n_active=2, size=10)
    encoder.partial_fit([[0.0, 100.0], [1.0, 50.0]])
    encoder.partial_fit([[-1.0, 70.0]])
    np.testing.assert_array_equal(encoder.data_min_, [-1.0, 50.0])
    np.testing.assert_array_equal(encoder.data_max_, [1.0, 100.0])
    assert encoder.transform([[0.0, 60.0]]).shape == (1, 20)


def test_a_range_of_one_value_is_warned_about_and_errors_name_the_column():
    pd = pytest.importorskip("pandas")
    with pytest.warns(UserWarning, match="zero width"):
        encoder = ScalarEncoder(n_active=2, size=10).fit(pd.DataFrame({"temp": [5.0]}))
    with pytest.raises(ValueError, match=r"Column 'temp' .*first: 5.1"):
        encoder.transform(pd.DataFrame({"temp": [5.1]}))


def test_a_failed_partial_fit_changes_nothing():
    encoder = ScalarEncoder(n_active=2, size=10).fit([[0.0], [1.0]])
    before = (encoder.data_min_.copy(), encoder.data_max_.copy(), encoder.offsets_.copy())
    with pytest.raises(ValueError):
        encoder.partial_fit([[np.nan]])
    with pytest.raises(ValueError):
        encoder.partial_fit([[0.0, 1.0]])
    for saved, now in zip(before, (encoder.data_min_, encoder.data_max_, encoder.offsets_)):
        np.testing.assert_array_equal(saved, now)


@pytest.mark.parametrize("params, message", [
    (dict(size=10, resolution=1.0), "not both"),
    (dict(size=2, n_active=3), "cannot hold"),
    (dict(resolution=1.0, periodic=True, minimum=0, maximum=2, n_active=5), "fewer than"),
    (dict(minimum=2, maximum=1), "below"),
    (dict(resolution=1e-9, minimum=0, maximum=1), "coarser"),
])
def test_configurations_that_cannot_work_are_refused(params, message):
    with pytest.raises(ValueError, match=message):
        ScalarEncoder(**params).fit([[1.5]])


@parametrize_with_checks([ScalarEncoder(n_active=3, size=20, clip_input=True)])
def test_sklearn_compatible(estimator, check):
    # clip_input=True: the common checks transform data outside the range
    # fitted on, which the default (htm.core's) refuses by design.
    check(estimator)
