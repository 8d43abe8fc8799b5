"""NAB's files: a detector's results folder, the windows file, and the JSON
report that ``python -m sklearn_htm.nab score`` prints."""

import json
import math
import os

import pandas as pd

__all__ = ["read_results", "read_windows", "scores_report"]


def scores_report(scores):
    """:func:`~sklearn_htm.metrics.nab_score_all_profiles`'s result as JSON-ready data (what
    ``python -m sklearn_htm.nab score`` prints): each profile's score
    (rounded to 4 decimals), ``"thresholds"`` and ``"groups"`` (each profile's
    per-group scores; None for a group without windows)."""
    def finite(value):
        return None if isinstance(value, float) and math.isnan(value) else round(value, 4)

    report = {profile: round(result.score, 4) for profile, result in scores.items()}
    report["thresholds"] = {profile: result.threshold for profile, result in scores.items()}
    report["groups"] = {profile: {group: finite(value) for group, value in result.groups.items()}
                        for profile, result in scores.items()}
    return report


def read_results(folder, detector=None):
    """Read a detector's NAB results folder back into a ``results`` mapping.

    Parameters
    ----------
    folder : str or path-like
        ``<folder>/<group>/<detector>_<name>.csv`` files with (at least) the
        columns ``timestamp`` and ``anomaly_score``, as NAB writes them in
        ``results/<detector>/``. Files directly in ``folder`` (NAB's
        ``<detector>_<profile>_scores.csv``) are skipped.
    detector : str, optional
        The detector's name, stripped from the file names; by default the name
        of ``folder``.

    Returns
    -------
    dict of str to DataFrame
        ``"<group>/<name>.csv"`` (the keys of NAB's windows) to a DataFrame with
        columns ``timestamp`` (datetime64) and ``anomaly_score`` (float).

    Raises
    ------
    FileNotFoundError
        If ``folder`` is not a directory.
    ValueError
        If a results file's name lacks the ``<detector>_`` prefix or the file
        lacks a needed column.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"folder is not a directory: {folder!r}.")
    if detector is None:
        detector = os.path.basename(os.path.normpath(folder))
    prefix = f"{detector}_"
    results = {}
    for group in sorted(os.listdir(folder)):
        group_dir = os.path.join(folder, group)
        if not os.path.isdir(group_dir):
            continue
        for file_name in sorted(os.listdir(group_dir)):
            if not file_name.endswith(".csv"):
                continue
            if not file_name.startswith(prefix):
                raise ValueError(
                    f"results file {os.path.join(group, file_name)!r} does not start with "
                    f"the detector prefix {prefix!r}."
                )
            path = os.path.join(group_dir, file_name)
            frame = pd.read_csv(path)
            missing = {"timestamp", "anomaly_score"} - set(frame.columns)
            if missing:
                raise ValueError(f"results file {path!r} lacks the column(s) {sorted(missing)}.")
            frame = pd.DataFrame(
                {
                    "timestamp": pd.to_datetime(frame["timestamp"]),
                    "anomaly_score": frame["anomaly_score"].astype(float),
                }
            )
            results[f"{group}/{file_name[len(prefix):]}"] = frame
    return results


def read_windows(path):
    """Read NAB's windows file (``labels/combined_windows.json``).

    Parameters
    ----------
    path : str or path-like
        A JSON object mapping each file name to a list of ``[start, end]``
        timestamp strings.

    Returns
    -------
    dict of str to list of (Timestamp, Timestamp)
    """
    with open(path) as handle:
        raw = json.load(handle)
    return {
        name: [(pd.Timestamp(start), pd.Timestamp(end)) for start, end in limits]
        for name, limits in raw.items()
    }
