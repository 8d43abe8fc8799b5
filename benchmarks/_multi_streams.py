"""The ``multi_streams`` section of ``bench_streams.py``: a
:class:`~sklearn_htm.MultiStreamDetector` over many NAB-like streams fed one
value each per call, round robin; its memory, checkpoint and restore.

Stream ``k`` takes the values of NAB file ``k mod n_files`` (every series of
NAB's ``data/``), cycled from an offset of its own, on a five-minute clock
shifted by ``k`` minutes; its range is its values' minimum and maximum.
"""

import gc
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_htm import MultiStreamDetector


def nab_streams(nab, n_streams, n_values):
    """Long-format rows, round by round (each round one value per stream),
    and the streams' ranges."""
    files = sorted((Path(nab) / "data").rglob("*.csv"))
    series = [pd.read_csv(path)["value"].to_numpy(dtype=np.float64) for path in files]
    keys, values, stamps = [], [], []
    ranges = {}
    for k in range(n_streams):
        source = series[k % len(series)]
        offset = (k // len(series)) * 997 % len(source)
        value = np.take(source, offset + np.arange(n_values), mode="wrap")
        start = pd.Timestamp("2015-01-01") + pd.Timedelta(minutes=k % 5)
        keys.append(np.full(n_values, f"s{k}"))
        values.append(value)
        stamps.append(pd.date_range(start, periods=n_values, freq="5min").to_numpy())
        ranges[f"s{k}"] = (float(value.min()), float(value.max()))
    # Round-major order: value i of every stream, then value i + 1.
    order = np.arange(n_streams * n_values).reshape(n_streams, n_values).T.ravel()
    rows = pd.DataFrame({"stream": np.concatenate(keys)[order],
                         "timestamp": np.concatenate(stamps)[order],
                         "value": np.concatenate(values)[order]})
    return rows, ranges, [path.relative_to(Path(nab) / "data").as_posix() for path in files]


def _feed(streams, rows, n_streams, log, label):
    """Every round through ``partial_fit``; seconds per round."""
    seconds = []
    n_rounds = len(rows) // n_streams
    last = time.perf_counter()
    for r in range(n_rounds):
        start = time.perf_counter()
        streams.partial_fit(rows.iloc[r * n_streams:(r + 1) * n_streams])
        seconds.append(time.perf_counter() - start)
        if time.perf_counter() - last > 5:
            last = time.perf_counter()
            log(f"{label}: round {r + 1}/{n_rounds}, "
                f"{n_streams / np.mean(seconds[-10:]):.0f} values/s")
    return np.asarray(seconds)


def _disk_bytes(folder):
    return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())


def multi_streams(args, log, rss_bytes, fresh_process=True):
    """The section's report. ``fresh_process=False`` (after other sections in
    the same process, whose freed memory the allocator keeps): the resident
    memory per stream is not measured (None, with a note)."""
    n_streams, n_values = args.n_streams, args.stream_values
    rows, ranges, files = nab_streams(args.nab, n_streams, n_values)
    log(f"multi streams: {n_streams} streams x {n_values} values from {len(files)} NAB files")
    folder = Path(tempfile.mkdtemp(prefix="bench_multi_streams_"))
    try:
        gc.collect()
        rss_before = rss_bytes()[0]
        streams = MultiStreamDetector(ranges=ranges, checkpoint_dir=folder / "all")
        seconds = _feed(streams, rows, n_streams, log, "multi streams, all resident")
        rss_after = rss_bytes()[0]
        tail = seconds[len(seconds) * 4 // 5:]
        start = time.perf_counter()
        streams.checkpoint()
        checkpoint_s = time.perf_counter() - start
        disk = _disk_bytes(folder / "all")
        scores = streams.anomaly_score_.copy()
        del streams
        gc.collect()
        rss_freed = rss_bytes()[0]
        start = time.perf_counter()
        restored = MultiStreamDetector.restore(folder / "all")
        restore_s = time.perf_counter() - start
        assert restored.n_resident_ == n_streams
        del restored
        gc.collect()
        budget = _budget(args, log, folder)
        mb_per_stream = (rss_after - rss_before) / n_streams / 1e6 if fresh_process else None
        report = {
            "streams": n_streams,
            "values_per_stream": n_values,
            "input": f"NAB's {len(files)} series (data/**/*.csv), stream k from file "
                     "k mod n_files, cycled from an offset, a 5-minute clock; each "
                     "stream's minimum and maximum given",
            "call": "one partial_fit per round: one row of every stream (a DataFrame "
                    "of n_streams rows)",
            "values_per_s": round(n_streams * len(seconds) / seconds.sum(), 1),
            "us_per_value": round(seconds.sum() / (n_streams * len(seconds)) * 1e6, 1),
            "us_per_value_last_fifth": round(tail.mean() / n_streams * 1e6, 1),
            "rss_before_mb": round(rss_before / 1e6, 1),
            "rss_after_mb": round(rss_after / 1e6, 1),
            "rss_mb_per_stream": None if mb_per_stream is None else round(mb_per_stream, 2),
            "rss_after_release_mb": round(rss_freed / 1e6, 1),
            "checkpoint_s": round(checkpoint_s, 2),
            "checkpoint_bytes_per_stream": int(disk / n_streams),
            "restore_all_s": round(restore_s, 2),
            "restore_s_per_stream": round(restore_s / n_streams, 4),
            "last_round_scores_finite": bool(np.isfinite(scores).all()),
            "memory_budget": budget,
            "extrapolated": {
                "gb_resident_for_10000_streams": (
                    None if mb_per_stream is None else round(mb_per_stream * 10_000 / 1e3, 1)),
                "note": "RSS per stream times 10,000: the issue's goal is all 10,000 "
                        "resident on a 24 GB machine (2.4 MB each) and under 1 ms a value",
            },
        }
        if not fresh_process:
            report["rss_note"] = ("measured after other sections in the same process (their "
                                  "freed memory stays with the allocator): run --only "
                                  "multi_streams for the memory per stream")
        log(f"multi streams: {report['values_per_s']} values/s, "
            f"{report['rss_mb_per_stream'] or '(not measured)'} MB a stream, checkpoint "
            f"{report['checkpoint_bytes_per_stream'] / 1e6:.2f} MB a stream")
        return report
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _budget(args, log, folder):
    """A budget smaller than the streams fed round robin: every call of a
    stream loads it and evicts another (the worst case of LRU)."""
    n_streams, n_values = args.budget_streams, args.budget_values
    rows, ranges, _ = nab_streams(args.nab, n_streams, n_values)
    free = MultiStreamDetector(ranges=ranges)
    free_s = _feed(free, rows, n_streams, log, "multi streams, no budget")
    tight = MultiStreamDetector(ranges=ranges, checkpoint_dir=folder / "budget",
                                max_resident=n_streams // 2)
    tight_s = _feed(tight, rows, n_streams, log, "multi streams, budget")
    equal = bool(np.array_equal(free.anomaly_score_, tight.anomaly_score_))
    misses = n_streams * n_values
    return {
        "streams": n_streams,
        "values_per_stream": n_values,
        "max_resident": n_streams // 2,
        "values_per_s_no_budget": round(misses / free_s.sum(), 1),
        "values_per_s_budget": round(misses / tight_s.sum(), 1),
        "ms_per_swap": round((tight_s.sum() - free_s.sum()) / misses * 1e3, 2),
        "swap": "round robin over twice the budget: every value loads its detector and "
                "writes another (least recently used) to disk",
        "last_round_scores_equal_without_budget": equal,
    }
