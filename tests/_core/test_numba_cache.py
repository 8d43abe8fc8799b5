"""The one numba cache keying rule, for every layer's kernel package."""

import importlib

import pytest

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
