"""Sets of cells and of columns: a bit per member plus the list of members
(clearing and copying cost the members, not the layer). A family of sets is
bit ``k`` of ``flags[member]`` and ``members[k, :sizes[k]]``; the layer has
two families, its cell sets and its column sets."""

from ...._core.numba_cache import internal_kernel


@internal_kernel(inline="always")
def in_set(flags, k, member):
    """Whether ``member`` is in set ``k`` of its family."""
    return (flags[member] >> k) & 1


@internal_kernel(inline="always")
def set_clear(flags, members, sizes, k):
    keep = ~(1 << k)
    for i in range(sizes[k]):
        member = members[k, i]
        flags[member] = flags[member] & keep
    sizes[k] = 0


@internal_kernel(inline="always")
def set_add(flags, members, sizes, k, member):
    if not in_set(flags, k, member):
        flags[member] = flags[member] | (1 << k)
        members[k, sizes[k]] = member
        sizes[k] += 1


@internal_kernel(inline="always")
def set_copy(flags, members, sizes, dst, src):
    set_clear(flags, members, sizes, dst)
    bit = 1 << dst
    for i in range(sizes[src]):
        member = members[src, i]
        flags[member] = flags[member] | bit
        members[dst, i] = member
    sizes[dst] = sizes[src]


@internal_kernel(inline="always")
def has_cell(layer, k, cell):
    return in_set(layer.flags, k, cell)


@internal_kernel(inline="always")
def has_column(layer, k, column):
    return in_set(layer.column_flags, k, column)


@internal_kernel(inline="always")
def clear_cells(layer, k):
    set_clear(layer.flags, layer.cells, layer.n_cells_in, k)


@internal_kernel(inline="always")
def add_cell(layer, k, cell):
    set_add(layer.flags, layer.cells, layer.n_cells_in, k, cell)


@internal_kernel(inline="always")
def copy_cells(layer, dst, src):
    set_copy(layer.flags, layer.cells, layer.n_cells_in, dst, src)


@internal_kernel(inline="always")
def clear_columns(layer, k):
    set_clear(layer.column_flags, layer.columns, layer.n_columns_in, k)


@internal_kernel(inline="always")
def add_column(layer, k, column):
    set_add(layer.column_flags, layer.columns, layer.n_columns_in, k, column)


@internal_kernel(inline="always")
def copy_columns(layer, dst, src):
    set_copy(layer.column_flags, layer.columns, layer.n_columns_in, dst, src)


@internal_kernel
def history_push(history, lengths, n, limit, columns):
    """Append ``columns`` to a history of ``n`` inputs, first dropping the
    oldest when more than ``limit`` are kept; returns the new length."""
    if n > limit:
        n = history_drop(history, lengths, n, 1)
    history[n, : columns.shape[0]] = columns
    lengths[n] = columns.shape[0]
    return n + 1


@internal_kernel
def history_drop(history, lengths, n, k):
    """Drop the ``k`` oldest of ``n`` inputs; returns the new length."""
    for i in range(k, n):
        m = lengths[i]
        history[i - k, :m] = history[i, :m]
        lengths[i - k] = m
    return n - k
