"""The failure rule of every estimator of the package, stated once.

1. A call refused before it learns (bad input, a changed structural
   parameter, a configuration that cannot learn, a memory budget) changes
   nothing, and says why in a ``ValueError`` (or ``MemoryBudgetError``).
2. A ``fit`` that fails for any reason (an exception in a kernel, a
   ``KeyboardInterrupt``, ``MemoryError``) changes nothing: an unfitted
   estimator stays unfitted, a fitted one keeps its stream.
3. A ``partial_fit`` that fails while learning keeps the rows it learned
   before the failure, whole rows, a prefix of X, exactly as if it had been
   given only those rows; ``n_samples_seen_`` says how many. Copying a
   large Temporal Memory for every call of a stream would cost more than
   the learning, so the layers learn in place. Where a copy is cheap the
   prefix is empty: the Spatial Pooler undoes its learning calls from a
   journal (or learns on a copy), the anomaly likelihood runs on copies of
   its streams. The stream estimators built on the layers (the anomaly
   detector, the forecaster) keep the same prefix in every part, so their
   parts always agree on the rows learned; the SDR classifier keeps whole
   rows. ``tests/test_common_failure.py`` checks the rule for every
   estimator that learns from rows.

An interrupt reaches Python between kernel calls (a compiled kernel cannot
be stopped half way), so the rows of a chunk are learned or not as a
whole. :func:`restore_on_failure` implements rules 1 and 2 (and the
estimator attributes of rule 3); the layers' skeleton
(:mod:`sklearn_htm._core.layer`) implements rule 3.
"""

from contextlib import contextmanager


@contextmanager
def restore_on_failure(estimator):
    """Put ``estimator.__dict__`` back as it was if the block raises.

    A shallow snapshot of the attribute dictionary undoes every assignment
    the block made (a new state, new fitted attributes), whatever raised.
    What a block changes in place (a layer's state during ``partial_fit``)
    is not undone: that is the prefix of rule 3.
    """
    snapshot = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(snapshot)
        raise
