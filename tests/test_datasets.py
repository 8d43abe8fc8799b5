"""Tests of the MNIST loader on tiny idx files written here."""

import gzip
import struct

import numpy as np
import pytest

from sklearn_htm.datasets import load_mnist, read_idx


def _idx_bytes(array, type_byte=0x08):
    header = bytes([0, 0, type_byte, array.ndim]) + struct.pack(
        ">" + "I" * array.ndim, *array.shape
    )
    return header + array.tobytes()


def _write(path, payload, gz):
    if gz:
        with gzip.open(str(path) + ".gz", "wb") as handle:
            handle.write(payload)
    else:
        path.write_bytes(payload)


@pytest.fixture(scope="module")
def tiny_images():
    rng = np.random.RandomState(0)
    train = rng.randint(0, 256, size=(5, 28, 28)).astype(np.uint8)
    test = rng.randint(0, 256, size=(3, 28, 28)).astype(np.uint8)
    return train, np.array([3, 1, 4, 1, 5]), test, np.array([9, 2, 6])


def _make_folder(folder, tiny_images, gz):
    train, train_y, test, test_y = tiny_images
    _write(folder / "train-images-idx3-ubyte", _idx_bytes(train), gz)
    _write(folder / "train-labels-idx1-ubyte", _idx_bytes(train_y.astype(np.uint8)), gz)
    _write(folder / "t10k-images-idx3-ubyte", _idx_bytes(test), gz)
    _write(folder / "t10k-labels-idx1-ubyte", _idx_bytes(test_y.astype(np.uint8)), gz)
    return folder


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_reads_both_subsets(tmp_path, tiny_images, gz):
    folder = _make_folder(tmp_path, tiny_images, gz)
    train, train_y, test, test_y = tiny_images

    bunch = load_mnist(folder)
    assert bunch.data.dtype == np.uint8
    assert bunch.data.shape == (5, 784)
    np.testing.assert_array_equal(bunch.images, train)
    np.testing.assert_array_equal(bunch.data, train.reshape(5, -1))
    assert bunch.target.dtype == np.int64
    np.testing.assert_array_equal(bunch.target, train_y)
    assert len(bunch.feature_names) == 784
    assert bunch.feature_names[29] == "pixel_1_1"
    assert "MNIST" in bunch.DESCR

    X, y = load_mnist(str(folder), subset="test", return_X_y=True)
    np.testing.assert_array_equal(X, test.reshape(3, -1))
    np.testing.assert_array_equal(y, test_y)


def test_load_mnist_names_the_missing_file(tmp_path, tiny_images):
    folder = _make_folder(tmp_path, tiny_images, gz=True)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    load_mnist(folder, subset="train")  # the train files are all there
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_mnist(folder, subset="test")


def test_load_mnist_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(tmp_path / "nowhere")


def test_load_mnist_rejects_unknown_subset(tmp_path):
    with pytest.raises(ValueError, match="subset"):
        load_mnist(tmp_path, subset="validation")


def test_load_mnist_rejects_label_count_mismatch(tmp_path, tiny_images):
    folder = _make_folder(tmp_path, tiny_images, gz=False)
    _write(folder / "train-labels-idx1-ubyte", _idx_bytes(np.zeros(4, np.uint8)), False)
    with pytest.raises(ValueError, match="4 images|holds labels of shape"):
        load_mnist(folder)


def test_read_idx_other_dtypes_and_byte_order(tmp_path):
    values = np.arange(-3, 3, dtype=">i4").reshape(2, 3)
    path = tmp_path / "ints"
    path.write_bytes(_idx_bytes(values, type_byte=0x0C))
    read = read_idx(path)
    assert read.dtype == np.dtype(np.int32)
    np.testing.assert_array_equal(read, [[-3, -2, -1], [0, 1, 2]])


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"", "magic"),
        (b"\x00\x00\x99\x01\x00\x00\x00\x01\x00", "magic"),
        (b"\x00\x01\x08\x01\x00\x00\x00\x01\x00", "magic"),
        (b"\x00\x00\x08\x02\x00\x00\x00\x01", "truncated"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", "header announces"),
    ],
)
def test_read_idx_rejects_malformed_files(tmp_path, payload, message):
    path = tmp_path / "bad"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match=message):
        read_idx(path)


def test_read_idx_rejects_corrupt_gzip(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="Cannot read"):
        read_idx(path)
