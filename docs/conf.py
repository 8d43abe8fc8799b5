"""Sphinx configuration of the sklearn-htm documentation.

Build (warnings are errors, as in CI)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The example gallery runs the examples on sklearn's bundled digits; the MNIST
examples (file names containing ``mnist``) are shown without being run, so
the build needs neither MNIST nor the network.
"""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import sklearn_htm  # noqa: E402

sys.path.insert(0, os.path.abspath("."))
from _results_tables import write_tables  # noqa: E402

# Tables of figures come from benchmarks/results/*.json, never typed by hand.
write_tables(os.path.abspath("."))

# The gallery resolves the names the examples import, also in the examples it
# does not run; the halving searches exist only once this has been imported.
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401

project = "sklearn-htm"
author = "sklearn-htm developers"
copyright = "2026, sklearn-htm developers"
version = release = sklearn_htm.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip"]
root_doc = "index"

# API reference: one page per object, generated from the docstrings.
autosummary_generate = True
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Run the digits examples; show the MNIST ones without running them.
    "filename_pattern": r"/plot_(?!.*(mnist|nab))[^/]*\.py$",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("sklearn_htm",),
    "reference_url": {"sklearn_htm": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 5,
}

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-htm {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []
# Pages without subpages: no "Section Navigation" sidebar with nothing in it
# (the API reference and the example gallery keep theirs).
html_sidebars = {
    page: [] for page in ("index", "user_guide", "performance", "mnist_results", "scaling",
                          "gpu", "sg_execution_times")
}


def _skip_metadata_request_methods(app, what, name, obj, skip, options):
    # scikit-learn generates set_*_request methods on every estimator class
    # (metadata routing); their docstrings point into scikit-learn's own docs.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_methods)
