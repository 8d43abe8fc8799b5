"""Running a detector over NAB's corpus and writing NAB's results layout."""

import os
import warnings
from pathlib import Path

import numpy as np

from ._io import read_windows
from ._windows import probation_length

#: The detector's name in NAB's results layout.
DETECTOR = "sklearnhtm"


def corpus_files(data):
    """The series of a NAB folder: ``"<group>/<name>.csv"`` paths under ``data/``,
    largest first (so that parallel workers finish together).

    Raises
    ------
    FileNotFoundError
        If ``data/data`` holds no CSV file.
    """
    root = Path(data) / "data"
    files = sorted((p for p in root.glob("*/*.csv")), key=lambda p: -p.stat().st_size)
    if not files:
        raise FileNotFoundError(f"No NAB series (data/<group>/<name>.csv) under {data!r}.")
    return [p.relative_to(root).as_posix() for p in files]


def labels_for(timestamps, windows):
    """1 for the rows inside a window, 0 elsewhere (NAB's ``label`` column)."""
    import pandas as pd

    label = np.zeros(len(timestamps), dtype=np.int64)
    for start, end in windows:
        label[((timestamps >= pd.Timestamp(start)) & (timestamps <= pd.Timestamp(end)))
              .to_numpy()] = 1
    return label


def run_file(data, name, output, windows, detector=DETECTOR, **params):
    """Run a fresh :class:`~sklearn_htm.HTMAnomalyDetector` over one series,
    with only what NAB gives every detector (the file's minimum and maximum,
    its probation length), and write its results CSV. Returns the path."""
    import pandas as pd

    from ..anomaly import HTMAnomalyDetector

    frame = pd.read_csv(Path(data) / "data" / name)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    model = HTMAnomalyDetector(minimum=float(frame["value"].min()),
                               maximum=float(frame["value"].max()),
                               probation=probation_length(len(frame)), **params)
    with warnings.catch_warnings():
        # NAB's protocol reads rows in file order; one file's clock goes back
        # an hour (machine_temperature_system_failure.csv, row 10149).
        warnings.filterwarnings("ignore", message=r".* go back in time")
        model.fit(frame)
    group, filename = name.split("/")
    path = Path(output) / detector / group / f"{detector}_{filename}"
    path.parent.mkdir(parents=True, exist_ok=True)
    out = pd.DataFrame({
        "timestamp": frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "value": frame["value"],
        "anomaly_score": model.anomaly_score_,
        "label": labels_for(frame["timestamp"], windows.get(name, [])),
    })
    out.to_csv(path, index=False)
    return path


def warm_up(verbose=0, **params):
    """Compile (or load) the detector's kernels once in this process, so that
    parallel workers find them in the cache instead of each compiling them
    (``verbose=1``: said, with a heartbeat, while they compile)."""
    import pandas as pd

    from ..anomaly import HTMAnomalyDetector

    t = pd.date_range("2024-01-01", periods=40, freq="5min")
    frame = pd.DataFrame({"timestamp": t, "value": np.sin(np.arange(40) / 3.0)})
    params = {**params, "verbose": max(verbose, params.get("verbose", 0))}
    HTMAnomalyDetector(minimum=-1, maximum=1, probation=20, **params).fit(frame)


def run_corpus(data, output, n_jobs=1, progress=True, detector=DETECTOR, **params):
    """Run the detector over every series of a NAB folder (``--n-jobs`` files
    at a time), writing ``output/<detector>/<group>/<detector>_<name>.csv``.
    Returns the results folder."""
    from joblib import Parallel, delayed
    from tqdm import tqdm

    windows = read_windows(Path(data) / "labels" / "combined_windows.json")
    names = corpus_files(data)
    warm_up(verbose=int(progress), **params)
    jobs = (delayed(run_file)(data, name, output, windows, detector, **params)
            for name in names)
    results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs)
    for _ in tqdm(results, total=len(names), unit="file", disable=not progress,
                  desc=f"{detector} on NAB"):
        pass
    return os.fspath(Path(output) / detector)
