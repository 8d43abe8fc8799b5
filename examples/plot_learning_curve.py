"""
==============================================
Accuracy against the training samples seen
==============================================

How much does the pooler's learning help a linear classifier, and how fast?
The pooler learns from the digits' training rows in chunks with
``partial_fit`` (online learning, one row per step); after each chunk a
logistic regression is trained on the SDRs of the training set and scored on
the test set. The point at 0 samples is the untrained pooler (the same
random start, learning switched off).
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.metrics import untrained_pooler
from sklearn_htm.plotting import plot_learning_curve

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
encoder = GreyscaleEncoder(n_bits=4, value_range=(0, 16))
bits_train = encoder.fit_transform(X_train)
bits_test = encoder.transform(X_test)


def accuracy(pooler):
    classifier = LogisticRegression(max_iter=1000)
    classifier.fit(pooler.transform(bits_train), y_train)
    return classifier.score(pooler.transform(bits_test), y_test)


pooler = SpatialPoolerTransformer(n_columns=1024, sparsity=0.02, random_state=0)
seen, scores = [0], [accuracy(untrained_pooler(pooler).fit(bits_train))]
chunk = 150
for epoch in range(2):
    for start in range(0, bits_train.shape[0], chunk):
        pooler.partial_fit(bits_train[start:start + chunk])
        if pooler.n_samples_seen_ % 450 == 0 or start + chunk >= bits_train.shape[0]:
            seen.append(pooler.n_samples_seen_)
            scores.append(accuracy(pooler))
            print(f"{seen[-1]:5d} samples seen: test accuracy {scores[-1]:.4f}")

# %%
# Most of the gain comes in the first few hundred samples.
plot_learning_curve(seen, {"SP + LogisticRegression": scores})
plt.show()
