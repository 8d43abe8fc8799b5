"""MultiStreamDetector: one detector per stream, equal to separate ones;
ranges; the memory budget; scoring without learning; refused input."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from sklearn_htm import MultiStreamDetector

from .._common_cases import fingerprint
from ._data import KEYS, interleaved, separately, small_detector, stream

RANGES = {"cpu": (0.0, 20.0), 7: (-5.0, 25.0)}  # "disk" takes its first call's

pytestmark = pytest.mark.filterwarnings("ignore:The value range is taken")


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**16), cuts=st.lists(st.integers(1, 89), max_size=3, unique=True),
       n_rows=st.integers(20, 30))
def test_scores_equal_separate_detectors_in_any_interleaving_and_calls(seed, cuts, n_rows):
    X = interleaved(n_rows, seed=seed)
    cuts = [cut for cut in cuts if cut < len(X)]
    expected, _ = separately(X, RANGES, cuts=cuts)
    streams = MultiStreamDetector(small_detector(), ranges=RANGES)
    bounds = [0, *sorted(cuts), len(X)]
    scores = np.concatenate([streams.partial_fit(X.iloc[begin:end]).anomaly_score_
                             for begin, end in zip(bounds[:-1], bounds[1:])])
    np.testing.assert_array_equal(scores, expected)
    assert streams.streams_ == list(dict.fromkeys(X["stream"].tolist()))
    assert streams.n_samples_seen_ == len(X)


def test_ranges_as_a_frame_equal_ranges_as_a_mapping():
    X = interleaved(30)
    frame = pd.DataFrame({"stream": list(RANGES), "minimum": [r[0] for r in RANGES.values()],
                          "maximum": [r[1] for r in RANGES.values()]})
    by_frame = MultiStreamDetector(small_detector(), ranges=frame).fit(X)
    by_mapping = MultiStreamDetector(small_detector(), ranges=RANGES).fit(X)
    np.testing.assert_array_equal(by_frame.anomaly_score_, by_mapping.anomaly_score_)
    assert by_frame.detector_for("cpu").maximum == 20.0
    assert by_frame.detector_for("disk").maximum is None  # the detector's own handling


def test_a_stream_without_a_range_warns_as_the_detector_does():
    X = stream("disk", 5, 0)
    with pytest.warns(UserWarning, match="value range is taken from the first call"):
        MultiStreamDetector(small_detector()).partial_fit(X)


def test_the_default_detector_is_the_package_detector():
    streams = MultiStreamDetector(ranges={"cpu": (0, 20)}).partial_fit(stream("cpu", 3, 0))
    detector = streams.detector_for("cpu")
    assert (detector.n_columns, detector.probation) == (2048, 750)


def test_results_do_not_depend_on_the_memory_budget(tmp_path):
    X = interleaved(30)
    free = MultiStreamDetector(small_detector(), ranges=RANGES).fit(X.iloc[:50])
    tight = MultiStreamDetector(small_detector(), ranges=RANGES, checkpoint_dir=tmp_path,
                                max_resident=1).fit(X.iloc[:50])
    assert tight.n_resident_ == 1 and free.n_resident_ == 3
    np.testing.assert_array_equal(tight.anomaly_score_, free.anomaly_score_)
    free.partial_fit(X.iloc[50:])
    tight.partial_fit(X.iloc[50:])
    np.testing.assert_array_equal(tight.anomaly_score_, free.anomaly_score_)
    np.testing.assert_array_equal(tight.score_samples(X.iloc[:9]), free.score_samples(X.iloc[:9]))
    for key in KEYS:
        assert fingerprint(tight.detector_for(key)) == fingerprint(free.detector_for(key))
    assert tight.n_resident_ == 1


def test_n_jobs_gives_the_scores_of_one_process():
    X = interleaved(25)
    one = MultiStreamDetector(small_detector(), ranges=RANGES).fit(X)
    two = MultiStreamDetector(small_detector(), ranges=RANGES, n_jobs=2).fit(X)
    np.testing.assert_array_equal(two.anomaly_score_, one.anomaly_score_)
    for key in KEYS:
        assert fingerprint(two.detector_for(key)) == fingerprint(one.detector_for(key))


def test_score_samples_scores_each_stream_as_its_detector_without_learning():
    X = interleaved(30)
    streams = MultiStreamDetector(small_detector(), ranges=RANGES).fit(X.iloc[:60])
    _, detectors = separately(X.iloc[:60], RANGES)
    before = {key: fingerprint(streams.detector_for(key)) for key in KEYS}
    rest = X.iloc[60:]
    scores = streams.score_samples(rest)
    for key in KEYS:
        rows = (rest["stream"] == key).to_numpy()
        np.testing.assert_array_equal(
            scores[rows], detectors[key].score_samples(rest.loc[rows, ["timestamp", "value"]]))
        assert fingerprint(streams.detector_for(key)) == before[key]
    np.testing.assert_array_equal(streams.decision_function(rest), scores - streams.offset_)
    np.testing.assert_array_equal(streams.predict(rest),
                                  np.where(-scores >= streams.detector.threshold, -1, 1))


def test_fit_forgets_every_stream():
    streams = MultiStreamDetector(small_detector()).fit(stream("cpu", 20, 0))
    streams.fit(stream("disk", 20, 1))
    assert streams.streams_ == ["disk"] and streams.n_samples_seen_ == 20


def test_fit_predict_says_which_rows_reached_the_threshold():
    X = interleaved(20)
    streams = MultiStreamDetector(small_detector(), ranges=RANGES)
    labels = streams.fit_predict(X)
    np.testing.assert_array_equal(labels, np.where(streams.anomaly_score_ >= 0.5, -1, 1))


def test_verbose_1_reports_progress_under_the_class_name(capsys):
    MultiStreamDetector(small_detector(), ranges=RANGES, verbose=1).fit(interleaved(10))
    assert "[MultiStreamDetector.fit] 30/30 samples (100%)" in capsys.readouterr().out


# ------------------------------------------------------------ refused input


def _bad(X):
    return [
        ("not a DataFrame", X.to_numpy(), TypeError, "DataFrame in long format"),
        ("no stream column", X.drop(columns="stream"), ValueError, r"\['stream'\]"),
        ("no rows", X.iloc[:0], ValueError, "no rows"),
        ("NaN value", X.assign(value=np.r_[X["value"].to_numpy()[:-1], np.nan]), ValueError,
         "NaN"),
        ("NaN timestamp", X.assign(timestamp=[*X["timestamp"][:-1], pd.NaT]), ValueError,
         "NaT"),
        ("bad timestamp", X.assign(timestamp=[*X["timestamp"].astype(str)[:-1], "soon"]),
         ValueError, "cannot be parsed"),
        ("missing key", X.assign(stream=[*X["stream"][:-1], None]), ValueError, "missing key"),
        ("float key", X.assign(stream=1.5), ValueError, "strings or integers"),
    ]


@pytest.mark.parametrize("index", range(8))
def test_bad_input_is_refused_with_nothing_changed(index, tmp_path):
    X = interleaved(20)
    name, bad, error, message = _bad(X)[index]
    streams = MultiStreamDetector(small_detector(), ranges=RANGES).partial_fit(X.iloc[:30])
    before = fingerprint(streams)
    for method in (streams.partial_fit, streams.fit, streams.score_samples):
        with pytest.raises(error, match=message):
            method(bad)
        assert fingerprint(streams) == before, (name, method)
    fresh = MultiStreamDetector(small_detector())
    with pytest.raises(error, match=message):
        fresh.partial_fit(bad)
    with pytest.raises(NotFittedError):
        fresh.score_samples(X)


@pytest.mark.parametrize("ranges, message", [
    ({"cpu": (5, 1)}, "minimum <= maximum"),
    ({"cpu": (0, np.inf)}, "finite"),
    ({"cpu": 3}, r"must be \(minimum, maximum\)"),
    (pd.DataFrame({"stream": ["cpu"], "low": [0], "maximum": [1]}), "minimum"),
    (pd.DataFrame({"stream": ["cpu", "cpu"], "minimum": [0, 0], "maximum": [1, 1]}), "twice"),
])
def test_malformed_ranges_are_refused_before_learning(ranges, message):
    streams = MultiStreamDetector(small_detector(), ranges=ranges)
    with pytest.raises(ValueError, match=message):
        streams.partial_fit(interleaved(10))
    assert not hasattr(streams, "anomaly_score_")


def test_max_resident_needs_a_checkpoint_dir():
    with pytest.raises(ValueError, match="max_resident needs checkpoint_dir"):
        MultiStreamDetector(small_detector(), max_resident=2).fit(interleaved(10))


def test_a_stream_going_back_in_time_is_named_in_the_warning():
    X = stream("cpu", 10, 0)
    streams = MultiStreamDetector(small_detector(), ranges=RANGES).partial_fit(X)
    with pytest.warns(UserWarning, match="detector of stream 'cpu'"):
        streams.partial_fit(X.iloc[:2])


def test_score_samples_refuses_a_stream_never_learned():
    streams = MultiStreamDetector(small_detector(), ranges=RANGES).fit(stream("cpu", 10, 0))
    with pytest.raises(ValueError, match=r"never learned: \['disk'\]"):
        streams.score_samples(stream("disk", 3, 1))


def test_detector_for_an_unknown_key_raises_key_error():
    streams = MultiStreamDetector(small_detector(), ranges=RANGES).fit(stream("cpu", 10, 0))
    with pytest.raises(KeyError, match="no stream 'disk'"):
        streams.detector_for("disk")
    assert streams.detector_for(np.str_("cpu")) is streams.detector_for("cpu")


def test_an_interrupted_call_keeps_a_prefix_of_each_stream(monkeypatch):
    X = interleaved(20)
    streams = MultiStreamDetector(small_detector(), ranges=RANGES).fit(X.iloc[:30])
    detector_type = type(streams.detector_for("cpu"))
    real, calls = detector_type._tm_learn, []

    def interrupted(self, sdrs, out):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, sdrs, out)

    monkeypatch.setattr(detector_type, "_tm_learn", interrupted)
    with pytest.raises(KeyboardInterrupt):
        streams.partial_fit(X.iloc[30:])
    monkeypatch.undo()
    seen = {key: streams.detector_for(key).n_samples_seen_ for key in KEYS}
    assert sum(seen.values()) == streams.n_samples_seen_
    assert 30 < streams.n_samples_seen_ < len(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Each detector continues from its own prefix (nothing goes back in time).
        for key in KEYS:
            rest = X[X["stream"] == key].iloc[seen[key]:]
            if len(rest):
                streams.partial_fit(rest)


def test_a_started_streams_settings_are_refused_and_the_others_apply(tmp_path):
    X = interleaved(20)
    streams = MultiStreamDetector(small_detector(), ranges=RANGES, checkpoint_dir=tmp_path)
    streams.partial_fit(X.iloc[:30])

    def learned():
        # (_started_with holds the parameters given, a Path whose pickled
        # state caches its string once used)
        return {name: value for name, value in fingerprint(streams).items()
                if (name.startswith("_") or name.endswith("_")) and name != "_started_with"}

    before = learned()
    for change, message in (({"detector": small_detector(threshold=0.9)}, "detector="),
                            ({"checkpoint_dir": tmp_path / "other"}, "checkpoint_dir="),
                            ({"ranges": {**RANGES, "cpu": (0.0, 30.0)}}, r"\['cpu'\]")):
        with pytest.raises(ValueError, match=message):
            streams.set_params(**change).partial_fit(X.iloc[30:])
        assert learned() == before
        streams.set_params(detector=small_detector(), ranges=RANGES, checkpoint_dir=tmp_path)
    streams.set_params(ranges={**RANGES, "net": (0.0, 1.0)}, max_resident=1)
    streams.partial_fit(X.iloc[30:])
    assert streams.n_resident_ == 1
    streams.partial_fit(stream("net", 3, 5))
    assert streams.detector_for("net").maximum == 1.0


def test_keys_that_read_alike_in_two_types_are_refused():
    streams = MultiStreamDetector(small_detector()).fit(stream(1, 20, 0))
    before = fingerprint(streams)
    with pytest.raises(ValueError, match=r"keys 1 \(int\) and '1' \(str\) would be two"):
        streams.partial_fit(stream("1", 3, 0))
    assert fingerprint(streams) == before
    with pytest.raises(ValueError, match="would be two"):
        MultiStreamDetector(small_detector()).fit(pd.concat([stream(2, 3, 0),
                                                             stream("2", 3, 0)]))


def test_ranges_of_another_form_are_refused():
    with pytest.raises(ValueError, match="ranges must be a mapping"):
        MultiStreamDetector(small_detector(), ranges=[("cpu", 0, 1)]).fit(interleaved(5))
