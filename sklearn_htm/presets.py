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
    rest, trained by one pass over the training set. Its test accuracy,
    trained and untrained, is in the documentation's MNIST results page
    (``python examples/plot_mnist_pipeline.py --data DIR --output
    benchmarks/results/mnist.json``).
``"mnist"``
    MNIST, the best configuration found by the project's search over pooler
    hyperparameters on a split of the training set
    (``examples/mnist_hyperparameter_search.py``): 2 bits per pixel, 64
    columns on every pixel of the 28 x 28 grid (50,176 columns), each
    drawing half of the bits of the 5 x 5 pixels around its own, 5% of them
    active, boosting as htm.core sets it (strength 2 over 1,000 rows). The
    boosting and pool parameters are given explicitly so that this preset
    stays what was measured whatever the package defaults become. Its test
    accuracy, trained and untrained, and its fit and score times are in the
    documentation's MNIST results page (the same command as ``"blog"``).

``"image"``
    Not a set of constants but a recipe: the parameters follow from the
    images' shape, given as ``image_shape=(height, width)`` (see
    :func:`image_preset`). It was chosen on sklearn's digits and on MNIST's
    training set with its contrast changed, and carries over to images it was
    not tuned on; the documentation's performance page gives its figures.

Use :func:`get_preset` for the parameter dictionaries and
:func:`make_preset_pipeline` for a ready pipeline.
"""

import copy
import math
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, Normalizer

from .encoders import GreyscaleEncoder
from .encoders._greyscale import bits_per_feature
from .spatial_pooler import SpatialPoolerTransformer
from .spatial_pooler._topology import round_half_up

__all__ = ["PRESETS", "PRESET_NAMES", "check_intensities", "get_preset", "image_preset",
           "make_preset_pipeline", "preset_encoder"]

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


#: Every name :func:`get_preset` knows: the fixed presets and the "image" recipe.
PRESET_NAMES = (*sorted(PRESETS), "image")

#: The "image" recipe's choices (see :func:`image_preset` for the measurements).
#: Buckets of the complement code: three thresholds, at 1/4, 1/2 and 3/4 of
#: each image's brightest pixel.
IMAGE_GREY_BUCKETS = 4
#: A column's pool reaches this fraction of the image's shorter side (at
#: least one pixel): 2 pixels on 28 x 28, 1 on 8 x 8.
IMAGE_POOL_FRACTION = 1 / 14
#: At least this many columns in all, and at least this many per pixel.
IMAGE_MIN_COLUMNS = 8192
IMAGE_MIN_COLUMNS_PER_PIXEL = 64


def _check_image_shape(image_shape):
    if isinstance(image_shape, np.ndarray) and image_shape.ndim == 1:
        image_shape = image_shape.tolist()
    if (
        not isinstance(image_shape, (tuple, list))
        or len(image_shape) != 2
        or not all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 1
                   for v in image_shape)
    ):
        raise ValueError(
            f"image_shape must be a pair (height, width) of positive integers, "
            f"got {image_shape!r}."
        )
    return int(image_shape[0]), int(image_shape[1])


def image_preset(image_shape):
    """The "image" recipe: pipeline parameters for images of a given shape.

    Every image is first divided by its brightest pixel
    (:class:`~sklearn.preprocessing.Normalizer` with ``norm="max"``), so that
    the code does not depend on the exposure; each pixel then gets a
    complement code (:class:`~sklearn_htm.GreyscaleEncoder` with
    ``encoding="complement"``, thresholds at 1/4, 1/2 and 3/4: grey levels
    are kept, and a dark pixel sets as many bits as a bright one). The pooler
    puts ``depth`` columns on every pixel of the image's grid, each drawing
    one bit in six within ``radius`` pixels of its own (one bit per pixel on
    average, as many as a 2-bit code with ``potential_pct=0.5``), 5% of them active,
    boosted as htm.core does (strength 2 over 1,000 rows, as the ``"mnist"``
    preset; the package's stronger defaults were chosen for a layer without
    topology, where most columns would otherwise never win), where

    - ``radius = max(1, floor(min(height, width) / 14 + 0.5))`` (halves round up);
    - ``depth = max(64, ceil(8192 / (height * width)))``.

    The classifier is :class:`~sklearn.linear_model.LogisticRegression` with
    ``C=0.1``. The rules were chosen on sklearn's digits (8 x 8) by
    cross-validation and on MNIST's training set (28 x 28), plain and with its
    contrast varied, never on a test set; the documentation's performance
    page gives the measurements behind each choice
    (``benchmarks/bench_image_recipe.py`` prints them).

    Parameters
    ----------
    image_shape : tuple of int (height, width)
        Shape of the images; X holds them flattened row by row (``X =
        images.reshape(n_images, -1)`` for an array of shape ``(n_images,
        height, width)``), one row per image, with non-negative intensities in
        any range (uint8 or float). A transposed shape of the same size is not
        detected: it gives the columns wrong neighbourhoods.

    Returns
    -------
    preset : dict
        Keys ``"normalizer"`` (:class:`~sklearn.preprocessing.Normalizer`),
        ``"encoder"``, ``"pooler"`` and ``"classifier"``, each a dict of
        keyword arguments.

    Raises
    ------
    ValueError
        If ``image_shape`` is not a pair of positive integers. The pipeline's
        ``fit`` and ``transform`` raise ValueError for negative values
        (:func:`check_intensities`, the pipeline's first step) and when X's
        width is not ``height * width`` (the pooler's ``input_shape``).

    Examples
    --------
    >>> from sklearn_htm.presets import image_preset
    >>> image_preset((28, 28))["pooler"]["n_columns"]
    (28, 28, 64)
    >>> image_preset((8, 8))["pooler"]["n_columns"]
    (8, 8, 128)
    """
    return _image_parameters(*_check_image_shape(image_shape))


def _image_parameters(height, width, *, n_bits=IMAGE_GREY_BUCKETS, encoding="complement",
                     depth=None):
    """:func:`image_preset`'s rules with the code and the depth as arguments
    (``depth=None``: the recipe's rule), so that a variant of the recipe (as
    ``benchmarks/bench_image_recipe.py`` measures) follows the same rules."""
    radius = max(1, round_half_up(min(height, width) * IMAGE_POOL_FRACTION))
    if depth is None:
        depth = max(IMAGE_MIN_COLUMNS_PER_PIXEL,
                    math.ceil(IMAGE_MIN_COLUMNS / (height * width)))
    code_width = bits_per_feature(n_bits, encoding)
    return {
        "normalizer": {"norm": "max"},
        # After the Normalizer every value is in [0, 1]: negative values were
        # refused before it (check_intensities), and the encoder refuses
        # anything else out of range instead of clipping it.
        "encoder": {"n_bits": n_bits, "value_range": (0.0, 1.0), "encoding": encoding,
                    "handle_out_of_range": "error"},
        "pooler": {
            "n_columns": (height, width, depth),
            "input_shape": (height, width, code_width),
            "potential_radius": (radius, radius, code_width - 1),
            # One bit per pixel of the neighbourhood on average, as a 2-bit
            # code with potential_pct=0.5 draws.
            "potential_pct": 1 / code_width,
            "sparsity": 0.05,
            "boost_strength": 2.0,
            "duty_cycle_period": 1000,
        },
        "classifier": {"C": 0.1, "max_iter": 1000},
    }


def check_intensities(X):
    """The image recipe's first step: refuse negative pixel intensities.

    The recipe divides each image by its brightest pixel; a negative value
    would come out of that scaled, and the encoder would then report the
    scaled value. Used through a
    :class:`~sklearn.preprocessing.FunctionTransformer` in the pipeline of
    :func:`make_preset_pipeline` ``("image", ...)``.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_images, height * width)
        Pixel intensities, any non-negative range.

    Returns
    -------
    X : the same object, unchanged

    Raises
    ------
    ValueError
        If X holds a negative value (the message counts them and gives the
        lowest).
    """
    values = X.data if sp.issparse(X) else np.asarray(X)
    if values.size and values.dtype.kind in "iuf":
        n_negative = int(np.count_nonzero(values < 0))
        if n_negative:
            raise ValueError(
                f"The image recipe needs non-negative pixel intensities (0 is black, the "
                f"brightest pixel of each image is white); X has {n_negative} negative "
                f"value(s), down to {values.min()}. Shift or rescale X first (for example "
                "X - X.min()) if its values are offsets."
            )
    return X


def preset_encoder(preset):
    """The encoder step of a preset, as :func:`make_preset_pipeline` builds it.

    Parameters
    ----------
    preset : dict
        Parameters from :func:`get_preset`.

    Returns
    -------
    encoder : GreyscaleEncoder or sklearn.pipeline.Pipeline
        Unfitted: the :class:`~sklearn_htm.GreyscaleEncoder`, after a
        :class:`~sklearn.preprocessing.Normalizer` when the preset has one
        (the ``"image"`` recipe, which first refuses negative intensities
        with :func:`check_intensities`).
    """
    encoder = GreyscaleEncoder(**preset["encoder"])
    if "normalizer" in preset:
        encoder = make_pipeline(
            FunctionTransformer(check_intensities, accept_sparse=True,
                                feature_names_out="one-to-one"),
            Normalizer(**preset["normalizer"]), encoder)
    return encoder


def get_preset(name, *, image_shape=None):
    """The parameters of a preset, as a fresh dictionary.

    Parameters
    ----------
    name : str
        One of ``PRESET_NAMES``: a key of ``PRESETS``, or ``"image"``.
    image_shape : tuple of int (height, width) or None, default=None
        Required by ``"image"`` (see :func:`image_preset`); refused by the
        others.

    Returns
    -------
    preset : dict
        Keys ``"encoder"`` (:class:`~sklearn_htm.GreyscaleEncoder`),
        ``"pooler"`` (:class:`~sklearn_htm.SpatialPoolerTransformer`) and
        ``"classifier"`` (:class:`~sklearn.linear_model.LogisticRegression`),
        each a dict of keyword arguments, and for ``"image"`` also
        ``"normalizer"``. Changing it does not change the preset.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the choices), ``"image"``
        without a valid ``image_shape``, or ``image_shape`` with another
        preset.
    """
    if name == "image":
        if image_shape is None:
            raise ValueError(
                "The 'image' preset needs image_shape=(height, width): its "
                "parameters follow from the images' shape."
            )
        return image_preset(image_shape)
    if name not in PRESETS:
        raise ValueError(
            f"Unknown preset {name!r}; expected one of {', '.join(PRESET_NAMES)}."
        )
    if image_shape is not None:
        raise ValueError(
            f"image_shape is for the 'image' preset; preset {name!r} has fixed parameters."
        )
    return copy.deepcopy(PRESETS[name])


def make_preset_pipeline(name, *, image_shape=None, random_state=None, classifier=None,
                         **pooler_params):
    """Encoder -> pooler -> classifier pipeline with a preset's parameters.

    Parameters
    ----------
    name : str
        One of ``PRESET_NAMES``.
    image_shape : tuple of int (height, width) or None, default=None
        Required by the ``"image"`` recipe (see :func:`image_preset`).
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
        Unfitted, three steps: the encoder, named ``"greyscaleencoder"`` (for
        ``"image"``, a pipeline of a :class:`~sklearn.preprocessing.Normalizer`
        and the encoder, named ``"pipeline"``), ``"spatialpoolertransformer"``
        and the classifier's lower-cased class name.

    Raises
    ------
    ValueError
        As :func:`get_preset`.

    Examples
    --------
    >>> from sklearn_htm.presets import make_preset_pipeline
    >>> pipe = make_preset_pipeline("digits", random_state=0)
    >>> pipe[1].n_columns
    8192
    >>> make_preset_pipeline("image", image_shape=(8, 8))[1].n_columns
    (8, 8, 128)
    """
    preset = get_preset(name, image_shape=image_shape)
    pooler = {**preset["pooler"], **pooler_params, "random_state": random_state}
    if classifier is None:
        classifier = LogisticRegression(**preset["classifier"])
    return make_pipeline(preset_encoder(preset), SpatialPoolerTransformer(**pooler), classifier)
