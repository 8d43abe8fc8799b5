"""Sphinx configuration of the sklearn-htm documentation.

Build (warnings are errors, as in CI)::

    python -m sphinx -n -W --keep-going -b html docs docs/_build/html

The example gallery runs the examples on sklearn's bundled digits; the MNIST
examples (file names containing ``mnist``) are shown without being run, so
the build needs neither MNIST nor the network.
"""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import sklearn_htm  # noqa: E402

sys.path.insert(0, os.path.abspath("."))
from _inventories import write_inventories  # noqa: E402
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
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    # MathJax served with the pages, not from a CDN: the maths renders
    # offline and in a packaged copy of the site.
    "sphinx-mathjax-offline",
]

# Every cross-reference must resolve (CI builds with -n -W); names of other
# projects resolve through inventories written offline (docs/_inventories.py).
nitpicky = True
# Pipeline's own properties, listed among IncrementalPipeline's attributes
# (numpydoc links them; the page documents no inherited members).
nitpick_ignore = [
    ("py:obj", name) for name in ("named_steps", "classes_", "n_features_in_", "feature_names_in_")
]
intersphinx_mapping = write_inventories(os.path.join(os.path.abspath("."), "_inventories"))

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip"]
root_doc = "index"

# API reference: one page per object, generated from the docstrings.
autosummary_generate = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"
# Signatures show defaults as written (``dtype=np.float64``, not its repr).
autodoc_preserve_defaults = True
# The page's table of contents lists methods as ``fit()``, not ``Class.fit()``.
toc_object_entries_show_parents = "hide"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Run the digits examples; show those that need data (MNIST, NAB, the
    # taxi series) without running them.
    "filename_pattern": r"/plot_(?!.*(mnist|nab|taxi|aeon|mgab))[^/]*\.py$",
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
    # Every page in the top bar, none hidden under "More".
    "header_links_before_dropdown": 9,
}
html_static_path = ["_static"]
# Wide pages, long names that wrap, code that wraps (docs/_static/custom.css).
html_css_files = ["custom.css"]
# Pages without subpages: no "Section Navigation" sidebar with nothing in it
# (the API reference and the example gallery keep theirs).
html_sidebars = {
    page: [] for page in ("index", "user_guide", "anomaly_detection", "performance",
                          "mnist_results", "scaling", "gpu", "sg_execution_times")
}


def _skip_metadata_request_methods(app, what, name, obj, skip, options):
    # scikit-learn generates set_*_request methods on every estimator class
    # (metadata routing); their docstrings point into scikit-learn's own docs.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_request_methods)
