"""NAB's probation period (``sklearn_htm.nab._windows``); the windows' scoring is
tested through the scores, in ``test_scoring.py``."""

import pytest

from sklearn_htm.nab._windows import probation_length


@pytest.mark.parametrize(
    "n_rows, expected",
    [(0, 0), (6, 0), (7, 1), (10, 1), (100, 15), (1000, 150), (5000, 750), (5007, 750),
     (100_000, 750)],
)
def test_probation_length(n_rows, expected):
    # floor(0.15 * n), capped at 0.15 * 5000 = 750; 0.15 * 7 = 1.05 -> 1.
    assert probation_length(n_rows) == expected


@pytest.mark.parametrize("bad", [-1, 2.5, "10", True, None])
def test_probation_length_refuses_non_counts(bad):
    with pytest.raises(ValueError, match="n_rows"):
        probation_length(bad)
