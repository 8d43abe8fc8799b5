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
        "other backend": (ok, {"backend": "numpy"}, "backend"),
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
