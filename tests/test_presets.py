"""Named parameter sets and the pipelines built from them."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression, SGDClassifier

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.presets import (
    PRESET_NAMES,
    get_preset,
    image_preset,
    make_preset_pipeline,
)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_preset_builds_a_valid_pipeline(name):
    image_shape = (28, 28) if name == "image" else None
    pipe = make_preset_pipeline(name, image_shape=image_shape, random_state=1)
    encoder, pooler, classifier = (step for _, step in pipe.steps)
    if name == "image":
        check, normalizer, encoder = (step for _, step in encoder.steps)
        check._validate_params()
        normalizer._validate_params()
    assert isinstance(encoder, GreyscaleEncoder)
    assert isinstance(pooler, SpatialPoolerTransformer)
    assert isinstance(classifier, LogisticRegression)
    assert pooler.random_state == 1
    preset = get_preset(name, image_shape=image_shape)
    for key, value in preset["pooler"].items():
        assert getattr(pooler, key) == value
    # sklearn's own parameter validation accepts every value of the preset.
    encoder._validate_params()
    pooler._validate_params()
    classifier._validate_params()


def test_blog_preset_is_the_post_configuration():
    preset = get_preset("blog")
    assert preset["encoder"]["n_bits"] == 4
    assert preset["pooler"]["n_columns"] == 2048
    assert preset["pooler"]["sparsity"] == 0.02


def test_get_preset_returns_a_copy():
    get_preset("digits")["pooler"]["n_columns"] = 1
    assert get_preset("digits")["pooler"]["n_columns"] != 1


def test_overrides_and_classifier():
    pipe = make_preset_pipeline(
        "digits", backend="numpy", n_columns=64, classifier=SGDClassifier()
    )
    assert pipe[1].backend == "numpy" and pipe[1].n_columns == 64
    assert isinstance(pipe[-1], SGDClassifier)


def test_unknown_preset_names_the_choices():
    with pytest.raises(ValueError, match="Unknown preset 'mnst'.*blog.*image"):
        get_preset("mnst")


def test_image_recipe_follows_the_image_shape():
    mnist = get_preset("image", image_shape=(28, 28))["pooler"]
    assert mnist["n_columns"] == (28, 28, 64)
    assert mnist["input_shape"] == (28, 28, 6)  # 3 thresholds, 2 bits each
    assert mnist["potential_radius"] == (2, 2, 5)
    assert mnist["potential_pct"] == pytest.approx(1 / 6)
    digits = get_preset("image", image_shape=(8, 8))["pooler"]
    assert digits["n_columns"] == (8, 8, 128)  # at least 8192 columns in all
    assert digits["potential_radius"][:2] == (1, 1)
    wide = image_preset((14, 100))["pooler"]
    assert wide["n_columns"] == (14, 100, 64) and wide["potential_radius"][:2] == (1, 1)
    big = image_preset((64, 48))["pooler"]
    assert big["potential_radius"][:2] == (3, 3)
    # Halves round up (35 / 14 = 2.5), as every rounding of the pooler.
    assert image_preset((35, 35))["pooler"]["potential_radius"][:2] == (3, 3)


def test_image_pipeline_codes_do_not_depend_on_exposure():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 200, size=(30, 20)).astype(float)
    y = np.arange(30) % 3
    pipe = make_preset_pipeline("image", image_shape=(4, 5), random_state=0,
                                n_columns=(4, 5, 8)).fit(X, y)
    code, pooler = pipe[0], pipe[1]
    assert code.transform(X).shape == (30, 4 * 5 * 6)
    assert pooler.n_features_in_ == 4 * 5 * 6
    # Each image is divided by its brightest pixel first: a darker exposure
    # of the same images gives the same bits and the same SDRs.
    np.testing.assert_array_equal(code.transform(X).toarray(),
                                  code.transform(0.3 * X).toarray())
    np.testing.assert_array_equal(pipe[:2].transform(X).toarray(),
                                  pipe[:2].transform(0.3 * X).toarray())
    # Every pixel sets 3 of its 6 bits, dark or bright.
    np.testing.assert_array_equal(code.transform(X).sum(axis=1), 20 * 3)


@pytest.mark.parametrize("shape", [None, (28,), (0, 5), (2.5, 3), "28x28", (True, 4)])
def test_image_recipe_needs_a_valid_shape(shape):
    with pytest.raises(ValueError, match="image_shape"):
        make_preset_pipeline("image", image_shape=shape)


def test_image_shape_is_refused_by_fixed_presets():
    with pytest.raises(ValueError, match="image_shape is for the 'image' preset"):
        get_preset("digits", image_shape=(8, 8))


def test_image_recipe_refuses_what_it_cannot_code():
    rng = np.random.RandomState(0)
    X, y = rng.randint(0, 255, size=(20, 12)).astype(float), np.arange(20) % 2
    with pytest.raises(ValueError, match="X holds 12 pixels, not 4 x 4.*image_shape"):
        make_preset_pipeline("image", image_shape=(4, 4), n_columns=(4, 4, 2)).fit(X, y)
    # Negative intensities are refused, in the user's units, not clipped to
    # the darkest level; dense and sparse alike.
    pipe = make_preset_pipeline("image", image_shape=(3, 4), n_columns=(3, 4, 2))
    shifted = X - 254
    with pytest.raises(ValueError, match=r"non-negative pixel intensities.*X has \d+ negative "
                       r"value\(s\), down to -254\.0"):
        pipe.fit(shifted, y)
    with pytest.raises(ValueError, match="non-negative pixel intensities"):
        pipe.fit(sparse.csr_matrix(shifted), y)
    fitted = make_preset_pipeline("image", image_shape=(3, 4), n_columns=(3, 4, 2)).fit(X, y)
    with pytest.raises(ValueError, match="non-negative pixel intensities"):
        fitted.predict(shifted)
    # A numpy pair is a pair.
    pipe = make_preset_pipeline("image", image_shape=np.array([3, 4]), n_columns=(3, 4, 2))
    assert pipe[1].input_shape == (3, 4, 6)
