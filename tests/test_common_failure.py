"""The failure rule, once for every estimator that learns from rows
(sklearn_htm/_core/failure.py, sklearn_htm/_core/layer.py):

- a call refused for its input changes nothing;
- a ``fit`` that fails changes nothing (an unfitted estimator stays
  unfitted, a fitted one keeps its pickle bytes);
- a ``partial_fit`` that fails while learning keeps the rows learned before
  the failure, a prefix of X, as if it had been given only those rows
  (``n_samples_seen_`` says how many; the Spatial Pooler's prefix is always
  empty), and continuing with the rest of X gives the bits of an
  uninterrupted run.

Failures (RuntimeError, KeyboardInterrupt) are injected inside a backend's
``learn`` on its k-th call (the anomaly detector's and the forecaster's:
their Temporal Memory's), with chunks of 3 rows so that X spans several;
the likelihood and the classifier, which have no backend, fail in their
per-row computation.
"""

import pickle

import numpy as np
import pandas as pd
import pytest

from ._common_cases import (
    CASES as ALL_CASES,
    FAILING_CASES,
    assert_same_outputs,
    assert_same_state,
    inject,
    is_fitted,
    part,
    per_call,
    seen,
    small_chunks,
)

CHUNK = 3
N_BEFORE, N_CALL = 8, 24  # rows of the call before, of the call that fails
EXCEPTIONS = [RuntimeError, KeyboardInterrupt]
CASES = [pytest.param(case, id=case.id) for case in FAILING_CASES]


# Bugs these tests found: (case id, condition on the test's parameters, reason).
KNOWN_BUGS = [
]


def mark_known_bugs(request, case, **params):
    for case_ids, applies, reason in KNOWN_BUGS:
        if case.id in ((case_ids,) if isinstance(case_ids, str) else case_ids) and applies(
                params):
            request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.fixture
def chunks(monkeypatch):
    small_chunks(monkeypatch, CHUNK)


def fed(case, *parts):
    """A new estimator given the parts (skipping empty ones) by partial_fit."""
    estimator = case.make()
    for rows in parts:
        if len(rows["X"]):
            estimator.partial_fit(**rows)
    return estimator


def failed_partial_fit(case, monkeypatch, call, k, mode, exception):
    """(estimator after the failed call, rows before, rows of the call, rows kept)."""
    data = case.data(N_BEFORE + N_CALL, 0)
    before = part(data, 0, N_BEFORE if call == "later" else 0)
    X = part(data, N_BEFORE)
    estimator = fed(case, before)
    n_before = seen(estimator)
    calls = inject(monkeypatch, case, exception, k, mode)
    with pytest.raises(exception, match="injected failure"):
        estimator.partial_fit(**X)
    assert len(calls) >= k
    kept = seen(estimator) - n_before
    assert 0 <= kept < N_CALL
    return estimator, before, X, kept


@pytest.mark.parametrize("exception", EXCEPTIONS)
@pytest.mark.parametrize("k, mode", [(1, "before"), (3, "before"), (3, "inside")])
@pytest.mark.parametrize("call", ["first", "later"])
@pytest.mark.parametrize("case", CASES)
def test_a_failed_partial_fit_keeps_a_prefix(case, call, k, mode, exception, monkeypatch,
                                              chunks, request):
    mark_known_bugs(request, case, call=call, k=k, mode=mode)
    estimator, before, X, kept = failed_partial_fit(case, monkeypatch, call, k, mode,
                                                    exception)
    if case.prefix == "empty" or (case.prefix == "chunks" and call == "first"):
        assert kept == 0  # learns on a copy (the pooler); a new stream is all or nothing
    elif case.prefix == "chunks":
        assert kept == (k - 1) * CHUNK + (mode == "inside")
    # What it kept is what a new estimator given only those rows has.
    assert is_fitted(estimator) == bool(seen(estimator) or call == "later")
    assert_same_state(estimator, fed(case, before, part(X, 0, kept)))
    # The rest of X continues it as if nothing had failed.
    uninterrupted = fed(case, before, X)
    estimator.partial_fit(**part(X, kept))
    assert_same_state(estimator, uninterrupted)
    expected = per_call(uninterrupted)
    for name, value in per_call(estimator).items():
        np.testing.assert_array_equal(value, expected[name][kept:], err_msg=name)


@pytest.mark.parametrize("case", CASES)
def test_a_failed_partial_fit_reports_the_rows_it_kept(case, monkeypatch, chunks, request):
    """The last call's attributes (anomaly_, anomaly_score_, forecast_,
    likelihood_ ...) are those of the rows kept, as for a call given only
    those rows (or those of the call before, when it kept none)."""
    mark_known_bugs(request, case, call="later", k=3, mode="inside", test="reports")
    estimator, before, X, kept = failed_partial_fit(case, monkeypatch, "later", 3, "inside",
                                                    RuntimeError)
    expected = fed(case, before, part(X, 0, kept))
    assert_same_outputs(estimator, expected)
    assert_same_state(estimator, expected)


@pytest.mark.parametrize("exception", EXCEPTIONS)
@pytest.mark.parametrize("fitted", [False, True], ids=["unfitted", "fitted"])
@pytest.mark.parametrize("case", CASES)
def test_a_failed_fit_changes_nothing(case, fitted, exception, monkeypatch, chunks):
    data = case.data(N_BEFORE + N_CALL, 0)
    X = part(data, N_BEFORE)
    estimator = fed(case, part(data, 0, N_BEFORE if fitted else 0))
    before = pickle.dumps(estimator)
    inject(monkeypatch, case, exception, 2, "inside")
    with pytest.raises(exception, match="injected failure"):
        estimator.fit(**X)
    assert pickle.dumps(estimator) == before
    assert is_fitted(estimator) == fitted
    # Nothing leaked: the same fit now gives what it gives a new estimator.
    estimator.fit(**X)
    twin = case.make().fit(**X)
    assert_same_state(estimator, twin)
    assert_same_outputs(estimator, twin)


def with_bad_last_row(X):
    """X with a missing value in its last row (NaN, or NaT for timestamps)."""
    X = X.copy()
    if isinstance(X, pd.DataFrame):
        X.iloc[-1, X.columns.get_loc("value")] = np.nan
    elif X.dtype.kind == "M":
        X[-1, -1] = np.datetime64("NaT")
    else:
        X[-1, -1] = np.nan
    return X


@pytest.mark.parametrize("method", ["partial_fit", "fit"])
@pytest.mark.parametrize("case", [pytest.param(case, id=case.id)
                                  for case in ALL_CASES])
def test_a_refused_call_changes_nothing(case, method):
    """A call refused for its input (a missing value in its last row) learns
    none of the rows before it: the estimator keeps its pickle bytes."""
    data = case.data(N_BEFORE + N_CALL, 0)
    estimator = fed(case, part(data, 0, N_BEFORE))
    before = pickle.dumps(estimator)
    bad = part(data, N_BEFORE)
    bad["X"] = with_bad_last_row(bad["X"])
    with pytest.raises(ValueError):
        getattr(estimator, method)(**bad)
    assert pickle.dumps(estimator) == before
