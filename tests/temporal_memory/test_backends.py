"""The numba backend gives the numpy reference's bits: segments, synapses,
permanences, generator, context, outputs and anomalies, under hypothesis."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_htm import TemporalMemoryTransformer

from .._strategies import segment_params, sequence_streams

# Random configurations often have thresholds above the rows' width, and
# draw the two thresholds in either order.
pytestmark = [pytest.mark.filterwarnings("ignore:The rows of X have at most"),
              pytest.mark.filterwarnings("ignore:min_threshold=.* exceeds activation_threshold")]


@st.composite
def configurations(draw):
    return {**draw(segment_params()),
            "predicted_segment_decrement": draw(st.sampled_from([0.0, 0.03, 0.1]))}


def streams():
    return sequence_streams(max_rows=45, noise_rates=(0.1,), start_rates=(0.0, 0.1),
                            start_at_a_cut=False)


def snapshot(tm):
    """The whole state after a call, for lockstep comparison."""
    state = tm._state
    return (tm.connections_, state.rng.copy(), state.active_cells.copy(),
            state.winner_cells.copy(), state.cell_activity.copy())


def run(backend, params, rows, starts, cuts, snapshots=None):
    tm = TemporalMemoryTransformer(backend=backend, **params)
    anomalies = []
    bounds = [0, *cuts, len(rows)]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        tm.partial_fit(rows[lo:hi], sequence_starts=starts[lo:hi])
        anomalies.append(tm.anomaly_)
        if snapshots is not None:
            snapshots.append(snapshot(tm))
    outputs = [
        tm.set_params(output=output).transform(rows, sequence_starts=starts)
        for output in ("active_cells", "winner_cells", "predictive_cells")
    ]
    return tm, np.concatenate(anomalies), outputs, tm.anomaly_score(rows)


@pytest.mark.filterwarnings("ignore:initial_permanence=.*no synapse can ever connect")
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(params=configurations(), stream=streams())
def test_numba_equals_reference(params, stream):
    rows, starts, cuts = stream
    ref_states, fast_states = [], []
    ref, ref_anomaly, ref_outputs, ref_scores = run("numpy", params, rows, starts, cuts,
                                                    ref_states)
    fast, fast_anomaly, fast_outputs, fast_scores = run("numba", params, rows, starts, cuts,
                                                        fast_states)
    # The state after every call, not only the last: differences can heal.
    for (ref_conn, *ref_rest), (fast_conn, *fast_rest) in zip(ref_states, fast_states):
        assert fast_conn.equals(ref_conn)
        for a, b in zip(fast_rest, ref_rest):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fast_anomaly, ref_anomaly)
    np.testing.assert_array_equal(fast_scores, ref_scores)
    for a, b in zip(fast_outputs, ref_outputs):
        np.testing.assert_array_equal(a.indptr, b.indptr)
        np.testing.assert_array_equal(a.indices, b.indices)
    assert fast.connections_.equals(ref.connections_)
    for name in ("rng", "active_cells", "winner_cells", "cell_activity"):
        np.testing.assert_array_equal(getattr(fast._state, name), getattr(ref._state, name))
    assert fast.n_samples_seen_ == ref.n_samples_seen_
    np.testing.assert_array_equal(fast.predictive_cells_, ref.predictive_cells_)


def test_a_run_with_predictions_and_pruning_is_covered():
    """One fixed stream that exercises every rule (predicted columns, bursts
    with and without matching segments, punishment, pruning, the segment and
    synapse limits), so the property above is known to reach them."""
    rng = np.random.RandomState(0)
    patterns = rng.rand(4, 20) < 0.3
    rows = np.vstack([patterns[np.arange(60) % 4], rng.rand(20, 20) < 0.3]).astype(np.uint8)
    params = dict(n_cells_per_column=3, activation_threshold=2, min_threshold=1,
                  max_new_synapse_count=4, max_segments_per_cell=1,
                  max_synapses_per_segment=4, predicted_segment_decrement=0.1,
                  permanence_decrement=0.3, random_state=1)
    starts = np.zeros(len(rows), dtype=bool)
    ref, ref_anomaly, _, _ = run("numpy", params, rows, starts, [30])
    fast, fast_anomaly, _, _ = run("numba", params, rows, starts, [30])
    assert 0 < (ref_anomaly == 0).sum() < len(rows)  # some rows predicted, not all
    assert ref.segments_per_cell_.max() == 1  # the segment limit was reached
    assert np.diff(ref.connections_.synapse_indptr).max() == 4  # and the synapse limit
    assert ref.connections_.next_serial > ref.n_segments_  # segments were destroyed
    np.testing.assert_array_equal(fast_anomaly, ref_anomaly)
    assert fast.connections_.equals(ref.connections_)
