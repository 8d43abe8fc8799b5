"""The structure resolved once from the parameters, and the guards that use it."""

import numpy as np
import pytest
from scipy import stats

from sklearn_htm import SpatialPoolerTransformer
from sklearn_htm.spatial_pooler._structure import (
    STRUCTURAL_PARAMS,
    n_winners_of,
    resolve_structure,
)
from sklearn_htm.spatial_pooler._topology import draw_pool, potential_pools, round_half_up


def params(**overrides):
    defaults = SpatialPoolerTransformer().get_params()
    return {name: {**defaults, **overrides}[name] for name in STRUCTURAL_PARAMS}


def test_halves_round_up_everywhere():
    assert [round_half_up(x) for x in (0.5, 1.5, 2.5, 2.49)] == [1, 2, 3, 2]
    # 10 columns at 25% sparsity: 2.5 winners round up to 3, globally and locally.
    structure = resolve_structure(params(n_columns=10, sparsity=0.25), 20)
    assert structure.n_active_columns == 3
    local = resolve_structure(
        params(n_columns=10, sparsity=0.25, global_inhibition=False, inhibition_radius=1),
        20,
    )
    # Neighbourhoods of 2 (wrapping ring): round(0.25 * 3) = 1.
    assert local.neighbourhoods.n_winners.tolist() == [n_winners_of(0.25, 3)] * 10 == [1] * 10


@pytest.mark.parametrize("given, same", [
    (dict(n_columns=64), dict(n_columns=(64,))),
    (dict(n_columns=(8, 8), input_shape=(8, 8), potential_radius=2),
     dict(n_columns=[8, 8], input_shape=[8, 8], potential_radius=(2, 2))),
    (dict(sparsity=0.5), dict(sparsity=np.float64(0.5))),
    (dict(global_inhibition=False), dict(global_inhibition=np.bool_(False))),
])
def test_an_equal_value_in_another_form_is_not_a_change(given, same):
    X = (np.random.RandomState(0).random_sample((12, 64)) < 0.3).astype(float)
    pooler = SpatialPoolerTransformer(**given, random_state=0).fit(X)
    expected = pooler.transform(X).toarray()
    pooler.set_params(**same)
    pooler.partial_fit(X[:2])
    assert pooler.transform(X).shape == expected.shape


def test_a_structural_change_is_refused_until_fit():
    X = (np.random.RandomState(0).random_sample((12, 64)) < 0.3).astype(float)
    pooler = SpatialPoolerTransformer(n_columns=32, random_state=0).fit(X)
    before = pooler.permanences_.data.copy()
    pooler.set_params(n_columns=48)
    with pytest.raises(ValueError, match=r"n_columns=\(32,\).*n_columns=48.*fit\(\)"):
        pooler.partial_fit(X)
    with pytest.raises(ValueError, match="n_columns"):
        pooler.transform(X)
    np.testing.assert_array_equal(pooler.permanences_.data, before)
    assert pooler.fit(X).n_columns_ == 48


def test_neighbourhood_layouts_agree():
    structure = resolve_structure(
        params(n_columns=(5, 7), global_inhibition=False, inhibition_radius=1,
               wrap_around=False), 35,
    )
    hoods = structure.neighbourhoods
    n = structure.n_columns
    for c in range(n):
        listed = hoods.indices[hoods.indptr[c]:hoods.indptr[c + 1]].tolist()
        column = hoods.table[:, c]
        assert column[:len(listed)].tolist() == listed
        assert (column[len(listed):] == n).all()
        for neighbour in listed:
            reverse = hoods.reverse_indices[
                hoods.reverse_indptr[neighbour]:hoods.reverse_indptr[neighbour + 1]]
            assert c in reverse
    assert not hoods.whole_layer


def test_structure_pickles_without_its_neighbourhood_arrays():
    import pickle

    structure = resolve_structure(
        params(n_columns=400, global_inhibition=False, inhibition_radius=30), 50
    )
    data = pickle.dumps(structure)
    assert len(data) < structure.neighbourhoods.indices.nbytes / 10
    again = pickle.loads(data)
    np.testing.assert_array_equal(again.neighbourhoods.table, structure.neighbourhoods.table)


class CountingRandomState(np.random.RandomState):
    """Records the length of every permutation drawn."""

    def __init__(self, seed):
        super().__init__(seed)
        self.permuted = []

    def permutation(self, x):
        self.permuted.append(x)
        return super().permutation(x)


def test_small_pools_cost_follows_the_pool_not_the_input():
    rng = CountingRandomState(0)
    indptr, indices = potential_pools((64,), (2**20,), None, 0.001, True, rng)
    assert rng.permuted == []
    sizes = np.diff(indptr)
    assert (sizes == round_half_up(0.001 * 2**20)).all()
    for c in range(64):
        pool = indices[indptr[c]:indptr[c + 1]]
        assert (np.diff(pool) > 0).all() and pool[0] >= 0 and pool[-1] < 2**20


def test_large_pools_keep_the_permutation_stream():
    rng, same = np.random.RandomState(3), np.random.RandomState(3)
    np.testing.assert_array_equal(draw_pool(rng, 100, 30), np.sort(same.permutation(100)[:30]))


def test_sparse_draws_are_uniform():
    rng = np.random.RandomState(1)
    counts = np.zeros(200, dtype=np.int64)
    for _ in range(4000):
        pool = draw_pool(rng, 200, 5)
        assert np.unique(pool).size == 5
        counts[pool] += 1
    assert stats.chisquare(counts).pvalue > 1e-3


def test_wide_sparse_input_initialises(monkeypatch):
    import scipy.sparse as sp

    X = sp.random(20, 2**20, density=1e-3, format="csr", random_state=0)
    pooler = SpatialPoolerTransformer(
        n_columns=2048, potential_pct=0.001, random_state=0
    ).fit(X)
    assert pooler.potential_pools_.sum(axis=1).A1.tolist() == [1049] * 2048
    assert pooler.transform(X).shape == (20, 2048)
