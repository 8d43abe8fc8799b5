"""How the benchmark scripts hand over their results: JSON on stdout, and the
same JSON in the file given with ``--output`` (under ``benchmarks/results/``,
where the documentation's tables are written from)."""

import json
from pathlib import Path


def emit(report, output=None, default=None):
    """Print ``report`` as indented JSON and write it to ``output`` if given."""
    text = json.dumps(report, indent=2, default=default)
    print(text)
    if output:
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
