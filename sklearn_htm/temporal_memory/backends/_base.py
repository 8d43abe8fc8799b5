"""The Temporal Memory's backend contract: the one of
:mod:`sklearn_htm._core.backends`, with what the Temporal Memory's calls
take. Between the estimator and a backend pass a
:class:`~sklearn_htm.temporal_memory._config.TMConfig`, a
:class:`~sklearn_htm.temporal_memory._state.TMState` and the rows as
:class:`~sklearn_htm._core.rows.BinaryRows` (the active columns
of each row, sorted). The numpy backend is the specification; every other
backend gives the same bits for the same inputs.
"""

from abc import abstractmethod
from typing import NamedTuple

import numpy as np

from ..._core.backends import Backend

#: What :meth:`TemporalMemoryBackend.run` can return for every row.
OUTPUTS = ("active_cells", "winner_cells", "predictive_cells")


class RunResult(NamedTuple):
    """What one :meth:`TemporalMemoryBackend.run` call returns.

    Attributes
    ----------
    anomaly : ndarray of float64, shape (n_rows,)
        Raw anomaly of each row: the fraction of its active columns that no
        cell predicted (0 for a row without active columns).
    indptr : ndarray of int64, shape (n_rows + 1,), or None
    indices : ndarray of int32, or None
        CSR parts of the requested cells of each row, sorted per row (None
        when no cells were requested). Predictive cells are those predicted,
        after the row, for the next one.
    """

    anomaly: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray


class TemporalMemoryBackend(Backend):
    """Base class of the Temporal Memory's compute backends.

    Attributes
    ----------
    name : str
        The ``backend`` parameter's value that selects it.
    chunk_rows : int
        Rows the estimator hands to one :meth:`run` call: progress reports
        happen between calls.
    """

    name = None
    chunk_rows = 2000

    @abstractmethod
    def run(self, config, state, rows, starts, learn, output, out=None):
        """Run the Temporal Memory over ``rows`` in order.

        Parameters
        ----------
        config : TMConfig
        state : TMState
            With ``learn=True`` updated in place (connections, generator,
            context, ``n_samples_seen``); with ``learn=False`` only read: the
            run starts from the state's context and its generator's state
            and leaves both as they were.
        rows : BinaryRows
            Active columns of each row.
        starts : ndarray of bool, shape (n_rows,)
            Rows before which the context is cleared (a sequence begins).
        learn : bool
        output : {"active_cells", "winner_cells", "predictive_cells"} or None
        out : ndarray of float64, shape (n_rows,), optional
            Where the raw anomalies are written as the rows are computed, so
            that after a failure those of the rows learned are there.

        Returns
        -------
        RunResult
        """

    def learn(self, config, state, rows, starts, output=None, out=None):
        """:meth:`run` with ``learn=True``."""
        return self.run(config, state, rows, starts, True, output, out)

    def infer(self, config, state, rows, starts, output=None):
        """:meth:`run` with ``learn=False``: ``state`` is only read."""
        return self.run(config, state, rows, starts, False, output)
