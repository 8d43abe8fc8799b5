"""
======================================================
A Temporal Memory learns sequences and flags surprises
======================================================

A :class:`~sklearn_htm.TemporalMemoryTransformer` reads its rows as a
sequence in time. Each row here is an SDR: 40 active columns out of 1024,
as a Spatial Pooler would give. The layer sees a sequence of 10 random SDRs
over and over; at first every column is a surprise (raw anomaly 1: nothing
predicted it), and within a few repetitions every step but the first is
predicted (raw anomaly 0). A row that breaks the sequence is then flagged
at once.

The second part shows what sets a sequence memory apart from a table of
transitions: the sequences A B C D and X B C Y share B C, and after A B C
the layer predicts D, after X B C it predicts Y, because it represents C
by different cells in the two contexts.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_htm import TemporalMemoryTransformer

N_COLUMNS, N_ACTIVE = 1024, 40
rng = np.random.RandomState(0)


def random_sdrs(n):
    """``n`` rows with ``N_ACTIVE`` random active columns each."""
    rows = np.zeros((n, N_COLUMNS), dtype=np.uint8)
    for row in rows:
        row[rng.choice(N_COLUMNS, N_ACTIVE, replace=False)] = 1
    return rows


# %%
# Learning a repeating sequence
# -----------------------------
# Ten repetitions of the sequence, each marked as the start of a sequence
# (``sequence_starts``), as separate recordings of the same process would be.
sequence = random_sdrs(10)
n_repeats = 10
X = np.tile(sequence, (n_repeats, 1))
starts = np.arange(len(X)) % len(sequence) == 0

tm = TemporalMemoryTransformer(n_cells_per_column=16, random_state=0)
tm.fit(X, sequence_starts=starts)
anomaly = tm.anomaly_.reshape(n_repeats, len(sequence))
print("raw anomaly of each step, one repetition per line:")
print(anomaly.round(2))
print(f"{tm.n_segments_} segments, {tm.n_synapses_} synapses")

# %%
# The anomaly falls to 0 once the permanences of the new synapses (0.21 at
# birth, +0.1 each time they are reinforced) cross the connected threshold of
# 0.5 after three reinforcements: from the fifth repetition on. The first
# step of each repetition stays at 1: a sequence start has no context.
fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
ax.plot(tm.anomaly_, drawstyle="steps-mid")
ax.set_xlabel("step")
ax.set_ylabel("raw anomaly")
ax.set_title("Learning a repeating sequence of 10 SDRs")

# %%
# Predictions, and a surprise
# ---------------------------
# ``transform`` runs rows without learning. With ``output="predictive_cells"``
# it returns, for each row, the cells predicted for the next row; their
# columns are the prediction. Swapping one step of the sequence for a new SDR
# is flagged by ``anomaly_score``, and so is the step after it, which nothing
# in the new context predicts.
tm.set_params(output="predictive_cells")
predicted = tm.transform(sequence).toarray().reshape(10, N_COLUMNS, -1).any(axis=2)
hits = (predicted[:-1] & sequence[1:].astype(bool)).sum(axis=1)
print("predicted columns that became active, per step:", hits.tolist())

broken = sequence.copy()
broken[5] = random_sdrs(1)[0]
print("raw anomaly, intact:", tm.anomaly_score(sequence).round(2).tolist())
print("raw anomaly, step 5 replaced:", tm.anomaly_score(broken).round(2).tolist())

# %%
# High-order sequences
# --------------------
# A B C D and X B C Y, interleaved. Punishing wrong predictions
# (``predicted_segment_decrement``) lets the layer forget the "C -> Y" it
# learned before it told the two contexts apart.
A, B, C, D, X_, Y = random_sdrs(6)
first, second = np.array([A, B, C, D]), np.array([X_, B, C, Y])
rows = np.vstack([first, second] * 20)
tm = TemporalMemoryTransformer(n_cells_per_column=16, predicted_segment_decrement=0.05,
                               output="predictive_cells", random_state=0)
tm.fit(rows, sequence_starts=np.arange(len(rows)) % 4 == 0)


def predicted_columns(prefix):
    cells = tm.transform(prefix).toarray()[-1]
    return cells.reshape(N_COLUMNS, -1).any(axis=1)


# (Random SDRs of 40 columns out of 1024 share a column or two by chance.)
for name, prefix in (("A B C", first[:3]), ("X B C", second[:3])):
    columns = predicted_columns(prefix)
    print(f"after {name}: {(columns & D.astype(bool)).sum()} of D's 40 columns predicted, "
          f"{(columns & Y.astype(bool)).sum()} of Y's")

fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
ax.plot(tm.anomaly_, drawstyle="steps-mid")
ax.set_xlabel("step (A B C D X B C Y, repeated)")
ax.set_ylabel("raw anomaly")
ax.set_title("Learning two sequences that share B C")
plt.show()
