"""The shared core every layer (and every stream estimator) is built on.

=====================  ==============================================
:mod:`.rows`           validation of X and its binary rows (``BinaryRows``)
:mod:`.random`         the one integer generator of the random choices
:mod:`.random_kernels` the same generator compiled for the kernels
:mod:`.pools`          growable pools, free stacks and CSR offsets
:mod:`.numba_cache`    numba's on-disk cache, keyed by kernel source
:mod:`.backends`       the backend contract and the registry of each layer
:mod:`.layer`          the estimator skeleton every layer joins
:mod:`.sequences`      what the two Temporal Memories share
:mod:`.state`          the state protocol every layer's state follows
:mod:`.config`         a layer's typed constants from its parameters
:mod:`.attributes`     fitted attributes read from the state
:mod:`.failure`        the failure rule, stated once
:mod:`.messages`       warnings at the user's line
:mod:`.progress`       progress reports (``verbose``)
=====================  ==============================================

Nothing here knows an algorithm; the algorithms' packages
(:mod:`sklearn_htm.spatial_pooler`, :mod:`sklearn_htm.temporal_memory`,
:mod:`sklearn_htm.backtracking_tm`) import from here and never from each
other.
"""
