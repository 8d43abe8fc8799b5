"""Bit-reproducible elementary functions shared by every backend.

``numpy.exp``, the C library's ``exp`` that Numba calls and CUDA's ``exp`` may
differ in the last bit. Boost factors feed the inhibition, where one bit can
change a winner, so every backend computes them with :func:`portable_exp`:
a Cody-Waite range reduction and a fixed polynomial built only from IEEE
additions and multiplications (each correctly rounded on every platform, as
long as no backend fuses them into FMAs) and an exact ``ldexp``.

The constants and the order of operations are the specification: the Numba
and CuPy kernels repeat them literally.
"""

import numpy as np

# ln(2) split so that ``n * LN2_HI`` is exact for |n| < 2**11.
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
INV_LN2 = 1.44269504088896338700e00
# The argument is clipped to [EXP_ARG_MIN, EXP_ARG_MAX] so that exp(x) is a
# normal float32 number: boost factors are stored as float32. An infinite
# boost would turn a zero overlap into 0 * inf = NaN, which no ordering can
# rank; a boost that underflows to 0 would rank a column with overlap on par
# with columns without any.
EXP_ARG_MIN = -87.0
EXP_ARG_MAX = 88.0
# Taylor coefficients 1/k! for k = 13 .. 0, applied by Horner's rule.
EXP_COEFFICIENTS = (
    1.0 / 6227020800.0,
    1.0 / 479001600.0,
    1.0 / 39916800.0,
    1.0 / 3628800.0,
    1.0 / 362880.0,
    1.0 / 40320.0,
    1.0 / 5040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    1.0 / 2.0,
    1.0,
    1.0,
)


def portable_exp(x):
    """Return ``exp(x)`` for a float64 array, identically on every platform.

    ``x`` is first clipped to [EXP_ARG_MIN, EXP_ARG_MAX], so the result is
    finite in float32 too.

    Accurate to a few units in the last place, which is ample for boost
    factors; what matters is that the Numba and CuPy kernels perform the
    same operations in the same order and so get the same bits.
    """
    x = np.clip(np.asarray(x, dtype=np.float64), EXP_ARG_MIN, EXP_ARG_MAX)
    n = np.floor(x * INV_LN2 + 0.5)
    r = (x - n * LN2_HI) - n * LN2_LO
    result = np.full_like(r, EXP_COEFFICIENTS[0])
    for coefficient in EXP_COEFFICIENTS[1:]:
        result = result * r + coefficient
    return np.ldexp(result, n.astype(np.int32))
