"""Numba kernels of the CPU backend (driven by :mod:`sklearn_htm.backends._numba`).

Every kernel reproduces :mod:`sklearn_htm.backends._numpy` bit for bit: the
same float32/float64 operations in the same order, no ``fastmath`` (which
would allow reassociation and fused multiply-adds).

Connected synapses are held as bit sets over *words*, runs of 64 inputs.
For each word that a column's potential pool touches, the kernels keep the
word's number (``word_index``), which of its 64 inputs are in the pool
(``word_mask``) and which of those are connected (``connected``). A column's
overlap with a row is then a sum of ``popcount(connected & row_bits)`` over
its words, and memory grows with the potential pools, not with
``n_columns * n_inputs``.

A column's synapses are sorted by input, so the ``i``-th pool member of a
word is its ``i``-th synapse there: ``pext(row_bits, word_mask)`` lists the
activity of those synapses in synapse order and ``pdep(flags, word_mask)``
puts per-synapse connected flags back in input order. Learning therefore
streams through a column's permanences in chunks of 64 without reading the
input indices, and rewrites the column's words from the flags.

Index arrays arrive as unsigned integers (the driver passes views): Numba
then emits no negative-index wrap-around code, which would keep LLVM from
vectorising the inner loops.

Nothing here is compiled at import: kernels compile on their first call,
with the exact dtypes the driver passes (one specialisation each), and are
cached on disk.
"""

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import config, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from .._portable_math import (
    EXP_ARG_MAX,
    EXP_ARG_MIN,
    EXP_COEFFICIENTS,
    INV_LN2,
    LN2_HI,
    LN2_LO,
)

# Selection modes of the inhibition.
GLOBAL = 0  # the k best columns of the layer
LOCAL = 1  # each column against its neighbourhood
# Local inhibition where every neighbourhood is the whole rest of the layer
# and admits the same number of winners: a column then wins when it ranks
# among the best of the layer, which global selection finds far faster.
# Rows holding a NaN (possible only with boost_strength=inf, where a column
# exactly on target gets a boost of exp(0 * inf)) keep the
# local rule, under which a NaN beats no column.
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

_COEFFICIENTS = np.array(EXP_COEFFICIENTS, dtype=np.float64)
_N_COEFFICIENTS = len(EXP_COEFFICIENTS)
_U0 = np.uint64(0)
_U1 = np.uint64(1)
_U6 = np.uint64(6)
_U63 = np.uint64(63)
_U16 = np.uint64(16)
_U64 = np.uint64(64)
_UBLOCK = np.uint64(BLOCK)
# Margin of the selection hint below the previous row's k-th value (see _top_k).
_MARGIN_START = np.float32(0.97)
_MARGIN_MIN = np.float32(0.5)
_MARGIN_MAX = np.float32(0.999)
_MARGIN_STEP = np.float32(0.002)
# Non-literal constants: Numba compiles a function once more for each
# literal constant passed to it, so helpers get these instead.
_ROOT = np.int64(0)
_SUM = np.int64(0)
_MAXIMUM = np.int64(1)
# Decisions of local inhibition (see _select_local).
_UNDECIDED = 0
_DECIDED_WINNER = 1
_DECIDED_LOSER = 2


# --------------------------------------------------------------- intrinsics


@intrinsic
def _popcount(typingctx, x):
    """Number of set bits of a uint64 (LLVM ``ctpop``: one instruction)."""
    if x != types.uint64:
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@intrinsic
def _float64_from_bits(typingctx, x):
    """Reinterpret the bits of an int64 as a float64."""
    if x != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


def _bmi2_intrinsic(operation):
    @intrinsic
    def bmi2(typingctx, x, mask):
        if x != types.uint64 or mask != types.uint64:
            return None

        def codegen(context, builder, signature, args):
            i64 = ir.IntType(64)
            function = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(i64, [i64, i64]),
                f"llvm.x86.bmi.{operation}.64",
            )
            return builder.call(function, args)

        return types.uint64(types.uint64, types.uint64), codegen

    return bmi2


@njit(inline="always")
def _bits_portable(x, mask, extract):
    """pext (``extract``: the bits of ``x`` at the set bits of ``mask``,
    packed at the bottom) or pdep (the low bits of ``x`` spread over the
    set bits of ``mask``), one bit of ``mask`` at a time."""
    result = _U0
    bit = _U1
    while mask:
        lowest = mask & (~mask + _U1)
        if extract:
            if x & lowest:
                result |= bit
        elif x & bit:
            result |= lowest
        bit <<= _U1
        mask &= mask - _U1
    return result


@njit(inline="always")
def _pext_portable(x, mask):
    return _bits_portable(x, mask, True)


@njit(inline="always")
def _pdep_portable(x, mask):
    return _bits_portable(x, mask, False)


def _target_has_bmi2():
    """Whether the code Numba generates may use BMI2's pext and pdep."""
    if config.CPU_NAME is not None or config.CPU_FEATURES is not None:
        return "+bmi2" in (config.CPU_FEATURES or "")
    return bool(llvm.get_host_cpu_features().get("bmi2", False))


# One instruction each on x86 since Haswell; a loop elsewhere.
if _target_has_bmi2():
    _pext = _bmi2_intrinsic("pext")
    _pdep = _bmi2_intrinsic("pdep")
else:  # pragma: no cover - depends on the machine
    _pext = _pext_portable
    _pdep = _pdep_portable


def _make_popcount_dot(lanes):
    """An intrinsic summing ``popcount(vector & scalar)`` in ``lanes`` lanes::

        for j in range(n):
            s = scalars[s_base + j * s_step]
            x = index[i_base + j]
            acc += popcount(vectors[v_base + x * v_step:][:lanes] & s)
        out[out_base + lane * out_step] = acc[lane]  # as int32, for each lane

    Written in LLVM IR because the accumulator must stay in a vector
    register: Numba keeps array accumulators in memory, and LLVM does not
    vectorise across them. Two uses: the overlaps of ``lanes`` rows with one
    column (vectors = the rows' input bits, scalars = the column's words),
    and of one row with ``lanes`` columns stored interleaved (vectors = the
    columns' words, scalars = the row's input bits).
    """

    @intrinsic
    def popcount_dot(typingctx, scalars, s_base, s_step, index, i_base, n, vectors,
                     v_base, v_step, out, out_base, out_step):
        sig = types.void(scalars, s_base, s_step, index, i_base, n, vectors, v_base,
                         v_step, out, out_base, out_step)

        def codegen(context, builder, signature, args):
            i32 = ir.IntType(32)
            i64 = ir.IntType(64)
            vector = ir.VectorType(i64, lanes)

            def data(j):
                array = context.make_array(signature.args[j])(context, builder, args[j])
                return array.data

            def integer(j):
                return context.cast(builder, args[j], signature.args[j], types.int64)

            s_start, s_stride, i_start, count, v_start, v_stride, o_start, o_stride = (
                integer(j) for j in (1, 2, 4, 5, 7, 8, 10, 11)
            )
            ctpop = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(vector, [vector]),
                f"llvm.ctpop.v{lanes}i64",
            )
            broadcast = ir.Constant(ir.VectorType(i32, lanes), [0] * lanes)
            total = cgutils.alloca_once_value(builder, ir.Constant(vector, None))
            with cgutils.for_range(builder, count) as loop:
                j = loop.index
                s = builder.load(
                    builder.gep(data(0), [builder.add(s_start, builder.mul(j, s_stride))])
                )
                x = builder.zext(
                    builder.load(builder.gep(data(3), [builder.add(i_start, j)])), i64
                )
                address = builder.gep(
                    data(6), [builder.add(v_start, builder.mul(x, v_stride))]
                )
                v = builder.load(builder.bitcast(address, vector.as_pointer()), align=8)
                splat = builder.shuffle_vector(
                    builder.insert_element(
                        ir.Constant(vector, ir.Undefined), s, ir.Constant(i32, 0)
                    ),
                    ir.Constant(vector, ir.Undefined), broadcast,
                )
                counts = builder.call(ctpop, [builder.and_(v, splat)])
                builder.store(builder.add(builder.load(total), counts), total)
            total = builder.load(total)
            out = data(9)
            for lane in range(lanes):
                value = builder.extract_element(total, ir.Constant(i32, lane))
                builder.store(
                    builder.trunc(value, i32),
                    builder.gep(out, [builder.add(
                        o_start, builder.mul(ir.Constant(i64, lane), o_stride)
                    )]),
                )
            return context.get_dummy_value()

        return sig, codegen

    return popcount_dot


_popcount_dot_tile = _make_popcount_dot(TILE)
_popcount_dot_block = _make_popcount_dot(BLOCK)


def _make_chunk_update(rule):
    """An intrinsic updating the 64 permanences ``permanences[base:base + 64]``
    of a column in 64-lane vector operations, returning the connected flags::

        rule "online": a = float32(bit i of extra), n = 1
        rule "batch":  a = extra[i] (float32 counts), n = n_wins
            p = clip(p + (a * increment - (n - a) * decrement), 0, 1)
        rule "bump":   p = min(p + increment, 1)
        flags |= (p >= threshold) << i

    The same IEEE operations, in the same order, as the reference (and as
    the scalar loop the kernels use for a column's last, partial chunk);
    LLVM neither reassociates nor fuses them without fast-math flags.
    """

    @intrinsic
    def chunk_update(typingctx, permanences, base, extra, n_wins, increment, decrement,
                     threshold):
        sig = types.uint64(permanences, base, extra, n_wins, increment, decrement,
                           threshold)

        def codegen(context, builder, signature, args):
            f32 = ir.FloatType()
            i64 = ir.IntType(64)
            vector = ir.VectorType(f32, 64)
            flags = ir.VectorType(ir.IntType(1), 64)

            def splat(value):
                return builder.shuffle_vector(
                    builder.insert_element(
                        ir.Constant(vector, ir.Undefined), value, ir.Constant(ir.IntType(32), 0)
                    ),
                    ir.Constant(vector, ir.Undefined),
                    ir.Constant(ir.VectorType(ir.IntType(32), 64), [0] * 64),
                )

            data = context.make_array(signature.args[0])(context, builder, args[0]).data
            offset = context.cast(builder, args[1], signature.args[1], types.int64)
            address = builder.bitcast(builder.gep(data, [offset]), vector.as_pointer())
            old = builder.load(address, align=4)
            one = ir.Constant(vector, [1.0] * 64)
            zero = ir.Constant(vector, [0.0] * 64)
            if rule == "bump":
                p = builder.fadd(old, splat(args[4]))
            else:
                if rule == "online":
                    active = builder.bitcast(args[2], flags)
                    a = builder.select(active, one, zero)
                    n = one
                else:
                    counts = context.make_array(signature.args[2])(context, builder, args[2])
                    a = builder.load(builder.bitcast(counts.data, vector.as_pointer()), align=4)
                    n = splat(args[3])
                delta = builder.fsub(
                    builder.fmul(a, splat(args[4])),
                    builder.fmul(builder.fsub(n, a), splat(args[5])),
                )
                p = builder.fadd(old, delta)
                p = builder.select(builder.fcmp_ordered("<", p, zero), zero, p)
            p = builder.select(builder.fcmp_ordered(">", p, one), one, p)
            builder.store(p, address, align=4)
            connected = builder.fcmp_ordered(">=", p, splat(args[6]))
            return builder.bitcast(connected, i64)

        return sig, codegen

    return chunk_update


_update_chunk_online = _make_chunk_update("online")
_update_chunk_batch = _make_chunk_update("batch")
_bump_chunk = _make_chunk_update("bump")


# ------------------------------------------------------------- portable exp


@njit(inline="always")
def _portable_exp(x):
    """:func:`sklearn_htm._portable_math.portable_exp` for one float64.

    Same constants, same operations, same order. ``ldexp(result, n)`` is
    computed as ``result * 2.0**n`` with ``2.0**n`` built from its bits:
    the clip keeps ``n`` in [-125, 127], so ``2.0**n`` is a normal double and
    the product is ``ldexp``'s correctly rounded result (also when it
    overflows), without a call into the C library.
    """
    if x < EXP_ARG_MIN:
        x = EXP_ARG_MIN
    elif x > EXP_ARG_MAX:
        x = EXP_ARG_MAX
    n = np.floor(x * INV_LN2 + 0.5)
    r = (x - n * LN2_HI) - n * LN2_LO
    result = _COEFFICIENTS[0]
    for j in range(1, _N_COEFFICIENTS):
        result = result * r + _COEFFICIENTS[j]
    return result * _float64_from_bits((np.int64(n) + 1023) << 52)


@njit(cache=True)
def portable_exp(x, out):
    """Elementwise :func:`_portable_exp` of a float64 array into ``out``."""
    for j in range(x.size):
        out[j] = _portable_exp(x[j])


# ------------------------------------------------------------------ words


@njit(cache=True)
def column_words(potential_indptr, potential_indices):
    """The words each column's pool touches (see the module docstring).

    Returns ``word_indptr`` (uint64, n_columns + 1), ``word_index``
    (uint32) and ``word_mask`` (uint64).
    """
    n_columns = potential_indptr.size - 1
    word_indptr = np.zeros(n_columns + 1, dtype=np.uint64)
    for c in range(n_columns):
        s0 = potential_indptr[c]
        s1 = potential_indptr[c + 1]
        count = np.uint64(s1 > s0)
        for s in range(s0 + _U1, s1):
            count += np.uint64((potential_indices[s] >> 6) != (potential_indices[s - _U1] >> 6))
        word_indptr[c + 1] = word_indptr[c] + count
    n_words = word_indptr[n_columns]
    word_index = np.empty(n_words, dtype=np.uint32)
    word_mask = np.empty(n_words, dtype=np.uint64)
    for c in range(n_columns):
        s0 = potential_indptr[c]
        s1 = potential_indptr[c + 1]
        if s0 == s1:
            continue
        # Branch-free, and the mask kept in a register: w (and a fresh mask)
        # move on where the input's word changes.
        w = word_indptr[c]
        last = np.uint64(potential_indices[s0]) >> _U6
        mask = _U0
        for s in range(s0, s1):
            i = np.uint64(potential_indices[s])
            changed = np.uint64((i >> _U6) != last)
            w += changed
            mask = (mask & (changed - _U1)) | (_U1 << (i & _U63))
            last = i >> _U6
            word_index[w] = last
            word_mask[w] = mask
    return word_indptr, word_index, word_mask


@njit(inline="always")
def _clip(p, low, high):
    """numpy's clip for numbers that are not NaN. Here and below, float
    comparisons stand for min and max, which take Numba seconds to compile."""
    p = p if p > low else low
    return p if p < high else high


@njit(inline="always")
def _word_location(word_indptr, c, n_words, blocked):
    """Where column ``c``'s first word is stored in ``connected``, and the
    step to its next word (see ``BLOCK``)."""
    if blocked:
        return (c // _UBLOCK) * (n_words * _UBLOCK) + c % _UBLOCK, _UBLOCK
    return word_indptr[c], _U1


@njit
def _gather_activity(c, bits, word_indptr, word_index, word_mask, stream):
    """Bit ``i`` of ``stream`` := whether column ``c``'s ``i``-th synapse has
    an active input in the row ``bits``."""
    position = _U0
    for w in range(word_indptr[c], word_indptr[c + _U1]):
        mask = word_mask[w]
        value = _pext(bits[word_index[w]], mask)
        q = position >> _U6
        r = position & _U63
        if r == _U0:
            stream[q] = value
        else:
            stream[q] |= value << r
            stream[q + _U1] = value >> (_U64 - r)
        position += _popcount(mask)


@njit
def _scatter_connected(c, flags, word_indptr, word_mask, n_words, blocked, connected):
    """Store column ``c``'s words from ``flags`` (bit ``i``: synapse ``i``
    is connected)."""
    location, step = _word_location(word_indptr, c, n_words, blocked)
    position = _U0
    for w in range(word_indptr[c], word_indptr[c + _U1]):
        mask = word_mask[w]
        q = position >> _U6
        r = position & _U63
        value = flags[q] >> r
        if r != _U0:
            value |= flags[q + _U1] << (_U64 - r)
        connected[location] = _pdep(value, mask)
        location += step
        position += _popcount(mask)


@njit(cache=True)
def connected_words(potential_indptr, permanences, threshold, word_indptr, word_mask,
                    n_words, blocked, connected):
    """Store the connected-synapse bits of every column in ``connected``."""
    n_words = np.uint64(n_words)
    flags = np.zeros(n_words + _U1, dtype=np.uint64)
    for c in range(np.uint64(potential_indptr.size - 1)):
        s0 = potential_indptr[c]
        n = potential_indptr[c + _U1] - s0
        for chunk in range((n + _U63) >> _U6):
            base = s0 + (chunk << _U6)
            bits = _U0
            for i in range(min(_U64, n - (chunk << _U6))):
                bits |= np.uint64(permanences[base + i] >= threshold) << i
            flags[chunk] = bits
        _scatter_connected(c, flags, word_indptr, word_mask, n_words, blocked, connected)


# ------------------------------------------------------------------ overlap


@njit
def _set_row_bits(x_indptr, x_indices, row, bits):
    for p in range(x_indptr[row], x_indptr[row + 1]):
        i = np.uint64(x_indices[p])
        bits[i >> _U6] |= _U1 << (i & _U63)


@njit
def _clear_row_bits(x_indptr, x_indices, row, bits):
    for p in range(x_indptr[row], x_indptr[row + 1]):
        bits[np.uint64(x_indices[p]) >> _U6] = _U0


@njit
def _row_overlaps(word_indptr, word_index, connected, blocked, bits, overlap):
    """overlap[c] for the one row whose input bits are ``bits``.

    ``overlap`` has room for a whole number of blocks when ``blocked``.
    """
    n_words = np.uint64(bits.size)
    if blocked:
        for block in range(np.uint64(overlap.size) // _UBLOCK):
            # Every column is dense: word_index[j] == j for column 0.
            _popcount_dot_block(
                bits, 0, 1, word_index, 0, n_words, connected,
                block * n_words * _UBLOCK, _UBLOCK, overlap, block * _UBLOCK, 1,
            )
        return
    for c in range(np.uint64(word_indptr.size - 1)):
        total = _U0
        for w in range(word_indptr[c], word_indptr[c + _U1]):
            total += _popcount(connected[w] & bits[word_index[w]])
        overlap[c] = np.int32(total)


@njit
def _tile_overlaps(x_indptr, x_indices, row_start, n_rows, word_indptr, word_index,
                   connected, blocked, bits, overlap, first):
    """``overlap[first + r, c]`` for rows ``row_start + r``, ``r < n_rows <= TILE``.

    Writes all ``TILE`` rows ``first:first + TILE`` of ``overlap``.
    """
    bits[:] = 0
    for r in range(n_rows):
        row = row_start + r
        for p in range(x_indptr[row], x_indptr[row + 1]):
            i = np.uint64(x_indices[p])
            bits[i >> _U6, r] |= _U1 << (i & _U63)
    n_words = np.uint64(bits.shape[0])
    width = np.uint64(overlap.shape[1])
    base = np.uint64(first) * width
    for c in range(np.uint64(word_indptr.size - 1)):
        location, step = _word_location(word_indptr, c, n_words, blocked)
        w0 = word_indptr[c]
        _popcount_dot_tile(
            connected, location, step, word_index, w0, word_indptr[c + _U1] - w0, bits,
            0, TILE, overlap, base + c, width,
        )


@njit
def _boost(overlap, boost_factors, boosted):
    for c in range(np.uint64(boosted.size)):
        boosted[c] = np.float32(overlap[c]) * boost_factors[c]


# --------------------------------------------------------------- inhibition


@njit(inline="always")
def _ranks_above(v1, i1, v2, i2):
    """Whether column i1 (boosted v1) ranks above column i2 (boosted v2).

    Higher value first, ties to the higher index, NaN above everything
    (ordered by index among themselves): numpy's ``lexsort`` order, which
    the reference's global inhibition uses.
    """
    if v1 != v1:
        return v2 == v2 or i1 > i2
    if v2 != v2:
        return False
    return v1 > v2 or (v1 == v2 and i1 > i2)


@njit
def _sift_down(heap_v, heap_i, size, pos, v, c):
    """Put (v, c) at ``pos`` of the min-heap (by rank) and sift it down."""
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and _ranks_above(
            heap_v[child], heap_i[child], heap_v[child + 1], heap_i[child + 1]
        ):
            child += 1
        if _ranks_above(v, c, heap_v[child], heap_i[child]):
            heap_v[pos] = heap_v[child]
            heap_i[pos] = heap_i[child]
            pos = child
        else:
            break
    heap_v[pos] = v
    heap_i[pos] = c


@njit
def _top_k(boosted, k, buffers):
    """A min-heap (by rank) of the best ``k`` columns in the heap buffers.

    Only columns at or above a hint (and NaNs) are candidates, when at least
    k of them are (else every column is). The hint is a little below the
    previous row's k-th value: its margin grows while rows leave more than
    twice the candidates needed and shrinks faster after a row that had too
    few (which costs a heap over every column), so that most rows have a
    few candidates beyond the k needed, most of them rejected by one
    comparison with the heap's root. The hint changes the work, never the
    result. Returns the heap's size and the number of candidates,
    ``candidates[:m]`` (sorted).
    """
    heap_v, heap_i, candidates, hint = buffers[1], buffers[2], buffers[3], buffers[6]
    n_columns = boosted.size
    size = min(k, n_columns)
    threshold = hint[0] * hint[1]
    m = 0
    for c in range(np.uint64(n_columns)):
        v = boosted[c]
        candidates[m] = c
        m += (v >= threshold) | (v != v)
    if m < size:
        for c in range(np.uint64(n_columns)):
            candidates[c] = c
        m = n_columns
        margin = hint[1] - 10 * _MARGIN_STEP
        hint[1] = margin if margin > _MARGIN_MIN else _MARGIN_MIN
    elif m > 2 * size:
        margin = hint[1] + _MARGIN_STEP
        hint[1] = margin if margin < _MARGIN_MAX else _MARGIN_MAX
    for j in range(size):
        c = candidates[j]
        heap_v[j] = boosted[c]
        heap_i[j] = c
    for j in range(size // 2 - 1, -1, -1):
        _sift_down(heap_v, heap_i, size, j, heap_v[j], heap_i[j])
    if size == 0:
        return size, m
    root = heap_v[0]
    for j in range(size, m):
        c = candidates[j]
        v = boosted[c]
        # Later columns win ties, so only v < root is out (NaN never is).
        if v < root:
            continue
        if _ranks_above(v, c, root, heap_i[0]):
            _sift_down(heap_v, heap_i, size, _ROOT, v, c)
            root = heap_v[0]
    hint[0] = root
    return size, m


@njit
def _select_global(boosted, k, stimulus_threshold, buffers, winners):
    """The reference's global inhibition for one row; winners sorted."""
    heap_v, heap_i, candidates = buffers[1], buffers[2], buffers[3]
    size, m = _top_k(boosted, k, buffers)
    if size == 0:
        return 0
    # The winners are the root (the last of the best k) and every candidate
    # ranking above it; scanning the candidates yields them sorted.
    root = heap_v[0]
    last = heap_i[0]
    n_winners = 0
    for j in range(m):
        c = candidates[j]
        v = boosted[c]
        ranks_in = v > root or (not v < root and (c == last or _ranks_above(v, c, root, last)))
        if ranks_in and v >= stimulus_threshold:
            winners[n_winners] = c
            n_winners += 1
    return n_winners


@njit(inline="always")
def _beaten_by(boosted, c, v, hood_indices, start, stop):
    """How many of the neighbours ``hood_indices[start:stop]`` beat column
    ``c`` (boosted ``v``): a larger value, or the same and a larger index."""
    count = 0
    for p in range(start, stop):
        n = hood_indices[p]
        u = boosted[n]
        count += (u > v) | ((u == v) & (n > c))
    return count


@njit
def _select_local(boosted, stimulus_threshold, hoods, n_strong, buffers, winners):
    """The reference's local inhibition for one row; winners sorted.

    First the ``n_strong`` columns that rank highest in the whole layer are
    decided, best first: each one's beaters among them are the ones already
    seen in its neighbourhood, and nothing outside them can beat it; each
    then counts as a beater of the columns whose neighbourhood holds it
    (``hoods``' reverse lists). Most other columns are by then beaten
    enough; the rest count their beaters directly, 16 neighbours at a time
    (a vectorised loop), stopping as soon as they are enough. NaNs beat no
    column and win nothing, as in the reference.
    """
    hood_indptr, hood_indices, reverse_indptr, reverse_indices, n_local = hoods
    heap_v, heap_i, beaten, state = buffers[1], buffers[2], buffers[4], buffers[5]
    size, _ = _top_k(boosted, n_strong, buffers)
    # Heap sort: best first.
    for end in range(size - 1, 0, -1):
        v, c = heap_v[end], heap_i[end]
        heap_v[end], heap_i[end] = heap_v[0], heap_i[0]
        _sift_down(heap_v, heap_i, end, _ROOT, v, c)
    beaten[:] = 0
    for j in range(size):
        s, v = heap_i[j], heap_v[j]
        state[s] = _DECIDED_LOSER
        if v != v:
            continue
        if not v >= stimulus_threshold:
            break
        if beaten[s] < n_local[s]:
            state[s] = _DECIDED_WINNER
        for p in range(reverse_indptr[s], reverse_indptr[s + _U1]):
            beaten[reverse_indices[p]] += 1
    n_winners = 0
    for c in range(np.uint64(boosted.size)):
        if state[c] != _UNDECIDED:
            if state[c] == _DECIDED_WINNER:
                winners[n_winners] = c
                n_winners += 1
            state[c] = _UNDECIDED
            continue
        v = boosted[c]
        limit = n_local[c]
        if not v >= stimulus_threshold or beaten[c] >= limit:
            continue
        start = hood_indptr[c]
        stop = hood_indptr[c + _U1]
        count = 0
        while start < stop and count < limit:
            chunk = min(start + _U16, stop)
            count += _beaten_by(boosted, c, v, hood_indices, start, chunk)
            start = chunk
        if count < limit:
            winners[n_winners] = c
            n_winners += 1
    return n_winners


@njit
def _has_nan(values):
    found = False
    for j in range(np.uint64(values.size)):
        found |= values[j] != values[j]
    return found


@njit
def _select(mode, boosted, k, stimulus_threshold, hoods, n_strong, buffers, winners):
    """Winners of one row (sorted)."""
    if mode == GLOBAL or (mode == LOCAL_WHOLE_LAYER and not _has_nan(boosted)):
        return _select_global(boosted, k, stimulus_threshold, buffers, winners)
    return _select_local(boosted, stimulus_threshold, hoods, n_strong, buffers, winners)


@njit
def _selection_buffers(n_columns, k):
    """Scratch of one row's selection: boosted overlaps, heap (values and
    columns), candidates, beaters counted and decisions (local inhibition),
    and the hint (the last k-th value and its margin, see ``_top_k``)."""
    hint = np.zeros(2, dtype=np.float32)
    hint[1] = _MARGIN_START
    return (
        np.empty(n_columns, dtype=np.float32),
        np.empty(max(k, 1), dtype=np.float32),
        np.empty(max(k, 1), dtype=np.uint64),
        np.empty(n_columns, dtype=np.uint64),
        np.zeros(n_columns, dtype=np.int32),
        np.zeros(n_columns, dtype=np.uint8),
        hint,
    )


# ---------------------------------------------------------------- transform


@njit(cache=True, nogil=True)
def transform_rows(x_indptr, x_indices, row_start, n_rows, n_words, word_indptr,
                   word_index, connected, blocked, boost_factors, mode, k,
                   stimulus_threshold, hoods, n_strong, winners, counts):
    """Winners of rows ``row_start:row_start + n_rows`` into ``winners[r, :counts[r]]``.

    ``hoods`` are the neighbourhoods, their reverse lists and each column's
    number of local winners; ``n_strong``: see ``_select_local``. Releases
    the GIL, so that the driver can run it on several threads.
    """
    n_columns = boost_factors.size
    bits = np.zeros((n_words, TILE), dtype=np.uint64)
    overlap = np.empty((TILE, n_columns), dtype=np.int32)
    buffers = _selection_buffers(n_columns, max(k, n_strong))
    boosted = buffers[0]
    for r0 in range(0, n_rows, TILE):
        m = min(TILE, n_rows - r0)
        _tile_overlaps(
            x_indptr, x_indices, row_start + r0, m, word_indptr, word_index, connected,
            blocked, bits, overlap, np.int64(0),
        )
        for r in range(m):
            _boost(overlap[r], boost_factors, boosted)
            counts[r0 + r] = _select(
                mode, boosted, k, stimulus_threshold, hoods, n_strong, buffers,
                winners[r0 + r],
            )


# ----------------------------------------------------------------- learning


@njit
def _adapt(s0, n, activity, n_rows, permanences, threshold, increment, decrement,
           counts, flags):
    """The Hebbian rule on synapses ``s0:s0 + n`` of a column that won the
    ``n_rows`` rows whose activity streams are ``activity[:n_rows]``.

    ``a``, the number of those rows in which a synapse's input is active, is
    a sum of 0.0/1.0 in float32, hence an exact integer, and the update is
    the reference's ``float32(a) * inc - float32(n_rows - a) * dec``; with
    one row, this is the online rule.
    """
    one = np.float32(1.0)
    zero = np.float32(0.0)
    n_wins = np.float32(n_rows)
    for chunk in range((n + _U63) >> _U6):
        base = s0 + (chunk << _U6)
        size = min(_U64, n - (chunk << _U6))
        if n_rows == 1:
            active = activity[0, chunk]
            if size == _U64:
                flags[chunk] = _update_chunk_online(
                    permanences, base, active, one, increment, decrement, threshold
                )
                continue
            for i in range(size):
                counts[i] = np.float32((active >> i) & _U1)
        else:
            counts[:] = 0.0
            for j in range(n_rows):
                active = activity[j, chunk]
                for i in range(_U64):
                    counts[i] += np.float32((active >> i) & _U1)
            if size == _U64:
                flags[chunk] = _update_chunk_batch(
                    permanences, base, counts, n_wins, increment, decrement, threshold
                )
                continue
        # The column's last, partial chunk.
        bits = _U0
        for i in range(size):
            a = counts[i]
            p = permanences[base + i] + (a * increment - (n_wins - a) * decrement)
            p = _clip(p, zero, one)
            permanences[base + i] = p
            bits |= np.uint64(p >= threshold) << i
        flags[chunk] = bits


@njit
def _bump(s0, n, permanences, threshold, bump, flags):
    """Raise synapses ``s0:s0 + n`` of a weak column by ``bump`` (at most to 1)."""
    one = np.float32(1.0)
    for chunk in range(n >> _U6):
        flags[chunk] = _bump_chunk(
            permanences, s0 + (chunk << _U6), _U0, one, bump, bump, threshold
        )
    chunk = n >> _U6
    if n & _U63:
        base = s0 + (chunk << _U6)
        bits = _U0
        for i in range(n & _U63):
            p = permanences[base + i] + bump
            p = p if p < one else one
            permanences[base + i] = p
            bits |= np.uint64(p >= threshold) << i
        flags[chunk] = bits


@njit
def _local_sums(values, hood_columns, combine, out):
    """``out[c]``: ``values[c]`` combined with its neighbours' values in index
    order (``combine``: ``_SUM`` or ``_MAXIMUM``), as the reference.

    ``hood_columns`` holds the neighbourhoods transposed, row ``j`` the
    ``j``-th neighbour of every column, or ``n_columns`` for columns with
    fewer neighbours; that index reads 0.0, which changes neither a sum nor a
    maximum of duty cycles (never negative, never -0.0). One row at a time,
    the loop over columns vectorises.
    """
    n_columns = np.uint64(out.size)
    padded = np.zeros(n_columns + _U1, dtype=np.float64)
    padded[:n_columns] = values
    out[:] = values
    for j in range(hood_columns.shape[0]):
        row = hood_columns[j]
        if combine == _SUM:
            for c in range(n_columns):
                out[c] = out[c] + padded[row[c]]
        else:
            for c in range(n_columns):
                value = padded[row[c]]
                if value > out[c]:
                    out[c] = value


@njit
def _update_boost_factors(global_inhibition, sparsity, boost_strength, active_duty,
                          hood_indptr, hood_columns, target, boost_factors):
    """b[c] = float32(exp((target[c] - a[c]) * boost_strength)), as the reference.

    The local target sums the column's own duty cycle, then its neighbours'
    in index order, then divides by the count.
    """
    n_columns = np.uint64(boost_factors.size)
    if global_inhibition:
        target[:] = sparsity
    else:
        _local_sums(active_duty, hood_columns, _SUM, target)
        for c in range(n_columns):
            target[c] = target[c] / np.float64(hood_indptr[c + _U1] - hood_indptr[c] + _U1)
    for c in range(n_columns):
        boost_factors[c] = np.float32(
            _portable_exp((target[c] - active_duty[c]) * boost_strength)
        )


@njit
def _update_min_duty_cycles(global_inhibition, min_pct, overlap_duty, hood_columns,
                            largest, min_overlap_duty):
    n_columns = np.uint64(overlap_duty.size)
    if global_inhibition:
        top = overlap_duty[0]
        for c in range(n_columns):
            if overlap_duty[c] > top:
                top = overlap_duty[c]
        for c in range(n_columns):
            min_overlap_duty[c] = min_pct * top
        return
    _local_sums(overlap_duty, hood_columns, _MAXIMUM, largest)
    for c in range(n_columns):
        min_overlap_duty[c] = min_pct * largest[c]


@njit
def _update_duty_cycles(overlap, won, n_samples_seen, duty_cycle_period, overlap_duty,
                        active_duty):
    """One row's step of both moving averages, as the reference."""
    period = min(duty_cycle_period, n_samples_seen)
    decay = np.float64(period - 1) / np.float64(period)
    step = 1.0 / np.float64(period)
    for c in range(np.uint64(overlap.size)):
        d = overlap_duty[c] * decay
        if overlap[c] > 0:
            d = d + step
        overlap_duty[c] = d
        d = active_duty[c] * decay
        if won[c]:
            d = d + step
        active_duty[c] = d


@njit(cache=True)
def learn_rows(x_indptr, x_indices, n_words, batch_size, potential_indptr, permanences,
               word_indptr, word_index, word_mask, connected, blocked, active_duty,
               overlap_duty, min_overlap_duty, boost_factors, n_samples_seen, mode, k,
               stimulus_threshold, connected_threshold, increment, decrement, bump,
               sparsity, boost_strength, duty_cycle_period, min_pct, update_period,
               hoods, n_strong, hood_columns):
    """The reference's ``learn``: every step of every batch, in one call.

    ``hoods`` and ``n_strong``: see ``transform_rows``; ``hood_columns``:
    see ``_local_sums``. Updates the state arrays and ``connected`` in
    place; returns the new number of samples seen.
    """
    n_rows = x_indptr.size - 1
    n_columns = boost_factors.size
    global_inhibition = mode == GLOBAL
    slots = n_columns if mode == LOCAL else k
    size = max(1, min(batch_size, n_rows))
    words = np.uint64(n_words)
    # A column has at most 64 synapses per word: streams of one bit per synapse.
    stream_words = words + _U1
    row_bits = np.zeros((size, n_words), dtype=np.uint64)
    tile_bits = np.zeros((n_words, TILE), dtype=np.uint64)
    # Room for whole tiles and blocks: tiles write TILE rows, the blocked row
    # overlap BLOCK columns at a time.
    overlap = np.empty((-(-size // TILE) * TILE, -(-n_columns // BLOCK) * BLOCK),
                       dtype=np.int32)
    winners = np.empty((size, slots), dtype=np.int32)
    n_winners = np.zeros(size, dtype=np.int64)
    won = np.zeros((size, n_columns), dtype=np.bool_)
    n_wins = np.zeros(n_columns, dtype=np.int64)
    activity = np.zeros((size, stream_words), dtype=np.uint64)
    flags = np.zeros(stream_words, dtype=np.uint64)
    counts = np.zeros(64, dtype=np.float32)
    buffers = _selection_buffers(n_columns, max(k, n_strong))
    boosted = buffers[0]
    local = np.empty(n_columns, dtype=np.float64)
    for start in range(0, n_rows, batch_size):
        m = min(batch_size, n_rows - start)
        # Overlaps and winners of every row against the state at the batch start.
        if m == 1:
            _set_row_bits(x_indptr, x_indices, start, row_bits[0])
            _row_overlaps(word_indptr, word_index, connected, blocked, row_bits[0],
                          overlap[0])
        else:
            for t in range(0, m, TILE):
                mt = min(TILE, m - t)
                _tile_overlaps(
                    x_indptr, x_indices, start + t, mt, word_indptr, word_index,
                    connected, blocked, tile_bits, overlap, t,
                )
                for r in range(mt):
                    _set_row_bits(x_indptr, x_indices, start + t + r, row_bits[t + r])
        for r in range(m):
            _boost(overlap[r, :n_columns], boost_factors, boosted)
            n_winners[r] = _select(
                mode, boosted, k, stimulus_threshold, hoods, n_strong, buffers,
                winners[r],
            )
            for j in range(n_winners[r]):
                won[r, winners[r, j]] = True
                n_wins[winners[r, j]] += 1
        # Permanences of the columns that won at least once.
        for c in range(np.uint64(n_columns)):
            if n_wins[c] == 0:
                continue
            n = np.int64(0)
            for r in range(m):
                if won[r, c]:
                    _gather_activity(
                        c, row_bits[r], word_indptr, word_index, word_mask, activity[n]
                    )
                    n += 1
            s0 = potential_indptr[c]
            n_synapses = potential_indptr[c + _U1] - s0
            _adapt(
                s0, n_synapses, activity, n, permanences, connected_threshold,
                increment, decrement, counts, flags,
            )
            _scatter_connected(c, flags, word_indptr, word_mask, words, blocked, connected)
        # Duty cycles, row by row.
        n_before = n_samples_seen
        for r in range(m):
            n_samples_seen += 1
            _update_duty_cycles(
                overlap[r, :n_columns], won[r], n_samples_seen, duty_cycle_period,
                overlap_duty, active_duty,
            )
        for r in range(m):
            _clear_row_bits(x_indptr, x_indices, start + r, row_bits[r])
            for j in range(n_winners[r]):
                won[r, winners[r, j]] = False
                n_wins[winners[r, j]] = 0
        # Weak columns, boost factors, and on update rounds the minimum duty cycles.
        for c in range(np.uint64(n_columns)):
            if overlap_duty[c] < min_overlap_duty[c]:
                s0 = potential_indptr[c]
                _bump(s0, potential_indptr[c + _U1] - s0, permanences,
                      connected_threshold, bump, flags)
                _scatter_connected(
                    c, flags, word_indptr, word_mask, words, blocked, connected
                )
        if boost_strength == 0.0:
            boost_factors[:] = 1.0
        else:
            _update_boost_factors(
                global_inhibition, sparsity, boost_strength, active_duty, hoods[0],
                hood_columns, local, boost_factors,
            )
        if n_samples_seen // update_period > n_before // update_period:
            _update_min_duty_cycles(
                global_inhibition, min_pct, overlap_duty, hood_columns, local,
                min_overlap_duty,
            )
    return n_samples_seen
