"""The pool layout: lists consistent with the slots, the canonical form and
packing inverse to each other, growth that changes nothing but room."""

import pickle

import numpy as np
import pytest

from sklearn_htm import TemporalMemoryTransformer
from sklearn_htm.temporal_memory._state import (
    BLOCK,
    N_FREE_BLOCKS,
    N_FREE_SEGMENTS,
    N_FREE_SYNAPSES,
    canonical,
    pack,
    with_capacity,
)


def list_items(conn, heads, lengths, owner):
    """A list's items, walked in Python (the layout's documented form)."""
    out, block, length = [], heads[owner], lengths[owner]
    in_block = (length - 1) % BLOCK + 1 if length else 0
    while len(out) < length:
        out += conn.block_items[block, :in_block].tolist()
        block, in_block = conn.block_next[block], BLOCK
    assert block == -1
    return out


def check_layout(conn):
    """Every invariant of the pool layout."""
    n_cells = conn.cell_segment_head.size
    alive_segments = np.flatnonzero(conn.segment_cell >= 0)
    alive_synapses = np.flatnonzero(conn.synapse_segment >= 0)
    assert conn.n_segments == alive_segments.size
    assert conn.n_synapses == alive_synapses.size
    free = conn.segment_free[: conn.counters[N_FREE_SEGMENTS]]
    assert sorted(free.tolist() + alive_segments.tolist()) == list(range(conn.segment_cell.size))
    free = conn.synapse_free[: conn.counters[N_FREE_SYNAPSES]]
    assert sorted(free.tolist() + alive_synapses.tolist()) == list(
        range(conn.synapse_segment.size))
    used_blocks = []
    for cell in range(n_cells):
        segments = list_items(conn, conn.cell_segment_head, conn.cell_segment_length, cell)
        assert sorted(segments) == sorted(np.flatnonzero(conn.segment_cell == cell).tolist())
        outgoing = list_items(conn, conn.cell_synapse_head, conn.cell_synapse_length, cell)
        assert sorted(outgoing) == sorted(np.flatnonzero(
            (conn.synapse_presynaptic == cell) & (conn.synapse_segment >= 0)).tolist())
        for position, synapse in zip(_positions(conn, conn.cell_synapse_head,
                                                conn.cell_synapse_length, cell), outgoing):
            assert conn.synapse_presynaptic_position[synapse] == position
        for position, segment in zip(_positions(conn, conn.cell_segment_head,
                                                conn.cell_segment_length, cell), segments):
            assert conn.segment_position[segment] == position
        used_blocks += _blocks(conn, conn.cell_segment_head, cell)
        used_blocks += _blocks(conn, conn.cell_synapse_head, cell)
    for segment in alive_segments:
        synapses = list_items(conn, conn.segment_synapse_head, conn.segment_synapse_length,
                              segment)
        assert sorted(synapses) == sorted(np.flatnonzero(conn.synapse_segment == segment).tolist())
        for position, synapse in zip(_positions(conn, conn.segment_synapse_head,
                                                conn.segment_synapse_length, segment), synapses):
            assert conn.synapse_segment_position[synapse] == position
        used_blocks += _blocks(conn, conn.segment_synapse_head, segment)
    free_blocks = conn.block_free[: conn.counters[N_FREE_BLOCKS]].tolist()
    assert sorted(used_blocks + free_blocks) == list(range(conn.block_next.size))


def _positions(conn, heads, lengths, owner):
    positions, block, length = [], heads[owner], lengths[owner]
    in_block = (length - 1) % BLOCK + 1 if length else 0
    while len(positions) < length:
        positions += [block * BLOCK + slot for slot in range(in_block)]
        block, in_block = conn.block_next[block], BLOCK
    return positions


def _blocks(conn, heads, owner):
    blocks, block = [], heads[owner]
    while block != -1:
        blocks.append(int(block))
        block = conn.block_next[block]
    return blocks


@pytest.fixture(scope="module")
def learned():
    rng = np.random.RandomState(0)
    patterns = rng.rand(5, 24) < 0.3
    rows = np.vstack([patterns[np.arange(80) % 5], rng.rand(40, 24) < 0.3]).astype(np.uint8)
    tm = TemporalMemoryTransformer(
        n_cells_per_column=3, activation_threshold=2, min_threshold=2,
        max_new_synapse_count=5, max_segments_per_cell=3, max_synapses_per_segment=7,
        predicted_segment_decrement=0.05, random_state=0,
    )
    # Many one-row calls: the kernel grows the pool from its smallest size.
    for row in rows:
        tm.partial_fit(row[None, :])
    return tm


def test_learned_layout_is_consistent(learned):
    conn = learned._state.connections
    assert conn.n_segments > 20 and conn.n_synapses > 60
    assert learned.connections_.next_serial > conn.n_segments  # some were destroyed
    check_layout(conn)


def test_pack_and_canonical_are_inverse(learned):
    canon = learned.connections_
    packed = pack(canon, learned.n_cells_)
    check_layout(packed)
    assert canonical(packed).equals(canon)


def test_growth_changes_only_room(learned):
    conn = learned._state.connections
    grown = with_capacity(conn, segments=1000, synapses=5000, blocks=3000)
    assert grown.counters[N_FREE_SEGMENTS] >= 1000
    assert grown.counters[N_FREE_SYNAPSES] >= 5000
    assert grown.counters[N_FREE_BLOCKS] >= 3000
    check_layout(grown)
    assert canonical(grown).equals(canonical(conn))
    assert with_capacity(conn) is not None


def test_pickle_holds_the_canonical_form_only(learned):
    saved = learned._state.__getstate__()
    assert set(saved) == {"connections", "n_cells", "rng", "active_cells", "winner_cells",
                          "n_samples_seen", "cell_activity"}
    loaded = pickle.loads(pickle.dumps(learned._state))
    check_layout(loaded.connections)
    assert canonical(loaded.connections).equals(learned.connections_)
