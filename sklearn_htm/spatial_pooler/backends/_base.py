"""The Spatial Pooler's backend contract: the one of
:mod:`sklearn_htm._core.backends`, with what the pooler's calls take.

Between the estimator and a backend pass a
:class:`~sklearn_htm.spatial_pooler._state.PoolerConfig` (the resolved
structure and the learning constants), a
:class:`~sklearn_htm.spatial_pooler._state.PoolerState` (numpy arrays) and
the rows: host input as
:class:`~sklearn_htm._core.rows.BinaryRows` (canonical binary CSR
parts), device input (CuPy) as it came, for the backends that take it.

The numpy backend is the specification; every other backend gives the same
bits for the same inputs.
"""

from abc import abstractmethod

from ..._core.backends import Backend


class SpatialPoolerBackend(Backend):
    """Base class of the Spatial Pooler's compute backends.

    Attributes
    ----------
    name : str
        The ``backend`` parameter's value that selects it.
    chunk_rows : int
        Rows the estimator hands to one :meth:`learn` call (rounded to a
        multiple of ``batch_size``): progress reports and interrupts happen
        between calls, so a call should take well under a second, and long
        enough that its overhead does not matter.
    atomic_learn : bool
        Whether a :meth:`learn` call either raises before changing the state
        or completes (a compiled kernel that cannot be interrupted half way),
        and :meth:`begin_journal` can undo it. The estimator then lets a call
        of at most ``chunk_rows`` rows learn in place on a state it
        owns; otherwise it learns on a copy of the state and keeps the copy
        only when every call succeeded.
    accepts_device_input : bool
        Whether CuPy input may be passed as is (else it is copied to the host).
    """

    name = None
    chunk_rows = 2048
    atomic_learn = False
    accepts_device_input = False

    @abstractmethod
    def infer(self, config, state, rows):
        """Winning columns of every row, with the current state.

        Parameters
        ----------
        config : PoolerConfig
        state : PoolerState
            Read only (a backend's work data may be built in ``state.scratch``).
        rows : BinaryRows or device matrix
            Canonical binary rows.

        Returns
        -------
        indptr : ndarray of int64, shape (n_rows + 1,)
        indices : ndarray of int32
            CSR parts of the SDR, sorted per row (CuPy arrays for device input).
        """

    @abstractmethod
    def learn(self, config, state, rows, batch_size, journal=None):
        """Learn from ``rows`` in order, ``batch_size`` rows per step, in place.

        The last step may be smaller. Changes the arrays of ``state`` and
        ``state.n_samples_seen``; keeps this backend's scratch
        exact (the estimator drops the other backends' before the call).
        ``journal``, from :meth:`begin_journal` (``atomic_learn`` backends),
        records what the call overwrites.
        """

    def begin_journal(self, config, state):
        """An object whose ``undo()`` puts ``state`` back as it is now, after
        one :meth:`learn` call given it as ``journal`` (or none).

        Only ``atomic_learn`` backends have one: the estimator learns in
        place with it, and undoes the call if anything raises before the
        call returns (an interrupt arriving during the kernel is raised as
        soon as the kernel returns).
        """
        raise NotImplementedError(f"{self!r} does not learn in place")
