"""python -m sklearn_htm.streams score: a long-format CSV in, scores out."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sklearn_htm import MultiStreamDetector
from sklearn_htm.streams.__main__ import main

from ._data import interleaved

KEYS = ("cpu", "disk")
RANGES = pd.DataFrame({"stream": list(KEYS), "minimum": [0.0, 0.0], "maximum": [20.0, 20.0]})


@pytest.fixture
def files(tmp_path):
    X = interleaved(30, keys=KEYS)
    X["host"] = "a"  # another column, passed through
    X.to_csv(tmp_path / "in.csv", index=False)
    RANGES.to_csv(tmp_path / "ranges.csv", index=False)
    return X, tmp_path


def test_the_output_holds_each_row_with_its_score_and_label(files):
    X, path = files
    assert main(["score", str(path / "in.csv"), "--output", str(path / "out.csv"),
                 "--ranges", str(path / "ranges.csv"), "--chunk-rows", "25",
                 "--no-progress"]) == 0
    out = pd.read_csv(path / "out.csv")
    expected = MultiStreamDetector(ranges=RANGES).fit(pd.read_csv(path / "in.csv"))
    assert list(out.columns) == [*X.columns, "anomaly_score", "ranking_score", "label"]
    np.testing.assert_array_equal(out["anomaly_score"], expected.anomaly_score_)
    np.testing.assert_array_equal(out["ranking_score"], expected.ranking_score_)
    np.testing.assert_array_equal(out["label"], (expected.ranking_score_ >= 0.5).astype(int))


def test_a_later_file_continues_from_the_checkpoint(files):
    X, path = files
    X.iloc[:35].to_csv(path / "first.csv", index=False)
    X.iloc[35:].to_csv(path / "second.csv", index=False)
    common = ["--checkpoint-dir", str(path / "state"), "--max-resident", "1", "--no-progress"]
    main(["score", str(path / "first.csv"), "--output", str(path / "1.csv"),
          "--ranges", str(path / "ranges.csv"), *common])
    main(["score", str(path / "second.csv"), "--output", str(path / "2.csv"), *common])
    main(["score", str(path / "in.csv"), "--output", str(path / "all.csv"),
          "--ranges", str(path / "ranges.csv"), "--no-progress"])
    pieces = pd.concat([pd.read_csv(path / "1.csv"), pd.read_csv(path / "2.csv")])
    np.testing.assert_array_equal(pieces["anomaly_score"],
                                  pd.read_csv(path / "all.csv")["anomaly_score"])


@pytest.mark.parametrize("change, message", [
    (lambda X: X.drop(columns="stream"), r"lacks the column\(s\) \['stream'\]"),
    (lambda X: X.iloc[:0], "has no rows"),
])
def test_bad_files_exit_with_a_message(files, change, message, capsys):
    X, path = files
    change(X).to_csv(path / "bad.csv", index=False)
    with pytest.raises(SystemExit) as exit_:
        main(["score", str(path / "bad.csv"), "--output", str(path / "out.csv"),
              "--no-progress"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "the rows before them" not in err


def test_max_resident_needs_a_checkpoint_dir(files, capsys):
    _, path = files
    with pytest.raises(SystemExit):
        main(["score", str(path / "in.csv"), "--output", str(path / "out.csv"),
              "--max-resident", "1"])
    assert "--max-resident needs --checkpoint-dir" in capsys.readouterr().err


def test_the_module_runs_with_a_progress_bar(files):
    _, path = files
    done = subprocess.run([sys.executable, "-m", "sklearn_htm.streams", "score",
                           str(path / "in.csv"), "--output", str(path / "out.csv"),
                           "--ranges", str(path / "ranges.csv")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "60/60" in done.stderr  # tqdm's bar, on stderr


def test_keys_are_text_across_files(tmp_path):
    first = interleaved(20, keys=(1, 2))
    second = pd.concat([interleaved(20, keys=(1, 2)).assign(
        timestamp=lambda X: X["timestamp"] + pd.Timedelta(days=2)), interleaved(3, keys=("web",))])
    first.to_csv(tmp_path / "first.csv", index=False)
    second.to_csv(tmp_path / "second.csv", index=False)
    for name in ("first", "second"):
        main(["score", str(tmp_path / f"{name}.csv"), "--output", str(tmp_path / "out.csv"),
              "--checkpoint-dir", str(tmp_path / "state"), "--no-progress"])
    assert sorted(MultiStreamDetector.restore(tmp_path / "state").streams_) == ["1", "2", "web"]


def test_a_bad_row_is_placed_in_the_file(files, capsys):
    X, path = files
    X.loc[45, "value"] = np.nan
    X.to_csv(path / "bad.csv", index=False)
    with pytest.raises(SystemExit):
        main(["score", str(path / "bad.csv"), "--output", str(path / "out.csv"),
              "--chunk-rows", "20", "--no-progress"])
    err = capsys.readouterr().err
    assert "bad.csv, data rows 41 to 60: X's values hold NaN" in err
    assert "the rows before them are in" in err


@pytest.mark.parametrize("no_progress", [False, True])
def test_a_slow_first_chunk_is_said_unless_progress_is_off(files, monkeypatch, capsys,
                                                           no_progress):
    from sklearn_htm.streams import __main__ as cli

    _, path = files
    monkeypatch.setattr(cli, "FIRST_CHUNK_NOTICE_S", 0.0)
    main(["score", str(path / "in.csv"), "--output", str(path / "out.csv"),
          "--ranges", str(path / "ranges.csv"), *(["--no-progress"] * no_progress)])
    said = "[sklearn_htm.streams] learning the first rows" in capsys.readouterr().err
    assert said is not no_progress
