"""Hypothesis strategies both Temporal Memories' reference-versus-kernel
tests draw from (tests/temporal_memory/test_backends.py,
tests/backtracking_tm/test_backends.py)."""

import numpy as np
from hypothesis import strategies as st


@st.composite
def segment_params(draw, new_fits_segment=False):
    """The parameters both Temporal Memories share, with thresholds a
    segment can reach; ``new_fits_segment``: ``max_new_synapse_count`` at
    most ``max_synapses_per_segment`` (NuPIC's requirement)."""
    max_new = draw(st.integers(1, 6))
    max_synapses = draw(st.integers(max_new if new_fits_segment else 1, 8))
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
        random_state=draw(st.integers(0, 2**31 - 1)),
    )


@st.composite
def sequence_streams(draw, max_rows=60, noise_rates=(0.0, 0.1, 0.3),
                     start_rates=(0.0, 0.0, 0.1, 0.3), start_at_a_cut=True):
    """``(rows, starts, cuts)``: rows drawn from a small alphabet of
    patterns, in order or at random, with noise rows (so that there is a
    sequence to learn and to lose), sequence starts at random rows (often
    none; with ``start_at_a_cut``, sometimes at a cut between two calls),
    and the cuts between calls."""
    n_columns = draw(st.integers(2, 24))
    n_patterns = draw(st.integers(1, 5))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    density = draw(st.sampled_from([0.1, 0.25, 0.5]))
    patterns = rng.rand(n_patterns, n_columns) < density
    n_rows = draw(st.integers(1, max_rows))
    rows = patterns[rng.randint(0, n_patterns, n_rows) if draw(st.booleans())
                    else np.arange(n_rows) % n_patterns]
    noise = rng.rand(n_rows) < draw(st.sampled_from(noise_rates))
    rows[noise] = rng.rand(int(noise.sum()), n_columns) < density
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, n_rows - 1)), max_size=3))))
    cuts = [c for c in cuts if c < n_rows]
    starts = rng.rand(n_rows) < draw(st.sampled_from(start_rates))
    if start_at_a_cut and cuts and draw(st.booleans()):
        starts[cuts[0]] = True  # a new sequence between two calls
    return rows.astype(np.uint8), starts, cuts
