"""Named parameter sets and the pipelines built from them."""

import pytest
from sklearn.linear_model import LogisticRegression, SGDClassifier

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.presets import PRESETS, get_preset, make_preset_pipeline


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_builds_a_valid_pipeline(name):
    pipe = make_preset_pipeline(name, random_state=1)
    encoder, pooler, classifier = (step for _, step in pipe.steps)
    assert isinstance(encoder, GreyscaleEncoder)
    assert isinstance(pooler, SpatialPoolerTransformer)
    assert isinstance(classifier, LogisticRegression)
    assert pooler.random_state == 1
    preset = get_preset(name)
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
    with pytest.raises(ValueError, match="Unknown preset 'mnst'.*blog"):
        get_preset("mnst")
