"""The one integer generator of the Temporal Memory's random choices.

Every backend implements exactly this (the numpy reference below, in Python
integers; the numba backend with uint64 arithmetic), so that the same seed
gives the same choices everywhere:

- the state is one unsigned 64-bit integer ``s``;
- a draw advances ``s`` by ``0x9E3779B97F4A7C15`` (mod 2**64) and returns
  SplitMix64's mix of it (Steele, Lea and Flood 2014, "Fast splittable
  pseudorandom number generators");
- an integer in ``[0, n)`` (``0 < n < 2**32``) is ``((draw >> 32) * n) >> 32``
  (Lemire's multiply-shift; its bias, below ``n / 2**32``, is irrelevant
  for tie-breaking among at most a few thousand cells).

The state is seeded from ``random_state`` (:func:`seed_state`) and carried
across ``partial_fit`` calls in the fitted state.
"""

import numpy as np

MASK64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB


def seed_state(random_state):
    """A generator state (uint64 array of one element) drawn from a
    ``numpy.random.RandomState``."""
    high = int(random_state.randint(0, 2**32, dtype=np.uint64))
    low = int(random_state.randint(0, 2**32, dtype=np.uint64))
    return np.array([(high << 32) | low], dtype=np.uint64)


class IntegerGenerator:
    """The reference implementation, over a one-element uint64 array that it
    updates in place."""

    def __init__(self, state):
        self.state = state

    def draw(self):
        s = (int(self.state[0]) + GOLDEN_GAMMA) & MASK64
        self.state[0] = s
        z = s
        z = ((z ^ (z >> 30)) * MIX1) & MASK64
        z = ((z ^ (z >> 27)) * MIX2) & MASK64
        return z ^ (z >> 31)

    def below(self, n):
        """An integer in ``[0, n)``."""
        return ((self.draw() >> 32) * n) >> 32
