"""All-or-nothing updates of an estimator's fitted state."""

from contextlib import contextmanager


@contextmanager
def restore_on_failure(estimator):
    """Put ``estimator.__dict__`` back as it was if the block raises.

    Fitting code never modifies arrays held by the estimator in place: it
    works on copies and assigns them at the end. A shallow snapshot of the
    attribute dictionary is therefore enough to undo a failed call, whatever
    raised (bad input, a kernel, or a KeyboardInterrupt between batches).
    An estimator that was unfitted before a failed call stays unfitted.
    """
    snapshot = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(snapshot)
        raise
