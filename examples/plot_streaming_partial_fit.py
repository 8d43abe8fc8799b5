"""
=====================================================
Learning from a stream, saving it and resuming it
=====================================================

The digits arrive in batches, as they would from a stream. An
:class:`~sklearn_htm.pipeline.IncrementalPipeline` pushes each batch through
the encoder, the Spatial Pooler and an incremental classifier
(:class:`~sklearn.linear_model.SGDClassifier`) with one ``partial_fit`` call,
and can predict at any time. Each batch is scored before the pipeline learns
from it ("test, then train"), which measures the accuracy on data the model
has never seen.

Half-way through, the pipeline is saved and loaded back; the copy then
learns from the rest of the stream and ends up exactly where the original
does.
"""

import io

import joblib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.utils import shuffle

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.pipeline import make_incremental_pipeline

X, y = load_digits(return_X_y=True)
X, y = shuffle(X, y, random_state=0)
batches = np.array_split(np.arange(X.shape[0]), 18)  # 100 digits each
classes = np.unique(y)

pipe = make_incremental_pipeline(
    GreyscaleEncoder(n_bits=4, value_range=(0, 16)),
    # verbose=1 reports the pooler's progress: samples, rate, time left.
    SpatialPoolerTransformer(n_columns=1024, sparsity=0.02, random_state=0, verbose=1),
    SGDClassifier(loss="log_loss", alpha=1e-4, random_state=0),
)

# %%
# The stream. The first batch only trains (there is nothing to test yet);
# ``classes`` tells the classifier every class the stream can bring.
seen, accuracy = [], []
saved = None
for number, batch in enumerate(batches):
    if number > 0:
        seen.append(pipe[1].n_samples_seen_)
        accuracy.append(pipe.score(X[batch], y[batch]))
    pipe.partial_fit(X[batch], y[batch], classes=classes)
    if number == len(batches) // 2:
        # Save mid-stream, as a long-running service would.
        saved = io.BytesIO()
        joblib.dump(pipe, saved)
        resume_from = number + 1
print(f"accuracy on the last batches before learning them: {np.mean(accuracy[-5:]):.3f}")

# %%
# Resuming. The saved pipeline learns from the batches that came after it
# was saved; it ends in exactly the same state as the uninterrupted one:
# the same permanences, duty cycles, boost factors and classifier.
saved.seek(0)
resumed = joblib.load(saved)
resumed.set_params(spatialpoolertransformer__verbose=0)
for batch in batches[resume_from:]:
    resumed.partial_fit(X[batch], y[batch])
same = (
    np.array_equal(resumed[1].permanences_.data, pipe[1].permanences_.data)
    and np.array_equal(resumed[1].boost_factors_, pipe[1].boost_factors_)
    and np.array_equal(resumed[-1].coef_, pipe[-1].coef_)
)
print(f"resumed pipeline identical to the uninterrupted one: {same}")

# %%
# skops saves the same pipeline without pickle, and loads it without running
# code from the file: only the types it is told to trust (see
# :data:`sklearn_htm.persistence.SKOPS_TRUSTED_TYPES`).
try:
    import skops.io
except ImportError:
    print("skops is not installed: pip install skops (the persist extra)")
else:
    from sklearn_htm.persistence import load_skops

    from_skops = load_skops(io.BytesIO(skops.io.dumps(pipe)))
    print(
        "skops copy predicts the same:",
        np.array_equal(from_skops.predict(X), pipe.predict(X)),
    )

# %%
# Accuracy on each incoming batch, before the pipeline learns from it.
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(seen, accuracy, marker="o")
ax.axvline(batches[resume_from][0], color="grey", linestyle=":", label="saved here")
ax.set_xlabel("digits learned from")
ax.set_ylabel("accuracy on the next batch")
ax.set_ylim(0, 1)
ax.legend(loc="lower right")
ax.set_title("Test-then-train accuracy on a stream of digits")
fig.tight_layout()
plt.show()
