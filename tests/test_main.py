"""``python -m sklearn_htm``: its command line reaches the demo, and refuses what it cannot do."""

import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_htm.__main__ as cli

ROWS = [{"model": "trained SP + LR", "accuracy": 0.5, "fit_time": 1.0, "score_time": 0.1}]


@pytest.fixture
def calls(monkeypatch):
    seen = []

    def run_demo(*args, **kwargs):
        seen.append((args, kwargs))
        return ROWS

    monkeypatch.setattr(cli, "run_demo", run_demo)
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


def test_a_gpu_backend_without_a_gpu_is_refused_before_any_work(calls, capsys, monkeypatch):
    monkeypatch.setattr(cli, "gpu_available", lambda: False)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--backend", "cupy"])
    assert exit_.value.code == 2 and calls == []
    assert "--backend cupy needs CuPy and a CUDA device" in capsys.readouterr().err


def test_quiet_run_prints_the_table_once(calls, capsys):
    cli.main(["--verbose", "0"])
    assert capsys.readouterr().out.count("trained SP + LR") == 1
    cli.main(["--verbose", "1"])  # the demo itself prints row by row
    assert "trained SP + LR" not in capsys.readouterr().out


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


def test_installed_command_runs_the_installed_package(tmp_path):
    command = Path(sys.executable).with_name("sklearn-htm")
    if not command.exists():
        pytest.skip("the package is not installed in this environment")
    # From a directory without a checkout: the command imports the installed package.
    result = subprocess.run([str(command), "--help"], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)
    assert result.returncode == 0 and "usage: sklearn-htm" in result.stdout


@pytest.mark.parametrize("data", [None, "/some/mnist"])
def test_the_image_recipe_runs_on_either_data_set(calls, data):
    cli.main(["--preset", "image"] + ([] if data is None else ["--data", data]))
    assert calls[-1][0] == ("image",) and calls[-1][1]["data"] == data
