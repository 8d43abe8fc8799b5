"""Where pickles of sklearn-htm 0.1.0 find the Spatial Pooler's state class.

Those pickles name ``sklearn_htm._state.PoolerState``; the class now lives in
:mod:`sklearn_htm.spatial_pooler._state`. New pickles name the new path.
"""

from .spatial_pooler._state import PoolerState

__all__ = ["PoolerState"]
