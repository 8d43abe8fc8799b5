"""Named bundles of arrays and constants that the numba kernels take, and their terms.

Kernels take a few of these named tuples instead of long argument lists;
Numba compiles each kernel once for the dtypes below (the driver builds the
bundles with exactly these dtypes, so there is one specialisation).

Glossary (the same words everywhere in the backend):

row
    One input sample; its active inputs are CSR parts of :class:`Rows`.
word
    64 consecutive inputs. A column's connected synapses are kept as the
    words its potential pool touches (:class:`Words`).
batch
    ``batch_size`` rows learned in one step: their winners are computed
    against the state at the start of the step (the estimator's parameter).
chunk
    The rows of one ``learn`` call of the driver (the estimator's
    ``chunk_rows``: progress and interrupt granularity), or, inside a
    column's permanences, 64 consecutive synapses updated in one vector
    operation.
tile
    :data:`TILE` rows whose overlaps are computed together.
block
    :data:`BLOCK` columns whose words are stored interleaved (global pools).
"""

from typing import NamedTuple

import numpy as np

# Selection modes of the inhibition.
GLOBAL = 0  # the k best columns of the layer
LOCAL = 1  # each column against its neighbourhood
# Local inhibition where every neighbourhood is the whole rest of the layer
# and admits the same number of winners: a column then wins when it ranks
# among the best of the layer, which global selection finds far faster.
# Rows holding a NaN (possible only with boost_strength=inf, where a column
# exactly on target gets a boost of exp(0 * inf)) keep the local rule, under
# which a NaN beats no column.
LOCAL_WHOLE_LAYER = 2

# Rows whose overlaps are computed together (transform, and learning with
# batch_size > 1): each column's words are read once per tile and combined
# with the tile's rows in one vector operation.
TILE = 16
# With global pools, every column touches every input word; its words are
# then stored interleaved in blocks of BLOCK columns (word j of column c at
# ``(c // BLOCK * n_words + j) * BLOCK + c % BLOCK``), so that one row's
# overlaps with BLOCK columns take one vector operation per word.
BLOCK = 8

# Unsigned constants of the kernels' index and bit arithmetic (uint64 keeps
# Numba from mixing signed and unsigned types, and from wrap-around checks).
U0 = np.uint64(0)
U1 = np.uint64(1)
U6 = np.uint64(6)  # log2(64): input -> word
U16 = np.uint64(16)
U63 = np.uint64(63)  # input -> bit within its word
U64 = np.uint64(64)
UBLOCK = np.uint64(BLOCK)


class Rows(NamedTuple):
    """Binary input rows as CSR parts (sorted, no duplicates)."""

    indptr: np.ndarray  # uint64, (n_rows + 1,)
    indices: np.ndarray  # uint32, (n_active,)


class Words(NamedTuple):
    """The connected synapses as bit words (see :mod:`._words`).

    For each word that a column's potential pool touches: the word's number
    (``index``), which of its 64 inputs are in the pool (``mask``) and which
    of those are connected (``connected``, kept exact by learning).
    """

    indptr: np.ndarray  # uint64, (n_columns + 1,): column c's words
    index: np.ndarray  # uint32
    mask: np.ndarray  # uint64
    connected: np.ndarray  # uint64; interleaved by BLOCK when ``blocked``
    n_words: int  # words per input row, ceil(n_inputs / 64)
    blocked: bool  # every column touches every word (global pools)


class Inhibition(NamedTuple):
    """How winners are selected (see :mod:`._selection`)."""

    mode: int  # GLOBAL, LOCAL or LOCAL_WHOLE_LAYER
    k: int  # winners per row (global selection)
    stimulus_threshold: np.float32
    # Local inhibition: the layer's strongest columns decided first.
    n_strong: int
    hood_indptr: np.ndarray  # uint64, (n_columns + 1,)
    hood_indices: np.ndarray  # uint32
    reverse_indptr: np.ndarray  # uint64: columns whose neighbourhood holds c
    reverse_indices: np.ndarray  # uint32
    n_winners: np.ndarray  # int32, (n_columns,): winners each neighbourhood admits
    table: np.ndarray  # uint32, (max neighbours, n_columns): neighbourhoods transposed



#: :class:`Inhibition` of a layer with global inhibition (``mode == GLOBAL``):
#: the same fields, a type of its own, so that the kernels compiled for it
#: leave local inhibition out (Numba chooses the code by the bundle's type,
#: see ``_selection.select``): a first compile of a global layer is shorter.
GlobalInhibition = NamedTuple("GlobalInhibition", list(Inhibition.__annotations__.items()))


def is_global_type(inhibition_type):
    """Whether a Numba type is that of a :data:`GlobalInhibition` bundle."""
    return getattr(inhibition_type, "instance_class", None) is GlobalInhibition


class Pools(NamedTuple):
    """The potential synapses: column c's are ``indptr[c]:indptr[c + 1]``."""

    indptr: np.ndarray  # uint64, (n_columns + 1,)
    permanences: np.ndarray  # float32, (n_synapses,)


class Homeostasis(NamedTuple):
    """The per-column state that learning changes besides permanences."""

    active_duty: np.ndarray  # float64, (n_columns,)
    overlap_duty: np.ndarray  # float64, (n_columns,)
    min_overlap_duty: np.ndarray  # float64, (n_columns,)
    boost_factors: np.ndarray  # float32, (n_columns,)


class Learning(NamedTuple):
    """Learning constants, in the dtypes the reference computes with."""

    batch_size: int
    connected_threshold: np.float32
    increment: np.float32
    decrement: np.float32
    bump: np.float32  # weak-column bump
    sparsity: float
    boost_strength: float
    duty_cycle_period: int
    min_pct: float  # min_pct_overlap_duty_cycle
    update_period: int


class Journal(NamedTuple):
    """What a learning call overwrote, column by column, so that it can be
    undone (see ``_learning.save_column`` and ``_learning.undo_columns``).

    Zero-length arrays switch journaling off.
    """

    saved: np.ndarray  # uint8, (n_columns,): column saved during this call
    columns: np.ndarray  # int64, (n_columns,): the saved columns, in order
    # int64, (3,): columns saved, permanences and words used in the buffers.
    n_saved: np.ndarray
    # The saved columns' old permanences and words, packed in saving order
    # (room for all of them; only the part in use is ever touched).
    permanences: np.ndarray  # float32, (n_synapses,)
    connected: np.ndarray  # uint64, like Words.connected


class Selection(NamedTuple):
    """Scratch of one row's selection (allocated once per kernel call)."""

    boosted: np.ndarray  # float32, (n_columns,)
    heap_values: np.ndarray  # float32, (k,)
    heap_columns: np.ndarray  # uint64, (k,)
    candidates: np.ndarray  # uint64, (n_columns,)
    beaten: np.ndarray  # int32, (n_columns,): beaters counted (local)
    decided: np.ndarray  # uint8, (n_columns,): decisions (local)
    hint: np.ndarray  # float32, (2,): the last k-th value and its margin
