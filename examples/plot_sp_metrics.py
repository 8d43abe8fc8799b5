"""
==========================================
Quality of the SDRs: untrained vs trained
==========================================

The Spatial Pooler metrics of Cui, Ahmad and Hawkins (2017), from
:mod:`sklearn_htm.metrics`, for an untrained and a trained pooler on
sklearn's digits:

* **sparsity**: fraction of columns active per input (fixed by inhibition);
* **activation entropy**: how evenly the columns share the inputs, 1 when all
  columns are active equally often;
* **noise robustness**: overlap of the SDRs of an input and of a copy with a
  fraction of its active bits moved elsewhere;
* **stability**: fraction of an input's active columns that stay active from
  one epoch of learning to the next.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm import metrics
from sklearn_htm.plotting import plot_noise_robustness

X, _ = load_digits(return_X_y=True)
bits = GreyscaleEncoder(n_bits=4, value_range=(0, 16)).fit_transform(X)
train, probe = bits[:1300], bits[1300:]

template = SpatialPoolerTransformer(n_columns=1024, sparsity=0.02, random_state=0)
poolers = {
    "untrained": metrics.untrained_pooler(template).fit(train),
    "trained": SpatialPoolerTransformer(**template.get_params()).fit(train),
}
noise_levels = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
robustness = {}
for name, pooler in poolers.items():
    sdr = pooler.transform(probe)
    robustness[name] = metrics.noise_robustness(
        pooler, probe, noise_levels, random_state=0
    )
    # Chance: the overlap of the SDRs of two *different* probe digits, as a
    # fraction of the active columns.
    chance = metrics.sdr_overlap(sdr[:-1], sdr[1:]).mean() / pooler.n_active_columns_
    print(
        f"{name:>9}: sparsity {metrics.mean_sparsity(sdr):.4f}, "
        f"entropy {metrics.activation_entropy(sdr):.3f}, "
        f"overlap at 20% noise {robustness[name][2]:.3f}, "
        f"between different digits {chance:.3f}"
    )

# %%
# Read the noise overlaps against the last figure. The untrained pooler
# answers most inputs with the same few columns (the ones with the most
# connected synapses), hence its low entropy: any two of its SDRs, of a digit
# and its noisy copy or of two different digits, overlap a lot. The trained
# pooler spreads the inputs over all its columns, so that two different
# digits share few columns; a noisy copy then keeps fewer of its columns too,
# but far more than chance. What matters to a classifier is that gap between
# a digit's noisy copy and another digit.

# %%
# Stability: SDRs of the probe digits after each of four epochs of learning.
stability = metrics.stability_over_epochs(template, train, 4, X_probe=probe, random_state=0)
print("stability between consecutive epochs:", stability.round(3))

# %%
plot_noise_robustness(noise_levels, robustness)
plt.show()
