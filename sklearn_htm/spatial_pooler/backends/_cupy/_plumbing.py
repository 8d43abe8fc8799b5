"""CuPy plumbing of the GPU backend: tensor-core GEMMs and kernel launches.

Nothing here imports CuPy before an object is built (on the first GPU call).
"""

import numpy as np

from . import _kernels as kernels


class CublasGemm:
    """0/1 float16 GEMMs with float32 results on tensor cores (cuBLAS gemmEx).

    Row-major ``out = a @ b.T`` is column-major ``out.T = b @ a.T``, so both
    products are one gemmEx call on the row-major buffers as they are.
    Falls back to an exact float32 ``cupy.matmul`` if cuBLAS refuses.
    """

    def __init__(self):
        import cupy
        from cupy_backends.cuda.api import runtime
        from cupy_backends.cuda.libs import cublas

        self._cupy, self._cublas = cupy, cublas
        self._half, self._single = runtime.CUDA_R_16F, runtime.CUDA_R_32F
        self._one = np.ones(1, dtype=np.float32)
        self._zero = np.zeros(1, dtype=np.float32)
        self.use_cublas = True

    def _gemm(self, transa, transb, m, n, k, A, lda, B, ldb, C, ldc):
        cupy, cublas = self._cupy, self._cublas
        handle = cupy.cuda.device.get_cublas_handle()
        cublas.setStream(handle, cupy.cuda.get_current_stream().ptr)
        mode = cublas.getPointerMode(handle)
        cublas.setPointerMode(handle, cublas.CUBLAS_POINTER_MODE_HOST)
        try:
            cublas.gemmEx(
                handle, transa, transb, m, n, k,
                self._one.ctypes.data, A.data.ptr, self._half, lda,
                B.data.ptr, self._half, ldb,
                self._zero.ctypes.data, C.data.ptr, self._single, ldc,
                cublas.CUBLAS_COMPUTE_32F, cublas.CUBLAS_GEMM_DEFAULT,
            )
        finally:
            cublas.setPointerMode(handle, mode)

    def _run(self, transa, transb, m, n, k, A, lda, B, ldb, fallback):
        """Column-major ``C (m x n) = op(A) @ op(B)``, i.e. row-major (n x m)."""
        out = self._cupy.empty((n, m), dtype=np.float32)
        if min(m, n, k) == 0:
            out[...] = 0
            return out
        if self.use_cublas:
            try:
                self._gemm(transa, transb, m, n, k, A, lda, B, ldb, out, m)
                return out
            except self._cublas.CUBLASError:
                self.use_cublas = False
        out[...] = fallback(np.float32)
        return out

    def abt(self, a, b):
        """``a @ b.T`` for row-major ``a`` (m x k) and ``b`` (n x k)."""
        (m, k), n = a.shape, b.shape[0]
        op = self._cublas
        return self._run(op.CUBLAS_OP_T, op.CUBLAS_OP_N, n, m, k, b, k, a, k,
                         lambda f32: a.astype(f32) @ b.astype(f32).T)

    def atb(self, a, b):
        """``a.T @ b`` for row-major ``a`` (k x m) and ``b`` (k x n)."""
        (k, m), n = a.shape, b.shape[1]
        op = self._cublas
        return self._run(op.CUBLAS_OP_N, op.CUBLAS_OP_T, n, m, k, b, n, a, m,
                         lambda f32: a.astype(f32).T @ b.astype(f32))


class CupyLauncher:
    """Launches the kernels of the compiled ``cupy.RawModule``."""

    def __init__(self):
        self._module = kernels.get_module()
        self._functions = {}

    def __call__(self, name, grid, block, args, shared_mem=0):
        function = self._functions.get(name)
        if function is None:
            function = self._functions[name] = self._module.get_function(name)
        function(grid, block, args, shared_mem=shared_mem)
