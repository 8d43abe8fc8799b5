"""
=============================================
Searching the pooler's hyperparameters
=============================================

The Spatial Pooler's parameters are ordinary estimator parameters, so
scikit-learn's searches tune them like any other: here a successive-halving
search (:class:`~sklearn.model_selection.HalvingGridSearchCV`) over the
boost strength and the sparsity of the pooler in
an encoder -> pooler -> LogisticRegression pipeline on sklearn's digits.

Successive halving tries every candidate on few training rows, keeps the
best third, and gives the survivors three times more rows, until one is
left. The pooler learns online, so "more rows" also means "more learning":
the resource is the natural one for it.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import HalvingGridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
pipe = make_pipeline(
    GreyscaleEncoder(n_bits=4, value_range=(0, 16)),
    SpatialPoolerTransformer(n_columns=512, random_state=0),
    LogisticRegression(max_iter=1000),
)
param_grid = {
    "spatialpoolertransformer__boost_strength": [0.0, 2.0, 30.0],
    "spatialpoolertransformer__sparsity": [0.02, 0.05],
}
search = HalvingGridSearchCV(
    pipe, param_grid, factor=3, min_resources=150, cv=3, random_state=0
)
search.fit(X_train, y_train)

print("best parameters:")
for name, value in search.best_params_.items():
    print(f"  {name.split('__')[1]} = {value}")
print(f"cross-validated accuracy {search.best_score_:.4f}, "
      f"test accuracy {search.score(X_test, y_test):.4f}")

# %%
# Each round trains the survivors on more rows; their scores rise as the
# pooler sees more data.
results = search.cv_results_
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
iterations = results["iter"]
for i in np.unique(iterations):
    chosen = iterations == i
    ax.scatter(
        results["n_resources"][chosen], results["mean_test_score"][chosen],
        label=f"round {i}: {chosen.sum()} candidates",
    )
ax.set_xscale("log")
ax.set_xlabel("training rows per candidate")
ax.set_ylabel("cross-validated accuracy")
ax.legend()
plt.show()
