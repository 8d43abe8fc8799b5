"""The estimator's parameters as the backends see them: cached, guarded, and upgraded.

:class:`ConfigCache` turns the estimator's parameters into a
:class:`~._state.PoolerConfig` once, and again only when a parameter
changes: a stream of one-row calls with fixed parameters pays for no
validation. :func:`from_version_0_1` reads the attributes of a pooler
pickled by sklearn-htm 0.1.0.
"""

import operator
from numbers import Integral, Real

from ._state import PoolerConfig
from ._structure import STRUCTURAL_PARAMS, resolve_structure

_PARAM_NAMES = {}
# Names of the resolved structure's key, in order (see SpatialPoolerStructure.key).
_STRUCTURE_KEY_NAMES = (
    "n_features", "input_shape", "n_columns", "potential_radius", "potential_pct",
    "sparsity", "wrap_around", "global_inhibition", "inhibition_radius",
)


class ConfigCache:
    """The configuration of the parameters last seen.

    Not fitted state: it is rebuilt from the parameters and the structure,
    and pickles empty.
    """

    def __init__(self):
        self.snapshot = self.config = None

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.snapshot = self.config = None

    def config_for(self, estimator):
        """The :class:`~._state.PoolerConfig` of ``estimator``'s parameters.

        Parameters are compared with those of the last call by identity, so
        unchanged parameters cost a tuple of attribute reads. After a change
        they are validated again, and a structural parameter whose resolved
        value differs from the fitted structure's is refused until ``fit``
        initialises the pooler again.

        Raises
        ------
        ValueError
            If a structural parameter changed, or a parameter is invalid.
        """
        names = _param_names(type(estimator))
        values = vars(estimator)
        snapshot = tuple(values[name] for name in names)
        if self.snapshot is not None and all(map(operator.is_, snapshot, self.snapshot)):
            return self.config
        estimator._validate_params()
        structure = estimator._structure
        params = {name: getattr(estimator, name) for name in STRUCTURAL_PARAMS}
        try:
            key = resolve_structure(params, structure.n_inputs, build=False).key
        except ValueError:
            key = None
        if key != structure.key:
            fitted = dict(zip(_STRUCTURE_KEY_NAMES, structure.key))
            changed = _changed(params, fitted)
            raise ValueError(
                "The pooler was initialised with "
                + ", ".join(f"{name}={fitted[name]!r}" for name in changed)
                + "; changing "
                + ", ".join(f"{name}={params[name]!r}" for name in changed)
                + " only takes effect when fit() initialises it again."
            )
        self.config = PoolerConfig.from_params(structure, estimator.get_params(deep=False))
        self.snapshot = snapshot
        return self.config


def _param_names(cls):
    names = _PARAM_NAMES.get(cls)
    if names is None:
        names = _PARAM_NAMES[cls] = tuple(cls._get_param_names())
    return names


def _changed(params, fitted):
    """The structural parameters whose values differ from the fitted ones."""
    changed = [
        name for name in STRUCTURAL_PARAMS
        if name in fitted and not _same_value(params[name], fitted[name])
    ]
    return changed or [name for name in STRUCTURAL_PARAMS if name in fitted]


def _same_value(given, resolved):
    if isinstance(given, Integral) and isinstance(resolved, tuple):
        return resolved in ((int(given),), (int(given),) * len(resolved))
    if isinstance(given, (list, tuple)) and isinstance(resolved, tuple):
        return tuple(given) == resolved
    if isinstance(given, Real) and isinstance(resolved, Real):
        return float(given) == float(resolved)
    return given == resolved


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
