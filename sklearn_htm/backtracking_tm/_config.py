"""The backtracking Temporal Memory's constants, resolved once from the
parameters (NuPIC's names in brackets).

:class:`BTMConfig` is what both backends read: integers as Python ints,
permanences as float32 (the dtype both compute them in, so that
``permanence + increment`` rounds identically).
"""

from typing import NamedTuple

import numpy as np

from .._core.config import params_constructor

#: dtype of every permanence.
PERMANENCE_DTYPE = np.float32


def cell_dtype(n_cells):
    """The dtype of the cell indices a layer stores in bulk (its segments'
    presynaptic cells, its cell sets' members): 16 bits when every cell fits
    in them (2048 columns x 32 cells does), else 32 bits."""
    return np.uint16 if n_cells <= 2**16 else np.int32

#: Learned updates live one step (NuPIC's ``segUpdateValidDuration`` without
#: pooling).
UPDATE_VALID_STEPS = 1

#: A step is "in sequence" when at least this fraction of its columns was
#: predicted (inference), and predictions go forward when at least this
#: fraction of the average input's columns is predicted.
IN_SEQUENCE_FRACTION = 0.5


class BTMConfig(NamedTuple):
    """Constants of one backtracking Temporal Memory.

    Attributes
    ----------
    n_columns : int
        Mini-columns (the input width) [numberOfCols].
    cells_per_column : int
        [cellsPerColumn]; cell 0 of each column is its start cell.
    activation_threshold : int
        Synapses to active cells that make a segment predict [activationThreshold].
    min_threshold : int
        Synapses to the previous learning cells that make a segment the best
        match of an unpredicted column [minThreshold].
    new_synapse_count : int
        Synapses a learning segment has to the learning cells after it grows
        [newSynapseCount].
    max_segments_per_cell, max_synapses_per_segment : int
        [maxSegmentsPerCell, maxSynapsesPerSegment]
    pam_length : int
        Steps out of sequence before learning starts over [pamLength].
    max_inf_backtrack, max_lrn_backtrack : int
        Past inputs kept for inference and learning backtracking
        [maxInfBacktrack, maxLrnBacktrack].
    max_seq_length : int
        Learning starts over after this many steps in sequence (0: never)
        [maxSeqLength].
    initial_permanence, connected_threshold, permanence_increment,
    permanence_decrement : float32
        [initialPerm, connectedPerm, permanenceInc, permanenceDec]
    global_decay : float32
        Taken from every permanence of a segment not reinforced for more
        than ``max_age`` steps, every ``max_age`` steps (0: never)
        [globalDecay].
    max_age : int
        [maxAge]
    """

    n_columns: int
    cells_per_column: int
    activation_threshold: int
    min_threshold: int
    new_synapse_count: int
    max_segments_per_cell: int
    max_synapses_per_segment: int
    pam_length: int
    max_inf_backtrack: int
    max_lrn_backtrack: int
    max_seq_length: int
    initial_permanence: np.float32
    connected_threshold: np.float32
    permanence_increment: np.float32
    permanence_decrement: np.float32
    global_decay: np.float32
    max_age: int

    from_params = params_constructor(
        {
            "cells_per_column": "n_cells_per_column",
            "new_synapse_count": "max_new_synapse_count",
        }
    )

    @property
    def n_cells(self):
        return self.n_columns * self.cells_per_column
