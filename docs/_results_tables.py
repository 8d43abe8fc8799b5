"""Tables of the documentation written from the benchmarks' results files.

Each function reads one JSON file of ``benchmarks/results/`` (written by the
script that measured it) and returns reStructuredText; ``conf.py`` writes it
to an ``.inc`` file before the build, so re-running a benchmark updates the
pages and no figure is typed by hand.
"""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results"


def _n(value):
    return f"{value:,.0f}"


def temporal_memory_table(path=RESULTS / "tm.json"):
    """The Temporal Memory's speed and memory (``benchmarks/bench_tm.py``)."""
    report = json.loads(Path(path).read_text())
    work, syn, core = report["workload"], report["synthetic"], report["htm_core"]
    lines = [
        ".. Written by docs/_results_tables.py from benchmarks/results/tm.json;",
        "   do not edit: re-run benchmarks/bench_tm.py.",
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
        ".. Written by docs/_results_tables.py from benchmarks/results/nab.json;",
        "   do not edit: re-run the commands below.",
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
        f"Standard score by group: " + ", ".join(
            f"{group} {value:.1f}" for group, value in report["groups"]["standard"].items()
            if value is not None) + ".",
        "Standard score by seed (" + ", ".join(f"``{k}``" for k in report["seeds"])
        + "): " + ", ".join(f"{value:.1f}" for value in report["seeds"].values()) + ".",
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


def write_tables(folder):
    """Write every generated table into ``folder``."""
    (Path(folder) / "tm_benchmark_table.inc").write_text(temporal_memory_table())
    (Path(folder) / "nab_table.inc").write_text(nab_table())
