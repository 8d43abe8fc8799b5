"""The transform kernel: winners of a run of rows, without learning."""

import numpy as np

from ._arrays import empty_2d, zeros, zeros_2d
from ._bundles import BLOCK, TILE
from ._cache import cached_kernel
from ._overlap import boost, row_overlaps, set_row_bits, tile_overlaps
from ._selection import select, selection_scratch


@cached_kernel(nogil=True)
def transform_rows(rows, row_start, n_rows, words, boost_factors, inhibition, hint,
                   winners, counts):
    """Winners of rows ``row_start:row_start + n_rows`` into ``winners[r, :counts[r]]``.

    ``winners`` has a slot per column with local inhibition (``inhibition.mode
    == LOCAL``), else ``inhibition.k``. A single row takes the one-row
    overlap (no tile of idle lanes); more rows go by tiles of
    :data:`~._bundles.TILE`. ``hint`` guides the selection (see
    ``_selection.fresh_hint``). Releases the GIL, so that the driver can run it
    on several threads.
    """
    n_columns = boost_factors.size
    scratch = selection_scratch(n_columns, inhibition, hint)
    # Room for whole tiles and blocks (see row_overlaps).
    width = -(-n_columns // BLOCK) * BLOCK
    if n_rows == 1:
        overlap = empty_2d(1, width, np.int32)
        bits = zeros(words.n_words, np.uint64)
        set_row_bits(rows, row_start, bits)
        row_overlaps(words, bits, overlap[0])
        boost(overlap[0], boost_factors, scratch.boosted)
        counts[0] = select(inhibition, scratch, winners[0])
        return
    overlap = empty_2d(TILE, width, np.int32)
    bits = zeros_2d(words.n_words, TILE, np.uint64)
    for r0 in range(0, n_rows, TILE):
        m = min(TILE, n_rows - r0)
        tile_overlaps(rows, row_start + r0, m, words, bits, overlap, np.int64(0))
        for r in range(m):
            boost(overlap[r], boost_factors, scratch.boosted)
            counts[r0 + r] = select(inhibition, scratch, winners[r0 + r])
