"""Clean periodic signals with one labelled anomaly, of the kinds the
anomaly detection literature names (spikes, level shifts, changes of
frequency or amplitude, noise bursts, a missing or a distorted cycle: Wu and
Keogh 2021, "Current time series anomaly detection benchmarks are flawed";
Paparrizos et al. 2022, TSB-UAD's artificial anomalies)."""

import numpy as np
from sklearn.utils import check_random_state

#: The kinds of anomaly :func:`make_anomaly_series` plants.
ANOMALY_KINDS = ("spike", "level_shift", "frequency", "amplitude", "noise",
                 "missing_cycle", "distorted_cycle")
#: The clean signals it plants them in.
SIGNALS = ("sine", "two_sines", "square", "pulses")


def _shape(signal, phase):
    """One period of ``signal`` at ``phase`` (in periods), in [-1, 1]."""
    angle = 2 * np.pi * phase
    if signal == "sine":
        return np.sin(angle)
    if signal == "two_sines":
        return 0.7 * np.sin(angle) + 0.3 * np.sin(3 * angle + 1.0)
    if signal == "square":  # smoothed: a tanh of a sine
        return np.tanh(4 * np.sin(angle))
    # pulses: a narrow beat once a period, as in an ECG
    centred = (phase % 1.0) - 0.5
    return 2 * np.exp(-0.5 * (centred / 0.05) ** 2) - 1


def make_anomaly_series(kind="spike", *, signal="sine", n_samples=5000, train_size=2000,
                        period=50, noise=0.02, magnitude=1.0, random_state=None):
    """A clean periodic series with one labelled anomaly after a normal prefix.

    The signal repeats every ``period`` rows (give or take 10%, drawn), with
    Gaussian noise; one anomaly starts at a row drawn from the last 60% of
    the rows after ``train_size`` (so that a detector has seen normal cycles
    first) and lasts one row (``"spike"``) or one to two periods. Its sizes,
    at ``magnitude=1``:

    - ``"spike"``: one value moved by 0.5 to 1 times the signal's amplitude;
    - ``"level_shift"``: the values moved by 0.3 to 0.6 times the amplitude;
    - ``"frequency"``: the signal played 1.5 to 2 times faster (its phase
      continues where it was), or 0.5 to 0.7 times slower;
    - ``"amplitude"``: the signal scaled by 0.4 to 0.6 or 1.3 to 1.5;
    - ``"noise"``: noise of 0.15 to 0.3 times the amplitude added;
    - ``"missing_cycle"``: the values held at the signal's mean (a dropout;
      a ``magnitude`` below 1 draws them part of the way);
    - ``"distorted_cycle"``: the cycles' time warped (the phase pushed
      ahead by up to 0.15 to 0.3 of a period and back, smoothly): the
      signal's values and range, its shape changed (a temporal anomaly).

    Parameters
    ----------
    kind : str, default="spike"
        The anomaly: one of ``ANOMALY_KINDS`` (``"spike"``,
        ``"level_shift"``, ``"frequency"``, ``"amplitude"``, ``"noise"``,
        ``"missing_cycle"``, ``"distorted_cycle"``).
    signal : {"sine", "two_sines", "square", "pulses"}, default="sine"
        The clean signal: a sine, a sine with its third harmonic, a
        smoothed square wave, or a narrow pulse once a period.
    n_samples : int, default=5000
        Rows of the series.
    train_size : int, default=2000
        Rows of the normal prefix (no anomaly starts before
        ``train_size + 0.4 * (n_samples - train_size)``).
    period : int, default=50
        Rows per cycle (before the drawn 10% change), at least 8.
    noise : float, default=0.02
        Standard deviation of the noise, in units of the amplitude.
    magnitude : float, default=1.0
        Scales how far the anomaly departs from the signal (the spike's,
        the shift's and the added noise's sizes, the change of speed or
        amplitude, the warp): 0.3 makes anomalies subtle, 0 none.
    random_state : int, RandomState instance or None, default=None
        Draws the period, the anomaly's place, size and length, and the
        noise.

    Returns
    -------
    values : ndarray of float64, shape (n_samples,)
        The series (amplitude 1 around 0, before noise), indexed by
        position: no clock.
    labels : ndarray of int64, shape (n_samples,)
        1 on the anomaly's rows, 0 elsewhere.

    Raises
    ------
    ValueError
        For an unknown ``kind`` or ``signal``, a ``period`` below 8, a
        negative ``noise`` or ``magnitude``, or a ``train_size`` that leaves
        fewer than 5 periods after it.

    Examples
    --------
    >>> from sklearn_htm.datasets import make_anomaly_series
    >>> values, labels = make_anomaly_series("distorted_cycle", random_state=0)
    >>> values.shape, int(labels.argmax()) >= 2000, int(labels.sum()) > 50
    ((5000,), True, True)
    """
    if kind not in ANOMALY_KINDS:
        raise ValueError(f"kind must be one of {ANOMALY_KINDS}; got {kind!r}.")
    if signal not in SIGNALS:
        raise ValueError(f"signal must be one of {SIGNALS}; got {signal!r}.")
    if noise < 0 or magnitude < 0:
        raise ValueError(f"noise and magnitude must be >= 0; got {noise!r} and {magnitude!r}.")
    if period < 8:
        raise ValueError(f"period must be at least 8 rows; got {period!r}.")
    if n_samples - train_size < 5 * period or train_size < 0:
        raise ValueError(
            f"train_size={train_size} leaves {n_samples - train_size} rows of "
            f"n_samples={n_samples}: at least 5 periods ({5 * period} rows) must follow it.")
    rng = check_random_state(random_state)
    period = period * rng.uniform(0.9, 1.1)
    after = n_samples - train_size
    start = int(train_size + rng.randint(int(0.4 * after), after - 2 * int(period) - 1))
    length = 1 if kind == "spike" else int(period * rng.uniform(1.0, 2.0))
    stop = start + length
    speed = np.ones(n_samples)  # periods per row, relative to the normal one
    if kind == "frequency":
        speed[start:stop] = 1 + magnitude * (
            rng.choice([rng.uniform(1.5, 2.0), rng.uniform(0.5, 0.7)]) - 1)
    phase = np.concatenate([[0.0], np.cumsum(speed[:-1])]) / period
    if kind == "distorted_cycle":  # a smooth warp, none at either end
        warp = magnitude * rng.uniform(0.15, 0.3) * np.sin(np.pi * np.arange(length) / length)
        phase[start:stop] += warp
    values = _shape(signal, phase)
    if kind == "spike":
        values[start] += magnitude * rng.choice([-1, 1]) * rng.uniform(0.5, 1.0)
    elif kind == "level_shift":
        values[start:stop] += magnitude * rng.choice([-1, 1]) * rng.uniform(0.3, 0.6)
    elif kind == "amplitude":
        values[start:stop] *= 1 + magnitude * (
            rng.choice([rng.uniform(0.4, 0.6), rng.uniform(1.3, 1.5)]) - 1)
    elif kind == "noise":
        values[start:stop] += rng.normal(0, magnitude * rng.uniform(0.15, 0.3), length)
    elif kind == "missing_cycle":  # the values drawn towards the mean
        mean = float(np.mean(_shape(signal, np.arange(1000) / 1000)))
        values[start:stop] += min(magnitude, 1.0) * (mean - values[start:stop])
    values = values + rng.normal(0, noise, n_samples)
    labels = np.zeros(n_samples, dtype=np.int64)
    labels[start:stop] = 1
    return values, labels
