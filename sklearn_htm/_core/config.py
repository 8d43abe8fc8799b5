"""A layer's constants from its estimator's parameters.

Each layer resolves its parameters once per call into a ``NamedTuple`` of
typed constants (its ``Config``) that every backend reads; the fields carry
the type they are stored as (``int`` or a permanence dtype), so that one rule
builds every layer's configuration.
"""


def config_from_params(cls, params, renamed=None, **given):
    """The ``NamedTuple`` ``cls`` of an estimator's parameters.

    Parameters
    ----------
    cls : NamedTuple class
        The configuration type; each field is annotated with the callable
        that converts its value (``int``, ``numpy.float32``).
    params : dict
        The estimator's parameters (``get_params(deep=False)``).
    renamed : dict of str -> str, default=None
        Fields whose parameter has another name (field -> parameter).
    **given
        Fields not taken from ``params`` (such as the input width), passed
        through the field's type as well.

    Returns
    -------
    config : cls
    """
    renamed = renamed or {}
    values = {}
    for field, kind in cls.__annotations__.items():
        value = given[field] if field in given else params[renamed.get(field, field)]
        values[field] = kind(value)
    return cls(**values)


def params_constructor(renamed=None):
    """A ``from_params(params, n_columns)`` classmethod for a layer's config:
    :func:`config_from_params` over ``n_columns`` input columns, with the
    layer's ``renamed`` fields."""

    def from_params(cls, params, n_columns):
        return config_from_params(cls, params, renamed, n_columns=n_columns)

    from_params.__doc__ = (
        "The configuration of an estimator's parameters (a dict) over "
        "``n_columns`` input columns."
    )
    return classmethod(from_params)
