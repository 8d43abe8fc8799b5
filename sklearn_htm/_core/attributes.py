"""Fitted attributes that read a layer's state.

Most of a layer's fitted attributes are one value of its state or structure,
read where it lives (learning updates the state in place; nothing is stored
twice). :func:`forwarded` makes such an attribute in one line.
"""

from operator import attrgetter


def forwarded(path, *, copy=False):
    """A read-only attribute whose value is ``self.<path>``.

    Parameters
    ----------
    path : str
        Dotted attribute path from the instance (``"_state.boost_factors"``).
        An unfitted layer's ``_state`` / ``_structure`` raise
        ``NotFittedError``, so the attribute does too.
    copy : bool, default=False
        Return ``value.copy()``: for arrays that learning updates in place,
        so that what a user holds does not change under them.

    Returns
    -------
    attribute : property
        Documented in its class's ``Attributes`` section (it carries no
        docstring of its own).
    """
    get = attrgetter(path)
    if copy:

        def get_copy(instance):
            return get(instance).copy()

        return property(get_copy, doc="")
    return property(get, doc="")
