"""The CuPy backend, held to the numpy reference bit for bit.

Three layers, so that most of the backend is tested without a GPU:

1. CPU, always: the array-generic steps (``_array_ops`` and the backend's
   driver with :class:`ArrayOps` on numpy) against the reference.
2. CPU, when a C++ compiler is present: the CUDA kernel sources themselves,
   run on the host by ``tests/_cuda_host.py``, through the very driver and
   :class:`KernelOps` wrappers the GPU uses (numpy arrays, float32 GEMMs).
3. GPU (marker ``gpu``; skipped without CuPy and a CUDA device): the
   compiled kernels, cuBLAS, device input and output, the estimators and the
   array-API pipeline. On a GPU machine::

       SCIPY_ARRAY_API=1 pytest -m gpu tests/test_backend_cupy.py

The device copy that a state keeps between calls is tested on layers 1 and
2: uploads are counted through the array module (``CountingNumpy``), and
the estimators run ``backend="cupy"`` on the host kernels (``emulated_gpu``).
"""

import copy
import dataclasses
import os
import pickle
import re
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm._core.rows import from_csr
from sklearn_htm.exceptions import MemoryBudgetError
from sklearn_htm.spatial_pooler import backends as sp_backends
from sklearn_htm.spatial_pooler.backends import _numpy as reference
from sklearn_htm.spatial_pooler.backends import get_backend, gpu_available
from sklearn_htm.spatial_pooler.backends._cupy import _array_ops as ao
from sklearn_htm.spatial_pooler.backends._cupy import _backend as cu
from sklearn_htm.spatial_pooler.backends._cupy import _device_state as dstate
from sklearn_htm.spatial_pooler.backends._cupy import _kernels as kernels
from sklearn_htm.utils._array_api import csr_output, is_device_array, to_host
from sklearn_htm.utils._portable_math import EXP_COEFFICIENTS

from .._cuda_host import HostKernels, NumpyGemm, compiler

# These tests draw sparse topologies and small neighbourhoods on purpose
# (bit-identity, not advice): the warnings about inputs out of every column's
# reach and about local inhibition above the asked density are expected.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.* inputs are within potential_radius"),
    pytest.mark.filterwarnings("ignore:Local inhibition over neighbourhoods"),
]

STATE_FIELDS = (
    "permanences",
    "active_duty_cycles",
    "overlap_duty_cycles",
    "min_overlap_duty_cycles",
    "boost_factors",
)

requires_gpu = pytest.mark.skipif(
    not gpu_available(), reason="needs CuPy and a CUDA device"
)
requires_compiler = pytest.mark.skipif(
    compiler() is None, reason="needs g++ to run the CUDA kernels on the host"
)


# ----------------------------------------------------------------- helpers


def make_case(params, n_features):
    """Config and fresh state of a pooler with these parameters."""
    pooler = SpatialPoolerTransformer(backend="numpy", **params)
    pooler.n_features_in_ = n_features
    return pooler._start_stream(n_features)


def bits(array):
    """The raw bits of a float array, so that comparisons are bit for bit."""
    return array.view(f"u{array.dtype.itemsize}")


def assert_same_state(expected, actual):
    for field in STATE_FIELDS:
        e, a = getattr(expected, field), getattr(actual, field)
        assert e.dtype == a.dtype, field
        np.testing.assert_array_equal(bits(a), bits(e), err_msg=field)
    assert actual.n_samples_seen == expected.n_samples_seen


def assert_same_sdr(expected, actual):
    for e, a in zip(expected, actual):
        assert a.dtype == e.dtype
        np.testing.assert_array_equal(a, e)


def check_against_reference(ops, config, state, X, batch_size):
    """Learn then transform with ``ops`` and with the reference; compare."""
    expected, actual = state.copy(), state.copy()
    reference.learn(config, expected, X, batch_size)
    cu.learn_with(ops, config, actual, X, batch_size)
    assert_same_state(expected, actual)
    assert_same_sdr(
        reference.transform(config, expected, X), cu.transform_with(ops, config, actual, X)
    )
    return expected


@st.composite
def pooler_cases(draw, max_rows=30, max_columns=40, max_features=40):
    """Small poolers with parameters that make ties, bumps, boost overflow
    (inf boosts, NaN boosted overlaps) and update rounds frequent."""
    n_columns = draw(st.integers(1, max_columns))
    sparsity = draw(st.sampled_from([0.1, 0.3, 0.5, 0.99]))
    assume(np.floor(sparsity * n_columns + 0.5) >= 1)
    global_inhibition = draw(st.booleans())
    params = dict(
        n_columns=n_columns,
        sparsity=sparsity,
        potential_pct=draw(st.sampled_from([0.2, 0.5, 1.0])),
        global_inhibition=global_inhibition,
        inhibition_radius=None if global_inhibition else draw(st.integers(1, 6)),
        connected_threshold=draw(st.sampled_from([0.2, 0.5, 0.8])),
        permanence_increment=draw(st.sampled_from([0.0, 0.03, 0.1])),
        permanence_decrement=draw(st.sampled_from([0.0, 0.015, 0.05])),
        stimulus_threshold=draw(st.sampled_from([0.0, 1.0, 2.5])),
        boost_strength=draw(st.sampled_from([0.0, 2.0, 10.0, 150.0])),
        duty_cycle_period=draw(st.integers(1, 20)),
        min_pct_overlap_duty_cycle=draw(st.sampled_from([0.001, 0.3, 0.9])),
        update_period=draw(st.integers(1, 7)),
        random_state=draw(st.integers(0, 2**31 - 1)),
    )
    n_features = draw(st.integers(1, max_features))
    n_rows = draw(st.integers(1, max_rows))
    density = draw(st.sampled_from([0.0, 0.1, 0.4, 0.9]))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    X = sp.csr_matrix(rng.random_sample((n_rows, n_features)) < density)
    X.sort_indices()
    batch_size = draw(st.integers(1, n_rows + 2))
    config, state = make_case(params, n_features)
    return config, state, X, batch_size


boosted_values = st.sampled_from(
    [0.0, -0.0, 1.0, 2.0, 2.0, 3.5, 1e-45, np.inf, np.nan, 7.0]
)


@st.composite
def boosted_blocks(draw, max_columns=70):
    """Boosted overlaps with many ties, zeros of both signs, subnormals, inf and NaN."""
    n_rows = draw(st.integers(1, 6))
    n_columns = draw(st.integers(1, max_columns))
    values = draw(
        st.lists(boosted_values, min_size=n_rows * n_columns, max_size=n_rows * n_columns)
    )
    boosted = np.asarray(values, dtype=np.float32).reshape(n_rows, n_columns)
    k = draw(st.integers(1, n_columns))
    threshold = np.float32(draw(st.sampled_from([0.0, 1.0, 2.0, 3.0])))
    return boosted, k, threshold


# ------------------------------------------------ layer 1: array-generic code


@given(st.lists(boosted_values, min_size=1, max_size=50))
def test_order_keys_sort_like_numpy(values):
    values = np.asarray(values, dtype=np.float32)
    keys = ao.order_keys(np, values)
    assert keys.dtype == np.uint32
    np.testing.assert_array_equal(
        np.argsort(keys, kind="stable"), np.argsort(values, kind="stable")
    )


@given(boosted_blocks())
def test_global_winner_mask_matches_reference(block):
    boosted, k, threshold = block
    config = type("Config", (), {"n_active_columns": k, "stimulus_threshold": threshold})
    np.testing.assert_array_equal(
        ao.global_winner_mask(np, boosted, k, threshold),
        reference.inhibit_global(config, boosted),
    )


@given(pooler_cases(max_rows=4))
def test_local_winner_mask_matches_reference(case):
    config, state, X, _ = case
    assume(not config.global_inhibition)
    boosted = reference.boosted_overlaps(config, state, reference.overlaps(config, state, X))
    padded = ao.padded_neighbourhoods(config.neighbourhood_indptr, config.neighbourhood_indices)
    np.testing.assert_array_equal(
        ao.local_winner_mask(
            np, boosted, padded, config.local_n_winners, config.stimulus_threshold
        ),
        reference.inhibit_local(config, boosted),
    )


@given(pooler_cases())
def test_array_ops_driver_matches_reference(case):
    config, state, X, batch_size = case
    check_against_reference(cu.ArrayOps(np), config, state, X, batch_size)


def test_array_ops_driver_matches_reference_across_blocks():
    """Blocks and chunks of rows (here a few rows each) join seamlessly."""
    params = dict(n_columns=30, sparsity=0.1, boost_strength=5.0, duty_cycle_period=8,
                  min_pct_overlap_duty_cycle=0.5, update_period=3, random_state=3)
    config, state = make_case(params, 50)
    X = sp.csr_matrix(np.random.RandomState(0).random_sample((45, 50)) < 0.3)
    ops = cu.ArrayOps(np)
    ops.block_bytes = 3 * ops.bytes_per_row(config, 50)
    learned = check_against_reference(ops, config, state, X, batch_size=2)
    assert (learned.permanences != state.permanences).any()


def test_duty_schedule_is_the_reference_step():
    decays, increments = ao.duty_schedule(3, 6, duty_cycle_period=5)
    periods = np.array([4, 5, 5, 5, 5, 5], dtype=np.float64)
    np.testing.assert_array_equal(decays, (periods - 1) / periods)
    np.testing.assert_array_equal(increments, 1 / periods)


@pytest.mark.parametrize("sparse_output", [True, False])
def test_csr_output_on_the_host(sparse_output):
    indptr, indices = np.array([0, 2, 2, 3]), np.array([1, 3, 0], dtype=np.int32)
    out = csr_output(indptr, indices, 4, np.float32, sparse_output)
    assert sp.issparse(out) == sparse_output
    expected = np.array([[0, 1, 0, 1], [0, 0, 0, 0], [1, 0, 0, 0]], dtype=np.float32)
    dense = out.toarray() if sparse_output else out
    assert dense.dtype == np.float32
    np.testing.assert_array_equal(dense, expected)


def test_host_data_is_not_device_data():
    X = np.ones((2, 2))
    for value in (X, sp.csr_matrix(X), [[1, 2]]):
        assert not is_device_array(value)
        assert to_host(value) is value


def column_major_gemm(transa, transb, m, n, k, A, lda, B, ldb, C, ldc):
    """cuBLAS's gemm contract on flat column-major buffers (alpha 1, beta 0)."""
    def operand(buffer, ld, trans, rows, cols):
        stored = buffer.ravel().reshape(-1, ld).T  # column j is buffer[j * ld:]
        return stored[:cols, :rows].T if trans else stored[:rows, :cols]
    product = operand(A, lda, transa, m, k).astype(np.float32) @ operand(B, ldb, transb, k, n)
    C.ravel().reshape(-1, ldc).T[:m, :n] = product


def test_cublas_arguments_describe_the_row_major_products():
    """abt and atb hand cuBLAS the dimensions and leading dimensions that make
    its column-major product the row-major one wanted."""
    gemm = cu.CublasGemm.__new__(cu.CublasGemm)
    gemm._cupy, gemm.use_cublas = np, True
    gemm._cublas = type("Cublas", (), {"CUBLAS_OP_N": 0, "CUBLAS_OP_T": 1,
                                       "CUBLASError": RuntimeError})
    gemm._gemm = column_major_gemm
    rng = np.random.RandomState(0)
    a = (rng.random_sample((5, 7)) < 0.5).astype(np.float16)
    b = (rng.random_sample((3, 7)) < 0.5).astype(np.float16)
    c = (rng.random_sample((5, 3)) < 0.5).astype(np.float16)
    as32 = lambda x: x.astype(np.float32)  # noqa: E731
    np.testing.assert_array_equal(gemm.abt(a, b), as32(a) @ as32(b).T)
    np.testing.assert_array_equal(gemm.atb(a, c), as32(a).T @ as32(c))
    assert gemm.use_cublas


def test_kernel_ops_refuse_a_pooler_too_large_for_the_gpu():
    """The dense device matrices are checked against free GPU memory first."""
    gib = 2**30
    device = SimpleNamespace(id=0, mem_info=(gib, 4 * gib))
    xp = SimpleNamespace(cuda=SimpleNamespace(Device=lambda: device),
                         get_default_memory_pool=lambda: SimpleNamespace(free_bytes=lambda: 0))
    ops = cu.KernelOps(xp, launch=None, gemm=None)
    state = SimpleNamespace(potential_indices=np.zeros(1000, dtype=np.int32))
    # 6 bytes per (column, padded input): 4096 x 65536 x 6 = 1.5 GiB > 1 GiB free.
    with pytest.raises(MemoryBudgetError, match="GiB of GPU memory"):
        ops.device_state(SimpleNamespace(n_columns=4096, n_inputs=65536), state)
    ops._check_device_memory(SimpleNamespace(n_columns=2048, n_inputs=3136), state)


def test_importing_the_backend_neither_imports_cupy_nor_compiles():
    code = (
        "import sys; from sklearn_htm.spatial_pooler.backends._cupy "
        "import _backend as c, _kernels as k; "
        "assert 'cupy' not in sys.modules; assert k._module is None and c._kernel_ops is None"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_kernel_source_repeats_portable_exp_constants():
    body = kernels.KERNEL_SOURCE.split("skhtm_portable_exp(double x)")[1].split("return")[0]
    literals = re.findall(r"double result = ([^;]+);", body)
    literals += re.findall(r"result = result \* r \+ ([^;]+);", body)
    assert [float(v) for v in literals] == list(EXP_COEFFICIENTS)
    assert "--fmad=false" in kernels.COMPILE_OPTIONS


# ------------------------------------ layer 2: the CUDA sources, host-emulated


@pytest.fixture(scope="session")
def host_kernels(tmp_path_factory):
    if compiler() is None:
        pytest.skip("needs g++ to run the CUDA kernels on the host")
    return HostKernels(kernels.KERNEL_SOURCE, tmp_path_factory.mktemp("cuda_host"))


@pytest.fixture(scope="session")
def host_ops(host_kernels):
    # Small blocks (2 warps, 64 threads) keep the host threads few.
    return cu.KernelOps(np, host_kernels, NumpyGemm(), column_block=64, max_warps=2)


@requires_compiler
@given(pooler_cases(max_rows=12, max_columns=24, max_features=24))
def test_emulated_kernels_match_reference(host_ops, case):
    config, state, X, batch_size = case
    check_against_reference(host_ops, config, state, X, batch_size)


@requires_compiler
@pytest.mark.parametrize("global_inhibition", [True, False])
@pytest.mark.parametrize("batch_size", [1, 5, kernels.DIRECT_MAX_ROWS + 1])
def test_emulated_kernels_both_count_paths(host_ops, global_inhibition, batch_size):
    """Direct counting (batch <= DIRECT_MAX_ROWS) and GEMM counts, both inhibitions."""
    params = dict(n_columns=20, sparsity=0.2, global_inhibition=global_inhibition,
                  inhibition_radius=None if global_inhibition else 3, boost_strength=10.0,
                  duty_cycle_period=10, min_pct_overlap_duty_cycle=0.6, update_period=4,
                  random_state=7)
    config, state = make_case(params, 40)
    X = sp.csr_matrix(np.random.RandomState(1).random_sample((70, 40)) < 0.3)
    learned = check_against_reference(host_ops, config, state, X, batch_size)
    assert (learned.permanences != state.permanences).any()


@requires_compiler
@given(boosted_blocks(), st.booleans())
def test_emulated_topk_matches_reference(host_kernels, block, keys_in_shared):
    boosted, k, threshold = block
    n_rows, n_columns = boosted.shape
    ops = cu.KernelOps(np, host_kernels, NumpyGemm(), max_warps=2,
                       shared_bytes=48 * 1024 if keys_in_shared else 0)
    config = type("Config", (), {"n_active_columns": k, "stimulus_threshold": threshold})
    # overlap * boost = boosted, with boost = 1.
    dev = type("Dev", (), {"boost": np.ones(n_columns, dtype=np.float32)})
    lists, counts, dense = ops._topk(config, dev, boosted, True, True)
    expected = reference.inhibit_global(config, boosted)
    np.testing.assert_array_equal(dense != 0, expected)
    indptr, indices = ao.lists_to_csr(np, lists, counts)
    np.testing.assert_array_equal(
        sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=boosted.shape).toarray(),
        expected,
    )


@requires_compiler
def test_emulated_comparison_catches_a_wrong_tie_rule(tmp_path):
    """A kernel that breaks ties by one index too few must fail the comparison."""
    source = kernels.KERNEL_SOURCE.replace("j >= tie_start", "j > tie_start")
    assert source != kernels.KERNEL_SOURCE
    ops = cu.KernelOps(np, HostKernels(source, tmp_path), NumpyGemm(), max_warps=1)
    config, state = make_case(dict(n_columns=10, sparsity=0.3, random_state=0), 5)
    X = sp.csr_matrix((2, 5), dtype=bool)  # no input: every overlap ties at 0
    expected = reference.transform(config, state, X)
    np.testing.assert_array_equal(expected[1], [7, 8, 9, 7, 8, 9])
    assert not np.array_equal(cu.transform_with(ops, config, state, X)[1], expected[1])


# ------------------------- the device copy kept between calls (layers 1 and 2)

HOST_ARRAYS = STATE_FIELDS + ("potential_indptr", "potential_indices")


class CountingNumpy:
    """``numpy`` as the ops' array module, counting the uploads of one
    state's host arrays (an ``asarray`` or ``array`` of one of them)."""

    def __init__(self, state):
        self.state = state
        self.uploads = 0

    def __getattr__(self, name):
        return getattr(np, name)

    def _count(self, value):
        self.uploads += any(value is getattr(self.state, name) for name in HOST_ARRAYS)

    def asarray(self, value, *args, **kwargs):
        self._count(value)
        return np.asarray(value, *args, **kwargs)

    def array(self, value, *args, **kwargs):
        self._count(value)
        return np.array(value, *args, **kwargs)


@pytest.fixture(scope="session", params=["array_ops", "kernel_ops"])
def ops_factory(request):
    """``xp -> ops``: the array-generic steps, or the CUDA sources run on the host."""
    if request.param == "array_ops":
        return cu.ArrayOps
    host = request.getfixturevalue("host_kernels")
    return lambda xp: cu.KernelOps(xp, host, NumpyGemm(), column_block=64, max_warps=2)


def small_case(global_inhibition=True, n_rows=24, seed=5):
    """A pooler whose learning changes everything quickly, and its rows."""
    params = dict(n_columns=24, sparsity=0.2, global_inhibition=global_inhibition,
                  inhibition_radius=None if global_inhibition else 3, boost_strength=10.0,
                  permanence_increment=0.1, permanence_decrement=0.05,
                  duty_cycle_period=10, min_pct_overlap_duty_cycle=0.5, update_period=3,
                  random_state=seed)
    config, state = make_case(params, 30)
    X = sp.csr_matrix(np.random.RandomState(seed).random_sample((n_rows, 30)) < 0.3)
    return config, state, X


@pytest.mark.parametrize("global_inhibition", [True, False])
def test_later_calls_on_an_unchanged_state_upload_nothing(ops_factory, global_inhibition):
    config, state, X = small_case(global_inhibition)
    expected = state.copy()
    xp = CountingNumpy(state)
    ops = ops_factory(xp)
    cu.transform_with(ops, config, state, X[:1])
    assert xp.uploads == len(HOST_ARRAYS)  # the counter sees every upload
    dev = state.scratch["cupy"]
    for start in range(0, X.shape[0], 4):
        rows = X[start:start + 4]
        cu.learn_with(ops, config, state, rows, 2)
        reference.learn(config, expected, rows, 2)
        assert_same_state(expected, state)  # the host arrays are current
        assert_same_sdr(reference.transform(config, expected, rows[:1]),
                        cu.transform_with(ops, config, state, rows[:1]))
    assert xp.uploads == len(HOST_ARRAYS)
    assert state.scratch["cupy"] is dev


@given(pooler_cases(max_rows=12, max_columns=24, max_features=24), st.integers(1, 4),
       st.booleans())
def test_the_kept_copy_matches_reference_over_many_calls(ops_factory, case, n_calls,
                                                         learn_on_a_copy):
    """Learning and inference alternate on one device copy; optionally the
    state is copied after the first call (``partial_fit``'s path), and the
    original, left alone, must keep its own results."""
    config, state, X, batch_size = case
    ops = ops_factory(np)
    expected = state.copy()
    bounds = np.linspace(0, X.shape[0], n_calls + 1).astype(int)
    original = None
    for call, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
        reference.learn(config, expected, X[start:stop], batch_size)
        cu.learn_with(ops, config, state, X[start:stop], batch_size)
        assert_same_state(expected, state)
        assert_same_sdr(reference.transform(config, expected, X),
                        cu.transform_with(ops, config, state, X))
        assert state.scratch["cupy"].n_samples_seen == state.n_samples_seen
        if call == 0 and learn_on_a_copy:
            original, original_expected = state, expected.copy()
            original_dev = original.scratch["cupy"]
            state = state.copy()
            assert state.scratch["cupy"] is not original_dev
    if original is not None:
        assert original.scratch["cupy"] is original_dev
        assert_same_state(original_expected, original)
        assert_same_sdr(reference.transform(config, original_expected, X),
                        cu.transform_with(ops, config, original, X))


def test_a_copied_state_learns_on_its_own_device_copy(ops_factory):
    """``state.copy()`` copies the device copy: learning on one leaves the
    other's results alone, and neither uploads."""
    config, state, X = small_case()
    xp = CountingNumpy(state)
    ops = ops_factory(xp)
    before = reference.transform(config, state, X)
    assert_same_sdr(before, cu.transform_with(ops, config, state, X))
    twin = state.copy()
    assert twin.scratch["cupy"] is not state.scratch["cupy"]
    expected = state.copy()
    cu.learn_with(ops, config, twin, X, 2)
    reference.learn(config, expected, X, 2)
    assert_same_state(expected, twin)
    assert_same_sdr(before, cu.transform_with(ops, config, state, X))
    assert_same_sdr(reference.transform(config, expected, X),
                    cu.transform_with(ops, config, twin, X))
    assert not np.array_equal(before[1], reference.transform(config, expected, X)[1])
    assert xp.uploads == len(HOST_ARRAYS)


@pytest.mark.parametrize("other", ["numpy", "numba"])
@pytest.mark.parametrize("keep_scratch", [True, False])
def test_a_stale_copy_is_not_used_after_another_backend_learns(ops_factory, other,
                                                               keep_scratch):
    """The estimator drops the copy (``keep_scratch``) before another backend
    learns; a caller that does not is caught by the samples seen."""
    config, state, X = small_case(global_inhibition=False)
    expected = state.copy()
    ops = ops_factory(np)
    for backend_name, rows in (("cupy", X[:8]), (other, X[8:16]), ("cupy", X[16:])):
        reference.learn(config, expected, rows, 2)
        if backend_name == "cupy":
            cu.learn_with(ops, config, state, rows, 2)
        else:
            stale = state.scratch["cupy"]
            if keep_scratch:
                state.keep_scratch(other)
                assert "cupy" not in state.scratch
            get_backend(other).learn(config, state, from_csr(rows, X.shape[1]), 2)
            assert_same_sdr(reference.transform(config, expected, X),
                            cu.transform_with(ops, config, state, X))
            assert state.scratch["cupy"] is not stale
        assert_same_state(expected, state)
    assert_same_sdr(reference.transform(config, expected, X),
                    cu.transform_with(ops, config, state, X))


def test_a_new_connected_threshold_reconnects_on_the_device(ops_factory):
    config, state, X = small_case()
    expected = state.copy()
    xp = CountingNumpy(state)
    ops = ops_factory(xp)
    cu.learn_with(ops, config, state, X[:10], 2)
    reference.learn(config, expected, X[:10], 2)
    moved = dataclasses.replace(config, connected_threshold=np.float32(0.3))
    assert_same_sdr(reference.transform(moved, expected, X),
                    cu.transform_with(ops, moved, state, X))
    cu.learn_with(ops, moved, state, X[10:], 2)
    reference.learn(moved, expected, X[10:], 2)
    assert_same_state(expected, state)
    assert_same_sdr(reference.transform(config, expected, X),
                    cu.transform_with(ops, config, state, X))
    assert xp.uploads == len(HOST_ARRAYS)


def test_a_failed_learn_drops_the_half_changed_copy(ops_factory, monkeypatch):
    config, state, X = small_case()
    expected = state.copy()
    ops = ops_factory(np)
    cu.transform_with(ops, config, state, X)
    steps = []

    def interrupted_step(*args):
        if steps:
            raise KeyboardInterrupt
        steps.append(type(ops).learn_step(ops, *args))

    monkeypatch.setattr(ops, "learn_step", interrupted_step)
    with pytest.raises(KeyboardInterrupt):
        cu.learn_with(ops, config, state, X, 2)
    assert "cupy" not in state.scratch
    assert_same_state(expected, state)  # nothing was written back
    monkeypatch.undo()
    assert_same_sdr(reference.transform(config, expected, X),
                    cu.transform_with(ops, config, state, X))


def test_pickling_a_state_drops_its_device_copy(ops_factory):
    config, state, X = small_case()
    ops = ops_factory(np)
    cu.learn_with(ops, config, state, X, 2)
    assert "cupy" in state.scratch
    bare = state.copy()
    bare.scratch.clear()
    assert pickle.dumps(state) == pickle.dumps(bare)
    loaded = pickle.loads(pickle.dumps(state))
    assert loaded.scratch == {}
    assert_same_state(state, loaded)
    assert_same_sdr(cu.transform_with(ops, config, state, X),
                    cu.transform_with(ops, config, loaded, X))


class OneStateDevice(cu.ArrayOps):
    """Array ops on a device with room for one state's copy (or none)."""

    def __init__(self, room=1):
        super().__init__(np)
        self.room = room

    def device_state(self, config, state):
        if sum(dev.ops is self for dev in dstate._LIVE) >= self.room:
            raise MemoryBudgetError("no room on the device")
        return super().device_state(config, state)


def test_an_upload_that_does_not_fit_drops_the_other_states_copies():
    config, first, X = small_case()
    second = first.copy()
    expected = reference.transform(config, first, X)
    ops = OneStateDevice()
    assert_same_sdr(expected, cu.transform_with(ops, config, first, X))
    assert_same_sdr(expected, cu.transform_with(ops, config, second, X))
    assert "cupy" not in first.scratch and "cupy" in second.scratch
    assert_same_sdr(expected, cu.transform_with(ops, config, first, X))
    assert "cupy" in first.scratch and "cupy" not in second.scratch
    with pytest.raises(MemoryBudgetError, match="no room"):
        cu.transform_with(OneStateDevice(room=0), config, first.copy(), X)


@pytest.fixture
def emulated_gpu(monkeypatch, host_ops):
    """``backend="cupy"`` on this machine: the probe says yes, the kernels run
    on the host, and ``uploads`` counts the device copies made."""
    uploads = []
    upload = host_ops.device_state

    def counted(config, state):
        uploads.append(state)
        return upload(config, state)

    monkeypatch.setattr(sp_backends, "gpu_available", lambda: True)
    monkeypatch.setattr(cu, "_kernel_ops", host_ops)
    monkeypatch.setattr(host_ops, "device_state", counted)
    return uploads


@pytest.mark.parametrize("other", ["numpy", "numba"])
def test_estimator_keeps_one_copy_along_a_stream_and_drops_it_for_another_backend(
        emulated_gpu, digit_bits, other):
    X, _ = digit_bits
    X = X[:120]
    params = dict(n_columns=64, sparsity=0.1, batch_size=4, boost_strength=5.0,
                  duty_cycle_period=30, random_state=0)
    gpu = SpatialPoolerTransformer(backend="cupy", **params).fit(X[:60])
    host = SpatialPoolerTransformer(backend="numpy", **params).fit(X[:60])
    assert len(emulated_gpu) == 1
    for row in range(60, 80):
        assert (gpu.transform(X[row:row + 1]) != host.transform(X[row:row + 1])).nnz == 0
        gpu.partial_fit(X[row:row + 1])
        host.partial_fit(X[row:row + 1])
    assert len(emulated_gpu) == 1  # partial_fit's copies are device copies
    gpu.set_params(backend=other).partial_fit(X[80:100])
    host.partial_fit(X[80:100])
    assert "cupy" not in gpu._state.scratch
    gpu.set_params(backend="cupy")
    assert (gpu.transform(X) != host.transform(X)).nnz == 0
    assert len(emulated_gpu) == 2
    gpu.partial_fit(X[100:])
    host.partial_fit(X[100:])
    assert_same_state(host._state, gpu._state)
    assert (gpu.transform(X) != host.transform(X)).nnz == 0
    assert len(emulated_gpu) == 2


def test_a_pickled_or_cloned_estimator_carries_no_device_copy(emulated_gpu, digit_bits):
    X, _ = digit_bits
    pooler = SpatialPoolerTransformer(n_columns=64, sparsity=0.1, batch_size=8,
                                      backend="cupy", random_state=0).fit(X[:100])
    expected = pooler.transform(X[:100]).toarray()
    assert "cupy" in pooler._state.scratch
    for twin in (pickle.loads(pickle.dumps(pooler)), copy.deepcopy(pooler)):
        assert twin._state.scratch == {}
        np.testing.assert_array_equal(twin.transform(X[:100]).toarray(), expected)
    assert len(emulated_gpu) == 3


# ------------------------------------------------------------ layer 3: GPU


@pytest.fixture(scope="module")
def cupy():
    import cupy

    return cupy


def mnist_like(n_rows, seed=0):
    """Rows shaped like encoded MNIST: 784 pixels, one of 4 bits each."""
    rng = np.random.RandomState(seed)
    bucket = rng.randint(0, 4, size=(n_rows, 784)) * (rng.random_sample((n_rows, 784)) < 0.8)
    indices = (np.arange(784) * 4 + bucket).ravel()
    indptr = np.arange(n_rows + 1) * 784
    X = sp.csr_matrix((np.ones(indices.size, dtype=bool), indices, indptr), shape=(n_rows, 3136))
    X.sort_indices()
    return X


@pytest.mark.gpu
@requires_gpu
@settings(max_examples=40)
@given(pooler_cases(max_rows=80, max_columns=80, max_features=80))
def test_gpu_backend_matches_reference(case):
    config, state, X, batch_size = case
    check_against_reference(cu.kernel_ops(), config, state, X, batch_size)


@pytest.mark.gpu
@requires_gpu
@pytest.mark.parametrize("batch_size", [1, 32, 1024])
def test_gpu_mnist_workload_matches_reference(batch_size):
    params = dict(n_columns=2048, sparsity=0.02, potential_pct=0.5, random_state=0)
    config, state = make_case(params, 3136)
    X = mnist_like(64 if batch_size == 1 else 400)
    learned = check_against_reference(cu.kernel_ops(), config, state, X, batch_size)
    assert (learned.permanences != state.permanences).any()


@pytest.mark.gpu
@requires_gpu
@pytest.mark.parametrize("batch_size", [1, 16, 100])
def test_gpu_local_inhibition_matches_reference(batch_size):
    params = dict(n_columns=(16, 16, 1), input_shape=(28, 28, 4), potential_radius=(5, 5, 3),
                  global_inhibition=False, sparsity=0.05, boost_strength=3.0,
                  min_pct_overlap_duty_cycle=0.1, random_state=1)
    config, state = make_case(params, 3136)
    check_against_reference(cu.kernel_ops(), config, state, mnist_like(120, 1), batch_size)


@pytest.mark.gpu
@requires_gpu
def test_gpu_device_input_gives_device_output(cupy):
    import cupyx.scipy.sparse as csp

    config, state = make_case(dict(n_columns=256, sparsity=0.05, random_state=2), 3136)
    X = mnist_like(50, 2)
    expected = cu.transform(config, state, X)
    assert all(isinstance(a, np.ndarray) for a in expected)
    for device_X in (cupy.asarray(X.toarray()), csp.csr_matrix(X)):
        indptr, indices = cu.transform(config, state, device_X)
        assert isinstance(indptr, cupy.ndarray) and isinstance(indices, cupy.ndarray)
        assert_same_sdr(expected, (indptr.get(), indices.get()))
    learned_host, learned_device = state.copy(), state.copy()
    cu.learn(config, learned_host, X, 8)
    cu.learn(config, learned_device, cupy.asarray(X.toarray()), 8)
    assert_same_state(learned_host, learned_device)
    assert isinstance(learned_device.permanences, np.ndarray)


@pytest.mark.gpu
@requires_gpu
def test_gpu_state_stays_on_the_device_between_calls(cupy, monkeypatch):
    """One upload for a stream of calls, exact throughout; ``state.copy()``
    copies the device arrays on the device."""
    config, state = make_case(dict(n_columns=256, sparsity=0.05, random_state=2), 3136)
    X = mnist_like(60, 2)
    expected = state.copy()
    ops = cu.kernel_ops()
    uploads = []
    upload = ops.device_state
    monkeypatch.setattr(ops, "device_state",
                        lambda config, state: uploads.append(state) or upload(config, state))
    cu.transform(config, state, X[:1])
    dev = state.scratch["cupy"]
    assert isinstance(dev.permanences, cupy.ndarray)
    for start in range(0, 60, 20):
        cu.learn(config, state, X[start:start + 20], 8)
        reference.learn(config, expected, X[start:start + 20], 8)
        assert_same_state(expected, state)
        assert_same_sdr(reference.transform(config, expected, X[:10]),
                        cu.transform(config, state, X[:10]))
        indptr, indices = cu.transform(config, state, cupy.asarray(X[:10].toarray()))
        assert_same_sdr(reference.transform(config, expected, X[:10]),
                        (indptr.get(), indices.get()))
    assert len(uploads) == 1 and state.scratch["cupy"] is dev
    twin = state.copy().scratch["cupy"]
    assert twin.permanences.data.ptr != dev.permanences.data.ptr
    assert twin.device == dev.device
    cupy.testing.assert_array_equal(twin.connected, dev.connected)


@pytest.mark.gpu
@requires_gpu
def test_gpu_kernels_match_array_ops_on_the_device(cupy):
    params = dict(n_columns=64, sparsity=0.1, boost_strength=8.0, duty_cycle_period=20,
                  min_pct_overlap_duty_cycle=0.5, random_state=4)
    config, state = make_case(params, 200)
    X = sp.csr_matrix(np.random.RandomState(3).random_sample((150, 200)) < 0.2)
    via_kernels, via_arrays = state.copy(), state.copy()
    cu.learn_with(cu.kernel_ops(), config, via_kernels, X, 10)
    cu.learn_with(cu.ArrayOps(cupy), config, via_arrays, X, 10)
    assert_same_state(via_arrays, via_kernels)


@pytest.mark.gpu
@requires_gpu
def test_gpu_gemm_counts_are_exact_beyond_half_precision(cupy):
    """Counts above 2048 (not representable in float16) come out exact."""
    rng = np.random.RandomState(0)
    a = (rng.random_sample((37, 20000)) < 0.7).astype(np.float16)
    b = (rng.random_sample((53, 20000)) < 0.7).astype(np.float16)
    gemm = cu.CublasGemm()
    abt = gemm.abt(cupy.asarray(a), cupy.asarray(b)).get()
    atb = gemm.atb(cupy.asarray(a.T.copy()), cupy.asarray(b.T.copy())).get()
    expected = a.astype(np.int64) @ b.astype(np.int64).T
    assert expected.max() > 2048
    np.testing.assert_array_equal(abt, expected)
    np.testing.assert_array_equal(atb, expected)
    assert gemm.use_cublas


@pytest.mark.gpu
@requires_gpu
def test_gpu_topk_with_keys_beyond_shared_memory(cupy):
    """13,000 columns do not fit a warp's keys in 48 KiB: the scratch path."""
    rng = np.random.RandomState(5)
    boosted = rng.randint(0, 5, size=(7, 13000)).astype(np.float32)
    config = type("Config", (), {"n_active_columns": 260, "stimulus_threshold": np.float32(1)})
    dev = type("Dev", (), {"boost": cupy.ones(13000, dtype=np.float32)})
    _, _, dense = cu.kernel_ops()._topk(config, dev, cupy.asarray(boosted), False, True)
    np.testing.assert_array_equal(dense.get() != 0, reference.inhibit_global(config, boosted))


# Estimator level: needs the estimators' CuPy support (helper_notes/cupy.patch).


def fitted_pair(X, **params):
    params = dict(n_columns=256, sparsity=0.05, batch_size=16, max_iter=2, random_state=0,
                  **params)
    return (SpatialPoolerTransformer(backend="numpy", **params).fit(X),
            SpatialPoolerTransformer(backend="cupy", **params).fit(X))


@pytest.mark.gpu
@requires_gpu
def test_gpu_estimator_matches_numpy_backend(digit_bits):
    X, _ = digit_bits
    host, gpu = fitted_pair(X)
    for attribute in ("active_duty_cycles_", "overlap_duty_cycles_", "boost_factors_"):
        np.testing.assert_array_equal(bits(getattr(gpu, attribute)),
                                      bits(getattr(host, attribute)))
    np.testing.assert_array_equal(bits(gpu.permanences_.data), bits(host.permanences_.data))
    assert isinstance(gpu.boost_factors_, np.ndarray)
    assert (gpu.transform(X) != host.transform(X)).nnz == 0


@pytest.mark.gpu
@requires_gpu
@pytest.mark.parametrize("sparse_output", [True, False])
def test_gpu_estimators_answer_device_input_on_the_device(cupy, digits, sparse_output):
    import cupyx.scipy.sparse as csp

    X, _ = digits
    X = X[:200]
    encoder = GreyscaleEncoder(n_bits=4, value_range=(0, 16), sparse_output=sparse_output)
    host_bits = encoder.fit_transform(X)
    device_bits = encoder.transform(cupy.asarray(X))
    assert is_device_array(device_bits) and (csp.issparse(device_bits) == sparse_output)
    np.testing.assert_array_equal(to_host(device_bits).toarray() if sparse_output
                                  else to_host(device_bits),
                                  host_bits.toarray() if sparse_output else host_bits)
    pooler = SpatialPoolerTransformer(n_columns=128, sparsity=0.05, backend="cupy",
                                      sparse_output=sparse_output, random_state=0)
    on_device = pooler.fit(device_bits).transform(device_bits)
    assert is_device_array(on_device) and (csp.issparse(on_device) == sparse_output)
    assert isinstance(pooler.permanences_.data, np.ndarray)
    reference_pooler = SpatialPoolerTransformer(
        n_columns=128, sparsity=0.05, backend="numpy", sparse_output=sparse_output,
        random_state=0,
    ).fit(host_bits)
    on_host = reference_pooler.transform(host_bits)
    np.testing.assert_array_equal(
        to_host(on_device).toarray() if sparse_output else to_host(on_device),
        on_host.toarray() if sparse_output else on_host,
    )


@pytest.mark.gpu
@requires_gpu
@pytest.mark.skipif(os.environ.get("SCIPY_ARRAY_API") != "1",
                    reason="array API dispatch needs SCIPY_ARRAY_API=1 at start-up")
def test_gpu_pipeline_runs_on_the_device_with_array_api_dispatch(cupy, digits):
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X, y = digits
    X = X.astype(np.float32)

    def pipeline():
        return make_pipeline(
            GreyscaleEncoder(n_bits=4, value_range=(0, 16), sparse_output=False,
                             dtype=np.float32),
            SpatialPoolerTransformer(n_columns=256, sparsity=0.05, batch_size=32,
                                     sparse_output=False, dtype=np.float32,
                                     backend="cupy", random_state=0),
            LogisticRegression(solver="lbfgs", max_iter=500),
        )

    with sklearn.config_context(array_api_dispatch=True):
        on_device = pipeline().fit(cupy.asarray(X[:1200]), cupy.asarray(y[:1200]))
        predictions = on_device.predict(cupy.asarray(X[1200:]))
    assert isinstance(predictions, cupy.ndarray)
    on_host = pipeline().fit(X[:1200], y[:1200])
    device_accuracy = float((predictions.get() == y[1200:]).mean())
    assert device_accuracy > 0.8
    assert abs(device_accuracy - on_host.score(X[1200:], y[1200:])) < 0.03
