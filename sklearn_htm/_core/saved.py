"""Models saved before a parameter existed.

A parameter added in a later version is missing from the state of a model
pickled (or saved with skops) before it. :class:`AddedParamsMixin` gives such
a model, when it loads, the value that keeps it doing what it did: often
not the parameter's default, which may have changed the behaviour.
"""


class AddedParamsMixin:
    """Fill in the parameters a saved model predates.

    A subclass lists them in ``_added_params``: each name with the value
    under which the model behaves as it did before the parameter existed.
    Place the mixin before ``BaseEstimator`` in the bases.
    """

    _added_params = {}

    def __setstate__(self, state):
        for name, value in self._added_params.items():
            state.setdefault(name, value)
        super().__setstate__(state)
