"""Write the pickles of models fitted by an earlier sklearn-htm (run once, by hand).

The files in ``legacy_0_1_0/`` were written by this script at commit 48e8be8
(sklearn-htm 0.1.0, before the spatial pooler became a subpackage), with
numpy 2.4 and scikit-learn 1.9. ``tests/spatial_pooler/test_legacy_pickles.py``
checks that today's package loads them and that they transform, and keep
learning, exactly as they did then: the expected outputs were computed by
that commit and stored beside the models.
"""

import pathlib
import pickle

import numpy as np
from sklearn.datasets import load_digits

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer

POOLERS = {
    "global": dict(n_columns=128, sparsity=0.05, batch_size=1),
    "local": dict(
        n_columns=(8, 8),
        sparsity=0.1,
        input_shape=(8, 8, 4),
        potential_radius=(2, 2, 3),
        global_inhibition=False,
        batch_size=4,
    ),
}


def main(folder=pathlib.Path(__file__).parent / "legacy_0_1_0"):
    folder.mkdir(exist_ok=True)
    X, _ = load_digits(return_X_y=True)
    bits = GreyscaleEncoder(n_bits=4, value_range=(0, 16)).fit_transform(X)
    train, test, more = bits[:200], bits[200:260], bits[260:300]
    for name, params in POOLERS.items():
        pooler = SpatialPoolerTransformer(**params, random_state=0, backend="numpy")
        pooler.fit(train)
        model = pickle.dumps(pooler, protocol=4)
        sdr = pooler.transform(test).toarray().astype(np.uint8)
        pooler.partial_fit(more)
        np.savez_compressed(
            folder / f"{name}_expected.npz",
            sdr=sdr,
            permanences_after=pooler.permanences_.data,
            boost_after=pooler.boost_factors_,
            sdr_after=pooler.transform(test).toarray().astype(np.uint8),
        )
        (folder / f"{name}.pkl").write_bytes(model)


if __name__ == "__main__":
    main()
