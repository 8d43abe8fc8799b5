"""The backtracking Temporal Memory's backend contract: the one of
:mod:`sklearn_htm._core.backends`, with what its calls take.

Between the estimator and a backend pass a
:class:`~sklearn_htm.backtracking_tm._config.BTMConfig`, the state (the
backend's own kind: :class:`~sklearn_htm.backtracking_tm._state.BTMState`
for numba, the reference's objects for numpy; both have ``reset()``) and
the rows as :class:`~sklearn_htm._core.rows.BinaryRows` (the active
columns of each row, sorted).

Both kinds of state reduce to one canonical form (``canonical()``, see
:mod:`~sklearn_htm.backtracking_tm._canonical`) and are built from it
(``from_canonical``): :meth:`BacktrackingTMBackend.adopt` converts a
stream's state to a backend's kind, so that a stream continues bit for bit
on either backend.
"""

from abc import abstractmethod

from ..._core.backends import Backend


class BacktrackingTMBackend(Backend):
    """Base class of the backtracking Temporal Memory's backends."""

    @abstractmethod
    def new_state(self, config, rng_state):
        """A new stream's state, of this backend's kind; ``rng_state`` is
        the generator's state (see :func:`sklearn_htm._core.random.seed_state`)."""

    #: The class of this backend's kind of state (with ``from_canonical``).
    state_type = None

    def owns(self, state):
        """Whether ``state`` is of this backend's kind."""
        return isinstance(state, self.state_type)

    def adopt(self, config, state):
        """``state`` (any state of the layer) as this backend's kind.

        Parameters
        ----------
        config : BTMConfig
            The stream's configuration.
        state : object
            A state of either backend.

        Returns
        -------
        state : object
            ``state`` itself when this backend owns it; else a new state of
            this backend's kind built from its canonical form, which
            continues bit for bit as ``state`` (left as it was) would.
        """
        if self.owns(state):
            return state
        return self.state_type.from_canonical(config, state.canonical(),
                                              state.n_samples_seen)

    @abstractmethod
    def learn(self, config, state, rows, out=None, starts=None):
        """Learn ``rows`` in order, in place; returns their raw anomalies
        (float64, one per row), written into ``out`` (when given) as each
        row is learned, so that after an interrupt those of the rows learned
        (``state.n_samples_seen`` counts them) are there. ``starts`` (bool,
        one per row, or None for none): the rows before which the state is
        reset (``state.reset()``, NuPIC's ``reset``), as part of learning
        that row."""

    @abstractmethod
    def infer(self, config, state, rows, starts=None):
        """Raw anomalies of ``rows`` inferred as the stream's continuation,
        without learning, reset before the rows where ``starts`` is True (as
        :meth:`learn`); ``state`` is left as it was."""
