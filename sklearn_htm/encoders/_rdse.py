"""The random distributed scalar encoder (RDSE): no range, bits chosen by hashing.

Reference semantics: htm.core's ``src/htm/encoders/RDSE.cpp`` (names in
brackets are its parameters). Written from its description, not its code.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import StreamEncoder

_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)


def _rotl(x, r):
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def murmur3_32(keys, seed):
    """MurmurHash3 (x86, 32 bits) of the 8 little-endian bytes of each int64 key.

    Parameters
    ----------
    keys : ndarray of int64
    seed : int in [0, 2**32)

    Returns
    -------
    hashes : ndarray of uint32, the shape of ``keys``
    """
    words = np.ascontiguousarray(keys, dtype="<i8").view("<u4").reshape(*np.shape(keys), 2)
    h = np.full(np.shape(keys), seed, dtype=np.uint32)
    with np.errstate(over="ignore"):
        for block in (words[..., 0], words[..., 1]):
            k = block * _C1
            k = _rotl(k, 15) * _C2
            h ^= k
            h = _rotl(h, 13) * np.uint32(5) + np.uint32(0xE6546B64)
        h ^= np.uint32(8)
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
    return h


class RandomDistributedScalarEncoder(StreamEncoder):
    """Encode each column of values by hashing its bucket; no range needed.

    A value ``v`` falls in bucket ``b = floor(v / resolution)``; its active
    bits are ``murmur3(b + j, seed) mod size`` for ``j = 0 .. n_active - 1``.
    Values in buckets ``d`` apart share the bits of ``n_active - d`` keys,
    so near values overlap and values ``n_active`` buckets apart share only
    chance collisions. Two keys of one value may hash to the same bit, which
    then counts once: a value has at most ``n_active`` active bits (htm.core
    behaves the same way). Every column uses the same hash; the codes of all
    columns are concatenated.

    Parameters
    ----------
    size : int >= 1, default=1000
        Bits per column [size].
    n_active : int >= 1, default=40
        Keys hashed per value, the active bits when none collide [activeBits].
    resolution : float > 0, default=1.0
        Width of a bucket, in value units [resolution].
    seed : int in [0, 2**32), default=0
        Seed of the hash [seed]; codes with different seeds are unrelated.
    sparse_output : bool, default=True
        Return a CSR matrix or a dense array.
    dtype : numpy dtype, default=np.float64
        Data type of the output.

    Attributes
    ----------
    offsets_ : ndarray of int64, shape (n_features + 1,)
        Column ``f``'s code is output bits ``offsets_[f]:offsets_[f + 1]``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When X has string column names.

    See Also
    --------
    ScalarEncoder : Contiguous runs of bits over a known range.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_htm import RandomDistributedScalarEncoder
    >>> enc = RandomDistributedScalarEncoder(size=100, n_active=10, resolution=1.0)
    >>> codes = enc.fit_transform(np.array([[20.0], [21.0], [40.0]])).toarray()
    >>> int(codes[0] @ codes[1]) >= 8, int(codes[0] @ codes[2]) <= 3
    (True, True)
    """

    _parameter_constraints: dict = {
        "size": [Interval(Integral, 1, None, closed="left")],
        "n_active": [Interval(Integral, 1, None, closed="left")],
        "resolution": [Interval(Real, 0, None, closed="neither")],
        "seed": [Interval(Integral, 0, 2**32 - 1, closed="both")],
        "sparse_output": ["boolean"],
        "dtype": "no_validation",
    }

    def __init__(self, size=1000, *, n_active=40, resolution=1.0, seed=0,
                 sparse_output=True, dtype=np.float64):
        self.size = size
        self.n_active = n_active
        self.resolution = resolution
        self.seed = seed
        self.sparse_output = sparse_output
        self.dtype = dtype

    def _learn(self, X):
        if self.n_active > self.size:
            raise ValueError(
                f"n_active={self.n_active} is more than size={self.size} bits."
            )
        self.offsets_ = np.arange(X.shape[1] + 1, dtype=np.int64) * int(self.size)

    def _active_bits(self, feature, values):
        buckets = np.floor(values / float(self.resolution))
        if np.any(np.abs(buckets) > 2.0**62):
            raise ValueError(
                f"{self._column_name(feature).capitalize()} has values too large for "
                f"resolution={self.resolution}: "
                "their buckets do not fit in 64 bits."
            )
        keys = buckets.astype(np.int64)[:, None] + np.arange(self.n_active, dtype=np.int64)
        return (murmur3_32(keys, int(self.seed)) % np.uint32(self.size)).astype(np.int64)
