"""Run the CuPy backend's CUDA C kernels on the CPU, for tests without a GPU.

The kernel source (:data:`sklearn_htm.spatial_pooler.backends._cupy._kernels.KERNEL_SOURCE`)
is compiled as C++ with a small shim: every CUDA thread of a block is a
cooperative fiber (``ucontext``) that runs until it waits on a barrier,
``__syncthreads`` and the warp primitives (``__ballot_sync``,
``__shfl_xor_sync``) are barriers, blocks run one after the other, and
``__shared__`` variables are statics shared by the block's threads. Kernels
without barriers run their threads one after the other. Everything runs in
the calling thread, deterministically.

Floating point is compiled without contraction (``-ffp-contract=off``), as
NVRTC compiles the real kernels with ``--fmad=false``, so results are
IEEE-identical to what the GPU computes.

What this cannot check: timing, coalescing, out-of-bounds accesses beyond
what corrupts a result, CUDA's scheduling freedom between warps (warps here
are as independent as the kernels assume, but run in lockstep only at the
barriers), and NVRTC itself. Every launch checks the argument list against
the kernel's parameter types, the mistake CuPy would not catch.
"""

import ctypes
import re
import shutil
import subprocess

import numpy as np

_SHIM = r"""
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <math.h>
#include <string>
#include <type_traits>
#include <ucontext.h>
#include <utility>
#include <vector>

struct dim3 { unsigned x = 1, y = 1, z = 1; };
dim3 threadIdx, blockIdx, blockDim, gridDim;
int emu_lane = 0, emu_warp = 0;

// Cooperative threads: every CUDA thread of a block is a fiber; a fiber runs
// until it waits on a barrier (or ends), then the scheduler runs the next.
enum { EMU_READY, EMU_WAITING, EMU_DONE };
struct EmuFiber { ucontext_t context; int state; int barrier; };
static std::vector<EmuFiber> emu_fibers;
static std::vector<std::vector<char>> emu_stacks;
static ucontext_t emu_scheduler;
static int emu_current = 0;
static std::function<void()> emu_kernel;
// Barrier 0 is the block's, barrier 1 + w warp w's.
static int emu_arrived[33], emu_live[33];
static uint64_t emu_slots[32][32];
static int emu_lanes[32];
static std::vector<unsigned char> emu_dynamic_shared_buffer;
static unsigned char* emu_dynamic_shared = nullptr;

static void emu_release(int barrier) {
    emu_arrived[barrier] = 0;
    for (auto& fiber : emu_fibers) {
        if (fiber.state == EMU_WAITING && fiber.barrier == barrier) fiber.state = EMU_READY;
    }
}

static void emu_wait(int barrier) {
    if (++emu_arrived[barrier] >= emu_live[barrier]) { emu_release(barrier); return; }
    EmuFiber& fiber = emu_fibers[emu_current];
    fiber.state = EMU_WAITING;
    fiber.barrier = barrier;
    swapcontext(&fiber.context, &emu_scheduler);
}

static void emu_fiber_main() {
    emu_kernel();
    emu_fibers[emu_current].state = EMU_DONE;
    for (int barrier : {0, 1 + emu_warp}) {
        --emu_live[barrier];
        if (emu_arrived[barrier] > 0 && emu_arrived[barrier] >= emu_live[barrier]) emu_release(barrier);
    }
}

static void emu_enter(int i) {
    emu_current = i;
    threadIdx.x = (unsigned)i;
    emu_lane = i & 31;
    emu_warp = i >> 5;
}

// Runs one block; false when its fibers wait on barriers nobody else reaches.
static bool emu_run_block(unsigned block) {
    emu_fibers.assign(block, EmuFiber{});
    emu_stacks.resize(block);
    std::fill(std::begin(emu_arrived), std::end(emu_arrived), 0);
    emu_live[0] = (int)block;
    for (unsigned w = 0; w < 32; ++w) {
        emu_lanes[w] = std::max(0, std::min(32, (int)block - 32 * (int)w));
        emu_live[1 + w] = emu_lanes[w];
    }
    for (unsigned i = 0; i < block; ++i) {
        emu_stacks[i].resize(1 << 16);
        EmuFiber& fiber = emu_fibers[i];
        fiber.state = EMU_READY;
        getcontext(&fiber.context);
        fiber.context.uc_stack.ss_sp = emu_stacks[i].data();
        fiber.context.uc_stack.ss_size = emu_stacks[i].size();
        fiber.context.uc_link = &emu_scheduler;
        makecontext(&fiber.context, emu_fiber_main, 0);
    }
    for (;;) {
        bool ran = false, all_done = true;
        for (unsigned i = 0; i < block; ++i) {
            if (emu_fibers[i].state == EMU_READY) {
                emu_enter((int)i);
                swapcontext(&emu_scheduler, &emu_fibers[i].context);
                ran = true;
            }
            all_done = all_done && emu_fibers[i].state == EMU_DONE;
        }
        if (all_done) return true;
        if (!ran) return false;
    }
}

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define SKHTM_DYNAMIC_SHARED(type, name) type* name = reinterpret_cast<type*>(emu_dynamic_shared)
using std::min;
using std::max;

inline void __syncthreads() { emu_wait(0); }
inline void __syncwarp(unsigned = 0xffffffffu) { emu_wait(1 + emu_warp); }
template <class T> T __shfl_xor_sync(unsigned, T value, int lane_mask) {
    static_assert(sizeof(T) <= 8, "shuffle of a wide type");
    const int warp = emu_warp, lane = emu_lane;
    uint64_t raw = 0;
    std::memcpy(&raw, &value, sizeof(T));
    emu_slots[warp][lane] = raw;
    emu_wait(1 + warp);
    const uint64_t got = emu_slots[warp][lane ^ lane_mask];
    emu_wait(1 + warp);
    T out;
    std::memcpy(&out, &got, sizeof(T));
    return out;
}
inline unsigned __ballot_sync(unsigned, int predicate) {
    const int warp = emu_warp;
    emu_slots[warp][emu_lane] = predicate != 0;
    emu_wait(1 + warp);
    unsigned out = 0;
    for (int i = 0; i < emu_lanes[warp]; ++i) out |= (unsigned)(emu_slots[warp][i] != 0) << i;
    emu_wait(1 + warp);
    return out;
}
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned)x); }
"""

_LAUNCHERS = r"""
template <class T> std::string emu_code() {
    using U = std::remove_cv_t<std::remove_pointer_t<T>>;
    std::string base = std::is_same_v<U, int> ? "int32" : std::is_same_v<U, long long> ? "int64"
        : std::is_same_v<U, unsigned int> ? "uint32" : std::is_same_v<U, unsigned short> ? "uint16"
        : std::is_same_v<U, unsigned char> ? "uint8" : std::is_same_v<U, float> ? "float32"
        : std::is_same_v<U, double> ? "float64" : "?";
    return std::is_pointer_v<T> ? base + "*" : base;
}

template <class... A, std::size_t... I>
void emu_call(void (*f)(A...), void** args, std::index_sequence<I...>) {
    f(*static_cast<std::remove_cv_t<A>*>(args[I])...);
}

template <class... A>
int emu_launch(void (*f)(A...), int cooperative, unsigned grid, unsigned block, size_t shared,
               void** args) {
    gridDim.x = grid;
    blockDim.x = block;
    emu_dynamic_shared_buffer.assign(shared + 16, 0);
    emu_dynamic_shared = emu_dynamic_shared_buffer.data();
    emu_kernel = [&] { emu_call(f, args, std::index_sequence_for<A...>{}); };
    for (unsigned b = 0; b < grid; ++b) {
        blockIdx.x = b;
        if (cooperative) {
            if (!emu_run_block(block)) return 1;
            continue;
        }
        for (unsigned t = 0; t < block; ++t) {
            emu_enter((int)t);
            emu_kernel();
        }
    }
    return 0;
}

template <class... A> const char* emu_signature(void (*)(A...)) {
    static std::string s;
    s.clear();
    ((s += emu_code<A>() + ","), ...);
    return s.c_str();
}
"""

_WRAPPER = r"""
extern "C" int launch_{name}(unsigned grid, unsigned block, size_t shared, int cooperative, void** args) {{
    return emu_launch(&{name}, cooperative, grid, block, shared, args);
}}
extern "C" const char* signature_{name}() {{ return emu_signature(&{name}); }}
"""

_KERNEL = re.compile(r'extern "C" __global__ void (\w+)\(')
_SCALARS = {
    np.dtype(np.int32): ctypes.c_int32,
    np.dtype(np.int64): ctypes.c_int64,
    np.dtype(np.uint32): ctypes.c_uint32,
    np.dtype(np.float32): ctypes.c_float,
    np.dtype(np.float64): ctypes.c_double,
}
# Device buffers the kernels read as raw integers.
_POINTER_DTYPES = {"float16": "uint16", "bool": "uint8"}


def compiler():
    """The C++ compiler used, or None when there is none."""
    return shutil.which("g++")


class HostKernels:
    """A ``launch(name, grid, block, args, shared_mem)`` running the kernels
    of ``source`` on the CPU (see the module docstring).

    Parameters
    ----------
    source : str
        CUDA C source whose ``extern "C" __global__`` kernels to run.
    workdir : pathlib.Path
        Where the shared library is built.
    """

    def __init__(self, source, workdir):
        names = _KERNEL.findall(source)
        bodies = re.split(r'(?=extern "C" __global__)', source)
        self._cooperative = {}
        for name in names:
            body = next(b for b in bodies if b.startswith(f'extern "C" __global__ void {name}('))
            self._cooperative[name] = "__syncthreads" in body or "_sync(" in body
        cpp = workdir / "kernels_host.cpp"
        cpp.write_text(
            _SHIM + source + _LAUNCHERS
            + "".join(_WRAPPER.format(name=name) for name in names)
        )
        library = workdir / "kernels_host.so"
        subprocess.run(
            [compiler(), "-std=c++20", "-O1", "-ffp-contract=off", "-fno-fast-math",
             "-fPIC", "-shared", "-w", str(cpp), "-o", str(library)],
            check=True, capture_output=True, text=True,
        )
        self._library = ctypes.CDLL(str(library))
        self._signatures = {}
        for name in names:
            signature = getattr(self._library, f"signature_{name}")
            signature.restype = ctypes.c_char_p
            self._signatures[name] = signature().decode().rstrip(",").split(",")
            launch = getattr(self._library, f"launch_{name}")
            launch.argtypes = [ctypes.c_uint, ctypes.c_uint, ctypes.c_size_t, ctypes.c_int,
                               ctypes.POINTER(ctypes.c_void_p)]
            launch.restype = ctypes.c_int
        self.launches = {name: 0 for name in names}

    def _argument(self, name, position, expected, value):
        if isinstance(value, np.ndarray):
            dtype = _POINTER_DTYPES.get(value.dtype.name, value.dtype.name)
            if expected != dtype + "*":
                raise TypeError(
                    f"{name} argument {position}: kernel takes {expected}, got an "
                    f"array of {value.dtype}"
                )
            if not value.flags.c_contiguous:
                raise TypeError(f"{name} argument {position}: array is not contiguous")
            return ctypes.c_void_p(value.ctypes.data)
        if not isinstance(value, np.generic) or value.dtype.name != expected:
            raise TypeError(
                f"{name} argument {position}: kernel takes {expected}, got "
                f"{type(value).__name__} {value!r}"
            )
        return _SCALARS[value.dtype](value.item())

    def __call__(self, name, grid, block, args, shared_mem=0):
        expected = self._signatures[name]
        if len(args) != len(expected):
            raise TypeError(f"{name} takes {len(expected)} arguments, got {len(args)}")
        held = [self._argument(name, i, e, a) for i, (e, a) in enumerate(zip(expected, args))]
        pointers = (ctypes.c_void_p * len(held))(
            *[ctypes.cast(ctypes.pointer(h), ctypes.c_void_p) for h in held]
        )
        launch = getattr(self._library, f"launch_{name}")
        if launch(grid[0], block[0], shared_mem, int(self._cooperative[name]), pointers):
            raise RuntimeError(
                f"{name}: threads wait on a barrier that the rest of their block or "
                "warp never reaches (divergent __syncthreads or warp primitive)"
            )
        self.launches[name] += 1


class NumpyGemm:
    """The float16 GEMMs of the CuPy backend, in float32 numpy (exact for 0/1)."""

    @staticmethod
    def abt(a, b):
        return a.astype(np.float32) @ b.astype(np.float32).T

    @staticmethod
    def atb(a, b):
        return a.astype(np.float32).T @ b.astype(np.float32)
