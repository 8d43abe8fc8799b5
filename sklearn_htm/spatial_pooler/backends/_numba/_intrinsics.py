"""LLVM intrinsics of the numba kernels: bit counts, bit gathers and 64-lane updates.

Written in LLVM IR where Numba's own code generation would keep values in
memory or miss an instruction: ``popcount`` (one instruction), BMI2's
``pext``/``pdep`` (one instruction each on x86 since Haswell, a portable loop
elsewhere), a popcount dot product whose accumulator stays in a vector
register, and the 64-synapse permanence updates. Every float operation is
the reference's, in its order; LLVM neither reassociates nor fuses them
without fast-math flags.
"""

import llvmlite.binding as llvm
from llvmlite import ir
from numba import config, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._bundles import BLOCK, TILE, U0, U1


@intrinsic
def popcount(typingctx, x):
    """Number of set bits of a uint64 (LLVM ``ctpop``: one instruction)."""
    if x != types.uint64:
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@intrinsic
def float64_from_bits(typingctx, x):
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
    result = U0
    bit = U1
    while mask:
        lowest = mask & (~mask + U1)
        if extract:
            if x & lowest:
                result |= bit
        elif x & bit:
            result |= lowest
        bit <<= U1
        mask &= mask - U1
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
    pext = _bmi2_intrinsic("pext")
    pdep = _bmi2_intrinsic("pdep")
else:  # pragma: no cover - depends on the machine
    pext = _pext_portable
    pdep = _pdep_portable


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


popcount_dot_tile = _make_popcount_dot(TILE)
popcount_dot_block = _make_popcount_dot(BLOCK)


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


update_chunk_online = _make_chunk_update("online")
update_chunk_batch = _make_chunk_update("batch")
bump_chunk = _make_chunk_update("bump")
