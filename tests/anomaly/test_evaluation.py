"""recall_at_k, top_k_peaks and anomaly_found_at_top: scores judged by the
rows they rank first."""

import numpy as np
import pytest

from sklearn_htm.metrics import anomaly_found_at_top, recall_at_k, top_k_peaks


def test_peaks_hide_their_neighbourhood_and_ties_go_to_the_first():
    scores = np.zeros(1000)
    scores[[100, 150, 400, 401, 900]] = [5.0, 4.0, 3.0, 3.0, 1.0]
    # 150 lies within 200 rows of 100: hidden; 401 of 400.
    assert top_k_peaks(scores, k=3).tolist() == [100, 400, 900]
    assert top_k_peaks(scores, k=3, exclusion=10).tolist() == [100, 150, 400]
    scores[:] = np.nan
    assert top_k_peaks(scores).tolist() == []


def test_recall_counts_each_window_once():
    y = np.zeros(3000, dtype=int)
    for start in (500, 1500, 2500):
        y[start:start + 401] = 1
    scores = np.zeros(3000)
    scores[[510, 890]] = [9.0, 8.0]  # two peaks in one window (more than 200 apart)
    scores[1700] = 7.0
    assert recall_at_k(y, scores, k=3) == pytest.approx(2 / 3)
    scores[2600] = 6.0
    assert recall_at_k(y, scores, k=3) == pytest.approx(2 / 3)
    assert recall_at_k(y, scores, k=4) == 1.0  # one pick more finds the third
    scores[50] = 10.0  # a false alarm in a warm-up takes a pick...
    assert recall_at_k(y, scores, k=4) == pytest.approx(2 / 3)
    scores[:100] = np.nan  # ...unless the warm-up is left out
    assert recall_at_k(y, scores, k=4) == 1.0


def test_found_at_top_judges_the_first_maximum_after_the_prefix():
    y = np.zeros(5000, dtype=int)
    y[3000:3050] = 1
    scores = np.zeros(5000)
    scores[3120] = 1.0
    assert anomaly_found_at_top(y, scores, start=2000)  # within 100 rows of the end
    scores[2500] = 1.0  # a tie earlier after the prefix: the first one counts
    assert not anomaly_found_at_top(y, scores, start=2000)
    scores[1000] = 2.0  # before the prefix's end: not looked at
    assert not anomaly_found_at_top(y, scores, start=2000)
    assert anomaly_found_at_top(y, scores, start=2600)


@pytest.mark.parametrize("y, scores, message", [
    (np.zeros(10), np.zeros(10), "labels no anomaly"),
    (np.array([0, 2, 1]), np.zeros(3), "0 .normal. and 1"),
    (np.array([0, 1, 1]), np.zeros(4), "one length"),
])
def test_bad_labels_are_refused(y, scores, message):
    with pytest.raises(ValueError, match=message):
        recall_at_k(y, scores)
    with pytest.raises(ValueError, match=message):
        anomaly_found_at_top(y, scores)


def test_an_anomaly_before_start_is_refused():
    y = np.zeros(100, dtype=int)
    y[10] = 1
    with pytest.raises(ValueError, match="from start=50"):
        anomaly_found_at_top(y, np.zeros(100), start=50)


@pytest.mark.parametrize("call, message", [
    (lambda: top_k_peaks(np.zeros((2, 3))), "1-D"),
    (lambda: top_k_peaks(np.zeros(5), k=0), "k must be at least 1"),
    (lambda: top_k_peaks(np.zeros(5), exclusion=-5), "exclusion at least 0"),
    (lambda: anomaly_found_at_top(np.ones(5), np.zeros(5), margin=-1), "margin"),
    (lambda: anomaly_found_at_top(np.ones(5), np.zeros(5), start=5), "start"),
])
def test_absurd_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()
