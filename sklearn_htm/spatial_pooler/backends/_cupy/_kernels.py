"""CUDA C sources of the CuPy backend, compiled on first use.

Nothing here compiles or imports CuPy at import time: :data:`KERNEL_SOURCE`
is a plain string and :func:`get_module` builds the ``cupy.RawModule`` the
first time a kernel is launched.

Exactness rules the sources follow (the numpy reference is the
specification, :mod:`sklearn_htm.backends._numpy`):

* Compiled with ``--fmad=false``: NVRTC would otherwise fuse ``a * b + c``
  into one FMA with a single rounding, and results would drift from numpy's
  by the last bit. Division and denormals keep their IEEE defaults.
* Floating-point expressions are written in the reference's order, one
  rounding per numpy operation (``p + delta`` after ``delta = a*inc - i*dec``,
  duty cycles ``d * decay`` then ``+ increment``, row by row).
* :func:`sklearn_htm._portable_math.portable_exp` is repeated with the very
  same constants, formatted from that module, so boost factors agree to the
  bit.
* Half-precision buffers (the GEMM operands) only ever hold 0 and 1; the
  kernels write them as raw bits (``0x3C00`` is 1.0) so that no half-float
  header is needed.
"""

from ....utils._portable_math import (
    EXP_ARG_MAX,
    EXP_ARG_MIN,
    EXP_COEFFICIENTS,
    INV_LN2,
    LN2_HI,
    LN2_LO,
)

# Options for NVRTC. ``--fmad=false`` is what makes float results match
# numpy bit for bit; see the module docstring.
COMPILE_OPTIONS = ("--fmad=false",)

# column_update: batch rows staged in shared memory per pass, and the largest
# batch for which a column counts its active inputs directly from the rows
# instead of from the GEMM ``W.T @ X``.
EVENT_TILE = 1024
DIRECT_MAX_ROWS = 64
# column_update needs two warps (threads 0 and 32 run the two duty chains).
COLUMN_BLOCK_MIN = 64


def _double_literal(value):
    # repr() is the shortest string that round-trips, so the C compiler
    # parses it back to the same double.
    return repr(float(value))


def _horner_source():
    head, *rest = EXP_COEFFICIENTS
    lines = [f"    double result = {_double_literal(head)};"]
    lines += [f"    result = result * r + {_double_literal(c)};" for c in rest]
    return "\n".join(lines)


_PRELUDE = r"""
#ifndef SKHTM_DYNAMIC_SHARED
#define SKHTM_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif
#define SKHTM_FULL_MASK 0xffffffffu
#define SKHTM_HALF_ONE ((unsigned short)0x3C00u)
#define SKHTM_EVENT_TILE @EVENT_TILE@
#define SKHTM_DIRECT_MAX_ROWS @DIRECT_MAX_ROWS@

// Unsigned key with the order numpy's sort gives float32 values: -0.0 and
// +0.0 equal, NaN above +inf (all NaNs equal, so the index breaks their ties).
__device__ __forceinline__ unsigned int skhtm_order_key(float v)
{
    if (v != v) return 0xffffffffu;
    if (v == 0.0f) return 0x80000000u;
    const unsigned int bits = __float_as_uint(v);
    return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

// sklearn_htm._portable_math.portable_exp, operation for operation.
__device__ double skhtm_portable_exp(double x)
{
    x = x < @EXP_ARG_MIN@ ? @EXP_ARG_MIN@ : (x > @EXP_ARG_MAX@ ? @EXP_ARG_MAX@ : x);
    const double n = floor(x * @INV_LN2@ + 0.5);
    const double r = (x - n * @LN2_HI@) - n * @LN2_LO@;
@HORNER@
    return ldexp(result, (int)n);
}

// sklearn_htm._state.boost_factors for one column, from its exponent
// (target - active duty cycle) * boost_strength. The one place the kernels
// turn exponents into float32 boost factors.
__device__ __forceinline__ float skhtm_boost_factor(double exponent)
{
    return (float)skhtm_portable_exp(exponent);
}
"""

_KERNELS = r"""
// Scatter rows [row_offset, row_offset + n_rows) of a CSR matrix into a
// zeroed dense half matrix (n_rows x ld): 1 where the stored value is
// non-zero (every stored value when has_data is 0). One warp per row.
extern "C" __global__ void csr_rows_to_dense(
    const long long* __restrict__ indptr, const int* __restrict__ indices,
    const unsigned char* __restrict__ data, int has_data,
    long long row_offset, int n_rows, int ld, unsigned short* __restrict__ out)
{
    const int lane = threadIdx.x & 31;
    const long long row = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (row >= n_rows) return;
    const long long end = indptr[row_offset + row + 1];
    for (long long p = indptr[row_offset + row] + lane; p < end; p += 32) {
        if (!has_data || data[p]) out[row * ld + indices[p]] = SKHTM_HALF_ONE;
    }
}

// Global inhibition, one warp per row: the k largest boosted overlaps
// o[j] * boost[j] win, ties to the higher column index, then winners below
// the stimulus threshold are dropped.
//
// The k-th largest key T is found bit by bit from the top (radix select):
// `remaining` counts how many keys equal to the current prefix are still to
// be taken. Keys above T all win; of the keys equal to T, the `remaining`
// ones with the highest indices win. Writes the winners in ascending column
// order to lists (n_rows x k) and their number to counts, and/or the dense
// half 0/1 matrix (n_rows x n_cols).
extern "C" __global__ void topk_global(
    const float* __restrict__ overlaps, const float* __restrict__ boost,
    int n_rows, int n_cols, int k, float stimulus_threshold,
    unsigned int* __restrict__ scratch, int keys_in_shared,
    int* __restrict__ lists, int* __restrict__ counts, int write_lists,
    unsigned short* __restrict__ dense, int write_dense)
{
    SKHTM_DYNAMIC_SHARED(unsigned int, shared_keys);
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const long long row = (long long)blockIdx.x * (blockDim.x >> 5) + warp;
    if (row >= n_rows) return;  // uniform across the warp
    unsigned int* keys = keys_in_shared
        ? shared_keys + (long long)warp * n_cols
        : scratch + row * n_cols;
    const float* o = overlaps + row * n_cols;
    // Every lane only ever reads back the keys it wrote itself.
    for (int j = lane; j < n_cols; j += 32) keys[j] = skhtm_order_key(o[j] * boost[j]);

    unsigned int prefix = 0u, mask = 0u;
    int remaining = k;
    for (int bit = 31; bit >= 0; --bit) {
        const unsigned int b = 1u << bit;
        int c = 0;
        for (int j = lane; j < n_cols; j += 32) {
            const unsigned int key = keys[j];
            c += ((key & mask) == prefix) & ((key & b) != 0u);
        }
        for (int offset = 16; offset > 0; offset >>= 1) {
            c += __shfl_xor_sync(SKHTM_FULL_MASK, c, offset);
        }
        if (c >= remaining) prefix |= b; else remaining -= c;
        mask |= b;
    }

    // Take `remaining` (>= 1) of the keys equal to T, highest indices first;
    // tie_start ends as the lowest index taken.
    int tie_start = n_cols;
    for (int base = ((n_cols - 1) >> 5) << 5; base >= 0 && remaining > 0; base -= 32) {
        const int j = base + lane;
        const bool equal = j < n_cols && keys[j] == prefix;
        const unsigned int m = __ballot_sync(SKHTM_FULL_MASK, equal);
        const int c = __popc(m);
        if (c <= remaining) {
            remaining -= c;
            if (m) tie_start = base + __ffs(m) - 1;
        } else {
            // Lowest lane whose tie, counted with those above it, completes the quota.
            const unsigned int cut = __ballot_sync(
                SKHTM_FULL_MASK, equal && __popc(m >> lane) == remaining);
            tie_start = base + __ffs(cut) - 1;
            remaining = 0;
        }
    }

    int written = 0;
    for (int base = 0; base < n_cols; base += 32) {
        const int j = base + lane;
        bool win = false;
        if (j < n_cols) {
            const unsigned int key = keys[j];
            win = (key > prefix || (key == prefix && j >= tie_start))
                  && o[j] * boost[j] >= stimulus_threshold;
        }
        const unsigned int m = __ballot_sync(SKHTM_FULL_MASK, win);
        if (write_lists && win) {
            lists[row * k + written + __popc(m & ((1u << lane) - 1u))] = j;
        }
        if (write_dense && j < n_cols) dense[row * n_cols + j] = win ? SKHTM_HALF_ONE : 0;
        written += __popc(m);
    }
    if (write_lists && lane == 0) counts[row] = written;
}

// Local inhibition, one thread per (row, column): a column at or above the
// stimulus threshold wins when fewer than n_winners[c] of its neighbours beat
// it (o'[n] > o'[c], or equal and n > c). Writes the dense half 0/1 matrix.
extern "C" __global__ void inhibit_local(
    const float* __restrict__ overlaps, const float* __restrict__ boost,
    int n_rows, int n_cols,
    const long long* __restrict__ hood_indptr, const int* __restrict__ hood_indices,
    const int* __restrict__ n_winners, float stimulus_threshold,
    unsigned short* __restrict__ dense)
{
    const long long total = (long long)n_rows * n_cols;
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < total; t += stride) {
        const long long row = t / n_cols;
        const int c = (int)(t - row * n_cols);
        const float* o = overlaps + row * n_cols;
        const float mine = o[c] * boost[c];
        bool win = false;
        if (mine >= stimulus_threshold) {
            const int limit = n_winners[c];
            int beaten = 0;
            const long long end = hood_indptr[c + 1];
            for (long long p = hood_indptr[c]; p < end && beaten < limit; ++p) {
                const int n = hood_indices[p];
                const float theirs = o[n] * boost[n];
                beaten += (theirs > mine) || (theirs == mine && n > c);
            }
            win = beaten < limit;
        }
        dense[t] = win ? SKHTM_HALF_ONE : 0;
    }
}

// Everything learning does to one column after the winners of a batch are
// known, one block per column (blockDim >= 64):
// 1. duty cycles row by row (thread 0: active, thread 32: overlap), from the
//    per-row decays and increments the host computed;
// 2. the boost factor, for global inhibition (local needs the neighbours'
//    duty cycles: boost_local runs afterwards);
// 3. if the column won: p += float(a) * inc - float(n - a) * dec, clipped to
//    [0, 1], with a = rows where the column won and the input was active,
//    n = rows where it won; a comes from active_counts (the GEMM W.T @ X)
//    when use_counts, else from the rows themselves (n_rows <= DIRECT_MAX);
// 4. if the column is weak (overlap duty < minimum): p = min(p + bump, 1);
// 5. the dense connected matrix row of the column.
// Step 1 never reads permanences, so doing it first keeps the reference's
// order (adapt, duty cycles, bump, boost).
extern "C" __global__ void column_update(
    int n_rows, int n_cols, int ld,
    const float* __restrict__ overlaps, const unsigned short* __restrict__ winners,
    const double* __restrict__ decays, const double* __restrict__ increments,
    double* __restrict__ active_duty, double* __restrict__ overlap_duty,
    const double* __restrict__ min_overlap_duty,
    int boost_global, double sparsity, double boost_strength, float* __restrict__ boost,
    const long long* __restrict__ indptr, const int* __restrict__ inputs,
    float* __restrict__ permanences,
    const float* __restrict__ active_counts, const unsigned short* __restrict__ rows_dense,
    int use_counts,
    float inc, float dec, float bump, float threshold,
    unsigned short* __restrict__ connected)
{
    __shared__ unsigned char won[SKHTM_EVENT_TILE];
    __shared__ unsigned char overlapped[SKHTM_EVENT_TILE];
    __shared__ int won_rows[SKHTM_DIRECT_MAX_ROWS];
    __shared__ int n_won;
    __shared__ int weak;
    const int c = blockIdx.x;
    const int tid = threadIdx.x;
    double duty = 0.0;
    int n = 0;
    if (tid == 0) duty = active_duty[c];
    if (tid == 32) duty = overlap_duty[c];
    for (int t0 = 0; t0 < n_rows; t0 += SKHTM_EVENT_TILE) {
        const int len = min(SKHTM_EVENT_TILE, n_rows - t0);
        for (int s = tid; s < len; s += blockDim.x) {
            const long long at = (long long)(t0 + s) * n_cols + c;
            won[s] = winners[at] != 0;
            overlapped[s] = overlaps[at] > 0.0f;
        }
        __syncthreads();
        if (tid == 0) {
            for (int s = 0; s < len; ++s) {
                duty = duty * decays[t0 + s];
                if (won[s]) {
                    duty = duty + increments[t0 + s];
                    if (n < SKHTM_DIRECT_MAX_ROWS) won_rows[n] = t0 + s;
                    ++n;
                }
            }
        } else if (tid == 32) {
            for (int s = 0; s < len; ++s) {
                duty = duty * decays[t0 + s];
                if (overlapped[s]) duty = duty + increments[t0 + s];
            }
        }
        __syncthreads();
    }
    if (tid == 0) {
        active_duty[c] = duty;
        n_won = n;
        if (boost_global) {
            boost[c] = skhtm_boost_factor((sparsity - duty) * boost_strength);
        }
    } else if (tid == 32) {
        overlap_duty[c] = duty;
        weak = duty < min_overlap_duty[c];
    }
    __syncthreads();
    const int n_w = n_won;
    const bool is_weak = weak != 0;
    if (n_w == 0 && !is_weak) return;
    const float wins = (float)n_w;
    const long long end = indptr[c + 1];
    for (long long s = indptr[c] + tid; s < end; s += blockDim.x) {
        const int i = inputs[s];
        float p = permanences[s];
        if (n_w > 0) {
            float a;
            if (use_counts) {
                a = active_counts[(long long)c * ld + i];
            } else {
                int count = 0;
                for (int q = 0; q < n_w; ++q) {
                    count += rows_dense[(long long)won_rows[q] * ld + i] != 0;
                }
                a = (float)count;
            }
            const float delta = a * inc - (wins - a) * dec;
            p = p + delta;
            p = p < 0.0f ? 0.0f : (p > 1.0f ? 1.0f : p);
        }
        if (is_weak) {
            p = p + bump;
            p = p > 1.0f ? 1.0f : p;
        }
        permanences[s] = p;
        connected[(long long)c * ld + i] = p >= threshold ? SKHTM_HALF_ONE : 0;
    }
}

// Local inhibition's boost factors: the target is the mean active duty cycle
// of the column and its neighbours, summed from the column itself and then
// its neighbours in index order (sklearn_htm._state.boost_targets).
extern "C" __global__ void boost_local(
    const double* __restrict__ active_duty,
    const long long* __restrict__ hood_indptr, const int* __restrict__ hood_indices,
    int n_cols, double boost_strength, float* __restrict__ boost)
{
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= n_cols) return;
    const long long begin = hood_indptr[c], end = hood_indptr[c + 1];
    double total = active_duty[c];
    for (long long p = begin; p < end; ++p) total = total + active_duty[hood_indices[p]];
    const double target = total / (double)(end - begin + 1);
    boost[c] = skhtm_boost_factor((target - active_duty[c]) * boost_strength);
}

// Local inhibition's minimum overlap duty cycles: min_pct times the largest
// overlap duty cycle of the column and its neighbours.
extern "C" __global__ void min_duty_local(
    const double* __restrict__ overlap_duty,
    const long long* __restrict__ hood_indptr, const int* __restrict__ hood_indices,
    int n_cols, double min_pct, double* __restrict__ min_overlap_duty)
{
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= n_cols) return;
    double largest = overlap_duty[c];
    for (long long p = hood_indptr[c]; p < hood_indptr[c + 1]; ++p) {
        const double d = overlap_duty[hood_indices[p]];
        largest = d > largest ? d : largest;
    }
    min_overlap_duty[c] = min_pct * largest;
}
"""

KERNEL_NAMES = (
    "csr_rows_to_dense",
    "topk_global",
    "inhibit_local",
    "column_update",
    "boost_local",
    "min_duty_local",
)


def _render(template, values):
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    return template


KERNEL_SOURCE = _render(
    _PRELUDE,
    {
        "EVENT_TILE": str(EVENT_TILE),
        "DIRECT_MAX_ROWS": str(DIRECT_MAX_ROWS),
        "EXP_ARG_MIN": _double_literal(EXP_ARG_MIN),
        "EXP_ARG_MAX": _double_literal(EXP_ARG_MAX),
        "INV_LN2": _double_literal(INV_LN2),
        "LN2_HI": _double_literal(LN2_HI),
        "LN2_LO": _double_literal(LN2_LO),
        "HORNER": _horner_source(),
    },
) + _KERNELS

_module = None


def get_module():
    """The compiled ``cupy.RawModule`` (compiled on the first call, then cached).

    CuPy also caches the binary on disk, so later processes skip NVRTC.
    """
    global _module
    if _module is None:
        import cupy

        _module = cupy.RawModule(code=KERNEL_SOURCE, options=COMPILE_OPTIONS)
    return _module
