"""The numba backend gives the numpy reference's bits: segments, synapses,
permanences, generator, context, outputs and anomalies, under hypothesis."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklearn_htm import TemporalMemoryTransformer


@st.composite
def configurations(draw):
    max_new = draw(st.integers(1, 6))
    max_synapses = draw(st.integers(1, 8))
    reachable = min(max_new, max_synapses)
    return dict(
        n_cells_per_column=draw(st.integers(1, 5)),
        activation_threshold=draw(st.integers(1, reachable)),
        min_threshold=draw(st.integers(1, reachable)),
        max_new_synapse_count=max_new,
        max_segments_per_cell=draw(st.integers(1, 3)),
        max_synapses_per_segment=max_synapses,
        initial_permanence=draw(st.sampled_from([0.21, 0.3, 0.45, 0.5, 0.7])),
        connected_threshold=draw(st.sampled_from([0.3, 0.5, 0.55])),
        permanence_increment=draw(st.sampled_from([0.0, 0.05, 0.1, 0.2])),
        permanence_decrement=draw(st.sampled_from([0.0, 0.05, 0.1, 0.3])),
        predicted_segment_decrement=draw(st.sampled_from([0.0, 0.03, 0.1])),
        random_state=draw(st.integers(0, 2**31 - 1)),
    )


@st.composite
def streams(draw):
    """Rows drawn from a small alphabet of patterns (so that there is
    something to learn), with occasional noise rows and sequence starts."""
    n_columns = draw(st.integers(2, 24))
    n_patterns = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.RandomState(seed)
    density = draw(st.sampled_from([0.1, 0.25, 0.5]))
    patterns = rng.rand(n_patterns, n_columns) < density
    n_rows = draw(st.integers(1, 45))
    rows = patterns[rng.randint(0, n_patterns, n_rows) if draw(st.booleans())
                    else np.arange(n_rows) % n_patterns]
    noise = rng.rand(n_rows) < 0.1
    rows[noise] = rng.rand(int(noise.sum()), n_columns) < density
    starts = rng.rand(n_rows) < draw(st.sampled_from([0.0, 0.1]))
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, n_rows - 1)), max_size=3))))
    return rows.astype(np.uint8), starts, [c for c in cuts if c < n_rows]


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
