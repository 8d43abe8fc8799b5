"""Quality metrics of a Spatial Pooler and its ablation study.

The SDR metrics follow Cui, Ahmad and Hawkins, "The HTM Spatial Pooler: a
neocortical algorithm for online sparse distributed coding" (Frontiers in
Computational Neuroscience, 2017):

- :func:`mean_sparsity`: fraction of columns active per input;
- :func:`activation_entropy`: how evenly the columns share the work
  (entropy of the columns' activation frequencies);
- :func:`noise_robustness`: overlap between the SDRs of an input and of a
  noisy copy, as the noise grows;
- :func:`sdr_stability` and :func:`stability_over_epochs`: how much the SDR
  of the same inputs changes as learning goes on.

:func:`ablation_study` measures what each stage of an encoder -> pooler ->
classifier pipeline adds, and :func:`format_ablation_table` prints it.

:func:`nab_score` scores an anomaly detector's output as the Numenta Anomaly
Benchmark does (Lavin and Ahmad 2015; NAB's ``nab/scorer.py`` and
``nab/sweeper.py``): rewards for the first detection in each anomaly window,
costs for false positives and missed windows under one of
:data:`NAB_PROFILES`, the probation period left out, and the threshold
optimised over the corpus unless given; :func:`nab_score_series` scores one
series at a threshold, :func:`nab_score_all_profiles` all three profiles.

Beyond NAB, :func:`recall_at_k` (MGAB's protocol: the share of anomaly
windows the ``k`` highest peaks of a score hit) and
:func:`anomaly_found_at_top` (one labelled anomaly per series: whether the
highest score after the training prefix is near it) judge a score by the
rows it ranks first; :func:`top_k_peaks` gives those rows.
"""

import time
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler
from sklearn.utils import check_random_state

from .anomaly._evaluation import anomaly_found_at_top, recall_at_k, top_k_peaks
from .nab import _scoring
from .nab._scoring import score_all_profiles as nab_score_all_profiles
from .nab._scoring import score_corpus as nab_score
from .nab._scoring import score_series as nab_score_series

#: NAB's three scoring profiles by name (``"standard"``,
#: ``"reward_low_FP_rate"``, ``"reward_low_FN_rate"``): each a dict of the
#: weights ``tp``, ``fp``, ``fn`` and ``tn`` of NAB's ``config/profiles.json``,
#: used by :func:`nab_score`, :func:`nab_score_series` and
#: :func:`nab_score_all_profiles`.
NAB_PROFILES = _scoring.PROFILES

__all__ = [
    "NAB_PROFILES",
    "ablation_study",
    "activation_entropy",
    "anomaly_found_at_top",
    "activation_frequency",
    "format_ablation_table",
    "mean_sparsity",
    "nab_score",
    "nab_score_all_profiles",
    "nab_score_series",
    "noise_robustness",
    "recall_at_k",
    "sdr_overlap",
    "sdr_stability",
    "separation_score",
    "stability_over_epochs",
    "top_k_peaks",
    "untrained_pooler",
]

# Rows handed to the pooler per transform call in the noise experiment.
_NOISE_BLOCK = 2048


def _as_csr_bool(sdr, name="sdr"):
    """A 2-d 0/1 matrix (dense or sparse) as a CSR matrix of bools."""
    if sp.issparse(sdr):
        matrix = sp.csr_matrix(sdr)
    else:
        array = np.asarray(sdr)
        if array.ndim != 2:
            raise ValueError(f"{name} must be 2-d (n_samples, n_columns), got shape {array.shape}.")
        matrix = sp.csr_matrix(array)
    matrix = matrix.astype(bool)
    matrix.eliminate_zeros()
    return matrix


def mean_sparsity(sdr):
    """Mean fraction of active columns per row.

    Parameters
    ----------
    sdr : {array-like, sparse matrix} of shape (n_samples, n_columns)
        SDRs, one per row (non-zero = active).

    Returns
    -------
    sparsity : float
    """
    sdr = _as_csr_bool(sdr)
    if sdr.shape[0] == 0 or sdr.shape[1] == 0:
        raise ValueError("sdr must have at least one row and one column.")
    return float(sdr.getnnz(axis=1).mean() / sdr.shape[1])


def activation_frequency(sdr):
    """Fraction of rows in which each column is active.

    Parameters
    ----------
    sdr : {array-like, sparse matrix} of shape (n_samples, n_columns)

    Returns
    -------
    frequency : ndarray of shape (n_columns,)
    """
    sdr = _as_csr_bool(sdr)
    if sdr.shape[0] == 0:
        raise ValueError("sdr must have at least one row.")
    return sdr.getnnz(axis=0) / sdr.shape[0]


def _binary_entropy(p):
    """Entropy in bits of Bernoulli(p), elementwise, with 0 log 0 = 0."""
    p = np.asarray(p, dtype=np.float64)
    entropy = np.zeros_like(p)
    inside = (p > 0) & (p < 1)
    q = p[inside]
    entropy[inside] = -(q * np.log2(q) + (1 - q) * np.log2(1 - q))
    return entropy


def activation_entropy(sdr, *, normalize=True):
    """Entropy of the columns' activation frequencies (Cui et al. 2017).

    Each column is treated as a binary source that is active in a fraction
    ``P_i`` of the rows; the entropy is ``sum_i H(P_i)`` with
    ``H(p) = -p log2 p - (1 - p) log2 (1 - p)``. For a given mean activity it
    is largest when all columns are active equally often, and small when a
    few columns win every time.

    Parameters
    ----------
    sdr : {array-like, sparse matrix} of shape (n_samples, n_columns)
    normalize : bool, default=True
        Divide by the largest entropy the same mean activity allows,
        ``n_columns * H(mean P_i)``, so that 1 means perfectly even use.

    Returns
    -------
    entropy : float
        In bits, or in [0, 1] when normalized (0 when no column is ever
        active).
    """
    frequency = activation_frequency(sdr)
    entropy = float(_binary_entropy(frequency).sum())
    if not normalize:
        return entropy
    largest = frequency.size * float(_binary_entropy(frequency.mean()))
    return entropy / largest if largest > 0 else 0.0


def sdr_overlap(a, b):
    """Number of columns active in both SDRs, row by row.

    Parameters
    ----------
    a, b : {array-like, sparse matrix} of shape (n_samples, n_columns)

    Returns
    -------
    overlap : ndarray of int64, shape (n_samples,)
    """
    a = _as_csr_bool(a, "a")
    b = _as_csr_bool(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}.")
    return np.asarray(a.multiply(b).getnnz(axis=1), dtype=np.int64)


def sdr_stability(before, after):
    """Mean fraction of a row's active columns that stay active.

    ``mean_s |before_s & after_s| / |before_s|`` over rows with at least one
    active column in ``before``: 1 when the SDRs are identical, about the
    sparsity for unrelated SDRs.

    Parameters
    ----------
    before, after : {array-like, sparse matrix} of shape (n_samples, n_columns)
        SDRs of the same inputs, for example before and after an epoch.

    Returns
    -------
    stability : float
    """
    shared = sdr_overlap(before, after)
    n_active = _as_csr_bool(before, "before").getnnz(axis=1)
    some = n_active > 0
    if not some.any():
        raise ValueError("before has no active column in any row.")
    return float(np.mean(shared[some] / n_active[some]))


def _add_noise(rows, level, rng):
    """Flip ``round(level * n_active)`` active bits of each row off and as
    many inactive bits on, so the number of active bits stays the same."""
    n_features = rows.shape[1]
    indptr = [0]
    indices = []
    for start, stop in zip(rows.indptr[:-1], rows.indptr[1:]):
        active = rows.indices[start:stop]
        n_flip = min(int(round(level * active.size)), n_features - active.size)
        keep = rng.permutation(active)[n_flip:]
        inactive = np.setdiff1d(np.arange(n_features), active, assume_unique=True)
        added = rng.choice(inactive, size=n_flip, replace=False)
        row = np.sort(np.concatenate([keep, added]))
        indices.append(row)
        indptr.append(indptr[-1] + row.size)
    indices = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix(
        (np.ones(indices.size), indices, np.asarray(indptr)), shape=rows.shape
    )


def noise_robustness(pooler, X, noise_levels=(0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
                     *, random_state=None):
    """Overlap of the SDRs of clean and noisy inputs as the noise grows.

    For each noise level ``f`` and each row, a fraction ``f`` of the active
    input bits are switched off and as many inactive bits switched on
    (Cui et al. 2017); the score is the mean over rows of
    ``|SDR(x) & SDR(noisy x)| / |SDR(x)|``. A robust pooler keeps the score
    high as the noise grows.

    Parameters
    ----------
    pooler : fitted SpatialPoolerTransformer
        Any fitted transformer whose ``transform`` returns SDRs works.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Binary input of the pooler (for example the encoder's output).
    noise_levels : sequence of float in [0, 1]
        Fractions of active bits to move.
    random_state : int, RandomState instance or None, default=None
        Seed of the noise.

    Returns
    -------
    overlaps : ndarray of shape (len(noise_levels),)
    """
    levels = np.asarray(noise_levels, dtype=np.float64)
    if levels.ndim != 1 or levels.size == 0 or np.any((levels < 0) | (levels > 1)):
        raise ValueError(
            f"noise_levels must be a non-empty sequence of numbers in [0, 1], got "
            f"{noise_levels!r}."
        )
    rows = _as_csr_bool(X, "X")
    rows.sort_indices()
    rng = check_random_state(random_state)
    clean = pooler.transform(rows.astype(np.float64))
    scores = []
    for level in levels:
        noisy_sdr = sp.vstack(
            [
                sp.csr_matrix(pooler.transform(
                    _add_noise(rows[start:start + _NOISE_BLOCK], level, rng)
                ))
                for start in range(0, rows.shape[0], _NOISE_BLOCK)
            ],
            format="csr",
        )
        scores.append(sdr_stability(clean, noisy_sdr))
    return np.asarray(scores)


def separation_score(pooler, X, *, noise=0.2, random_state=0):
    """How well the SDRs of X keep inputs apart and survive noise: the
    pooler's ``score``.

    ``robustness - confusion``, where robustness is the mean over rows of
    ``|SDR(x) & SDR(x')| / |SDR(x)|`` for ``x'`` a copy of ``x`` with a
    fraction ``noise`` of its active bits moved (Cui et al. 2017, as
    :func:`noise_robustness`), and confusion the same overlap between ``x``
    and another row of X (each row paired with the next in a random order).
    In [-1, 1], higher is better: a pooler that maps every row to the same
    SDR is perfectly robust and scores 0, one whose SDRs of different rows
    share nothing while noisy copies keep theirs scores 1.

    Parameters
    ----------
    pooler : fitted transformer returning SDRs
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Binary input of the pooler; at least 2 rows.
    noise : float in [0, 1], default=0.2
    random_state : int, RandomState instance or None, default=0
        Seeds the noise and the pairing; fixed by default, so that candidates
        of a search are scored on the same draws.

    Returns
    -------
    score : float
    """
    rows = _as_csr_bool(X, "X")
    if rows.shape[0] < 2:
        raise ValueError("separation_score needs at least 2 rows of X.")
    rows.sort_indices()
    rng = check_random_state(random_state)
    robustness = float(noise_robustness(pooler, rows, (noise,), random_state=rng)[0])
    order = rng.permutation(rows.shape[0])
    sdr = sp.csr_matrix(pooler.transform(rows.astype(np.float64)))
    confusion = sdr_stability(sdr[order], sdr[np.roll(order, 1)])
    return robustness - confusion


def stability_over_epochs(pooler, X, n_epochs=5, *, X_probe=None, random_state=None):
    """SDR stability between consecutive learning epochs.

    Trains a clone of ``pooler`` with ``partial_fit``, one shuffled pass over
    X per epoch, and after each epoch computes the SDRs of ``X_probe``;
    returns :func:`sdr_stability` between each epoch's SDRs and the next's.
    Values near 1 mean the representation has settled.

    Parameters
    ----------
    pooler : SpatialPoolerTransformer
        Unfitted template (it is cloned; the original is not changed).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training rows.
    n_epochs : int >= 2, default=5
        Passes over X.
    X_probe : {array-like, sparse matrix} or None, default=None
        Rows whose SDRs are compared; None uses X.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffles.

    Returns
    -------
    stability : ndarray of shape (n_epochs - 1,)
        Entry ``e`` compares the SDRs after epochs ``e + 1`` and ``e + 2``.
    """
    if not isinstance(n_epochs, Integral) or n_epochs < 2:
        raise ValueError(f"n_epochs must be an integer >= 2, got {n_epochs!r}.")
    rng = check_random_state(random_state)
    model = clone(pooler)
    probe = X if X_probe is None else X_probe
    n_samples = X.shape[0]
    previous = None
    stability = []
    for _ in range(n_epochs):
        order = rng.permutation(n_samples)
        model.partial_fit(X[order])
        current = model.transform(probe)
        if previous is not None:
            stability.append(sdr_stability(previous, current))
        previous = current
    return np.asarray(stability)


def untrained_pooler(pooler):
    """A clone of ``pooler`` that keeps its initial state: learning switched off.

    Permanence increments, decrements, weak-column bumps and boosting are
    set to zero, so ``fit`` draws the potential pools and permanences exactly
    as ``pooler.fit`` would with the same ``random_state`` and then changes
    nothing. It is the baseline a trained pooler must beat.

    Parameters
    ----------
    pooler : SpatialPoolerTransformer

    Returns
    -------
    untrained : SpatialPoolerTransformer
        Unfitted.
    """
    untrained = clone(pooler)
    untrained.set_params(
        permanence_increment=0.0,
        permanence_decrement=0.0,
        boost_strength=0.0,
        min_pct_overlap_duty_cycle=0.0,
        max_iter=1,
        # Nothing changes, so the step size only sets how fast the pass is.
        batch_size=max(pooler.get_params()["batch_size"], 1024),
    )
    return untrained


def _default_classifier():
    return LogisticRegression(max_iter=1000)


_ABLATIONS = ("raw", "encoder", "untrained", "trained")


def ablation_study(X_train, y_train, X_test, y_test, *, encoder, pooler,
                   classifier=None, include=_ABLATIONS, verbose=False):
    """Accuracy of each stage of encoder -> pooler -> classifier, side by side.

    Fits and scores four pipelines, all ending in a clone of ``classifier``:

    - ``"raw pixels + LR"``: the classifier on X scaled by its largest
      absolute value per feature (:class:`~sklearn.preprocessing.MaxAbsScaler`);
    - ``"encoder + LR"``: on the encoder's bits;
    - ``"untrained SP + LR"``: on the SDRs of :func:`untrained_pooler`;
    - ``"trained SP + LR"``: on the SDRs of the trained pooler.

    Parameters
    ----------
    X_train, y_train, X_test, y_test : array-like
        Training and test data (X as the encoder expects it).
    encoder : transformer
        For example :class:`~sklearn_htm.GreyscaleEncoder`; cloned.
    pooler : SpatialPoolerTransformer
        Cloned.
    classifier : classifier or None, default=None
        Cloned; None means ``LogisticRegression(max_iter=1000)``.
    include : collection of str, default=("raw", "encoder", "untrained", "trained")
        Which of the four pipelines to measure (in this order, whatever the
        order given).
    verbose : bool, default=False
        Print each row as soon as it is measured.

    Returns
    -------
    rows : list of dict
        One per pipeline, with keys ``"model"``, ``"accuracy"`` (on the test
        set), ``"fit_time"`` and ``"score_time"`` (seconds) and ``"pipeline"``
        (fitted).
    """
    unknown = set(include) - set(_ABLATIONS)
    if unknown:
        raise ValueError(
            f"include may only name {', '.join(_ABLATIONS)}; got {sorted(unknown)}."
        )
    classifier = _default_classifier() if classifier is None else classifier
    candidates = {
        "raw": ("raw pixels + LR", lambda: [MaxAbsScaler()]),
        "encoder": ("encoder + LR", lambda: [clone(encoder)]),
        "untrained": (
            "untrained SP + LR", lambda: [clone(encoder), untrained_pooler(pooler)]
        ),
        "trained": ("trained SP + LR", lambda: [clone(encoder), clone(pooler)]),
    }
    rows = []
    for key in _ABLATIONS:
        if key not in include:
            continue
        name, make_steps = candidates[key]
        steps = make_steps()
        pipeline = make_pipeline(*steps, clone(classifier))
        start = time.perf_counter()
        pipeline.fit(X_train, y_train)
        fitted = time.perf_counter()
        accuracy = float(pipeline.score(X_test, y_test))
        scored = time.perf_counter()
        row = dict(
            model=name,
            accuracy=accuracy,
            fit_time=fitted - start,
            score_time=scored - fitted,
            pipeline=pipeline,
        )
        rows.append(row)
        if verbose:
            print(format_ablation_table([row], header=len(rows) == 1), flush=True)
    return rows


def format_ablation_table(rows, *, header=True):
    """Rows of :func:`ablation_study` as a fixed-width text table.

    Parameters
    ----------
    rows : list of dict
        With keys ``"model"``, ``"accuracy"``, ``"fit_time"``, ``"score_time"``.
    header : bool, default=True
        Start with the column titles.

    Returns
    -------
    table : str
    """
    lines = []
    if header:
        lines.append(f"{'model':<22} {'accuracy':>9} {'fit (s)':>9} {'score (s)':>10}")
    for row in rows:
        lines.append(
            f"{row['model']:<22} {row['accuracy']:>9.4f} {row['fit_time']:>9.2f} "
            f"{row['score_time']:>10.2f}"
        )
    return "\n".join(lines)

