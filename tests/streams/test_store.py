"""Checkpoints of a MultiStreamDetector: exact restores, crash safety (a
process killed during a checkpoint), refused foreign, old and malicious
checkpoints."""

import json
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import skops.io

from sklearn_htm import MultiStreamDetector
from sklearn_htm.streams import CheckpointError
from sklearn_htm.streams._store import MANIFEST, MODELS

from .._common_cases import fingerprint
from ._data import KEYS, interleaved, small_detector

RANGES = {key: (0.0, 20.0) for key in KEYS}
ROOT = Path(__file__).resolve().parents[2]


def _streams(directory, **params):
    return MultiStreamDetector(small_detector(), ranges=RANGES, checkpoint_dir=directory,
                               **params)


@pytest.mark.parametrize("max_resident", [None, 2])
def test_a_restored_set_continues_exactly(tmp_path, max_resident):
    X = interleaved(40)
    whole = _streams(tmp_path / "whole").partial_fit(X.iloc[:70])
    cut = _streams(tmp_path / "cut", max_resident=max_resident).partial_fit(X.iloc[:70])
    cut.checkpoint()
    restored = MultiStreamDetector.restore(tmp_path / "cut")
    assert restored.streams_ == whole.streams_ and restored.n_samples_seen_ == 70
    assert restored.max_resident == max_resident
    assert restored.n_resident_ == (max_resident or len(KEYS))
    for key in KEYS:  # the likelihood's history included
        assert fingerprint(restored.detector_for(key)) == fingerprint(whole.detector_for(key))
    np.testing.assert_array_equal(restored.partial_fit(X.iloc[70:]).anomaly_score_,
                                  whole.partial_fit(X.iloc[70:]).anomaly_score_)


def test_restore_takes_new_settings(tmp_path):
    _streams(tmp_path, max_resident=2).fit(interleaved(10)).checkpoint()
    restored = MultiStreamDetector.restore(tmp_path, max_resident=1, verbose=1)
    assert (restored.max_resident, restored.verbose, restored.n_resident_) == (1, 1, 1)


def test_a_checkpoint_writes_only_what_changed_and_keeps_only_what_it_names(tmp_path):
    X = interleaved(20)
    streams = _streams(tmp_path).partial_fit(X)
    streams.checkpoint()
    first = json.loads((tmp_path / MANIFEST).read_text())
    cpu_only = X[X["stream"] == "cpu"].copy()
    cpu_only["timestamp"] += np.timedelta64(1, "D")
    streams.partial_fit(cpu_only).checkpoint()
    second = json.loads((tmp_path / MANIFEST).read_text())
    files = {entry["key"]: entry["file"] for entry in first["streams"]}
    again = {entry["key"]: entry["file"] for entry in second["streams"]}
    assert again["cpu"] != files["cpu"]
    assert again["disk"] == files["disk"] and again[7] == files[7]
    on_disk = {f"{MODELS}/{path.name}" for path in (tmp_path / MODELS).iterdir()}
    assert on_disk == {*again.values(), second["detector_file"]}


def test_checkpoint_needs_a_directory():
    streams = MultiStreamDetector(small_detector(), ranges=RANGES).fit(interleaved(5))
    with pytest.raises(ValueError, match="checkpoint_dir"):
        streams.checkpoint()


KILLED_DURING_A_CHECKPOINT = """
import os, signal, sys
import pandas as pd
from sklearn_htm.streams import _store
from tests.streams._data import interleaved, small_detector
from tests.streams.test_store import RANGES
from sklearn_htm import MultiStreamDetector

directory, first, second = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
X = interleaved(40)
streams = MultiStreamDetector(small_detector(), ranges=RANGES, checkpoint_dir=directory)
streams.partial_fit(X.iloc[:first]).checkpoint()
streams.partial_fit(X.iloc[first:second])
save, written = _store.save_model, []

def save_then_die(*args):
    written.append(save(*args))
    if len(written) == 2:  # two of the three detectors written: SIGKILL
        os.kill(os.getpid(), signal.SIGKILL)
    return written[-1]

_store.save_model = save_then_die
streams.checkpoint()
"""


def test_a_process_killed_during_a_checkpoint_leaves_the_last_one_whole(tmp_path):
    X, first, second = interleaved(40), 50, 90
    done = subprocess.run(
        [sys.executable, "-c", KILLED_DURING_A_CHECKPOINT, str(tmp_path), str(first),
         str(second)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert len(list((tmp_path / MODELS).iterdir())) > len(KEYS) + 1  # the new files, too
    restored = MultiStreamDetector.restore(tmp_path)
    assert restored.n_samples_seen_ == first
    # Replaying the rows since the checkpoint gives the uninterrupted scores.
    whole = _streams(tmp_path / "whole").partial_fit(X.iloc[:first])
    for begin, end in ((first, second), (second, len(X))):
        np.testing.assert_array_equal(restored.partial_fit(X.iloc[begin:end]).anomaly_score_,
                                      whole.partial_fit(X.iloc[begin:end]).anomaly_score_)
    restored.checkpoint()  # and the next checkpoint drops the killed one's files
    assert len(list((tmp_path / MODELS).iterdir())) == len(KEYS) + 1


# ------------------------------------------------------------ refused checkpoints


def _checkpoint(directory):
    _streams(directory).fit(interleaved(10)).checkpoint()
    return json.loads((directory / MANIFEST).read_text())


def _rewrite(directory, manifest):
    (directory / MANIFEST).write_text(json.dumps(manifest))


def test_a_directory_without_a_checkpoint_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match="holds no checkpoint"):
        MultiStreamDetector.restore(tmp_path)
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(CheckpointError, match="not a checkpoint manifest"):
        MultiStreamDetector.restore(tmp_path)
    (tmp_path / MANIFEST).write_text(json.dumps({"format": "something else"}))
    with pytest.raises(CheckpointError, match="is not a sklearn-htm multi-stream checkpoint"):
        MultiStreamDetector.restore(tmp_path)


@pytest.mark.parametrize("field, value", [("sklearn_htm", "0.0.1"), ("format_version", 99)])
def test_a_checkpoint_of_another_version_is_refused(tmp_path, field, value):
    manifest = _checkpoint(tmp_path)
    _rewrite(tmp_path, {**manifest, field: value})
    with pytest.raises(CheckpointError, match="was written by sklearn-htm .* start the streams"):
        MultiStreamDetector.restore(tmp_path)


class Planted:
    """An object whose loading would leave a mark (as a real attack would
    run code)."""

    def __init__(self, mark):
        self.mark = mark

    def __reduce__(self):
        return (Path.touch, (Path(self.mark),))

    def __setstate__(self, state):
        Path(state["mark"]).touch()


@pytest.mark.parametrize("kind", ["pickle", "skops"])
def test_a_planted_model_file_is_refused_without_running_it(tmp_path, kind):
    manifest = _checkpoint(tmp_path)
    mark = tmp_path / "ran"
    planted = tmp_path / manifest["streams"][0]["file"]
    if kind == "pickle":
        planted.write_bytes(pickle.dumps(Planted(mark)))
    else:
        planted.write_bytes(skops.io.dumps({"model": Planted(str(mark))}))
    with pytest.raises(CheckpointError, match="not a readable|not sklearn-htm's trusted"):
        MultiStreamDetector.restore(tmp_path)
    assert not mark.exists()


def test_a_manifest_naming_a_file_outside_its_directory_is_refused(tmp_path):
    manifest = _checkpoint(tmp_path / "inside")
    (tmp_path / "outside.skops").write_bytes(
        (tmp_path / "inside" / manifest["detector_file"]).read_bytes())
    _rewrite(tmp_path / "inside", {**manifest, "detector_file": "../outside.skops"})
    with pytest.raises(CheckpointError, match="outside its directory"):
        MultiStreamDetector.restore(tmp_path / "inside")


def test_a_truncated_model_file_is_refused(tmp_path):
    manifest = _checkpoint(tmp_path)
    path = tmp_path / manifest["streams"][1]["file"]
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="not a readable sklearn-htm model"):
        MultiStreamDetector.restore(tmp_path)
    assert os.path.exists(path)


def test_a_trusted_model_of_another_kind_is_refused(tmp_path):
    from sklearn.linear_model import LogisticRegression

    manifest = _checkpoint(tmp_path)
    (tmp_path / manifest["streams"][0]["file"]).write_bytes(skops.io.dumps(LogisticRegression()))
    with pytest.raises(CheckpointError, match="holds a LogisticRegression, not a"):
        MultiStreamDetector.restore(tmp_path)


@pytest.mark.parametrize("field, value", [("n_samples_seen", "abc"), ("streams", 3),
                                          ("params", None)])
def test_a_malformed_manifest_is_refused(tmp_path, field, value):
    manifest = _checkpoint(tmp_path)
    _rewrite(tmp_path, {**manifest, field: value})
    with pytest.raises(CheckpointError, match="malformed checkpoint manifest"):
        MultiStreamDetector.restore(tmp_path)


def test_a_new_set_does_not_replace_another_sets_checkpoint(tmp_path):
    manifest = _checkpoint(tmp_path)
    other = _streams(tmp_path).fit(interleaved(10))
    with pytest.raises(ValueError, match="holds the checkpoint of another set"):
        other.checkpoint()
    assert json.loads((tmp_path / MANIFEST).read_text()) == manifest
    restored = MultiStreamDetector.restore(tmp_path)
    restored.fit(interleaved(10, seed=1)).checkpoint()  # its own: fit starts it over
    assert MultiStreamDetector.restore(tmp_path).n_samples_seen_ == 30
