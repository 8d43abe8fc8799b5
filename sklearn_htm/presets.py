"""Named parameter sets for encoder -> Spatial Pooler -> classifier pipelines.

Each preset gives the parameters of the three steps of a pipeline that the
project measured (see the documentation's performance page for the figures
and the commands that reproduce them):

``"digits"``
    sklearn's bundled 8x8 digits (values 0..16): the quick demonstration,
    ``python -m sklearn_htm``. A thermometer code of 4 grey levels per pixel
    (overlaps grow with intensity), 8192 columns, 5% of them active, the
    package defaults for the rest. Chosen by 3-fold cross-validation on the
    demo's training split; ``benchmarks/bench_digits.py`` measures what
    each choice adds and the gain over raw pixels on other splits (the
    documentation's performance page shows its figures).
``"blog"``
    MNIST with the configuration of the blog post the project grew from:
    4 bits per pixel, 2048 columns, 2% sparsity, the package defaults for the
    rest: 0.9461 on the test set after one pass over the training set
    (0.8154 untrained).
``"mnist"``
    MNIST, the best configuration found by the project's search over pooler
    hyperparameters on a split of the training set
    (``examples/mnist_hyperparameter_search.py``): 2 bits per pixel, 64
    columns on every pixel of the 28 x 28 grid (50,176 columns), each
    drawing half of the bits of the 5 x 5 pixels around its own, 5% of them
    active, boosting as htm.core sets it (strength 2 over 1,000 rows). The
    boosting and pool parameters are given explicitly so that this preset
    stays what was measured whatever the package defaults become. 0.9808 on
    the test set, fit and score in 6.1 minutes on 2 CPU cores (0.9777
    untrained).

Use :func:`get_preset` for the parameter dictionaries and
:func:`make_preset_pipeline` for a ready pipeline.
"""

import copy

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from .encoders import GreyscaleEncoder
from .spatial_pooler import SpatialPoolerTransformer

__all__ = ["PRESETS", "get_preset", "make_preset_pipeline"]

PRESETS = {
    "digits": {
        "encoder": {"n_bits": 4, "value_range": (0, 16), "encoding": "thermometer"},
        "pooler": {"n_columns": 8192, "sparsity": 0.05},
        "classifier": {"max_iter": 1000},
    },
    "blog": {
        "encoder": {"n_bits": 4, "value_range": (0, 255)},
        "pooler": {"n_columns": 2048, "sparsity": 0.02},
        "classifier": {"C": 0.1, "max_iter": 1000},
    },
    "mnist": {
        "encoder": {"n_bits": 2, "value_range": (0, 255)},
        "pooler": {
            "n_columns": (28, 28, 64),
            "input_shape": (28, 28, 2),
            "potential_radius": (2, 2, 1),
            "potential_pct": 0.5,
            "sparsity": 0.05,
            "boost_strength": 2.0,
            "duty_cycle_period": 1000,
        },
        "classifier": {"C": 0.1, "max_iter": 1000},
    },
}


def get_preset(name):
    """The parameters of a preset, as a fresh dictionary.

    Parameters
    ----------
    name : str
        One of ``PRESETS``.

    Returns
    -------
    preset : dict
        Keys ``"encoder"`` (:class:`~sklearn_htm.GreyscaleEncoder`),
        ``"pooler"`` (:class:`~sklearn_htm.SpatialPoolerTransformer`) and
        ``"classifier"`` (:class:`~sklearn.linear_model.LogisticRegression`),
        each a dict of keyword arguments. Changing it does not change the
        preset.
    """
    if name not in PRESETS:
        raise ValueError(
            f"Unknown preset {name!r}; expected one of {', '.join(sorted(PRESETS))}."
        )
    return copy.deepcopy(PRESETS[name])


def make_preset_pipeline(name, *, random_state=None, classifier=None, **pooler_params):
    """Encoder -> pooler -> classifier pipeline with a preset's parameters.

    Parameters
    ----------
    name : str
        One of ``PRESETS``.
    random_state : int, RandomState instance or None, default=None
        Passed to the pooler.
    classifier : classifier or None, default=None
        Last step; None uses :class:`~sklearn.linear_model.LogisticRegression`
        with the preset's parameters.
    **pooler_params
        Override pooler parameters of the preset (for example
        ``backend="numpy"`` or ``verbose=1``).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Unfitted; its steps are named ``"greyscaleencoder"``,
        ``"spatialpoolertransformer"`` and the classifier's lower-cased
        class name.

    Examples
    --------
    >>> from sklearn_htm.presets import make_preset_pipeline
    >>> pipe = make_preset_pipeline("digits", random_state=0)
    >>> pipe[1].n_columns
    8192
    """
    preset = get_preset(name)
    pooler = {**preset["pooler"], **pooler_params, "random_state": random_state}
    if classifier is None:
        classifier = LogisticRegression(**preset["classifier"])
    return make_pipeline(
        GreyscaleEncoder(**preset["encoder"]),
        SpatialPoolerTransformer(**pooler),
        classifier,
    )
