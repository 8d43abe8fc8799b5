"""``python -m sklearn_htm``: the digits demo (the package's main job).

Trains GreyscaleEncoder -> SpatialPoolerTransformer -> LogisticRegression on
scikit-learn's bundled digits and prints accuracy and fit time next to the
ablations (raw pixels, encoder only, untrained pooler).
"""

from ._demo import run_digits_demo

if __name__ == "__main__":
    run_digits_demo(verbose=1)
