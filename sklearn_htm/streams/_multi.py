"""Many streams at once: one anomaly detector per stream key."""

import os
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, _fit_context, clone
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..anomaly import HTMAnomalyDetector
from .._core.failure import restore_on_failure
from .._core.layer import check_unchanged, started_with
from .._core.progress import ProgressReporter
from ._rows import stream_key, stream_rows
from ._store import CheckpointError, DetectorStore, load_model, read_manifest


class MultiStreamDetector(OutlierMixin, BaseEstimator):
    """One :class:`~sklearn_htm.HTMAnomalyDetector` per stream, by key.

    Rows of many streams arrive together, in long format (a DataFrame with
    columns ``stream``, ``timestamp`` and ``value``, one row per value, the
    way metric stores export them), in any interleaving. Each stream gets a
    clone of ``detector`` on its first row and learns its rows in their
    order: the scores are, bit for bit, those of separate detectors fed each
    stream's rows. This is the arrangement of every system that ran HTM on
    many metrics (Numenta's HTM Engine, Grok, flink-htm): a model per key, a
    memory budget with the coldest models on disk, and checkpoints that hold
    each model whole, the anomaly likelihood's history included.

    Parameters
    ----------
    detector : HTMAnomalyDetector or None, default=None
        The detector every stream clones (None: ``HTMAnomalyDetector()``).
        Its ``minimum`` and ``maximum`` are replaced by a stream's range from
        ``ranges`` where one is given.
    ranges : dict or DataFrame or None, default=None
        Per-stream value ranges: a mapping from key to ``(minimum, maximum)``,
        or a DataFrame with columns ``stream``, ``minimum`` and ``maximum``
        (NAB gives every detector its file's range). A stream without one is
        handled as ``detector`` handles a missing range.
    checkpoint_dir : str or path-like or None, default=None
        Where :meth:`checkpoint` writes, and where detectors beyond
        ``max_resident`` are kept. Required with ``max_resident``.
    max_resident : int or None, default=None
        Detectors kept in memory at most; the least recently used beyond it
        are written to ``checkpoint_dir`` and reloaded when their stream
        returns. Results do not depend on it. None: all stay in memory.
    n_jobs : int or None, default=None
        Processes that learn different streams of a call at once (joblib;
        None: 1, -1: all cores). Each detector travels to a worker and back
        on every call, so this pays on calls of many rows per stream (a
        backfill), not on one value per stream.
    verbose : int, default=0
        1 reports the rows learned (``[MultiStreamDetector.fit] ...``) on
        long calls; 0 prints nothing.

    Attributes
    ----------
    anomaly_score_ : ndarray of float64, shape (n_rows,)
        NAB's anomaly score of each row of the last ``fit`` / ``partial_fit``,
        in X's order.
    ranking_score_ : ndarray of float64, shape (n_rows,)
        Their ranking scores (``ranking_score_`` of
        :class:`~sklearn_htm.HTMAnomalyDetector`).
    streams_ : list
        The stream keys seen, in the order of their first row.
    n_resident_ : int
        Detectors in memory now.
    n_samples_seen_ : int
        Rows learned since ``fit`` (or the first ``partial_fit``), all
        streams together: after a :meth:`restore`, the rows the checkpoint
        holds, so that a log of the rows can be replayed from there.
    offset_ : float
        As :class:`~sklearn_htm.HTMAnomalyDetector`'s.

    See Also
    --------
    HTMAnomalyDetector : the detector of one stream.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn_htm import HTMAnomalyDetector, MultiStreamDetector
    >>> t = pd.date_range("2024-01-01", periods=200, freq="h")
    >>> rows = pd.concat([
    ...     pd.DataFrame({"stream": key, "timestamp": t,
    ...                   "value": np.sin(np.arange(200) / (3 + k))})
    ...     for k, key in enumerate(["cpu", "disk"])]).sort_values("timestamp")
    >>> detector = HTMAnomalyDetector(probation=50, n_columns=256, activation_threshold=4,
    ...                               min_threshold=3)
    >>> streams = MultiStreamDetector(detector, ranges={"cpu": (-1, 1), "disk": (-1, 1)})
    >>> streams.partial_fit(rows).anomaly_score_.shape
    (400,)
    >>> streams.streams_, streams.n_resident_
    (['cpu', 'disk'], 2)
    """

    _parameter_constraints: dict = {
        "detector": [None, HTMAnomalyDetector],
        "ranges": [None, dict, "array-like"],
        "checkpoint_dir": [None, str, os.PathLike],
        "max_resident": [None, Interval(Integral, 1, None, closed="left")],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
    }

    def __init__(self, detector=None, *, ranges=None, checkpoint_dir=None,
                 max_resident=None, n_jobs=None, verbose=0):
        self.detector = detector
        self.ranges = ranges
        self.checkpoint_dir = checkpoint_dir
        self.max_resident = max_resident
        self.n_jobs = n_jobs
        self.verbose = verbose

    # ------------------------------------------------------------------ API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Forget every stream and learn the rows of X as new streams.

        Parameters
        ----------
        X : DataFrame with columns ``stream``, ``timestamp`` and ``value``
            Rows of any streams in any interleaving (each stream's in its
            order). Keys: strings or integers. Timestamps and values as
            :class:`~sklearn_htm.HTMAnomalyDetector` takes them; without a
            ``timestamp`` column the streams have no clock.
        y : None
            Ignored.

        Returns
        -------
        self : object

        Raises
        ------
        TypeError
            When X is not a DataFrame.
        ValueError
            For no rows, a missing column, a missing or non-string,
            non-integer stream key, NaN or infinite values, unparseable
            timestamps, malformed ``ranges``, or ``max_resident`` without
            ``checkpoint_dir``. Nothing changes.

        Warns
        -----
        UserWarning
            For a stream whose rows go back in time (named), as the detector
            warns.
        """
        rows = stream_rows(X)
        with restore_on_failure(self):
            self._begin()
            self._check_keys(rows.keys)
            self._learn(rows, "fit")
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Learn the rows of X as the continuation of their streams (a new
        key starts a stream; the first call starts the set).

        Parameters, errors and warnings as :meth:`fit`. A call refused for its
        input changes nothing. A call interrupted while learning keeps, for
        each stream, a prefix of its rows of X, as the detector does (the
        streams are learned one after the other, in the order of their first
        row); ``anomaly_score_`` is then not updated.

        Between calls, ``max_resident``, ``n_jobs`` and ``verbose`` may
        change, and ``ranges`` may gain streams not seen yet; a changed
        ``detector``, ``checkpoint_dir`` or range of a stream already started
        is refused (``ValueError``): they are fixed when a stream starts.
        """
        rows = stream_rows(X)
        if not hasattr(self, "_store"):
            with restore_on_failure(self):
                self._begin()
                self._check_keys(rows.keys)
                self._learn(rows, "partial_fit")
        else:
            self._check_continuation()
            self._check_keys(rows.keys)
            self._learn(rows, "partial_fit")
        return self

    def score_samples(self, X):
        """``-ranking_score`` of each row of X as its stream's continuation,
        without learning (higher is more normal); see
        :meth:`HTMAnomalyDetector.score_samples`.

        Parameters
        ----------
        X : DataFrame with columns ``stream``, ``timestamp`` and ``value``
            Rows of streams already seen.

        Returns
        -------
        scores : ndarray of float64, shape (n_rows,)
            In X's order.

        Raises
        ------
        NotFittedError
            Before ``fit`` or ``partial_fit``.
        ValueError
            As :meth:`fit`, and for a stream never learned (named).
        """
        check_is_fitted(self)
        rows = stream_rows(X)
        unknown = [key for key in rows.keys if key not in self._store]
        if unknown:
            raise ValueError(f"X holds {len(unknown)} stream(s) never learned: "
                             f"{unknown[:5]}{' ...' if len(unknown) > 5 else ''}.")
        scores = np.empty(rows.n_rows, dtype=np.float64)
        for i, key in enumerate(rows.keys):
            stamps, _, values = rows.of(i)
            scores[rows.rows[i]] = self._store.get(key)._score_frame(stamps, values,
                                                                     _model_name(key))
            self._store.evict(keep=(key,))
        return scores

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative exactly for the rows whose
        ranking score reaches the detector's ``threshold``."""
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """-1 for rows whose ranking score reaches the detector's
        ``threshold`` (a negative ``decision_function``), 1 otherwise."""
        return np.where(self.decision_function(X) < 0, -1, 1)

    def fit_predict(self, X, y=None):
        """Learn X (as :meth:`fit`) and say which rows reached the threshold
        as they were learned (-1) or not (1)."""
        self.fit(X)
        return np.where(self.ranking_score_ >= self._template.threshold, -1, 1)

    def detector_for(self, key):
        """The detector of stream ``key`` (loaded from ``checkpoint_dir`` if it
        was evicted); learning through it directly is learning the stream.

        Raises
        ------
        KeyError
            For a key never seen.
        """
        check_is_fitted(self)
        key = stream_key(key)
        if key not in self._store:
            raise KeyError(f"no stream {key!r} (streams_ lists the {len(self._keys)} seen)")
        detector = self._store.get(key)
        self._store.changed.add(key)  # the caller may learn through it
        self._store.evict(keep=(key,))
        return detector

    def checkpoint(self):
        """Write every stream's detector to ``checkpoint_dir``, crash-safe.

        The checkpoint becomes the directory's current one only once every
        file of it is complete on disk; a crash (even SIGKILL) during the
        call leaves the previous checkpoint whole. Detectors unchanged since
        they were last written are not written again.

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            Without ``checkpoint_dir``.
        """
        check_is_fitted(self)
        if self.checkpoint_dir is None:
            raise ValueError("checkpoint() needs checkpoint_dir.")
        self._store.checkpoint(self._keys, self._settings(), self._template)
        return self

    @classmethod
    def restore(cls, checkpoint_dir, *, max_resident="saved", n_jobs="saved", verbose="saved"):
        """The set of streams of the last checkpoint in ``checkpoint_dir``.

        Every stream continues exactly where the checkpoint left it, its
        anomaly likelihood's history included. The rows learned after the
        checkpoint are not in it: replay them from row ``n_samples_seen_``
        of the log. Detectors are loaded up to ``max_resident`` (the most
        recently used), the others when their stream returns. Nothing in the
        directory is executed: the files are JSON and skops files of the
        package's trusted types.

        Parameters
        ----------
        checkpoint_dir : str or path-like
        max_resident, n_jobs, verbose : default="saved"
            The values saved with the checkpoint, or new ones.

        Returns
        -------
        streams : MultiStreamDetector

        Raises
        ------
        ValueError
            (a ``CheckpointError``) When the directory holds no checkpoint,
            another version or format wrote it, or a file in it is not a
            trusted sklearn-htm detector.
        """
        manifest = read_manifest(checkpoint_dir)
        given = {"max_resident": max_resident, "n_jobs": n_jobs, "verbose": verbose}
        try:
            params = {**manifest["params"],
                      **{name: value for name, value in given.items() if value != "saved"}}
            streams = cls(load_model(checkpoint_dir, manifest["detector_file"],
                                     HTMAnomalyDetector),
                          ranges=_ranges_from_json(manifest["ranges"]),
                          checkpoint_dir=checkpoint_dir, **params)
            streams._validate_params()
            streams._begin()
            keys = [stream_key(entry["key"]) for entry in manifest["streams"]]
            streams._store.files = dict(zip(keys, (str(entry["file"])
                                                   for entry in manifest["streams"])))
            streams._store.set_id = str(manifest["set_id"])
            streams._store.template = str(manifest["detector_file"])
            streams.n_samples_seen_ = int(manifest["n_samples_seen"])
            streams._keys = keys
        except CheckpointError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"{checkpoint_dir}: a malformed checkpoint manifest "
                                  f"({type(exc).__name__}: {exc}).") from exc
        budget = streams.max_resident or len(streams._keys)
        for key in streams._keys[-budget:]:
            streams._store.get(key)
        return streams

    # ------------------------------------------------------- fitted attributes

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_store")

    @property
    def streams_(self):
        check_is_fitted(self)
        return list(self._keys)

    @property
    def n_resident_(self):
        check_is_fitted(self)
        return len(self._store.resident)

    @property
    def offset_(self):
        check_is_fitted(self)
        return self._template.offset_

    # ------------------------------------------------------------- internals

    def _begin(self):
        """A new, empty set of streams (the parameters checked once)."""
        if self.max_resident is not None and self.checkpoint_dir is None:
            raise ValueError("max_resident needs checkpoint_dir (where the detectors beyond "
                             "it are kept).")
        template = HTMAnomalyDetector() if self.detector is None else clone(self.detector)
        template._validate_params()
        self._template = template
        self._ranges = _check_ranges(self.ranges)
        previous = getattr(self, "_store", None)
        self._store = DetectorStore(self.checkpoint_dir, self.max_resident)
        if previous is not None and previous.directory == self._store.directory:
            self._store.set_id = previous.set_id  # fit again: this set's checkpoints
        self._started_with = started_with(self, ("detector", "checkpoint_dir"))
        self._keys = []
        self.n_samples_seen_ = 0

    def _check_continuation(self):
        """Refuse what a started stream cannot change (see :meth:`partial_fit`);
        take the settings that may change."""
        check_unchanged(self, self._started_with, "set of streams")
        ranges = _check_ranges(self.ranges)
        changed = [key for key in self._keys if ranges.get(key) != self._ranges.get(key)]
        if changed:
            raise ValueError(f"ranges changed for {len(changed)} stream(s) already started "
                             f"({changed[:5]}); a stream's range is fixed by its first row.")
        if self.max_resident is not None and self.checkpoint_dir is None:
            raise ValueError("max_resident needs checkpoint_dir (where the detectors beyond "
                             "it are kept).")
        self._ranges = ranges
        self._store.max_resident = self.max_resident

    def _new_detector(self, key):
        detector = clone(self._template)
        if key in self._ranges:
            minimum, maximum = self._ranges[key]
            detector.set_params(minimum=minimum, maximum=maximum)
        return detector

    def _learn(self, rows, call):
        """Learn each stream's rows, stream after stream, into one array of
        scores in X's order (NAB's and the ranking score)."""
        scores = np.empty((rows.n_rows, 2), dtype=np.float64)
        reporter = ProgressReporter(self.verbose, rows.n_rows, f"{type(self).__name__}.{call}",
                                    quiet_when_quick=call == "partial_fit")
        for done in self._learn_streams(rows, scores):
            reporter.update(done)
        self.anomaly_score_, self.ranking_score_ = scores[:, 0], scores[:, 1]

    def _learn_streams(self, rows, scores):
        """Learn the streams of ``rows``, one after the other or, with
        ``n_jobs``, in groups in parallel (each group within the memory
        budget); yields the rows learned."""
        from joblib import effective_n_jobs

        if len(rows.keys) > 1 and effective_n_jobs(self.n_jobs) > 1:
            yield from self._learn_in_parallel(rows, scores, effective_n_jobs(self.n_jobs))
            return
        for i, key in enumerate(rows.keys):
            detector = self._detector(key)
            self._store.changed.add(key)  # also when the call fails part way
            _, learned = self._learn_here(detector, *rows.of(i), _model_name(key))
            scores[rows.rows[i]] = learned
            self._store.evict(keep=(key,))
            yield learned.shape[0]

    def _learn_in_parallel(self, rows, scores, n_jobs):
        """Groups of streams learned by ``n_jobs`` worker processes, each on a
        copy of its detector (a failure changes nothing here)."""
        from joblib import Parallel, delayed

        group = self.max_resident or len(rows.keys)
        for begin in range(0, len(rows.keys), group):
            indices = range(begin, min(begin + group, len(rows.keys)))
            self._store.evict(limit=self._store.max_resident and
                              self._store.max_resident - len(indices))
            work = [(self._detector(rows.keys[i]), *rows.of(i), _model_name(rows.keys[i]))
                    for i in indices]
            results = Parallel(n_jobs=n_jobs)(delayed(_learn_stream)(*task) for task in work)
            for i, (detector, learned) in zip(indices, results):
                self._store.put(rows.keys[i], detector)
                self.n_samples_seen_ += learned.shape[0]
                scores[rows.rows[i]] = learned
                yield learned.shape[0]

    def _learn_here(self, detector, *task):
        """:func:`_learn_stream` in this process, counting the rows learned
        even when it fails part way (the detector keeps a prefix)."""
        before = _rows_learned(detector)
        try:
            return _learn_stream(detector, *task)
        finally:
            self.n_samples_seen_ += _rows_learned(detector) - before

    def _check_keys(self, keys):
        """Refuse new keys that read as a stream's key of another type (1 and
        "1": a CSV read in two pieces can give both)."""
        new = [key for key in keys if key not in self._store]
        if not new:
            return
        texts = {str(key): key for key in self._keys}
        for key in new:
            known = texts.setdefault(str(key), key)
            if known != key or type(known) is not type(key):
                raise ValueError(
                    f"the stream keys {known!r} ({type(known).__name__}) and {key!r} "
                    f"({type(key).__name__}) would be two streams; give every key in one "
                    "type (e.g. X['stream'].astype(str)).")

    def _detector(self, key):
        if key in self._store:
            return self._store.get(key)
        self._keys.append(key)
        detector = self._new_detector(key)
        self._store.put(key, detector)
        return detector

    def _settings(self):
        """What a checkpoint keeps besides the detectors (JSON)."""
        return {
            "params": {"max_resident": self.max_resident, "n_jobs": self.n_jobs,
                       "verbose": self.verbose},
            "ranges": [[key, low, high] for key, (low, high) in self._ranges.items()],
            "n_samples_seen": self.n_samples_seen_,
        }


def _learn_stream(detector, stamps, instants, values, model):
    """One stream's rows learned by its detector: ``(detector, scores)``,
    the scores of shape (n_rows, 2): NAB's and the ranking score (the
    detector returned, for a worker process)."""
    detector._learn(stamps, instants, values, model=model)
    return detector, np.column_stack([detector.anomaly_score_, detector.ranking_score_])


def _rows_learned(detector):
    return detector.n_samples_seen_ if hasattr(detector, "likelihood_estimator_") else 0


def _model_name(key):
    return f"detector of stream {key!r}"


def _check_ranges(ranges):
    """``ranges`` as a dict of key -> (minimum, maximum) floats."""
    if ranges is None:
        return {}
    import pandas as pd
    from collections.abc import Mapping

    if isinstance(ranges, pd.DataFrame):
        missing = {"stream", "minimum", "maximum"} - set(ranges.columns)
        if missing:
            raise ValueError(f"ranges lacks the column(s) {sorted(missing)}; it needs "
                             "'stream', 'minimum' and 'maximum'.")
        if ranges["stream"].duplicated().any():
            raise ValueError("ranges names a stream twice.")
        ranges = dict(zip(ranges["stream"], zip(ranges["minimum"], ranges["maximum"])))
    if not isinstance(ranges, Mapping):
        raise ValueError("ranges must be a mapping of stream key to (minimum, maximum) or "
                         f"a DataFrame with columns stream, minimum, maximum; got "
                         f"{type(ranges).__name__}.")
    checked = {}
    for key, bounds in ranges.items():
        try:
            low, high = (float(bound) for bound in bounds)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"ranges[{key!r}] must be (minimum, maximum); got {bounds!r}.") \
                from exc
        if not (np.isfinite(low) and np.isfinite(high)) or low > high:
            raise ValueError(f"ranges[{key!r}] = {bounds!r}: minimum and maximum must be "
                             "finite, minimum <= maximum.")
        checked[stream_key(key)] = (low, high)
    return checked


def _ranges_from_json(entries):
    return {key: (low, high) for key, low, high in entries} or None

