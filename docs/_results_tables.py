"""Tables of the documentation written from the benchmarks' results files.

Each function reads one JSON file of ``benchmarks/results/`` (written by the
script that measured it) and returns reStructuredText; ``conf.py`` writes it
to an ``.inc`` file before the build, so re-running a benchmark updates the
pages and no figure is typed by hand.
"""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results"


def _written_by(path, rerun):
    """The comment that opens a generated table: where it comes from, and
    what to re-run instead of editing it."""
    return [
        f".. Written by docs/_results_tables.py from benchmarks/results/{Path(path).name};",
        f"   do not edit: re-run {rerun}.",
    ]


def _n(value):
    return f"{value:,.0f}"


def temporal_memory_table(path=RESULTS / "tm.json"):
    """The Temporal Memory's speed and memory (``benchmarks/bench_tm.py``)."""
    report = json.loads(Path(path).read_text())
    work, syn, core = report["workload"], report["synthetic"], report["htm_core"]
    lines = [
        *_written_by(path, "benchmarks/bench_tm.py"),
        "",
        f"``benchmarks/results/tm.json``, written by ``python benchmarks/bench_tm.py "
        f"--nab DIR --output benchmarks/results/tm.json``: {work['columns']} columns x "
        f"{work['cells_per_column']} cells, {work['parameters']}, a sequence of "
        f"{work['sequence']} random SDRs of {work['active_columns']} columns repeated "
        f"with {work['noise']:.0%} of its steps replaced by noise; measured over "
        f"{work['measured_steps']:,} steps after {work['warmup_steps']:,} learned "
        f"({syn['segments']:,} segments, {syn['synapses']:,} synapses). Machine: "
        f"{report['machine']['cores']} cores, load average "
        f"{report['machine']['load_average_before'][0]:.1f} before the run. htm.core: "
        f"{core['source']}.",
        "",
        "=============================================  ============  ============  =========",
        "steps per second                               numba         htm.core      ratio",
        "=============================================  ============  ============  =========",
        f"learning (``partial_fit``)                     {_n(syn['learning_steps_per_s']):>12}"
        f"  {_n(core['learning_steps_per_s']):>12}"
        f"  {report['ratio_to_htm_core']['learning']:>8.1f}x",
        f"inference (``anomaly_score``)                  {_n(syn['inference_steps_per_s']):>12}"
        f"  {_n(core['inference_steps_per_s']):>12}"
        f"  {report['ratio_to_htm_core']['inference']:>8.1f}x",
        f"inference, predicted steps only                {_n(syn['inference_steps_per_s_predicted_rows']):>12}",
        f"inference, noise steps only                    {_n(syn['inference_steps_per_s_noise_rows']):>12}",
        f"one row per ``partial_fit`` call (calls/s)     {_n(syn['one_row_partial_fit_calls_per_s']):>12}",
        f"numpy reference, learning                      {syn['numpy_reference_learning_steps_per_s']:>12.1f}",
        "=============================================  ============  ============  =========",
        "",
        f"Memory: {syn['bytes_per_synapse_pool_layout']:.0f} bytes per synapse in the working "
        "layout (its lists of segments and synapses, the room kept free for growth "
        f"included), {syn['bytes_per_synapse_pickled']:.1f} in a saved model.",
    ]
    costs = syn.get("step_costs")
    if costs:
        lines += [
            "",
            f"Where a step's time goes: counting each segment's synapses to the active "
            f"cells reads {costs['synapses_read_per_step']:,.0f} synapses per step on average "
            f"and takes {costs['activate_dendrites_us_per_step']:.1f} µs; its floor at this "
            "layout (the same synapses read, one counter incremented for each, nothing "
            f"else) is {costs['floor_count_only_us_per_step']:.1f} µs. The counters are "
            "random writes into an array of every segment, so the floor is memory "
            "latency, not arithmetic.",
        ]
    if "nyc_taxi" in report:
        taxi = report["nyc_taxi"]
        lines += [
            "",
            f"On a real encoded stream ({taxi['input']}; {taxi['segments']:,} segments after "
            f"{work['warmup_steps']:,} rows): {_n(taxi['learning_steps_per_s'])} learning and "
            f"{_n(taxi['inference_steps_per_s'])} inference steps per second, "
            f"{_n(taxi['one_row_partial_fit_calls_per_s'])} one-row calls per second.",
        ]
    return "\n".join(lines) + "\n"


def nab_table(path=RESULTS / "nab.json"):
    """The detector's NAB scores (``python -m sklearn_htm.nab``)."""
    report = json.loads(Path(path).read_text())
    scores, published = report["scores"], report["published"]
    numenta = published["numenta (NuPIC)"]
    lines = [
        *_written_by(path, "benchmarks/bench_nab.py"),
        "",
        f"``benchmarks/results/nab.json``, written by ``{report['command']}`` (the "
        "detector's defaults; thresholds optimised per profile as NAB does):",
        "",
        "=========================================  ==========  ==================  ==================",
        "detector                                   standard    reward_low_FP_rate  reward_low_FN_rate",
        "=========================================  ==========  ==================  ==================",
        f"sklearn-htm ``HTMAnomalyDetector``         {scores['standard']:>10.1f}"
        f"  {scores['reward_low_FP_rate']:>18.1f}  {scores['reward_low_FN_rate']:>18.1f}",
        f"NuPIC's HTM detector (published)           {numenta[0]:>10.1f}"
        f"  {numenta[1]:>18.1f}  {numenta[2]:>18.1f}",
        f"sklearn-htm without the likelihood step    "
        f"{report['ablation_without_likelihood']['scores']['standard']:>10.1f}  "
        f"{report['ablation_without_likelihood']['scores']['reward_low_FP_rate']:>18.1f}  "
        f"{report['ablation_without_likelihood']['scores']['reward_low_FN_rate']:>18.1f}",
        f"htm.core (published)                       {published['htm.core']:>10.1f}",
        f"NuPIC without the likelihood (published)   "
        f"{published['numenta without likelihood']:>10.1f}",
        f"best listed detector (published)           {published['best listed']:>10.1f}",
        "=========================================  ==========  ==================  ==================",
        "",
        "Standard score by group: " + ", ".join(
            f"{group} {value:.1f}" for group, value in report["groups"]["standard"].items()
            if value is not None) + ".",
        "Standard score by seed (" + ", ".join(f"``{k}``" for k in report["seeds"])
        + "): " + ", ".join(f"{value:.1f}" for value in report["seeds"].values()) + ".",
        *([f"Mean of the {len(report['seed_scores'])} seeds, by profile: " + ", ".join(
            f"{profile} {value:.2f}" for profile, value in report["seed_scores_mean"].items())
           + "."] if "seed_scores_mean" in report else []),
        *[f"With {label}: " + ", ".join(f"{v:.1f}" for v in alt["standard"].values())
          + f" (mean {alt['mean']:.1f}, against {report['seeds_mean']:.1f})."
          for label, alt in report.get("alternatives", {}).items()],
        f"The whole corpus ran in {report['run_seconds']:.0f} s with "
        f"``--n-jobs {report['n_jobs']}`` on {report['cores']} cores.",
        "",
        "Reproduce:",
        "",
        ".. code-block:: console",
        "",
        "    python -m sklearn_htm.nab run --data /path/to/NAB --output OUT --n-jobs 2",
        "    python -m sklearn_htm.nab score OUT/sklearnhtm --data /path/to/NAB",
    ]
    return "\n".join(lines) + "\n"


def streams_table(path=RESULTS / "streams.json"):
    """The detector on a live stream (``benchmarks/bench_streams.py``)."""
    report = json.loads(Path(path).read_text())
    long_call, one_row = report["long_call"], report["one_row_calls"]
    state, many = report["state"], report["many_detectors"]
    after, whole = state["after_rows"], state.get("after_whole_file")
    reference = report["htm_core"].get("reference", report["htm_core"])
    rule = "=" * 52 + "  " + "=" * 14 + "  " + "=" * 24
    rows = [
        ("per row, the rows in one ``fit`` call",
         f"{long_call['us_per_row']:,.0f} us", f"{reference['us_per_row']:,.0f} us"),
        ("per call, one row per ``partial_fit`` call",
         f"{one_row['us_per_call_mean']:,.0f} us", f"{reference['us_per_row']:,.0f} us"),
        ("per call, one ``(timestamp, value)`` pair",
         f"{one_row['tuple_calls']['us_per_call_mean']:,.0f} us", ""),
        ("per call, ``score_samples``, rows out of sequence",
         f"{report['score_samples']['us_per_call_mean']:,.0f} us", ""),
    ]
    if "next_row" in report["score_samples"]:
        rows.append(("per call, ``score_samples`` of each next row",
                     f"{report['score_samples']['next_row']['us_per_call_mean']:,.0f} us", ""))
    rows += [
        (f"arrays held after {after['rows_seen']:,} rows", f"{after['array_mb']:.1f} MB", ""),
        (f"pickle after {after['rows_seen']:,} rows", f"{after['pickle_mb']:.1f} MB",
         f"{reference['pickle_mb_after_rows']:.0f} MB"),
    ]
    if whole:
        rows += [
            (f"arrays / pickle after the whole file ({whole['rows_seen']:,} rows)",
             f"{whole['array_mb']:.0f} / {whole['pickle_mb']:.0f} MB",
             f"{reference['whole_file']['rss_mb']:.0f} (RAM) / "
             f"{reference['whole_file']['pickle_mb']:.0f} MB"),
        ]
    lines = [
        *_written_by(path, "benchmarks/bench_streams.py"),
        "",
        f"``benchmarks/results/streams.json``, written by ``{report['command']}``: "
        f"``HTMAnomalyDetector`` with its defaults on the first {long_call['rows']:,} rows "
        "of NAB's ``nyc_taxi.csv`` (the file's range given), beside htm.core's NAB "
        "detector measured on the same rows and machine earlier:",
        "",
        rule,
        f"{'':<52}  {'sklearn-htm':<14}  htm.core's NAB detector",
        rule,
        *[f"{label:<52}  {ours:<14}  {theirs}" for label, ours, theirs in rows],
        rule,
        "",
        f"One-row calls give the long call's scores bit for bit "
        f"({'yes' if one_row['equal_to_long_call'] else 'NO'}). "
        f"{many['n_detectors_reached']:,} detectors alive in one process, each fed its own "
        f"series one value per call, round robin: {many['mb_per_detector']:.1f} MB each "
        f"after {many['steps_done']} values ({many['mb_per_detector_at_creation']:.1f} MB "
        f"when created), {many['values_per_s_round_robin']:,.0f} values per second.",
    ]
    return "\n".join(lines) + "\n"


def cpu_table(path=RESULTS / "cpu.json"):
    """The pooler's CPU speed (``benchmarks/bench_cpu.py``)."""
    report = json.loads(Path(path).read_text())
    work, rates, calls = report["workload"], report["samples_per_s"], report["stream_calls"]
    pooler = ", ".join(f"``{k}={v}``" for k, v in work["pooler"].items())
    core, machine = report["htm_core"], report["machine"]
    transform, learn1, learn32 = (rates["transform"], rates["learn_batch_size_1"],
                                  rates["learn_batch_size_32"])
    scale, wide, compile_ = report["scale"], report["wide_sparse_init"], report["compile"]
    lines = [
        *_written_by(path, "benchmarks/bench_cpu.py"),
        "",
        "CPU, numba backend (``benchmarks/results/cpu.json``, written by ``python "
        "benchmarks/bench_cpu.py --mnist DIR --output benchmarks/results/cpu.json``): MNIST "
        f"through ``GreyscaleEncoder(n_bits=4)`` ({work['inputs']} inputs, "
        f"{work['active_inputs']} active per row), pooler parameters as measured: {pooler}, "
        f"global inhibition; {machine['cores']} cores ({machine['cpu']}), load average "
        f"{report['load_average']['before'][0]:.1f} before the run (figures move by 10-30% "
        "from run to run on this shared machine).",
        "",
        "============================ ========================== =================== "
        "==========================",
        "samples per second           numba                      numpy (reference)   "
        "dense ``X @ C`` + top-k",
        "============================ ========================== =================== "
        "==========================",
        f"transform                    {_n(transform['numba']) + ' (1 thread: ' + _n(transform['numba_one_thread']) + ')':<26} "
        f"{_n(transform['numpy']):<19} {_n(transform['dense_formulation'])}",
        f"learn, ``batch_size=1``      {_n(learn1['numba']):<26} {_n(learn1['numpy'])}",
        f"learn, ``batch_size=32``     {_n(learn32['numba']):<26} {_n(learn32['numpy'])}",
        "============================ ========================== =================== "
        "==========================",
        "",
        f"Streams, one row per call, next to htm.core; its figures: {core['source']}:",
        "",
        "=================================== ================ ============== ==========",
        "per sample                          this package     htm.core       ratio",
        "=================================== ================ ============== ==========",
    ]
    rows = [
        ("one row per ``transform`` call", calls["transform_one_row_csr_calls_per_s"],
         "calls/s", core["inference_samples_per_s"]),
        ("one row per ``partial_fit`` call", calls["partial_fit_one_row_calls_per_s"],
         "calls/s", core["learning_samples_per_s"]),
        ("learning, rows in one call", learn1["numba"], "/s", core["learning_samples_per_s"]),
        ("inference, rows in one call", transform["numba"], "/s",
         core["inference_samples_per_s"]),
    ]
    for label, ours, unit, theirs in rows:
        lines.append(f"{label:<35} {_n(ours) + ' ' + unit:<16} {_n(theirs) + ' /s':<14} "
                     f"{ours / theirs:.1f}x")
    lines += [
        "=================================== ================ ============== ==========",
        "",
        f"The first ``fit`` of the digits demo's pooler in a process with an empty Numba "
        f"cache compiles the kernels ({compile_['empty_cache']['first_fit_s']:.1f} s, the "
        f"best of {len(compile_.get('empty_cache_first_fit_s_runs', [0]))} fresh caches); "
        f"with the cache warm it takes {compile_['warm_cache']['first_fit_s']:.1f} s. "
        f"{scale['n_columns']:,} columns ({scale['potential_synapses'] / 1e6:.0f} million "
        f"potential synapses at ``potential_pct={work['pooler']['potential_pct']}``) learn at {_n(scale['learn_batch_size_1'])} samples/s "
        f"online and transform at {_n(scale['transform'])} samples/s. ``fit`` over "
        f"{wide['n_features']:,} sparse features with {wide['n_columns']} columns and "
        f"``potential_pct={wide['potential_pct']}`` takes {wide['fit_s']} s.",
    ]
    return "\n".join(lines) + "\n"


def dask_section(path=RESULTS / "dask.json"):
    """What streaming, saving and Dask cost (``benchmarks/bench_dask.py``)."""
    report = json.loads(Path(path).read_text())
    env, grid = report["environment"], report["grid_search"]
    stream, saving = report["streaming"], report["saving"]
    # The digits ten times over (the field is recorded since 0.2.0).
    rows = stream.get("transform_rows", 10 * stream["samples"])
    workers = sorted(grid["on_dask"], key=lambda name: int(name.split("_")[0]))
    lines = [
        *_written_by(path, "benchmarks/bench_dask.py"),
        "",
        f"Figures of ``benchmarks/results/dask.json``, written by ``{report['command']}`` "
        f"({env['backend']} backend, {env['cpus']} cores, load average "
        f"{env['load_average_1min_at_start']:.1f} at the start; best of "
        f"{report['repeat']} runs; dask {env['dask']}, dask-ml {env['dask_ml']}).",
        "",
        f"Grid search, {grid['candidates']} candidates x {grid['folds']} folds + refit "
        f"({grid['fits']} fits of encoder + pooler of 256 or 512 columns + "
        "LogisticRegression on the 1,797 digits):",
        "",
        "============================================  ==========",
        "Where                                         Seconds",
        "============================================  ==========",
        f"in process, libraries' default thread pools   {grid['in_process_default_threads_s']:.1f}",
        f"in process, one thread (as a worker has)      {grid['in_process_1_thread_s']:.1f}",
    ]
    for name in workers:
        run, n = grid["on_dask"][name], name.split("_")[0]
        lines += [
            f"{n + ' worker processes x 1 thread':<44}  {run['grid_search_s']:.1f}",
            f"{'compute time of the ' + n + ' workers, summed':<44}  {run['worker_compute_s']:.1f}",
            f"{'starting the ' + n + '-worker cluster':<44}  {run['cluster_start_s']:.1f}",
            f"{'warm-up per worker (kernels in the cache)':<44}  {run['warm_up_s_per_worker']:.1f}",
        ]
    run = grid["on_dask"][workers[0]]
    lines += [
        "============================================  ==========",
        "",
        f"With {workers[0].split('_')[0]} workers, {run['worker_compute_s']:.1f} s of work "
        f"took {run['grid_search_s']:.1f} s, {run['speed_up_over_1_thread']:.2f} times "
        "faster than one thread in one process; the cross-validation scores are "
        f"{'identical to' if run['same_scores_as_in_process'] else 'NOT identical to'} "
        "those of the search in process.",
        "",
        f"Streaming and transforming (digits, batches of {stream['batch']}, a 1,024-column "
        f"pooler; the pipeline pickles to {stream['model_bytes'] / 1e6:.1f} MB):",
        "",
        "===================================================  ====================",
        "What                                                 Samples per second",
        "===================================================  ====================",
        f"``IncrementalPipeline.partial_fit``, in process      "
        f"{_n(stream['in_process_1_thread_partial_fit_samples_per_s'])}",
        f"dask-ml ``Incremental``, 2 workers                   "
        f"{_n(stream['dask_ml_incremental_2_workers_samples_per_s'])}",
        f"{'``transform`` in memory (' + format(rows, ',') + ' rows)':<51}  "
        f"{_n(stream['in_process_1_thread_transform_samples_per_s'])}",
        f"``transform`` of a dask array on 2 workers           "
        f"{_n(stream['dask_transform_2_workers_samples_per_s'])}",
        "===================================================  ====================",
        "",
        f"Saving a fitted MNIST-sized pooler ({saving['n_columns']:,} columns over "
        f"{saving['n_inputs']:,} inputs, ``potential_pct={saving.get('potential_pct', 0.5)}``: "
        f"{saving['potential_synapses']:,} potential synapses):",
        "",
        "=========  ========  ===========  ===========  =======",
        "Format     Size      Dump         Load         Exact",
        "=========  ========  ===========  ===========  =======",
    ]
    for name in ("pickle", "joblib", "skops"):
        if name in saving:
            row = saving[name]
            lines.append(
                f"{name:<9}  {row['bytes'] / 1e6:>5.1f} MB  {row['dump_s']:>7.3f} s    "
                f"{row['load_s']:>7.3f} s    {'yes' if row['exact'] else 'no'}"
            )
    per_synapse = saving["pickle"]["bytes"] / saving["potential_synapses"]
    lines += [
        "=========  ========  ===========  ===========  =======",
        "",
        f"The size is about {per_synapse:.0f} bytes per potential synapse (a float32 "
        "permanence and an int32 input index).",
    ]
    return "\n".join(lines) + "\n"


def _ablation_table(ablations):
    best = max(row["accuracy"] for row in ablations)
    rule = "===================== ========== ========= ==========="
    lines = [rule, "model                 accuracy   fit (s)   score (s)", rule]
    for row in ablations:
        accuracy = f"{row['accuracy']:.4f}"
        if row["accuracy"] == best:
            accuracy = f"**{accuracy}**"
        lines.append(f"{row['model']:<21} {accuracy:<10} {row['fit_time']:<9.1f} "
                     f"{row['score_time']:.2f}")
    return lines + [rule]


def mnist_table(path=RESULTS / "mnist.json"):
    """MNIST accuracy with its ablations (``examples/plot_mnist_pipeline.py``)."""
    report = json.loads(Path(path).read_text())
    blog, best = report["presets"]["blog"], report["presets"]["mnist"]

    def accuracy(preset, model):
        return next(row for row in preset["ablations"] if row["model"] == model)

    blog_trained = accuracy(blog, "trained SP + LR")
    blog_untrained = accuracy(blog, "untrained SP + LR")
    best_trained = accuracy(best, "trained SP + LR")
    best_untrained = accuracy(best, "untrained SP + LR")
    short_of_aim = (
        ", but **not the 95% this project aims at** for this configuration"
        if blog_trained["accuracy"] < 0.95 else ""
    )
    minutes = (best_trained["fit_time"] + best_trained["score_time"]) / 60
    columns = best["parameters"]["pooler"]["n_columns"]
    n_columns = columns[0] * columns[1] * columns[2]
    dead = best["metrics"]["trained"]["dead_columns"]
    lines = [
        *_written_by(path, "examples/plot_mnist_pipeline.py --output .."),
        "",
        f"Accuracy on the {report['n_test']:,} MNIST test images after learning from the "
        f"{report['n_train']:,} training images (one pass of the pooler), from "
        "``benchmarks/results/mnist.json``, written by ``python "
        "examples/plot_mnist_pipeline.py --data DIR --output benchmarks/results/mnist.json`` "
        "(random_state 0, numba backend, 2-core x86_64 machine). Fit and score times in "
        "seconds; a fit includes the encoder, the pooler and the LogisticRegression, whose "
        "iterations until convergence depend on the features it reads: that is why a "
        "trained pooler's row can fit faster than the untrained one's although it also "
        "learns.",
        "",
        "**Blog configuration** (``\"blog\"`` preset: 4 bits per pixel, 2048 columns, 2% "
        "sparsity, the package defaults for the rest; LogisticRegression ``C=0.1``):",
        "",
        *_ablation_table(blog["ablations"]),
        "",
        f"The trained pooler beats the untrained one by "
        f"{100 * (blog_trained['accuracy'] - blog_untrained['accuracy']):.0f} points and the "
        f"blog post's 94%{short_of_aim}.",
        "",
        "**Best configuration** (``\"mnist\"`` preset: 2 bits per pixel, "
        f"{columns[0]} x {columns[1]} x {columns[2]} = {n_columns:,} columns with topological "
        f"pools of radius {best['parameters']['pooler']['potential_radius'][0]} pixels, "
        f"{best['parameters']['pooler']['sparsity']:.0%} sparsity; LogisticRegression "
        f"``C={best['parameters']['classifier']['C']}``):",
        "",
        *_ablation_table(best["ablations"]),
        "",
        f"{100 * best_trained['accuracy']:.2f}%, against htm.core's best published 97.1%, "
        f"with fit and score together in {minutes:.1f} minutes on 2 cores (htm.core: about "
        "9 minutes for 4 passes). Most of it comes from the topology: the *untrained* "
        f"topological pooler already scores {best_untrained['accuracy']:.4f}, and learning "
        f"adds {100 * (best_trained['accuracy'] - best_untrained['accuracy']):.1f} points. "
        f"With this preset's htm.core-like boosting (strength "
        f"{best['parameters']['pooler']['boost_strength']:g} over "
        f"{best['parameters']['pooler']['duty_cycle_period']:,} rows) {dead:,} of the "
        f"{n_columns:,} columns never win on the probe images.",
    ]
    return "\n".join(lines) + "\n"


def digits_table(path=RESULTS / "digits.json"):
    """What each choice of the "digits" preset adds (``benchmarks/bench_digits.py``)."""
    report = json.loads(Path(path).read_text())
    # A cell starting with "+ " would read as a bullet list: escape the "+".
    labels = [("\\" + row["configuration"]) if row["configuration"].startswith("+ ")
              else row["configuration"] for row in report["steps"]]
    width = max(len(label) for label in labels)
    rule = f"{'=' * width} ======== =========="
    lines = [
        *_written_by(path, "benchmarks/bench_digits.py"),
        "",
        f"``benchmarks/results/digits.json``, written by ``{report['command']}``: "
        "3-fold cross-validated accuracy on the training part of the main job's split "
        f"(``{report['split']}``), on which the choices were made, and the accuracy on its "
        "held-out quarter. Each step adds one change to the row above; LogisticRegression "
        "``max_iter=1000`` reads every representation.",
        "",
        rule,
        f"{'configuration':<{width}} CV       held out",
        rule,
    ]
    for label, row in zip(labels, report["steps"]):
        lines.append(f"{label:<{width}} {row['cv_accuracy']:<8.4f} "
                     f"{row['test_accuracy']:.4f}")
    gains = report["trained_over_raw_points"]
    lines += [
        rule,
        "",
        f"On {len(report['splits'])} stratified splits (``random_state`` 0 to "
        f"{len(report['splits']) - 1}, the pooler seeded alike) the trained pooler scores "
        f"{min(gains):.2f} to {max(gains):.2f} points above raw pixels:",
        "",
        "============== ============ ============ ============== ============",
        "random_state   raw pixels   encoder      untrained SP   trained SP",
        "============== ============ ============ ============== ============",
    ]
    for split in report["splits"]:
        lines.append(
            f"{split['random_state']:<14} {split['raw pixels + LR']:<12.4f} "
            f"{split['encoder + LR']:<12.4f} {split['untrained SP + LR']:<14.4f} "
            f"{split['trained SP + LR']:.4f}")
    lines.append("============== ============ ============ ============== ============")
    return "\n".join(lines) + "\n"


def _rst_table(header, rows):
    """A simple reST table: the first column left-aligned, the others right."""
    cells = [header] + rows
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(header))]
    rule = " ".join("=" * w for w in widths)

    def line(row):
        return " ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w)
                        for i, (v, w) in enumerate(zip(row, widths))).rstrip()

    return [rule, line(header), rule, *(line(row) for row in rows), rule]


def image_recipe_table(path=RESULTS / "image_recipe.json"):
    """The "image" recipe: its choices and its figures (``benchmarks/bench_image_recipe.py``)."""
    report = json.loads(Path(path).read_text())
    def ablation_table(test):
        return _rst_table(
            ["pipeline", "test accuracy", "fit + score (s)"],
            [[label, f"{test[key]['accuracy']:.4f}",
              f"{test[key]['fit_time'] + test[key]['score_time']:.0f}"]
             for label, key in (("raw pixels", "raw pixels + LR"),
                                ("the code alone", "encoder + LR"),
                                ("untrained pooler", "untrained SP + LR"),
                                ("trained pooler", "trained SP + LR"))])

    lines = [
        *_written_by(path, "benchmarks/bench_image_recipe.py"),
        "",
        "``benchmarks/results/image_recipe.json`` (its sections come from the runs it "
        f"lists under ``runs``; ``{report['command']}`` runs them all). "
        "MNIST, 60,000 training and 10,000 test images, "
        "``make_preset_pipeline(\"image\", image_shape=(28, 28))`` beside its ablations "
        "(each ends in the recipe's ``LogisticRegression(C=0.1)``):",
        "",
    ]
    lines += ablation_table(report["mnist_test"])
    if report.get("heldout_test"):
        lines += ["", "The same on the held-out dataset (``--heldout``), the recipe built "
                  "from its images' shape:", ""]
        lines += ablation_table(report["heldout_test"])
    choices = report["mnist_choices"]
    labels = list(report["digits_choices"])
    labels += [label for label in choices["mnist"] if label not in labels]

    def cell(rows, label, key="accuracy"):
        return f"{rows[label][key]:.4f}" if label in rows and rows[label] else ""

    lines += [
        "",
        "Each choice of the recipe, changed one at a time, on data the figures above "
        "are not: 3-fold cross-validation on the training part of the digits demo's "
        "split; MNIST training images 0-19,999 learned and 50,000-59,999 scored, plain "
        "and with each image's contrast multiplied by a factor drawn from U(0.25, 1):",
        "",
    ]
    lines += _rst_table(
        ["choice", "digits (CV)", "MNIST (val)", "contrast (val)"],
        [[label, cell(report["digits_choices"], label, "cv_accuracy"),
          cell(choices["mnist"], label), cell(choices["contrast"], label)]
         for label in labels])
    learning = report.get("mnist_learning")
    if learning:
        lines += [
            "",
            "What learning adds, by columns per pixel and training images (MNIST "
            "training images learned from the first, 50,000-59,999 scored; the untrained "
            "pooler has the same pools and initial permanences, learning switched off):",
            "",
        ]
        lines += _rst_table(
            ["training images", "columns per pixel", "columns", "untrained", "trained",
             "learning adds"],
            [[f"{row['training images']:,}", row["columns per pixel"],
              f"{28 * 28 * row['columns per pixel']:,}", f"{row['untrained']:.4f}",
              f"{row['trained']:.4f}", f"{100 * row['learning adds']:+.2f} points"]
             for row in learning])
    gains = [row["gain"] for row in report["digits_splits"]]
    lines += [
        "",
        f"On the digits' held-out quarter, over {len(gains)} stratified splits "
        f"(``random_state`` 0 to {len(gains) - 1}), the recipe scores "
        f"{100 * min(gains):.2f} to {100 * max(gains):.2f} points above raw pixels "
        "(``MaxAbsScaler`` + ``LogisticRegression(max_iter=1000)``):",
        "",
    ]
    lines += _rst_table(
        ["random_state", "raw pixels", "recipe"],
        [[row["split random_state"], f"{row['raw pixels']:.4f}", f"{row['recipe']:.4f}"]
         for row in report["digits_splits"]])
    return "\n".join(lines) + "\n"


def defaults_table(path=RESULTS / "defaults.json"):
    """How the pooler's defaults were chosen (``benchmarks/bench_defaults.py``)."""
    report = json.loads(Path(path).read_text())
    rule = "============================================================ ========== ==============="
    lines = [
        *_written_by(path, "benchmarks/bench_defaults.py"),
        "",
        f"``benchmarks/results/defaults.json``, written by ``{report['command']}`` "
        f"({report['workload']}); the last row is the package's defaults:",
        "",
        rule,
        "pool and boosting                                            accuracy   unused columns",
        rule,
    ]
    for row in report["candidates"]:
        label = (f"``potential_pct={row['potential_pct']:g}``, ``boost_strength="
                 f"{row['boost_strength']:g}``, period {row['duty_cycle_period']}")
        lines.append(f"{label:<60} {row['accuracy']:<10.4f} {row['unused_columns']} of 2048")
    defaults = report["candidates"][-1]
    unboosted = report["defaults_without_boost_at_transform"]["accuracy"]
    lines += [
        rule,
        "",
        "Boosting also matters at transform time: the defaults' trained pooler with its "
        f"boost factors set to 1 scores {unboosted:.4f} instead of {defaults['accuracy']:.4f} "
        "with the same classifier.",
    ]
    seeds = report.get("defaults_other_random_states")
    if seeds:
        accuracies = [defaults["accuracy"], *seeds["accuracy"]]
        lines += [
            "",
            f"With ``random_state`` 0 to {len(accuracies) - 1} the defaults score "
            f"{min(accuracies):.4f} to {max(accuracies):.4f}: differences between the last "
            "rows of the table that are smaller than that spread say nothing.",
        ]
    return "\n".join(lines) + "\n"


def _g(value):
    return "" if value is None else f"{value:.3g}"


def forecast_table(path=RESULTS / "forecast.json"):
    """The forecaster against baselines and published models on the taxi
    series (``benchmarks/bench_forecast.py``)."""
    report = json.loads(Path(path).read_text())
    perturbed, published = report["perturbed"], report["published"]
    names = {
        "persistence": "persistence (the value 5 rows before)",
        "seasonal_naive_weekly": "weekly seasonal naive",
        "four_week_mean": "mean of the same half hour, 4 weeks before",
        "sgd_online": "``SGDRegressor``, online, lags and calendar",
    }
    htm = report["htm"]
    rows = [["``HTMForecaster``", _g(htm["wape"]), _g(htm["nrmse"]), f"{htm['nll']:.4g}",
             _g(perturbed["htm"]["wape"])]]
    for key, label in names.items():
        base = report["baselines"][key]
        rows.append([label, _g(base["wape"]), _g(base["nrmse"]), "",
                     _g(perturbed[key]["wape"])])
    for key, label in (("htm", "HTM, published"), ("lstm_6000", "LSTM on 6,000 samples, "
                                                               "published"),
                       ("online_lstm", "online LSTM, published")):
        model = published[key]
        rows.append([label, _g(model["wape"]), "",
                     "" if model.get("nll") is None else f"{model['nll']:.4g}",
                     _g(model.get("wape_after_perturbation"))])
    lines = [
        *_written_by(path, "benchmarks/bench_forecast.py"),
        "",
        f"``{report['command']}`` ({report['protocol']}; {report['machine']['cores']} cores):",
        "",
        *_rst_table(["model", "WAPE", "NRMSE", "NLL", "perturbed"], rows),
    ]
    return "\n".join(lines) + "\n"


def forecast_tuning_table(path=RESULTS / "forecast_tuning.json"):
    """How the forecaster's defaults were chosen (``bench_forecast.py --tune``)."""
    report = json.loads(Path(path).read_text())
    rows = [[label if label in ("defaults",) or " " in label.split("=")[0] else f"``{label}``",
             _g(v["median"]), _g(v["mean"]), _g(v["mode"])]
            for label, v in report["variants"].items()]
    lines = [
        *_written_by(path, "benchmarks/bench_forecast.py --tune"),
        "",
        f"``{report['command']}`` ({report['protocol']}):",
        "",
        *_rst_table(["WAPE", "median", "mean", "mode"], rows),
    ]
    return "\n".join(lines) + "\n"


def multi_streams_table(path=RESULTS / "multi_streams.json"):
    """The many-streams figures (``bench_streams.py --only multi_streams``)."""
    report = json.loads(Path(path).read_text())
    many, budget = report["multi_streams"], report["multi_streams"]["memory_budget"]
    rows = [
        ("streams x values each", f"{many['streams']} x {many['values_per_stream']}"),
        ("values per second (one call a round)", _n(many["values_per_s"])),
        ("µs per value, the last fifth of the rounds", f"{many['us_per_value_last_fifth']:,}"),
        ("resident memory per stream", f"{many['rss_mb_per_stream']} MB"),
        ("checkpoint on disk per stream", f"{many['checkpoint_bytes_per_stream'] / 1e6:.1f} MB"),
        ("``checkpoint()`` of them all", f"{many['checkpoint_s']} s"),
        ("``restore`` of them all", f"{many['restore_all_s']} s"),
        (f"a budget of {budget['max_resident']} for {budget['streams']} streams "
         "round robin: per swap", f"{budget['ms_per_swap']} ms"),
        ("10,000 streams resident would need",
         f"{many['extrapolated']['gb_resident_for_10000_streams']} GB"),
    ]
    lines = [
        *_written_by(path, "benchmarks/bench_streams.py --only multi_streams"),
        "",
        f"``{report['command']}`` ({report['machine']['cores']} cores): "
        f"{many['input']}; {many['call']}.".replace("*", r"\*"),
        "",
        *_rst_table(("measure", "value"), rows),
    ]
    return "\n".join(lines) + "\n"


def anomaly_generated_table(path=RESULTS / "anomaly_generated.json"):
    """The detector and the one-liners on generated anomalies
    (``benchmarks/bench_anomaly.py --only generated``)."""
    report = json.loads(Path(path).read_text())
    generated = report["generated"]
    settings = [name for name in ("clear", "subtle") if name in generated]
    methods = list(generated[settings[0]]["found"])
    rows = [(method, *(f"{generated[s]['found'][method]} / {generated[s]['series']}"
                       for s in settings)) for method in methods]
    header = ("score", *(f"{s} (noise {generated[s]['noise']}, magnitude "
                         f"{generated[s]['magnitude']})" for s in settings))
    kinds = list(generated[settings[-1]]["found_by_kind"])
    by_kind = [(kind, *(generated[settings[-1]]["found_by_kind"][kind][m] for m in methods))
               for kind in kinds]
    lines = [
        *_written_by(path, "benchmarks/bench_anomaly.py --only generated"),
        "",
        f"``{report['command']}``: series found (the highest score after the "
        f"{generated['train_size']}-row prefix within 100 rows of the anomaly), "
        f"{generated['per_kind']} series per kind and setting.",
        "",
        *_rst_table(header, rows),
        "",
        f"By kind, {settings[-1]} anomalies (of {generated['per_kind']} each):",
        "",
        *_rst_table(("kind", *methods), by_kind),
    ]
    return "\n".join(lines) + "\n"


def mgab_table(path=RESULTS / "mgab.json"):
    """The detector and the baselines on MGAB, or the baselines alone
    (``benchmarks/bench_anomaly.py --only mgab [--no-detector]``)."""
    report = json.loads(Path(path).read_text())
    mgab = report["mgab"]
    hits = mgab["recall_at_10"]
    by_series = mgab["hits_by_series"]
    series = mgab["series"]
    rows = [(method, f"{hits[method]} / {mgab['out_of']}",
             *(by_series[name][method] for name in series)) for method in hits]
    if mgab.get("detector_run", True):
        seconds = mgab["detector_seconds_by_series"]
        timing = (f"The detector took {min(seconds.values()) / 60:.0f} to "
                  f"{max(seconds.values()) / 60:.0f} minutes a series, "
                  f"{mgab['wall_seconds'] / 60:.0f} minutes for all of them on 2 cores, "
                  "two at a time.")
    else:
        timing = (f"The baselines alone, without the detector: {mgab['wall_seconds']:.0f} s "
                  "for all of them on 2 cores.")
    lines = [
        *_written_by(path, "benchmarks/bench_anomaly.py --only mgab --mgab DIR"),
        "",
        f"``{report['command']}``: anomalies among the 10 highest peaks of each "
        f"series' score (recall at 10), {len(series)} series of 100,000 rows. {timing}",
        "",
        *_rst_table(("score", "found", *(name.removesuffix(".csv") for name in series)), rows),
    ]
    return "\n".join(lines) + "\n"


def mgab_variants_table(path=RESULTS / "mgab_variants.json"):
    """The HTM variants tried on one MGAB series, beside the nearest-neighbour
    baseline (``benchmarks/bench_anomaly.py --only mgab_variants``)."""
    report = json.loads(Path(path).read_text())
    part = report["mgab_variants"]
    rows = [(run["variant"], f"{run['found']} / {part['out_of']}",
             f"{run['found_mean_of_10']} / {part['out_of']}",
             f"{run['mean_in_windows']:.3g}", f"{run['mean_elsewhere']:.3g}",
             f"{run['seconds']:.0f}") for run in part["variants"]]
    lines = [
        *_written_by(path, "benchmarks/bench_anomaly.py --only mgab_variants --mgab DIR"),
        "",
        f"``{report['command']}``: MGAB series {part['series'].removesuffix('.csv')}, "
        f"anomalies among the 10 highest peaks of each score, and of its mean over "
        f"the last 10 rows; its mean inside the anomaly windows and elsewhere (the "
        f"first {part['probation_left_out']} rows left out).",
        "",
        *_rst_table(("score", "found", "found (mean of 10)", "mean in windows",
                     "mean elsewhere", "seconds"), rows),
    ]
    return "\n".join(lines) + "\n"


def long_stream_table(path=RESULTS / "long_stream.json"):
    """Cost and size by stream position (``benchmarks/bench_long_stream.py``)."""
    report = json.loads(Path(path).read_text())
    names = [name for name in report if isinstance(report[name], dict)
             and "positions" in report[name]]
    marks = [report["rows"] * k // 10 for k in (1, 2, 3, 5, 10)]
    rows = []
    for name in names:
        at = {p["row"]: p for p in report[name]["positions"]}
        rows.append([name, *(f"{at[m]['us_per_row']:,.0f} us, {at[m]['synapses'] / 1e3:,.0f} k"
                             for m in marks if m in at),
                     f"{report[name]['ratio']:.2f} / {report[name]['ratio_to_fourth_tenth']:.2f}"])
    lines = [
        *_written_by(path, "benchmarks/bench_long_stream.py"),
        "",
        f"``{report['command']}``: microseconds per row of the call of "
        f"{report['chunk']:,} rows ending at each row, and the Temporal Memory's synapses "
        "(thousands) then; the ratio of rows 90,000-100,000 to rows 10,000-20,000, and to "
        "rows 30,000-40,000.",
        "",
        *_rst_table(["Temporal Memory", *(f"row {m:,}" for m in marks), "ratios"], rows),
    ]
    return "\n".join(lines) + "\n"


def write_tables(folder):
    """Write every generated table into ``folder``."""
    (Path(folder) / "long_stream_table.inc").write_text(long_stream_table())
    (Path(folder) / "benchmark_table.inc").write_text(cpu_table())
    (Path(folder) / "tm_benchmark_table.inc").write_text(temporal_memory_table())
    (Path(folder) / "nab_table.inc").write_text(nab_table())
    (Path(folder) / "streams_table.inc").write_text(streams_table())
    (Path(folder) / "dask_figures.inc").write_text(dask_section())
    (Path(folder) / "mnist_results_table.inc").write_text(mnist_table())
    (Path(folder) / "digits_table.inc").write_text(digits_table())
    (Path(folder) / "defaults_table.inc").write_text(defaults_table())
    (Path(folder) / "image_recipe_table.inc").write_text(image_recipe_table())
    (Path(folder) / "forecast_table.inc").write_text(forecast_table())
    (Path(folder) / "forecast_tuning_table.inc").write_text(forecast_tuning_table())
    (Path(folder) / "multi_streams_table.inc").write_text(multi_streams_table())
    (Path(folder) / "anomaly_generated_table.inc").write_text(anomaly_generated_table())
    (Path(folder) / "mgab_table.inc").write_text(mgab_table())
    (Path(folder) / "mgab_baselines_table.inc").write_text(
        mgab_table(RESULTS / "mgab_baselines.json"))
    (Path(folder) / "mgab_variants_table.inc").write_text(mgab_variants_table())
