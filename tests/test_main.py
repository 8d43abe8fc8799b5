"""``python -m sklearn_htm``: its command line reaches the demo, and refuses what it cannot do."""

import subprocess
import sys

import pytest

import sklearn_htm.__main__ as cli


@pytest.fixture
def calls(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "run_demo", lambda *args, **kwargs: seen.append((args, kwargs)))
    return seen


def test_help_lists_the_options_and_runs_nothing(calls, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0 and calls == []
    usage = capsys.readouterr().out
    for option in ("--preset", "--data", "--backend", "--random-state", "--verbose"):
        assert option in usage


def test_options_reach_the_demo(calls):
    cli.main(["--backend", "numpy", "--random-state", "3", "--verbose", "0"])
    assert calls == [(("digits",), dict(data=None, backend="numpy", random_state=3,
                                        verbose=0))]
    cli.main(["--data", "/some/mnist"])
    assert calls[-1][0] == ("blog",) and calls[-1][1]["data"] == "/some/mnist"


@pytest.mark.parametrize("argv, message", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--backend", "gpu"], "invalid choice: 'gpu'"),
    (["--preset", "mnist"], "needs --data DIR"),
    (["--preset", "digits", "--data", "/x"], "with --data use 'blog' or 'mnist'"),
])
def test_what_cannot_work_is_an_error(calls, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2 and calls == []
    assert message in capsys.readouterr().err


def test_module_entry_point_has_a_help():
    result = subprocess.run([sys.executable, "-m", "sklearn_htm", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "usage: python -m sklearn_htm" in result.stdout
