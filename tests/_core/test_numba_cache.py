"""The one numba cache keying rule, for every layer's kernel package."""

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_htm
from sklearn_htm._core.numba_cache import CORE_KERNEL_SOURCES, source_digest

LAYERS = ["spatial_pooler", "temporal_memory", "backtracking_tm"]


def _sources(layer):
    module = importlib.import_module(f"sklearn_htm.{layer}.backends._numba._cache")
    return module.cached_kernel.sources


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_key_covers_its_package_and_the_shared_kernels(layer):
    sources = _sources(layer)
    package = sources[0].parent
    assert {path.name for path in package.glob("*.py")} <= {path.name for path in sources}
    assert set(CORE_KERNEL_SOURCES) <= set(sources)
    assert all(path.exists() for path in sources)


@pytest.mark.parametrize("layer", ["temporal_memory", "backtracking_tm"])
def test_the_temporal_memories_keys_cover_their_layout_modules(layer):
    names = {(path.parent.name, path.name) for path in _sources(layer)}
    assert {(layer, "_config.py"), (layer, "_state.py")} <= names


@pytest.mark.parametrize("layer", LAYERS)
def test_a_change_to_any_covered_file_changes_the_key(layer, tmp_path):
    copies = []
    for i, path in enumerate(_sources(layer)):
        copy = tmp_path / f"{i}_{path.name}"
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    before = source_digest(copies)
    for copy in (copies[0], copies[-1]):
        original = copy.read_bytes()
        copy.write_bytes(original + b"\n# changed\n")
        assert source_digest(copies) != before
        copy.write_bytes(original)
    assert source_digest(copies) == before


_PROBE = """
import json, numpy as np, sklearn_htm
from sklearn_htm._core.random_kernels import below
value = int(below(np.zeros(1, np.uint64), 1000))
print(json.dumps({"file": sklearn_htm.__file__, "value": value,
                  "hits": sum(below.stats.cache_hits.values()),
                  "misses": sum(below.stats.cache_misses.values())}))
"""


def _read_only_install(tmp_path):
    """A copy of the package no one may write to (its ``__pycache__`` a
    file, so not even a superuser can cache beside it), run with a home
    that cannot be written either (Numba's user-wide cache fails too)."""
    package = Path(sklearn_htm.__file__).parent
    site = tmp_path / "site"
    shutil.copytree(package, site / "sklearn_htm",
                    ignore=shutil.ignore_patterns("__pycache__"))
    folders = [site, *(p for p in site.rglob("*") if p.is_dir())]
    for folder in folders:
        if (folder / "__init__.py").exists():
            (folder / "__pycache__").write_text("not a folder")
    for folder in folders:
        folder.chmod(0o555)
    (tmp_path / "home").write_text("not a folder")
    (tmp_path / "tmp").mkdir()
    env = {key: value for key, value in os.environ.items()
           if key not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "PYTHONPATH")}
    env.update(PYTHONPATH=str(site), HOME=str(tmp_path / "home" / "user"),
               TMPDIR=str(tmp_path / "tmp"), PYTHONDONTWRITEBYTECODE="1")
    return site, env, folders


def _probe(env, cwd):
    done = subprocess.run([sys.executable, "-c", _PROBE], env=env, cwd=cwd,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1]), done.stderr


@pytest.fixture
def read_only_install(tmp_path):
    site, env, folders = _read_only_install(tmp_path)
    yield site, env
    for folder in folders:
        folder.chmod(0o755)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX user ids")
def test_a_read_only_install_compiles_once_for_every_later_process(read_only_install,
                                                                    tmp_path):
    site, env = read_only_install
    first, _ = _probe(env, tmp_path)
    assert Path(first["file"]).is_relative_to(site)
    assert (first["misses"], first["hits"]) == (1, 0)
    private = tmp_path / "tmp" / f"sklearn-htm-numba-{os.getuid()}"
    assert any(private.rglob("*.nbi"))
    assert private.stat().st_mode & 0o077 == 0
    later, _ = _probe(env, tmp_path)
    assert (later["misses"], later["hits"]) == (0, 1)
    assert later["value"] == first["value"]


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX user ids")
def test_a_cache_folder_others_may_write_is_not_used(read_only_install, tmp_path):
    site, env = read_only_install
    shared = tmp_path / "tmp" / f"sklearn-htm-numba-{os.getuid()}"
    shared.mkdir()
    shared.chmod(0o777)
    result, stderr = _probe(env, tmp_path)
    assert "No folder for Numba's cache can be written" in stderr
    assert "NUMBA_CACHE_DIR" in stderr
    assert result["hits"] == 0
    assert not any(shared.iterdir())
    again, _ = _probe(env, tmp_path)  # compiled again: nothing was cached
    assert (again["hits"], again["value"]) == (0, result["value"])
