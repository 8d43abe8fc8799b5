"""Pictures of a Spatial Pooler: receptive fields, SDRs, duty cycles, curves.

Needs matplotlib, an optional dependency (``pip install matplotlib``, or the
``plot`` extra).
Every function returns the matplotlib Figure it drew on, so that scripts can
save it and galleries can show it.
"""

import math

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "plot_duty_cycles",
    "plot_learning_curve",
    "plot_noise_robustness",
    "plot_receptive_fields",
    "plot_sdrs",
]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "sklearn_htm.plotting needs matplotlib: pip install matplotlib "
            "(or the plot extra)."
        ) from exc
    return plt


def _grid(n_panels, n_cols):
    n_cols = max(1, min(n_cols, n_panels))
    return math.ceil(n_panels / n_cols), n_cols


def _near_square(n):
    """(rows, cols) with rows * cols == n and rows as close to sqrt(n) as it gets."""
    rows = int(math.isqrt(n))
    while n % rows:
        rows -= 1
    return rows, n // rows


def receptive_fields(pooler, image_shape, columns, *, bits=None, connected=False):
    """Each column's permanences folded back onto the image grid.

    Parameters
    ----------
    pooler : fitted SpatialPoolerTransformer
    image_shape : tuple (height, width)
        Shape of the image the encoder read; the pooler's input must have
        ``height * width * n_bits`` features, bit ``j`` of pixel ``f`` at
        ``f * n_bits + j`` (the :class:`~sklearn_htm.GreyscaleEncoder` layout).
    columns : sequence of int
        Columns to fold.
    bits : sequence of int or None, default=None
        Encoder bits to average over (None: all). With a one-hot greyscale
        encoding, bits ``1..n_bits-1`` are the ink and bit 0 the background.
    connected : bool, default=False
        Average connected synapses (0/1) instead of permanences.

    Returns
    -------
    fields : ndarray of shape (len(columns), height, width)
        Non-potential synapses count as permanence 0.
    """
    check_is_fitted(pooler)
    height, width = (int(v) for v in image_shape)
    n_features = pooler.n_features_in_
    if n_features % (height * width):
        raise ValueError(
            f"image_shape={tuple(image_shape)} does not divide the pooler's "
            f"{n_features} input features into whole bits per pixel."
        )
    n_bits = n_features // (height * width)
    bits = np.arange(n_bits) if bits is None else np.asarray(bits, dtype=np.int64)
    if bits.size == 0 or bits.min() < 0 or bits.max() >= n_bits:
        raise ValueError(f"bits must be indices in [0, {n_bits}), got {bits.tolist()}.")
    columns = np.asarray(columns, dtype=np.int64)
    if columns.size and (columns.min() < 0 or columns.max() >= pooler.n_columns_):
        raise ValueError(f"columns must be in [0, {pooler.n_columns_}).")
    matrix = pooler.connected_synapses_ if connected else pooler.permanences_
    dense = sp.csr_matrix(matrix)[columns].toarray().astype(np.float64)
    return dense.reshape(columns.size, height, width, n_bits)[..., bits].mean(axis=-1)


def plot_receptive_fields(pooler, image_shape, *, columns=None, bits=None,
                          connected=False, n_cols=8, cmap="viridis", fig=None):
    """Show columns' receptive fields as images.

    Parameters
    ----------
    pooler : fitted SpatialPoolerTransformer
    image_shape : tuple (height, width)
        For example (28, 28) for MNIST, (8, 8) for sklearn's digits.
    columns : sequence of int or None, default=None
        Columns to show; None shows the 16 most active columns (by active
        duty cycle).
    bits, connected
        See :func:`receptive_fields`.
    n_cols : int, default=8
        Panels per row.
    cmap : str, default="viridis"
    fig : matplotlib Figure or None, default=None
        Figure to draw on; None creates one.

    Returns
    -------
    fig : matplotlib Figure
    """
    plt = _pyplot()
    if columns is None:
        columns = np.argsort(-pooler.active_duty_cycles_, kind="stable")[:16]
    fields = receptive_fields(pooler, image_shape, columns, bits=bits, connected=connected)
    n_rows, n_cols = _grid(len(fields), n_cols)
    if fig is None:
        fig = plt.figure(figsize=(1.4 * n_cols, 1.5 * n_rows + 0.4))
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, column, field in zip(axes.ravel(), columns, fields):
        ax.imshow(field, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"column {int(column)}", fontsize=8)
    what = "connected synapses" if connected else "permanences"
    fig.suptitle(f"Receptive fields ({what}, mean over encoder bits)", fontsize=10)
    return fig


def plot_sdrs(sdr, images=None, *, column_shape=None, labels=None, cmap="gray_r", fig=None):
    """Show SDRs as binary grids, each under its input image when given.

    Parameters
    ----------
    sdr : {array-like, sparse matrix} of shape (n_samples, n_columns)
        A few SDRs (one panel each).
    images : array-like of shape (n_samples, height, width) or None, default=None
        Inputs shown above their SDRs.
    column_shape : tuple (rows, cols) or None, default=None
        Grid the columns are drawn on; None picks the most square factoring
        of ``n_columns``.
    labels : sequence or None, default=None
        Titles of the panels (for example the digits' classes).
    cmap : str, default="gray_r"
    fig : matplotlib Figure or None, default=None

    Returns
    -------
    fig : matplotlib Figure
    """
    plt = _pyplot()
    dense = sdr.toarray() if sp.issparse(sdr) else np.asarray(sdr)
    if dense.ndim != 2:
        raise ValueError(f"sdr must be 2-d, got shape {dense.shape}.")
    n_samples, n_columns = dense.shape
    shape = _near_square(n_columns) if column_shape is None else tuple(column_shape)
    if int(np.prod(shape)) != n_columns:
        raise ValueError(f"column_shape={shape} does not hold {n_columns} columns.")
    if images is not None and len(images) != n_samples:
        raise ValueError(f"images has {len(images)} entries but sdr has {n_samples} rows.")
    n_rows = 1 if images is None else 2
    if fig is None:
        fig = plt.figure(figsize=(1.8 * n_samples, 1.9 * n_rows))
    axes = fig.subplots(n_rows, n_samples, squeeze=False)
    for i in range(n_samples):
        if images is not None:
            axes[0, i].imshow(np.asarray(images[i]), cmap="gray_r", interpolation="nearest")
            axes[0, i].set_axis_off()
        ax = axes[-1, i]
        ax.imshow(dense[i].reshape(shape) != 0, cmap=cmap, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"{int(np.count_nonzero(dense[i]))} active", fontsize=8)
        if labels is not None:
            axes[0, i].set_title(str(labels[i]), fontsize=9)
    return fig


def plot_duty_cycles(pooler, *, bins=40, fig=None):
    """Histograms of the active duty cycles and the boost factors.

    A healthy pooler has its duty cycles gathered around the target sparsity
    (drawn as a line) and few columns that never win.

    Parameters
    ----------
    pooler : fitted SpatialPoolerTransformer
    bins : int, default=40
    fig : matplotlib Figure or None, default=None

    Returns
    -------
    fig : matplotlib Figure
    """
    plt = _pyplot()
    check_is_fitted(pooler)
    if fig is None:
        fig = plt.figure(figsize=(9, 3.2))
    duty_ax, boost_ax = fig.subplots(1, 2)
    duty_ax.hist(pooler.active_duty_cycles_, bins=bins, color="tab:blue")
    duty_ax.axvline(pooler.sparsity, color="black", linestyle="--", label="sparsity")
    duty_ax.set_xlabel("active duty cycle")
    duty_ax.set_ylabel("columns")
    duty_ax.legend()
    boost_ax.hist(pooler.boost_factors_, bins=bins, color="tab:orange")
    boost_ax.set_xlabel("boost factor")
    fig.tight_layout()
    return fig


def _plot_curves(curves, x, *, xlabel, ylabel, title, ax):
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
    if not isinstance(curves, dict):
        curves = {None: curves}
    for label, values in curves.items():
        values = np.asarray(values, dtype=np.float64)
        if values.shape != np.shape(x):
            raise ValueError(
                f"curve {label!r} has {values.shape} values for {np.shape(x)} x values."
            )
        ax.plot(x, values, marker="o", label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if any(label is not None for label in curves):
        ax.legend()
    ax.grid(True, alpha=0.3)
    return ax.figure


def plot_learning_curve(n_samples_seen, scores, *, ax=None):
    """Accuracy against the number of training samples the pooler has seen.

    Parameters
    ----------
    n_samples_seen : sequence of int
    scores : sequence of float, or dict of label -> sequence of float
        One value per entry of ``n_samples_seen``.
    ax : matplotlib Axes or None, default=None

    Returns
    -------
    fig : matplotlib Figure
    """
    return _plot_curves(
        scores, np.asarray(n_samples_seen), xlabel="training samples seen",
        ylabel="test accuracy", title="Accuracy while the pooler learns", ax=ax,
    )


def plot_noise_robustness(noise_levels, overlaps, *, ax=None):
    """SDR overlap against input noise (see :func:`sklearn_htm.metrics.noise_robustness`).

    Parameters
    ----------
    noise_levels : sequence of float
    overlaps : sequence of float, or dict of label -> sequence of float
    ax : matplotlib Axes or None, default=None

    Returns
    -------
    fig : matplotlib Figure
    """
    return _plot_curves(
        overlaps, np.asarray(noise_levels), xlabel="input noise (fraction of active bits moved)",
        ylabel="SDR overlap with the clean input", title="Noise robustness", ax=ax,
    )
