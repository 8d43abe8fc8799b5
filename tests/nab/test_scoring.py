"""NAB scoring on small generated series, against values computed by hand from NAB's rules.

Notation of the comments: S(p) = 2 * sigmoid(-5 p) - 1 = -tanh(2.5 p), the scaled
sigmoid (S = -1 for p > 3). A detection at row i of a window [L, R] (width
W = R - L + 1) earns tp * S(p) / S(-1) with p = -(R - i + 1) / W; a detection d
rows after the right edge of the preceding window (of width W) costs fp * S(d / (W - 1)),
and fp * S(big) = -fp when there is no preceding window. A missed window costs
-fn. The first floor(0.15 n) rows (at most 750) are not scored. Profiles
(tp, fp, fn): standard (1, 0.11, 1), reward_low_FP_rate (1, 0.22, 1),
reward_low_FN_rate (1, 0.11, 2).
"""

import math

import numpy as np
import pandas as pd
import pytest

from sklearn_htm.nab._scoring import (
    PROFILES,
    score_all_profiles,
    score_corpus,
    score_series,
)

N = 100  # rows of the generated series: probation = floor(15.000...) = 15 rows
S_LEFT = math.tanh(2.5)  # S(-1) = 2 sigmoid(5) - 1 = 0.98661


def _times(n=N, start="2020-01-01"):
    return pd.date_range(start, periods=n, freq="min")


def _window(times, left, right):
    return (times[left], times[right])


def _scores(n=N, detections=(), value=1.0):
    scores = np.zeros(n)
    scores[list(detections)] = value
    return scores


# ---------------------------------------------------------------------- one series


def test_detection_at_left_edge_earns_the_tp_weight():
    t = _times()
    # Window rows 40..49 (W = 10); detection at L = 40: p = -(49 - 40 + 1) / 10 = -1,
    # reward tp * S(-1) / S(-1) = 1.
    result = score_series(t, _scores(detections=[40]), [_window(t, 40, 49)], 0.5)
    assert result.score == pytest.approx(1.0)
    # Scored rows 15..99 = 85: 10 in the window (1 detected), 75 outside.
    assert (result.tp, result.fp, result.fn, result.tn) == (1, 0, 9, 75)
    assert (result.n_windows, result.n_scored_windows) == (1, 1)


def test_later_detection_in_window_earns_less():
    t = _times()
    window = [_window(t, 40, 49)]
    # Row 45: p = -(49 - 45 + 1) / 10 = -0.5 -> S(-0.5) / S(-1) = tanh(1.25) / tanh(2.5)
    # = 0.84828 / 0.98661 = 0.85979.
    middle = score_series(t, _scores(detections=[45]), window, 0.5).score
    assert middle == pytest.approx(0.84828 / 0.98661, abs=1e-4)
    # Right edge, row 49: p = -1 / 10 -> tanh(0.25) / tanh(2.5) = 0.24492 / 0.98661 = 0.24824.
    right = score_series(t, _scores(detections=[49]), window, 0.5).score
    assert right == pytest.approx(0.24492 / 0.98661, abs=1e-4)
    assert 1.0 > middle > right > 0.0


def test_only_the_first_detection_of_a_window_counts():
    t = _times()
    window = [_window(t, 40, 49)]
    # Rows 45 and 40 detected: the window earns the best (earliest) reward, 1, once.
    result = score_series(t, _scores(detections=[45, 40, 47]), window, 0.5)
    assert result.score == pytest.approx(1.0)
    assert result.tp == 3


@pytest.mark.parametrize(
    "profile, expected", [("standard", -1.0), ("reward_low_FP_rate", -1.0),
                          ("reward_low_FN_rate", -2.0)]
)
def test_missed_window_costs_fn(profile, expected):
    t = _times()
    result = score_series(t, _scores(), [_window(t, 40, 49)], 0.5, profile=profile)
    assert result.score == pytest.approx(expected)
    assert (result.tp, result.fp, result.fn, result.tn) == (0, 0, 10, 75)


@pytest.mark.parametrize(
    "profile, expected", [("standard", -0.11), ("reward_low_FP_rate", -0.22),
                          ("reward_low_FN_rate", -0.11)]
)
def test_false_positive_without_preceding_window_costs_fp(profile, expected):
    t = _times()
    result = score_series(t, _scores(detections=[60]), [], 0.5, profile=profile)
    assert result.score == pytest.approx(expected)
    assert (result.tp, result.fp, result.fn, result.tn) == (0, 1, 0, 84)


def test_false_positive_before_first_window_costs_fp():
    t = _times()
    # Row 20 precedes the window: -fp = -0.11; window 40..49 caught at its left edge: +1.
    result = score_series(t, _scores(detections=[20, 40]), [_window(t, 40, 49)], 0.5)
    assert result.score == pytest.approx(1.0 - 0.11)


def test_false_positive_far_after_window_costs_fp():
    t = _times()
    # Window 40..49 (W - 1 = 9) missed: -1. Row 77: d = 28 / 9 = 3.11 > 3 -> -0.11.
    result = score_series(t, _scores(detections=[77]), [_window(t, 40, 49)], 0.5)
    assert result.score == pytest.approx(-1.0 - 0.11)


def test_false_positive_right_after_window_costs_little():
    t = _times()
    # Window 40..49 missed: -1. Row 50: d = 1 / 9, cost 0.11 * S(1/9) = -0.11 tanh(5/18)
    # = -0.11 * 0.27085 = -0.029793.
    result = score_series(t, _scores(detections=[50]), [_window(t, 40, 49)], 0.5)
    assert result.score == pytest.approx(-1.0 - 0.11 * 0.27085, abs=1e-5)
    # Row 63: d = 14 / 9, cost -0.11 tanh(3.89) = -0.11 * 0.99916: more, yet under fp.
    later = score_series(t, _scores(detections=[63]), [_window(t, 40, 49)], 0.5).score
    assert -1.11 < later < result.score


def test_rows_in_probation_are_not_scored():
    t = _times()
    # Rows 0..14 are in probation: a detection at row 14 is ignored, at row 15 costs fp.
    ignored = score_series(t, _scores(detections=[3, 14]), [], 0.5)
    assert ignored.score == 0.0
    assert (ignored.tp, ignored.fp, ignored.fn, ignored.tn) == (0, 0, 0, 85)
    counted = score_series(t, _scores(detections=[15]), [], 0.5)
    assert counted.score == pytest.approx(-0.11)


def test_window_inside_probation_neither_earns_nor_costs():
    t = _times()
    # Window 2..5 ends before row 15: not scored, not even as a miss.
    result = score_series(t, _scores(), [_window(t, 2, 5)], 0.5)
    assert result.score == 0.0
    assert (result.n_windows, result.n_scored_windows) == (1, 0)
    # ...but it still is the preceding window of a false positive: window 10..14
    # (W - 1 = 4), detection at row 15: d = 1 / 4, cost 0.11 * S(0.25) = -0.11 tanh(0.625)
    # = -0.11 * 0.55459.
    near = score_series(t, _scores(detections=[15]), [_window(t, 10, 14)], 0.5)
    assert near.score == pytest.approx(-0.11 * 0.55459, abs=1e-5)


def test_window_straddling_probation_keeps_its_left_edge():
    t = _times()
    # Window 10..19 (W = 10) starts in probation; its first scorable row is 15, where
    # p = -(19 - 15 + 1) / 10 = -0.5: reward 0.84828 / 0.98661, not the full weight.
    result = score_series(t, _scores(detections=[15]), [_window(t, 10, 19)], 0.5)
    assert result.score == pytest.approx(0.84828 / 0.98661, abs=1e-4)
    assert (result.tp, result.fn) == (1, 4)


def test_detection_is_score_at_least_threshold():
    t = _times()
    window = [_window(t, 40, 49)]
    scores = _scores(detections=[40], value=0.7)
    assert score_series(t, scores, window, 0.7).score == pytest.approx(1.0)
    assert score_series(t, scores, window, 0.7000001).score == pytest.approx(-1.0)


def test_window_bounds_between_rows_and_order_of_windows():
    t = _times()
    # Bounds 30 s inside rows 40 and 49 select rows 41..48 (W = 8); detection at 41 is
    # the left edge: +1. Windows listed out of order give the same result.
    half = pd.Timedelta(seconds=30)
    windows = [(t[70] - half, t[79] + half), (t[40] + half, t[49] - half)]
    result = score_series(t, _scores(detections=[41, 70]), windows, 0.5)
    assert result.score == pytest.approx(2.0)
    assert result.n_windows == 2
    assert (result.tp, result.fn) == (2, 8 + 10 - 2)


def test_timestamps_as_strings_and_datetime64():
    t = _times()
    window = [(str(t[40]), str(t[49]))]
    strings = score_series([str(x) for x in t], _scores(detections=[45]), window, 0.5)
    dt64 = score_series(t.to_numpy(), _scores(detections=[45]), window, 0.5)
    assert strings.score == pytest.approx(dt64.score)


# ---------------------------------------------------------------------- corpus


def _perfect_corpus():
    """Two groups; one window per file after probation; scores 1 at left edges only."""
    t = _times()
    results = {
        "a/x.csv": (t, _scores(detections=[40])),
        "b/y.csv": (t, _scores(detections=[60])),
    }
    windows = {"a/x.csv": [_window(t, 40, 49)], "b/y.csv": [_window(t, 60, 64)]}
    return results, windows


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_perfect_detector_normalises_to_100(profile):
    results, windows = _perfect_corpus()
    result = score_corpus(results, windows, profile=profile, threshold=0.5)
    assert result.score == pytest.approx(100.0)
    assert result.raw == pytest.approx(2.0)  # perfect = tp * 2 windows
    assert result.groups == pytest.approx({"a": 100.0, "b": 100.0})
    optimised = score_corpus(results, windows, profile=profile)
    assert optimised.score == pytest.approx(100.0)
    assert optimised.threshold == 1.0


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_null_detector_normalises_to_0(profile):
    t = _times()
    results = {"a/x.csv": (t, np.full(N, 0.5)), "b/y.csv": (t, np.full(N, 0.5))}
    windows = {"a/x.csv": [_window(t, 40, 49)], "b/y.csv": [_window(t, 60, 64)]}
    result = score_corpus(results, windows, profile=profile, threshold=0.6)
    assert result.score == pytest.approx(0.0)
    assert result.raw == pytest.approx(-2 * PROFILES[profile]["fn"])
    assert result.null == pytest.approx(result.raw)


def test_normalisation_and_groups_by_hand():
    results, windows = _perfect_corpus()
    t = _times()
    results["b/y.csv"] = (t, _scores())  # b's window missed
    # standard: raw = 1 - 1 = 0, null = -2, perfect = 2 -> 100 * 2 / 4 = 50;
    # group a: (1 + 1) / (1 + 1) -> 100; group b: (-1 + 1) / (1 + 1) -> 0.
    result = score_corpus(results, windows, threshold=0.5)
    assert result.score == pytest.approx(50.0)
    assert result.groups == pytest.approx({"a": 100.0, "b": 0.0})
    assert result.files["b/y.csv"].score == pytest.approx(-1.0)
    # reward_low_FN_rate: raw = 1 - 2 = -1, null = -4, perfect = 2 -> 100 * 3 / 6 = 50;
    # reward_low_FP_rate is standard here (no false positive).
    low_fn = score_corpus(results, windows, profile="reward_low_FN_rate", threshold=0.5)
    assert (low_fn.raw, low_fn.null, low_fn.perfect) == pytest.approx((-1.0, -4.0, 2.0))
    assert low_fn.score == pytest.approx(50.0)


def test_group_without_windows_is_nan():
    t = _times()
    results = {"quiet/z.csv": (t, _scores(detections=[50])), "a/x.csv": (t, _scores())}
    windows = {"quiet/z.csv": [], "a/x.csv": [_window(t, 40, 49)], "unused/w.csv": []}
    result = score_corpus(results, windows, threshold=0.5)
    assert math.isnan(result.groups["quiet"])
    # raw = -0.11 (z's false positive) - 1 (x's miss); null = -1, perfect = 1.
    assert result.score == pytest.approx(100 * (-1.11 + 1) / 2)


def test_dataframe_results_match_pairs():
    results, windows = _perfect_corpus()
    frames = {
        name: pd.DataFrame({"timestamp": t, "anomaly_score": s, "value": 0.0})
        for name, (t, s) in results.items()
    }
    assert score_corpus(frames, windows).score == pytest.approx(
        score_corpus(results, windows).score
    )


def test_optimiser_prefers_the_highest_of_equal_thresholds():
    t = _times()
    # Window 40..49: row 40 scores 0.9, row 45 scores 0.8. Threshold 0.9 and 0.8 both
    # give +1 (row 45 adds nothing to a window already caught at its edge); 1.1 gives -1,
    # 0.0 adds 75 false positives. NAB keeps the first best, in decreasing thresholds: 0.9.
    scores = _scores()
    scores[40], scores[45] = 0.9, 0.8
    result = score_corpus({"g/f.csv": (t, scores)}, {"g/f.csv": [_window(t, 40, 49)]})
    assert result.threshold == 0.9
    assert result.raw == pytest.approx(1.0)


def _random_corpus(seed):
    rng = np.random.default_rng(seed)
    results, windows = {}, {}
    for i in range(3):
        n = int(rng.integers(30, 60))
        t = _times(n, start=f"2021-0{i + 1}-01")
        # Scores on a coarse grid, so that many rows share a score.
        results[f"g{i % 2}/f{i}.csv"] = (t, rng.integers(0, 11, n) / 10)
        lefts = sorted(rng.choice(np.arange(0, n - 6, 7), size=int(rng.integers(0, 3)),
                                  replace=False))
        windows[f"g{i % 2}/f{i}.csv"] = [
            _window(t, int(left), int(left) + int(rng.integers(0, 6))) for left in lefts
        ]
    return results, windows


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_optimised_threshold_beats_brute_force(seed, profile):
    results, windows = _random_corpus(seed)
    candidates = sorted({1.1, *np.concatenate([s for _, s in results.values()])},
                        reverse=True)
    brute = [score_corpus(results, windows, profile, threshold=c).raw for c in candidates]
    best = max(brute)
    optimised = score_corpus(results, windows, profile)
    assert optimised.raw >= best - 1e-9
    assert optimised.raw == pytest.approx(best, abs=1e-9)
    # Ties: the highest threshold among the best.
    assert optimised.threshold == next(
        c for c, r in zip(candidates, brute) if r >= best - 1e-9
    )


def test_score_all_profiles():
    results, windows = _random_corpus(3)
    every = score_all_profiles(results, windows)
    assert list(every) == ["standard", "reward_low_FP_rate", "reward_low_FN_rate"]
    for name, result in every.items():
        assert result.score == pytest.approx(score_corpus(results, windows, name).score)
    fixed = score_all_profiles(results, windows, 0.5)
    assert {r.threshold for r in fixed.values()} == {0.5}
    mixed = score_all_profiles(results, windows, {"standard": 0.3})
    assert mixed["standard"].threshold == 0.3
    assert mixed["reward_low_FN_rate"].score == pytest.approx(every["reward_low_FN_rate"].score)


# ---------------------------------------------------------------------- input errors


def test_series_input_errors():
    t = _times()
    good = _scores()
    window = [_window(t, 40, 49)]
    with pytest.raises(ValueError, match="same length"):
        score_series(t[:-1], good, window, 0.5)
    with pytest.raises(ValueError, match="anomaly_scores contains NaN"):
        score_series(t, np.where(np.arange(N) == 3, np.nan, 0.0), window, 0.5)
    with pytest.raises(ValueError, match=r"anomaly_scores must lie in \[0, 1\]"):
        score_series(t, good + 2.0, window, 0.5)
    with pytest.raises(ValueError, match="profile must be one of"):
        score_series(t, good, window, 0.5, profile="lenient")
    with pytest.raises(ValueError, match="threshold must be finite"):
        score_series(t, good, window, float("nan"))
    with pytest.raises(ValueError, match="timestamps contains missing"):
        score_series([None] * N, good, window, 0.5)
    with pytest.raises(ValueError, match=r"windows\[0\] must be a \(start, end\) pair"):
        score_series(t, good, [(t[1],)], 0.5)
    with pytest.raises(ValueError, match=r"windows\[0\] ends before it starts"):
        score_series(t, good, [(t[5], t[1])], 0.5)
    with pytest.raises(ValueError, match="holds no timestamp"):
        score_series(t, good, [(t[-1] + pd.Timedelta(hours=1), t[-1] + pd.Timedelta(hours=2))],
                     0.5)
    with pytest.raises(ValueError, match="overlaps"):
        score_series(t, good, [_window(t, 40, 49), _window(t, 45, 60)], 0.5)


def test_corpus_input_errors():
    results, windows = _perfect_corpus()
    with pytest.raises(ValueError, match="results must be a non-empty mapping"):
        score_corpus({}, windows)
    with pytest.raises(ValueError, match="windows has no entry for 'a/x.csv'"):
        score_corpus(results, {"b/y.csv": windows["b/y.csv"]})
    with pytest.raises(ValueError, match=r"results\['a/x.csv'\] must be"):
        score_corpus({**results, "a/x.csv": "oops"}, windows)
    with pytest.raises(ValueError, match=r"results\['a/x.csv'\] lacks the column"):
        score_corpus({**results, "a/x.csv": pd.DataFrame({"timestamp": _times()})}, windows)
    t, s = results["a/x.csv"]
    with pytest.raises(ValueError, match=r"results\['a/x.csv'\] anomaly_scores contains NaN"):
        score_corpus({**results, "a/x.csv": (t, np.full(N, np.nan))}, windows)
    with pytest.raises(ValueError, match="profile must be one of"):
        score_corpus(results, windows, profile="Standard")
    with pytest.raises(ValueError, match="thresholds names unknown profile"):
        score_all_profiles(results, windows, {"lenient": 0.5})
    with pytest.raises(ValueError, match=r"thresholds\['standard'\] must be a real number"):
        score_all_profiles(results, windows, {"standard": "high"})
