"""The numba backend reproduces the numpy reference bit for bit.

``tests/test_fuzz.py`` covers tiny shapes (one input word). The shapes here
are larger on purpose: inputs spanning several 64-input words (sizes that
are not multiples of 64), potential pools of more than 64 synapses (the
kernels' vector chunks and their partial last chunk), several blocks of 8
columns, batches, topologies whose pools touch only some words, and local
inhibition of every kind. Each example fits the reference and the numba
backend with the same parameters and compares every array of the state and
the SDRs.
"""

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sklearn_htm import SpatialPoolerTransformer
from sklearn_htm.spatial_pooler.backends import get_backend, gpu_available, resolve_backend_name
from sklearn_htm.utils._portable_math import EXP_ARG_MAX, EXP_ARG_MIN, portable_exp

from .test_estimator import assert_same_state

numba = pytest.importorskip("numba")
pytest.importorskip("sklearn_htm.spatial_pooler.backends._numba")
from sklearn_htm._core.rows import binary_rows  # noqa: E402
from sklearn_htm.spatial_pooler.backends._numba import _homeostasis, _intrinsics  # noqa: E402

# These tests draw sparse topologies and small neighbourhoods on purpose
# (bit-identity, not advice): the warnings about inputs out of every column's
# reach and about local inhibition above the asked density are expected.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.* inputs are within potential_radius"),
    pytest.mark.filterwarnings("ignore:Local inhibition over neighbourhoods"),
]

numba_backend = get_backend("numba")


@pytest.fixture(scope="session", autouse=True)
def compiled_kernels():
    """Compile (or load from Numba's cache) every kernel once per session."""
    X = (np.random.RandomState(0).random_sample((4, 70)) < 0.5).astype(float)
    for params in (
        dict(global_inhibition=True, batch_size=1),
        dict(global_inhibition=False, inhibition_radius=1, batch_size=2),
    ):
        pooler = SpatialPoolerTransformer(n_columns=16, random_state=0, backend="numba",
                                          **params)
        pooler.fit(X).transform(X)


def fit_both(params, X, X_other=None):
    """The reference and the numba pooler fitted on X, and their SDRs."""
    poolers = [
        SpatialPoolerTransformer(**params, backend=backend).fit(X)
        for backend in ("numpy", "numba")
    ]
    assert_same_state(*poolers)
    for data in (X, X_other if X_other is not None else X):
        reference, found = (pooler.transform(data) for pooler in poolers)
        assert (reference != found).nnz == 0
    return poolers


@st.composite
def cases(draw):
    """(parameters, X, another X) for a random pooler and data."""
    params = {}
    if draw(st.booleans()):
        # Topology: 2-d input grid, pools around each column's centre.
        height = draw(st.integers(2, 16))
        width = draw(st.integers(2, 24))
        n_features = height * width
        params.update(
            input_shape=(height, width),
            n_columns=(draw(st.integers(1, 8)), draw(st.integers(1, 8))),
            potential_radius=draw(st.integers(0, max(height, width) - 1)),
            wrap_around=draw(st.booleans()),
        )
    else:
        n_features = draw(st.sampled_from([63, 64, 65, 128, 129]) | st.integers(1, 300))
        params["n_columns"] = draw(st.integers(1, 64))
    params["global_inhibition"] = draw(st.booleans())
    if not params["global_inhibition"]:
        # None: htm.core's default radius, often the whole layer.
        params["inhibition_radius"] = draw(st.none() | st.integers(1, 8))
    params.update(
        sparsity=draw(st.floats(0.02, 0.5)),
        potential_pct=draw(st.sampled_from([1.0]) | st.floats(0.05, 1.0)),
        connected_threshold=draw(st.floats(0.05, 0.95)),
        permanence_increment=draw(st.floats(0.0, 0.3)),
        permanence_decrement=draw(st.floats(0.0, 0.3)),
        stimulus_threshold=draw(st.sampled_from([0.0, 1.0, 3.0, 10.0])),
        boost_strength=draw(st.sampled_from([0.0, 1.0, 10.0, 50.0])),
        duty_cycle_period=draw(st.integers(1, 40)),
        min_pct_overlap_duty_cycle=draw(st.sampled_from([0.0, 0.5, 1.0])),
        update_period=draw(st.integers(1, 8)),
        batch_size=draw(st.integers(1, 5)),
        max_iter=draw(st.integers(1, 2)),
        random_state=draw(st.integers(0, 2**31 - 1)),
    )
    n_samples = draw(st.integers(1, 24))
    density = draw(st.floats(0.0, 1.0))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    X = (rng.random_sample((n_samples, n_features)) < density).astype(np.float64)
    X_other = (rng.random_sample((20, n_features)) < density).astype(np.float64)
    if draw(st.booleans()):
        X, X_other = sp.csr_matrix(X), sp.csr_matrix(X_other)
    return params, X, X_other


@settings(max_examples=25, deadline=None)
@given(cases())
@example((dict(n_columns=64, sparsity=0.1, potential_pct=1.0, batch_size=1,
               random_state=0),
          (np.random.RandomState(1).random_sample((12, 200)) < 0.3).astype(float),
          None))
@example((dict(n_columns=40, sparsity=0.2, global_inhibition=False,
               inhibition_radius=3, batch_size=3, boost_strength=10.0,
               min_pct_overlap_duty_cycle=0.5, update_period=2, random_state=1),
          sp.csr_matrix(np.random.RandomState(2).random_sample((15, 130)) < 0.4),
          None))
def test_numba_matches_the_reference(case):
    params, X, X_other = case
    fit_both(params, X, X_other)


def test_partial_fit_continues_like_the_reference():
    """Several partial_fit calls, the state carried over between them."""
    rng = np.random.RandomState(3)
    X = (rng.random_sample((40, 150)) < 0.3).astype(float)
    params = dict(n_columns=48, sparsity=0.1, duty_cycle_period=20, update_period=7,
                  min_pct_overlap_duty_cycle=0.2, random_state=5)
    poolers = [SpatialPoolerTransformer(**params, backend=b) for b in ("numpy", "numba")]
    for start, stop, batch_size in ((0, 7, 1), (7, 30, 4), (30, 40, 3)):
        for pooler in poolers:
            pooler.set_params(batch_size=batch_size).partial_fit(X[start:stop])
        assert_same_state(*poolers)


def test_weak_columns_are_bumped_like_the_reference():
    """Sparse input and a high minimum duty cycle make many columns weak."""
    rng = np.random.RandomState(4)
    X = (rng.random_sample((60, 256)) < 0.02).astype(float)
    params = dict(n_columns=32, sparsity=0.05, potential_pct=0.8, update_period=3,
                  duty_cycle_period=10, connected_threshold=0.7, random_state=6)
    bumped, _ = fit_both(dict(params, min_pct_overlap_duty_cycle=1.0), X)
    # Bumps must really have happened for this test to mean anything: the
    # minimum duty cycle changes nothing else.
    unbumped = SpatialPoolerTransformer(
        **params, min_pct_overlap_duty_cycle=0.0, backend="numpy"
    ).fit(X)
    assert not np.array_equal(bumped.permanences_.data, unbumped.permanences_.data)


def test_local_inhibition_over_the_whole_layer():
    """Neighbourhoods covering every other column: the kernels' shortcut
    through global selection must agree with the local rule."""
    rng = np.random.RandomState(7)
    X = (rng.random_sample((30, 100)) < 0.3).astype(float)
    params = dict(n_columns=40, sparsity=0.1, global_inhibition=False,
                  inhibition_radius=40, random_state=8)
    _, numba_pooler = fit_both(params, X)
    assert numba_pooler._structure.neighbourhoods.indices.size == 40 * 39


# --------------------------------------------------------------------------
# portable exp


def exp_arguments():
    rng = np.random.RandomState(0)
    specials = np.array([
        0.0, -0.0, 1e-300, -1e-300, 0.5, -0.5, 1.0, -1.0, np.log(2.0),
        EXP_ARG_MIN, EXP_ARG_MAX, np.nextafter(EXP_ARG_MAX, 0), EXP_ARG_MAX + 1,
        np.nextafter(EXP_ARG_MIN, 0), EXP_ARG_MIN - 1, 88.72, 709.78, -745.2,
        1e308, -1e308, np.inf, -np.inf, np.nan,
    ])
    # Exponents around every multiple of ln 2 (the range reduction's edges).
    edges = np.arange(-1010, 128) * np.log(2.0)
    near_edges = np.concatenate([edges, np.nextafter(edges, np.inf),
                                 np.nextafter(edges, -np.inf)])
    return np.concatenate([
        specials,
        near_edges,
        rng.uniform(EXP_ARG_MIN - 10, EXP_ARG_MAX + 10, 200_000),
        rng.uniform(-1, 1, 100_000),
        rng.standard_normal(100_000) * 1e-8,
    ])


def test_portable_exp_matches_the_reference_bit_for_bit():
    x = exp_arguments()
    found = np.empty_like(x)
    _homeostasis.portable_exp(x, found)
    with np.errstate(invalid="ignore"):  # NaN cast to int inside the reference
        expected = portable_exp(x)
    np.testing.assert_array_equal(found.view(np.int64)[~np.isnan(expected)],
                                  expected.view(np.int64)[~np.isnan(expected)])
    assert np.array_equal(np.isnan(found), np.isnan(expected))
    np.testing.assert_array_equal(found.astype(np.float32), expected.astype(np.float32))


@numba.njit
def _pext_pdep(x, masks, bmi2):
    out = np.empty((2, x.size), dtype=np.uint64)
    for j in range(x.size):
        if bmi2:
            out[0, j] = _intrinsics.pext(x[j], masks[j])
            out[1, j] = _intrinsics.pdep(x[j], masks[j])
        else:
            out[0, j] = _intrinsics._pext_portable(x[j], masks[j])
            out[1, j] = _intrinsics._pdep_portable(x[j], masks[j])
    return out


def test_portable_pext_and_pdep():
    """The fallback for CPUs without BMI2, against a bit-by-bit definition
    (and against the instructions where this CPU has them)."""
    rng = np.random.RandomState(12)
    x = rng.randint(0, 2**63, size=300, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    masks = rng.randint(0, 2**63, size=300, dtype=np.uint64) >> rng.randint(
        0, 63, size=300
    ).astype(np.uint64)
    masks[:4] = [0, 1, 2**63, 2**64 - 1]
    found = _pext_pdep(x, masks, False)
    for j in range(x.size):
        positions = [b for b in range(64) if int(masks[j]) >> b & 1]
        pext = sum((int(x[j]) >> p & 1) << i for i, p in enumerate(positions))
        pdep = sum((int(x[j]) >> i & 1) << p for i, p in enumerate(positions))
        assert (int(found[0, j]), int(found[1, j])) == (pext, pdep)
    if _intrinsics._target_has_bmi2():
        np.testing.assert_array_equal(_pext_pdep(x, masks, True), found)


# --------------------------------------------------------------------------
# threads, read-only and memory-mapped data


def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.RandomState(9)
    X = (rng.random_sample((300, 140)) < 0.3).astype(float)
    pooler = SpatialPoolerTransformer(n_columns=56, sparsity=0.1, random_state=2,
                                      backend="numba").fit(X[:50])
    threads = numba.get_num_threads()
    try:
        outputs = []
        for n in sorted({1, 2, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(n)
            outputs.append(pooler.transform(X))
    finally:
        numba.set_num_threads(threads)
    for output in outputs[1:]:
        assert (output != outputs[0]).nnz == 0
    reference = SpatialPoolerTransformer(n_columns=56, sparsity=0.1, random_state=2,
                                         backend="numpy").fit(X[:50])
    assert (reference.transform(X) != outputs[0]).nnz == 0


def test_read_only_memory_mapped_input(tmp_path):
    rng = np.random.RandomState(10)
    X = (rng.random_sample((40, 90)) < 0.3).astype(np.float64)
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    assert not mapped.flags.writeable
    params = dict(n_columns=24, sparsity=0.1, batch_size=2, random_state=3)
    from_memory = SpatialPoolerTransformer(**params, backend="numba").fit(X)
    from_map = SpatialPoolerTransformer(**params, backend="numba").fit(mapped)
    assert_same_state(from_memory, from_map)
    assert (from_memory.transform(X) != from_map.transform(mapped)).nnz == 0


def read_only(array):
    array = array.copy()
    array.flags.writeable = False
    return array


def test_backend_accepts_read_only_arrays():
    """Memory-mapped state (joblib workers) and input reach the kernels read-only."""
    rng = np.random.RandomState(11)
    X = sp.csr_matrix(rng.random_sample((30, 100)) < 0.3)
    pooler = SpatialPoolerTransformer(n_columns=32, sparsity=0.1, random_state=4,
                                      backend="numpy").fit(X)
    config, state = pooler._config(), pooler._state
    frozen = state.copy()
    for name in ("potential_indptr", "potential_indices", "permanences",
                 "active_duty_cycles", "overlap_duty_cycles",
                 "min_overlap_duty_cycles", "boost_factors"):
        setattr(frozen, name, read_only(getattr(frozen, name)))
    X_frozen = sp.csr_matrix(
        (read_only(X.data), read_only(X.indices), read_only(X.indptr)), shape=X.shape
    )
    expected = get_backend("numpy").infer(config, state, binary_rows(X, 0.0))
    found = numba_backend.infer(config, frozen, binary_rows(X_frozen, 0.0))
    for a, b in zip(expected, found):
        np.testing.assert_array_equal(a, b)
    learned = state.copy()
    get_backend("numpy").learn(config, learned, binary_rows(X, 0.0), 3)
    numba_backend.learn(config, frozen, binary_rows(X_frozen, 0.0), 3)
    for name in ("permanences", "active_duty_cycles", "overlap_duty_cycles",
                 "min_overlap_duty_cycles", "boost_factors"):
        np.testing.assert_array_equal(getattr(frozen, name), getattr(learned, name))
    assert frozen.n_samples_seen == learned.n_samples_seen


def test_transform_of_no_rows():
    pooler = SpatialPoolerTransformer(n_columns=16, random_state=0, backend="numpy").fit(
        np.eye(20)
    )
    indptr, indices = numba_backend.infer(
        pooler._config(), pooler._state, binary_rows(sp.csr_matrix((0, 20)), 0.0)
    )
    np.testing.assert_array_equal(indptr, [0])
    assert indices.size == 0 and indices.dtype == np.int32


def test_importing_the_backend_compiles_nothing():
    """Kernels compile on first use (or load from Numba's cache), never at
    import; importing also leaves Numba's global settings alone."""
    code = (
        "import numba\n"
        "from numba.core.event import install_recorder\n"
        "before = (numba.get_num_threads(), numba.config.THREADING_LAYER)\n"
        "with install_recorder('numba:compile') as recorder:\n"
        "    import sklearn_htm.spatial_pooler.backends._numba\n"
        "after = (numba.get_num_threads(), numba.config.THREADING_LAYER)\n"
        "print(len(recorder.buffer), before == after)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["0", "True"]


@pytest.mark.skipif(gpu_available(), reason="auto picks cupy when a GPU is usable")
def test_auto_resolves_to_numba_without_a_gpu():
    assert resolve_backend_name("auto") == "numba"
    assert get_backend("auto") is numba_backend
