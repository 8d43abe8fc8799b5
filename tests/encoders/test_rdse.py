"""RandomDistributedScalarEncoder: the hash, resolution-governed overlap, determinism."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.compose import ColumnTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_htm import RandomDistributedScalarEncoder, ScalarEncoder
from sklearn_htm.encoders._rdse import murmur3_32


@given(st.lists(st.integers(-2**63, 2**63 - 1), min_size=1, max_size=20),
       st.integers(0, 2**32 - 1))
def test_hash_is_murmur3_x86_32(keys, seed):
    mmh3 = pytest.importorskip("mmh3")
    expected = [mmh3.hash(k.to_bytes(8, "little", signed=True), seed, signed=False)
                for k in keys]
    assert murmur3_32(np.array(keys, dtype=np.int64), seed).tolist() == expected


def codes(encoder, values):
    return encoder.transform(np.asarray(values, dtype=float).reshape(-1, 1)).toarray()


@given(st.integers(20, 400), st.integers(1, 30), st.floats(0.01, 100),
       st.floats(-1e6, 1e6), st.integers(0, 40), st.integers(0, 2**32 - 1))
def test_overlap_is_governed_by_the_resolution(size, n_active, resolution, value, steps,
                                               seed):
    n_active = min(n_active, size)
    encoder = RandomDistributedScalarEncoder(size=size, n_active=n_active,
                                             resolution=resolution, seed=seed).fit([[0.0]])
    bucket = np.floor(value / resolution)
    here, there = codes(encoder, [bucket * resolution, (bucket + steps) * resolution])
    assert 1 <= here.sum() <= n_active
    # The keys both values hash are n_active - steps of each value's n_active.
    assert here @ there >= here.sum() - min(steps, n_active)
    # Anything in the same bucket has the same code.
    same = codes(encoder, [(bucket + 0.5) * resolution])[0]
    assert (same == here).all()


def test_far_values_share_only_chance_collisions():
    encoder = RandomDistributedScalarEncoder(size=2000, n_active=40, seed=3).fit([[0.0]])
    x = codes(encoder, np.arange(0, 4000, 50))
    overlaps = (x @ x.T)[~np.eye(len(x), dtype=bool)]
    # Expected chance overlap 40 * 40 / 2000 = 0.8 bits.
    assert overlaps.mean() < 2.0 and overlaps.max() <= 8


def test_the_seed_decides_the_code():
    values = np.linspace(-50, 50, 30)
    a = codes(RandomDistributedScalarEncoder(seed=1).fit([[0.0]]), values)
    b = codes(RandomDistributedScalarEncoder(seed=1).fit([[0.0]]), values)
    c = codes(RandomDistributedScalarEncoder(seed=2).fit([[0.0]]), values)
    assert (a == b).all() and (a @ c.T).max() < 10


def test_too_many_active_bits_are_refused():
    with pytest.raises(ValueError, match="n_active=30 is more than size=20"):
        RandomDistributedScalarEncoder(size=20, n_active=30).fit([[0.0]])


def test_encoders_side_by_side_in_a_column_transformer():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"load": [0.5, 0.7, 0.2], "temperature": [20.0, 21.5, 19.0]})
    encode = ColumnTransformer([
        ("load", ScalarEncoder(n_active=4, size=30, minimum=0, maximum=1), ["load"]),
        ("temperature", RandomDistributedScalarEncoder(size=64, n_active=8, resolution=0.5),
         ["temperature"]),
    ])
    bits = encode.fit_transform(frame)
    assert bits.shape == (3, 94)
    dense = bits.toarray() if hasattr(bits, "toarray") else bits
    assert (dense[:, :30].sum(axis=1) == 4).all() and (dense[:, 30:].sum(axis=1) <= 8).all()
    names = encode.get_feature_names_out()
    assert names[0] == "load__load_0" and names[-1] == "temperature__temperature_63"


@parametrize_with_checks([RandomDistributedScalarEncoder(size=50, n_active=5)])
def test_sklearn_compatible(estimator, check):
    check(estimator)
