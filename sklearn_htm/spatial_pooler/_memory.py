"""Will a pooler fit in memory? The host and the device checks, in one place.

:func:`check_memory` runs before anything is drawn; its estimate follows the
numba backend's measured footprint (see ``benchmarks/README.md``).
:func:`check_device_memory` is what the CuPy backend calls before it copies
a state to the GPU, with its working set and the device's free memory.
"""

import os

from ..exceptions import MemoryBudgetError

# Bytes per element of the state and of the backends' work structures: a
# potential synapse (float32 permanence and int32 index, the permanences
# held twice while a call works on a copy, plus the learning kernel's work
# arrays), a 64-bit word of connected-synapse bits, a local inhibition
# neighbour (forward, reverse and transposed lists).
BYTES_PER_SYNAPSE = 16
BYTES_PER_CONNECTED_WORD = 20
BYTES_PER_NEIGHBOUR = 16


def available_memory_bytes():
    """Memory this process can still allocate (Linux MemAvailable, else total RAM)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return None


def host_bytes(structure):
    """Host memory a pooler of ``structure`` needs (state and work structures)."""
    n_synapses = structure.expected_synapses
    # Connected-synapse words: one per column and 64 inputs, never more than synapses.
    n_words = min(n_synapses, structure.n_columns * -(-structure.n_inputs // 64))
    return (
        n_synapses * BYTES_PER_SYNAPSE
        + n_words * BYTES_PER_CONNECTED_WORD
        + structure.n_neighbours * BYTES_PER_NEIGHBOUR
    )


def check_memory(structure, params, available=None):
    """Refuse a structure that would not fit in the host's memory.

    Parameters
    ----------
    structure : SpatialPoolerStructure
        Resolved without its neighbourhoods (nothing big is built yet).
    params : dict
        The estimator's parameters, for the message.
    available : int or None
        Bytes available; read with :func:`available_memory_bytes` if None.

    Raises
    ------
    MemoryBudgetError
        If the estimate exceeds the memory available.
    """
    needed = host_bytes(structure)
    if available is None:
        available = available_memory_bytes()
    if available is None or needed <= available:
        return
    n_neighbours = structure.n_neighbours
    hoods = (
        f" and {n_neighbours:,} inhibition neighbours "
        f"(inhibition_radius={params['inhibition_radius']!r})"
        if n_neighbours
        else ""
    )
    raise MemoryBudgetError(
        f"SpatialPoolerTransformer would need about {needed / 2**30:.1f} GiB "
        f"for {structure.expected_synapses:,} potential synapses{hoods} "
        f"(n_columns={params['n_columns']!r}, potential_pct={params['potential_pct']}), "
        f"but only {available / 2**30:.1f} GiB is available. Reduce "
        "n_columns, potential_pct, potential_radius or inhibition_radius."
    )


def check_device_memory(needed, free, what):
    """Refuse a GPU working set of ``needed`` bytes when ``free`` are free.

    Parameters
    ----------
    needed, free : int
        Bytes.
    what : str
        What needs them, for the message.

    Raises
    ------
    MemoryBudgetError
        If ``needed > free``.
    """
    if needed > free:
        raise MemoryBudgetError(
            f"backend='cupy' would need about {needed / 2**30:.1f} GiB of GPU memory "
            f"for {what}, but only {free / 2**30:.1f} GiB is free. Reduce n_columns "
            "or the number of features, or use backend='numba'."
        )
