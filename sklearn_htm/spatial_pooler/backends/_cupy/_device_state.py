"""The CuPy backend's device copy of a pooler state, kept between calls.

A :class:`DeviceState` holds a
:class:`~sklearn_htm.spatial_pooler._state.PoolerState` in the ops' array
namespace: the potential pools, the learned arrays and the dense connected
matrix that the GEMMs read. It is the backend's scratch of the
state, kept in ``state.scratch["cupy"]`` as the numba backend keeps its
words:

* uploaded by the first call on a state, then used by every ``infer`` and
  ``learn`` call on that state for as long as it :meth:`~DeviceState.serves`
  it: a stream of one-row calls uploads nothing;
* kept exact by learning, which works on it and then downloads the arrays
  it changed, so that the host arrays are always current (pickling,
  ``clone``, joblib and the other backends only ever read those);
* dropped by the estimator's ``state.keep_scratch`` when another backend
  learns, never pickled (``PoolerState.__getstate__`` keeps only the host
  arrays), and copied on the device, not shared, by ``state.copy()``;
* dropped when a call that was changing it fails, and dropped from other
  states when an upload does not fit in GPU memory. As the host arrays are
  current, a dropped copy costs only an upload on its state's next call.

What a copy checks on each call is cheap: the same ops, device and
structure, the same number of samples seen and the same array sizes. An
in-place write to a state's host arrays that leaves ``n_samples_seen`` as
it was goes unseen: the estimator changes a state only through a backend's
``learn``, after ``keep_scratch``, and any other code that writes to the
arrays of a state must call :func:`forget` first.
"""

import contextlib
import threading
import weakref

from ....exceptions import MemoryBudgetError
from ....utils._array_api import to_host
from ..._state import BOOST_DTYPE, DUTY_DTYPE, PERMANENCE_DTYPE
from . import _array_ops as ao

# The backend's name: the key of its copies in ``state.scratch``, which the
# estimator's ``keep_scratch`` calls use.
NAME = "cupy"

# The attributes learning changes, copied by DeviceState.copy(); the others
# never change after the upload and are shared with copies.
_LEARNED = ("permanences", "active_duty", "overlap_duty", "min_duty", "boost", "connected")

# Every device copy alive, so that an upload that does not fit can drop the
# others first (see _upload); the lock keeps a snapshot from meeting an add.
_LIVE = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()


def _register(dev):
    with _LIVE_LOCK:
        _LIVE.add(dev)


def current_device(xp):
    """Id of the current CUDA device of ``xp``; None for numpy."""
    cuda = getattr(xp, "cuda", None)
    return None if cuda is None else cuda.Device().id


class DeviceState:
    """A state uploaded to the device of ``ops``, and the dense connected matrix.

    Parameters
    ----------
    ops : ArrayOps
        The ops that compute with it (their array module, padded width and
        matmul dtype).
    config : PoolerConfig
    state : PoolerState
        Copied, never referenced: the copy is independent of the host arrays.

    Attributes
    ----------
    width : int
        Padded number of inputs, the connected matrix's second dimension.
    n_samples_seen : int
        Samples the copy has learned from; equal to the state's while it
        serves the state.
    threshold : float32
        Connected threshold of ``connected``.
    owner : weakref or None
        The state this copy is the scratch of (None for a fresh
        ``copy()``, until a call on its new state adopts it).
    """

    def __init__(self, ops, config, state):
        xp = ops.xp
        self.ops = ops
        self.device = current_device(xp)
        self.structure = config.structure
        self.width = ops.padded_width(config.n_inputs)
        self.owner = None
        self.n_samples_seen = state.n_samples_seen
        self.indptr = xp.asarray(state.potential_indptr, dtype=xp.int64)
        self.inputs = xp.asarray(state.potential_indices, dtype=xp.int32)
        self.columns = ao.csr_row_ids(
            xp, self.indptr, xp.arange(self.inputs.shape[0])
        ).astype(xp.int32)
        self.permanences = xp.array(state.permanences, dtype=PERMANENCE_DTYPE)
        self.active_duty = xp.array(state.active_duty_cycles, dtype=DUTY_DTYPE)
        self.overlap_duty = xp.array(state.overlap_duty_cycles, dtype=DUTY_DTYPE)
        self.min_duty = xp.array(state.min_overlap_duty_cycles, dtype=DUTY_DTYPE)
        self.boost = xp.array(state.boost_factors, dtype=BOOST_DTYPE)
        self.connected = xp.zeros((config.n_columns, self.width), dtype=ops.matmul_dtype)
        self.connect(config.connected_threshold)
        if not config.global_inhibition:
            self.hood_indptr = xp.asarray(config.neighbourhood_indptr, dtype=xp.int64)
            self.hood_indices = xp.asarray(config.neighbourhood_indices, dtype=xp.int32)
            self.n_winners = xp.asarray(config.local_n_winners, dtype=xp.int32)
        _register(self)

    def connect(self, threshold):
        """Set the connected matrix from the permanences at ``threshold``.

        Every potential synapse's entry is written and the others are never
        set, so no clearing is needed when the threshold changes.
        """
        self.connected[self.columns, self.inputs] = self.permanences >= threshold
        self.threshold = threshold

    def serves(self, ops, config, state):
        """Whether this copy holds ``state`` as ``ops`` compute with it now."""
        return (
            self.ops is ops
            and self.structure is config.structure
            and self.n_samples_seen == state.n_samples_seen
            and self.permanences.shape[0] == state.permanences.size
            and self.boost.shape[0] == state.boost_factors.size
            and self.device == current_device(ops.xp)
        )

    def write_back(self, state):
        """Download what learning changes into ``state``'s host arrays."""
        state.permanences[...] = to_host(self.permanences)
        state.active_duty_cycles[...] = to_host(self.active_duty)
        state.overlap_duty_cycles[...] = to_host(self.overlap_duty)
        state.min_overlap_duty_cycles[...] = to_host(self.min_duty)
        state.boost_factors[...] = to_host(self.boost)
        state.n_samples_seen = self.n_samples_seen

    def copy(self):
        """An independent copy on the same device (what ``state.copy()``
        calls): the learned arrays copied there, the rest shared."""
        twin = object.__new__(DeviceState)
        twin.__dict__.update(vars(self))
        with self._on_device():
            for name in _LEARNED:
                setattr(twin, name, getattr(self, name).copy())
        twin.owner = None
        _register(twin)
        return twin

    def drop(self):
        """Remove this copy from the state it serves (its memory is freed
        once no call is using it).

        Returns
        -------
        bool
            Whether it was removed (False when its state is gone or holds
            another copy).
        """
        state = self.owner() if self.owner is not None else None
        if state is None or state.scratch.get(NAME) is not self:
            return False
        state.scratch.pop(NAME, None)
        return True

    def _on_device(self):
        # CuPy copies onto the current device, which may not be this one's.
        cuda = getattr(self.ops.xp, "cuda", None)
        return contextlib.nullcontext() if cuda is None else cuda.Device(self.device)


def resident(ops, config, state):
    """``state``'s device copy for ``ops``, uploaded only when it has none
    that :meth:`~DeviceState.serves` it.

    Raises
    ------
    MemoryBudgetError
        If the state does not fit in GPU memory even with every other
        state's copy dropped.
    """
    dev = state.scratch.get(NAME)
    if dev is None or not dev.serves(ops, config, state):
        # Release a stale copy before its replacement is allocated.
        state.scratch.pop(NAME, None)
        dev = None
        dev = state.scratch[NAME] = _upload(ops, config, state)
    if dev.owner is None or dev.owner() is not state:
        dev.owner = weakref.ref(state)
    if dev.threshold != config.connected_threshold:
        dev.connect(config.connected_threshold)
    return dev


def forget(state, dev=None):
    """Drop ``state``'s device copy (only if it is ``dev``, when given): for
    a copy left half changed by a failed call, or host arrays written
    directly."""
    if dev is None or state.scratch.get(NAME) is dev:
        state.scratch.pop(NAME, None)


def _memory_errors(xp):
    """The exceptions that say an upload does not fit."""
    memory = getattr(getattr(xp, "cuda", None), "memory", None)
    out_of_memory = getattr(memory, "OutOfMemoryError", None)
    return (MemoryBudgetError,) if out_of_memory is None else (MemoryBudgetError, out_of_memory)


def _upload(ops, config, state):
    """``ops.device_state(config, state)``, retried once after dropping the
    other states' copies if it does not fit."""
    try:
        return ops.device_state(config, state)
    except _memory_errors(ops.xp):
        if not _drop_others(state):
            raise
    # Outside the handler, so that the failed attempt's traceback (and what
    # it had allocated) is gone: dropped memory returns to CuPy's pool, which
    # the memory check counts as free.
    return ops.device_state(config, state)


def _drop_others(state):
    """Drop every device copy but ``state``'s from its state; whether any was."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    dropped = False
    for dev in live:
        owner = dev.owner() if dev.owner is not None else None
        if owner is not state:
            dropped = dev.drop() or dropped
    return dropped
