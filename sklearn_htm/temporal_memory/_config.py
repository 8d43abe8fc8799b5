"""The Temporal Memory's learning constants, resolved once from the parameters.

:class:`TMConfig` is what every backend reads: integers as Python ints,
permanences as float32 (the dtype every backend computes them in, so that
``permanence + increment`` rounds identically everywhere).
"""

from typing import NamedTuple

import numpy as np

from .._core.config import params_constructor

#: dtype of every permanence.
PERMANENCE_DTYPE = np.float32

#: A synapse whose permanence would fall below this is destroyed (htm.core's
#: ``minPermanence + Epsilon``).
PERMANENCE_EPSILON = PERMANENCE_DTYPE(1e-6)

#: Parameters that fix the shape of the layer; changing one needs a new ``fit``.
STRUCTURAL_PARAMS = ("n_cells_per_column",)


class TMConfig(NamedTuple):
    """Constants of one Temporal Memory (htm.core's names in brackets).

    Attributes
    ----------
    n_columns : int
        Number of mini-columns (the input width) [columnDimensions].
    cells_per_column : int
        [cellsPerColumn]
    activation_threshold : int
        Connected synapses to active cells that make a segment active
        [activationThreshold].
    min_threshold : int
        Potential synapses to active cells that make a segment matching
        [minThreshold].
    max_new_synapse_count : int
        [maxNewSynapseCount]
    max_segments_per_cell : int
        [maxSegmentsPerCell]
    max_synapses_per_segment : int
        [maxSynapsesPerSegment]
    initial_permanence, connected_threshold, permanence_increment,
    permanence_decrement, predicted_segment_decrement : float32
        [initialPermanence, connectedPermanence, permanenceIncrement,
        permanenceDecrement, predictedSegmentDecrement]
    """

    n_columns: int
    cells_per_column: int
    activation_threshold: int
    min_threshold: int
    max_new_synapse_count: int
    max_segments_per_cell: int
    max_synapses_per_segment: int
    initial_permanence: np.float32
    connected_threshold: np.float32
    permanence_increment: np.float32
    permanence_decrement: np.float32
    predicted_segment_decrement: np.float32

    from_params = params_constructor({"cells_per_column": "n_cells_per_column"})

    @property
    def n_cells(self):
        return self.n_columns * self.cells_per_column
