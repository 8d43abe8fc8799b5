"""Warnings that point at the user's line, whatever the depth of the call."""

import os
import sys
import warnings
from pathlib import Path

import sklearn

#: Frames in these folders are the library's own (scikit-learn's
#: ``_fit_context`` wraps the public methods).
_INTERNAL = tuple(str(folder) + os.sep for folder in (Path(__file__).parent.parent,
                                                     Path(sklearn.__file__).parent))


def warn_caller(message, category=UserWarning):
    """``warnings.warn`` attributed to the first frame outside this package
    and scikit-learn: the line of the user's code that made the call."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        level, frame = level + 1, frame.f_back
    warnings.warn(message, category, stacklevel=level)
