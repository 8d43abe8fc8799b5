"""All-or-nothing updates of an estimator's fitted state."""

from contextlib import contextmanager


@contextmanager
def restore_on_failure(estimator):
    """Put ``estimator.__dict__`` back as it was if the block raises.

    Fitting code works on copies of the arrays held by the estimator and
    assigns them at the end, so a shallow snapshot of the attribute
    dictionary is enough to undo a failed call, whatever raised (bad input,
    a kernel, or a KeyboardInterrupt between batches). The one exception,
    the Spatial Pooler's in-place ``partial_fit``, undoes its own changes
    from a journal before the exception reaches this. An estimator that was
    unfitted before a failed call stays unfitted.
    """
    snapshot = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(snapshot)
        raise
