"""The Spatial Pooler's fitted attributes, read from its state.

Every attribute is a snapshot: learning updates the state in place, so
arrays are copied and sparse matrices get their own index arrays.
"""

import numpy as np
import scipy.sparse as sp

from .._core.attributes import forwarded
from ._state import PERMANENCE_DTYPE


class PoolerAttributes:
    """The fitted attributes of :class:`~._estimator.SpatialPoolerTransformer`
    (documented there)."""

    def _synapse_matrix(self, data):
        """A CSR matrix over the potential synapses, with copied index arrays
        so that scipy operations on it can never reach the fitted state."""
        state = self._state
        return sp.csr_matrix(
            (data, state.potential_indices.copy(), state.potential_indptr.copy()),
            shape=(self.n_columns_, self.n_features_in_),
        )

    @property
    def permanences_(self):
        return self._synapse_matrix(self._state.permanences.copy())

    @property
    def potential_pools_(self):
        return self._synapse_matrix(
            np.ones(self._state.potential_indices.size, dtype=bool)
        )

    @property
    def connected_synapses_(self):
        threshold = PERMANENCE_DTYPE(self.connected_threshold)
        connected = self._synapse_matrix(self._state.permanences >= threshold)
        connected.eliminate_zeros()
        return connected

    # Per-column arrays are copies: learning updates the state in place.
    active_duty_cycles_ = forwarded("_state.active_duty_cycles", copy=True)
    overlap_duty_cycles_ = forwarded("_state.overlap_duty_cycles", copy=True)
    min_overlap_duty_cycles_ = forwarded("_state.min_overlap_duty_cycles", copy=True)
    boost_factors_ = forwarded("_state.boost_factors", copy=True)
    column_shape_ = forwarded("_structure.column_shape")
    input_shape_ = forwarded("_structure.input_shape")
    n_active_columns_ = forwarded("_structure.n_active_columns")
    inhibition_radius_ = forwarded("_structure.inhibition_radius")
    n_columns_ = forwarded("_structure.n_columns")
    _n_features_out = forwarded("n_columns_")
