"""SDRClassifier: htm.core's documented behaviours, the softmax update by
hand, categories that join late, bad input."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_htm import SDRClassifier

# The common checks give continuous data; binarize=0 makes it binary. The
# one that expects 83% accuracy on blobs cannot hold for one online pass
# over the signs of the features.
ONLINE = {"check_classifiers_train": "one online pass over binarized blobs"}


@parametrize_with_checks([SDRClassifier(binarize=0.0, alpha=0.1)],
                         expected_failed_checks=lambda estimator: ONLINE)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def pattern(bits, width=16):
    row = np.zeros((1, width), dtype=np.uint8)
    row[0, list(bits)] = 1
    return row


def repeat(row, n):
    return np.repeat(row, n, axis=0)


def test_a_value_learned_alone_reaches_probability_one():
    clf = SDRClassifier(alpha=0.1).partial_fit(pattern([0, 1]), [0])
    clf.partial_fit(repeat(pattern([2, 3, 4]), 300), [4] * 300)
    proba = clf.predict_proba(pattern([2, 3, 4]))[0]
    assert clf.classes_.tolist() == [0, 4]
    assert proba[1] > 0.99
    assert clf.predict(pattern([2, 3, 4])).tolist() == [4]


def test_a_mixture_is_learned_to_its_frequencies():
    rng = np.random.RandomState(0)
    labels = rng.choice(["a", "b", "c"], size=4000, p=[0.3, 0.3, 0.4])
    clf = SDRClassifier(alpha=0.005).fit(repeat(pattern([1, 5, 9]), 4000), labels)
    proba = clf.predict_proba(pattern([1, 5, 9]))[0]
    np.testing.assert_allclose(proba, [0.3, 0.3, 0.4], atol=0.1)
    assert proba.sum() == pytest.approx(1.0)


def test_several_labels_per_row_share_the_target():
    clf = SDRClassifier(alpha=0.05).fit(repeat(pattern([3, 4]), 500), [["x", "y"]] * 500)
    np.testing.assert_allclose(clf.predict_proba(pattern([3, 4]))[0], [0.5, 0.5], atol=0.01)


def test_one_update_is_the_softmax_rule():
    """Two rows by hand: the weights after the second are alpha * (target -
    softmax) added to each active bit."""
    clf = SDRClassifier(alpha=0.5).fit(np.array([[1, 1, 0], [0, 1, 1]]), [7, 9])
    # Row 1: only class 7 seen, p = [1]: no change. Row 2: class 9 joins
    # (weight 0); activations of bits {1, 2}: [0, 0] -> p = [0.5, 0.5];
    # target [0, 1]: bits 1 and 2 gain [-0.25, +0.25].
    expected = np.array([[0.0, 0.0], [-0.25, 0.25], [-0.25, 0.25]])
    np.testing.assert_array_equal(clf.weights_, expected)
    activation = np.array([-0.5, 0.5])  # bits 1 and 2
    softmax = np.exp(activation) / np.exp(activation).sum()
    np.testing.assert_allclose(clf.predict_proba(np.array([[0, 1, 1]]))[0], softmax)
    assert clf.decision_function(np.array([[0, 1, 1]]))[0] == pytest.approx(1.0)


def test_a_category_first_seen_late_joins_with_probability_zero_until_seen():
    X = repeat(pattern([0, 1]), 100)
    clf = SDRClassifier(alpha=0.1).partial_fit(X, ["a"] * 50 + ["b"] * 50, classes=["a", "b", "z"])
    assert clf.classes_.tolist() == ["a", "b", "z"]
    proba = clf.predict_proba(pattern([0, 1]))[0]
    assert proba[2] == 0.0 and proba.sum() == pytest.approx(1.0)
    assert clf.decision_function(pattern([0, 1]))[0, 2] == -np.inf
    clf.partial_fit(repeat(pattern([0, 1]), 200), ["c"] * 200)  # between b and z
    assert clf.classes_.tolist() == ["a", "b", "c", "z"]
    proba = clf.predict_proba(pattern([0, 1]))[0]
    assert proba[2] > 0.9 and proba[3] == 0.0


def test_probabilities_stay_finite_however_large_the_activations():
    clf = SDRClassifier(alpha=1e300).fit(repeat(pattern(range(16)), 4), [0, 1, 0, 1])
    proba = clf.predict_proba(pattern(range(16)))
    assert np.isfinite(proba).all() and proba.sum() == pytest.approx(1.0)


def test_sparse_and_dense_rows_learn_alike():
    rng = np.random.RandomState(1)
    X = (rng.rand(200, 30) < 0.2).astype(np.uint8)
    y = rng.randint(0, 4, size=200)
    dense = SDRClassifier(alpha=0.05).fit(X, y)
    sparse = SDRClassifier(alpha=0.05).fit(sp.csr_matrix(X), y)
    np.testing.assert_array_equal(dense.weights_, sparse.weights_)
    chunks = SDRClassifier(alpha=0.05)
    for start in range(0, 200, 37):
        chunks.partial_fit(X[start:start + 37], y[start:start + 37])
    np.testing.assert_array_equal(dense.weights_, chunks.weights_)


@pytest.mark.parametrize("X, y, message", [
    (np.ones((2, 17), dtype=np.uint8), [0, 1], "17 features"),
    (np.full((2, 16), 0.5), [0, 1], "binary"),
    (np.full((2, 16), np.nan), [0, 1], "NaN"),
    (np.ones((2, 16), dtype=np.uint8), [0], "y has 1 rows"),
    (np.ones((2, 16), dtype=np.uint8), [0, None], "missing label"),
    (np.ones((2, 16), dtype=np.uint8), [[0], []], "no label"),
    (np.ones((2, 16), dtype=np.uint8), [0.5, 1.5], "continuous"),
    (np.ones((2, 16), dtype=np.uint8), ["a", "b"], "one type"),
])
def test_bad_input_is_refused_and_changes_nothing(X, y, message):
    clf = SDRClassifier(alpha=0.1).fit(repeat(pattern([1, 2]), 5), [0] * 5)
    before = pickle.dumps(clf)
    with pytest.raises(ValueError, match=message):
        clf.partial_fit(X, y)
    assert pickle.dumps(clf) == before
