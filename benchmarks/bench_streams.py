"""The HTM anomaly detector as a live-stream detector: time per row in one
long call and in one-row calls, the cost of scoring, the size of its state
and pickle, and how many detectors one process holds, on NAB's
``realKnownCause/nyc_taxi.csv`` (given the file's minimum and maximum, as NAB
gives every detector).

Sections of the JSON:

* ``long_call``: the first ``--rows`` rows (5,000) learned in one ``fit``
  call, microseconds per row (best of ``--repeats``), after a warm-up ``fit``
  on 50 rows whose seconds are reported as ``first_use_s`` (with a cold
  Numba cache, the compile);
* ``one_row_calls``: the same rows, one per ``partial_fit`` call (a one-row
  DataFrame ``X.iloc[i:i+1]``, built outside the timed call): microseconds
  per call, mean over all calls and over the last 1,000, and whether the
  scores equal the long call's bit for bit; the same with each row given as
  a bare ``(timestamp, value)`` tuple (recorded as not supported when the
  detector refuses it) and as a list of one such tuple;
* ``score_samples``: microseconds per one-row ``score_samples`` call on the
  fitted detector (the next ``--score-calls`` rows, each as the continuation
  of the fitted rows: out of sequence, a worst case), and whether the
  detector's pickle is unchanged by them; ``next_row``: the live pattern,
  each of those rows scored as it arrives and then learned (untimed), on a
  copy;
* ``adapters``: the same rows through river's interface
  (``sklearn_htm.river.HTMAnomalyDetector``, river's loop: ``score_one`` then
  ``learn_one`` per row, each row a dict), microseconds per row and whether
  the scores equal the long call's ranking scores bit for bit; and PyOD's
  (``sklearn_htm.pyod.HTMDetector.fit`` on the rows), microseconds per row
  (``supported: false`` where river or PyOD is not installed);
* ``state``: after the rows, and after the whole file (10,320 rows; skipped
  with ``--no-whole-file``): bytes of every numpy array reachable from the
  detector (each buffer once), pickle bytes (and zlib level 6 of them), the
  Temporal Memory's ``n_segments_`` and ``n_synapses_``;
* ``many_detectors``: ``--n-detectors`` (1,000) detectors alive in one
  process, each fed its own NAB-like series (a daily cycle with noise, 5
  minute timestamps, its minimum and maximum given), one value per
  ``partial_fit`` call, round robin, ``--steps`` (200) values each; resident
  memory before and after, MB per detector, values per second. No more
  detectors are created once the resident memory passes ``--max-rss-gb``
  (16): ``n_detectors_reached`` says how many were; the detectors grow as
  they learn, and the rounds stop (``stopped_steps_for_memory``) should the
  memory pass 1.25 times that;
* ``parts``: where a row's time goes. The Temporal Memory alone on the
  pooler's SDRs of the ``--parts-rows`` (500) rows after the long call's (on
  copies): microseconds per row learning, inferring only, and inferring
  with ``max_inf_backtrack=0`` (the cost without inference's backtracking:
  a floor, not a configuration; NAB was not measured so); and the long
  call with ``temporal_memory="htm.core"`` (the other Temporal Memory);
* ``htm_core``: htm.core's NAB detector (htm-community/NAB,
  ``nab/detectors/htmcore/htmcore_detector.py``, "numenta comparable"
  parameters, without its Metrics bookkeeping) timed on the same rows when
  ``import htm`` works; otherwise the figures measured on this machine
  earlier (:data:`HTM_CORE_REFERENCE`);
* ``multi_streams``: a :class:`~sklearn_htm.MultiStreamDetector` over
  ``--n-streams`` (200) streams of NAB's series (cycled, shifted; each its
  range), ``--stream-values`` (500) values each, one row of every stream per
  ``partial_fit`` call, round robin: values per second, resident MB per
  stream, ``checkpoint()`` seconds and bytes on disk per stream, seconds to
  ``restore`` them all; and a memory budget of half of ``--budget-streams``
  (20) streams fed round robin (every value swaps a detector in and another
  out: LRU's worst case), seconds per swap (``--only multi_streams``: this
  section alone, written to ``benchmarks/results/multi_streams.json``);
* ``ratios``: htm.core's time per row over ours, beside the targets (long
  call >= 20x, one-row calls >= 15x, state <= 5 MB, pickle <= 3 MB).

Prints JSON and writes it to ``--output`` (``benchmarks/results/streams.json``;
not written with ``--quick``: 600 rows, 20 detectors of 50 values,
no whole file, seconds). Progress goes to stderr. The full run takes 2 to 5
minutes on 2 cores, most of it in ``many_detectors``, and up to about 19 GB of
memory::

    python benchmarks/bench_streams.py
    python benchmarks/bench_streams.py --quick
"""

import argparse
import gc
import math
import os
import pickle
import platform
import resource
import sys
import time
import types
import zlib
from pathlib import Path

import numba
import numpy as np
import pandas as pd
from _multi_streams import multi_streams
from _report import command, description, emit

import sklearn_htm
from sklearn_htm import HTMAnomalyDetector
from sklearn_htm._core.progress import ProgressReporter

ROOT = Path(__file__).resolve().parent.parent
NYC_TAXI = "data/realKnownCause/nyc_taxi.csv"
#: What the full run and ``--quick`` use for the options not given.
FULL = {"rows": 5000, "n_detectors": 1000, "steps": 200, "whole_file": True,
        "n_streams": 200, "stream_values": 500, "budget_streams": 20, "budget_values": 30}
QUICK = {"rows": 600, "n_detectors": 20, "steps": 50, "whole_file": False,
         "n_streams": 10, "stream_values": 40, "budget_streams": 4, "budget_values": 5}
WARMUP_ROWS = 50
LAST_CALLS = 1000
#: The rounds of ``many_detectors`` stop at this multiple of ``--max-rss-gb``.
ROUNDS_LIMIT = 1.25
#: Seconds between progress lines on stderr.
EVERY = 5.0

#: htm.core's figures, measured on this machine earlier (htm.core is not
#: installed here): its NAB detector rebuilt from htm-community/NAB
#: nab/detectors/htmcore/htmcore_detector.py ("numenta comparable"
#: parameters) without the Metrics bookkeeping, one row per compute.
HTM_CORE_REFERENCE = {
    "source": "measured on this machine earlier: htm.core 2.2.0, Release build, its NAB "
              "detector (htm-community/NAB nab/detectors/htmcore/htmcore_detector.py, "
              "'numenta comparable' parameters) rebuilt without the Metrics bookkeeping, "
              "one row per compute; not measured by this script",
    "rows": 5000,
    "us_per_row": 3263,
    "us_per_row_quiet_rerun": 2456,
    "pickle_mb_after_rows": 212,
    "whole_file": {"rows": 10320, "rss_mb": 526, "pickle_mb": 334, "synapses": 8.2e6},
}
#: The issue's targets: htm.core's time over ours, and sizes after the rows.
TARGETS = {"long_call_ratio": 20, "one_row_calls_ratio": 15, "state_mb": 5, "pickle_mb": 3}

_START = time.perf_counter()


def log(message):
    print(f"[bench_streams {time.perf_counter() - _START:6.0f} s] {message}",
          file=sys.stderr, flush=True)


def heartbeat(label):
    """A line on stderr every few seconds while a long call runs."""
    return ProgressReporter(1, 0, "bench_streams", stream=sys.stderr).waiting(
        f"{label}: running", every=EVERY, after=EVERY)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=description(__doc__))
    parser.add_argument("--nab", default=str(ROOT.parent / "shared" / "data" / "nab"),
                        help="the NAB folder, holding data/ (default: ../shared/data/nab "
                             "from the repository root)")
    parser.add_argument("--rows", type=int, help="rows of the long call (default 5000)")
    parser.add_argument("--repeats", type=int, default=1, help="long calls, the best kept")
    parser.add_argument("--score-calls", type=int, default=200,
                        help="one-row score_samples calls")
    parser.add_argument("--parts-rows", type=int, default=500,
                        help="rows of the parts section (0: skipped)")
    parser.add_argument("--whole-file", action=argparse.BooleanOptionalAction, default=None,
                        help="state after the whole file too (default on)")
    parser.add_argument("--n-detectors", type=int,
                        help="detectors alive at once (default 1000)")
    parser.add_argument("--steps", type=int, help="values fed to each detector (default 200)")
    parser.add_argument("--max-rss-gb", type=float, default=16.0,
                        help="no more detectors once resident memory passes this")
    parser.add_argument("--n-streams", type=int,
                        help="streams of the multi_streams section (default 200)")
    parser.add_argument("--stream-values", type=int,
                        help="values fed to each of them (default 500)")
    parser.add_argument("--budget-streams", type=int,
                        help="streams of the memory-budget measure (default 20)")
    parser.add_argument("--budget-values", type=int,
                        help="values fed to each of them (default 30)")
    parser.add_argument("--only", choices=("all", "multi_streams"), default="all",
                        help="multi_streams: that section alone, written to "
                             "benchmarks/results/multi_streams.json")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 600 rows, 20 detectors of 50 values, no whole file")
    parser.add_argument("--output", "--out", dest="output",
                        help="also write the JSON here (default: benchmarks/results/"
                             "streams.json; nowhere with --quick)")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.output is None and not args.quick:
        name = "multi_streams.json" if args.only == "multi_streams" else "streams.json"
        args.output = str(ROOT / "benchmarks" / "results" / name)
    return args


# ------------------------------------------------------------------ helpers

def rss_bytes():
    """Resident memory now (/proc/self/status VmRSS), else the peak so far."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024, "VmRSS"
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak * (1 if sys.platform == "darwin" else 1024), "ru_maxrss (peak)"


def array_bytes(root):
    """Bytes of every numpy array reachable from ``root`` through
    ``__dict__``, ``__slots__``, lists, tuples (named ones too), sets and
    dicts; each buffer counted once (by the id of its base)."""
    seen, buffers = set(), {}
    stack = [root]
    atoms = (str, bytes, bytearray, int, float, complex, bool, type(None), type,
             np.generic, np.dtype, types.FunctionType, types.MethodType,
             types.BuiltinFunctionType, types.ModuleType)
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, atoms):
            continue
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            base = obj
            while isinstance(base, np.ndarray) and base.base is not None:
                base = base.base
            size = base.nbytes if isinstance(base, np.ndarray) else obj.nbytes
            buffers[id(base)] = max(buffers.get(id(base), 0), size)
            continue
        if isinstance(obj, dict):
            stack.extend(obj.values())
            stack.extend(obj.keys())
            continue
        if isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        if hasattr(obj, "__dict__"):
            stack.extend(vars(obj).values())
        for klass in type(obj).__mro__:
            for slot in getattr(klass, "__slots__", ()):
                if isinstance(slot, str) and hasattr(obj, slot):
                    stack.append(getattr(obj, slot))
    return sum(buffers.values()), len(buffers)


def state_report(detector):
    data = pickle.dumps(detector, protocol=pickle.HIGHEST_PROTOCOL)
    nbytes, n_buffers = array_bytes(detector)
    tm = detector.temporal_memory_
    return {
        "rows_seen": int(detector.n_samples_seen_),
        "array_bytes": int(nbytes),
        "array_mb": round(nbytes / 1e6, 2),
        "n_arrays": n_buffers,
        "pickle_bytes": len(data),
        "pickle_mb": round(len(data) / 1e6, 2),
        "pickle_zlib6_bytes": len(zlib.compress(data, 6)),
        "n_segments_": _int(getattr(tm, "n_segments_", None)),
        "n_synapses_": _int(getattr(tm, "n_synapses_", None)),
    }


def _int(value):
    return None if value is None else int(value)


def call_times(times):
    """Microseconds per call: mean, mean of the last calls, median, 99th percentile."""
    times = np.asarray(times) * 1e6
    return {
        "calls": int(times.size),
        "us_per_call_mean": round(float(times.mean()), 1),
        f"us_per_call_mean_last_{LAST_CALLS}": round(float(times[-LAST_CALLS:].mean()), 1),
        "last_n_calls": int(min(LAST_CALLS, times.size)),
        "us_per_call_median": round(float(np.median(times)), 1),
        "us_per_call_p99": round(float(np.percentile(times, 99)), 1),
        "us_per_call_max": round(float(times.max()), 1),
    }


def new_detector(minimum, maximum, **params):
    return HTMAnomalyDetector(minimum=minimum, maximum=maximum, **params)


# ----------------------------------------------------------------- sections

def long_call(frame, args, minimum, maximum):
    log(f"warm-up: fit on {WARMUP_ROWS} rows (a cold Numba cache compiles here)")
    start = time.perf_counter()
    with heartbeat("warm-up fit"):
        new_detector(minimum, maximum).fit(frame.iloc[:WARMUP_ROWS])
    first_use = time.perf_counter() - start
    X = frame.iloc[:args.rows]
    best, detector = math.inf, None
    for repeat in range(args.repeats):
        log(f"long call {repeat + 1}/{args.repeats}: fit on {args.rows} rows")
        candidate = new_detector(minimum, maximum)
        with heartbeat("long fit"):
            start = time.perf_counter()
            candidate.fit(X)
            seconds = time.perf_counter() - start
        log(f"long call: {seconds:.1f} s, {seconds / args.rows * 1e6:.0f} us/row")
        if seconds < best:
            best, detector = seconds, candidate
    return detector, {
        "rows": args.rows,
        "repeats": args.repeats,
        "seconds": round(best, 3),
        "us_per_row": round(best / args.rows * 1e6, 1),
        "first_use_s": round(first_use, 3),
        "first_use_note": f"the warm-up fit on {WARMUP_ROWS} rows, the first use of the "
                          "detector in this process: with a cold Numba cache, the compile",
    }


def feed(label, rows, minimum, maximum):
    """A fresh detector fed ``rows`` (each one partial_fit argument);
    (per-call seconds, scores)."""
    detector = new_detector(minimum, maximum)
    times = np.empty(len(rows))
    scores = np.empty(len(rows))
    last = time.perf_counter()
    for i, row in enumerate(rows):
        start = time.perf_counter()
        detector.partial_fit(row)
        stop = time.perf_counter()
        times[i] = stop - start
        scores[i] = detector.anomaly_score_[-1]
        if stop - last > EVERY:
            last = stop
            log(f"{label}: {i + 1}/{len(rows)} calls, "
                f"{times[:i + 1].mean() * 1e6:.0f} us/call")
    return times, scores


def one_row_calls(frame, args, minimum, maximum, long_scores):
    X = frame.iloc[:args.rows]
    log(f"one-row calls: {args.rows} partial_fit calls of a one-row DataFrame")
    rows = [X.iloc[i:i + 1] for i in range(args.rows)]
    times, scores = feed("one-row DataFrame calls", rows, minimum, maximum)
    report = {"input": "one-row DataFrame X.iloc[i:i+1], built before the timed call",
              **call_times(times),
              "equal_to_long_call": bool(np.array_equal(scores, long_scores))}
    del rows

    stamps = X["timestamp"].tolist()
    values = X["value"].astype(np.float64).tolist()
    try:
        new_detector(minimum, maximum).partial_fit((stamps[0], values[0]))
    except (TypeError, ValueError) as exc:
        report["tuple_calls"] = {"input": "(timestamp, value)", "supported": False,
                                 "result": "not supported",
                                 "error": f"{type(exc).__name__}: {exc}"}
        log(f"(timestamp, value) tuple: not supported ({type(exc).__name__})")
    else:
        log(f"one-row calls: {args.rows} partial_fit calls of a (timestamp, value) tuple")
        times, scores = feed("tuple calls", list(zip(stamps, values)), minimum, maximum)
        report["tuple_calls"] = {
            "input": "(timestamp, value)", "supported": True, **call_times(times),
            "equal_to_long_call": bool(np.array_equal(scores, long_scores))}
    log(f"one-row calls: {args.rows} partial_fit calls of [(timestamp, value)]")
    times, scores = feed("list-of-one-tuple calls",
                         [[(t, v)] for t, v in zip(stamps, values)], minimum, maximum)
    report["list_of_one_tuple_calls"] = {
        "input": "[(timestamp, value)] (an array-like of shape (1, 2))", **call_times(times),
        "equal_to_long_call": bool(np.array_equal(scores, long_scores))}
    return report


def adapters(frame, args, minimum, maximum, long_ranking):
    """river's loop and PyOD's fit over the long call's rows."""
    X = frame.iloc[:args.rows]
    report = {}
    try:
        from sklearn_htm.river import HTMAnomalyDetector as RiverDetector
    except ImportError as exc:
        report["river"] = {"supported": False, "error": str(exc)}
    else:
        log(f"river: score_one then learn_one on {args.rows} dict rows")
        model = RiverDetector(new_detector(minimum, maximum))
        rows = X.to_dict("records")
        times, scores = np.empty(len(rows)), np.empty(len(rows))
        for i, row in enumerate(rows):
            start = time.perf_counter()
            scores[i] = model.score_one(row)
            model.learn_one(row)
            times[i] = time.perf_counter() - start
        report["river"] = {"supported": True, "input": "dict {'timestamp', 'value'}",
                           **call_times(times),
                           "equal_to_long_call": bool(np.array_equal(scores, long_ranking))}
    try:
        from sklearn_htm.pyod import HTMDetector
    except ImportError as exc:
        report["pyod"] = {"supported": False, "error": str(exc)}
    else:
        log(f"PyOD: HTMDetector.fit on {args.rows} rows")
        start = time.perf_counter()
        model = HTMDetector(new_detector(minimum, maximum)).fit(X)
        seconds = time.perf_counter() - start
        report["pyod"] = {"supported": True, "input": "DataFrame (timestamp, value)",
                          "us_per_row": round(seconds / args.rows * 1e6, 1),
                          "equal_to_long_call": bool(np.array_equal(model.decision_scores_,
                                                                    long_ranking))}
    return report


def score_samples(frame, detector, args):
    start_row = min(args.rows, len(frame) - 1)
    n_calls = max(1, min(args.score_calls, len(frame) - start_row))
    log(f"score_samples: {n_calls} one-row calls")
    before = pickle.dumps(detector, protocol=pickle.HIGHEST_PROTOCOL)
    times = np.empty(n_calls)
    last = time.perf_counter()
    for i in range(n_calls):
        row = frame.iloc[start_row + i:start_row + i + 1]
        start = time.perf_counter()
        detector.score_samples(row)
        stop = time.perf_counter()
        times[i] = stop - start
        if stop - last > EVERY:
            last = stop
            log(f"score_samples: {i + 1}/{n_calls} calls")
    after = pickle.dumps(detector, protocol=pickle.HIGHEST_PROTOCOL)
    # The live pattern: each value scored as it arrives, then learned (on a
    # copy; the learning is not timed).
    live = pickle.loads(before)
    next_times = np.empty(n_calls)
    for i in range(n_calls):
        row = frame.iloc[start_row + i:start_row + i + 1]
        start = time.perf_counter()
        live.score_samples(row)
        next_times[i] = time.perf_counter() - start
        live.partial_fit(row)
    return {"rows": f"{start_row} to {start_row + n_calls - 1}, each as the stream's "
                    f"continuation after {args.rows} rows (all but the first out of "
                    "sequence: the Temporal Memory bursts and backtracks, a worst case)",
            **call_times(times),
            "detector_unchanged": before == after,
            "next_row": {"rows": "each row scored as it arrives, then learned (untimed)",
                         **call_times(next_times)}}


def parts(frame, detector, args, minimum, maximum):
    """The Temporal Memory's share of a row, and the detector on htm.core's
    Temporal Memory (see the module docstring)."""
    rows = frame.iloc[args.rows:args.rows + args.parts_rows]
    if args.parts_rows <= 0 or len(rows) == 0:
        return {"skipped": "no rows after the long call's (or --parts-rows 0)"}
    log(f"parts: the Temporal Memory alone on {len(rows)} rows")
    stamps = rows["timestamp"].to_numpy(dtype="datetime64[ns]")
    values = rows["value"].to_numpy(dtype=np.float64)
    sdrs = detector._pooled(detector._encode(stamps, values))

    def per_row(run, tm):
        tm = pickle.loads(pickle.dumps(tm))
        start = time.perf_counter()
        run(tm)
        return round((time.perf_counter() - start) / len(rows) * 1e6, 1)

    tm = detector.temporal_memory_
    report = {
        "rows": f"{args.rows} to {args.rows + len(rows) - 1}, the pooler's SDRs (learning "
                "nothing), on copies of the long call's Temporal Memory",
        "tm_learn_us_per_row": per_row(lambda t: t._partial_fit_rows(sdrs), tm),
        "tm_infer_us_per_row": per_row(lambda t: t._score_rows(sdrs), tm),
    }
    if hasattr(tm, "max_inf_backtrack"):
        # A floor, not a configuration: the backend infers with the stream's
        # configuration but no inference backtracking (a stream cannot change
        # max_inf_backtrack, so the backend is called directly).
        def without_backtracking(t):
            config = t._config()._replace(max_inf_backtrack=0)
            t._backends.get(t.backend).infer(config, t._state, sdrs)

        report["tm_infer_without_backtracking_us_per_row"] = per_row(
            without_backtracking, tm)
    log(f"parts: the detector with temporal_memory='htm.core', {args.rows} rows in one call")
    new_detector(minimum, maximum, temporal_memory="htm.core").fit(frame.iloc[:WARMUP_ROWS])
    other = new_detector(minimum, maximum, temporal_memory="htm.core")
    with heartbeat("htm.core TM fit"):
        start = time.perf_counter()
        other.fit(frame.iloc[:args.rows])
    report["htm_core_tm_long_call_us_per_row"] = round(
        (time.perf_counter() - start) / args.rows * 1e6, 1)
    return report


def whole_file(frame, detector, args):
    """The long call's detector continued over the rest of the file, in
    chunks of 1,000 rows (calls over chunks give the bits of one call)."""
    n = len(frame)
    log(f"whole file: the rest of the file ({n - args.rows} rows) in chunks")
    start = time.perf_counter()
    for begin in range(args.rows, n, 1000):
        detector.partial_fit(frame.iloc[begin:begin + 1000])
        log(f"whole file: {min(begin + 1000, n)}/{n} rows")
    seconds = time.perf_counter() - start
    report = state_report(detector)
    report["us_per_row_rest_of_file"] = round(seconds / max(1, n - args.rows) * 1e6, 1)
    return report


def nab_like_series(k, steps):
    """Detector ``k``'s series: a daily cycle (288 five-minute steps) with
    its own level, amplitude, phase and noise, and a slow weekly swing."""
    rng = np.random.default_rng(k)
    level = rng.uniform(20, 20000)
    amplitude = level * rng.uniform(0.2, 0.6)
    phase = rng.uniform(0, 2 * np.pi)
    t = np.arange(steps)
    values = (level + amplitude * np.sin(2 * np.pi * t / 288 + phase)
              + 0.1 * amplitude * np.sin(2 * np.pi * t / 2016)
              + rng.normal(0, 0.08 * amplitude, steps))
    start = pd.Timestamp("2014-07-01") + pd.Timedelta(minutes=5 * int(rng.integers(288)))
    return pd.DataFrame({"timestamp": pd.date_range(start, periods=steps, freq="5min"),
                         "value": np.round(values, 2)})


def many_detectors(args):
    limit = args.max_rss_gb * 1e9
    gc.collect()
    rss_before, source = rss_bytes()
    log(f"many detectors: up to {args.n_detectors}, {args.steps} values each, "
        f"RSS now {rss_before / 1e9:.2f} GB, limit {args.max_rss_gb} GB")
    detectors, rows, stopped = [], [], False
    start = last = time.perf_counter()
    for k in range(args.n_detectors):
        if rss_bytes()[0] > limit:
            stopped = True
            log(f"many detectors: RSS passed {args.max_rss_gb} GB after {k} detectors; "
                "no more created")
            break
        frame = nab_like_series(k, args.steps)
        detector = new_detector(float(frame["value"].min()), float(frame["value"].max()))
        series = [frame.iloc[i:i + 1] for i in range(args.steps)]
        detector.partial_fit(series[0])
        detectors.append(detector)
        rows.append(series)
        now = time.perf_counter()
        if now - last > EVERY:
            last = now
            log(f"many detectors: {k + 1} created, RSS {rss_bytes()[0] / 1e9:.2f} GB")
    created_s = time.perf_counter() - start
    rss_created = rss_bytes()[0]
    n = len(detectors)
    log(f"many detectors: {n} created in {created_s:.0f} s, RSS {rss_created / 1e9:.2f} GB; "
        "round robin")
    start = time.perf_counter()
    rounds, stopped_steps = 1, False
    for i in range(1, args.steps):
        for detector, series in zip(detectors, rows):
            detector.partial_fit(series[i])
        rounds += 1
        now = time.perf_counter()
        if now - last > EVERY:
            last = now
            log(f"many detectors: round {rounds}/{args.steps}, "
                f"{n * (rounds - 1) / (now - start):.0f} values/s, "
                f"RSS {rss_bytes()[0] / 1e9:.2f} GB")
        if rss_bytes()[0] > limit * ROUNDS_LIMIT:
            stopped_steps = True
            log(f"many detectors: RSS passed {ROUNDS_LIMIT} x the limit during the rounds; "
                "stopped")
            break
    round_robin_s = time.perf_counter() - start
    rss_after = rss_bytes()[0]
    one = state_report(detectors[0]) if detectors else None
    report = {
        "n_detectors_requested": args.n_detectors,
        "n_detectors_reached": n,
        "stopped_for_memory": stopped or stopped_steps,
        "max_rss_gb": args.max_rss_gb,
        "steps_requested": args.steps,
        "steps_done": rounds,
        "stopped_steps_for_memory": stopped_steps,
        "rounds_stop_at_rss_gb": round(args.max_rss_gb * ROUNDS_LIMIT, 2),
        "series": "per detector: a daily cycle (288 five-minute steps) of its own level "
                  "(20 to 20,000), amplitude, phase and noise, a weekly swing; minimum and "
                  "maximum of its series given",
        "rss_source": source,
        "rss_before_mb": round(rss_before / 1e6, 1),
        "rss_after_creation_mb": round(rss_created / 1e6, 1),
        "rss_after_mb": round(rss_after / 1e6, 1),
        "mb_per_detector": round((rss_after - rss_before) / max(1, n) / 1e6, 2),
        "mb_per_detector_at_creation": round((rss_created - rss_before) / max(1, n) / 1e6, 2),
        "create_s_per_detector": round(created_s / max(1, n), 4),
        "values_per_s_round_robin": round(n * (rounds - 1) / max(round_robin_s, 1e-9), 1),
        "values_per_s_overall": round(n * rounds / max(created_s + round_robin_s, 1e-9), 1),
        "seconds": round(created_s + round_robin_s, 1),
        "first_detector_state": one,
    }
    log(f"many detectors: {n} detectors, {report['mb_per_detector']} MB each, "
        f"{report['values_per_s_round_robin']} values/s")
    del detectors, rows
    gc.collect()
    return report


# ----------------------------------------------------------------- htm.core

def htm_core(frame, args, minimum, maximum):
    """htm.core's NAB detector timed on the same rows, when htm.core is
    installed; its reference figures otherwise."""
    try:
        import htm  # noqa: F401
    except ImportError as exc:
        return {"available": False,
                "note": f"htm.core is not installed here ({exc}); the figures below were "
                        "measured on this machine earlier and are not re-measured",
                "reference": HTM_CORE_REFERENCE}
    log(f"htm.core: its NAB detector on {args.rows} rows")
    step, parts = _htm_core_detector(minimum, maximum)
    times = np.empty(args.rows)
    stamps = frame["timestamp"].iloc[:args.rows].dt.to_pydatetime()
    values = frame["value"].iloc[:args.rows].astype(np.float64).tolist()
    with heartbeat("htm.core rows"):
        for i in range(args.rows):
            start = time.perf_counter()
            step(stamps[i], values[i])
            times[i] = time.perf_counter() - start
    report = {"available": True, "version": getattr(sys.modules["htm"], "__version__", None),
              "rows": args.rows, "us_per_row": round(float(times.mean() * 1e6), 1),
              **call_times(times), "reference": HTM_CORE_REFERENCE}
    try:
        report["pickle_mb"] = round(len(pickle.dumps(parts)) / 1e6, 2)
    except Exception as exc:  # noqa: BLE001 - htm.core's bindings may refuse
        report["pickle_mb"] = f"not picklable: {exc}"
    return report


def _htm_core_detector(minimum, maximum, probation=750):
    """htm-community/NAB's HtmcoreDetector, "numenta comparable" parameters,
    without Metrics and Predictor: (step(timestamp, value) -> score, parts)."""
    from htm.algorithms.anomaly_likelihood import AnomalyLikelihood
    from htm.bindings.algorithms import SpatialPooler, TemporalMemory
    from htm.bindings.sdr import SDR
    from htm.encoders.date import DateEncoder
    from htm.encoders.rdse import RDSE, RDSE_Parameters

    date = DateEncoder(timeOfDay=(21, 9.49), weekend=0)
    params = RDSE_Parameters()
    params.size, params.sparsity, params.resolution = 4000, 0.2, 0.001  # as in that file
    value_encoder = RDSE(params)
    width = date.size + value_encoder.size
    sp = SpatialPooler(
        inputDimensions=(width,), columnDimensions=(2048,), potentialPct=0.8,
        potentialRadius=width, globalInhibition=True, localAreaDensity=0.04395604395604396,
        synPermInactiveDec=0.0005, synPermActiveInc=0.005, synPermConnected=0.2,
        boostStrength=0.0, wrapAround=True)
    tm = TemporalMemory(
        columnDimensions=(2048,), cellsPerColumn=32, activationThreshold=13,
        initialPermanence=0.21, connectedPermanence=0.2, minThreshold=10,
        maxNewSynapseCount=20, permanenceIncrement=0.1, permanenceDecrement=0.1,
        predictedSegmentDecrement=0.0, maxSegmentsPerCell=128, maxSynapsesPerSegment=32)
    learning = probation // 2
    likelihood = AnomalyLikelihood(learningPeriod=learning,
                                   estimationSamples=probation - learning,
                                   reestimationPeriod=100)
    seen = [None, None]
    active = SDR(sp.getColumnDimensions())

    def step(timestamp, value):
        encoding = SDR(width).concatenate([value_encoder.encode(value),
                                           date.encode(timestamp)])
        sp.compute(encoding, True, active)
        tm.compute(active, learn=True)
        spatial = 0.0
        low, high = seen
        if low is not None and low != high:
            tolerance = (high - low) * 0.05
            if value > high + tolerance or value < low - tolerance:
                spatial = 1.0
        seen[0] = value if low is None else min(low, value)
        seen[1] = value if high is None else max(high, value)
        raw = tm.anomaly
        score = likelihood.computeLogLikelihood(
            likelihood.anomalyProbability(value, raw, timestamp))
        return max(spatial, score)

    return step, (sp, tm)


def ratios(report):
    """htm.core's time per row over ours, and the targets."""
    measured = report["htm_core"].get("available")
    htm = report["htm_core"] if measured else HTM_CORE_REFERENCE
    rows = report["long_call"]["rows"]
    long_us = report["long_call"]["us_per_row"]
    one_us = report["one_row_calls"]["us_per_call_mean"]
    state = report["state"]["after_rows"]
    out = {
        "htm_core_figures": "measured by this run" if measured else
                            "HTM_CORE_REFERENCE (measured earlier on this machine)",
        "comparable": measured or rows == HTM_CORE_REFERENCE["rows"],
        "long_call": round(htm["us_per_row"] / long_us, 2),
        "one_row_calls": round(htm["us_per_row"] / one_us, 2),
    }
    if not measured:
        quiet = HTM_CORE_REFERENCE["us_per_row_quiet_rerun"]
        out["long_call_vs_quiet_rerun"] = round(quiet / long_us, 2)
        out["one_row_calls_vs_quiet_rerun"] = round(quiet / one_us, 2)
    if not out["comparable"]:
        out["note"] = (f"htm.core's reference is over {HTM_CORE_REFERENCE['rows']} rows, this "
                       f"run over {rows}: early rows are cheaper, so these ratios are not "
                       "comparable")
    out["targets"] = {
        "long_call_ratio": {"target": f">= {TARGETS['long_call_ratio']}",
                            "value": out["long_call"],
                            "met": out["long_call"] >= TARGETS["long_call_ratio"]},
        "one_row_calls_ratio": {"target": f">= {TARGETS['one_row_calls_ratio']}",
                                "value": out["one_row_calls"],
                                "met": out["one_row_calls"] >= TARGETS["one_row_calls_ratio"]},
        "state_mb": {"target": f"<= {TARGETS['state_mb']}", "value": state["array_mb"],
                     "met": state["array_mb"] <= TARGETS["state_mb"]},
        "pickle_mb": {"target": f"<= {TARGETS['pickle_mb']}", "value": state["pickle_mb"],
                      "met": state["pickle_mb"] <= TARGETS["pickle_mb"]},
    }
    return out


def machine(load_before):
    return {
        "cores": os.cpu_count(), "numba": numba.__version__, "numpy": np.__version__,
        "pandas": pd.__version__, "python": platform.python_version(),
        "load_average_before": list(load_before), "load_average_after": list(os.getloadavg()),
    }


def main(argv=None):
    args = parse_args(argv)
    load_before = os.getloadavg()
    if args.only == "multi_streams":
        report = {"command": command(argv), "sklearn_htm": sklearn_htm.__version__,
                  "quick": args.quick, "multi_streams": multi_streams(args, log, rss_bytes),
                  "machine": machine(load_before),
                  "seconds": round(time.perf_counter() - _START, 1)}
        emit(report, args.output, default=float)
        return 0
    path = Path(args.nab) / NYC_TAXI
    frame = pd.read_csv(path, parse_dates=["timestamp"])
    args.rows = min(args.rows, len(frame))
    minimum, maximum = float(frame["value"].min()), float(frame["value"].max())
    log(f"{path}: {len(frame)} rows, minimum {minimum:g}, maximum {maximum:g}")
    report = {
        "command": command(argv),
        "sklearn_htm": sklearn_htm.__version__,
        "quick": args.quick,
        "input": {"file": NYC_TAXI, "rows_in_file": len(frame), "minimum": minimum,
                  "maximum": maximum},
        "detector": f"HTMAnomalyDetector(minimum={minimum:g}, maximum={maximum:g}), "
                    "defaults otherwise",
    }
    detector, report["long_call"] = long_call(frame, args, minimum, maximum)
    long_scores = detector.anomaly_score_.copy()
    report["one_row_calls"] = one_row_calls(frame, args, minimum, maximum, long_scores)
    report["score_samples"] = score_samples(frame, detector, args)
    report["adapters"] = adapters(frame, args, minimum, maximum, detector.ranking_score_)
    report["parts"] = parts(frame, detector, args, minimum, maximum)
    log("state after the rows")
    report["state"] = {"after_rows": state_report(detector)}
    if args.whole_file and args.rows < len(frame):
        report["state"]["after_whole_file"] = whole_file(frame, detector, args)
    del detector
    gc.collect()
    report["many_detectors"] = many_detectors(args)
    report["htm_core"] = htm_core(frame, args, minimum, maximum)
    report["ratios"] = ratios(report)
    report["multi_streams"] = multi_streams(args, log, rss_bytes, fresh_process=False)
    report["machine"] = machine(load_before)
    report["seconds"] = round(time.perf_counter() - _START, 1)
    log(f"done in {report['seconds']:.0f} s")
    emit(report, args.output, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
