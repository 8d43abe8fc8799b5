"""Tests by contract over every public estimator that learns from rows
(tests/_common_cases.py lists them; the failure rule is in
tests/test_common_failure.py):

1. ``partial_fit`` over X in pieces of any sizes (and the layers' chunks
   of any size) learns what one ``partial_fit`` over X learns, and the
   pieces' per-call attributes are the one call's, cut;
2. a model saved mid-stream (pickle; skops with the package's trusted types
   only) loads equal and continues exactly;
3. ``verbose=0`` prints nothing, a first numba compile included;
   ``verbose=1`` makes ``fit`` report progress under the class's name;
4. the estimators not run through scikit-learn's ``parametrize_with_checks``
   elsewhere: ``check_is_fitted``, ``clone`` and ``get_params`` round trips.
"""

import inspect
import io
import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ._common_cases import (
    CASES,
    LAYERS,
    assert_same_outputs,
    assert_same_state,
    is_fitted,
    n_rows,
    part,
    per_call,
    small_chunks,
)

ALL = [pytest.param(case, id=case.id) for case in CASES]
N_ROWS = 30

# ------------------------------------------------------------------------
# 1. Chunk invariance


@pytest.mark.filterwarnings("ignore:The range learned")  # an encoder's one-row piece
@pytest.mark.parametrize("case", ALL)
@settings(max_examples=4, deadline=None)
@example(cuts=[1, 2, 9, 10, 21], chunk=2)  # one-row pieces, pieces across chunks
@given(cuts=st.lists(st.integers(1, N_ROWS - 1), max_size=5, unique=True),
       chunk=st.integers(1, 4))
def test_partial_fit_over_pieces_equals_one_call(case, cuts, chunk):
    data = case.data(N_ROWS, 1)
    whole = case.make().partial_fit(**data)
    pieces = case.make()
    bounds = [0, *sorted(cuts), N_ROWS]
    outputs = []
    with pytest.MonkeyPatch.context() as monkeypatch:
        small_chunks(monkeypatch, chunk)  # and the layers' learn calls of `chunk` rows
        for start, stop in zip(bounds[:-1], bounds[1:]):
            pieces.partial_fit(**part(data, start, stop))
            outputs.append(per_call(pieces))
    assert_same_state(pieces, whole)
    for name, value in per_call(whole).items():
        np.testing.assert_array_equal(np.concatenate([out[name] for out in outputs]), value,
                                      err_msg=name)
    np.testing.assert_array_equal(case.probe(pieces, data), case.probe(whole, data))


@pytest.mark.parametrize("batch_size", [2, 3])
def test_pooler_pieces_of_whole_batches_equal_one_call(batch_size):
    """With batch_size > 1 a learning step is ``batch_size`` rows of one call:
    pieces of whole batches learn what one call learns."""
    case = next(case for case in CASES if case.id == "SpatialPoolerTransformer-numba")
    X = case.data(8 * batch_size, 2)["X"]
    whole = case.make().set_params(batch_size=batch_size).partial_fit(X)
    pieces = case.make().set_params(batch_size=batch_size)
    for start, stop in [(0, batch_size), (batch_size, 4 * batch_size), (4 * batch_size, None)]:
        pieces.partial_fit(X[start:stop])
    assert_same_state(pieces, whole)
    assert pieces.n_samples_seen_ == X.shape[0]


# ------------------------------------------------------------------------
# 2. Saved mid-stream


def pickle_round_trip(model):
    return pickle.loads(pickle.dumps(model))


def skops_round_trip(model):
    skops_io = pytest.importorskip("skops.io")
    from sklearn_htm.persistence import SKOPS_TRUSTED_TYPES

    buffer = io.BytesIO()
    skops_io.dump(model, buffer)
    return skops_io.load(io.BytesIO(buffer.getvalue()), trusted=list(SKOPS_TRUSTED_TYPES))


ROUND_TRIPS = {"pickle": pickle_round_trip, "skops": skops_round_trip}


@pytest.mark.parametrize("round_trip", ROUND_TRIPS)
@pytest.mark.parametrize("case", ALL)
def test_saved_between_two_calls_continues_exactly(case, round_trip):
    data = case.data(N_ROWS, 3)
    model = case.make().partial_fit(**part(data, 0, 18))
    copy = ROUND_TRIPS[round_trip](model)
    assert copy is not model and type(copy) is type(model)
    assert copy.get_params(deep=False).keys() == model.get_params(deep=False).keys()
    assert_same_state(copy, model)
    assert_same_outputs(copy, model)
    np.testing.assert_array_equal(case.probe(copy, data), case.probe(model, data))
    model.partial_fit(**part(data, 18))
    copy.partial_fit(**part(data, 18))
    assert_same_state(copy, model)
    assert_same_outputs(copy, model)
    np.testing.assert_array_equal(case.probe(copy, data), case.probe(model, data))


# ------------------------------------------------------------------------
# 3. verbose

VERBOSE = [param for param in ALL if "verbose" in param.values[0].make().get_params()]


@pytest.mark.parametrize("case", VERBOSE)
def test_verbose_0_prints_nothing(case, capfd):
    data = case.data(N_ROWS, 4)
    model = case.make().set_params(verbose=0)
    model.fit(**part(data, 0, 12))
    model.partial_fit(**part(data, 12, 20))
    model.partial_fit(**part(data, 20))  # one call of several of the layers' chunks
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("case", VERBOSE)
def test_verbose_1_fit_reports_progress_under_the_class_name(case, capsys):
    data = case.data(N_ROWS, 4)
    model = case.make().set_params(verbose=1).fit(**data)
    out = capsys.readouterr().out
    name = type(model).__name__
    rows = n_rows(data) * getattr(model, "max_iter", 1)
    assert re.search(rf"^\[{name}\.fit\] {rows}/{rows} samples \(100%\)", out, re.M), out


FIRST_COMPILE = """
import json, sys, warnings
import numpy as np
from sklearn_htm import TemporalMemoryTransformer

X = (np.random.RandomState(0).random_sample((12, 16)) < 0.25).astype(float)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    tm = TemporalMemoryTransformer(n_cells_per_column=2, activation_threshold=2,
                                   min_threshold=1, max_new_synapse_count=3,
                                   random_state=0, backend="numba", verbose=0)
    tm.fit(X).partial_fit(X)
with open(sys.argv[1], "w") as out:
    json.dump([w.category.__name__ for w in caught], out)
"""


@pytest.mark.slow
def test_verbose_0_prints_nothing_on_a_first_compile(tmp_path):
    """A new numba cache: the Temporal Memory's kernels compile (a minute at
    most) and nothing reaches stdout or stderr; a KernelCompileWarning may."""
    cache = tmp_path / "numba_cache"
    cache.mkdir()
    record = tmp_path / "warnings.json"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", FIRST_COMPILE, str(record)], env=env,
                          cwd=Path(__file__).resolve().parents[1], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")
    assert set(json.loads(record.read_text())) <= {"KernelCompileWarning"}
    assert any(cache.rglob("*.nbi")), "nothing compiled into the new cache"


# ------------------------------------------------------------------------
# 4. Fitted check, clone, parameters (the estimators that scikit-learn's
# parametrize_with_checks does not run over in their own modules)

UNCHECKED = ["HTMAnomalyDetector-backtracking", "MultiStreamDetector", "HTMForecaster", "ScalarEncoder",
             "RandomDistributedScalarEncoder", "DateEncoder"]


def _params(model):
    """The parameters, an estimator-valued one by its class and parameters
    (a clone holds an equal estimator, not the same one)."""
    return {name: (type(value), _params(value)) if hasattr(value, "get_params") else value
            for name, value in model.get_params(deep=False).items()}


@pytest.mark.parametrize("case", [param for param in ALL if param.id in UNCHECKED])
def test_fitted_check_clone_and_params_round_trip(case):
    model = case.make()
    params = _params(model)
    assert set(params) == set(inspect.signature(type(model)).parameters)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    data = case.data(N_ROWS, 5)
    model.fit(**data)
    check_is_fitted(model)
    assert _params(model) == params  # fit changes no parameter
    copy = clone(model)
    assert not is_fitted(copy) and _params(copy) == params
    assert _params(clone(copy).set_params(**model.get_params(deep=False))) == params
    copy.fit(**data)
    assert_same_state(copy, model)
    assert_same_outputs(copy, model)
    np.testing.assert_array_equal(case.probe(copy, data), case.probe(model, data))


def test_every_public_learning_estimator_is_a_case():
    """A new public estimator with partial_fit joins the common tests."""
    import sklearn_htm

    public = {name for name in sklearn_htm.__all__
              if hasattr(getattr(sklearn_htm, name), "partial_fit")}
    covered = {case.id.split("-")[0] for case in CASES}
    assert public == covered
    assert {cls.__name__ for cls in LAYERS} <= covered
