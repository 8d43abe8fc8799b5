"""The kinds of X, not only its values: every public estimator that learns
from rows (the common cases) takes X as its docstring promises: a list of
rows, a DataFrame whose columns have any names and whose index is anything
(rows are read by position), Fortran-ordered and read-only arrays, and, for
binary rows, a sparse matrix or array in every scipy format; each gives what
the C-ordered ndarray gives, in what is learned, in each call's outputs and
in what a later call computes without learning."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from ._common_cases import (
    CASES,
    assert_same_outputs,
    binary,
    fingerprint,
    labelled,
    part,
    series,
)

N_ROWS = 40
CUT = 17

#: Cases whose X is an array (the layers, the classifier, the likelihood,
#: the encoders); binary ones also take sparse input.
ARRAY_CASES = [case for case in CASES if case.data not in (series,)
               and case.id != "MultiStreamDetector"]
BINARY_CASES = [case for case in ARRAY_CASES if case.data in (binary, labelled)]
FRAME_CASES = [case for case in CASES if case.data is series]

SPARSE_KINDS = {
    **{f"{fmt}_matrix": (lambda X, fmt=fmt: sp.csr_matrix(X).asformat(fmt))
       for fmt in ("csr", "csc", "coo", "lil", "dok", "bsr", "dia")},
    **{f"{fmt}_array": (lambda X, fmt=fmt: sp.csr_array(X).asformat(fmt))
       for fmt in ("csr", "csc", "coo")},
}


def _read_only(X):
    X = np.array(X)
    X.setflags(write=False)
    return X


def _frame(X):
    """A DataFrame with column names of any kind and an index that is not
    0..n-1 (rows must be read by position)."""
    n = len(X)
    columns = [f"feature {j}" for j in range(X.shape[1])]
    return pd.DataFrame(X, columns=columns, index=np.arange(n)[::-1] * 7 + 3)


#: The method each case's output is probed with (on the first 10 rows).
PROBES = {
    "SpatialPoolerTransformer": "transform",
    "TemporalMemoryTransformer": "transform",
    "BacktrackingTM": "anomaly_score",
    "SDRClassifier": "predict_proba",
    "ScalarEncoder": "transform",
    "RandomDistributedScalarEncoder": "transform",
    "GreyscaleEncoder": "transform",
    "DateEncoder": "transform",
}

ARRAY_KINDS = {
    "list": lambda X: X.tolist(),
    "fortran": np.asfortranarray,
    "read_only": _read_only,
    "frame": _frame,
}


def _run(case, convert):
    """Learn the case's rows in two calls with X converted, then probe."""
    data = case.data(N_ROWS, 0)
    estimator = case.make()
    for start, stop in ((0, CUT), (CUT, None)):
        rows = part(data, start, stop)
        rows["X"] = convert(rows["X"])
        estimator.partial_fit(**rows)
    rows = part(data, 0, 10)
    rows["X"] = convert(rows["X"])
    method = next((m for prefix, m in PROBES.items() if case.id.startswith(prefix)), None)
    if method is None:  # the case's own probe (it reads data the way it needs)
        probe = None if case.probe is None else case.probe(estimator, rows)
    else:
        output = getattr(estimator, method)(rows["X"])
        probe = output.toarray() if hasattr(output, "toarray") else np.asarray(output)
    return estimator, probe


def _assert_same(estimator, probe, reference, reference_probe):
    learned = {k: v for k, v in fingerprint(estimator).items() if k != "feature_names_in_"}
    expected = {k: v for k, v in fingerprint(reference).items() if k != "feature_names_in_"}
    assert learned.keys() == expected.keys()
    assert [k for k in learned if learned[k] != expected[k]] == []
    assert_same_outputs(estimator, reference)
    if reference_probe is not None:
        np.testing.assert_array_equal(np.asarray(probe), np.asarray(reference_probe))


@pytest.fixture(scope="module")
def references():
    return {}


def _reference(references, case):
    if case.id not in references:
        references[case.id] = _run(case, np.asarray)
    return references[case.id]


@pytest.mark.filterwarnings("ignore:The rows of X have at most")
@pytest.mark.parametrize("kind", list(ARRAY_KINDS))
@pytest.mark.parametrize("case", ARRAY_CASES, ids=lambda c: c.id)
def test_every_array_kind_gives_what_the_array_gives(case, kind, references):
    estimator, probe = _run(case, ARRAY_KINDS[kind])
    _assert_same(estimator, probe, *_reference(references, case))
    if kind == "frame":
        assert list(estimator.feature_names_in_) == [
            f"feature {j}" for j in range(estimator.n_features_in_)]


@pytest.mark.filterwarnings("ignore:The rows of X have at most")
@pytest.mark.parametrize("kind", list(SPARSE_KINDS))
@pytest.mark.parametrize("case", BINARY_CASES, ids=lambda c: c.id)
def test_binary_rows_in_every_sparse_format_give_what_the_array_gives(case, kind,
                                                                      references):
    estimator, probe = _run(case, SPARSE_KINDS[kind])
    _assert_same(estimator, probe, *_reference(references, case))


def _renamed(X):
    """The stream's frame with another value column name and an index of
    labels out of order."""
    frame = X.rename(columns={"value": "reading (kW)"})
    return frame.set_axis([f"row {i}" for i in range(len(frame))][::-1])


@pytest.mark.parametrize("case", FRAME_CASES, ids=lambda c: c.id)
def test_a_stream_frame_with_any_value_name_and_index_gives_the_same(case, references):
    estimator, probe = _run(case, _renamed)
    _assert_same(estimator, probe, *_reference(references, case))
