"""TemporalMemoryTransformer as a scikit-learn estimator: common checks,
parameters, validation, fitted attributes and failure atomicity."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_htm import TemporalMemoryTransformer

# The Temporal Memory reads its rows as one sequence in time: a row's output
# depends on the rows before it. The checks below feed the same rows in
# another order, or a subset of them, and expect each row's output to stay
# the same; for a sequence memory that would be a bug, not a feature.
ORDER_DEPENDENT = {
    "check_methods_subset_invariance": "a row's cells depend on the rows before it",
    "check_methods_sample_order_invariance": "a row's cells depend on the rows before it",
}


def small_tm(**params):
    defaults = dict(n_cells_per_column=4, activation_threshold=2, min_threshold=1,
                    max_new_synapse_count=4, random_state=0)
    defaults.update(params)
    return TemporalMemoryTransformer(**defaults)


@parametrize_with_checks(
    [small_tm(), small_tm(backend="numpy", sparse_output=False, output="winner_cells")],
    expected_failed_checks=lambda estimator: ORDER_DEPENDENT,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def random_sequence(n_rows, n_columns=32, density=0.15, seed=0):
    rng = np.random.RandomState(seed)
    return (rng.rand(n_rows, n_columns) < density).astype(np.uint8)


def snapshot(tm):
    """Everything a call may change, as comparable values."""
    state = tm._state
    return (
        tuple(map(np.ndarray.tobytes, (a for a in tm.connections_ if isinstance(a, np.ndarray)))),
        tm.connections_.next_serial, tm.connections_.iteration,
        state.rng.tobytes(), state.active_cells.tobytes(), state.winner_cells.tobytes(),
        state.n_samples_seen, tm.anomaly_.tobytes(),
    )


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize(
    "bad, message",
    [
        (np.full((3, 16), np.nan), "NaN"),
        (np.ones((3, 17)), "features"),
        (np.full((3, 32), 0.5), "binary"),
        (np.ones((0, 32)), "sample"),
    ],
)
def test_failed_partial_fit_leaves_state(backend, bad, message):
    tm = small_tm(backend=backend, binarize=None).partial_fit(random_sequence(20))
    before = snapshot(tm)
    if bad.shape[1] == 16:
        bad = np.hstack([bad, bad])
    with pytest.raises(ValueError, match=message):
        tm.partial_fit(bad)
    assert snapshot(tm) == before


def test_bad_sequence_starts_refused_with_state_intact():
    tm = small_tm().partial_fit(random_sequence(10))
    before = snapshot(tm)
    with pytest.raises(ValueError, match="sequence_starts"):
        tm.partial_fit(random_sequence(5), sequence_starts=[True, False])
    with pytest.raises(ValueError, match="sequence_starts"):
        tm.partial_fit(random_sequence(3), sequence_starts=[0, 2, 1])
    assert snapshot(tm) == before


@pytest.mark.parametrize(
    "params, name",
    [
        (dict(activation_threshold=21), "activation_threshold"),
        (dict(min_threshold=9, max_new_synapse_count=8, activation_threshold=8),
         "min_threshold"),
        (dict(max_synapses_per_segment=5), "activation_threshold"),
    ],
)
def test_unreachable_thresholds_are_refused(params, name):
    with pytest.raises(ValueError, match=f"{name}=.*never be reached"):
        TemporalMemoryTransformer(**params).fit(random_sequence(3))


def test_connections_that_can_never_connect_warn():
    tm = small_tm(initial_permanence=0.2, permanence_increment=0.0)
    with pytest.warns(UserWarning, match="no synapse can ever connect"):
        tm.fit(random_sequence(5))


def test_changed_cells_per_column_is_refused():
    tm = small_tm().fit(random_sequence(5))
    tm.set_params(n_cells_per_column=8)
    with pytest.raises(ValueError, match="n_cells_per_column=8"):
        tm.partial_fit(random_sequence(2))


def test_too_many_cells_refused():
    with pytest.raises(ValueError, match="cells"):
        TemporalMemoryTransformer(n_cells_per_column=4096).fit(
            sp.csr_matrix((2, 4096), dtype=np.uint8)
        )


def test_transform_and_anomaly_score_change_nothing():
    X = random_sequence(30)
    tm = small_tm().fit(X)
    before = snapshot(tm)
    first = tm.transform(X)
    tm.anomaly_score(X)
    assert snapshot(tm) == before
    assert (tm.transform(X) != first).nnz == 0


def test_outputs_shapes_and_column_membership():
    X = random_sequence(40)
    tm = small_tm().fit(np.vstack([X, X, X]))
    active = tm.transform(X).toarray().astype(bool)
    assert active.shape == (40, 32 * 4)
    columns_of_cells = active.reshape(40, 32, 4).any(axis=2)
    # A row's active cells lie exactly in its active columns.
    np.testing.assert_array_equal(columns_of_cells, X.astype(bool))
    winners = tm.set_params(output="winner_cells").transform(X).toarray().astype(bool)
    assert not (winners & ~active).any()
    # One winner per active column.
    np.testing.assert_array_equal(winners.reshape(40, 32, 4).sum(axis=2), X)
    names = tm.get_feature_names_out()
    assert names.shape == (128,) and names[0] == "temporalmemorytransformer0"


def sdr_sequence(n_rows, n_columns=256, n_active=12, seed=0):
    """Rows with exactly ``n_active`` random active columns."""
    rng = np.random.RandomState(seed)
    X = np.zeros((n_rows, n_columns), dtype=np.uint8)
    for row in X:
        row[rng.choice(n_columns, n_active, replace=False)] = 1
    return X


def layer(**params):
    """A layer large enough that random rows do not predict each other."""
    defaults = dict(n_cells_per_column=4, activation_threshold=8, min_threshold=6,
                    max_new_synapse_count=12, random_state=0)
    defaults.update(params)
    return TemporalMemoryTransformer(**defaults)


def test_predictive_cells_predict_the_next_row():
    X = sdr_sequence(10)
    tm = layer().fit(np.tile(X, (8, 1)))
    predicted = tm.set_params(output="predictive_cells").transform(X).toarray()
    predicted_columns = predicted.reshape(10, 256, 4).any(axis=2)
    # After learning, row r's predictive cells predict exactly row r + 1's columns.
    np.testing.assert_array_equal(predicted_columns[:-1], X[1:].astype(bool))


def test_fitted_attributes_agree():
    tm = small_tm().fit(np.tile(random_sequence(10), (5, 1)))
    conn = tm.connections_
    assert tm.n_segments_ == conn.segment_cell.size == tm.segments_per_cell_.sum()
    assert tm.n_synapses_ == conn.synapse_presynaptic.size == conn.synapse_indptr[-1]
    assert tm.n_samples_seen_ == 50 and tm.n_iter_ == 1
    assert tm.anomaly_.shape == (50,)
    assert np.all((conn.synapse_permanence > 0) & (conn.synapse_permanence <= 1))
    # The predictive cells after the last row are those the next row (row 0) would see.
    predicted_next = tm.set_params(output="predictive_cells").transform(
        np.tile(random_sequence(10), (1, 1))
    )
    assert tm.predictive_cells_.dtype.kind == "i"
    assert predicted_next.shape[1] == tm.n_cells_


def test_cell_activity_counts_active_rows():
    X = random_sequence(30)
    tm = small_tm().fit(X)
    per_column = tm.cell_activity_.reshape(32, 4).sum(axis=1)
    column_rows = X.sum(axis=0)
    # Every active column has at least one active cell, at most all four.
    assert np.all(per_column >= column_rows) and np.all(per_column <= 4 * column_rows)
    # The first row bursts: all cells of its columns active.
    first = small_tm().fit(X[:1])
    np.testing.assert_array_equal(first.cell_activity_.reshape(32, 4),
                                  np.repeat(X[:1].T, 4, axis=1))
    tm.partial_fit(X[:5])
    assert tm.cell_activity_.sum() >= per_column.sum() + X[:5].sum()


def test_not_fitted():
    with pytest.raises(NotFittedError):
        small_tm().transform(random_sequence(2))
    with pytest.raises(NotFittedError):
        small_tm().reset()


def test_clone_and_pickle_round_trip_keep_outputs():
    X = random_sequence(30)
    tm = small_tm().fit(X)
    loaded = pickle.loads(pickle.dumps(tm))
    assert (loaded.transform(X) != tm.transform(X)).nnz == 0
    assert clone(tm).get_params() == tm.get_params()


def test_a_bad_output_set_after_fit_is_named():
    from sklearn.utils._param_validation import InvalidParameterError

    tm = small_tm().fit(random_sequence(10))
    tm.set_params(output="foo")
    with pytest.raises(InvalidParameterError, match="output"):
        tm.transform(random_sequence(3))


def test_rows_sparser_than_the_threshold_are_warned_about_at_the_callers_line():
    """As the backtracking TM: a segment grows at most one synapse per
    active column of the row before, so rows narrower than
    activation_threshold can never be predicted."""
    X = np.zeros((6, 20), dtype=np.uint8)
    X[:, :3] = 1
    with pytest.warns(UserWarning, match="at most 3 active columns, fewer than "
                                          "activation_threshold=13") as record:
        TemporalMemoryTransformer(random_state=0).fit(X)
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TemporalMemoryTransformer(activation_threshold=3, min_threshold=2,
                                  random_state=0).fit(X)
