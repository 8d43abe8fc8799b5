"""The Numba CPU backend: the driver (:mod:`._backend`) and its kernels by concern.

========================  ==================================================
module                    concern
========================  ==================================================
:mod:`._bundles`          named bundles the kernels take; the glossary
:mod:`._intrinsics`       LLVM intrinsics: popcount, pext/pdep, vector updates
:mod:`._words`            connected synapses as bit words
:mod:`._overlap`          overlaps of rows with columns
:mod:`._selection`        inhibition: global top-k, local selection
:mod:`._homeostasis`      duty cycles, boost factors, the portable exp
:mod:`._learning`         the learning kernel
:mod:`._transform`        the transform kernel
:mod:`._cache`            the on-disk cache, keyed by all of the above
========================  ==================================================
"""

from ._backend import NumbaBackend

__all__ = ["NumbaBackend"]
