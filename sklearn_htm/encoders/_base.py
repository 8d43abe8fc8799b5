"""What the stream encoders share: one value per column of X, codes concatenated.

A stream encoder turns every column of X into a code of its own width and
concatenates them: column ``f``'s bits start at ``offsets_[f]``. Subclasses
say how one column's values become active bits (:meth:`_active_bits`) and
what they learn from data (:meth:`_learn`).
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from ..utils._array_api import csr_output
from .._core.failure import restore_on_failure
from ..utils._validation import check_output_dtype, check_sparse_output, preserved_dtypes
from .._core.pools import indptr_from_lengths


def merge_codes(codes):
    """Concatenate codes row by row into canonical CSR parts.

    Parameters
    ----------
    codes : list of ndarray of int, each of shape (n_rows, bits of that code)
        Active bits of each code, already offset to their place in the
        concatenation.

    Returns
    -------
    indptr : ndarray of int64, shape (n_rows + 1,)
    indices : ndarray of int64
        Each row's bits sorted; a bit listed twice (a hash collision) is one bit.
    """
    bits = np.sort(np.concatenate(codes, axis=1).astype(np.int64), axis=1)
    keep = np.ones(bits.shape, dtype=bool)
    keep[:, 1:] = bits[:, 1:] != bits[:, :-1]
    indptr = indptr_from_lengths(keep.sum(axis=1))
    return indptr, bits[keep]


class StreamEncoder(TransformerMixin, BaseEstimator):
    """Base class of the encoders of streams of values (see the module docstring)."""

    # Attributes fit() sets (reset by fit, kept by partial_fit).
    _learned = ()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn what the encoder needs from X (a value range, or nothing).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One value per column; NaN and infinite values are refused.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        with restore_on_failure(self):
            check_output_dtype(self.dtype, self.sparse_output)
            check_sparse_output(self)
            for attribute in self._learned:
                self.__dict__.pop(attribute, None)
            self._learn(self._validate(X, reset=True))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Like ``fit``, continuing: a learned range grows to cover every batch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        first_call = not self.__sklearn_is_fitted__()
        if not first_call:
            self._validate_params()
        with restore_on_failure(self):
            check_output_dtype(self.dtype, self.sparse_output)
            check_sparse_output(self)
            self._learn(self._validate(X, reset=first_call))
        return self

    def transform(self, X):
        """Encode every column of X and concatenate the codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        bits : {ndarray, sparse matrix} of shape (n_samples, n_bits_out)
            CSR when ``sparse_output=True``; column ``f``'s code is
            ``bits[:, offsets_[f]:offsets_[f + 1]]``.

        Raises
        ------
        ValueError
            For NaN or infinite values, a wrong number of features, or
            values the encoder refuses (see its parameters).
        """
        check_is_fitted(self)
        dtype = check_output_dtype(self.dtype, self.sparse_output)
        check_sparse_output(self)
        X = self._validate(X, reset=False)
        indptr, indices = merge_codes([
            self._active_bits(feature, values) + self.offsets_[feature]
            for feature, values in enumerate(self._columns(X))
        ])
        return csr_output(indptr, indices, int(self.offsets_[-1]), dtype, self.sparse_output)

    def get_feature_names_out(self, input_features=None):
        """Output names ``"{feature}_{bit}"``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        widths = np.diff(self.offsets_)
        return np.asarray(
            [f"{name}_{bit}" for name, width in zip(names, widths) for bit in range(width)],
            dtype=object,
        )

    def __sklearn_is_fitted__(self):
        return hasattr(self, "offsets_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.transformer_tags.preserves_dtype = preserved_dtypes(self.dtype)
        return tags

    def _validate(self, X, reset):
        return validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite=True)

    def _column_name(self, feature):
        """How messages name column ``feature``: its name when X had names."""
        names = getattr(self, "feature_names_in_", None)
        return f"column {names[feature]!r}" if names is not None else f"column {feature}"

    def _columns(self, X):
        """The values of each column of validated X, as the encoder reads them."""
        return [X[:, feature] for feature in range(X.shape[1])]

    def _learn(self, X):  # pragma: no cover - abstract
        raise NotImplementedError

    def _active_bits(self, feature, values):  # pragma: no cover - abstract
        """Active bits of column ``feature``'s ``values``: int64 array of
        shape (n_values, bits per value), sorted per row, within the column's
        own width."""
        raise NotImplementedError
