"""Encoders: values to the binary inputs an HTM layer reads.

- :class:`GreyscaleEncoder`: pixel intensities, one bucket per pixel.
- :class:`ScalarEncoder`: values over a range, as runs of active bits.
- :class:`RandomDistributedScalarEncoder`: values without a range, by hashing.
- :class:`DateEncoder`: timestamps, as periodic codes of calendar attributes.
"""

from ._date import DateEncoder
from ._greyscale import GreyscaleEncoder
from ._rdse import RandomDistributedScalarEncoder
from ._scalar import ScalarEncoder

__all__ = ["DateEncoder", "GreyscaleEncoder", "RandomDistributedScalarEncoder", "ScalarEncoder"]
