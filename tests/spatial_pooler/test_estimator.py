"""SpatialPoolerTransformer: sklearn conventions and the algorithm's invariants.

The invariants are checked against quantities the tests compute themselves
from the public fitted attributes (connected synapses, boost factors), never
against values copied from the implementation.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.metrics import activation_frequency

from ..conftest import random_binary

# Many tests here use small local-inhibition layers to check the rules; the
# warning that they exceed the asked density is tested on its own below.
pytestmark = pytest.mark.filterwarnings("ignore:Local inhibition over neighbourhoods")

BACKEND = "numpy"  # the reference; other backends are held to it in their own tests


def small_pooler(**params):
    defaults = dict(n_columns=32, sparsity=0.1, random_state=0, backend=BACKEND)
    defaults.update(params)
    return SpatialPoolerTransformer(**defaults)


def state_arrays(pooler):
    """Every array of the fitted state, for exact comparisons."""
    return {
        "permanences": pooler.permanences_.data.copy(),
        "potential": pooler.potential_pools_.indices.copy(),
        "active_duty": pooler.active_duty_cycles_.copy(),
        "overlap_duty": pooler.overlap_duty_cycles_.copy(),
        "min_duty": pooler.min_overlap_duty_cycles_.copy(),
        "boost": pooler.boost_factors_.copy(),
        "n_samples_seen": np.array([pooler.n_samples_seen_]),
    }


def assert_same_state(a, b):
    sa, sb = state_arrays(a), state_arrays(b)
    for key in sa:
        np.testing.assert_array_equal(sa[key], sb[key], err_msg=key)
        assert sa[key].dtype == sb[key].dtype, key


def boosted_overlaps(pooler, X):
    """o' computed from the public attributes: float32(overlap) * boost."""
    connected = pooler.connected_synapses_.astype(np.int64)
    overlap = np.asarray((sp.csr_matrix(X > 0).astype(np.int64) @ connected.T).todense())
    return overlap.astype(np.float32) * pooler.boost_factors_


# --------------------------------------------------------------------------
# scikit-learn's own checks


@parametrize_with_checks(
    [
        GreyscaleEncoder(),
        GreyscaleEncoder(encoding="thermometer", sparse_output=False),
        SpatialPoolerTransformer(backend=BACKEND),
        SpatialPoolerTransformer(n_columns=64, random_state=0, backend=BACKEND),
        SpatialPoolerTransformer(
            n_columns=64, sparse_output=False, batch_size=4, random_state=0, backend=BACKEND
        ),
        SpatialPoolerTransformer(
            n_columns=64,
            global_inhibition=False,
            inhibition_radius=4,
            random_state=0,
            backend=BACKEND,
        ),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------
# checks sklearn does not run for transformers


def test_partial_fit_refuses_a_different_number_of_features():
    rng = np.random.RandomState(0)
    pooler = small_pooler().partial_fit(random_binary(rng, 10, 20, 0.3))
    before = state_arrays(pooler)
    with pytest.raises(ValueError, match="features"):
        pooler.partial_fit(random_binary(rng, 10, 21, 0.3))
    for key, value in state_arrays(pooler).items():
        np.testing.assert_array_equal(value, before[key])


def test_transform_refuses_a_different_number_of_features():
    rng = np.random.RandomState(0)
    pooler = small_pooler().fit(random_binary(rng, 10, 20, 0.3))
    with pytest.raises(ValueError, match="features"):
        pooler.transform(random_binary(rng, 3, 19, 0.3))


def test_set_output_pandas_round_trip():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    columns = [f"pixel{i}" for i in range(20)]
    X = pd.DataFrame(random_binary(rng, 30, 20, 0.3), columns=columns)
    pooler = small_pooler(sparse_output=False).set_output(transform="pandas").fit(X)
    out = pooler.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(pooler.get_feature_names_out())
    assert list(out.index) == list(X.index)
    expected = small_pooler(sparse_output=False).fit(X.to_numpy()).transform(X.to_numpy())
    np.testing.assert_array_equal(out.to_numpy(), expected)
    np.testing.assert_array_equal(pooler.feature_names_in_, columns)


def test_set_output_pandas_needs_dense_output():
    pytest.importorskip("pandas")
    X = random_binary(np.random.RandomState(0), 10, 20, 0.3)
    with pytest.raises(ValueError, match="sparse_output=False"):
        small_pooler().set_output(transform="pandas").fit(X)
    # Asked for after fitting: scikit-learn's own error, as the output is wrapped.
    pooler = small_pooler().fit(X).set_output(transform="pandas")
    with pytest.raises(ValueError, match="sparse"):
        pooler.transform(X)


def test_feature_names_out():
    X = random_binary(np.random.RandomState(0), 10, 20, 0.3)
    pooler = small_pooler(n_columns=(4, 8)).fit(X)
    names = pooler.get_feature_names_out()
    assert names.shape == (32,)
    assert names[0] == "spatialpoolertransformer0"
    assert names[-1] == "spatialpoolertransformer31"
    encoder = GreyscaleEncoder(n_bits=2).fit(np.array([[0.0, 1.0]]))
    assert list(encoder.get_feature_names_out(["a", "b"])) == ["a_0", "a_1", "b_0", "b_1"]


def test_unfitted_transform_raises():
    with pytest.raises(NotFittedError):
        small_pooler().transform(np.zeros((1, 4)))


def test_sparse_and_dense_input_give_the_same_sdr():
    X = random_binary(np.random.RandomState(1), 40, 30, 0.3)
    dense = small_pooler(batch_size=3).fit(X)
    sparse = small_pooler(batch_size=3).fit(sp.csr_matrix(X))
    assert_same_state(dense, sparse)
    out = dense.transform(X)
    assert sp.issparse(out) and out.format == "csr"
    np.testing.assert_array_equal(out.toarray(), sparse.transform(sp.csr_array(X)).toarray())


def test_clone_and_pickle():
    X = random_binary(np.random.RandomState(2), 30, 25, 0.3)
    pooler = small_pooler().fit(X)
    restored = pickle.loads(pickle.dumps(pooler))
    assert_same_state(pooler, restored)
    np.testing.assert_array_equal(
        pooler.transform(X).toarray(), restored.transform(X).toarray()
    )
    fresh = clone(pooler)
    assert not hasattr(fresh, "_state")
    assert fresh.get_params() == pooler.get_params()


def test_fitted_attributes_are_consistent():
    X = random_binary(np.random.RandomState(3), 30, 25, 0.3)
    pooler = small_pooler(potential_pct=0.4).fit(X)
    perms = pooler.permanences_
    pools = pooler.potential_pools_
    assert perms.shape == pools.shape == (32, 25)
    assert perms.dtype == np.float32
    # round(0.4 * 25) = 10 potential synapses per column, all distinct.
    np.testing.assert_array_equal(np.diff(pools.indptr), 10)
    connected = pooler.connected_synapses_
    expected = perms.toarray() >= np.float32(pooler.connected_threshold)
    expected &= pools.toarray()
    np.testing.assert_array_equal(connected.toarray(), expected)
    assert pooler.n_samples_seen_ == 30
    assert pooler.n_active_columns_ == 3  # round(0.1 * 32)


def test_initial_permanences_follow_the_documented_law():
    X = np.zeros((1, 400))
    pooler = small_pooler(
        n_columns=50,
        potential_pct=1.0,
        connected_threshold=0.2,
        permanence_increment=0.0,
        permanence_decrement=0.0,
    ).partial_fit(X)
    p = pooler.permanences_.data
    connected = p >= np.float32(0.2)
    # Half of the synapses start connected, uniform on [0.2, 1]; the rest on [0, 0.2).
    assert abs(connected.mean() - 0.5) < 0.02
    assert abs(p[connected].mean() - 0.6) < 0.01
    assert abs(p[~connected].mean() - 0.1) < 0.005


def test_topological_pools_stay_within_the_radius():
    X = np.zeros((1, 10 * 12))
    pooler = small_pooler(
        n_columns=(5, 6),
        input_shape=(10, 12),
        potential_radius=2,
        potential_pct=0.5,
        wrap_around=False,
    ).partial_fit(X)
    pools = pooler.potential_pools_
    for column in range(30):
        row, col = divmod(column, 6)
        center = (int((row + 0.5) * 2), int((col + 0.5) * 2))
        inputs = pools.indices[pools.indptr[column]:pools.indptr[column + 1]]
        r, c = np.divmod(inputs, 12)
        assert np.all(np.abs(r - center[0]) <= 2)
        assert np.all(np.abs(c - center[1]) <= 2)
        window = (min(center[0] + 3, 10) - max(center[0] - 2, 0)) * (
            min(center[1] + 3, 12) - max(center[1] - 2, 0)
        )
        assert inputs.size == int(np.floor(0.5 * window + 0.5))


# --------------------------------------------------------------------------
# property tests


pooler_params = st.fixed_dictionaries(
    {
        "n_columns": st.integers(4, 48),
        "sparsity": st.floats(0.05, 0.5),
        "potential_pct": st.floats(0.2, 1.0),
        "boost_strength": st.sampled_from([0.0, 1.0, 10.0]),
        "permanence_increment": st.floats(0.0, 0.3),
        "permanence_decrement": st.floats(0.0, 0.3),
        "batch_size": st.integers(1, 4),
        "duty_cycle_period": st.integers(1, 20),
        "min_pct_overlap_duty_cycle": st.sampled_from([0.0, 0.1, 0.9]),
        "update_period": st.integers(1, 5),
        "random_state": st.integers(0, 2**16),
    }
)
data_shapes = st.tuples(st.integers(1, 25), st.integers(1, 20), st.floats(0.0, 1.0))


def make_data(shape, seed):
    n_samples, n_features, density = shape
    return random_binary(np.random.RandomState(seed), n_samples, n_features, density)


@given(params=pooler_params, shape=data_shapes, stimulus=st.sampled_from([0, 1, 2]))
def test_global_inhibition_keeps_the_k_best_columns(params, shape, stimulus):
    X = make_data(shape, params["random_state"])
    try:
        pooler = small_pooler(**params, stimulus_threshold=stimulus).fit(X)
    except ValueError as exc:  # pools too small for the threshold: refused, not silent
        assert "can never be reached" in str(exc)
        return
    sdr = pooler.transform(X).toarray().astype(bool)
    boosted = boosted_overlaps(pooler, X)
    k = pooler.n_active_columns_
    index = np.arange(pooler.n_columns_)
    for row, winners in zip(boosted, sdr):
        eligible = np.count_nonzero(row >= stimulus)
        assert winners.sum() == min(k, eligible)
        # Every winner beats every eligible loser: larger o', or equal o' and
        # a higher column index.
        for w in np.flatnonzero(winners):
            losers = ~winners & (row >= stimulus)
            assert np.all((row[w] > row[losers]) | ((row[w] == row[losers]) & (w > index[losers])))


@given(n_columns=st.integers(2, 60), sparsity=st.floats(0.01, 0.99), n_features=st.integers(1, 10))
def test_ties_go_to_the_higher_column_index(n_columns, sparsity, n_features):
    pooler = small_pooler(n_columns=n_columns, sparsity=sparsity, boost_strength=0.0)
    pooler.fit(np.zeros((2, n_features)))
    # All-zero input: every overlap is 0, so the tie rule alone decides.
    sdr = pooler.transform(np.zeros((1, n_features))).toarray()[0]
    k = max(1, int(np.floor(sparsity * n_columns + 0.5)))
    assert pooler.n_active_columns_ == k
    np.testing.assert_array_equal(np.flatnonzero(sdr), np.arange(n_columns - k, n_columns))


@given(params=pooler_params, shape=data_shapes, radius=st.integers(1, 5),
       wrap=st.booleans(), stimulus=st.sampled_from([0, 1]))
def test_local_inhibition_rule(params, shape, radius, wrap, stimulus):
    X = make_data(shape, params["random_state"])
    pooler = small_pooler(
        **params,
        global_inhibition=False,
        inhibition_radius=radius,
        wrap_around=wrap,
        stimulus_threshold=stimulus,
    ).fit(X)
    sdr = pooler.transform(X).toarray().astype(bool)
    n = pooler.n_columns_
    for row, winners in zip(boosted_overlaps(pooler, X), sdr):
        for c in range(n):
            offsets = np.arange(-radius, radius + 1)
            hood = (c + offsets) % n if wrap else (c + offsets)[(c + offsets >= 0) & (c + offsets < n)]
            hood = np.unique(hood[hood != c])
            beaten_by = np.count_nonzero((row[hood] > row[c]) | ((row[hood] == row[c]) & (hood > c)))
            allowed = max(1, int(np.floor(pooler.sparsity * (hood.size + 1) + 0.5)))
            assert winners[c] == (row[c] >= stimulus and beaten_by < allowed)


@given(params=pooler_params, shape=data_shapes, global_inhibition=st.booleans())
def test_permanences_stay_in_the_unit_interval(params, shape, global_inhibition):
    params = dict(params, permanence_increment=0.6, permanence_decrement=0.7)
    X = make_data(shape, params["random_state"])
    pooler = small_pooler(**params, global_inhibition=global_inhibition, max_iter=2).fit(X)
    p = pooler.permanences_.data
    assert p.dtype == np.float32
    assert np.all((p >= 0) & (p <= 1))


@given(params=pooler_params, shape=data_shapes)
def test_same_random_state_same_result(params, shape):
    X = make_data(shape, params["random_state"])
    a = small_pooler(**params, max_iter=2).fit(X)
    b = small_pooler(**params, max_iter=2).fit(X)
    assert_same_state(a, b)
    np.testing.assert_array_equal(a.transform(X).toarray(), b.transform(X).toarray())


@given(params=pooler_params, shape=data_shapes)
def test_transform_is_pure(params, shape):
    X = make_data(shape, params["random_state"])
    pooler = small_pooler(**params).fit(X)
    before = state_arrays(pooler)
    first = pooler.transform(X).toarray()
    second = pooler.transform(X).toarray()
    np.testing.assert_array_equal(first, second)
    for key, value in state_arrays(pooler).items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


@given(params=pooler_params, shape=data_shapes, cuts=st.lists(st.integers(0, 10), max_size=4))
def test_partial_fit_in_chunks_equals_one_call(params, shape, cuts):
    X = make_data(shape, params["random_state"])
    batch = params["batch_size"]
    bounds = sorted({min(c * batch, X.shape[0]) for c in cuts} | {0, X.shape[0]})
    whole = small_pooler(**params).partial_fit(X)
    chunked = small_pooler(**params)
    for start, stop in zip(bounds[:-1], bounds[1:]):
        if stop > start:
            chunked.partial_fit(X[start:stop])
    assert_same_state(whole, chunked)


def test_one_online_step_matches_a_hand_computation():
    rng = np.random.RandomState(7)
    x = random_binary(rng, 1, 12, 0.5)
    params = dict(
        n_columns=10,
        sparsity=0.3,
        potential_pct=0.75,
        connected_threshold=0.5,
        boost_strength=3.0,
        min_pct_overlap_duty_cycle=0.5,
        update_period=1,
        random_state=11,
    )
    # With zero increments nothing learns, which exposes the initial state.
    initial = small_pooler(**params, permanence_increment=0.0, permanence_decrement=0.0)
    initial.partial_fit(x)
    stepped = small_pooler(**params, permanence_increment=0.1, permanence_decrement=0.05)
    stepped.partial_fit(x)

    p0 = initial.permanences_.toarray()
    pool = initial.potential_pools_.toarray()
    active = x[0] > 0
    overlap = ((p0 >= np.float32(0.5)) & pool & active).sum(axis=1)
    # Initial boost factors are exp((0.3 - 0) * 3) for every column; the order
    # is decided by overlap, then by the higher index: 3 winners.
    order = sorted(range(10), key=lambda c: (overlap[c], c), reverse=True)
    winners = np.zeros(10, dtype=bool)
    winners[order[:3]] = True
    expected = p0.copy()
    for c in np.flatnonzero(winners):
        delta = np.where(active, np.float32(0.1), -np.float32(0.05)).astype(np.float32)
        expected[c] = np.clip(p0[c] + delta, 0, 1) * pool[c]
    np.testing.assert_array_equal(stepped.permanences_.toarray(), expected)
    np.testing.assert_array_equal(stepped.active_duty_cycles_, winners.astype(float))
    np.testing.assert_array_equal(stepped.overlap_duty_cycles_, (overlap > 0).astype(float))
    np.testing.assert_allclose(
        stepped.boost_factors_, np.exp((0.3 - winners) * 3.0), rtol=1e-6
    )
    np.testing.assert_array_equal(
        stepped.min_overlap_duty_cycles_, np.full(10, 0.5 * (overlap > 0).max())
    )
    np.testing.assert_array_equal(
        stepped.transform(x).toarray()[0].astype(bool),
        small_pooler(**params, permanence_increment=0.1, permanence_decrement=0.05)
        .partial_fit(x)
        .transform(x)
        .toarray()[0]
        .astype(bool),
    )


def test_trained_pooler_beats_the_untrained_one(digits):
    """A trained pooler that does not beat the untrained one is a bug."""
    from sklearn.linear_model import LogisticRegression

    X, y = digits
    bits = GreyscaleEncoder(n_bits=4, value_range=(0, 16)).fit_transform(X)
    train, test = slice(0, 1000), slice(1000, None)
    params = dict(n_columns=256, sparsity=0.05, random_state=0)
    untrained = small_pooler(
        **params, permanence_increment=0.0, permanence_decrement=0.0, boost_strength=0.0
    ).fit(bits[train])
    trained = small_pooler(**params).fit(bits[train])
    scores = []
    for pooler in (untrained, trained):
        sdr = pooler.transform(bits)
        clf = LogisticRegression(max_iter=3000).fit(sdr[train], y[train])
        scores.append(clf.score(sdr[test], y[test]))
    assert scores[1] > scores[0] + 0.05, scores


def test_default_boosting_keeps_every_column_in_use(digits):
    """The reason for the boosting defaults: at 2% sparsity htm.core-like
    boosting (strength 2 over 1000 rows, pools of 50%) leaves many columns
    that never win, the defaults leave none."""
    X, _ = digits
    bits = GreyscaleEncoder(n_bits=4, value_range=(0, 16)).fit_transform(X)
    unused = {}
    for name, params in {
        "defaults": {},
        "htm.core-like": dict(boost_strength=2.0, duty_cycle_period=1000, potential_pct=0.5),
    }.items():
        pooler = SpatialPoolerTransformer(n_columns=1024, random_state=0, **params).fit(bits)
        unused[name] = int((activation_frequency(pooler.transform(bits)) == 0).sum())
    assert unused["defaults"] == 0, unused
    assert unused["htm.core-like"] > 100, unused


def test_verbose_reports_progress(capsys):
    X = random_binary(np.random.RandomState(0), 20, 10, 0.3)
    small_pooler(verbose=2).fit(X)
    out = capsys.readouterr().out
    assert "20/20 samples" in out and "samples/s" in out and "left" in out
    small_pooler(verbose=0).fit(X)
    assert capsys.readouterr().out == ""


def test_a_stream_of_quick_partial_fits_is_not_a_stream_of_lines(capsys):
    # Issue 12, point 8: eleven quick calls used to print eleven "100%" lines.
    X = random_binary(np.random.RandomState(0), 110, 10, 0.3)
    pooler = small_pooler(verbose=1, backend="numpy")
    for start in range(0, 110, 10):
        pooler.partial_fit(X[start:start + 10])
    assert "samples" not in capsys.readouterr().out
    # fit still says when it is done, and verbose=2 reports every call.
    small_pooler(verbose=1, backend="numpy").fit(X)
    assert "110/110 samples" in capsys.readouterr().out
    pooler.set_params(verbose=2).partial_fit(X[:10])
    assert "10/10 samples" in capsys.readouterr().out


# --------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(sparsity=0.0), "sparsity"),
        (dict(sparsity=1.5), "sparsity"),
        (dict(n_columns=0), "n_columns"),
        (dict(permanence_increment=-0.1), "permanence_increment"),
        (dict(backend="tpu"), "backend"),
        (dict(n_columns=(4, 0)), "n_columns"),
        (dict(potential_radius=50), "potential_radius"),
        (dict(input_shape=(3, 3)), "input_shape"),
    ],
)
def test_invalid_parameters_are_refused(params, message):
    with pytest.raises(ValueError, match=message):
        small_pooler(**params).fit(np.zeros((3, 10)))


def test_non_binary_input_refused_when_binarize_is_none():
    with pytest.raises(ValueError, match="binary"):
        small_pooler(binarize=None).fit(np.array([[0.0, 0.5, 1.0]]))
    pooler = small_pooler(binarize=None).fit(np.array([[0.0, 1.0, 1.0]]))
    assert pooler.n_features_in_ == 3


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_and_inf_are_refused(value):
    X = np.zeros((3, 5))
    X[1, 2] = value
    with pytest.raises(ValueError, match="NaN|infinity"):
        small_pooler().fit(X)
    with pytest.raises(ValueError, match="NaN|infinity"):
        small_pooler().fit(sp.csr_matrix(X))


def test_absurd_sizes_are_refused_with_the_memory_needed():
    pooler = small_pooler(n_columns=10**9, sparsity=0.02, potential_pct=1.0)
    with pytest.raises(ValueError, match="GiB"):
        pooler.fit(np.zeros((2, 1000)))
    assert not hasattr(pooler, "_state")


def test_failed_partial_fit_leaves_the_state_unchanged():
    rng = np.random.RandomState(0)
    pooler = small_pooler().partial_fit(random_binary(rng, 10, 20, 0.3))
    before = dict(pooler.__dict__)
    arrays = state_arrays(pooler)
    bad = random_binary(rng, 5, 20, 0.3)
    bad[2, 3] = np.nan
    with pytest.raises(ValueError):
        pooler.partial_fit(bad)
    assert pooler.__dict__.keys() == before.keys()
    for key, value in state_arrays(pooler).items():
        np.testing.assert_array_equal(value, arrays[key])


def test_unreachable_stimulus_threshold_is_refused():
    # Issue 12, point 10: 40 features, 64 columns, pools of 4 synapses: an
    # overlap of 10 is out of reach (4 synapses, boosting at most e^(0.02*30)).
    X = (np.random.RandomState(0).rand(20, 40) > 0.5).astype(np.uint8)
    pooler = SpatialPoolerTransformer(n_columns=64, potential_pct=0.1, stimulus_threshold=10,
                                      random_state=0)
    with pytest.raises(ValueError, match="stimulus_threshold=10 can never be reached"):
        pooler.fit(X)
    with pytest.raises(ValueError, match="stimulus_threshold=10"):
        pooler.partial_fit(X)
    # A reachable one is accepted, and raising it later is refused before learning.
    fitted = pooler.set_params(stimulus_threshold=2).fit(X)
    before = fitted.permanences_.toarray()
    fitted.set_params(stimulus_threshold=50)
    with pytest.raises(ValueError, match="stimulus_threshold=50"):
        fitted.partial_fit(X)
    np.testing.assert_array_equal(fitted.permanences_.toarray(), before)


def test_column_grid_must_have_the_input_dimensions_and_cover_the_input():
    # Issue 12, point 11: a 1-d grid over an 8x8 input used to be padded to
    # (16, 1), every column centred on the middle row, most inputs unseen.
    X = np.zeros((3, 64))
    X[:, ::8] = 1  # an image lit on its left edge
    with pytest.raises(ValueError, match=r"n_columns=\(16,\) has 1 dimension"):
        SpatialPoolerTransformer(n_columns=16, input_shape=(8, 8), potential_radius=1).fit(X)
    # Written out explicitly, the same grid is accepted but said to leave
    # 40 inputs (5 of the 8 rows) out of every pool.
    with pytest.warns(UserWarning, match="40 of 64 inputs"):
        SpatialPoolerTransformer(n_columns=(16, 1), input_shape=(8, 8),
                                 potential_radius=1).fit(X)
    # A grid that spans the input raises no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SpatialPoolerTransformer(n_columns=(8, 8), input_shape=(8, 8), potential_radius=1).fit(X)
        SpatialPoolerTransformer(n_columns=(4, 4, 1), input_shape=(8, 8, 3),
                                 potential_radius=(2, 2, 1)).fit(np.zeros((2, 192)))


def test_local_inhibition_that_cannot_meet_the_sparsity_is_warned_about():
    # Issue 12, point 13: a 16x16 grid, radius 1: round(0.02 * 9) = 0 is raised
    # to 1 winner per 9 columns, about 11% active where 2% is asked.
    X = (np.random.RandomState(0).rand(100, 256) < 0.2).astype(np.uint8)
    params = dict(n_columns=(16, 16), input_shape=(16, 16), potential_radius=3,
                  global_inhibition=False, sparsity=0.02, random_state=0)
    with pytest.warns(UserWarning, match=r"about 11\.1% of the columns active"):
        pooler = SpatialPoolerTransformer(inhibition_radius=1, **params).fit(X)
    measured = pooler.transform(X).mean()
    assert 0.08 < measured < 0.13  # what the warning said, not what was asked
    # A neighbourhood large enough for the asked density: no warning, and
    # the density is within half of the asked one.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pooler = SpatialPoolerTransformer(inhibition_radius=4, **params).fit(X)
    assert 0.01 < pooler.transform(X).mean() < 0.03


def test_score_rewards_sdrs_that_keep_inputs_apart_and_survive_noise():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV

    from sklearn_htm import GreyscaleEncoder

    X = GreyscaleEncoder(n_bits=4, value_range=(0, 16)).fit_transform(load_digits().data[:300])
    pooler = SpatialPoolerTransformer(n_columns=256, sparsity=0.05, random_state=0).fit(X)
    before = pooler.permanences_.toarray()
    score = pooler.score(X)
    assert -1 <= score <= 1 and score == pooler.score(X)  # fixed noise: repeatable
    np.testing.assert_array_equal(pooler.permanences_.toarray(), before)  # changes nothing
    assert score > 0.1
    # Rows that are all the same give the same SDR: no separation at all.
    same = sp.csr_matrix(np.repeat(X[:1].toarray(), 20, axis=0))
    assert pooler.score(same) <= 0
    # A search without labels uses it (dask-ml's Incremental needs it too).
    search = GridSearchCV(SpatialPoolerTransformer(n_columns=256, random_state=0),
                          {"boost_strength": [0.0, 30.0]}, cv=2).fit(X)
    assert search.best_params_ == {"boost_strength": 30.0}
