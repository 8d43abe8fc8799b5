"""The CuPy backend: the Spatial Pooler on a CUDA GPU, bit for bit the reference.

Interface (see :mod:`sklearn_htm.backends._numpy`): ``transform(config,
state, X)`` and ``learn(config, state, X, batch_size)``. ``X`` may be a
canonical binary scipy CSR matrix (the host backends' input) or, from device
input, a CuPy array (non-zero = active) or a cupyx CSR matrix (non-zero
stored values = active). ``transform`` answers with numpy arrays for host
input and CuPy arrays for device input.

The state stays a numpy :class:`~sklearn_htm._state.PoolerState`, with its
device copy (:class:`~._device_state.DeviceState`, the dense connected
matrix included) kept in ``state.scratch["cupy"]`` between calls: the first
call on a state uploads it, later calls reuse it, and learning keeps it
exact and downloads the arrays it changed, so that the host arrays are
always current and pickling, ``clone``, joblib workers and the other
backends never meet device memory (see :mod:`._device_state` for when the
copy is dropped). :data:`chunk_rows` tells the estimator how many rows to
hand over per ``learn`` call so that the downloads stay a small part of
the time.

How the work maps onto the GPU:

* overlaps: the rows and the connected synapses as dense 0/1 half-precision
  matrices, multiplied by cuBLAS on tensor cores with float32 accumulation.
  Products are 0 or 1 and every partial sum is an integer below 2**24, so
  the float32 result is the exact integer count in any summation order;
* global inhibition: one warp per row selects the k winners by radix
  selection on order-preserving integer keys (no sort), with the reference's
  tie rule; local inhibition: one thread per (row, column);
* learning: for each batch, the winners' input counts ``W.T @ X`` (another
  tensor-core GEMM; for small batches the kernel counts from the rows
  directly), then one kernel per step updates, column by column, the duty
  cycles (row by row, as the reference), boost factors, permanences, weak
  column bumps and the dense connected matrix of the next step. Nothing
  waits for the GPU inside the loop: the duty schedule and the update rounds
  are computed on the host in advance.

Everything that is not a raw kernel is written against the array module:
:class:`ArrayOps` runs the same steps with ``numpy`` (the CPU tests compare
it with the reference) or ``cupy``; :class:`KernelOps` replaces the heavy
steps by the kernels of :mod:`sklearn_htm.backends._cupy_kernels`. CuPy is
imported on the first call only.
"""

import numpy as np

from ....utils._array_api import is_device_array, is_sparse, to_host
from ...._core.rows import BinaryRows
from ..._memory import check_device_memory
from ..._state import boost_factors, crosses_update_round
from .._base import SpatialPoolerBackend
from . import _array_ops as ao
from . import _kernels as kernels
from ._device_state import NAME, DeviceState, forget, resident
from ._plumbing import CublasGemm, CupyLauncher

name = NAME

# Rows the estimator should pass per learn() call. Each call downloads the
# arrays learning changed (4 bytes per potential synapse, a few float64 per
# column), a fixed cost that small calls would make a large part of the time.
chunk_rows = 65536


class _Rows:
    """Input rows in the ops' namespace: dense, or CSR parts."""

    def __init__(self, xp, X):
        self.n_rows, self.n_cols = X.shape
        self.dense = None
        if is_sparse(X):
            X = X.tocsr()
            self.indptr = xp.asarray(X.indptr, dtype=xp.int64)
            self.indices = xp.asarray(X.indices, dtype=xp.int32)
            self.active = xp.asarray(X.data != 0)
        else:
            self.dense = xp.asarray(X)


class ArrayOps:
    """The backend's steps written against the array module ``xp``.

    With ``xp=numpy`` this is what the CPU tests hold to the reference; with
    ``xp=cupy`` it is a slow but kernel-free GPU path used to cross-check the
    kernels.
    """

    matmul_dtype = np.float32
    # Working memory per block of rows (dense rows, overlaps, masks).
    block_bytes = 32 * 2**20

    def __init__(self, xp):
        self.xp = xp

    # -- data movement

    def padded_width(self, n_inputs):
        return n_inputs

    def device_state(self, config, state):
        """Upload ``state`` (a new :class:`DeviceState`; calls use
        :func:`resident`, which uploads only when the state has no copy)."""
        return DeviceState(self, config, state)

    def bytes_per_row(self, config, width):
        return width * np.dtype(self.matmul_dtype).itemsize + 16 * config.n_columns

    def dense_rows(self, rows, start, stop, width):
        """Rows ``start:stop`` as a dense 0/1 ``matmul_dtype`` matrix."""
        xp = self.xp
        out = xp.zeros((stop - start, width), dtype=self.matmul_dtype)
        if rows.dense is not None:
            out[:, :rows.n_cols] = rows.dense[start:stop] != 0
            return out
        lo, hi = int(rows.indptr[start]), int(rows.indptr[stop])
        row = ao.csr_row_ids(xp, rows.indptr[start:stop + 1], xp.arange(lo, hi))
        keep = rows.active[lo:hi]
        out[row[keep], rows.indices[lo:hi][keep]] = 1
        return out

    # -- overlaps and inhibition

    def overlaps(self, X, connected):
        """Exact integer overlaps as float32, ``X @ connected.T``."""
        return X @ connected.T

    def active_counts(self, W, X):
        """``W.T @ X``: per column and input, rows where both are 1 (float32)."""
        return W.T @ X

    def winner_mask(self, config, dev, overlap):
        xp = self.xp
        boosted = overlap * dev.boost
        if config.global_inhibition:
            return ao.global_winner_mask(
                xp, boosted, config.n_active_columns, config.stimulus_threshold
            )
        if not hasattr(dev, "padded"):
            dev.padded = xp.asarray(ao.padded_neighbourhoods(
                config.neighbourhood_indptr, config.neighbourhood_indices
            ))
        return ao.local_winner_mask(
            xp, boosted, dev.padded, dev.n_winners, config.stimulus_threshold
        )

    def winners_csr(self, config, dev, overlap):
        return ao.mask_to_csr(self.xp, self.winner_mask(config, dev, overlap))

    def winners_dense(self, config, dev, overlap):
        return self.winner_mask(config, dev, overlap).astype(self.matmul_dtype)

    # -- learning

    def learn_step(self, config, dev, overlap, W, X, decays, increments):
        """Duty cycles, permanences, bumps, connected matrix and boost factors
        after one batch (the reference's order; see the module docstring)."""
        xp = self.xp
        ao.update_duty_cycles(xp, dev.overlap_duty, overlap > 0, decays, increments)
        ao.update_duty_cycles(xp, dev.active_duty, W != 0, decays, increments)
        counts = self.active_counts(W, X)[dev.columns, dev.inputs]
        dev.permanences = ao.adapt_permanences(
            xp, config, dev.permanences, dev.columns, counts,
            W.sum(axis=0, dtype=np.float32), dev.overlap_duty < dev.min_duty,
        )
        dev.connected[dev.columns, dev.inputs] = (
            dev.permanences >= config.connected_threshold
        )
        dev.boost = xp.asarray(boost_factors(config, to_host(dev.active_duty)))

    def update_min_duty(self, config, dev):
        xp = self.xp
        if config.global_inhibition:
            dev.min_duty[...] = config.min_pct_overlap_duty_cycle * xp.max(dev.overlap_duty)
            return
        if not hasattr(dev, "padded"):
            dev.padded = xp.asarray(ao.padded_neighbourhoods(
                config.neighbourhood_indptr, config.neighbourhood_indices
            ))
        dev.min_duty[...] = ao.local_min_duty_cycles(
            xp, dev.overlap_duty, dev.padded, config.min_pct_overlap_duty_cycle
        )

    # -- results

    def result(self, indptr, indices, on_device):
        if on_device:
            return indptr, indices
        return to_host(indptr).astype(np.int64), to_host(indices).astype(np.int32)


class KernelOps(ArrayOps):
    """:class:`ArrayOps` with the heavy steps done by the CUDA kernels.

    Parameters
    ----------
    xp : module
        ``cupy`` (``numpy`` with an emulating ``launch`` in the tests).
    launch : callable
        ``launch(name, grid, block, args, shared_mem)`` runs a kernel of
        :data:`sklearn_htm.backends._cupy_kernels.KERNEL_SOURCE`.
    gemm : object
        ``gemm.abt(a, b)`` returns ``a @ b.T`` and ``gemm.atb(a, b)`` returns
        ``a.T @ b``, float32 results of 0/1 float16 operands.
    shared_bytes : int
        Dynamic shared memory a block may use.
    column_block : int
        Threads per block of ``column_update`` (at least 64).
    max_warps : int
        Rows (one warp each) per block of ``topk_global``.
    """

    matmul_dtype = np.float16
    block_bytes = 512 * 2**20
    # Inputs are padded to a multiple of this: aligned rows for the GEMMs.
    width_multiple = 64

    def __init__(self, xp, launch, gemm, shared_bytes=48 * 1024, column_block=128,
                 max_warps=8):
        super().__init__(xp)
        self.max_warps = max_warps
        self.launch = launch
        self.gemm = gemm
        self.shared_bytes = shared_bytes
        self.column_block = max(column_block, kernels.COLUMN_BLOCK_MIN)
        self._dummies = {}

    def _dummy(self, dtype):
        """A one-element array for a pointer argument a kernel will not use
        (one per device, for the device current now)."""
        cuda = getattr(self.xp, "cuda", None)
        key = (np.dtype(dtype), cuda.Device().id if cuda is not None else None)
        if key not in self._dummies:
            self._dummies[key] = self.xp.zeros(1, dtype=dtype)
        return self._dummies[key]

    def device_state(self, config, state):
        self._check_device_memory(config, state)
        return super().device_state(config, state)

    def _check_device_memory(self, config, state):
        """Refuse, before allocating, a pooler whose dense device matrices
        cannot fit: the float16 connected matrix (n_columns x inputs) and the
        float32 counts ``W.T @ X`` of a learning batch (the same size twice),
        plus 16 bytes per potential synapse."""
        cuda = getattr(self.xp, "cuda", None)
        if cuda is None:
            return
        width = self.padded_width(config.n_inputs)
        needed = 6 * config.n_columns * width + 16 * state.potential_indices.size
        free = cuda.Device().mem_info[0] + self.xp.get_default_memory_pool().free_bytes()
        check_device_memory(
            needed, free,
            f"{config.n_columns:,} columns x {config.n_inputs:,} inputs (dense connected "
            f"matrix) and {state.potential_indices.size:,} potential synapses",
        )

    def padded_width(self, n_inputs):
        return -(-n_inputs // self.width_multiple) * self.width_multiple

    def dense_rows(self, rows, start, stop, width):
        if rows.dense is not None:
            return super().dense_rows(rows, start, stop, width)
        n = stop - start
        out = self.xp.zeros((n, width), dtype=self.matmul_dtype)
        if n:
            warps = 8
            self.launch(
                "csr_rows_to_dense", (-(-n // warps),), (32 * warps,),
                (rows.indptr, rows.indices, rows.active, np.int32(1),
                 np.int64(start), np.int32(n), np.int32(width), out),
            )
        return out

    def overlaps(self, X, connected):
        return self.gemm.abt(X, connected)

    def active_counts(self, W, X):
        return self.gemm.atb(W, X)

    def _topk(self, config, dev, overlap, write_lists, write_dense):
        xp = self.xp
        n_rows, n_cols = overlap.shape
        k = config.n_active_columns
        key_bytes = 4 * n_cols
        if key_bytes <= self.shared_bytes:
            warps = max(1, min(self.max_warps, self.shared_bytes // key_bytes))
            scratch, in_shared, shared_mem = self._dummy(np.uint32), 1, warps * key_bytes
        else:
            warps = min(4, self.max_warps)
            scratch = xp.empty((n_rows, n_cols), dtype=np.uint32)
            in_shared, shared_mem = 0, 0
        lists = xp.empty((n_rows, k), dtype=np.int32) if write_lists else self._dummy(np.int32)
        counts = xp.empty(n_rows, dtype=np.int32) if write_lists else self._dummy(np.int32)
        dense = (
            xp.empty((n_rows, n_cols), dtype=self.matmul_dtype)
            if write_dense else self._dummy(self.matmul_dtype)
        )
        if n_rows:
            self.launch(
                "topk_global", (-(-n_rows // warps),), (32 * warps,),
                (overlap, dev.boost, np.int32(n_rows), np.int32(n_cols), np.int32(k),
                 np.float32(config.stimulus_threshold), scratch, np.int32(in_shared),
                 lists, counts, np.int32(write_lists), dense, np.int32(write_dense)),
                shared_mem,
            )
        return lists, counts, dense

    def _local(self, config, dev, overlap):
        n_rows, n_cols = overlap.shape
        dense = self.xp.empty((n_rows, n_cols), dtype=self.matmul_dtype)
        total = n_rows * n_cols
        if total:
            self.launch(
                "inhibit_local", (min(-(-total // 256), 1 << 20),), (256,),
                (overlap, dev.boost, np.int32(n_rows), np.int32(n_cols),
                 dev.hood_indptr, dev.hood_indices, dev.n_winners,
                 np.float32(config.stimulus_threshold), dense),
            )
        return dense

    def winners_csr(self, config, dev, overlap):
        if config.global_inhibition:
            lists, counts, _ = self._topk(config, dev, overlap, True, False)
            return ao.lists_to_csr(self.xp, lists, counts)
        return ao.mask_to_csr(self.xp, self._local(config, dev, overlap) != 0)

    def winners_dense(self, config, dev, overlap):
        if config.global_inhibition:
            return self._topk(config, dev, overlap, False, True)[2]
        return self._local(config, dev, overlap)

    def learn_step(self, config, dev, overlap, W, X, decays, increments):
        n_rows, n_cols = overlap.shape
        direct = n_rows <= kernels.DIRECT_MAX_ROWS
        counts = self._dummy(np.float32) if direct else self.active_counts(W, X)
        boosting = config.boost_strength != 0.0
        self.launch(
            "column_update", (n_cols,), (self.column_block,),
            (np.int32(n_rows), np.int32(n_cols), np.int32(dev.width),
             overlap, W, decays, increments,
             dev.active_duty, dev.overlap_duty, dev.min_duty,
             np.int32(boosting and config.global_inhibition),
             np.float64(config.sparsity), np.float64(config.boost_strength), dev.boost,
             dev.indptr, dev.inputs, dev.permanences,
             counts, X, np.int32(not direct),
             np.float32(config.permanence_increment),
             np.float32(config.permanence_decrement),
             np.float32(config.weak_column_bump),
             np.float32(config.connected_threshold),
             dev.connected),
        )
        if not boosting:
            dev.boost[...] = 1
        elif not config.global_inhibition:
            self.launch(
                "boost_local", (-(-n_cols // 256),), (256,),
                (dev.active_duty, dev.hood_indptr, dev.hood_indices, np.int32(n_cols),
                 np.float64(config.boost_strength), dev.boost),
            )

    def update_min_duty(self, config, dev):
        if config.global_inhibition:
            super().update_min_duty(config, dev)
            return
        n_cols = config.n_columns
        self.launch(
            "min_duty_local", (-(-n_cols // 256),), (256,),
            (dev.overlap_duty, dev.hood_indptr, dev.hood_indices, np.int32(n_cols),
             np.float64(config.min_pct_overlap_duty_cycle), dev.min_duty),
        )


# ------------------------------------------------------------------ driver


def _block_rows(ops, config, width, multiple=1):
    """Rows per block within the ops' memory budget, a multiple of ``multiple``."""
    rows = max(1, ops.block_bytes // ops.bytes_per_row(config, width))
    return max(multiple, rows // multiple * multiple)


def transform_with(ops, config, state, X):
    """``transform`` computed by ``ops`` (see the module docstring)."""
    xp = ops.xp
    rows = _Rows(xp, X)
    dev = resident(ops, config, state)
    block = _block_rows(ops, config, dev.width)
    parts = []
    for start in range(0, rows.n_rows, block):
        stop = min(start + block, rows.n_rows)
        overlap = ops.overlaps(ops.dense_rows(rows, start, stop, dev.width), dev.connected)
        parts.append(ops.winners_csr(config, dev, overlap))
    indptr, indices = ao.concat_csr(xp, parts)
    return ops.result(indptr, indices, is_device_array(X))


def learn_with(ops, config, state, X, batch_size):
    """``learn`` computed by ``ops``; modifies ``state`` in place and keeps
    its device copy exact."""
    rows = _Rows(ops.xp, X)
    if rows.n_rows == 0:
        return
    dev = resident(ops, config, state)
    try:
        _learn_rows(ops, config, dev, rows, batch_size)
        dev.write_back(state)
    except BaseException:
        # A half-changed copy: the host arrays are the truth again.
        forget(state, dev)
        raise


def _learn_rows(ops, config, dev, rows, batch_size):
    """Learn ``rows`` on the device copy ``dev``, in chunks of whole batches."""
    xp = ops.xp
    chunk = _block_rows(ops, config, dev.width, batch_size)
    for start in range(0, rows.n_rows, chunk):
        stop = min(start + chunk, rows.n_rows)
        X_chunk = ops.dense_rows(rows, start, stop, dev.width)
        decays, increments = (
            xp.asarray(a) for a in
            ao.duty_schedule(dev.n_samples_seen, stop - start, config.duty_cycle_period)
        )
        for b0 in range(0, stop - start, batch_size):
            b1 = min(b0 + batch_size, stop - start)
            X_batch = X_chunk[b0:b1]
            overlap = ops.overlaps(X_batch, dev.connected)
            W = ops.winners_dense(config, dev, overlap)
            ops.learn_step(config, dev, overlap, W, X_batch, decays[b0:b1], increments[b0:b1])
            n_before = dev.n_samples_seen
            dev.n_samples_seen += b1 - b0
            if crosses_update_round(n_before, dev.n_samples_seen, config.update_period):
                ops.update_min_duty(config, dev)


# ------------------------------------------------------------ CuPy plumbing

_kernel_ops = None


def kernel_ops():
    """The process's :class:`KernelOps` on CuPy (built, and compiled, once)."""
    global _kernel_ops
    if _kernel_ops is None:
        import cupy

        _kernel_ops = KernelOps(cupy, CupyLauncher(), CublasGemm())
    return _kernel_ops


def _host_csr(X):
    """Host rows as the canonical CSR matrix the ops read; device input as is."""
    return X.to_csr() if isinstance(X, BinaryRows) else X


def transform(config, state, X):
    return transform_with(kernel_ops(), config, state, _host_csr(X))


def learn(config, state, X, batch_size):
    learn_with(kernel_ops(), config, state, _host_csr(X), batch_size)


class CupyBackend(SpatialPoolerBackend):
    """The CuPy GPU backend (see the module docstring)."""

    name = NAME
    chunk_rows = chunk_rows
    accepts_device_input = True

    def infer(self, config, state, rows):
        return transform(config, state, rows)

    def learn(self, config, state, rows, batch_size, journal=None):
        learn(config, state, rows, batch_size)
