"""make_anomaly_series: one labelled anomaly of each kind after a clean prefix."""

import numpy as np
import pytest

from sklearn_htm.datasets import ANOMALY_KINDS, SIGNALS, make_anomaly_series


def best_match_a_period_before(values, start, stop, period=50):
    """The highest correlation of values[start:stop] with the same stretch
    shifted back by a lag within the period's drawn 10%."""
    segment = values[start:stop]
    return max(np.corrcoef(segment, values[start - lag:stop - lag])[0, 1]
               for lag in range(int(0.9 * period), int(1.1 * period) + 2))


@pytest.mark.parametrize("signal", SIGNALS)
@pytest.mark.parametrize("kind", ANOMALY_KINDS)
def test_one_anomaly_after_the_prefix_the_signal_clean_elsewhere(kind, signal):
    values, labels = make_anomaly_series(kind, signal=signal, noise=0.0, random_state=3)
    rows = np.flatnonzero(labels)
    assert values.shape == labels.shape == (5000,)
    assert rows[0] >= 2000 + 0.4 * 3000 and np.all(np.diff(rows) == 1)  # one run
    assert len(rows) == 1 if kind == "spike" else 45 <= len(rows) <= 110
    outside = np.ones(5000, dtype=bool)
    outside[rows] = False
    assert np.abs(values[outside]).max() <= 1.0  # the clean signal's range
    # Before the anomaly every stretch repeats the one a period before.
    assert best_match_a_period_before(values, 1000, 1100) > 0.98
    if kind in ("frequency", "distorted_cycle", "noise"):  # the shape changes
        assert best_match_a_period_before(values, rows[0], rows[-1] + 1) < 0.98


@pytest.mark.parametrize("seed", range(4))
def test_the_anomaly_changes_what_its_kind_says(seed):
    def planted(kind):
        values, labels = make_anomaly_series(kind, noise=0.0, random_state=seed)
        return values, labels.astype(bool), int(np.argmax(labels))

    values, rows, first = planted("missing_cycle")
    assert np.ptp(values[rows]) == 0.0  # held flat
    values, rows, first = planted("spike")
    assert abs(values[first] - (values[first - 1] + values[first + 1]) / 2) > 0.45
    values, rows, first = planted("amplitude")
    assert abs(np.ptp(values[rows]) - np.ptp(values[:first])) > 0.5
    values, rows, first = planted("distorted_cycle")
    assert np.abs(values[rows]).max() <= 1.0  # the signal's range
    values, rows, first = planted("level_shift")
    shift = values[rows] - values[np.flatnonzero(rows) - 50]  # a period before, +-10%
    assert abs(np.median(shift)) > 0.2


@pytest.mark.parametrize("kind", ANOMALY_KINDS)
def test_magnitude_scales_the_departure_and_zero_plants_nothing(kind):
    def departure(magnitude):
        values, labels = make_anomaly_series(kind, noise=0.0, magnitude=magnitude,
                                             random_state=2)
        clean, _ = make_anomaly_series(kind, noise=0.0, magnitude=0.0, random_state=2)
        return np.abs(values - clean).max(), labels

    none, labels = departure(0.0)
    assert none == 0.0 and labels.sum() >= 1  # labelled, but nothing planted
    assert 0 < departure(0.3)[0] < departure(1.0)[0]


def test_a_seed_gives_one_series():
    a = make_anomaly_series("noise", random_state=1)
    b = make_anomaly_series("noise", random_state=1)
    c = make_anomaly_series("noise", random_state=2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("params, message", [
    ({"kind": "blip"}, "kind must be one of"),
    ({"signal": "saw"}, "signal must be one of"),
    ({"period": 4}, "at least 8"),
    ({"n_samples": 2100}, "at least 5 periods"),
    ({"magnitude": -1.0}, "must be >= 0"),
])
def test_bad_parameters_are_refused(params, message):
    with pytest.raises(ValueError, match=message):
        make_anomaly_series(**params)
