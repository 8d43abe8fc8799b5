"""Encoders: values to the binary inputs an HTM layer reads."""

from ._greyscale import GreyscaleEncoder

__all__ = ["GreyscaleEncoder"]
