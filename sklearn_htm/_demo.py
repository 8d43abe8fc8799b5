"""The demonstration: what the Spatial Pooler adds, in one table.

Used by ``python -m sklearn_htm`` (see :mod:`sklearn_htm.__main__`) and by
the gallery example ``examples/plot_digits_pipeline.py``.
"""

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from . import __version__
from .datasets import load_mnist
from .metrics import ablation_study, format_ablation_table
from .presets import get_preset, preset_encoder
from .spatial_pooler import SpatialPoolerTransformer
from .spatial_pooler.backends import resolve_backend_name


def default_preset(data):
    """The preset made for the data: "digits" for the bundled digits, "blog"
    (the blog post's configuration) for an MNIST folder."""
    return "digits" if data is None else "blog"


def check_preset(preset, data):
    """Refuse a preset made for the other data set (its encoder's value range
    would clip every pixel).

    Raises
    ------
    ValueError
        If ``preset`` is "digits" with an MNIST folder, or an MNIST preset
        without one. The "image" recipe fits either.
    """
    if preset == "image":
        return
    if (preset == "digits") != (data is None):
        needs = "needs --data DIR (an MNIST folder)" if data is None else (
            "is for scikit-learn's bundled digits; with --data use 'blog' or 'mnist'")
        raise ValueError(f"preset {preset!r} {needs}.")


def run_demo(preset=None, *, data=None, verbose=True, test_size=0.25, random_state=0,
             **pooler_params):
    """Train encoder -> pooler -> LogisticRegression and print the ablations.

    Measures the four pipelines of :func:`sklearn_htm.metrics.ablation_study`
    with a preset: raw pixels + LR, encoder + LR, untrained SP + LR and
    trained SP + LR.

    Parameters
    ----------
    preset : {"digits", "blog", "mnist", "image"} or None, default=None
        See :mod:`sklearn_htm.presets`; None picks :func:`default_preset`.
        "image" gets the images' shape from the data set (8 x 8 or 28 x 28).
    data : str, path-like or None, default=None
        An MNIST folder (its idx files: 60,000 training and 10,000 test
        images); None uses scikit-learn's bundled 8x8 digits, split
        (stratified) with ``test_size``.
    verbose : bool or int, default=True
        Print a title and the table, row by row as they are measured; 1 or
        more also reaches the pooler (progress of its learning).
    test_size : float, default=0.25
        Fraction of the digits held out for scoring.
    random_state : int, default=0
        Seed of the split and of the pooler.
    **pooler_params
        Override pooler parameters of the preset (for example
        ``n_columns=512`` or ``backend="numpy"``).

    Returns
    -------
    rows : list of dict
        One per pipeline: ``"model"``, ``"accuracy"``, ``"fit_time"``,
        ``"score_time"``, ``"pipeline"`` (fitted).

    Raises
    ------
    ValueError
        For a preset made for the other data set.
    """
    preset = default_preset(data) if preset is None else preset
    check_preset(preset, data)
    if data is None:
        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=test_size, stratify=y, random_state=random_state
        )
        source = "sklearn digits"
    else:
        X_train, y_train = load_mnist(data, subset="train", return_X_y=True)
        X_test, y_test = load_mnist(data, subset="test", return_X_y=True)
        source = f"MNIST from {data}"
    image_shape = None
    if preset == "image":
        image_shape = (8, 8) if data is None else (28, 28)
    settings = get_preset(preset, image_shape=image_shape)
    pooler = SpatialPoolerTransformer(**{
        **settings["pooler"], "verbose": int(verbose), **pooler_params,
        "random_state": random_state,
    })
    if verbose:
        print(
            f"sklearn-htm {__version__}: {source}, {len(X_train)} training and "
            f"{len(X_test)} test images; preset {preset!r}: pooler {pooler.n_columns} "
            f"columns, sparsity {pooler.sparsity}, backend "
            f"{resolve_backend_name(pooler.backend)!r}", flush=True,
        )
    return ablation_study(
        X_train, y_train, X_test, y_test,
        encoder=preset_encoder(settings),
        pooler=pooler,
        classifier=LogisticRegression(**settings["classifier"]),
        verbose=verbose,
    )


def run_digits_demo(*, verbose=True, test_size=0.25, random_state=0, **pooler_params):
    """:func:`run_demo` on scikit-learn's bundled digits with the "digits" preset."""
    return run_demo("digits", verbose=verbose, test_size=test_size,
                    random_state=random_state, **pooler_params)


__all__ = ["format_ablation_table", "run_demo", "run_digits_demo"]
