"""Reliability of both estimators: bad input, atomic failures, reproducibility.

1. Bad input (data and hyperparameters) is refused with a scikit-learn
   error type and a message naming the problem.
2. A failed ``fit``, ``partial_fit`` or ``transform`` changes nothing: every
   attribute of the estimator pickles to the same bytes before and after the
   call, including failures injected inside a backend (an exception or a
   KeyboardInterrupt between learning chunks).
3. Results never drift: the same data and ``random_state`` give identical
   states and SDRs across processes, thread counts, concurrent threads,
   backends and input formats (dtype, memory order, read-only, memory maps,
   sparse formats).

Everything is checked on every backend available here: numpy always, numba
when its module exists, cupy when a GPU is usable.
"""

import hashlib
import json
import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import sklearn_htm.spatial_pooler._memory as memory_module
import sklearn_htm.spatial_pooler._structure as structure_module
from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.spatial_pooler.backends import available_backends, get_backend, gpu_available

from ._common_cases import is_fitted
from .conftest import random_binary
from .spatial_pooler.test_estimator import assert_same_state

BACKENDS = available_backends()


def snapshot(estimator):
    """Pickled bytes of every attribute: parameters and the whole fitted state."""
    return {name: pickle.dumps(value) for name, value in vars(estimator).items()}


def assert_unchanged(estimator, before):
    after = snapshot(estimator)
    assert after.keys() == before.keys(), (
        f"attributes added {sorted(after.keys() - before.keys())}, "
        f"removed {sorted(before.keys() - after.keys())}"
    )
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"attributes changed by a failed call: {changed}"


def pooler(**params):
    defaults = dict(n_columns=16, sparsity=0.2, random_state=0, backend="numpy")
    defaults.update(params)
    return SpatialPoolerTransformer(**defaults)


def encoder(**params):
    return GreyscaleEncoder(**{"n_bits": 3, **params})


def pooler_data(n_samples=20, seed=0):
    return random_binary(np.random.RandomState(seed), n_samples, 12, 0.3)


def encoder_data(n_samples=20, seed=0):
    return np.random.RandomState(seed).randint(0, 17, size=(n_samples, 12)).astype(float)


ESTIMATORS = {"pooler": (pooler, pooler_data), "encoder": (encoder, encoder_data)}

# What a call does to an estimator before it gets the bad input:
# "fit" and "partial_fit_first" start from a fresh estimator, the others
# from a fitted one.
CALLS = ("fit", "refit", "partial_fit_first", "partial_fit_later", "transform")


def prepared(kind, call, X, params=None):
    """An estimator in the state ``call`` starts from, then ``params`` set."""
    make, _ = ESTIMATORS[kind]
    estimator = make()
    if call in ("refit", "transform"):
        estimator.fit(X)
    elif call == "partial_fit_later":
        estimator.partial_fit(X)
    if params:
        estimator.set_params(**params)
    return estimator


def invoke(estimator, call, X):
    method = {"refit": "fit", "partial_fit_first": "partial_fit",
              "partial_fit_later": "partial_fit"}.get(call, call)
    return getattr(estimator, method)(X)


# --------------------------------------------------------------------------
# 1 + 2. Bad data is refused clearly, and the refusal changes nothing


def _with(X, row, col, value):
    X = X.astype(float)
    X[row, col] = value
    return X


def _sparse_with(X, value, fmt):
    X = sp.csr_matrix(_with(X, 1, 2, 1.0))
    X.data[0] = value
    return X.asformat(fmt)


def _none_in_object(X):
    """An object array with a None: refused like NaN."""
    X = X.astype(object)
    X[0, 0] = None
    return X


def _frame(X, prefix="f"):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(X, columns=[f"{prefix}{i}" for i in range(X.shape[1])])


# (id, make bad X from good X, error type, message pattern, calls it applies
# to, estimator parameters set first, estimators it applies to)
ALL = CALLS
LATER = ("partial_fit_later", "transform")
BAD_DATA = [
    ("nan", lambda X: _with(X, 1, 2, np.nan), ValueError, "NaN", ALL, None, None),
    ("inf", lambda X: _with(X, 0, 0, np.inf), ValueError, "infinity", ALL, None, None),
    ("-inf", lambda X: _with(X, 3, 5, -np.inf), ValueError, "infinity", ALL, None, None),
    ("nan_csr", lambda X: _sparse_with(X, np.nan, "csr"), ValueError, "NaN", ALL, None,
     ("pooler",)),
    ("inf_csc", lambda X: _sparse_with(X, np.inf, "csc"), ValueError, "infinity", ALL,
     None, ("pooler",)),
    ("inf_coo", lambda X: _sparse_with(X, -np.inf, "coo"), ValueError, "infinity", ALL,
     None, ("pooler",)),
    ("nan_dataframe", lambda X: _frame(_with(X, 0, 1, np.nan)), ValueError, "NaN", ALL,
     None, None),
    ("more_features", lambda X: np.hstack([X, X[:, :1]]), ValueError,
     "13 features.*expecting 12", LATER, None, None),
    ("fewer_features", lambda X: X[:, :-1], ValueError, "11 features.*expecting 12",
     LATER, None, None),
    ("fewer_features_csr", lambda X: sp.csr_matrix(X[:, :-1]), ValueError,
     "11 features.*expecting 12", LATER, None, ("pooler",)),
    ("empty_batch", lambda X: X[:0], ValueError, "0 sample", ALL, None, None),
    ("empty_csr_batch", lambda X: sp.csr_matrix(X[:0]), ValueError, "0 sample", ALL,
     None, ("pooler",)),
    ("no_features", lambda X: X[:, :0], ValueError, "0 feature", ALL, None, None),
    ("1d", lambda X: X[0], ValueError, "2D array", ALL, None, None),
    ("scalar", lambda X: X[0, 0], ValueError, "2D array", ALL, None, None),
    ("3d", lambda X: X.reshape(2, -1, X.shape[1]), ValueError, "dim 3", ALL, None, None),
    ("strings", lambda X: X.astype(str), ValueError, "strings", ALL, None, None),
    ("none_in_object", lambda X: _none_in_object(X), ValueError, "NaN", ALL, None,
     None),
    ("complex", lambda X: X.astype(complex), ValueError, "[Cc]omplex", ALL, None, None),
    ("complex_csr", lambda X: sp.csr_matrix(X.astype(complex)), ValueError,
     "[Cc]omplex", ALL, None, ("pooler",)),
    ("ragged", lambda X: [list(X[0]), list(X[1, :-1])], ValueError, "inhomogeneous",
     ALL, None, None),
    ("non_binary_when_binarize_is_none", lambda X: _with(X, 2, 2, 0.5), ValueError,
     "binary.*binarize", ALL, dict(binarize=None), ("pooler",)),
    ("negative_when_binarize_is_none", lambda X: -X, ValueError, "binary.*binarize",
     ALL, dict(binarize=None), ("pooler",)),
    ("sparse_input", lambda X: sp.csr_matrix(X), TypeError, "[Ss]parse.*dense", ALL,
     None, ("encoder",)),
    ("out_of_range", lambda X: X + 100.0, ValueError, "outside the range",
     ("transform",), dict(handle_out_of_range="error"), ("encoder",)),
]
def _bad_data_cases():
    for case_id, make_X, error, match, calls, params, kinds in BAD_DATA:
        for kind in kinds or ESTIMATORS:
            for call in calls:
                yield pytest.param(
                    kind, call, make_X, error, match, params,
                    id=f"{kind}-{case_id}-{call}",
                )


@pytest.mark.filterwarnings("ignore:X has feature names")
@pytest.mark.parametrize("kind, call, make_X, error, match, params", list(_bad_data_cases()))
def test_bad_data_is_refused_and_changes_nothing(kind, call, make_X, error, match, params):
    _, make_data = ESTIMATORS[kind]
    X = make_data()
    estimator = prepared(kind, call, X, params)
    before = snapshot(estimator)
    bad = make_X(X)
    with pytest.raises(error, match=match):
        invoke(estimator, call, bad)
    assert_unchanged(estimator, before)


@pytest.mark.parametrize("value_range", [None, "given"])
@pytest.mark.parametrize(
    "values, buckets",
    [
        ([-1e308, 0.0, 1e308], [0, 2, 3]),  # the width overflows float64
        ([0.0, 5e-324, 1e-320], [0, 0, 3]),  # the width is subnormal
    ],
    ids=["huge_range", "subnormal_range"],
)
def test_extreme_value_ranges_are_encoded_or_refused_clearly(values, buckets, value_range):
    """Finite values with a range at the edges of float64: the documented
    buckets, or a ValueError naming the range."""
    X = np.array([values])
    params = dict(value_range=(min(values), max(values))) if value_range else {}
    estimator = encoder(n_bits=4, sparse_output=False, **params)
    try:
        bits = estimator.fit(X).transform(X)
    except ValueError as error:
        assert "range" in str(error)
        return
    np.testing.assert_array_equal(bits.reshape(3, 4).argmax(axis=1), buckets)


@pytest.mark.parametrize("kind", ESTIMATORS)
@pytest.mark.parametrize("call", ["transform", "partial_fit_later"])
def test_other_feature_names_are_refused_and_change_nothing(kind, call):
    _, make_data = ESTIMATORS[kind]
    X = make_data()
    estimator = ESTIMATORS[kind][0]()
    invoke(estimator, "refit" if call == "transform" else call, _frame(X, prefix="f"))
    before = snapshot(estimator)
    with pytest.raises(ValueError, match="feature names"):
        invoke(estimator, call, _frame(X, prefix="g"))
    assert_unchanged(estimator, before)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_transform_before_fit_raises_not_fitted(kind):
    make, make_data = ESTIMATORS[kind]
    estimator = make()
    with pytest.raises(NotFittedError, match="not fitted"):
        estimator.transform(make_data())
    assert not is_fitted(estimator)


# --------------------------------------------------------------------------
# 1 + 2. Bad hyperparameters


BAD_POOLER_PARAMS = [
    (dict(n_columns=0), ValueError, "n_columns"),
    (dict(n_columns=-5), ValueError, "n_columns"),
    (dict(n_columns=2.5), ValueError, "n_columns"),
    (dict(n_columns=(4, 0)), ValueError, "n_columns"),
    (dict(n_columns=()), ValueError, "n_columns"),
    (dict(n_columns=(4, -2)), ValueError, "n_columns"),
    (dict(sparsity=0.0), ValueError, "sparsity"),
    (dict(sparsity=1.0), ValueError, "sparsity"),
    (dict(sparsity=-0.1), ValueError, "sparsity"),
    (dict(sparsity=np.nan), ValueError, "sparsity"),
    (dict(potential_pct=0.0), ValueError, "potential_pct"),
    (dict(potential_pct=1.5), ValueError, "potential_pct"),
    (dict(permanence_increment=-0.01), ValueError, "permanence_increment"),
    (dict(permanence_increment=1.01), ValueError, "permanence_increment"),
    (dict(permanence_decrement=-0.01), ValueError, "permanence_decrement"),
    (dict(permanence_decrement=2.0), ValueError, "permanence_decrement"),
    (dict(connected_threshold=0.0), ValueError, "connected_threshold"),
    (dict(connected_threshold=1.0), ValueError, "connected_threshold"),
    (dict(stimulus_threshold=-1.0), ValueError, "stimulus_threshold"),
    (dict(boost_strength=-1.0), ValueError, "boost_strength"),
    (dict(boost_strength=np.inf), ValueError, "boost_strength"),
    (dict(duty_cycle_period=0), ValueError, "duty_cycle_period"),
    (dict(min_pct_overlap_duty_cycle=1.5), ValueError, "min_pct_overlap_duty_cycle"),
    (dict(update_period=0), ValueError, "update_period"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(batch_size=-1), ValueError, "batch_size"),
    (dict(max_iter=0), ValueError, "max_iter"),
    (dict(binarize="high"), ValueError, "binarize"),
    (dict(binarize=np.nan), ValueError, "binarize"),
    (dict(backend="tpu"), ValueError, "backend"),
    (dict(random_state="seed"), ValueError, "random_state"),
    (dict(verbose=-1), ValueError, "verbose"),
    (dict(inhibition_radius=0, global_inhibition=False), ValueError, "inhibition_radius"),
    (dict(potential_radius=-1), ValueError, "potential_radius"),
    (dict(potential_radius=12), ValueError, "potential_radius.*larger than the input"),
    (dict(potential_radius=(1, 1)), ValueError, "potential_radius"),
    (dict(input_shape=(3, 3)), ValueError, "input_shape"),
    (dict(input_shape=(0, 12)), ValueError, "input_shape"),
    (dict(input_shape=(3, 4), potential_radius=(3, 4)), ValueError,
     "potential_radius.*larger than the input"),
    (dict(n_columns=(2, 2, 2), input_shape=(3, 4), potential_radius=1), ValueError,
     "n_columns.*dimensions"),
    # 10**9 columns x 12 inputs: far beyond any machine's memory; the error
    # must come before anything is allocated and say how much is needed.
    (dict(n_columns=10**9, potential_pct=1.0), ValueError, r"\d+(\.\d+)? GiB"),
    (dict(n_columns=(10**5, 10**5), potential_pct=1.0), ValueError, r"\d+(\.\d+)? GiB"),
    (dict(dtype="float99"), ValueError, "dtype"),
    (dict(dtype=str), ValueError, "dtype"),
    (dict(dtype=object), ValueError, "dtype"),
]

BAD_ENCODER_PARAMS = [
    (dict(n_bits=0), ValueError, "n_bits"),
    (dict(n_bits=-2), ValueError, "n_bits"),
    (dict(n_bits=1.5), ValueError, "n_bits"),
    (dict(value_range=(5, 5)), ValueError, "value_range"),
    (dict(value_range=(16, 0)), ValueError, "value_range"),
    (dict(value_range=(0, np.nan)), ValueError, "value_range"),
    (dict(value_range=(-np.inf, 1)), ValueError, "value_range"),
    (dict(value_range=(0, 1, 2)), ValueError, "value_range"),
    (dict(value_range=("a", "b")), ValueError, "value_range"),
    (dict(value_range=5), ValueError, "value_range"),
    (dict(encoding="gray"), ValueError, "encoding"),
    (dict(handle_out_of_range="wrap"), ValueError, "handle_out_of_range"),
    (dict(sparse_output="yes"), ValueError, "sparse_output"),
    (dict(dtype="float99"), ValueError, "dtype"),
    (dict(dtype="U1"), ValueError, "dtype"),
]


def _bad_param_cases():
    for kind, table in (("pooler", BAD_POOLER_PARAMS), ("encoder", BAD_ENCODER_PARAMS)):
        for params, error, match in table:
            for call in ("fit", "refit", "partial_fit_first", "partial_fit_later"):
                if call == "partial_fit_later" and kind == "pooler":
                    # A later call refuses the value itself or, for the
                    # parameters that shape the pooler, any change since
                    # initialisation: either way the message names it.
                    match = "|".join(params)
                yield pytest.param(
                    kind, call, params, error, match,
                    id=f"{kind}-{'-'.join(f'{k}={v!r}' for k, v in params.items())}-{call}",
                )


@pytest.mark.parametrize("kind, call, params, error, match", list(_bad_param_cases()))
def test_bad_hyperparameters_are_refused_and_change_nothing(kind, call, params, error,
                                                            match):
    _, make_data = ESTIMATORS[kind]
    X = make_data()
    estimator = prepared(kind, call, X, params)
    before = snapshot(estimator)
    with pytest.raises(error, match=match):
        invoke(estimator, call, X)
    assert_unchanged(estimator, before)


def test_memory_error_is_also_a_memory_error_and_says_how_much():
    estimator = pooler(n_columns=10**9, potential_pct=1.0)
    with pytest.raises(MemoryError) as info:
        estimator.fit(pooler_data())
    message = str(info.value)
    assert "GiB" in message and "n_columns" in message
    assert not is_fitted(estimator)


def test_memory_guard_counts_local_inhibition_neighbourhoods(monkeypatch):
    # With 1 GiB available, 20000 columns whose neighbourhood is the rest of
    # the layer need 20000 * 19999 int32 indices (1.5 GiB); their potential
    # synapses (one per column) need almost nothing.
    monkeypatch.setattr(memory_module, "available_memory_bytes", lambda: 2**30)

    def must_not_build(*args, **kwargs):
        raise AssertionError("neighbourhoods built before the memory check")

    monkeypatch.setattr(structure_module, "inhibition_neighbourhoods", must_not_build)
    estimator = pooler(n_columns=20000, global_inhibition=False, potential_pct=0.01)
    with pytest.raises(ValueError, match=r"\d+(\.\d+)? GiB"):
        estimator.fit(pooler_data())
    assert not is_fitted(estimator)


@pytest.mark.skipif(gpu_available(), reason="a GPU is usable here")
def test_cupy_backend_without_a_gpu_is_refused_and_changes_nothing():
    X = pooler_data()
    for call in ("fit", "refit", "partial_fit_first", "partial_fit_later"):
        estimator = prepared("pooler", call, X, dict(backend="cupy"))
        before = snapshot(estimator)
        with pytest.raises((RuntimeError, ImportError, ValueError), match="cupy|CuPy"):
            invoke(estimator, call, X)
        assert_unchanged(estimator, before)


# (parameters of the fitted pooler, a change of a structural parameter)
STRUCTURAL_CHANGES = [
    ({}, dict(n_columns=32)),
    ({}, dict(sparsity=0.5)),
    ({}, dict(potential_pct=0.9)),
    ({}, dict(potential_radius=3)),
    ({}, dict(input_shape=(3, 4))),
    ({}, dict(global_inhibition=False)),
    (dict(global_inhibition=False, inhibition_radius=2), dict(inhibition_radius=3)),
    (dict(potential_radius=2), dict(wrap_around=False)),
]


@pytest.mark.parametrize(
    "initial, change", STRUCTURAL_CHANGES,
    ids=[next(iter(change)) for _, change in STRUCTURAL_CHANGES],
)
@pytest.mark.parametrize("call", ["transform", "partial_fit_later"])
def test_structural_changes_after_fit_are_refused_until_fit(call, initial, change):
    """A parameter that shapes the pooler, changed with set_params after
    initialisation, is refused by transform and partial_fit (naming it); the
    next fit initialises the pooler with it."""
    X = pooler_data()
    estimator = pooler(**initial)
    invoke(estimator, "refit" if call == "transform" else call, X)
    estimator.set_params(**change)
    before = snapshot(estimator)
    with pytest.raises(ValueError, match=next(iter(change))):
        invoke(estimator, call, X)
    assert_unchanged(estimator, before)
    estimator.fit(X)
    assert snapshot(estimator) == snapshot(pooler(**{**initial, **change}).fit(X))


@pytest.mark.skipif(len(BACKENDS) < 2, reason="a single backend")
def test_learning_parameters_and_backend_may_change_between_partial_fits():
    """State is plain numpy: a stream may continue on another backend with new
    learning rates and give exactly what the reference gives."""
    X = pooler_data(40)
    changes = dict(permanence_increment=0.1, batch_size=3, boost_strength=5.0)
    reference = pooler(backend="numpy").partial_fit(X[:20])
    reference.set_params(**changes).partial_fit(X[20:])
    for backend in BACKENDS[1:]:
        switched = pooler(backend="numpy").partial_fit(X[:20])
        switched.set_params(backend=backend, **changes).partial_fit(X[20:])
        assert_same_state(switched, reference)
        np.testing.assert_array_equal(
            switched.transform(X).toarray(), reference.transform(X).toarray()
        )


# --------------------------------------------------------------------------
# 2. Failures inside a backend change nothing


def _vandalise(state):
    """Write nonsense into every array learning may modify, as a kernel that
    crashes half-way through its writes could."""
    state.permanences[:] = 0.123
    state.active_duty_cycles[:] = 0.5
    state.overlap_duty_cycles[:] = 0.25
    state.min_overlap_duty_cycles[:] = 0.75
    state.boost_factors[:] = 7.0
    state.n_samples_seen += 1000


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("exception", [RuntimeError, KeyboardInterrupt, MemoryError])
@pytest.mark.parametrize("call", ["fit", "refit", "partial_fit_first", "partial_fit_later"])
@pytest.mark.parametrize("failing_call", [1, 3])
def test_failure_inside_learning_changes_nothing(monkeypatch, backend, exception, call,
                                                 failing_call):
    """The backend's learn modifies the state it was given and then raises,
    on its first call or after two chunks have been learned."""
    # Chunks of 4 rows (2 batches of 2): 20 rows take 5 calls per pass.
    monkeypatch.setattr(get_backend(backend), "chunk_rows", 4)
    X = pooler_data()
    params = dict(backend=backend, batch_size=2, max_iter=2)
    estimator = prepared("pooler", call, X)
    estimator.set_params(**params)
    twin = clone(estimator) if call in ("fit", "partial_fit_first") else pickle.loads(
        pickle.dumps(estimator))
    before = snapshot(estimator)

    module = get_backend(backend)
    real_learn = module.learn
    calls = []

    def failing_learn(config, state, rows, batch_size):
        calls.append(rows.shape[0])
        real_learn(config, state, rows, batch_size)
        if len(calls) == failing_call:
            _vandalise(state)
            raise exception("injected failure")

    monkeypatch.setattr(module, "learn", failing_learn)
    with pytest.raises(exception, match="injected failure"):
        invoke(estimator, call, X)
    assert calls == [4] * failing_call
    assert_unchanged(estimator, before)
    if call in ("fit", "partial_fit_first"):
        assert not is_fitted(estimator)

    # Nothing leaked anywhere else either: the same call, without the
    # failure, gives exactly what it gives on a twin that never failed.
    monkeypatch.setattr(module, "learn", real_learn)
    invoke(estimator, call, X)
    invoke(twin, call, X)
    assert snapshot(estimator) == snapshot(twin)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("exception", [RuntimeError, KeyboardInterrupt])
def test_failure_inside_transform_changes_nothing(monkeypatch, backend, exception):
    X = pooler_data()
    estimator = pooler(backend=backend).fit(X)
    before = snapshot(estimator)
    expected = estimator.transform(X).toarray()
    module = get_backend(backend)

    def failing_infer(config, state, rows):
        raise exception("injected failure")

    monkeypatch.setattr(module, "infer", failing_infer)
    with pytest.raises(exception, match="injected failure"):
        estimator.transform(X)
    assert_unchanged(estimator, before)
    monkeypatch.undo()
    np.testing.assert_array_equal(estimator.transform(X).toarray(), expected)


# --------------------------------------------------------------------------
# 3. Results never drift


# Two configurations that exercise every code path: global inhibition with
# batches and several passes; local inhibition with a topology.
FINGERPRINT_CONFIGS = {
    "global": dict(n_columns=64, sparsity=0.1, batch_size=4, max_iter=2,
                   duty_cycle_period=50, update_period=10, random_state=3),
    "local": dict(n_columns=(8, 8), input_shape=(8, 6), potential_radius=2,
                  global_inhibition=False, sparsity=0.15, boost_strength=5.0,
                  duty_cycle_period=50, update_period=10, random_state=4),
}


def fingerprints(backends=None):
    """SHA-256 of the learned state and the SDRs of every backend and
    configuration, computed the same way in this process and in others.

    The 256 rows are enough for the numba backend to split transforms over
    several threads.
    """
    X = random_binary(np.random.RandomState(42), 256, 48, 0.25)
    digests = {}
    for backend in backends or available_backends():
        for name, params in FINGERPRINT_CONFIGS.items():
            estimator = SpatialPoolerTransformer(**params, backend=backend).fit(X)
            sdr = estimator.transform(X)
            digest = hashlib.sha256()
            for array in (
                sdr.indptr.astype(np.int64), sdr.indices.astype(np.int64),
                estimator.permanences_.data, estimator.potential_pools_.indices,
                estimator.active_duty_cycles_, estimator.overlap_duty_cycles_,
                estimator.min_overlap_duty_cycles_, estimator.boost_factors_,
            ):
                digest.update(np.ascontiguousarray(array).tobytes())
            digests[f"{backend}/{name}"] = digest.hexdigest()
    return digests


@pytest.fixture(scope="module")
def reference_fingerprints():
    return fingerprints()


def test_every_backend_gives_the_same_fingerprint(reference_fingerprints):
    for name in FINGERPRINT_CONFIGS:
        found = {b: reference_fingerprints[f"{b}/{name}"] for b in BACKENDS}
        assert len(set(found.values())) == 1, (name, found)


def test_another_process_gives_the_same_fingerprints(reference_fingerprints):
    """A fresh interpreter, another hash seed and another thread count."""
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONHASHSEED="12345", NUMBA_NUM_THREADS="3",
               OMP_NUM_THREADS="1", PYTHONPATH=str(root))
    code = (
        "import json; from tests.test_reliability import fingerprints; "
        "print(json.dumps(fingerprints()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True,
        text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == reference_fingerprints


@pytest.mark.skipif("numba" not in BACKENDS, reason="numba backend not available")
def test_numba_thread_count_does_not_change_results(reference_fingerprints):
    import numba

    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = fingerprints(["numba"])
    finally:
        numba.set_num_threads(threads)
    assert single == {k: v for k, v in reference_fingerprints.items() if k in single}


def assert_concurrent_equals_serial(estimator, X):
    """Transforms of overlapping slices of X from 4 threads at once equal
    the same transforms made one after the other."""
    n = X.shape[0]
    pieces = [slice(0, n), slice(0, 1), slice(17, n - 70), slice(n // 2, n)] * 4
    serial = [estimator.transform(X[piece]).toarray() for piece in pieces]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda piece: estimator.transform(X[piece]).toarray(),
                                 pieces))
    for expected, found in zip(serial, parallel):
        np.testing.assert_array_equal(found, expected)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("global_inhibition", [True, False])
def test_concurrent_transforms_equal_serial_ones(backend, global_inhibition):
    X = random_binary(np.random.RandomState(5), 300, 40, 0.3)
    estimator = pooler(n_columns=48, backend=backend, global_inhibition=global_inhibition,
                       inhibition_radius=5, random_state=1).fit(X[:100])
    before = snapshot(estimator)
    assert_concurrent_equals_serial(estimator, X)
    assert_unchanged(estimator, before)


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_fits_equal_serial_ones(backend):
    """Fits of several poolers in threads at once (a grid search on the
    threading backend) give what the same fits give one after the other."""
    X = random_binary(np.random.RandomState(7), 120, 30, 0.3)
    configs = [dict(random_state=seed, batch_size=batch, global_inhibition=gi)
               for seed, batch, gi in [(0, 1, True), (1, 4, True), (2, 1, False), (3, 2, False)]]

    def fit(params):
        return pooler(n_columns=32, backend=backend, inhibition_radius=3, **params).fit(X)

    serial = [fit(params) for params in configs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(fit, configs))
    for expected, found in zip(serial, parallel):
        assert snapshot(found) == snapshot(expected)


def test_concurrent_encoder_transforms_equal_serial_ones():
    X = encoder_data(200)
    estimator = encoder(encoding="thermometer").fit(X)
    assert_concurrent_equals_serial(estimator, X)


def _read_only(X):
    X = X.copy()
    X.setflags(write=False)
    return X


def _memmap(X, directory):
    path = directory / f"X-{X.dtype}.dat"
    written = np.memmap(path, dtype=X.dtype, mode="w+", shape=X.shape)
    written[:] = X
    written.flush()
    del written
    return np.memmap(path, dtype=X.dtype, mode="r", shape=X.shape)


def _strided(X):
    wide = np.zeros((X.shape[0], 2 * X.shape[1]), dtype=X.dtype)
    wide[:, ::2] = X
    return wide[:, ::2]


def _messy_csr(X):
    """CSR with unsorted indices, an explicit zero per row (sometimes a
    duplicate of a stored entry, which adds nothing) and int64 indices."""
    X = sp.csr_matrix(X)
    indptr, indices, data = [0], [], []
    for row in range(X.shape[0]):
        cols = X.indices[X.indptr[row]:X.indptr[row + 1]][::-1]
        vals = X.data[X.indptr[row]:X.indptr[row + 1]][::-1]
        indices.extend([*cols, (row * 7) % X.shape[1]])
        data.extend([*vals, 0.0])
        indptr.append(len(indices))
    messy = sp.csr_matrix(
        (np.array(data), np.array(indices, dtype=np.int64),
         np.array(indptr, dtype=np.int64)), shape=X.shape,
    )
    messy.has_sorted_indices = False
    assert np.array_equal(messy.toarray(), X.toarray())
    return messy


def _pandas(X):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(X)


# Each format holds exactly the same values (integers 0..3, exact in every dtype).
INPUT_FORMATS = {
    "float32": lambda X, tmp: X.astype(np.float32),
    "int64": lambda X, tmp: X.astype(np.int64),
    "int8": lambda X, tmp: X.astype(np.int8),
    "uint8": lambda X, tmp: X.astype(np.uint8),
    "fortran": lambda X, tmp: np.asfortranarray(X),
    "float32_fortran": lambda X, tmp: np.asfortranarray(X, dtype=np.float32),
    "read_only": lambda X, tmp: _read_only(X),
    "memmap": lambda X, tmp: _memmap(X, tmp),
    "memmap_float32": lambda X, tmp: _memmap(X.astype(np.float32), tmp),
    "strided": lambda X, tmp: _strided(X),
    "list": lambda X, tmp: X.tolist(),
    "pandas": lambda X, tmp: _pandas(X),
    "csr": lambda X, tmp: sp.csr_matrix(X),
    "csr_float32": lambda X, tmp: sp.csr_matrix(X, dtype=np.float32),
    "csr_array": lambda X, tmp: sp.csr_array(X),
    "csc": lambda X, tmp: sp.csc_matrix(X),
    "coo": lambda X, tmp: sp.coo_matrix(X),
    "csr_messy": lambda X, tmp: _messy_csr(X),
    "csr_read_only": lambda X, tmp: _read_only_csr(X),
}


def _read_only_csr(X):
    X = sp.csr_matrix(X)
    for array in (X.data, X.indices, X.indptr):
        array.setflags(write=False)
    return X


def format_data():
    """Integers 0..3 (exact in every dtype); with binarize=0.5, 1..3 are active."""
    rng = np.random.RandomState(9)
    return (rng.randint(0, 4, size=(40, 30)) * (rng.random_sample((40, 30)) < 0.4)).astype(
        np.float64
    )


@pytest.fixture(scope="module")
def format_references():
    """State and SDRs from float64 C-ordered input, per backend."""
    X = format_data()
    references = {}
    for backend in BACKENDS:
        estimator = pooler(n_columns=32, backend=backend, binarize=0.5, batch_size=3).fit(X)
        references[backend] = (estimator, estimator.transform(X).toarray())
    return references


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", INPUT_FORMATS)
def test_every_input_format_gives_the_same_result(tmp_path, format_references, backend,
                                                  fmt):
    X = format_data()
    reference, expected = format_references[backend]
    converted = INPUT_FORMATS[fmt](X, tmp_path)
    fitted = pooler(n_columns=32, backend=backend, binarize=0.5, batch_size=3).fit(converted)
    assert_same_state(fitted, reference)
    np.testing.assert_array_equal(fitted.transform(converted).toarray(), expected)
    np.testing.assert_array_equal(reference.transform(converted).toarray(), expected)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", ["bool", "int8", "csr_bool", "float32"])
def test_binary_formats_with_binarize_none(backend, fmt):
    X = random_binary(np.random.RandomState(8), 30, 20, 0.3)
    convert = {
        "bool": lambda X: X.astype(bool),
        "int8": lambda X: X.astype(np.int8),
        "csr_bool": lambda X: sp.csr_matrix(X.astype(bool)),
        "float32": lambda X: X.astype(np.float32),
    }[fmt]
    reference = pooler(backend=backend, binarize=None).fit(X)
    fitted = pooler(backend=backend, binarize=None).fit(convert(X))
    assert_same_state(fitted, reference)
    np.testing.assert_array_equal(
        fitted.transform(convert(X)).toarray(), reference.transform(X).toarray()
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("global_inhibition", [True, False])
def test_read_only_memory_mapped_state_gives_the_same_results(tmp_path, backend,
                                                              global_inhibition):
    """A pooler loaded with joblib's mmap_mode="r" (as joblib and Dask workers
    get it) holds read-only memory maps; transform and partial_fit must work
    on them and give what the in-memory pooler gives."""
    joblib = pytest.importorskip("joblib")
    X = random_binary(np.random.RandomState(6), 200, 40, 0.3)
    fitted = pooler(n_columns=64, backend=backend, global_inhibition=global_inhibition,
                    inhibition_radius=4).fit(X[:100])
    joblib.dump(fitted, tmp_path / "pooler.joblib")
    mapped = joblib.load(tmp_path / "pooler.joblib", mmap_mode="r")
    assert isinstance(mapped._state.permanences, np.memmap)
    assert not mapped._state.permanences.flags.writeable
    np.testing.assert_array_equal(mapped.transform(X).toarray(), fitted.transform(X).toarray())
    mapped.partial_fit(X[100:])
    fitted.partial_fit(X[100:])
    assert_same_state(mapped, fitted)
    np.testing.assert_array_equal(mapped.transform(X).toarray(), fitted.transform(X).toarray())


@pytest.mark.parametrize("call", ["fit", "transform"])
def test_negative_binarize_is_consistent_or_refused_for_sparse_input(call):
    """Sparse input with a negative threshold must be refused (as
    sklearn.preprocessing.binarize refuses it) or agree with dense input."""
    X = pooler_data()
    dense = pooler(binarize=-0.5).fit(X)
    estimator = pooler(binarize=-0.5)
    if call == "transform":
        estimator.fit(X)
    before = snapshot(estimator)
    try:
        result = invoke(estimator, call, sp.csr_matrix(X))
    except ValueError as error:
        assert "binarize" in str(error)
        assert_unchanged(estimator, before)
        return
    if call == "fit":
        assert_same_state(result, dense)
    else:
        np.testing.assert_array_equal(result.toarray(), dense.transform(X).toarray())


ENCODER_FORMATS = ("float32", "int64", "uint8", "fortran", "read_only", "memmap",
                   "strided", "list", "pandas")


@pytest.mark.parametrize("encoding", ["onehot", "thermometer"])
@pytest.mark.parametrize("fmt", ENCODER_FORMATS)
def test_encoder_input_formats_give_the_same_result(tmp_path, encoding, fmt):
    X = encoder_data(30)  # integers 0..16: exact in every dtype
    reference = encoder(encoding=encoding).fit(X)
    expected = reference.transform(X).toarray()
    converted = INPUT_FORMATS[fmt](X, tmp_path)
    fitted = encoder(encoding=encoding).fit(converted)
    assert (fitted.data_min_, fitted.data_max_) == (reference.data_min_, reference.data_max_)
    np.testing.assert_array_equal(fitted.transform(converted).toarray(), expected)
