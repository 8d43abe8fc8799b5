"""Plotting helpers: what they draw, checked against the fitted pooler."""

import sys

import numpy as np
import pytest

from sklearn_htm import SpatialPoolerTransformer, plotting

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(scope="module")
def pooler(digit_bits):
    bits, _ = digit_bits
    return SpatialPoolerTransformer(
        n_columns=48, sparsity=0.1, batch_size=10, random_state=0, backend="numpy"
    ).fit(bits[:100])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _images(fig):
    return [ax.images[0].get_array() for ax in fig.axes if ax.images]


def test_receptive_fields_fold_pixels_and_bits(pooler):
    permanences = pooler.permanences_.toarray()
    fields = plotting.receptive_fields(pooler, (8, 8), [5, 0], bits=[1, 3])
    assert fields.shape == (2, 8, 8)
    # Pixel (r, c) is feature 8 * r + c; its bit j is input 4 * (8 * r + c) + j.
    for k, column in enumerate([5, 0]):
        for r in range(8):
            for c in range(8):
                pixel = 8 * r + c
                expected = (permanences[column, 4 * pixel + 1]
                            + permanences[column, 4 * pixel + 3]) / 2
                assert fields[k, r, c] == pytest.approx(expected)
    connected = plotting.receptive_fields(pooler, (8, 8), [2], connected=True)
    expected = pooler.connected_synapses_.toarray()[2].reshape(64, 4).mean(axis=1)
    np.testing.assert_allclose(connected[0].ravel(), expected)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(image_shape=(7, 7), columns=[0]), "image_shape"),
        (dict(image_shape=(8, 8), columns=[0], bits=[4]), "bits"),
        (dict(image_shape=(8, 8), columns=[48]), "columns"),
    ],
)
def test_receptive_fields_reject_bad_arguments(pooler, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plotting.receptive_fields(pooler, **kwargs)


def test_plot_receptive_fields_defaults_to_most_active_columns(pooler):
    fig = plotting.plot_receptive_fields(pooler, (8, 8), n_cols=4)
    images = _images(fig)
    assert len(images) == 16
    most_active = np.argsort(-pooler.active_duty_cycles_, kind="stable")[0]
    np.testing.assert_allclose(
        images[0], plotting.receptive_fields(pooler, (8, 8), [most_active])[0]
    )
    assert fig.axes[0].get_title() == f"column {most_active}"


def test_plot_sdrs_draws_each_sdr_under_its_image(pooler, digits, digit_bits):
    X, y = digits
    sdr = pooler.transform(digit_bits[0][:3])
    fig = plotting.plot_sdrs(sdr, X[:3].reshape(-1, 8, 8), labels=y[:3])
    images = _images(fig)
    assert len(images) == 6
    np.testing.assert_array_equal(images[0], X[0].reshape(8, 8))
    # 48 columns fold into the most square grid, 6 x 8.
    np.testing.assert_array_equal(images[3], sdr[0].toarray().reshape(6, 8) != 0)
    assert fig.axes[0].get_title() == str(y[0])
    with pytest.raises(ValueError, match="column_shape"):
        plotting.plot_sdrs(sdr, column_shape=(5, 5))
    with pytest.raises(ValueError, match="images"):
        plotting.plot_sdrs(sdr, X[:2].reshape(-1, 8, 8))


def test_plot_duty_cycles_histograms(pooler):
    fig = plotting.plot_duty_cycles(pooler, bins=10)
    duty_ax, boost_ax = fig.axes
    assert sum(patch.get_height() for patch in duty_ax.patches) == 48
    assert sum(patch.get_height() for patch in boost_ax.patches) == 48
    assert duty_ax.get_xlabel() == "active duty cycle"


def test_curves(pooler):
    fig = plotting.plot_learning_curve([100, 200], {"a": [0.5, 0.7], "b": [0.4, 0.6]})
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["a", "b"]
    np.testing.assert_array_equal(lines[0].get_ydata(), [0.5, 0.7])
    fig = plotting.plot_noise_robustness([0.0, 0.5], [1.0, 0.4])
    assert fig.axes[0].get_legend() is None
    with pytest.raises(ValueError, match="curve"):
        plotting.plot_noise_robustness([0.0, 0.5], [1.0])


def test_missing_matplotlib_gives_install_hint(pooler, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plotting.plot_duty_cycles(pooler)
