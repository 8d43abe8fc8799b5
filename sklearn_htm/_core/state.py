"""The state protocol every layer's state follows.

A layer's state is what learning changes: numpy arrays and Python numbers,
so that it pickles, copies and travels to joblib or Dask workers freely.
Every state type has

``n_samples_seen``
    rows learned since the stream started;
``scratch``
    the one place for a backend's work data (backend name -> what it keeps
    between calls: the numba pooler's connected-synapse words, the CuPy
    pooler's device copy, the Temporal Memories' context buffers); never
    copied into a saved model, dropped for every other backend before one
    learns (:meth:`LayerState.keep_scratch`), rebuilt on first use;
``copy()``
    an independent snapshot (learning on it leaves the original as it was);
``canonical()``
    the canonical form: what two states that continue alike have equal,
    whatever their layout or backend (the tests compare backends with it,
    and saving writes it or a compact form of it).
"""

from abc import ABC, abstractmethod


class LayerState(ABC):
    """Base class of the layers' state types (see the module docstring)."""

    @abstractmethod
    def copy(self):
        """An independent snapshot."""

    @abstractmethod
    def canonical(self):
        """The canonical form (a dict, or a namedtuple of arrays and numbers)."""

    def keep_scratch(self, name):
        """Drop every backend's scratch but ``name``'s (about to learn)."""
        for other in [key for key in self.scratch if key != name]:
            del self.scratch[other]
