"""HTMAnomalyDetector: online protocol, conventions, failures."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_htm import HTMAnomalyDetector


def series(n=600, spike=None, seed=0):
    """A daily-periodic series sampled every 30 minutes, with noise."""
    rng = np.random.RandomState(seed)
    t = pd.date_range("2024-01-01", periods=n, freq="30min")
    value = 10 + 5 * np.sin(2 * np.pi * np.arange(n) / 48) + rng.normal(0, 0.2, n)
    if spike is not None:
        value[spike] = 60.0
    return pd.DataFrame({"timestamp": t, "value": value})


def detector(**params):
    # 256 columns make 5 active ones: thresholds the Temporal Memory can reach.
    defaults = dict(minimum=0, maximum=20, probation=100, n_columns=256,
                    activation_threshold=4, min_threshold=3)
    defaults.update(params)
    return HTMAnomalyDetector(**defaults)


def test_scores_in_range_probation_and_a_spike():
    X = series(spike=500)
    model = detector().fit(X)
    score = model.anomaly_score_
    assert score.shape == (600,) and np.all((score >= 0) & (score <= 1))
    # The likelihood says 0.5 in probation (log form ~0.03), except where a
    # value leaves the range seen so far by more than 5% of it (NAB's
    # spatial rule scores 1): early on, while the range is still narrow.
    half = np.log(0.5000000001) / np.log(1e-10)
    in_probation = score[:100]
    np.testing.assert_allclose(in_probation[~model.spatial_anomaly_[:100]], half)
    np.testing.assert_array_equal(in_probation[model.spatial_anomaly_[:100]], 1.0)
    # Once a full day has set the range, only the spike leaves it.
    assert np.flatnonzero(model.spatial_anomaly_[48:]).tolist() == [500 - 48]
    assert score[500] == 1.0


def test_online_each_row_scored_before_later_rows_exist():
    X = series(seed=1)
    whole = detector().fit(X).anomaly_score_
    prefix = detector().fit(X.iloc[:350]).anomaly_score_
    np.testing.assert_array_equal(prefix, whole[:350])


@pytest.mark.parametrize("cuts", [[200, 400], [1, 37, 250, 251, 599], [13]])
def test_partial_fit_over_chunks_of_any_size_equals_one_call(cuts):
    X = series(seed=2)
    whole = detector(block_size=8).fit(X)
    chunked = detector(block_size=8)
    bounds = [0, *cuts, 600]
    scores = [chunked.partial_fit(X.iloc[lo:hi]).anomaly_score_
              for lo, hi in zip(bounds[:-1], bounds[1:])]
    np.testing.assert_array_equal(np.concatenate(scores), whole.anomaly_score_)
    np.testing.assert_array_equal(chunked.pooler_.permanences_.toarray(),
                                  whole.pooler_.permanences_.toarray())
    assert chunked.n_samples_seen_ == 600


def test_outlier_conventions():
    X = series(spike=450, seed=3)
    model = detector(threshold=0.9).fit(X.iloc[:400])
    future = X.iloc[400:]
    before = pickle.dumps(model)
    s = model.score_samples(future)
    assert pickle.dumps(model) == before  # scoring does not learn
    np.testing.assert_allclose(model.decision_function(future), s + 0.9)
    predicted = model.predict(future)
    np.testing.assert_array_equal(predicted, np.where(-s >= 0.9, -1, 1))
    assert predicted[50] == -1 and (predicted == 1).mean() > 0.9
    # One row scored, then learned: the same score.
    for i in range(5):
        row = future.iloc[i:i + 1]
        assert model.score_samples(row)[0] == -model.partial_fit(row).ranking_score_[0]
    labels = detector(threshold=0.9).fit_predict(X)
    np.testing.assert_array_equal(labels == -1, detector().fit(X).anomaly_score_ >= 0.9)


def test_the_ranking_score_grades_the_ties_of_nabs_score():
    X = series(700, seed=4)
    spikes = {500: 22.0, 550: 30.0, 600: 45.0, 650: -3.0}
    for row, value in spikes.items():
        X.loc[row, "value"] = value
    model = detector().fit(X)
    score, ranking = model.anomaly_score_, model.ranking_score_
    assert (score[list(spikes)] == 1.0).all()  # NAB's score: a four-way tie
    # Each spike graded by how far it lies beyond the range seen before it.
    for row in spikes:
        before = X["value"].to_numpy()[:row]
        low, high = before.min(), before.max()
        beyond = max(spikes[row] - high, low - spikes[row]) / (high - low)
        assert ranking[row] == pytest.approx(1.0 + beyond)
    assert len(set(ranking[list(spikes)].tolist())) == 4
    # Elsewhere the two agree, and no score ranks lower than NAB's.
    graded = model.spatial_anomaly_ | (model.likelihood_estimator_.likelihood_[:, 0] == 1.0)
    np.testing.assert_array_equal(ranking[~graded], score[~graded])
    assert (ranking >= score).all()
    # score_samples and predict follow the ranking score.
    np.testing.assert_array_equal(detector(threshold=0.4).fit_predict(X) == -1,
                                  ranking >= 0.4)


def test_arrays_of_timestamp_and_value_work_like_frames():
    X = series(200, seed=4)
    from_frame = detector().fit(X).anomaly_score_
    from_array = detector().fit(X.to_numpy()).anomaly_score_
    np.testing.assert_array_equal(from_frame, from_array)


@pytest.mark.parametrize(
    "bad, message",
    [
        (pd.DataFrame({"timestamp": ["2024-01-02"], "value": [np.nan]}), "NaN"),
        (pd.DataFrame({"timestamp": ["not a time"], "value": [1.0]}), "timestamps"),
        (pd.DataFrame({"time": ["2024-01-02"], "value": [1.0]}), "timestamp"),
        (np.ones((3, 3)), "shape"),
        (pd.DataFrame({"timestamp": [], "value": []}), "no rows"),
    ],
)
def test_bad_input_is_refused_with_the_state_intact(bad, message):
    model = detector().fit(series(150))
    before = pickle.dumps(model)
    with pytest.raises(ValueError, match=message):
        model.partial_fit(bad)
    assert pickle.dumps(model) == before


def test_a_reversed_range_is_refused():
    with pytest.raises(ValueError, match="minimum"):
        detector(minimum=5, maximum=1).fit(series(20))


def test_without_the_likelihood_the_score_is_the_raw_anomaly():
    X = series(300, spike=250, seed=5)
    raw = detector(use_likelihood=False).fit(X)
    expected = raw.raw_anomaly_.copy()
    expected[raw.spatial_anomaly_] = 1.0
    np.testing.assert_array_equal(raw.anomaly_score_, expected)
    # The same chain underneath: the raw anomalies are those of the default.
    np.testing.assert_array_equal(detector().fit(X).raw_anomaly_, raw.raw_anomaly_)


def test_a_score_at_the_threshold_is_an_outlier_in_every_convention():
    model = detector(threshold=1.0).fit(series(spike=500))
    at_threshold = model.anomaly_score_ == 1.0
    assert at_threshold.any()
    # decision_function < 0 exactly where the score reaches the threshold
    # (scikit-learn reads 0 as an inlier).
    decision = -model.anomaly_score_ - model.offset_
    np.testing.assert_array_equal(decision < 0, at_threshold)
    np.testing.assert_array_equal(detector(threshold=1.0).fit_predict(series(spike=500)) == -1,
                                  at_threshold)


def test_a_range_from_a_few_rows_is_warned_about():
    X = series(300)
    with pytest.warns(UserWarning, match="value range is taken from the first call's 1 row"):
        HTMAnomalyDetector(probation=100, n_columns=256, activation_threshold=4,
                           min_threshold=3).partial_fit(X.iloc[:1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        HTMAnomalyDetector(probation=100, n_columns=256, activation_threshold=4,
                           min_threshold=3).partial_fit(X)
        detector().partial_fit(X.iloc[:1])  # a range given: nothing to warn about


def test_rows_that_go_back_in_time_are_warned_about():
    X = series(200)
    with pytest.warns(UserWarning, match="1 row\\(s\\) go back in time"):
        detector().fit(pd.concat([X.iloc[:100], X.iloc[50:51], X.iloc[100:]]))
    model = detector().fit(X)
    with pytest.warns(UserWarning, match="go back in time"):
        model.partial_fit(X.iloc[:10])


def test_verbose_reaches_the_pooler_and_the_temporal_memory(capsys):
    model = detector(verbose=1).fit(series(100))
    assert model.pooler_.verbose == 1 and model.temporal_memory_.verbose == 1
    assert detector().fit(series(100)).pooler_.verbose == 0


@pytest.mark.parametrize("temporal_memory, kind, thresholds", [
    ("backtracking", "BacktrackingTM", (13, 10)),
    ("htm.core", "TemporalMemoryTransformer", (10, 8)),
])
def test_each_temporal_memory_with_its_nab_thresholds(temporal_memory, kind, thresholds):
    X = series(spike=500, seed=3)
    model = detector(temporal_memory=temporal_memory, n_columns=2048,
                     activation_threshold=None, min_threshold=None).fit(X)
    tm = model.temporal_memory_
    assert type(tm).__name__ == kind
    assert (tm.activation_threshold, tm.min_threshold) == thresholds
    assert tm.n_samples_seen_ == 600
    # After a few days of the same daily shape, the raw anomaly falls
    # below the first day's.
    assert model.raw_anomaly_[400:480].mean() < model.raw_anomaly_[:48].mean()
    assert model.anomaly_score_[500] == 1.0
    explicit = detector(temporal_memory=temporal_memory, activation_threshold=3,
                        min_threshold=2).fit(X.iloc[:50]).temporal_memory_
    assert (explicit.activation_threshold, explicit.min_threshold) == (3, 2)


def test_too_few_columns_for_the_thresholds_are_warned_about_at_the_callers_line():
    with pytest.warns(UserWarning, match="5 active columns per row, fewer than "
                                          "activation_threshold=13") as record:
        detector(activation_threshold=None).fit(series(n=60))
    assert __file__ in {w.filename for w in record}


def test_a_pooler_too_large_for_the_machine_names_the_detectors_parameter(monkeypatch):
    from sklearn_htm.exceptions import MemoryBudgetError
    from sklearn_htm.spatial_pooler import _memory

    monkeypatch.setattr(_memory, "available_memory_bytes", lambda: 2**20)  # 1 MiB
    model = detector()
    with pytest.raises(MemoryBudgetError, match=r"Reduce n_columns.*\(HTMAnomalyDetector: "
                                                "n_columns is its only pooler parameter\)"):
        model.fit(series(n=60))
    assert not hasattr(model, "pooler_")


def test_a_temporal_memory_of_another_kind_is_refused():
    from sklearn.linear_model import SGDClassifier

    with pytest.raises(TypeError, match="temporal_memory must be .* got SGDClassifier"):
        detector(temporal_memory=SGDClassifier()).fit(series(n=60))


def test_a_temporal_memory_instance_is_cloned_and_used_as_given():
    from sklearn_htm import BacktrackingTM

    given = BacktrackingTM(max_seq_length=5, n_cells_per_column=8, random_state=3)
    model = detector(temporal_memory=given, activation_threshold=None,
                     min_threshold=3, n_columns=2048).fit(series(n=100))
    tm = model.temporal_memory_
    assert tm is not given and not hasattr(given, "anomaly_")
    assert (tm.max_seq_length, tm.n_cells_per_column, tm.random_state) == (5, 8, 3)
    assert (tm.activation_threshold, tm.min_threshold) == (13, 3)


def test_the_first_row_is_learned_once():
    # The pooler learns the first row alone, then blocks of 8: rows 1-8, 9-16.
    model = detector(block_size=8).fit(series(17))
    assert model.pooler_.n_samples_seen_ == 17 and model._pending_bits is None
    assert model.temporal_memory_.n_samples_seen_ == 17 == model.n_samples_seen_
    model.partial_fit(series(20).iloc[17:])
    assert model.pooler_.n_samples_seen_ == 17 and model._pending_bits.shape[0] == 3


@pytest.mark.parametrize("one_row", [False, True])
def test_one_row_calls_equal_one_call(one_row):
    X = series(120, seed=6)
    whole = detector(block_size=8).fit(X)
    streamed = detector(block_size=8)
    scores = []
    for i in range(len(X)):
        row = (X.timestamp[i], X.value[i]) if one_row else X.iloc[i:i + 1]
        scores.append(streamed.partial_fit(row).anomaly_score_[0])
    np.testing.assert_array_equal(scores, whole.anomaly_score_)
    assert streamed.temporal_memory_._state.canonical() == whole.temporal_memory_._state.canonical()


@pytest.mark.parametrize("part, method", [("temporal_memory_", "_partial_fit_rows"),
                                          ("pooler_", "_partial_fit_rows"),
                                          ("pooler_", "_transform_rows")])
def test_an_interrupted_call_keeps_a_prefix_in_every_part(monkeypatch, part, method):
    """Interrupted at the fourth block of a call, the detector keeps the
    rows all its parts learned, and continues as if given only those."""
    X = series(400, seed=5)
    model = detector(block_size=8).fit(X.iloc[:100])
    cls = type(getattr(model, part))
    original = getattr(cls, method)
    calls = []

    def interrupted(self, *args):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(cls, method, interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.partial_fit(X.iloc[100:300])
    monkeypatch.undo()
    kept = model.n_samples_seen_
    assert 100 < kept < 300
    pending = 0 if model._pending_bits is None else model._pending_bits.shape[0]
    assert model.pooler_.n_samples_seen_ + pending == kept
    assert model.temporal_memory_.n_samples_seen_ == kept
    assert model.anomaly_score_.shape == (kept - 100,)
    model.partial_fit(X.iloc[kept:])
    whole = detector(block_size=8).fit(X)
    np.testing.assert_array_equal(model.anomaly_score_, whole.anomaly_score_[kept:])
    assert model.temporal_memory_._state.canonical() == whole.temporal_memory_._state.canonical()


def test_a_refused_call_changes_no_part():
    model = detector().fit(series(200))
    before = pickle.dumps(model)
    bad = series(10, seed=7)
    bad.loc[5, "value"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.partial_fit(bad)
    with pytest.raises(ValueError, match="parsed"):
        model.partial_fit(("not a time", 3.0))
    with pytest.raises(ValueError, match="numbers are not timestamps"):
        model.partial_fit((1404174600, 3.0))
    with pytest.raises(ValueError, match="numbers are not timestamps"):
        model.partial_fit(pd.DataFrame({"timestamp": [1.5e9, 1.6e9], "value": [1.0, 2.0]}))
    with pytest.raises(ValueError, match=r"frame.iloc\[i:i \+ 1\]"):
        model.partial_fit(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="do not say which is the value"):
        model.partial_fit(series(3).rename(columns={"value": "v"}).assign(w=1.0))
    with pytest.raises(ValueError, match="started with them"):
        model.partial_fit(np.array([1.0, 2.0]))
    assert pickle.dumps(model) == before


@pytest.mark.parametrize("sentinel", [1e300, -1e300, 2.0**64,
                                      float(np.finfo(np.float32).max), 1.7e308])
def test_a_sensor_sentinel_is_scored_with_its_call(sentinel):
    # A huge finite value (a sensor's "no reading") is encoded as the edge
    # bucket and scored by the spatial rule; the rows around it are scored too.
    X = series(220, seed=11)
    with_sentinel = X.copy()
    with_sentinel.loc[210, "value"] = sentinel
    model = detector().fit(X.iloc[:200]).partial_fit(with_sentinel.iloc[200:])
    clean = detector().fit(X)
    assert model.anomaly_score_.shape == (20,)
    assert model.spatial_anomaly_[10] and model.anomaly_score_[10] == 1.0
    assert np.isfinite(model.ranking_score_).all()
    assert model.ranking_score_[10] > max(np.delete(model.ranking_score_, 10))
    # Rows before it are scored as without it.
    np.testing.assert_array_equal(model.anomaly_score_[:10], clean.anomaly_score_[200:210])


def test_a_sentinel_does_not_widen_the_range_of_the_spatial_rule():
    # After a sentinel, a value beyond the range seen is still a spatial
    # anomaly, as it is in the same stream without the sentinel.
    X = series(230, seed=14)
    X.loc[225, "value"] = 30.0  # beyond the cycle's 5..15
    with_sentinel = X.copy()
    with_sentinel.loc[210, "value"] = 1e300
    model = detector().fit(with_sentinel)
    clean = detector().fit(X)
    assert model.spatial_anomaly_[210] and model.spatial_anomaly_[225]
    np.testing.assert_array_equal(np.delete(model.spatial_anomaly_, 210),
                                  np.delete(clean.spatial_anomaly_, 210))
    assert model._seen_range == clean._seen_range


def test_sentinels_share_the_edge_code():
    # Every value beyond the value encoder's edge bucket is the same input
    # to the pooler and the Temporal Memory.
    X = series(220, seed=12)
    states = []
    for sentinel in (1e300, 2.0**64, 1.7e308):
        stream = X.copy()
        stream.loc[210, "value"] = sentinel
        states.append(detector().fit(stream).temporal_memory_._state.canonical())
    assert states[0] == states[1] == states[2]
    ordinary = X.copy()
    ordinary.loc[210, "value"] = 25.0
    assert detector().fit(ordinary).temporal_memory_._state.canonical() != states[0]


def test_a_start_range_wider_than_float64_is_refused():
    X = series(120, seed=13)
    X.loc[[0, 1], "value"] = [-1.7e308, 1.7e308]
    model = detector(minimum=None, maximum=None)
    with pytest.raises(ValueError, match="wider than float64 holds; give minimum"):
        model.fit(X)
    assert not hasattr(model, "pooler_")


def test_timestamps_in_any_form_are_one_stream():
    X = series(60, seed=8)
    as_datetimes = detector().fit(X).anomaly_score_
    as_strings = X.assign(timestamp=X.timestamp.dt.strftime("%Y-%m-%d %H:%M:%S"))
    np.testing.assert_array_equal(detector().fit(as_strings).anomaly_score_, as_datetimes)
    one_by_one = detector()
    scores = [one_by_one.partial_fit(as_strings.iloc[i:i + 1]).anomaly_score_[0]
              for i in range(60)]
    np.testing.assert_array_equal(scores, as_datetimes)
    # A time zone: wall-clock time, as the date encoder reads it.
    zoned = X.assign(timestamp=X.timestamp.dt.tz_localize("Europe/Paris"))
    np.testing.assert_array_equal(detector().fit(zoned).anomaly_score_, as_datetimes)
    single = detector().fit(zoned.iloc[:59])
    single.partial_fit((zoned.timestamp[59], zoned.value[59]))
    np.testing.assert_array_equal(single.anomaly_score_, as_datetimes[59:])


@pytest.mark.parametrize("temporal_memory", ["backtracking", "htm.core"])
def test_scoring_one_row_gives_the_score_learning_it_gives(temporal_memory):
    X = series(300, seed=9)
    model = detector(temporal_memory=temporal_memory).fit(X.iloc[:250])
    for i in range(250, 260):
        row = X.iloc[i:i + 1]
        before = pickle.dumps(model)
        scored = model.score_samples(row)
        assert pickle.dumps(model) == before
        assert scored[0] == -model.partial_fit(row).anomaly_score_[0]


def test_a_refused_first_call_leaves_the_detector_unfitted():
    """Refused before any warning of the same threshold (n_columns=256
    makes 5 active columns, fewer than 25: the refusal comes first)."""
    from sklearn.exceptions import NotFittedError

    model = detector(activation_threshold=25)  # more than the TM can ever reach
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="can never be reached.*HTMAnomalyDetector: its "
                                             "Temporal Memory's other parameters are given "
                                             r"through temporal_memory=BacktrackingTM\(\.\.\.\)"):
            model.partial_fit(series(40))
    assert not hasattr(model, "pooler_") and not hasattr(model, "temporal_memory_")
    with pytest.raises(NotFittedError):
        model.score_samples(series(2))


def test_a_temporal_memory_failing_part_way_keeps_the_rows_it_learned(monkeypatch):
    """A failure inside the TM's run, after some rows of a block: those rows
    (and their raw anomalies) are kept in every part, the TM catching up the
    rest of a block the pooler learned."""
    from sklearn_htm.backtracking_tm.backends._numba import NumbaBackend

    X = series(400, seed=11)
    model = detector(block_size=8).fit(X.iloc[:100])
    original = NumbaBackend.learn
    calls = []

    def failing(self, config, state, rows, out=None, **options):
        calls.append(1)
        if len(calls) == 3:  # learn 3 rows of the block, then fail
            original(self, config, state, rows[:3], out[:3], **options)
            raise MemoryError
        return original(self, config, state, rows, out, **options)

    monkeypatch.setattr(NumbaBackend, "learn", failing)
    with pytest.raises(MemoryError):
        model.partial_fit(X.iloc[100:300])
    monkeypatch.undo()
    kept = model.n_samples_seen_
    pending = 0 if model._pending_bits is None else model._pending_bits.shape[0]
    assert model.temporal_memory_.n_samples_seen_ == kept
    assert model.pooler_.n_samples_seen_ + pending == kept
    whole = detector(block_size=8).fit(X)
    np.testing.assert_array_equal(model.anomaly_score_, whole.anomaly_score_[100:kept])
    model.partial_fit(X.iloc[kept:])
    np.testing.assert_array_equal(model.anomaly_score_, whole.anomaly_score_[kept:])


def test_time_of_day_outside_the_nanosecond_years_and_across_a_clock_change():
    # Years datetime64[ns] cannot hold are encoded by their time of day too.
    model = detector().fit(series(50))
    stamps = ["2024-05-01 10:00", "2500-05-01 10:00", "1600-05-01 10:00"]
    date_bits = [model._encode(*_frame_of(t)).indices[21:].tolist() for t in stamps]
    assert date_bits[0] == date_bits[1] == date_bits[2]
    # A zoned series through a fall-back hour goes forward in time: no warning.
    t = pd.date_range("2024-11-03 00:00", periods=16, freq="15min", tz="US/Eastern")
    assert (np.diff(t.tz_localize(None).to_numpy()) < np.timedelta64(0)).any()  # wall clock
    zoned = pd.DataFrame({"timestamp": t, "value": np.linspace(0, 10, 16)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        detector().fit(zoned)


def _frame_of(stamp):
    from sklearn_htm.anomaly._rows import frame

    wall, _, values = frame((stamp, 5.0))
    return wall, values


@pytest.mark.parametrize("name, value", [("block_size", 4), ("n_columns", 512),
                                         ("minimum", -5.0), ("temporal_memory", "htm.core"),
                                         ("random_state", 1)])
def test_a_structural_parameter_changed_mid_stream_is_refused(name, value):
    """A smaller block_size with more rows pending than it once made the next
    call loop forever; every parameter that shaped the parts is refused, by
    partial_fit and score_samples alike, changing nothing."""
    X = series(30)
    model = detector().fit(X.iloc[:9])
    before, original = pickle.dumps(model), getattr(model, name)
    model.set_params(**{name: value})
    for call in (model.partial_fit, model.score_samples):
        with pytest.raises(ValueError, match=f"{name}=.*cannot change mid-stream"):
            call(X.iloc[9:10])
    model.set_params(**{name: original})
    assert pickle.dumps(model) == before


def test_threshold_and_use_likelihood_apply_mid_stream():
    X = series(200)
    model = detector().fit(X.iloc[:150])
    model.set_params(threshold=0.9, use_likelihood=False)
    model.partial_fit(X.iloc[150:])
    whole = detector(use_likelihood=False).fit(X)
    np.testing.assert_array_equal(model.raw_anomaly_, whole.raw_anomaly_[150:])
    np.testing.assert_array_equal(model.anomaly_score_[~model.spatial_anomaly_],
                                  model.raw_anomaly_[~model.spatial_anomaly_])


def test_a_changed_parameter_of_the_temporal_memory_given_is_refused():
    """A nested set_params (temporal_memory__...) changes the stream's
    Temporal Memory as much as replacing it: refused, not ignored."""
    from sklearn_htm import BacktrackingTM

    X = series(30)
    model = detector(temporal_memory=BacktrackingTM(n_cells_per_column=8)).fit(X.iloc[:20])
    before = pickle.dumps(model)
    model.set_params(temporal_memory__n_cells_per_column=4)
    with pytest.raises(ValueError, match="temporal_memory=.*cannot change mid-stream"):
        model.partial_fit(X.iloc[20:21])
    model.set_params(temporal_memory__n_cells_per_column=8)
    assert pickle.dumps(model) == before
    model.partial_fit(X.iloc[20:21])
