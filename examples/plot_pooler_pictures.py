"""
===============================================
Receptive fields, duty cycles and boost factors
===============================================

Pictures of a Spatial Pooler trained on sklearn's digits, drawn with
:mod:`sklearn_htm.plotting` (``pip install ".[plot]"``).

* A column's **receptive field** is its permanences folded back onto the
  8 x 8 image: the encoder turned pixel ``f`` into bits ``4 f .. 4 f + 3``,
  and the picture averages the permanences of the chosen bits of each pixel.
* The **active duty cycle** of a column is how often it won lately; boosting
  pushes it towards the target sparsity. The **boost factor** of a column
  that wins too rarely grows above 1.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from sklearn_htm import GreyscaleEncoder, SpatialPoolerTransformer
from sklearn_htm.metrics import untrained_pooler
from sklearn_htm.plotting import plot_duty_cycles, plot_receptive_fields

X, y = load_digits(return_X_y=True)
bits = GreyscaleEncoder(n_bits=4, value_range=(0, 16)).fit_transform(X)
pooler = SpatialPoolerTransformer(n_columns=1024, sparsity=0.02, max_iter=2, random_state=0)
pooler = pooler.fit(bits)

# %%
# Receptive fields before and after learning
# ------------------------------------------
# Bits 2 and 3 code the darker half of the intensities (the ink). Before
# learning the fields are noise; after, each column has grown synapses onto a
# stroke pattern shared by the digits it answers to.
columns = pooler.active_duty_cycles_.argsort()[::-1][:16]
untrained = untrained_pooler(pooler).fit(bits)
before = plot_receptive_fields(untrained, (8, 8), columns=columns, bits=[2, 3])
before.suptitle("Before learning: receptive fields of 16 columns (ink bits)", fontsize=10)
after = plot_receptive_fields(pooler, (8, 8), columns=columns, bits=[2, 3])
after.suptitle("After learning: the same 16 columns", fontsize=10)

# %%
# Duty cycles and boost factors
# -----------------------------
# After training, the duty cycles gather around the target sparsity of 2%.
fig = plot_duty_cycles(pooler)
plt.show()
