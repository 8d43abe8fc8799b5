"""Growable pools and CSR offsets: the one layout helper set every layer uses.

The Temporal Memories keep segments, synapses and index blocks in pools:
arrays with spare rows and a *free stack* of the spare row numbers, lowest on
top, so that the lowest free slot is always taken next whatever the
capacity. A pool that runs short grows by the one policy of
:func:`grown_capacity` (at least double, or more when one call needs more);
since slots are taken lowest first, the capacity never changes which slot a
segment gets, so growth never changes a result.
"""

import numpy as np


def indptr_from_lengths(lengths, out=None):
    """CSR offsets (int64, ``len(lengths) + 1``) of lists of the given lengths."""
    lengths = np.asarray(lengths)
    if out is None:
        out = np.zeros(lengths.shape[0] + 1, dtype=np.int64)
    else:
        out[0] = 0
    np.cumsum(lengths, out=out[1:])
    return out


def split(flat, indptr):
    """The lists of ``flat`` that ``indptr`` delimits, as a list of views."""
    bounds = np.asarray(indptr).tolist()
    return [flat[bounds[k]:bounds[k + 1]] for k in range(len(bounds) - 1)]


def grown_capacity(capacity, n_free, need):
    """The capacity a pool of ``capacity`` slots, ``n_free`` of them free,
    grows to so that ``need`` are free: at least double, so that a stream
    that keeps growing reallocates a logarithmic number of times."""
    return max(2 * capacity, capacity + need - n_free, 1)


def grown(array, capacity, fill):
    """``array`` with rows up to ``capacity``, the new ones set to ``fill``."""
    out = np.full((capacity,) + array.shape[1:], fill, dtype=array.dtype)
    out[: array.shape[0]] = array
    return out


def free_stack(capacity, used, dtype=np.int32):
    """A free stack over slots ``used .. capacity - 1``, lowest on top."""
    return grown_free_stack(np.zeros(0, dtype=dtype), 0, used, capacity)


def grown_free_stack(stack, n_free, old, new):
    """The free stack of a pool grown from ``old`` to ``new`` slots: the new
    slots pushed under the ``n_free`` current ones (so that the old free
    slots, which are lower, are taken first)."""
    out = np.zeros(new, dtype=stack.dtype)
    added = new - old
    out[:added] = np.arange(new - 1, old - 1, -1, dtype=stack.dtype)
    out[added:added + n_free] = stack[:n_free]
    return out
