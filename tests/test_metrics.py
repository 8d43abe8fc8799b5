"""SP quality metrics and the ablation study, against hand-computed values."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import FunctionTransformer

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer, metrics
from sklearn_htm._demo import run_demo, run_digits_demo
from sklearn_htm.presets import check_intensities

SDR = np.array(
    [
        [1, 0, 0, 1],
        [0, 0, 0, 1],
    ]
)


def _h(p):
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


@pytest.fixture(scope="module")
def fitted_pooler(digit_bits):
    bits, _ = digit_bits
    pooler = SpatialPoolerTransformer(
        n_columns=128, sparsity=0.05, batch_size=10, random_state=0, backend="numpy"
    )
    return pooler.fit(bits[:200])


@pytest.mark.parametrize("as_sparse", [False, True])
def test_sparsity_frequency_entropy_by_hand(as_sparse):
    sdr = sp.csr_matrix(SDR) if as_sparse else SDR
    assert metrics.mean_sparsity(sdr) == pytest.approx(3 / 8)
    np.testing.assert_allclose(metrics.activation_frequency(sdr), [0.5, 0, 0, 1])
    # Only the first column is uncertain: H(0.5) = 1 bit.
    assert metrics.activation_entropy(sdr, normalize=False) == pytest.approx(1.0)
    assert metrics.activation_entropy(sdr) == pytest.approx(1.0 / (4 * _h(3 / 8)))


def test_entropy_is_one_for_even_use_and_zero_for_constant_winners():
    assert metrics.activation_entropy(np.eye(5)) == pytest.approx(1.0)
    constant = np.tile([1, 1, 0, 0, 0], (6, 1))
    assert metrics.activation_entropy(constant) == 0.0
    assert metrics.activation_entropy(np.zeros((3, 4))) == 0.0


def test_overlap_and_stability_by_hand():
    a = np.array([[1, 1, 0, 0], [0, 1, 1, 1], [0, 0, 0, 0]])
    b = np.array([[1, 0, 1, 0], [0, 1, 1, 1], [1, 1, 0, 0]])
    np.testing.assert_array_equal(metrics.sdr_overlap(a, sp.csr_matrix(b)), [1, 3, 0])
    # The empty third row of `a` is left out: (1/2 + 3/3) / 2.
    assert metrics.sdr_stability(a, b) == pytest.approx(0.75)
    assert metrics.sdr_stability(b, b) == 1.0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: metrics.sdr_overlap(np.ones((2, 3)), np.ones((2, 4))), "same shape"),
        (lambda: metrics.sdr_stability(np.zeros((2, 3)), np.ones((2, 3))), "no active"),
        (lambda: metrics.mean_sparsity(np.ones(3)), "2-d"),
        (lambda: metrics.activation_frequency(np.ones((0, 3))), "at least one row"),
    ],
)
def test_metrics_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_noise_moves_exactly_the_requested_fraction():
    # With an identity "pooler", the SDR is the input itself, so the overlap
    # with the clean row is exactly the fraction of active bits kept.
    rng = np.random.RandomState(1)
    X = np.zeros((30, 100))
    for row in X:
        row[rng.choice(100, size=10, replace=False)] = 1
    identity = FunctionTransformer(lambda Z: Z, accept_sparse=True)
    scores = metrics.noise_robustness(
        identity, X, noise_levels=[0.0, 0.1, 0.5, 1.0], random_state=0
    )
    np.testing.assert_allclose(scores, [1.0, 0.9, 0.5, 0.0])


def test_noise_keeps_the_number_of_active_bits():
    rng = np.random.RandomState(2)
    rows = sp.csr_matrix((rng.random_sample((20, 50)) < 0.2).astype(float))
    noisy = metrics._add_noise(rows, 0.4, np.random.RandomState(0))
    np.testing.assert_array_equal(noisy.getnnz(axis=1), rows.getnnz(axis=1))
    assert set(np.unique(noisy.data)) == {1.0}


def test_noise_robustness_of_a_pooler(fitted_pooler, digit_bits):
    bits, _ = digit_bits
    scores = metrics.noise_robustness(
        fitted_pooler, bits[200:260], noise_levels=[0.0, 0.8], random_state=0
    )
    assert scores[0] == 1.0  # transform is deterministic
    assert scores[1] < 0.8


@pytest.mark.parametrize("levels", [[], [0.1, 1.5], [[0.1]]])
def test_noise_robustness_rejects_bad_levels(fitted_pooler, digit_bits, levels):
    with pytest.raises(ValueError, match="noise_levels"):
        metrics.noise_robustness(fitted_pooler, digit_bits[0][:5], noise_levels=levels)


def test_untrained_pooler_keeps_its_initial_state(digit_bits):
    bits, _ = digit_bits
    template = SpatialPoolerTransformer(n_columns=64, random_state=3, backend="numpy")
    untrained_a = metrics.untrained_pooler(template).fit(bits[:100])
    untrained_b = metrics.untrained_pooler(template).fit(bits[150:160])
    trained = SpatialPoolerTransformer(**template.get_params()).fit(bits[:100])
    # Same random draw as the trained pooler, and no trace of the data seen.
    assert (untrained_a.potential_pools_ != trained.potential_pools_).nnz == 0
    np.testing.assert_array_equal(
        untrained_a.permanences_.data, untrained_b.permanences_.data
    )
    assert np.any(untrained_a.permanences_.data != trained.permanences_.data)
    np.testing.assert_array_equal(untrained_a.boost_factors_, 1.0)
    assert template.permanence_increment == 0.03  # the template is untouched


def test_stability_over_epochs(digit_bits):
    bits, _ = digit_bits
    template = SpatialPoolerTransformer(
        n_columns=64, sparsity=0.1, batch_size=10, random_state=0, backend="numpy"
    )
    learning = metrics.stability_over_epochs(template, bits[:80], 3, random_state=0)
    assert learning.shape == (2,)
    assert np.all((learning > 0) & (learning <= 1))
    frozen = metrics.stability_over_epochs(
        metrics.untrained_pooler(template), bits[:80], 3, X_probe=bits[80:120]
    )
    np.testing.assert_array_equal(frozen, [1.0, 1.0])
    assert not hasattr(template, "n_features_in_")
    with pytest.raises(ValueError, match="n_epochs"):
        metrics.stability_over_epochs(template, bits[:10], 1)


def test_ablation_study_and_table(digits):
    X, y = digits
    rows = metrics.ablation_study(
        X[:300], y[:300], X[300:400], y[300:400],
        encoder=GreyscaleEncoder(n_bits=2, value_range=(0, 16)),
        pooler=SpatialPoolerTransformer(n_columns=64, batch_size=20, random_state=0,
                                        backend="numpy"),
        include=["trained", "encoder", "raw"],
    )
    assert [row["model"] for row in rows] == [
        "raw pixels + LR", "encoder + LR", "trained SP + LR"
    ]
    for row in rows:
        assert 0 <= row["accuracy"] <= 1 and row["fit_time"] >= 0
        assert row["pipeline"].score(X[300:400], y[300:400]) == row["accuracy"]
    # A loose bound that sklearn's LR on raw digits clears by far; a broken split or
    # scaler does not.
    assert rows[0]["accuracy"] > 0.85
    assert rows[2]["pipeline"][1].n_columns_ == 64
    with pytest.raises(ValueError, match="include may only name"):
        metrics.ablation_study(
            X[:10], y[:10], X[:10], y[:10], encoder=None, pooler=None, include=["sp"]
        )
    table = metrics.format_ablation_table(rows).splitlines()
    assert table[0].split() == ["model", "accuracy", "fit", "(s)", "score", "(s)"]
    assert table[3].startswith("trained SP + LR")
    assert f"{rows[2]['accuracy']:.4f}" in table[3]


def test_digits_demo_trained_pooler_beats_untrained(capsys):
    rows = run_digits_demo(
        verbose=True, n_columns=512, sparsity=0.04, batch_size=16, backend="numpy"
    )
    printed = capsys.readouterr().out
    assert [row["model"] for row in rows] == [
        "raw pixels + LR", "encoder + LR", "untrained SP + LR", "trained SP + LR"
    ]
    assert "sklearn digits, 1347 training and 450 test" in printed
    assert printed.count("SP + LR") == 2
    accuracy = {row["model"]: row["accuracy"] for row in rows}
    # Deterministic (fixed seeds); 0.05 is a loose bound on the gain, not its measure.
    assert accuracy["trained SP + LR"] > accuracy["untrained SP + LR"] + 0.05
    assert accuracy["trained SP + LR"] > 0.8


def test_digits_demo_with_the_image_recipe_normalises_then_codes(capsys):
    rows = run_demo("image", verbose=True, n_columns=(8, 8, 8), backend="numpy")
    assert "preset 'image': pooler (8, 8, 8) columns" in capsys.readouterr().out
    check, normalizer, encoder = (step for _, step in rows[1]["pipeline"][0].steps)
    assert check.func is check_intensities
    assert normalizer.norm == "max" and encoder.encoding == "complement"
    pooler = rows[3]["pipeline"][1]
    assert pooler.input_shape == (8, 8, 6) and pooler.n_features_in_ == 8 * 8 * 6
