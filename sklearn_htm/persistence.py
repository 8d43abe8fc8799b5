"""Saving and loading sklearn-htm models with skops, without executing code.

pickle and joblib save every sklearn-htm estimator exactly (its fitted state
is numpy arrays, Python scalars and a ``numpy.random.RandomState``), but
loading a pickle can run arbitrary code. skops (``skops.io``) loads only the
types the caller trusts. scikit-learn's and numpy's types are trusted by
skops by default; :data:`SKOPS_TRUSTED_TYPES` lists sklearn-htm's own.
"""

from .anomaly import AnomalyLikelihood, HTMAnomalyDetector
from .anomaly._likelihood import _State as LikelihoodState
from .backtracking_tm import BacktrackingTM
from .backtracking_tm._config import BTMConfig
from .backtracking_tm.backends._numpy import ReferenceBacktrackingTM
from .backtracking_tm._state import BTMState, Layer
from .forecasting import HTMForecaster, SDRClassifier
from .encoders import (
    DateEncoder,
    GreyscaleEncoder,
    RandomDistributedScalarEncoder,
    ScalarEncoder,
)
from .pipeline import IncrementalPipeline
from .presets import check_intensities
from .spatial_pooler import SpatialPoolerTransformer
from .streams import MultiStreamDetector
from .streams._store import DetectorStore
from ._core.layer import ConfigCache, StreamStructure
from ._core.rows import BinaryRows
from .spatial_pooler._state import PoolerState
from .spatial_pooler._structure import SpatialPoolerStructure
from .temporal_memory import TemporalMemoryTransformer
from .temporal_memory._state import TMState


def _type_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


#: Names of the sklearn-htm types a skops file of a sklearn-htm model can
#: hold, for ``skops.io.load(..., trusted=...)``: the estimators and the
#: classes that keep the Spatial Pooler's and the Temporal Memories' fitted
#: state and structure (numpy arrays, dicts, tuples and numbers only), the
#: layers' empty configuration cache and the Temporal Memories' stream
#: structure (parameter names and values), and the image recipe's check of its
#: input (a function).
SKOPS_TRUSTED_TYPES = tuple(
    _type_name(cls)
    for cls in (
        check_intensities,
        AnomalyLikelihood,
        LikelihoodState,
        HTMAnomalyDetector,
        MultiStreamDetector,
        DetectorStore,
        BinaryRows,
        HTMForecaster,
        SDRClassifier,
        BacktrackingTM,
        BTMConfig,
        BTMState,
        Layer,
        ReferenceBacktrackingTM,
        DateEncoder,
        GreyscaleEncoder,
        IncrementalPipeline,
        RandomDistributedScalarEncoder,
        ScalarEncoder,
        PoolerState,
        SpatialPoolerStructure,
        SpatialPoolerTransformer,
        ConfigCache,
        StreamStructure,
        TemporalMemoryTransformer,
        TMState,
    )
)


#: Names the same types had in files saved by sklearn-htm 0.1.0 (they still
#: resolve to those types); :func:`load_skops` trusts them too.
LEGACY_SKOPS_TYPES = (
    "sklearn_htm._state.PoolerState",
    "sklearn_htm.encoders.GreyscaleEncoder",
    "sklearn_htm.spatial_pooler.SpatialPoolerTransformer",
)


def load_skops(file, trusted=()):
    """Load a model saved with ``skops.io.dump``, trusting sklearn-htm's types.

    Types that skops trusts by default (scikit-learn's and numpy's),
    :data:`SKOPS_TRUSTED_TYPES` and their names in files of sklearn-htm 0.1.0
    (:data:`LEGACY_SKOPS_TYPES`) are loaded; any other type in the file makes
    skops refuse the file unless it is listed in ``trusted``. Check a file of
    unknown origin first with ``skops.io.get_untrusted_types(file=...)``.

    Parameters
    ----------
    file : str, path-like, file-like or bytes
        The file written by ``skops.io.dump``, or the bytes of
        ``skops.io.dumps``.
    trusted : sequence of str, default=()
        Further type names to trust, such as a custom final estimator's.

    Returns
    -------
    model : object
        The loaded model.

    Raises
    ------
    skops.io.exceptions.UntrustedTypesFoundException
        If the file holds a type that is not trusted.

    Examples
    --------
    >>> import io, skops.io  # doctest: +SKIP
    >>> from sklearn_htm.persistence import load_skops  # doctest: +SKIP
    >>> model = load_skops(skops.io.dumps(fitted_pipeline))  # doctest: +SKIP
    """
    import skops.io

    if isinstance(trusted, str):
        raise TypeError(
            f"trusted must be a sequence of type names, not the string {trusted!r}; "
            f"write trusted=[{trusted!r}]."
        )
    trusted = [*SKOPS_TRUSTED_TYPES, *LEGACY_SKOPS_TYPES, *trusted]
    if isinstance(file, (bytes, bytearray)):
        return skops.io.loads(bytes(file), trusted=trusted)
    return skops.io.load(file, trusted=trusted)
