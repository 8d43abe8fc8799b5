"""``python -m sklearn_htm.nab`` and ``load_nab`` on a small generated NAB folder."""

import json

import numpy as np
import pandas as pd
import pytest

from sklearn_htm.datasets import load_nab
from sklearn_htm.nab.__main__ import main


@pytest.fixture
def nab_folder(tmp_path):
    """Two short series in NAB's layout, one window each."""
    rng = np.random.RandomState(0)
    windows = {}
    for group, name, n in (("groupA", "one.csv", 300), ("groupB", "two.csv", 240)):
        t = pd.date_range("2024-01-01", periods=n, freq="5min")
        value = np.sin(np.arange(n) / 6.0) + rng.normal(0, 0.05, n)
        value[n - 40] = 8.0
        folder = tmp_path / "data" / group
        folder.mkdir(parents=True)
        pd.DataFrame({"timestamp": t.strftime("%Y-%m-%d %H:%M:%S"), "value": value}).to_csv(
            folder / name, index=False)
        windows[f"{group}/{name}"] = [[str(t[n - 50]), str(t[n - 30])]]
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    return tmp_path


def test_load_nab(nab_folder):
    nab = load_nab(nab_folder)
    assert list(nab.series) == ["groupA/one.csv", "groupB/two.csv"]  # largest first
    frame = nab.series["groupA/one.csv"]
    assert list(frame.columns) == ["timestamp", "value"]
    assert frame["timestamp"].dtype.kind == "M" and frame["value"].dtype == np.float64
    assert nab.probation == {"groupA/one.csv": 45, "groupB/two.csv": 36}
    assert len(nab.windows["groupB/two.csv"]) == 1


def test_load_nab_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="NAB"):
        load_nab(tmp_path / "nowhere")


def test_run_then_score(nab_folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--data", str(nab_folder), "--output", str(out), "--n-jobs", "1"]) == 0
    written = out / "sklearnhtm" / "groupA" / "sklearnhtm_one.csv"
    frame = pd.read_csv(written)
    assert list(frame.columns) == ["timestamp", "value", "anomaly_score", "label"]
    assert len(frame) == 300 and frame["label"].sum() == 21
    assert frame["anomaly_score"].between(0, 1).all()
    capsys.readouterr()
    assert main(["score", str(out / "sklearnhtm"), "--data", str(nab_folder)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"standard", "reward_low_FP_rate", "reward_low_FN_rate"} <= set(report)
    assert set(report["groups"]["standard"]) == {"groupA", "groupB"}
    # The spike inside each window leaves the range: both windows detected.
    assert report["standard"] > 50


def test_unknown_command_is_an_error(capsys):
    with pytest.raises(SystemExit):
        main(["walk"])
