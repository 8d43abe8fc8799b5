"""Intersphinx inventories of the outside names these pages link to, written offline.

Intersphinx normally downloads each project's ``objects.inv``; the machines
that build these pages (CI included) reach the package registries and nothing
else, so the build writes small inventories of its own from the list below:
each name, its role, and the page of the project's published documentation
that describes it (the address rule each project's API reference follows).
A nitpicky build (``-n -W``) fails on a name missing here, with the name in
the message: add it to ``NAMES``.
"""

import zlib
from pathlib import Path

# project: (documentation root, address of one name's page, names by role)
NAMES = {
    "sklearn": (
        "https://scikit-learn.org/stable/",
        "modules/generated/{name}.html#{name}",
        {
            "class": [
                "sklearn.base.BaseEstimator",
                "sklearn.base.ClassNamePrefixFeaturesOutMixin",
                "sklearn.base.OutlierMixin",
                "sklearn.base.TransformerMixin",
                "sklearn.cluster.KMeans",
                "sklearn.cluster.MiniBatchKMeans",
                "sklearn.compose.ColumnTransformer",
                "sklearn.decomposition.IncrementalPCA",
                "sklearn.ensemble.IsolationForest",
                "sklearn.feature_extraction.text.HashingVectorizer",
                "sklearn.frozen.FrozenEstimator",
                "sklearn.linear_model.LogisticRegression",
                "sklearn.linear_model.SGDClassifier",
                "sklearn.model_selection.GridSearchCV",
                "sklearn.model_selection.HalvingGridSearchCV",
                "sklearn.naive_bayes.BernoulliNB",
                "sklearn.pipeline.Pipeline",
                "sklearn.preprocessing.FunctionTransformer",
                "sklearn.preprocessing.MaxAbsScaler",
                "sklearn.preprocessing.Normalizer",
                "sklearn.preprocessing.OneHotEncoder",
                "sklearn.utils.Bunch",
            ],
            "function": [
                "sklearn.datasets.load_digits",
                "sklearn.model_selection.train_test_split",
                "sklearn.pipeline.make_pipeline",
            ],
        },
    ),
    "dask_ml": (
        "https://ml.dask.org/",
        "modules/generated/{name}.html#{name}",
        {"class": ["dask_ml.wrappers.Incremental", "dask_ml.wrappers.ParallelPostFit"]},
    ),
    "python": (
        "https://docs.python.org/3/",
        "library/{name}.html#module-{name}",
        {"module": ["pickle"]},
    ),
    "joblib": (
        "https://joblib.readthedocs.io/en/stable/",
        "persistence.html",
        {"module": ["joblib"]},
    ),
}


def _inventory(project, address, names_by_role):
    lines = [
        f"{name} py:{role} 1 {address.format(name=name)} -"
        for role, names in names_by_role.items()
        for name in names
    ]
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        "# Version: stable\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    return header.encode() + zlib.compress(("\n".join(lines) + "\n").encode())


def write_inventories(folder):
    """Write one ``<project>.inv`` per project under ``folder``; return
    the ``intersphinx_mapping`` that points at them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    mapping = {}
    for project, (root, address, names) in NAMES.items():
        path = folder / f"{project}.inv"
        path.write_bytes(_inventory(project, address, names))
        mapping[project] = (root, str(path))
    return mapping
