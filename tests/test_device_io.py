"""CuPy in, CuPy out, checked on the CPU with a stand-in CuPy.

When the real CuPy is absent, ``cupy`` and ``cupyx.scipy.sparse`` are replaced
by stand-ins: numpy arrays (and scipy CSR matrices) of subclasses whose types
claim the ``cupy`` (``cupyx``) modules, which is how the package recognises
device data. The cupy backend runs the real CUDA kernel sources through the
host emulator (``tests/_cuda_host.py``). This checks the estimators' device
paths: device input is validated without ``validate_data``, answered in the
input's namespace, and the fitted state stays numpy. The same on a real GPU:
the ``gpu`` tests of ``tests/test_backend_cupy.py``.
"""

import importlib.util
import pickle
import sys
import types

import numpy as np
import pytest
import scipy.sparse as sp

import sklearn_htm.spatial_pooler.backends
from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.spatial_pooler.backends._cupy import _backend as cu
from sklearn_htm.spatial_pooler.backends._cupy import _kernels as kernels

from ._cuda_host import HostKernels, NumpyGemm, compiler

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("cupy") is not None,
                       reason="the real CuPy is installed; see the gpu tests"),
    pytest.mark.skipif(compiler() is None, reason="needs g++ for the host kernels"),
]


class DeviceArray(np.ndarray):
    """A numpy array that presents itself as a CuPy array."""

    def get(self):
        return np.asarray(self)


DeviceArray.__module__ = "cupy"


class DeviceCSR(sp.csr_matrix):
    """A scipy CSR matrix that presents itself as a cupyx one."""

    def get(self):
        return sp.csr_matrix(self)


DeviceCSR.__module__ = "cupyx.scipy.sparse._csr"


def _on_device(value):
    return value.view(DeviceArray) if type(value) is np.ndarray else value


def _stand_in_cupy():
    module = types.ModuleType("cupy")
    module.ndarray = DeviceArray

    def attribute(name):
        value = getattr(np, name)
        if isinstance(value, type) or not callable(value):
            return value
        return lambda *args, **kwargs: _on_device(value(*args, **kwargs))

    module.__getattr__ = attribute
    return module


@pytest.fixture(scope="module")
def host_kernels(tmp_path_factory):
    return HostKernels(kernels.KERNEL_SOURCE, tmp_path_factory.mktemp("device_io"))


@pytest.fixture
def device(monkeypatch, host_kernels):
    """The stand-in CuPy, and a cupy backend running the emulated kernels."""
    cupy = _stand_in_cupy()
    sparse = types.ModuleType("cupyx.scipy.sparse")
    sparse.csr_matrix = DeviceCSR
    sparse.issparse = lambda X: isinstance(X, DeviceCSR)
    cupyx, scipy_ = types.ModuleType("cupyx"), types.ModuleType("cupyx.scipy")
    cupyx.scipy, scipy_.sparse = scipy_, sparse
    for name, module in (("cupy", cupy), ("cupyx", cupyx), ("cupyx.scipy", scipy_),
                         ("cupyx.scipy.sparse", sparse)):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(sklearn_htm.spatial_pooler.backends, "gpu_available", lambda: True)
    ops = cu.KernelOps(cupy, host_kernels, NumpyGemm(), column_block=64, max_warps=2)
    monkeypatch.setattr(cu, "kernel_ops", lambda: ops)
    return cupy


def as_dense(X):
    X = X.get() if hasattr(X, "get") else X
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def pooler(**params):
    return SpatialPoolerTransformer(
        n_columns=48, sparsity=0.1, batch_size=4, random_state=0, **params
    )


@pytest.mark.parametrize("backend", ["numpy", "cupy"])
@pytest.mark.parametrize("sparse_output", [True, False])
def test_device_input_gives_device_output_and_numpy_state(device, digits, backend,
                                                         sparse_output):
    X = digits[0][:40]
    encoder = GreyscaleEncoder(n_bits=3, value_range=(0, 16), sparse_output=sparse_output)
    host_bits = encoder.fit_transform(X)
    device_bits = encoder.transform(device.asarray(X))
    assert type(device_bits) is (DeviceCSR if sparse_output else DeviceArray)
    np.testing.assert_array_equal(as_dense(device_bits), as_dense(host_bits))

    launched = dict(cu.kernel_ops().launch.launches)
    on_device = pooler(backend=backend, sparse_output=sparse_output).fit(device_bits)
    sdr = on_device.transform(device_bits)
    used_kernels = cu.kernel_ops().launch.launches["column_update"] > launched["column_update"]
    assert used_kernels == (backend == "cupy")
    assert type(sdr) is (DeviceCSR if sparse_output else DeviceArray)
    for array in vars(on_device._state).values():
        assert not isinstance(array, DeviceArray)
    on_host = pooler(backend="numpy", sparse_output=sparse_output).fit(host_bits)
    np.testing.assert_array_equal(on_device.permanences_.toarray(),
                                  on_host.permanences_.toarray())
    np.testing.assert_array_equal(as_dense(sdr), as_dense(on_host.transform(host_bits)))
    assert pickle.loads(pickle.dumps(on_device)).n_samples_seen_ == on_host.n_samples_seen_


def test_device_partial_fit_continues_like_the_host(device, digit_bits):
    X = digit_bits[0][:30]
    on_device, on_host = pooler(backend="cupy"), pooler(backend="numpy")
    for start in (0, 10, 20):
        on_device.partial_fit(DeviceCSR(X[start:start + 10]))
        on_host.partial_fit(X[start:start + 10])
    np.testing.assert_array_equal(on_device.boost_factors_, on_host.boost_factors_)
    np.testing.assert_array_equal(on_device.permanences_.data, on_host.permanences_.data)


def test_device_input_is_validated(device, digit_bits):
    X = digit_bits[0][:10].toarray()
    fitted = pooler(backend="cupy").fit(device.asarray(X))
    with pytest.raises(ValueError, match="features"):
        fitted.transform(device.asarray(X[:, :-1]))
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        pooler(backend="cupy").fit(device.asarray(bad))
    with pytest.raises(ValueError, match="2D"):
        fitted.transform(device.asarray(X[0]))
    with pytest.raises(ValueError, match="binary"):
        pooler(backend="cupy", binarize=None).fit(device.asarray(X * 2))
    with pytest.raises(TypeError, match="sparse"):
        GreyscaleEncoder().fit(DeviceCSR(X))
