"""GreyscaleEncoder: bucket rule, encodings, ranges and bad input."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sklearn_htm import GreyscaleEncoder
from sklearn_htm.encoders import _greyscale as greyscale


def expected_bucket(value, low, high, n_bits):
    """The documented rule, one scalar at a time."""
    value = min(max(value, low), high)
    return min(int((value - low) / (high - low) * n_bits), n_bits - 1)


@given(
    images=hnp.arrays(np.uint8, st.tuples(st.integers(1, 5), st.integers(1, 9))),
    n_bits=st.integers(1, 8),
)
def test_uint8_images_one_hot(images, n_bits):
    bits = GreyscaleEncoder(n_bits=n_bits, value_range=(0, 255)).fit_transform(images)
    assert sp.issparse(bits)
    dense = bits.toarray().reshape(images.shape[0], images.shape[1], n_bits)
    np.testing.assert_array_equal(dense.sum(axis=2), 1)  # one active bit per pixel
    for (row, col), value in np.ndenumerate(images):
        assert dense[row, col].argmax() == expected_bucket(int(value), 0, 255, n_bits)


UNIT_IMAGES = hnp.arrays(
    np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)), elements=st.floats(0.0, 1.0)
)


def encode_unit_images(images, n_bits, encoding):
    """Dense codes of values in [0, 1], one block of bits per pixel."""
    encoder = GreyscaleEncoder(
        n_bits=n_bits, value_range=(0.0, 1.0), encoding=encoding, sparse_output=False
    )
    return encoder, encoder.fit_transform(images).reshape(*images.shape, -1)


@given(images=UNIT_IMAGES, n_bits=st.integers(1, 6))
def test_thermometer_sets_every_bucket_up_to_the_value(images, n_bits):
    _, dense = encode_unit_images(images, n_bits, "thermometer")
    for (row, col), value in np.ndenumerate(images):
        bucket = expected_bucket(value, 0.0, 1.0, n_bits)
        np.testing.assert_array_equal(dense[row, col], np.arange(n_bits) <= bucket)


@given(images=UNIT_IMAGES, n_bits=st.integers(2, 6))
def test_complement_is_the_thermometer_above_each_threshold_and_its_complement(images, n_bits):
    encoder, bits = encode_unit_images(images, n_bits, "complement")
    assert bits.shape == (*images.shape, 2 * (n_bits - 1))
    pairs = bits.reshape(*images.shape, n_bits - 1, 2)
    np.testing.assert_array_equal(pairs.sum(axis=3), 1)  # below xor at-or-above
    for (row, col), value in np.ndenumerate(images):
        bucket = expected_bucket(value, 0.0, 1.0, n_bits)
        # Threshold t lies between buckets t and t + 1.
        np.testing.assert_array_equal(pairs[row, col, :, 1], np.arange(n_bits - 1) < bucket)
    np.testing.assert_array_equal(np.diff(encoder.offsets_), 2 * (n_bits - 1))


def test_complement_needs_two_buckets():
    with pytest.raises(ValueError, match="n_bits >= 2"):
        GreyscaleEncoder(n_bits=1, encoding="complement").fit(np.array([[0.0, 1.0]]))


def test_digits_range_and_the_seed_rule(digits):
    X, _ = digits
    bits = GreyscaleEncoder(n_bits=4, value_range=(0, 16), sparse_output=False).fit_transform(X)
    assert bits.shape == (X.shape[0], 64 * 4)
    # The blog post's rule: min(int(v / max * n_bits), n_bits - 1).
    buckets = np.minimum((X / 16 * 4).astype(int), 3)
    np.testing.assert_array_equal(bits.reshape(-1, 64, 4).argmax(axis=2), buckets)


def test_learned_range_and_partial_fit_growth():
    encoder = GreyscaleEncoder(n_bits=2).fit(np.array([[2.0, 4.0], [3.0, 6.0]]))
    assert (encoder.data_min_, encoder.data_max_) == (2.0, 6.0)
    encoder.partial_fit(np.array([[0.0, 5.0]]))
    assert (encoder.data_min_, encoder.data_max_) == (0.0, 6.0)
    encoder.fit(np.array([[1.0, 1.5]]))  # fit starts again
    assert (encoder.data_min_, encoder.data_max_) == (1.0, 1.5)


def test_out_of_range_values_are_clipped_or_refused():
    X = np.array([[-5.0, 20.0, 8.0]])
    clipped = GreyscaleEncoder(n_bits=4, value_range=(0, 16), sparse_output=False)
    out = clipped.fit_transform(X).reshape(3, 4)
    np.testing.assert_array_equal(out.argmax(axis=1), [0, 3, 2])
    strict = GreyscaleEncoder(n_bits=4, value_range=(0, 16), handle_out_of_range="error")
    strict.fit(np.array([[0.0, 16.0, 1.0]]))
    with pytest.raises(ValueError, match="outside the range"):
        strict.transform(X)


def test_constant_data_maps_to_the_first_bucket():
    out = GreyscaleEncoder(n_bits=3, sparse_output=False).fit_transform(np.full((2, 2), 7.0))
    np.testing.assert_array_equal(out, np.tile([1.0, 0.0, 0.0], (2, 2)))


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(value_range=(5, 5)), "value_range"),
        (dict(value_range=(0, np.inf)), "value_range"),
        (dict(value_range=(1, 2, 3)), "value_range"),
        (dict(n_bits=0), "n_bits"),
        (dict(encoding="gray"), "encoding"),
    ],
)
def test_invalid_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        GreyscaleEncoder(**params).fit(np.zeros((2, 2)))


def test_nan_refused_and_state_unchanged():
    encoder = GreyscaleEncoder(n_bits=2).fit(np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="NaN"):
        encoder.partial_fit(np.array([[np.nan, 1.0]]))
    assert (encoder.data_min_, encoder.data_max_) == (0.0, 1.0)


@given(
    st.integers(1, 5), st.integers(1, 6), st.integers(1, 5),
    st.sampled_from(["onehot", "thermometer"]), st.integers(0, 2**31 - 1),
)
def test_greyscale_indices_set_the_value_bucket_bits(n_samples, n_features, n_bits,
                                                    encoding, seed):
    rng = np.random.RandomState(seed)
    values = rng.uniform(-2.0, 12.0, size=(n_samples, n_features))
    bucket = greyscale.greyscale_buckets(np, values, 0.0, 10.0, n_bits)
    indptr, indices = greyscale.greyscale_indices(np, bucket, n_bits, encoding)
    expected = np.zeros((n_samples, n_features * n_bits), dtype=bool)
    for i in range(n_samples):
        for f in range(n_features):
            b = min(int(np.floor(min(max(values[i, f], 0.0), 10.0) / 10.0 * n_bits)),
                    n_bits - 1)
            lowest = b if encoding == "onehot" else 0
            expected[i, f * n_bits + lowest:f * n_bits + b + 1] = True
    got = sp.csr_matrix(
        (np.ones(indices.size, dtype=bool), indices, indptr), shape=expected.shape
    )
    assert got.has_sorted_indices
    np.testing.assert_array_equal(got.toarray(), expected)
