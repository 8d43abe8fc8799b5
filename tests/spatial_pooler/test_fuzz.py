"""Fuzzing: hypothesis draws shapes, sparsities, dtypes and parameters.

Every example fits the pooler on the numpy reference and on every other
backend available (numba when its module exists, cupy when a GPU is usable),
checks the invariants against quantities computed here from the public
fitted attributes, and requires bit-identical states and SDRs across
backends and input formats.

Sizes stay tiny (at most 12 samples, 24 features, 32 columns) so that the
reference is fast; edge sizes (1 sample, 1 feature, 1 column, k = n_columns)
are always run as explicit examples.

``test_pooler_fuzz`` runs ``SKLEARN_HTM_FUZZ_EXAMPLES`` examples (default
2000, a minute or two); the other tests follow the hypothesis profile
(``ci`` by default, see ``tests/conftest.py``). A long fuzz run by hand, with
random (not derandomized) examples::

    SKLEARN_HTM_FUZZ_EXAMPLES=50000 HYPOTHESIS_PROFILE=fuzz \\
        python -m pytest tests/test_fuzz.py -q

and, to see what was generated, add ``--hypothesis-show-statistics``.
"""

import os

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.spatial_pooler.backends import available_backends

from ..encoders.test_greyscale import expected_bucket
from .test_estimator import assert_same_state

# These tests draw sparse topologies and small neighbourhoods on purpose
# (bit-identity, not advice): the warnings about inputs out of every column's
# reach and about local inhibition above the asked density are expected.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.* inputs are within potential_radius"),
    pytest.mark.filterwarnings("ignore:Local inhibition over neighbourhoods"),
]

BACKENDS = available_backends()
FUZZ_EXAMPLES = int(os.environ.get("SKLEARN_HTM_FUZZ_EXAMPLES", 2000))

MAX_SAMPLES, MAX_FEATURES, MAX_COLUMNS = 12, 24, 32

FORMATS = {
    "float64": lambda X: X,
    "float32": lambda X: X.astype(np.float32),
    "int8": lambda X: X.astype(np.int8),
    "fortran": lambda X: np.asfortranarray(X),
    "csr": lambda X: sp.csr_matrix(X),
    "csc_float32": lambda X: sp.csc_matrix(X, dtype=np.float32),
    "coo": lambda X: sp.coo_matrix(X),
}
BINARY_FORMATS = {**FORMATS, "bool": lambda X: X.astype(bool)}


def round_half_up(x):
    return int(np.floor(x + 0.5))


@st.composite
def grids(draw, max_size):
    """A 1-d or 2-d shape with at most ``max_size`` elements."""
    first = draw(st.integers(1, max_size))
    if draw(st.booleans()):
        return (first,)
    return (first, draw(st.integers(1, max_size // first)))


@st.composite
def pooler_cases(draw):
    """(parameters, X of 0..3 integers as float64, input format, chunk cuts)."""
    params = {}
    topology = draw(st.sampled_from(["global pool", "topology"]))
    if topology == "topology":
        input_shape = draw(grids(MAX_FEATURES))
        n_features = int(np.prod(input_shape))
        column_shape = draw(grids(MAX_COLUMNS))[: len(input_shape)]
        # One entry per input dimension (a shorter grid is refused): pad with 1s.
        column_shape = tuple(column_shape) + (1,) * (len(input_shape) - len(column_shape))
        params["n_columns"] = column_shape if len(column_shape) > 1 else column_shape[0]
        params["input_shape"] = input_shape
        # At least one axis must be wider than the radius.
        params["potential_radius"] = draw(st.integers(0, max(input_shape) - 1))
    else:
        n_features = draw(st.integers(1, MAX_FEATURES))
        column_shape = draw(grids(MAX_COLUMNS))
        params["n_columns"] = column_shape if len(column_shape) > 1 else column_shape[0]
    params["global_inhibition"] = draw(st.booleans())
    if not params["global_inhibition"]:
        params["inhibition_radius"] = draw(st.none() | st.integers(1, 6))
    params.update(
        wrap_around=draw(st.booleans()),
        # 0.99 gives k = n_columns for every n_columns <= 32; 0.01 gives k = 1.
        sparsity=draw(st.sampled_from([0.01, 0.99]) | st.floats(0.01, 0.99)),
        potential_pct=draw(st.sampled_from([0.01, 1.0]) | st.floats(0.01, 1.0)),
        connected_threshold=draw(st.floats(0.01, 0.99)),
        permanence_increment=draw(st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0)),
        permanence_decrement=draw(st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0)),
        stimulus_threshold=draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, 5.0])),
        # From 100 on, boost factors reach their float32 ceiling (exp(88)).
        boost_strength=draw(st.sampled_from([0.0, 0.5, 3.0, 20.0, 100.0, 1000.0])),
        duty_cycle_period=draw(st.integers(1, 30)),
        min_pct_overlap_duty_cycle=draw(st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0)),
        update_period=draw(st.integers(1, 6)),
        batch_size=draw(st.integers(1, 6)),
        max_iter=draw(st.integers(1, 2)),
        shuffle=draw(st.booleans()),
        binarize=draw(st.sampled_from([0.0, 0.5, None])),
        sparse_output=draw(st.booleans()),
        dtype=draw(st.sampled_from([np.float64, np.float32, np.int8, bool])),
        random_state=draw(st.integers(0, 2**31 - 1)),
    )
    n_samples = draw(st.integers(1, MAX_SAMPLES))
    density = draw(st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    active = rng.random_sample((n_samples, n_features)) < density
    if params["binarize"] is None:
        X = active.astype(np.float64)
        fmt = draw(st.sampled_from(sorted(BINARY_FORMATS)))
    else:
        X = (active * rng.randint(1, 4, size=active.shape)).astype(np.float64)
        fmt = draw(st.sampled_from(sorted(FORMATS)))
    # None: one fit; otherwise partial_fit on the chunks between these cuts.
    cuts = draw(st.none() | st.lists(st.integers(1, MAX_SAMPLES), max_size=3))
    return params, X, fmt, cuts


def chunks(n_samples, cuts):
    """Consecutive row slices between the cuts that fall inside the data."""
    bounds = sorted({0, n_samples, *(c for c in cuts if c < n_samples)})
    return [slice(start, stop) for start, stop in zip(bounds[:-1], bounds[1:])]


def learn(params, X, fmt, cuts, backend):
    """fit on X in format ``fmt``, or partial_fit on its chunks."""
    convert = BINARY_FORMATS[fmt]
    estimator = SpatialPoolerTransformer(**params, backend=backend)
    if cuts is None:
        return estimator.fit(convert(X))
    for rows in chunks(X.shape[0], cuts):
        estimator.partial_fit(convert(X[rows]))
    return estimator


def boosted_overlaps(estimator, X):
    """o' = float32(overlap) * boost, from the public fitted attributes."""
    binary = X > (0 if estimator.binarize is None else estimator.binarize)
    connected = estimator.connected_synapses_.toarray().astype(np.int64)
    overlap = binary.astype(np.int64) @ connected.T
    # Saturated boosts overflow to inf, as in the package (ties then go to the
    # higher index): expected, not a warning.
    with np.errstate(over="ignore"):
        return overlap.astype(np.float32) * estimator.boost_factors_


def expected_global_winners(estimator, boosted):
    k = estimator.n_active_columns_
    index = np.arange(boosted.shape[1])
    winners = np.zeros(boosted.shape, dtype=bool)
    for row, values in enumerate(boosted):
        # Best first: larger o', then the higher column index.
        order = sorted(index, key=lambda c: (values[c], c), reverse=True)[:k]
        kept = [c for c in order if values[c] >= estimator.stimulus_threshold]
        winners[row, kept] = True
    return winners


def neighbourhoods(column_shape, radius, wrap_around):
    """hood[c, d]: column d lies within ``radius`` of column c (Chebyshev
    distance on the column grid, around the edges when wrapping), d != c."""
    coords = np.array(np.unravel_index(np.arange(np.prod(column_shape)), column_shape)).T
    delta = np.abs(coords[:, None, :] - coords[None, :, :])
    if wrap_around:
        delta = np.minimum(delta, np.asarray(column_shape) - delta)
    hood = delta.max(axis=2) <= radius
    np.fill_diagonal(hood, False)
    return hood


def expected_local_winners(estimator, boosted):
    hood = neighbourhoods(
        estimator.column_shape_, estimator.inhibition_radius_, estimator.wrap_around
    )
    allowed = np.array(
        [max(1, round_half_up(estimator.sparsity * (size + 1))) for size in hood.sum(1)]
    )
    index = np.arange(boosted.shape[1])
    # beats[s, c, d]: in row s, column d beats column c.
    o_c, o_d = boosted[:, :, None], boosted[:, None, :]
    beats = (o_d > o_c) | ((o_d == o_c) & (index[None, None, :] > index[None, :, None]))
    beaten_by = (beats & hood[None]).sum(axis=2)
    return (boosted >= estimator.stimulus_threshold) & (beaten_by < allowed)


def check_invariants(estimator, X, Xf, params, cuts):
    n_samples, n_features = X.shape
    n_columns = int(np.prod(estimator.column_shape_))
    grid = params["n_columns"]
    assert n_columns == int(np.prod(grid))
    k = estimator.n_active_columns_
    assert k == max(1, round_half_up(params["sparsity"] * n_columns)) and 1 <= k <= n_columns

    # The learned state.
    perms = estimator.permanences_
    pools = estimator.potential_pools_
    assert perms.shape == pools.shape == (n_columns, n_features)
    assert perms.dtype == np.float32
    assert np.all((perms.data >= 0) & (perms.data <= 1))
    sizes = np.diff(pools.indptr)
    assert np.all(sizes >= 1)
    if params.get("potential_radius") is None:
        np.testing.assert_array_equal(
            sizes, max(1, round_half_up(params["potential_pct"] * n_features))
        )
    for column in range(n_columns):
        inputs = pools.indices[pools.indptr[column]:pools.indptr[column + 1]]
        assert np.all(np.diff(inputs) > 0)  # sorted, distinct
    connected = estimator.connected_synapses_.toarray()
    assert not np.any(connected & ~pools.toarray().astype(bool))
    for duty in (estimator.active_duty_cycles_, estimator.overlap_duty_cycles_,
                 estimator.min_overlap_duty_cycles_):
        assert duty.dtype == np.float64 and duty.shape == (n_columns,)
        assert np.all((duty >= 0) & (duty <= 1))
    boost = estimator.boost_factors_
    # Finite (an infinite boost would make 0 * inf = NaN); the clipped
    # exponent keeps even a busy column's factor at exp(-87) or more.
    assert boost.dtype == np.float32 and np.all(np.isfinite(boost)) and np.all(boost >= 0)
    if params["boost_strength"] == 0:
        np.testing.assert_array_equal(boost, 1)
    n_passes = params["max_iter"] if cuts is None else 1
    assert estimator.n_samples_seen_ == n_samples * n_passes

    # The SDR.
    sdr = estimator.transform(Xf)
    assert sdr.shape == (n_samples, n_columns)
    assert sdr.dtype == np.dtype(params["dtype"])
    if params["sparse_output"]:
        assert sp.issparse(sdr) and sdr.format == "csr"
        sdr = sdr.toarray()
    else:
        assert isinstance(sdr, np.ndarray)
    assert np.all((sdr == 0) | (sdr == 1))
    winners = sdr.astype(bool)
    boosted = boosted_overlaps(estimator, X)
    if params["global_inhibition"]:
        eligible = (boosted >= params["stimulus_threshold"]).sum(axis=1)
        np.testing.assert_array_equal(winners.sum(axis=1), np.minimum(k, eligible))
        np.testing.assert_array_equal(winners, expected_global_winners(estimator, boosted))
    else:
        np.testing.assert_array_equal(winners, expected_local_winners(estimator, boosted))
    return sdr


EDGE_CASES = [
    # 1 sample, 1 feature, 1 column (k = n_columns = 1), global and local.
    (dict(n_columns=1, sparsity=0.5, random_state=0), np.ones((1, 1)), "float64", None),
    (dict(n_columns=1, sparsity=0.01, global_inhibition=False, random_state=1),
     np.zeros((1, 1)), "csr", None),
    # k = n_columns: every eligible column wins.
    (dict(n_columns=32, sparsity=0.99, random_state=2, batch_size=3),
     np.eye(12, 24) * 2, "float32", None),
    # 1 feature, many columns, streamed one row at a time.
    (dict(n_columns=(4, 8), sparsity=0.3, random_state=3, binarize=None),
     np.array([[1.0], [0.0], [1.0]]), "bool", [1, 2]),
    # Topology with radius 0 (one-input pools), local inhibition, k = n_columns.
    (dict(n_columns=(3, 2), input_shape=(3, 4), potential_radius=0, sparsity=0.99,
          global_inhibition=False, inhibition_radius=1, random_state=4),
     np.ones((2, 12)), "fortran", None),
]


def _full_params(params):
    """Edge cases give only what matters; the rest are the defaults the
    strategy could have drawn."""
    defaults = dict(global_inhibition=True, sparsity=0.1, potential_pct=0.5,
                    stimulus_threshold=0.0, boost_strength=2.0, max_iter=1,
                    binarize=0.0, sparse_output=True, dtype=np.float64)
    return {**defaults, **params}


def run_case(case):
    params, X, fmt, cuts = case
    params = _full_params(params)
    try:
        reference = learn(params, X, fmt, cuts, "numpy")
    except ValueError as exc:
        # Pools too small for the stimulus threshold: refused, never silent.
        if "can never be reached" not in str(exc):
            raise
        return
    sdr = check_invariants(reference, X, BINARY_FORMATS[fmt](X), params, cuts)
    # Every other backend on the canonical float64 input; with numpy alone,
    # a second numpy fit on it (the same result from another input format).
    for backend in BACKENDS[1:] or ["numpy"]:
        other = learn(params, X, "float64", cuts, backend)
        assert_same_state(other, reference)
        found = other.transform(X)
        found = found.toarray() if sp.issparse(found) else found
        np.testing.assert_array_equal(found, sdr, err_msg=backend)


@settings(max_examples=FUZZ_EXAMPLES)
@given(case=pooler_cases())
@example(case=EDGE_CASES[0])
@example(case=EDGE_CASES[1])
@example(case=EDGE_CASES[2])
@example(case=EDGE_CASES[3])
@example(case=EDGE_CASES[4])
def test_pooler_fuzz(case):
    run_case(case)


@pytest.mark.parametrize("backend", BACKENDS)
def test_boost_factors_that_overflow_keep_k_winners(backend):
    """Boost factors beyond float32 must not turn a zero overlap into NaN
    (0 * inf) and so cost rows their winners."""
    # After one all-zero row no column has won: every boost factor is
    # exp(0.5 * 200) = exp(100), beyond float32.
    X = np.zeros((1, 12))
    estimator = SpatialPoolerTransformer(
        n_columns=20, sparsity=0.5, boost_strength=200.0, random_state=0, backend=backend
    ).partial_fit(X)
    sdr = estimator.transform(X).toarray()
    # Every overlap is 0, so every boosted overlap is 0 >= stimulus_threshold:
    # k = 10 columns win, the ten highest indices by the tie rule.
    np.testing.assert_array_equal(np.flatnonzero(sdr[0]), np.arange(10, 20))


# --------------------------------------------------------------------------
# GreyscaleEncoder


@st.composite
def encoder_cases(draw):
    n_samples = draw(st.integers(1, MAX_SAMPLES))
    n_features = draw(st.integers(1, MAX_FEATURES))
    n_bits = draw(st.integers(1, 9))
    high = draw(st.sampled_from([1, 16, 255]))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    # Integers, exact in every dtype; some outside [0, high] when a range is given.
    X = rng.randint(-2, high + 3, size=(n_samples, n_features)).astype(np.float64)
    value_range = draw(st.sampled_from([None, (0, high)]))
    encoding = draw(st.sampled_from(["onehot", "thermometer"]))
    dtype = draw(st.sampled_from(["float64", "float32", "int16", "fortran"]))
    cuts = draw(st.lists(st.integers(1, MAX_SAMPLES), max_size=3))
    return X, n_bits, value_range, encoding, dtype, cuts


@given(case=encoder_cases())
@example(case=(np.array([[3.0]]), 1, None, "onehot", "float64", []))
@example(case=(np.full((2, 3), 7.0), 4, None, "thermometer", "int16", [1]))
def test_encoder_fuzz(case):
    X, n_bits, value_range, encoding, dtype, cuts = case
    convert = {"float64": lambda X: X, "float32": lambda X: X.astype(np.float32),
               "int16": lambda X: X.astype(np.int16), "fortran": np.asfortranarray}[dtype]
    encoder = GreyscaleEncoder(n_bits=n_bits, value_range=value_range, encoding=encoding)
    bits = encoder.fit(convert(X)).transform(convert(X))
    n_samples, n_features = X.shape
    assert sp.issparse(bits) and bits.shape == (n_samples, n_features * n_bits)
    dense = bits.toarray().reshape(n_samples, n_features, n_bits)
    assert np.all((dense == 0) | (dense == 1))
    low, high = value_range if value_range is not None else (X.min(), X.max())
    assert (encoder.data_min_, encoder.data_max_) == (low, high)
    buckets = dense.sum(axis=2) - 1 if encoding == "thermometer" else dense.argmax(axis=2)
    if encoding == "onehot":
        np.testing.assert_array_equal(dense.sum(axis=2), 1)
    else:  # the bucket and every bucket below it
        np.testing.assert_array_equal(
            dense, np.arange(n_bits)[None, None, :] <= buckets[:, :, None]
        )
    # The documented rule, one value at a time.
    for (row, col), value in np.ndenumerate(X):
        expected = 0 if high == low else expected_bucket(value, low, high, n_bits)
        assert buckets[row, col] == expected
    # partial_fit over chunks learns the range of all of them.
    streamed = GreyscaleEncoder(n_bits=n_bits, value_range=value_range, encoding=encoding)
    for rows in chunks(n_samples, cuts):
        streamed.partial_fit(convert(X[rows]))
    assert (streamed.data_min_, streamed.data_max_) == (low, high)
    np.testing.assert_array_equal(streamed.transform(X).toarray(), bits.toarray())


@given(
    low=st.sampled_from([0.0, -1.5]) | st.floats(-100, 100),
    width=st.sampled_from([1.0, 10.0, 255.0, 0.3]) | st.floats(0.01, 1000),
    n_bits=st.integers(2, 16),
    boundary=st.integers(0, 14),
)
@example(low=0.0, width=10.0, n_bits=7, boundary=5)
# Integer pixels with a learned range (11, 256): 207 is exactly 4/5 of the way.
@example(low=11.0, width=245.0, n_bits=5, boundary=3)
def test_encoder_bucket_boundaries_follow_the_documented_rule(low, width, n_bits,
                                                              boundary):
    """Values exactly on the boundaries between buckets, where rounding decides."""
    high = low + width
    j = 1 + boundary % (n_bits - 1)  # a boundary inside the range: 1 .. n_bits - 1
    values = np.array([[low + width * j / n_bits, low + width * (j - 1) / n_bits, high]])
    encoder = GreyscaleEncoder(n_bits=n_bits, value_range=(low, high), sparse_output=False)
    buckets = encoder.fit_transform(values).reshape(3, n_bits).argmax(axis=1)
    expected = [expected_bucket(v, low, high, n_bits) for v in values[0]]
    np.testing.assert_array_equal(buckets, expected)
