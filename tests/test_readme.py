"""The README's code blocks that show their output still print it."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def blocks_with_output():
    """Python blocks of the README whose last lines are ``# expected output``."""
    found = []
    for block in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S):
        lines = block.rstrip("\n").split("\n")
        expected = []
        while lines and lines[-1].startswith("# "):
            expected.insert(0, lines.pop()[2:])
        if expected:
            found.append(("\n".join(lines), "\n".join(expected)))
    return found


@pytest.mark.parametrize("code, expected", blocks_with_output())
def test_readme_block_prints_what_it_says(code, expected):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {})
    assert out.getvalue().strip() == expected


def test_the_readme_has_blocks_with_output():
    assert blocks_with_output()


def test_the_front_page_shows_the_readme_snippet():
    """docs/index.rst's first Python block is the README's first one, whose
    output the test above checks (the front page shows it as text)."""
    import textwrap

    index = (README.parent / "docs" / "index.rst").read_text()
    block = re.search(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", index).group(1)
    code, expected = blocks_with_output()[0]
    assert textwrap.dedent(block).strip() == code.strip()
    shown = re.search(r"\.\. code-block:: text\n\n((?:   .*\n)+)", index).group(1)
    assert textwrap.dedent(shown).strip() == expected
