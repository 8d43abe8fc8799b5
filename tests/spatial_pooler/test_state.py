"""The fitted state and the backends' scratch that live with it."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from sklearn_htm import SpatialPoolerTransformer
from sklearn_htm.spatial_pooler.backends import (
    SpatialPoolerBackend,
    available_backends,
    get_backend,
)
from sklearn_htm.spatial_pooler.backends._numba import _backend as numba_driver
from sklearn_htm._core import progress as _progress


def data(seed, n_rows=40, n_features=96, density=0.3):
    rng = np.random.RandomState(seed)
    return sp.csr_matrix((rng.random_sample((n_rows, n_features)) < density).astype(float))


def assert_words_exact(pooler):
    """The persisted words equal words rebuilt from today's permanences."""
    layout = pooler._state.scratch["numba"]
    rebuilt = numba_driver.build_layout(pooler._config(), pooler._state)
    for name in ("indptr", "index", "mask", "connected"):
        np.testing.assert_array_equal(getattr(layout.words, name), getattr(rebuilt.words, name))


@given(
    seed=st.integers(0, 2**16),
    batch_size=st.sampled_from([1, 3]),
    local=st.booleans(),
    threshold=st.sampled_from([0.2, 0.5, 0.8]),
)
def test_words_are_built_once_and_kept_exact_by_learning(seed, batch_size, local, threshold):
    X = data(seed)
    pooler = SpatialPoolerTransformer(
        n_columns=48, sparsity=0.1, batch_size=batch_size, global_inhibition=not local,
        inhibition_radius=4 if local else None, connected_threshold=threshold,
        permanence_increment=0.1, permanence_decrement=0.1,
        min_pct_overlap_duty_cycle=0.5, duty_cycle_period=5, random_state=seed,
        backend="numba",
    ).partial_fit(X[:5])
    layout = pooler._state.scratch["numba"]
    for start in range(5, 40, 7):
        pooler.partial_fit(X[start:start + 7])
    assert pooler._state.scratch["numba"].words.index is layout.words.index
    assert_words_exact(pooler)


def test_one_row_learns_in_place_and_transform_changes_nothing():
    X = data(0)
    pooler = SpatialPoolerTransformer(n_columns=32, random_state=0, backend="numba").fit(X)
    state = pooler._state
    before = state.permanences.copy()
    pooler.transform(X[:1])
    assert pooler._state is state and np.array_equal(state.permanences, before)
    pooler.partial_fit(X[:1])
    assert pooler._state is state and not np.array_equal(state.permanences, before)
    # The reference learns on a copy.
    pooler.set_params(backend="numpy").partial_fit(X[:1])
    assert pooler._state is not state


def test_scratch_is_not_pickled_and_is_rebuilt():
    X = data(1)
    pooler = SpatialPoolerTransformer(n_columns=64, random_state=0, backend="numba").fit(X)
    expected = pooler.transform(X).toarray()
    with_words = pickle.dumps(pooler._state)
    bare = pooler._state.copy()
    bare.scratch.clear()
    assert with_words == pickle.dumps(bare)
    loaded = pickle.loads(pickle.dumps(pooler))
    assert loaded._state.scratch == {}
    np.testing.assert_array_equal(loaded.transform(X).toarray(), expected)
    assert "numba" in loaded._state.scratch


def test_another_backend_learning_drops_stale_words():
    X = data(2)
    pooler = SpatialPoolerTransformer(
        n_columns=64, random_state=0, backend="numba", permanence_increment=0.2
    ).fit(X[:10])
    pooler.set_params(backend="numpy").partial_fit(X[10:30])
    assert "numba" not in pooler._state.scratch
    reference = pooler.transform(X).toarray()
    assert np.array_equal(pooler.set_params(backend="numba").transform(X).toarray(), reference)
    assert_words_exact(pooler)


def test_few_rows_use_no_thread_pool(monkeypatch):
    X = data(3)
    pooler = SpatialPoolerTransformer(n_columns=64, random_state=0, backend="numba").fit(X)

    def no_pool(*args, **kwargs):
        raise AssertionError("a thread pool for a few rows")

    monkeypatch.setattr(numba_driver, "ThreadPoolExecutor", no_pool)
    assert pooler.transform(X[:20]).shape == (20, 64)


def test_every_backend_fulfils_the_contract():
    for name in available_backends():
        backend = get_backend(name)
        assert isinstance(backend, SpatialPoolerBackend) and backend.name == name
        assert backend.chunk_rows >= 1
    assert get_backend("numba").atomic_learn and not get_backend("numpy").atomic_learn


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_attributes_are_snapshots(backend):
    X = data(4)
    pooler = SpatialPoolerTransformer(n_columns=32, random_state=0, backend=backend).fit(X)
    boosts = pooler.boost_factors_
    boosts[:] = -1.0
    assert (pooler.boost_factors_ > 0).all()


def snapshot(pooler):
    return (pooler.n_samples_seen_, pooler.permanences_.data.copy(),
            pooler.active_duty_cycles_, pooler.overlap_duty_cycles_,
            pooler.min_overlap_duty_cycles_, pooler.boost_factors_)


def assert_same_snapshot(a, b):
    assert a[0] == b[0]
    for left, right in zip(a[1:], b[1:]):
        np.testing.assert_array_equal(left, right)


def assert_interrupt_undone_and_continues(monkeypatch, pooler, rows):
    """Interrupt ``pooler.partial_fit(rows)`` as its in-place kernel returns:
    the pooler is as it was, and then learns ``rows`` as a twin saved before
    the call does."""
    twin = pickle.loads(pickle.dumps(pooler))
    before = snapshot(pooler)
    real_kernel = numba_driver.learn_rows

    def interrupted_as_the_kernel_returns(*args):
        real_kernel(*args)
        raise KeyboardInterrupt

    monkeypatch.setattr(numba_driver, "learn_rows", interrupted_as_the_kernel_returns)
    with pytest.raises(KeyboardInterrupt):
        pooler.partial_fit(rows)
    monkeypatch.undo()
    assert_same_snapshot(snapshot(pooler), before)
    assert_words_exact(pooler)
    for model in (pooler, twin):
        model.partial_fit(rows)
    assert_same_snapshot(snapshot(pooler), snapshot(twin))


def test_an_interrupt_as_the_kernel_returns_undoes_the_call(monkeypatch):
    """An interrupt arriving during the in-place kernel is raised as soon as
    it returns: the call then fails, and the pooler is as it was."""
    X = data(5)
    pooler = SpatialPoolerTransformer(n_columns=32, random_state=0, backend="numba").fit(X)
    pooler.partial_fit(X[:3])
    assert_interrupt_undone_and_continues(monkeypatch, pooler, X[3:6])


def test_poolers_of_one_thread_share_a_journal_and_each_undo_is_its_own(monkeypatch):
    """The undo journal is the thread's, not the state's: one pooler's
    learning between another's calls leaves nothing for the other's undo,
    and a state holds no journal between calls."""
    X = data(7)
    first = SpatialPoolerTransformer(n_columns=32, random_state=0, backend="numba").fit(X)
    second = SpatialPoolerTransformer(n_columns=32, random_state=1, backend="numba").fit(X)
    first.partial_fit(X[:3])
    second.partial_fit(X[:3])
    first.partial_fit(X[3:9])  # journals its columns in the shared buffers
    assert_interrupt_undone_and_continues(monkeypatch, second, X[3:6])
    assert not any(isinstance(value, numba_driver.Journal)
                   for pooler in (first, second)
                   for value in vars(pooler._state.scratch["numba"]).values())


def test_a_failing_progress_report_undoes_the_call():
    class Closed:
        def write(self, text):
            raise BrokenPipeError

        def flush(self):
            pass

    X = data(6)
    pooler = SpatialPoolerTransformer(n_columns=32, random_state=0, backend="numba").fit(X)
    before = snapshot(pooler)
    pooler.set_params(verbose=2)  # a line after every chunk, even a quick one
    import sklearn_htm._core.progress as progress

    real = progress.sys.stdout
    progress.sys.stdout = Closed()
    try:
        with pytest.raises(BrokenPipeError):
            pooler.partial_fit(X[:1])
    finally:
        progress.sys.stdout = real
    assert_same_snapshot(snapshot(pooler), before)


def test_in_place_learning_never_writes_through_shared_or_mapped_arrays(tmp_path):
    import copy

    import joblib

    X = data(7)
    pooler = SpatialPoolerTransformer(n_columns=32, random_state=0, backend="numba").fit(X)
    before = snapshot(pooler)
    shallow = copy.copy(pooler)
    shallow.partial_fit(X[:1])
    assert_same_snapshot(snapshot(pooler), before)
    path = tmp_path / "pooler.joblib"
    joblib.dump(pooler, path)
    mapped = joblib.load(path, mmap_mode="r+")
    mapped.partial_fit(X[:1])
    assert_same_snapshot(snapshot(joblib.load(path)), before)
    assert_same_snapshot(snapshot(mapped), snapshot(shallow))


def test_a_new_connected_threshold_rebuilds_the_words():
    X = data(8)
    poolers = [
        SpatialPoolerTransformer(n_columns=64, sparsity=0.1, random_state=0, backend=b)
        .fit(X[:30]) for b in ("numpy", "numba")
    ]
    for pooler in poolers:
        pooler.transform(X)
        pooler.set_params(connected_threshold=0.7)
    sdrs = [p.transform(X).toarray() for p in poolers]
    np.testing.assert_array_equal(*sdrs)
    for pooler in poolers:
        pooler.partial_fit(X[30:])
    np.testing.assert_array_equal(*(p.permanences_.data for p in poolers))
    assert_words_exact(poolers[1])


def test_verbose_says_when_kernels_are_being_prepared(monkeypatch, capsys):
    X = data(9)
    backend = get_backend("numba")
    monkeypatch.setattr(backend, "is_ready", lambda learning: False)
    # Said at once here; by default only after a second (a cache load is quicker).
    monkeypatch.setattr(_progress, "PREPARING_SILENT_S", 0.0)
    SpatialPoolerTransformer(n_columns=32, random_state=0, backend="numba", verbose=1).fit(X)
    assert "preparing the numba kernels" in capsys.readouterr().out
    monkeypatch.undo()
    assert backend.is_ready(learning=True)  # compiled by now
    SpatialPoolerTransformer(n_columns=32, random_state=0, backend="numba", verbose=1).fit(X)
    assert "preparing" not in capsys.readouterr().out


@pytest.mark.parametrize("potential_radius", [None, 3])
def test_clones_share_their_potential_pool_and_draw_as_without_sharing(potential_radius):
    from sklearn_htm.spatial_pooler import _state

    X = (np.random.RandomState(0).rand(20, 64) < 0.2).astype(np.uint8)
    params = dict(n_columns=128, potential_radius=potential_radius, random_state=7)
    first = SpatialPoolerTransformer(**params).fit(X)
    clone = SpatialPoolerTransformer(**params).fit(X)
    other = SpatialPoolerTransformer(**{**params, "random_state": 8}).fit(X)
    _state._DRAWN_POOLS.clear()
    alone = SpatialPoolerTransformer(**params).fit(X)  # drawn afresh
    shared = clone._state.potential_indices
    assert shared is first._state.potential_indices
    assert shared is not other._state.potential_indices
    assert shared.dtype == np.uint16 and not shared.flags.writeable
    # The stream after the shared draw is where the draw leaves it: the
    # permanences and what was learned are those of a pooler drawn alone.
    np.testing.assert_array_equal(shared, alone._state.potential_indices)
    np.testing.assert_array_equal(clone._state.permanences, alone._state.permanences)
    np.testing.assert_array_equal(clone.transform(X).toarray(), alone.transform(X).toarray())
