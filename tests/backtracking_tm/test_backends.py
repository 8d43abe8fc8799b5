"""The numba backend gives the numpy reference's bits (segments, synapses,
permanences, cell and column sets, history, queued updates, counters,
generator and anomalies), under hypothesis, also across resets (sequence
starts at random rows, or ``reset()`` between calls) and when its state is
saved and loaded between calls (the forward index is rebuilt on load); and
a stream continues bit for bit on the other backend, its state converted
through the canonical form (``from_canonical``, ``adopt``), call by call,
after a save, and for inference without learning."""

import copy
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_htm import BacktrackingTM
from sklearn_htm._core.pools import indptr_from_lengths
from sklearn_htm._core.rows import BinaryRows, binary_rows

from .._strategies import segment_params, sequence_streams

# Random configurations often have thresholds above the rows' width, and
# draw the two thresholds in either order.
pytestmark = [pytest.mark.filterwarnings("ignore:The rows of X have at most"),
              pytest.mark.filterwarnings("ignore:min_threshold=.* exceeds activation_threshold")]


@st.composite
def configurations(draw):
    return {**draw(segment_params(new_fits_segment=True)),
            "pam_length": draw(st.integers(1, 4)),
            "max_inf_backtrack": draw(st.integers(0, 5)),
            "max_lrn_backtrack": draw(st.integers(0, 4)),
            "max_seq_length": draw(st.sampled_from([0, 3, 8, 32])),
            # NuPIC's global decay: often off, else every few steps.
            "global_decay": draw(st.sampled_from([0.0, 0.0, 0.05, 0.3, 1.0])),
            "max_age": draw(st.integers(1, 12))}


def streams():
    return sequence_streams()


def skops_round_trip(model):
    import skops.io

    from sklearn_htm.persistence import load_skops

    return load_skops(skops.io.dumps(model))


def run(backend, params, rows, cuts, pickled=False, starts=None, by_reset=False):
    """Chunked partial_fit calls with ``sequence_starts`` (``by_reset``: a
    start at a call's first row made by ``reset()`` before the call, once
    the stream started; ``pickled``: the estimator saved and loaded between
    calls, after that reset, with pickle, or with skops if "skops"); the
    anomalies and the state after each. ``backend``: one for the stream, or
    a list of one per call (set after the reset and the save)."""
    backends = [backend] * (len(cuts) + 1) if isinstance(backend, str) else backend
    tm = BacktrackingTM(backend=backends[0], **params)
    starts = np.zeros(len(rows), dtype=bool) if starts is None else starts
    anomalies, states = [], []
    bounds = [0, *cuts, len(rows)]
    for call, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        call_starts = starts[lo:hi].copy()
        if by_reset and call_starts[0] and hasattr(tm, "_state"):
            tm.reset()
            call_starts[0] = False
        if pickled and hasattr(tm, "_state"):
            tm = (skops_round_trip(tm) if pickled == "skops"
                  else pickle.loads(pickle.dumps(tm)))
        tm.set_params(backend=backends[call])
        tm.partial_fit(rows[lo:hi], sequence_starts=call_starts)
        anomalies.append(tm.anomaly_)
        states.append(tm._state.canonical())
    return np.concatenate(anomalies), states


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(params=configurations(), stream=streams(), pickled=st.booleans(),
       by_reset=st.booleans())
def test_numba_equals_reference(params, stream, pickled, by_reset):
    """Also with resets: the numba layer reset by ``reset()`` between calls
    or by sequence starts equals the reference reset by sequence starts."""
    rows, starts, cuts = stream
    numba_anomaly, numba_states = run("numba", params, rows, cuts, pickled, starts, by_reset)
    numpy_anomaly, numpy_states = run("numpy", params, rows, cuts, starts=starts)
    np.testing.assert_array_equal(numba_anomaly, numpy_anomaly)
    for numba_state, numpy_state in zip(numba_states, numpy_states):
        assert numba_state == numpy_state


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(params=configurations(), stream=streams(), backend=st.sampled_from(["numpy", "numba"]),
       saved=st.sampled_from(["pickle", "skops"]))
def test_a_stream_saved_between_calls_continues_exactly(params, stream, backend, saved):
    """Saved with pickle or skops (only the package's trusted types) and
    loaded between calls, at any point of a stream (queued updates, kept
    inputs, destroyed segments and a pending ``reset()`` included), either
    backend's layer continues bit for bit."""
    pytest.importorskip("skops")
    rows, starts, cuts = stream
    saved_anomaly, saved_states = run(backend, params, rows, cuts, saved, starts, True)
    kept_anomaly, kept_states = run(backend, params, rows, cuts, starts=starts, by_reset=True)
    np.testing.assert_array_equal(saved_anomaly, kept_anomaly)
    assert saved_states == kept_states


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(params=configurations(), stream=streams(), backend=st.sampled_from(["numpy", "numba"]))
def test_chunks_equal_one_call(params, stream, backend):
    """Also when a call's first row begins a sequence by ``reset()``: the
    same as a sequence start there."""
    rows, starts, cuts = stream
    chunked_anomaly, chunked_states = run(backend, params, rows, cuts, starts=starts,
                                          by_reset=True)
    whole_anomaly, whole_states = run(backend, params, rows, [], starts=starts)
    np.testing.assert_array_equal(chunked_anomaly, whole_anomaly)
    assert chunked_states[-1] == whole_states[-1]


def test_pools_grow_without_changing_the_bits():
    """A layer that starts with room for 2 segments and 1 index block grows
    many times over; the result is the reference's."""
    from sklearn_htm.backtracking_tm._config import BTMConfig
    from sklearn_htm.backtracking_tm._state import BTMState
    from sklearn_htm.backtracking_tm.backends._numba import NumbaBackend
    from sklearn_htm.backtracking_tm.backends._numpy import NumpyBackend, ReferenceBacktrackingTM

    params = BacktrackingTM(n_cells_per_column=3, activation_threshold=2, min_threshold=1,
                            max_new_synapse_count=3, max_synapses_per_segment=4).get_params()
    config = BTMConfig.from_params(params, 12)
    rng = np.random.RandomState(0)
    rows = [np.flatnonzero(rng.rand(12) < 0.3) for _ in range(150)]
    rows = BinaryRows(indptr_from_lengths([len(r) for r in rows]),
                      np.concatenate(rows).astype(np.int32), 12)
    seed = np.array([7], dtype=np.uint64)
    small = BTMState.empty(config, seed, segments=2, blocks=1)
    reference = ReferenceBacktrackingTM(config, seed.copy())
    np.testing.assert_array_equal(NumbaBackend().learn(config, small, rows),
                                  NumpyBackend().learn(config, reference, rows))
    assert small.canonical() == reference.canonical()
    assert small.layer.segment_cell.shape[0] > 2 and small.layer.block_items.shape[0] > 1


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(params=configurations(), stream=streams())
def test_pools_grown_from_one_row_each_equal_the_reference(params, stream):
    """Pools that start with one segment row and one index block grow only
    as far as the room one row can take (``room_per_row``): a bound too
    tight would overrun them, and the bits would differ or the run fail."""
    from sklearn_htm.backtracking_tm._state import BTMState

    rows, starts, cuts = stream
    defaults = BTMState.empty.__func__.__defaults__
    BTMState.empty.__func__.__defaults__ = (1, 1)
    try:
        numba_anomaly, numba_states = run("numba", params, rows, cuts, starts=starts)
    finally:
        BTMState.empty.__func__.__defaults__ = defaults
    numpy_anomaly, numpy_states = run("numpy", params, rows, cuts, starts=starts)
    np.testing.assert_array_equal(numba_anomaly, numpy_anomaly)
    assert numba_states[-1] == numpy_states[-1]


def test_a_saved_layer_loads_with_every_array_of_its_sets_and_segments():
    """What the save packs (synapses without empty slots, permanences as
    codes, cell sets as members) comes back array for array."""
    rng = np.random.RandomState(3)
    rows = (rng.rand(200, 16) < 0.3).astype(np.uint8)
    tm = BacktrackingTM(n_cells_per_column=3, activation_threshold=2, min_threshold=1,
                        max_new_synapse_count=3, max_synapses_per_segment=4,
                        random_state=0).fit(rows)
    saved, loaded = tm._state.layer, pickle.loads(pickle.dumps(tm))._state.layer
    capacity = loaded.segment_cell.shape[0]
    from sklearn_htm.backtracking_tm._state import N_FREE_BLOCKS, N_FREE_SEGMENTS

    counted = np.ones(saved.counters.shape[0], dtype=bool)
    counted[[N_FREE_SEGMENTS, N_FREE_BLOCKS]] = False  # the pools are trimmed
    np.testing.assert_array_equal(loaded.counters[counted], saved.counters[counted])
    for name in ("flags", "n_cells_in", "column_flags", "inf_history",
                 "lrn_history", "update_presynaptic", "cell_head", "cell_n_segments"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(saved, name))
    for k in range(saved.cells.shape[0]):
        n = saved.n_cells_in[k]
        np.testing.assert_array_equal(loaded.cells[k, :n], saved.cells[k, :n])
    for name in ("segment_presynaptic", "segment_permanence"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(saved, name)[:capacity])
    assert loaded.segment_presynaptic.dtype == np.uint16


def test_a_layer_saved_with_a_flag_row_per_set_loads_and_continues_alike():
    """Layers saved before the sets became bits (a uint8 row per set, the
    queued updates' cells in int32) load into today's layout and continue
    exactly as the layer that was saved."""
    from sklearn_htm.backtracking_tm._state import BTMState

    rng = np.random.RandomState(5)
    rows = (rng.rand(260, 16) < 0.3).astype(np.uint8)
    params = dict(n_cells_per_column=3, activation_threshold=2, min_threshold=1,
                  max_new_synapse_count=3, max_synapses_per_segment=4, random_state=0)
    tm = BacktrackingTM(**params).fit(rows[:200])
    saved = pickle.loads(pickle.dumps(tm._state.__getstate__()))  # shares nothing
    layer = saved["layer"]
    old_columns = np.zeros((layer.columns.shape[0], layer.columns.shape[1]), dtype=np.uint8)
    for k in range(layer.columns.shape[0]):
        old_columns[k, layer.columns[k, : layer.n_columns_in[k]]] = 1
    saved["layer"] = layer._replace(
        flags=np.zeros((layer.cells.shape[0], 0), dtype=np.uint8),
        column_flags=old_columns,
        update_presynaptic=layer.update_presynaptic.astype(np.int32))
    old = BTMState.__new__(BTMState)
    old.__setstate__(saved)
    assert old.canonical() == tm._state.canonical()
    np.testing.assert_array_equal(old.layer.flags, tm._state.layer.flags)
    np.testing.assert_array_equal(old.layer.column_flags, tm._state.layer.column_flags)
    assert old.layer.update_presynaptic.dtype == tm._state.layer.update_presynaptic.dtype
    again = pickle.loads(pickle.dumps(tm))
    again._state = old
    np.testing.assert_array_equal(again.partial_fit(rows[200:]).anomaly_,
                                  tm.partial_fit(rows[200:]).anomaly_)
    assert again._state.canonical() == tm._state.canonical()


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(params=configurations(), stream=streams(), n_scored=st.integers(1, 12))
def test_inference_without_learning_equals_the_reference_and_changes_nothing(
        params, stream, n_scored):
    """As the stream's continuation (``_score_rows``), and from a cleared
    context with sequence starts (``anomaly_score``): the reference's steps
    without learning on a copy of its layer, reset where the rows begin a
    sequence; nothing of either layer changes."""
    rows, starts, _ = stream
    n_learned = max(1, len(rows) - n_scored)
    learned, scored = rows[:n_learned], binary_rows(rows[-n_scored:], 0.0)
    scored_starts = starts[-n_scored:]
    results, scores = [], []
    for backend in ("numba", "numpy"):
        tm = BacktrackingTM(backend=backend, **params).fit(
            learned, sequence_starts=starts[:n_learned])
        before = tm._state.canonical()
        results.append(tm._score_rows(scored))
        scores.append(tm.anomaly_score(rows[-n_scored:], sequence_starts=scored_starts))
        assert tm._state.canonical() == before
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(scores[0], scores[1])
    reference = copy.deepcopy(tm._state)  # the numpy layer's
    by_hand = []
    for r, columns in enumerate(rows[-n_scored:]):
        if r == 0 or scored_starts[r]:
            reference.reset()
        by_hand.append(reference.step(np.flatnonzero(columns), learning=False))
    np.testing.assert_array_equal(scores[1], by_hand)
    # The first row scored is the one learning it scores.
    tm = BacktrackingTM(backend="numba", **params).fit(learned)
    assert tm._score_rows(scored)[0] == tm.partial_fit(rows[-n_scored:]).anomaly_[0]


def test_a_layer_of_more_than_65536_cells_keeps_32_bit_cells():
    """Past 2**16 cells, cell indices take 32 bits: the kernels compiled for
    them give the reference's bits too."""
    rng = np.random.RandomState(4)
    steps = np.zeros((6, 2100), dtype=np.uint8)
    for row in steps:
        row[rng.choice(2100, 12, replace=False)] = 1
    rows = np.tile(steps, (4, 1))
    params = dict(n_cells_per_column=32, activation_threshold=3, min_threshold=2,
                  max_new_synapse_count=5, random_state=0)
    numba_anomaly, numba_states = run("numba", params, rows, [10])
    numpy_anomaly, numpy_states = run("numpy", params, rows, [10])
    np.testing.assert_array_equal(numba_anomaly, numpy_anomaly)
    assert numba_states[-1] == numpy_states[-1]
    tm = BacktrackingTM(**params).fit(rows)
    assert tm._state.layer.segment_presynaptic.dtype == np.int32
    assert tm._state.layer.cells.dtype == np.int32


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_layer_saved_before_resets_loads_without_one_pending(backend):
    """Layers saved before resets existed (no reset flag among their
    counters) load as not reset, and continue as the layer that was saved."""
    rng = np.random.RandomState(6)
    rows = (rng.rand(120, 16) < 0.3).astype(np.uint8)
    params = dict(n_cells_per_column=3, activation_threshold=2, min_threshold=1,
                  max_new_synapse_count=3, max_synapses_per_segment=4, random_state=0)
    tm = BacktrackingTM(backend=backend, **params).fit(rows[:80])
    saved = pickle.loads(pickle.dumps(tm._state.__getstate__()))  # shares nothing
    if backend == "numba":
        saved["layer"] = saved["layer"]._replace(counters=saved["layer"].counters[:9])
    else:
        saved["counters"] = saved["counters"][:5]
    old = type(tm._state).__new__(type(tm._state))
    old.__setstate__(saved)
    assert old.canonical() == tm._state.canonical()
    assert not old.canonical()["reset_called"]
    again = pickle.loads(pickle.dumps(tm))
    again._state = old
    np.testing.assert_array_equal(again.partial_fit(rows[80:]).anomaly_,
                                  tm.partial_fit(rows[80:]).anomaly_)
    assert again._state.canonical() == tm._state.canonical()


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_layer_saved_before_global_decay_loads_as_reinforced_at_its_last_step(backend):
    """Layers saved before global decay existed (no step of last
    reinforcement per segment) load with every segment reinforced at the
    saved step: nothing decays before ``max_age`` more steps, and the
    stream goes on as the layer that was saved."""
    rng = np.random.RandomState(7)
    rows = (rng.rand(120, 16) < 0.3).astype(np.uint8)
    params = dict(n_cells_per_column=3, activation_threshold=2, min_threshold=1,
                  max_new_synapse_count=3, max_synapses_per_segment=4, random_state=0,
                  global_decay=0.5, max_age=30)
    tm = BacktrackingTM(backend=backend, **params).fit(rows[:80])
    saved = pickle.loads(pickle.dumps(tm._state.__getstate__()))
    if backend == "numba":
        saved["layer"] = saved["layer"]._replace(segment_last_active=None)
    else:
        del saved["segment_last_active"]
    old = type(tm._state).__new__(type(tm._state))
    old.__setstate__(saved)
    form = old.canonical()
    assert {s[4] for s in form["segments"]} == {80}
    assert [s[:4] for s in form["segments"]] == [s[:4] for s in tm._state.canonical()["segments"]]
    # The decay at step 90 finds no segment older than 30 steps (it would,
    # had the loaded segments no step): the stream is its twin without decay.
    again = pickle.loads(pickle.dumps(tm))
    again._state = old
    twin = pickle.loads(pickle.dumps(tm)).set_params(global_decay=0.0)
    twin._state = copy.deepcopy(old)
    again.partial_fit(rows[80:110])
    twin.partial_fit(rows[80:110])
    assert again._state.canonical() == twin._state.canonical()


# ------------------------------------------- continuing on the other backend

BACKENDS = ["numpy", "numba"]


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(params=configurations(), stream=streams(), source=st.sampled_from(BACKENDS),
       reset=st.booleans(), data=st.data())
def test_a_state_made_from_the_canonical_form_continues_as_the_state(params, stream, source,
                                                                    reset, data):
    """``from_canonical`` of either kind, from a state of either kind (also
    its own: another pool layout), anywhere in a stream (queued updates,
    kept inputs, destroyed segments, a pending ``reset()``), is the same
    state and continues bit for bit as it; ``adopt`` converts only the
    other kind, and leaves the state it converts as it was."""
    from sklearn_htm.backtracking_tm.backends import get_backend

    rows, starts, _ = stream
    cut = data.draw(st.integers(1, len(rows)))
    tm = BacktrackingTM(backend=source, **params).fit(rows[:cut], sequence_starts=starts[:cut])
    if reset:
        tm.reset()
    state, config = tm._state, tm._config()
    canonical = state.canonical()
    rest = binary_rows(rows[cut:], 0.0)
    expected = get_backend(source).learn(config, copy.deepcopy(state), rest,
                                         starts=starts[cut:])
    for target in BACKENDS:
        backend = get_backend(target)
        made = backend.state_type.from_canonical(config, canonical, state.n_samples_seen)
        assert made.canonical() == canonical
        assert made.n_samples_seen == state.n_samples_seen
        adopted = backend.adopt(config, state)
        assert (adopted is state) == (target == source)
        assert adopted.canonical() == canonical
        assert state.canonical() == canonical
        learned = copy.deepcopy(state)
        continued = backend.learn(config, made, rest, starts=starts[cut:])
        get_backend(source).learn(config, learned, rest, starts=starts[cut:])
        np.testing.assert_array_equal(continued, expected)
        assert made.canonical() == learned.canonical()
        assert made.n_samples_seen == learned.n_samples_seen


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(params=configurations(), stream=streams(), by_reset=st.booleans(), data=st.data())
def test_a_stream_continues_exactly_on_either_backend_call_by_call(params, stream, by_reset,
                                                                    data):
    """A stream cut at random rows into calls, each on a backend drawn at
    random (its state converted whenever the backend changes), with sequence
    starts at random rows or ``reset()`` between calls, gives a
    single-backend stream's anomalies and state after every call."""
    rows, starts, cuts = stream
    more = data.draw(st.lists(st.integers(1, max(1, len(rows) - 1)), max_size=4))
    cuts = sorted({c for c in [*cuts, *more] if c < len(rows)})
    backends = data.draw(st.lists(st.sampled_from(BACKENDS), min_size=len(cuts) + 1,
                                  max_size=len(cuts) + 1))
    single = data.draw(st.sampled_from(BACKENDS))
    switched_anomaly, switched_states = run(backends, params, rows, cuts, starts=starts,
                                            by_reset=by_reset)
    kept_anomaly, kept_states = run(single, params, rows, cuts, starts=starts,
                                    by_reset=by_reset)
    np.testing.assert_array_equal(switched_anomaly, kept_anomaly)
    assert switched_states == kept_states


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(params=configurations(), stream=streams(), backend=st.sampled_from(BACKENDS),
       n_scored=st.integers(1, 12))
def test_inference_on_the_other_backend_equals_the_same_backends_and_keeps_the_state(
        params, stream, backend, n_scored):
    """``anomaly_score`` (and ``_score_rows``, the stream's continuation) on
    the other backend than the stream's gives the same backend's raw
    anomalies, and keeps the stream's state (the same object, unchanged)."""
    rows, starts, _ = stream
    n_learned = max(1, len(rows) - n_scored)
    scored, scored_starts = rows[-n_scored:], starts[-n_scored:]
    tm = BacktrackingTM(backend=backend, **params).fit(rows[:n_learned],
                                                       sequence_starts=starts[:n_learned])
    state = tm._state
    before = state.canonical()
    results = {}
    for other in (backend, *(b for b in BACKENDS if b != backend)):
        tm.set_params(backend=other)
        results[other] = (tm.anomaly_score(scored, sequence_starts=scored_starts),
                          tm._score_rows(binary_rows(scored, 0.0)))
        assert tm._state is state
        assert state.canonical() == before
    for same, other in zip(*results.values()):
        np.testing.assert_array_equal(other, same)


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(params=configurations(), stream=streams(), first=st.sampled_from(BACKENDS),
       saved=st.sampled_from(["pickle", "skops"]))
def test_a_saved_stream_continues_exactly_on_the_other_backend(params, stream, first, saved):
    """Saved with pickle or skops between calls and loaded, each call on the
    other backend than the one before, it gives the uninterrupted stream's
    anomalies and state after every call."""
    pytest.importorskip("skops")
    rows, starts, cuts = stream
    backends = [BACKENDS[(BACKENDS.index(first) + k) % 2] for k in range(len(cuts) + 1)]
    saved_anomaly, saved_states = run(backends, params, rows, cuts, saved, starts, True)
    kept_anomaly, kept_states = run(first, params, rows, cuts, starts=starts, by_reset=True)
    np.testing.assert_array_equal(saved_anomaly, kept_anomaly)
    assert saved_states == kept_states


def test_a_queued_update_of_a_destroyed_segment_is_dropped_by_both_kinds():
    """A canonical form whose queued update names a serial that no segment
    has (a segment destroyed since it was queued; not found at a row's end
    in practice) builds, in either kind, a state that keeps the update and
    drops it, as the other kind does."""
    from sklearn_htm.backtracking_tm.backends import get_backend

    rng = np.random.RandomState(8)
    steps = (rng.rand(6, 16) < 0.3).astype(np.uint8)
    rows = np.tile(steps, (6, 1))
    tm = BacktrackingTM(n_cells_per_column=3, activation_threshold=2, min_threshold=1,
                        max_new_synapse_count=3, max_synapses_per_segment=4,
                        random_state=0).fit(rows[:27])
    canonical, config = tm._state.canonical(), tm._config()
    named = {serial for _, serial, _, _ in canonical["updates"] if serial >= 0}
    assert named
    canonical["segments"] = [s for s in canonical["segments"] if s[1] not in named]
    made = {name: get_backend(name).state_type.from_canonical(config, canonical, 27)
            for name in BACKENDS}
    rest = binary_rows(rows[27:], 0.0)
    anomalies = {}
    for name, state in made.items():
        assert state.canonical() == canonical
        anomalies[name] = get_backend(name).learn(config, state, rest)
    np.testing.assert_array_equal(anomalies["numba"], anomalies["numpy"])
    assert made["numba"].canonical() == made["numpy"].canonical()
    # Dropped: as if it had not been queued.
    canonical["updates"] = [u for u in canonical["updates"] if u[1] not in named]
    without = get_backend("numpy").state_type.from_canonical(config, canonical, 27)
    np.testing.assert_array_equal(get_backend("numpy").learn(config, without, rest),
                                  anomalies["numpy"])
    assert without.canonical() == made["numpy"].canonical()
