"""The forms a stream's rows come in (anomaly/_rows.py), as the detector and
the forecaster read them: one rule for both, and streams without a clock."""

import pickle

import numpy as np
import pandas as pd
import pytest

from sklearn_htm import HTMAnomalyDetector, HTMForecaster, MultiStreamDetector
from sklearn_htm.anomaly._rows import frame

N_ROWS = 240


def rows(n=N_ROWS, seed=0):
    rng = np.random.RandomState(seed)
    stamps = pd.date_range("2024-01-01", periods=n, freq="30min")
    values = 10 + 5 * np.sin(2 * np.pi * np.arange(n) / 48) + rng.normal(0, 0.2, n)
    return stamps, values


def detector(**params):
    return HTMAnomalyDetector(minimum=0, maximum=20, probation=60, n_columns=256,
                              activation_threshold=4, min_threshold=3, **params)


def forecaster():
    return HTMForecaster(minimum=0, maximum=20, n_columns=256)


STAMPS, VALUES = rows()
TIMED_FORMS = {
    "frame": lambda: pd.DataFrame({"timestamp": STAMPS, "value": VALUES}),
    "frame of any value name": lambda: pd.DataFrame({"timestamp": STAMPS, "cpu": VALUES}),
    "frame indexed by time": lambda: pd.DataFrame({"load": VALUES}, index=STAMPS),
    "series indexed by time": lambda: pd.Series(VALUES, index=STAMPS),
    "pairs": lambda: list(zip(STAMPS, VALUES)),
    "object array": lambda: np.array(list(zip(STAMPS, VALUES)), dtype=object),
}
UNTIMED_FORMS = {
    "1-D array": lambda: VALUES.copy(),
    "list": lambda: VALUES.tolist(),
    "column": lambda: VALUES[:, None],
    "series": lambda: pd.Series(VALUES),
    "frame": lambda: pd.DataFrame({"value": VALUES}),
    "frame of any value name": lambda: pd.DataFrame({"x": VALUES}),
}


@pytest.mark.parametrize("form", sorted(TIMED_FORMS))
def test_every_timed_form_is_the_same_stream(form):
    expected = detector().fit(TIMED_FORMS["frame"]()).anomaly_score_
    np.testing.assert_array_equal(detector().fit(TIMED_FORMS[form]()).anomaly_score_,
                                  expected)


@pytest.mark.parametrize("form", sorted(UNTIMED_FORMS))
def test_values_alone_are_a_stream_without_a_clock(form):
    timed = detector().fit(TIMED_FORMS["frame"]())
    untimed = detector().fit(UNTIMED_FORMS[form]())
    # The value code alone: what time_of_day=None gives the timed rows.
    clock_off = detector(time_of_day=None).fit(TIMED_FORMS["frame"]())
    np.testing.assert_array_equal(untimed.anomaly_score_, clock_off.anomaly_score_)
    assert untimed._encoders[1] is None and timed._encoders[1] is not None
    assert untimed.pooler_.n_features_in_ < timed.pooler_.n_features_in_


@pytest.mark.parametrize("timed", [True, False])
def test_one_row_at_a_time_as_river_passes_it(timed):
    batch = detector().fit(TIMED_FORMS["frame"]() if timed else VALUES).anomaly_score_
    model, scores = detector(), []
    for stamp, value in zip(STAMPS, VALUES):
        one = {"timestamp": stamp, "value": value} if timed else {"value": value}
        scores.append(model.partial_fit(one).anomaly_score_[0])
    np.testing.assert_array_equal(scores, batch)
    if not timed:  # a number alone, and a DataFrame's row (a Series by label)
        model = detector().fit(VALUES[:200])
        assert [model.partial_fit(v).anomaly_score_[0] for v in VALUES[200:]] \
            == batch[200:].tolist()
    frame_rows = pd.DataFrame({"timestamp": STAMPS, "value": VALUES})
    if not timed:
        frame_rows = frame_rows[["value"]]
    model = detector().fit(frame_rows.iloc[:200])
    assert [model.partial_fit(frame_rows.iloc[i]).anomaly_score_[0]
            for i in range(200, N_ROWS)] == batch[200:].tolist()


def test_the_forecaster_reads_the_same_forms():
    timed = forecaster().fit(pd.Series(VALUES, index=STAMPS)).forecast_
    np.testing.assert_array_equal(
        forecaster().fit(pd.DataFrame({"timestamp": STAMPS, "value": VALUES})).forecast_, timed)
    untimed = forecaster().fit(VALUES)
    clock_off = HTMForecaster(minimum=0, maximum=20, n_columns=256, time_of_day=None,
                              day_of_week=None).fit(TIMED_FORMS["frame"]())
    np.testing.assert_array_equal(untimed.forecast_, clock_off.forecast_)
    assert untimed.predict(VALUES[:5]).shape == (5, 1)
    with pytest.raises(ValueError, match="started without them"):
        untimed.predict(TIMED_FORMS["frame"]().iloc[:5])


@pytest.mark.parametrize("make", [detector, forecaster])
def test_a_stream_keeps_the_clock_it_started_with(make):
    timed = make().fit(TIMED_FORMS["frame"]().iloc[:100])
    untimed = make().fit(VALUES[:100])
    before = pickle.dumps(timed), pickle.dumps(untimed)
    with pytest.raises(ValueError, match="started with them"):
        timed.partial_fit(VALUES[100:110])
    with pytest.raises(ValueError, match="started without them"):
        untimed.partial_fit(TIMED_FORMS["frame"]().iloc[100:110])
    assert (pickle.dumps(timed), pickle.dumps(untimed)) == before


@pytest.mark.parametrize("X, message", [
    (pd.DataFrame({"a": [1.0], "b": [2.0]}), "do not say which is the value"),
    ({"timestamp": "2024-01-01", "a": 1.0, "b": 2.0}, "do not say which is the value"),
    (np.zeros((3, 3)), "shape"),
    (np.zeros((0,)), "no rows"),
    ([], "no rows"),
    (["a", "b"], "must be numbers"),
    ([1.0, np.nan], "NaN"),
    ([1.0, 2.0, np.inf, np.nan], "2 of 4, the first at position 2: inf"),
    (None, "None, reads as NaN"),
    (np.c_[np.arange(3.0), np.ones(3)], "give the values alone"),
    ({"timestamp": 1.7e9, "value": 1.0}, "numbers are not timestamps"),
    (pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-01-01", pd.NaT])),
     "NaT\\): 1 of 2, the first at position 1"),
    (("yesterday-ish", 3.0), "1 of the 1 timestamps cannot be read as dates and times "
                             "\\(the first, at position 0: 'yesterday-ish'\\)"),
    (pd.DataFrame({"timestamp": ["2024-01-01 00:00", "garbage", "2024-01-01 02:00", "x"],
                   "value": [1.0, 2.0, 3.0, 4.0]}),
     "2 of the 4 timestamps cannot be read as dates and times \\(the first, at position 1: "
     "'garbage'\\)"),
    (pd.DataFrame({"timestamp": ["01/02/2024", "2024-01-03 00:00"], "value": [1.0, 2.0]}),
     "not all in one format \\(position 0: '01/02/2024'\\); parse them first"),
])
def test_unreadable_rows_are_refused_naming_the_problem(X, message):
    with pytest.raises(ValueError, match=message) as refused:
        frame(X)
    assert "format=" not in str(refused.value)  # pandas' advice names arguments we lack


def test_a_frames_row_of_any_value_name_is_one_row():
    timed = pd.DataFrame({"timestamp": STAMPS, "x": VALUES})
    stamps, _, values = frame(timed.iloc[3])
    assert values.tolist() == [VALUES[3]] and stamps[0] == STAMPS[3]
    with pytest.raises(ValueError, match="do not say which is the value"):
        frame(pd.DataFrame({"x": VALUES, "y": VALUES}).iloc[0])  # not two values


def test_iso_timestamps_of_mixed_precision_are_read():
    stamps, _, _ = frame(pd.DataFrame({"timestamp": ["2024-01-01", "2024-01-01 02:00"],
                                       "value": [1.0, 2.0]}))
    np.testing.assert_array_equal(stamps, np.array(["2024-01-01T00:00", "2024-01-01T02:00"],
                                                   dtype="datetime64[ns]"))


def test_a_zoned_index_is_read_as_a_zoned_column():
    zoned = STAMPS.tz_localize("Europe/Paris")
    by_column = frame(pd.DataFrame({"timestamp": zoned, "value": VALUES}))
    by_index = frame(pd.Series(VALUES, index=zoned))
    for a, b in zip(by_column, by_index):
        np.testing.assert_array_equal(a, b)
    assert by_index[0][0] == np.datetime64("2024-01-01T00:00")  # wall-clock time
    assert by_index[1][0] == np.datetime64("2023-12-31T23:00")  # the instant, UTC


def test_many_streams_without_a_clock():
    keys = np.repeat(["a", "b"], 100)
    values = np.concatenate([rows(100, seed=1)[1], rows(100, seed=2)[1]])
    owner = np.random.RandomState(0).permutation(np.repeat([0, 1], 100))
    order = np.empty(200, dtype=int)
    for k in (0, 1):  # the streams interleaved, each in its order
        order[owner == k] = np.arange(100) + 100 * k
    X = pd.DataFrame({"stream": keys, "value": values}).iloc[order].reset_index(drop=True)
    multi = MultiStreamDetector(detector()).partial_fit(X)
    for key in ("a", "b"):
        mine = (X["stream"] == key).to_numpy()
        alone = detector().fit(X.loc[mine, "value"].to_numpy())
        np.testing.assert_array_equal(multi.anomaly_score_[mine], alone.anomaly_score_)
    with pytest.raises(ValueError, match="started without them"):
        multi.partial_fit(X.assign(timestamp=pd.Timestamp("2024-01-01")))
