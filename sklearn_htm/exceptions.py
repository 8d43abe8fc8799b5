"""Exceptions raised by sklearn-htm."""


class MemoryBudgetError(ValueError, MemoryError):
    """A configuration would need more memory than the machine has.

    Raised before anything is allocated or modified. It is a ``ValueError``
    (the parameters are unusable here, as scikit-learn reports bad
    parameters) and a ``MemoryError`` (for code that handles memory
    exhaustion). The message states how much memory was needed.
    """


class KernelCompileWarning(UserWarning):
    """The compiled kernels of a backend are being built, the first time in an
    environment (seconds to a minute); they are cached after that.

    Issued once, at ``verbose=0``, when preparing kernels takes more than a
    second (``verbose=1`` reports it with a heartbeat instead). Silence it
    with ``warnings.filterwarnings("ignore", category=KernelCompileWarning)``.

    Also issued once, on import, where no folder for numba's cache can be
    written (the kernels then compile in every process; set
    ``NUMBA_CACHE_DIR``).
    """
