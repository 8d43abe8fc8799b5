"""Exceptions raised by sklearn-htm."""


class MemoryBudgetError(ValueError, MemoryError):
    """A configuration would need more memory than the machine has.

    Raised before anything is allocated or modified. It is a ``ValueError``
    (the parameters are unusable here, as scikit-learn reports bad
    parameters) and a ``MemoryError`` (for code that handles memory
    exhaustion). The message states how much memory was needed.
    """
