"""The Examples sections of the public docstrings print what they say."""

import doctest

import pytest

import sklearn_htm

PUBLIC = [getattr(sklearn_htm, name) for name in sklearn_htm.__all__ if name != "__version__"]


@pytest.mark.parametrize("obj", PUBLIC, ids=lambda obj: obj.__name__)
def test_docstring_examples(obj):
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(obj, obj.__name__, globs={}):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {obj.__name__} failed"
