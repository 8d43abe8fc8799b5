"""The digits demonstration: what the Spatial Pooler adds, in one table.

Used by ``python -m sklearn_htm`` and by the gallery example
``examples/plot_digits_pipeline.py``.
"""

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from . import __version__
from .encoders import GreyscaleEncoder
from .metrics import ablation_study, format_ablation_table
from .presets import get_preset
from .spatial_pooler import SpatialPoolerTransformer


def run_digits_demo(*, verbose=True, test_size=0.25, random_state=0, **pooler_params):
    """Train encoder -> pooler -> LogisticRegression on sklearn's digits.

    Splits the 1,797 bundled 8x8 digits (stratified), then measures the four
    pipelines of :func:`sklearn_htm.metrics.ablation_study` with the
    ``"digits"`` preset: raw pixels + LR, encoder + LR, untrained SP + LR and
    trained SP + LR.

    Parameters
    ----------
    verbose : bool, default=True
        Print a title and the table, row by row as they are measured.
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
    """
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_state
    )
    preset = get_preset("digits")
    pooler = SpatialPoolerTransformer(
        **{**preset["pooler"], **pooler_params, "random_state": random_state}
    )
    if verbose:
        print(
            f"sklearn-htm {__version__}: sklearn digits, {len(X_train)} training and "
            f"{len(X_test)} test images; pooler {pooler.n_columns} columns, "
            f"sparsity {pooler.sparsity}, backend {pooler.backend!r}"
        )
    return ablation_study(
        X_train, y_train, X_test, y_test,
        encoder=GreyscaleEncoder(**preset["encoder"]),
        pooler=pooler,
        classifier=LogisticRegression(**preset["classifier"]),
        verbose=verbose,
    )


__all__ = ["format_ablation_table", "run_digits_demo"]
