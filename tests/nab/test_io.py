"""NAB's files (``sklearn_htm.nab._io``): results folders and the windows file."""

import numpy as np
import pandas as pd
import pytest

from sklearn_htm.nab._io import read_results, read_windows
from sklearn_htm.nab._scoring import score_corpus


def test_read_results_and_windows(tmp_path):
    folder = tmp_path / "mydet"
    (folder / "grp").mkdir(parents=True)
    t = pd.date_range("2020-01-01", periods=20, freq="min")
    frame = pd.DataFrame({"timestamp": t, "value": 1.0, "anomaly_score": np.linspace(0, 1, 20),
                          "label": 0})
    frame.to_csv(folder / "grp" / "mydet_series.csv", index=False)
    (folder / "mydet_standard_scores.csv").write_text("Detector,Score\n")
    results = read_results(folder)
    assert list(results) == ["grp/series.csv"]
    assert list(results["grp/series.csv"].columns) == ["timestamp", "anomaly_score"]
    np.testing.assert_allclose(results["grp/series.csv"]["anomaly_score"], np.linspace(0, 1, 20))

    (tmp_path / "windows.json").write_text(
        '{"grp/series.csv": [["2020-01-01 00:10:00.000000", "2020-01-01 00:12:00.000000"]]}'
    )
    windows = read_windows(tmp_path / "windows.json")
    assert windows == {"grp/series.csv": [(t[10], t[12])]}
    # probation = floor(3.0) = 3 rows; window 10..12 caught at its left edge by row 10
    # (score 10/19 >= 0.5); rows 13..19 are false positives after the window.
    result = score_corpus(results, windows, threshold=0.5)
    assert result.files["grp/series.csv"].tp == 3
    assert result.files["grp/series.csv"].fp == 7

    with pytest.raises(ValueError, match="does not start with the detector prefix"):
        read_results(folder, detector="other")
    with pytest.raises(FileNotFoundError):
        read_results(tmp_path / "missing")
