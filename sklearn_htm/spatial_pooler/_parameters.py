"""Reading a pooler pickled by sklearn-htm 0.1.0 (:func:`from_version_0_1`)."""

from .._core.layer import ConfigCache
from ._structure import resolve_structure


def from_version_0_1(state):
    """The attributes of a pooler pickled by sklearn-htm 0.1.0, in today's layout.

    That version kept the structural parameters as a dict, the resolved
    shapes as attributes and the neighbourhoods as a tuple; the structure is
    resolved again from the parameters it was fitted with (deterministic).
    """
    state = dict(state)
    params = state.pop("_structure")
    for name in ("_neighbourhoods", "column_shape_", "input_shape_",
                 "n_active_columns_", "inhibition_radius_"):
        state.pop(name, None)
    state["_structure"] = resolve_structure(params, state["n_features_in_"])
    state["_config_cache"] = ConfigCache()
    return state
