"""Lists of item indices in chains of blocks (the layout of
:mod:`sklearn_htm.temporal_memory._state`).

A list is ``(heads[owner], lengths[owner])``; its head block holds its
newest ``(length - 1) % BLOCK + 1`` items, every older block is full.
``positions[item]`` is ``block * BLOCK + slot`` of the item in its list; the
item's value and permanence sit at the same place of ``block_values`` and
``block_permanences`` and move with it.
"""

from ...._core.numba_cache import internal_kernel
from ..._state import BLOCK, N_FREE_BLOCKS


@internal_kernel
def append(conn, heads, lengths, owner, item, positions):
    """Append ``item`` to the list of ``owner`` (a free block must exist when
    the head block is full); returns its block and slot."""
    length = lengths[owner]
    slot = length % BLOCK
    if slot == 0:
        n_free = conn.counters[N_FREE_BLOCKS] - 1
        conn.counters[N_FREE_BLOCKS] = n_free
        block = conn.block_free[n_free]
        conn.block_next[block] = heads[owner]
        heads[owner] = block
    block = heads[owner]
    conn.block_items[block, slot] = item
    positions[item] = block * BLOCK + slot
    lengths[owner] = length + 1
    return block, slot


@internal_kernel
def remove(conn, heads, lengths, owner, item, positions):
    """Remove ``item`` from the list of ``owner``: the list's newest item
    takes its place."""
    length = lengths[owner]
    head = heads[owner]
    last_slot = (length - 1) % BLOCK
    last_item = conn.block_items[head, last_slot]
    position = positions[item]
    block, slot = position // BLOCK, position % BLOCK
    conn.block_items[block, slot] = last_item
    conn.block_values[block, slot] = conn.block_values[head, last_slot]
    conn.block_permanences[block, slot] = conn.block_permanences[head, last_slot]
    positions[last_item] = position
    conn.block_items[head, last_slot] = -1
    positions[item] = -1
    lengths[owner] = length - 1
    if last_slot == 0:
        heads[owner] = conn.block_next[head]
        conn.block_next[head] = -1
        n_free = conn.counters[N_FREE_BLOCKS]
        conn.block_free[n_free] = head
        conn.counters[N_FREE_BLOCKS] = n_free + 1


@internal_kernel
def items(conn, heads, lengths, owner, out):
    """Copy the items of ``owner``'s list into ``out``; returns how many."""
    length = lengths[owner]
    block = heads[owner]
    in_block = (length - 1) % BLOCK + 1
    n = 0
    while n < length:
        for slot in range(in_block):
            out[n] = conn.block_items[block, slot]
            n += 1
        block = conn.block_next[block]
        in_block = BLOCK
    return n
