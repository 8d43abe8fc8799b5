"""What the two Temporal Memories share: sequence starts, raw anomalies, and
the interface the anomaly detector and the forecaster rely on.

Both Temporal Memories (htm.core's, NuPIC's backtracking one) learn a
stream of rows, each the active columns of one step: ``partial_fit``
continues the stream; ``sequence_starts`` (or :meth:`reset`) begins a new
sequence before a row, clearing the context; ``anomaly_`` is the raw
anomaly of each row learned by the last call; ``anomaly_score`` infers
rows without learning; ``active_cells_`` and ``predictive_cells_`` are the
cells of the last row learned.
"""

from typing import NamedTuple

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .messages import warn_caller
from .rows import validate_rows


def check_sequence_starts(sequence_starts, n_rows):
    """``sequence_starts`` as a bool array of ``n_rows`` (all False for None).

    Raises
    ------
    ValueError
        If it is not one flag (bool, or 0 / 1) per row.
    """
    if sequence_starts is None:
        return np.zeros(n_rows, dtype=bool)
    starts = np.asarray(sequence_starts)
    if starts.ndim != 1 or starts.shape[0] != n_rows:
        raise ValueError(
            f"sequence_starts must hold one flag per row of X ({n_rows}); got an array "
            f"of shape {starts.shape}."
        )
    if starts.dtype != bool:
        if starts.dtype.kind not in "iuf" or not np.isin(starts, (0, 1)).all():
            raise ValueError(
                "sequence_starts must be booleans (True where a new sequence begins), "
                "or 0 / 1."
            )
    return starts.astype(bool)


def check_thresholds(config, reachable, limit, remedy):
    """Refuse a segment threshold no segment can reach, and warn of
    ``min_threshold`` above ``activation_threshold``; both Temporal
    Memories' rule. ``reachable`` is the most synapses a segment grows to
    one context, ``limit`` says what bounds it and ``remedy`` which
    parameter to raise.

    Raises
    ------
    ValueError
        If ``activation_threshold`` or ``min_threshold`` exceeds ``reachable``.
    """
    for name in ("activation_threshold", "min_threshold"):
        if getattr(config, name) > reachable:
            raise ValueError(
                f"{name}={getattr(config, name)} can never be reached: a segment has at "
                f"most {limit} = {reachable} synapses to one context; lower {name} or "
                f"raise {remedy}."
            )
    if config.min_threshold > config.activation_threshold:
        warn_caller(
            f"min_threshold={config.min_threshold} exceeds activation_threshold="
            f"{config.activation_threshold}: a segment can then predict without matching, "
            "so a column that bursts does not reinforce the segment that nearly predicted "
            "it and grows a new one instead. Lower min_threshold to at most "
            f"{config.activation_threshold} or raise activation_threshold (htm.core and NuPIC "
            "keep min_threshold <= activation_threshold)."
        )


class SequenceCall(NamedTuple):
    """The per-row arguments of one Temporal Memory call: where sequences
    start, and (Temporal Memory only) a list that receives each chunk's
    active cells."""

    starts: np.ndarray
    cells: list = None


class SequenceMemoryMixin:
    """The stream interface both Temporal Memories share (on top of
    :class:`~sklearn_htm._core.layer.HTMLayer`)."""

    #: Whether a new stream's first row (and each pass of ``fit``) begins a
    #: sequence. htm.core's reset of a new layer changes nothing; NuPIC's
    #: (``resetCalled``) would change its first step, so the backtracking
    #: Temporal Memory takes its sequence starts as given.
    _first_row_begins_a_sequence = True

    def _call_context(self, rows, first, sequence_starts=None):
        starts = check_sequence_starts(sequence_starts, rows.shape[0])
        if first and starts.shape[0] and self._first_row_begins_a_sequence:
            starts[0] = True
        self._warn_if_sparse(rows)
        return SequenceCall(starts)

    def _warn_if_sparse(self, rows):
        """Warn, once a public call is accepted, of rows too sparse for
        ``activation_threshold``: a segment grows at most one synapse per
        active column of the row before, so it could never predict."""
        if rows.indices.shape[0] >= self.activation_threshold * rows.shape[0]:
            return  # some row is at least as wide as the mean (a stream's common case)
        widest = int(np.diff(rows.indptr).max(initial=0))
        if widest < self.activation_threshold:
            warn_caller(
                f"The rows of X have at most {widest} active columns, fewer than "
                f"activation_threshold={self.activation_threshold}: a segment grows one "
                "synapse per active column of a row, so it hardly ever predicts and raw "
                "anomalies stay near 1. Lower activation_threshold and min_threshold for "
                "such sparse rows."
            )

    def _stream_context(self, rows):
        return SequenceCall(np.zeros(rows.shape[0], dtype=bool))

    def _passes(self, rows, context):
        """``max_iter`` passes (each beginning a sequence, unless
        :attr:`_first_row_begins_a_sequence` says otherwise)."""
        for _ in range(getattr(self, "max_iter", 1)):
            starts = context.starts.copy()
            starts[0] |= self._first_row_begins_a_sequence
            yield rows, context._replace(starts=starts)

    def _new_result(self, n_rows, out):
        return np.empty(n_rows, dtype=np.float64) if out is None else out

    def _commit(self, state, result):
        self._state = state
        if result is not None:
            self.anomaly_ = result

    def reset(self):
        """Clear the context: the next row learned begins a sequence
        (htm.core's and NuPIC's ``reset``). Returns self."""
        check_is_fitted(self)
        self._state.reset()
        return self

    def anomaly_score(self, X, sequence_starts=None):
        """Raw anomaly of each row of X, without learning.

        X is run as a sequence from a cleared context (its first row begins
        a sequence), with the connections learned so far; nothing of the
        estimator changes. A row's raw anomaly is the fraction of its active
        columns that the previous row's cells did not predict
        (htm.core's ``computeRawAnomalyScore``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_columns)
        sequence_starts : array-like of bool, shape (n_samples,), default=None
            True at the rows that begin a new sequence.

        Returns
        -------
        anomaly : ndarray of float64, shape (n_samples,)
            In [0, 1]: 1 for the first row of a sequence (nothing predicts
            it) and 0 for a row without active columns.

        Raises
        ------
        NotFittedError
            Before ``fit`` or ``partial_fit``.
        ValueError
            For NaN or infinite input, a wrong number of columns, non-binary
            input with ``binarize=None``, or a malformed ``sequence_starts``.
        """
        return self._infer_public(X, sequence_starts)

    def _infer_public(self, X, sequence_starts, **options):
        check_is_fitted(self)
        X = validate_rows(self, X, reset=False)
        backend = self._backends.get(self.backend)
        rows = self._binary_rows(X, backend)
        starts = check_sequence_starts(sequence_starts, rows.shape[0])
        if starts.shape[0]:
            starts[0] = True
        return self._infer(backend, self._config(), rows, starts, **options)

    def _score_rows(self, rows, **options):
        """Raw anomalies of validated rows as the stream's continuation (from
        the current context), without learning; nothing changes."""
        starts = np.zeros(rows.shape[0], dtype=bool)
        return self._infer(self._backends.get(self.backend), self._config(), rows, starts,
                           **options)
