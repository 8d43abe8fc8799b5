"""BacktrackingTM as an estimator: what it learns, its checks of the input,
and a stream's state across calls, failures and pickling."""

import pickle

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_htm import BacktrackingTM

SMALL = dict(n_cells_per_column=4, activation_threshold=4, min_threshold=3,
             max_new_synapse_count=6, random_state=0)


def sequence(n_steps=8, n_columns=64, seed=0):
    rng = np.random.RandomState(seed)
    return (rng.rand(n_steps, n_columns) < 0.12).astype(np.uint8)


@pytest.mark.filterwarnings("ignore:The rows of X have at most")
@parametrize_with_checks([BacktrackingTM(n_cells_per_column=2, activation_threshold=2,
                                         min_threshold=1, max_new_synapse_count=3,
                                         max_synapses_per_segment=4)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_repeated_sequence_stops_being_anomalous(backend):
    steps = sequence()
    tm = BacktrackingTM(backend=backend, **SMALL).fit(np.tile(steps, (5, 1)))
    per_repetition = tm.anomaly_.reshape(5, 8).mean(axis=1)
    assert per_repetition[0] == 1.0  # nothing known yet
    assert per_repetition[2:].max() == 0.0
    assert tm.n_samples_seen_ == 40
    assert tm.n_segments_ > 0 and tm.n_synapses_ >= tm.n_segments_
    # The next row is the sequence's first step: its columns are confident.
    assert set(np.flatnonzero(steps[0])) <= set(tm.confident_columns_.tolist())


def test_it_locks_back_onto_a_sequence_entered_midway():
    steps = sequence()
    noise = sequence(1, seed=1)
    X = np.vstack([np.tile(steps, (6, 1)), noise, steps[3:]])
    tm = BacktrackingTM(**SMALL).fit(X)
    after = tm.anomaly_[49:]  # steps 3, 4, ... after the noise row
    assert after[0] > 0.5      # re-entering is a surprise
    assert after[1:].max() == 0.0


def test_chunks_equal_one_call_and_pickling_continues_the_stream():
    X = np.vstack([np.tile(sequence(), (3, 1)), sequence(10, seed=2)])
    whole = BacktrackingTM(**SMALL).fit(X)
    tm = BacktrackingTM(**SMALL).partial_fit(X[:13])
    tm = pickle.loads(pickle.dumps(tm))
    tm.partial_fit(X[13:20]).partial_fit(X[20:])
    np.testing.assert_array_equal(tm.anomaly_, whole.anomaly_[20:])
    assert tm._state.canonical() == whole._state.canonical()


def _bad_calls(width):
    ok = np.zeros((3, width), dtype=np.uint8)
    nan = ok.astype(float)
    nan[1, 2] = np.nan
    return {
        "NaN": (nan, {}, "NaN"),
        "wrong width": (np.zeros((3, width + 1)), {}, "features"),
        "non-binary": (ok + 2, {"binarize": None}, "binary"),
        "no rows": (ok[:0], {}, "0 sample"),
        "NaN on the other backend": (nan, {"backend": "numpy"}, "NaN"),
        "other layout": (ok, {"n_cells_per_column": 5}, "n_cells_per_column"),
        "unreachable": (ok, {"activation_threshold": 7}, "can never be reached"),
        "too many new synapses": (ok, {"max_synapses_per_segment": 5},
                                  "max_synapses_per_segment=5"),
    }


@pytest.mark.parametrize("case", list(_bad_calls(64)))
def test_a_refused_call_says_why_and_leaves_the_state_as_it_was(case):
    X, params, message = _bad_calls(64)[case]
    tm = BacktrackingTM(**SMALL).fit(np.tile(sequence(), (2, 1)))
    before = pickle.dumps(tm)
    canonical = tm._state.canonical()
    tm.set_params(**params)
    with pytest.raises(ValueError, match=message):
        tm.partial_fit(X)
    assert tm._state.canonical() == canonical
    tm.set_params(**{k: v for k, v in pickle.loads(before).get_params().items()
                     if k in params})
    assert pickle.dumps(tm) == before


@pytest.mark.parametrize("first, then", [("numba", "numpy"), ("numpy", "numba")])
def test_a_stream_continues_exactly_on_the_other_backend(first, then):
    """``set_params(backend=...)`` between calls: the state is converted to
    the other backend's kind when the next call learns, and the stream goes
    on as if it had stayed on its first backend."""
    from sklearn_htm.backtracking_tm.backends import get_backend

    X = np.vstack([stream(), stream(seed=3)])
    whole = BacktrackingTM(backend=first, **SMALL).fit(X)
    tm = BacktrackingTM(backend=first, **SMALL).partial_fit(X[:20])
    tm.set_params(backend=then).partial_fit(X[20:45])
    assert get_backend(then).owns(tm._state)
    tm.set_params(backend=first).partial_fit(X[45:])
    np.testing.assert_array_equal(tm.anomaly_, whole.anomaly_[45:])
    assert tm._state.canonical() == whole._state.canonical()
    assert tm.n_samples_seen_ == len(X)


@pytest.mark.parametrize("first, then", [("numba", "numpy"), ("numpy", "numba")])
def test_a_call_that_fails_on_the_other_backend_keeps_the_rows_it_learned(
        monkeypatch, first, then):
    """The failure rule holds across the conversion: the rows learned on
    the converted state before the failure are kept, as if only they had
    been given."""
    from sklearn_htm.backtracking_tm.backends import get_backend

    X = stream()
    backend = get_backend(then)
    learn, calls = backend.learn, []

    def failing(*args, **kwargs):
        calls.append(None)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return learn(*args, **kwargs)

    tm = BacktrackingTM(backend=first, **SMALL).partial_fit(X[:20])
    monkeypatch.setattr(backend, "chunk_rows", 4)
    monkeypatch.setattr(backend, "learn", failing)
    with pytest.raises(KeyboardInterrupt):
        tm.set_params(backend=then).partial_fit(X[20:])
    monkeypatch.undo()
    assert backend.owns(tm._state)
    assert tm.n_samples_seen_ == 24
    prefix = BacktrackingTM(backend=first, **SMALL).partial_fit(X[:20]).partial_fit(X[20:24])
    np.testing.assert_array_equal(tm.anomaly_, prefix.anomaly_)
    assert tm._state.canonical() == prefix._state.canonical()


def test_verbose_reports_fit_but_not_every_short_call_of_a_stream(capsys):
    X = np.tile(sequence(), (2, 1))
    BacktrackingTM(verbose=1, **SMALL).fit(X)
    assert "[BacktrackingTM.fit] 16/16 samples (100%)" in capsys.readouterr().out
    tm = BacktrackingTM(verbose=1, **SMALL)
    for row in range(16):
        tm.partial_fit(X[row:row + 1])
    assert "100%" not in capsys.readouterr().out


def test_rows_sparser_than_the_threshold_are_warned_about_at_the_callers_line():
    X = np.tile(sequence(), (2, 1))  # about 8 active columns per row
    with pytest.warns(UserWarning, match="at most .* active columns, fewer than "
                                          "activation_threshold=13") as record:
        BacktrackingTM(random_state=0).fit(X)
    assert record[0].filename == __file__


# ---------------------------------------------------------------- sequences

BACKENDS = ["numpy", "numba"]


def stream(seed=0):
    """A sequence of 8 steps four times, a noise row, then steps 3 on."""
    steps = sequence(seed=seed)
    return np.vstack([np.tile(steps, (4, 1)), sequence(1, seed=seed + 1), steps[3:]])


@pytest.mark.parametrize("backend", BACKENDS)
def test_reset_and_sequence_starts_equal_each_other(backend):
    X = stream()
    starts = np.zeros(len(X), dtype=bool)
    starts[[8, 16, 24]] = True
    by_flags = BacktrackingTM(backend=backend, **SMALL).fit(X, sequence_starts=starts)
    by_reset = BacktrackingTM(backend=backend, **SMALL).partial_fit(X[:8])
    anomalies = [by_reset.anomaly_]
    for lo, hi in ((8, 16), (16, 24)):
        anomalies.append(by_reset.reset().partial_fit(X[lo:hi]).anomaly_)
    anomalies.append(by_reset.partial_fit(X[24:], sequence_starts=starts[24:]).anomaly_)
    np.testing.assert_array_equal(np.concatenate(anomalies), by_flags.anomaly_)
    assert by_reset._state.canonical() == by_flags._state.canonical()
    # The first row of each sequence is unpredicted; the second time on, the rest is.
    assert by_flags.anomaly_[starts].tolist() == [1.0, 1.0, 1.0]
    assert by_flags.anomaly_[17:24].max() == 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_stream_without_sequence_starts_is_not_reset_at_its_first_row(backend):
    """NuPIC's new layer has not been reset: ``fit(X)`` and a first
    ``partial_fit(X)`` learn X's first row as an ordinary step, unlike a
    sequence start there."""
    X = stream()
    plain = BacktrackingTM(backend=backend, **SMALL).fit(X)
    none = np.zeros(len(X), dtype=bool)
    for tm in (BacktrackingTM(backend=backend, **SMALL).fit(X, sequence_starts=none),
               BacktrackingTM(backend=backend, **SMALL).partial_fit(X)):
        np.testing.assert_array_equal(tm.anomaly_, plain.anomaly_)
        assert tm._state.canonical() == plain._state.canonical()
    first = none.copy()
    first[0] = True
    started = BacktrackingTM(backend=backend, **SMALL).fit(X, sequence_starts=first)
    assert started._state.canonical() != plain._state.canonical()


def test_learning_with_resets_equals_the_reference():
    X = np.vstack([stream(), stream(seed=3)])
    starts = np.arange(len(X)) % 11 == 5
    tms = [BacktrackingTM(backend=backend, **SMALL) for backend in BACKENDS]
    for tm in tms:
        tm.partial_fit(X[:30], sequence_starts=starts[:30]).reset()
        tm.partial_fit(X[30:], sequence_starts=starts[30:])
    np.testing.assert_array_equal(tms[0].anomaly_, tms[1].anomaly_)
    assert tms[0]._state.canonical() == tms[1]._state.canonical()


@pytest.mark.parametrize("backend", BACKENDS)
def test_anomaly_score_changes_nothing_and_is_what_a_reset_copy_infers(backend):
    steps = sequence()
    X = np.tile(steps, (6, 1))
    tm = BacktrackingTM(backend=backend, **SMALL).fit(X, sequence_starts=np.arange(48) % 8 == 0)
    tm.partial_fit(stream()[:13])  # mid-sequence, with queued updates and kept inputs
    before = pickle.dumps(tm)
    starts = np.zeros(16, dtype=bool)
    starts[8] = True
    score = tm.anomaly_score(np.vstack([steps, steps]), sequence_starts=starts)
    assert pickle.dumps(tm) == before
    # A learned sequence from a cleared context: only its first row is a surprise.
    np.testing.assert_array_equal(score, [1.0] + [0.0] * 7 + [1.0] + [0.0] * 7)
    # What a reset copy learning the rows gives for each row, once learned.
    copy = pickle.loads(before).reset()
    np.testing.assert_array_equal(copy.partial_fit(steps).anomaly_, score[:8])
    # As the stream's continuation (_score_rows, the detector's), nothing is
    # reset: the next row scores as learning it would.
    from sklearn_htm._core.rows import binary_rows

    continued = tm._score_rows(binary_rows(steps[5:], 0.0))
    assert pickle.dumps(tm) == before
    assert continued[0] == pickle.loads(before).partial_fit(steps[5:6]).anomaly_[0]


@pytest.mark.parametrize("call", ["fit", "partial_fit", "anomaly_score"])
@pytest.mark.parametrize("starts, message", [
    ([True, False], r"one flag per row of X \(3\)"),
    ([[True], [False], [True]], "one flag per row"),
    ([0, 2, 1], "booleans"),
    (["a", "b", "c"], "booleans"),
])
def test_malformed_sequence_starts_are_refused_and_change_nothing(call, starts, message):
    tm = BacktrackingTM(**SMALL).fit(np.tile(sequence(), (2, 1)))
    before = pickle.dumps(tm)
    X = sequence(3, seed=4)
    with pytest.raises(ValueError, match=message):
        getattr(tm, call)(X, sequence_starts=starts)
    assert pickle.dumps(tm) == before
    if call != "anomaly_score":
        fresh = BacktrackingTM(**SMALL)
        with pytest.raises(ValueError, match="sequence_starts"):
            getattr(fresh, call)(X, sequence_starts=starts)
        assert not hasattr(fresh, "_state")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("save", ["pickle", "skops"])
def test_a_stream_saved_right_after_reset_continues_exactly(backend, save):
    X = stream()
    kept = BacktrackingTM(backend=backend, **SMALL).partial_fit(X[:19]).reset()
    if save == "skops":
        skops_io = pytest.importorskip("skops.io")
        from sklearn_htm.persistence import load_skops

        saved = load_skops(skops_io.dumps(kept))
    else:
        saved = pickle.loads(pickle.dumps(kept))
    assert saved._state.canonical() == kept._state.canonical()
    assert saved._state.canonical()["reset_called"]
    for tm in (kept, saved):
        tm.partial_fit(X[19:])
    np.testing.assert_array_equal(saved.anomaly_, kept.anomaly_)
    assert saved.anomaly_[0] == 1.0
    assert saved._state.canonical() == kept._state.canonical()
    assert not saved._state.canonical()["reset_called"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_cells_are_those_of_the_last_row_learned(backend):
    X = stream()
    tm = BacktrackingTM(backend=backend, **SMALL)
    cpc = SMALL["n_cells_per_column"]
    predicted = 0
    for row in X:
        tm.partial_fit(row[None])
        predicted += tm.predictive_cells_.size
        for cells in (tm.active_cells_, tm.predictive_cells_):
            assert cells.dtype == np.int64
            assert np.all(np.diff(cells) > 0)
        # Active cells are in the row's columns, some in each.
        np.testing.assert_array_equal(np.unique(tm.active_cells_ // cpc), np.flatnonzero(row))
        # Predicted cells are in columns the next row's anomaly counts as predicted.
        assert set((tm.predictive_cells_ // cpc).tolist()) <= set(tm.confident_columns_.tolist())
    assert predicted > 0
    assert not hasattr(tm, "predicted_cells_")
    tm.reset()
    assert tm.active_cells_.size == tm.predictive_cells_.size == 0
    assert tm.confident_columns_.size == 0
    tm.partial_fit(X[3:4])
    np.testing.assert_array_equal(tm.active_cells_,
                                  np.flatnonzero(X[3]) * cpc)  # the start cells


def test_reset_and_anomaly_score_need_a_fitted_layer():
    from sklearn.exceptions import NotFittedError

    tm = BacktrackingTM(**SMALL)
    with pytest.raises(NotFittedError):
        tm.reset()
    with pytest.raises(NotFittedError):
        tm.anomaly_score(sequence())


def _decayed(canonical, step, max_age, global_decay):
    """NuPIC's global decay applied to a canonical form by hand: segments
    created or last reinforced more than ``max_age`` steps before ``step``
    lose ``global_decay`` of each permanence (float32); synapses at 0 or
    below go, and segments left without synapses."""
    decay = np.float32(global_decay)
    segments = []
    for cell, serial, presynaptic, permanence, last_active in canonical["segments"]:
        if step - last_active > max_age:
            kept = [(p, float(np.float32(v) - decay)) for p, v in zip(presynaptic, permanence)
                    if np.float32(v) - decay > 0]
            if not kept:
                continue
            presynaptic, permanence = [p for p, _ in kept], [v for _, v in kept]
        segments.append((cell, serial, presynaptic, permanence, last_active))
    return {**canonical, "segments": segments}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("global_decay", [0.15, 1.0])
def test_global_decay_takes_from_segments_idle_longer_than_max_age(backend, global_decay):
    # Sequence A twice, then sequence B: A's segments go idle. The decay
    # runs at steps 8 and 16; at step 8 no segment is older than 8 steps.
    max_age = 8
    X = np.vstack([sequence(4), sequence(4), sequence(8, seed=5)])
    params = dict(SMALL, backend=backend, max_age=max_age)
    plain = BacktrackingTM(**params, global_decay=0.0).fit(X[:15])
    decayed = BacktrackingTM(**params, global_decay=global_decay).fit(X[:15])
    assert decayed._state.canonical() == plain._state.canonical()
    plain.partial_fit(X[15:16])
    decayed.partial_fit(X[15:16])
    expected = _decayed(plain._state.canonical(), 16, max_age, global_decay)
    assert expected != plain._state.canonical()  # some segments were idle
    assert decayed._state.canonical() == expected
    if global_decay == 1.0:
        assert decayed.n_segments_ < plain.n_segments_


def test_without_global_decay_segments_are_never_removed_for_age():
    X = np.vstack([sequence(4), sequence(4), sequence(40, seed=5)])
    tm = BacktrackingTM(**SMALL, global_decay=0.0, max_age=1).fit(X)
    ages = [tm._state.canonical()["counters"][0] - s[4] for s in tm._state.canonical()["segments"]]
    assert max(ages) > 40  # A's segments, idle since the first rows, are kept
