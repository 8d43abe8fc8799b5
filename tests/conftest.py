"""Shared fixtures and hypothesis profiles.

Profiles: "ci" (default; bounded so the suite fits CI's budget), "fuzz" (long
runs by hand: ``HYPOTHESIS_PROFILE=fuzz pytest tests``) and "dev" (quick).
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from sklearn.datasets import load_digits

from sklearn_htm import GreyscaleEncoder

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
settings.register_profile(
    "dev", max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz",
    max_examples=2000,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def digits():
    """sklearn's bundled 8x8 digits: (X with values 0..16, y)."""
    return load_digits(return_X_y=True)


@pytest.fixture(scope="session")
def digit_bits(digits):
    """The first 300 digits encoded with 4 bits per pixel (CSR, 256 features)."""
    X, y = digits
    bits = GreyscaleEncoder(n_bits=4, value_range=(0, 16)).fit_transform(X[:300])
    return bits, y[:300]


def random_binary(rng, n_samples, n_features, density):
    """A dense 0/1 float matrix with about ``density`` ones."""
    return (rng.random_sample((n_samples, n_features)) < density).astype(np.float64)
