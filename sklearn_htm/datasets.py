"""Loaders for the data sets used by the examples and benchmarks, and a
generator of labelled anomalies.

The package does not download anything: point the loader at a folder that
holds the files. :func:`make_anomaly_series` makes series of its own.
"""

import gzip
import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .anomaly._generator import ANOMALY_KINDS, SIGNALS, make_anomaly_series

__all__ = ["ANOMALY_KINDS", "SIGNALS", "load_mnist", "load_nab", "make_anomaly_series",
           "read_idx"]

_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# Type byte of an idx header -> numpy dtype (big-endian, as the format says).
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_MNIST_DESCR = """\
MNIST handwritten digits
------------------------

28x28 greyscale images of handwritten digits 0-9, pixel intensities 0..255
(0 is background). 60,000 training images and 10,000 test images, read from
the idx files of Yann LeCun, Corinna Cortes and Christopher Burges.

:Number of instances: 60,000 (train), 10,000 (test)
:Number of attributes: 784 (28 x 28 pixels, uint8)
:Classes: 10
"""


def read_idx(path):
    """Read one idx file (gzipped or not) into a numpy array.

    Parameters
    ----------
    path : str or path-like
        The file. A name ending in ``.gz`` is decompressed with gzip.

    Returns
    -------
    array : ndarray
        The array with the shape and dtype of the file's header (converted
        to the machine's byte order).

    Raises
    ------
    ValueError
        If the file is not a well-formed idx file.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"Cannot read idx file {str(path)!r}: {exc}") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{str(path)!r} is not an idx file: bad magic number "
            f"{raw[:4].hex() or '(empty file)'}."
        )
    dtype = _IDX_DTYPES[raw[2]]
    n_dims = raw[3]
    header_end = 4 + 4 * n_dims
    if n_dims == 0 or len(raw) < header_end:
        raise ValueError(f"{str(path)!r} has a truncated idx header.")
    shape = tuple(int(v) for v in np.frombuffer(raw, ">u4", n_dims, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header_end != expected:
        raise ValueError(
            f"{str(path)!r} holds {len(raw) - header_end} bytes of data but its "
            f"header announces shape {shape} of {dtype.name} ({expected} bytes)."
        )
    array = np.frombuffer(raw, dtype, offset=header_end).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def _find_file(folder, stem):
    for name in (stem, stem + ".gz"):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"MNIST file {stem!r} (or {stem + '.gz'!r}) not found in "
        f"{str(folder)!r}. Download the four idx files of MNIST into that folder."
    )


def load_mnist(path, *, subset="train", return_X_y=False):
    """Load MNIST from its idx files (gzipped or not).

    Parameters
    ----------
    path : str or path-like
        Folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each
        optionally with a ``.gz`` suffix. Only the two files of ``subset``
        are read.
    subset : {"train", "test"}, default="train"
        The 60,000 training images or the 10,000 test images.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data``: ndarray of uint8, shape (n_samples, height * width), pixel
        intensities 0..255 row by row (784 per image for MNIST's 28 x 28);
        ``target``: ndarray of int64, shape (n_samples,); ``images``: ndarray
        of uint8, shape (n_samples, height, width), a view of ``data``;
        ``feature_names``: list of ``"pixel_{row}_{col}"``; ``target_names``:
        the labels present, sorted (``[0, ..., 9]`` for MNIST); ``DESCR``:
        str. Any image set in MNIST's idx format and file names loads the
        same way, whatever its image size.
    (data, target) : tuple
        When ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If a file of the subset is missing; the message names it.
    ValueError
        If ``subset`` is unknown or a file is not a valid idx file, or the
        images and labels disagree.

    Examples
    --------
    >>> from sklearn_htm.datasets import load_mnist
    >>> X, y = load_mnist("data/mnist", subset="test", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((10000, 784), (10000,))
    """
    if subset not in _MNIST_FILES:
        raise ValueError(
            f"subset must be 'train' or 'test', got {subset!r}."
        )
    folder = Path(os.fspath(path))
    if not folder.is_dir():
        raise FileNotFoundError(f"MNIST folder {str(folder)!r} does not exist.")
    image_stem, label_stem = _MNIST_FILES[subset]
    image_file = _find_file(folder, image_stem)
    label_file = _find_file(folder, label_stem)
    images = read_idx(image_file)
    labels = read_idx(label_file)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(
            f"{str(image_file)!r} must hold a 3-d uint8 array (images), got "
            f"{images.ndim}-d {images.dtype}."
        )
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError(
            f"{str(label_file)!r} holds labels of shape {labels.shape} but "
            f"{str(image_file)!r} holds {images.shape[0]} images."
        )
    n_samples, height, width = images.shape
    data = images.reshape(n_samples, height * width)
    target = labels.astype(np.int64)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        images=data.reshape(n_samples, height, width),
        feature_names=[f"pixel_{r}_{c}" for r in range(height) for c in range(width)],
        target_names=np.unique(target),
        DESCR=_MNIST_DESCR,
    )


_NAB_DESCR = """\
NAB, the Numenta Anomaly Benchmark
----------------------------------

Univariate time series (real: AWS CloudWatch metrics, ad exchange, known
causes such as taxi demand and machine temperature, traffic, tweets;
artificial ones with and without anomalies), each with labelled anomaly
windows. Lavin and Ahmad (2015), "Evaluating real-time anomaly detection
algorithms -- the Numenta Anomaly Benchmark"; github.com/numenta/NAB.

:Series: 58 (365,558 rows in all at NAB's commit ea702d7)
:Columns: timestamp, value
:Windows: 116 (labels/combined_windows.json)
"""


def load_nab(path):
    """The series of the Numenta Anomaly Benchmark and their anomaly windows.

    Parameters
    ----------
    path : str or path-like
        A NAB folder: ``data/<group>/<name>.csv`` files (columns
        ``timestamp,value``) and ``labels/combined_windows.json``.

    Returns
    -------
    nab : Bunch
        ``series``: dict of ``"<group>/<name>.csv"`` to a DataFrame with
        columns ``timestamp`` (datetime64) and ``value`` (float64), largest
        first; ``windows``: dict of the same names to lists of
        ``(start, end)`` Timestamps; ``probation``: dict of the same names to
        the length of NAB's probation period (15% of the rows, at most 750);
        ``DESCR``.

    Raises
    ------
    FileNotFoundError
        If the folder, its series or its windows file is missing.
    """
    import pandas as pd

    from .nab._runner import corpus_files
    from .nab._io import read_windows
    from .nab._windows import probation_length

    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"NAB folder {str(folder)!r} does not exist.")
    windows_file = folder / "labels" / "combined_windows.json"
    if not windows_file.is_file():
        raise FileNotFoundError(f"NAB windows file {str(windows_file)!r} does not exist.")
    all_windows = read_windows(windows_file)
    series, windows, probation = {}, {}, {}
    for name in corpus_files(folder):
        frame = pd.read_csv(folder / "data" / name)
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
        frame["value"] = frame["value"].astype(np.float64)
        series[name] = frame
        windows[name] = [(pd.Timestamp(s), pd.Timestamp(e)) for s, e in all_windows.get(name, [])]
        probation[name] = probation_length(len(frame))
    return Bunch(series=series, windows=windows, probation=probation, DESCR=_NAB_DESCR)
