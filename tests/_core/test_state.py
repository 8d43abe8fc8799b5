"""The state protocol (sklearn_htm/_core/state.py), on every layer's state
type: n_samples_seen, scratch, copy and canonical."""

import pickle

import numpy as np
import pytest

from sklearn_htm import BacktrackingTM, SpatialPoolerTransformer, TemporalMemoryTransformer
from sklearn_htm._core.state import LayerState

LAYERS = {
    "pooler": lambda backend: SpatialPoolerTransformer(n_columns=32, random_state=0,
                                                       backend=backend),
    "tm": lambda backend: TemporalMemoryTransformer(
        n_cells_per_column=2, activation_threshold=2, min_threshold=1,
        max_new_synapse_count=4, random_state=0, backend=backend),
    "btm": lambda backend: BacktrackingTM(
        n_cells_per_column=2, activation_threshold=2, min_threshold=1,
        max_new_synapse_count=4, random_state=0, backend=backend),
}
CASES = [(layer, backend) for layer in LAYERS for backend in ("numpy", "numba")]


def rows(n, seed):
    return (np.random.RandomState(seed).rand(n, 16) < 0.4).astype(np.float64)


def same(a, b):
    """Equal canonical forms (nested dicts, sequences, namedtuples, arrays)."""
    if hasattr(a, "_asdict"):
        a, b = a._asdict(), b._asdict()
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


@pytest.mark.parametrize("layer, backend", CASES)
def test_every_state_follows_the_protocol(layer, backend):
    estimator = LAYERS[layer](backend).fit(rows(12, 0))
    state = estimator._state
    assert isinstance(state, LayerState)
    assert state.n_samples_seen == 12 and isinstance(state.scratch, dict)
    snapshot = state.copy()
    assert same(snapshot.canonical(), state.canonical())
    # A copy is independent: learning on the estimator leaves it as it was.
    before = snapshot.canonical()
    estimator.partial_fit(rows(5, 1))
    assert estimator._state.n_samples_seen == 17 and snapshot.n_samples_seen == 12
    assert same(snapshot.canonical(), before)
    assert not same(estimator._state.canonical(), before)


@pytest.mark.parametrize("layer, backend", CASES)
def test_saving_keeps_the_canonical_form_and_drops_the_scratch(layer, backend):
    estimator = LAYERS[layer](backend).fit(rows(12, 0))
    estimator.transform(rows(2, 2)) if layer != "btm" else estimator.anomaly_score(rows(2, 2))
    state = estimator._state
    state.scratch["other"] = object()  # not picklable: must not be saved
    loaded = pickle.loads(pickle.dumps(state))
    assert loaded.scratch == {}
    assert same(loaded.canonical(), state.canonical())


@pytest.mark.parametrize("layer, backend", CASES)
def test_keep_scratch_drops_the_other_backends(layer, backend):
    state = LAYERS[layer](backend).fit(rows(6, 0))._state
    state.scratch.update(mine=1, other=2)
    state.keep_scratch("mine")
    assert state.scratch.get("mine") == 1 and "other" not in state.scratch
