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


def write_tables(folder):
    """Write every generated table into ``folder``."""
    (Path(folder) / "tm_benchmark_table.inc").write_text(temporal_memory_table())
