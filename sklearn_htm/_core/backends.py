"""The backend contract every layer's backends fulfil, and the registry that
names them.

A backend computes; the estimator validates, binarizes, resolves the
configuration, chunks the rows, reports progress and keeps the state.
Between the two pass the layer's configuration (an immutable bundle of the
resolved parameters), its state (see :mod:`sklearn_htm._core.state`) and
the rows (:class:`~sklearn_htm._core.rows.BinaryRows`). The numpy backend
of every layer is its specification; every other backend gives the same
bits for the same inputs.

Every backend has

``name``
    the ``backend`` parameter's value that selects it;
``chunk_rows``
    the rows the estimator hands to one call: progress reports and
    interrupts happen between calls, so a call should take well under a
    second, yet long enough that its overhead does not matter;
``learn(config, state, rows, ...)``
    learn the rows in order, in place, keeping ``state.n_samples_seen``;
``infer(config, state, rows, ...)``
    compute the rows' output with the current state, changing nothing;
``is_ready(learning)``
    whether the first call of that kind will not compile (or load compiled
    code): the estimator then says what the wait is.

A layer's own contract (its ``backends/_base.py``) subclasses
:class:`Backend` and says what else its calls take and return.
"""

import functools
import importlib
from abc import ABC, abstractmethod


class Backend(ABC):
    """Base class of every compute backend of every layer."""

    name = None
    chunk_rows = 2000
    accepts_device_input = False

    @abstractmethod
    def learn(self, config, state, rows, **options):
        """Learn ``rows`` in order, updating ``state`` in place."""

    @abstractmethod
    def infer(self, config, state, rows, **options):
        """The rows' output with the current state; ``state`` is unchanged."""

    def is_ready(self, learning):
        """Whether a ``learn`` (``learning=True``) or ``infer`` call will not
        compile anything first."""
        return True

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"


@functools.cache
def backend_instance(module, cls):
    """The one instance of ``module.cls``, imported on first use, so that
    importing the package never imports kernel modules (or CuPy) eagerly."""
    return getattr(importlib.import_module(module), cls)()


class BackendRegistry:
    """The backends of one layer, by name, imported on first use.

    Parameters
    ----------
    layer : str
        The layer's name, for messages.
    classes : dict
        ``name -> (module, class name)``, fastest last among those that
        need no probe.
    probes : dict, optional
        ``name -> (probe, message)``: a backend that can run only where
        ``probe()`` is true (the pooler's GPU), refused with ``message``
        elsewhere. ``"auto"`` picks the last available backend.
    """

    def __init__(self, layer, classes, probes=None):
        self.layer = layer
        self.classes = dict(classes)
        self.probes = dict(probes or {})

    @property
    def names(self):
        """The values the ``backend`` parameter accepts."""
        return ("auto", *self.classes)

    def available(self):
        """The concrete backends that can run in this process."""
        return [name for name in self.classes
                if name not in self.probes or self.probes[name][0]()]

    def resolve(self, backend):
        """The concrete backend name ``backend`` stands for."""
        return self.available()[-1] if backend == "auto" else backend

    def get(self, backend):
        """The backend instance that ``backend`` names.

        Raises
        ------
        ValueError
            If ``backend`` is not one of :attr:`names`.
        RuntimeError
            If the backend cannot run here (its probe fails).
        """
        name = self.resolve(backend)
        if name not in self.classes:
            raise ValueError(
                f"Unknown backend {backend!r} for the {self.layer}; expected one of "
                f"{', '.join(self.names)}."
            )
        if name in self.probes and not self.probes[name][0]():
            raise RuntimeError(self.probes[name][1])
        return backend_instance(*self.classes[name])
