"""Progress reports for long ``fit`` / ``partial_fit`` calls (``verbose``)."""

import contextlib
import sys
import threading
import time
import warnings


def _format_seconds(seconds):
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


#: Seconds of preparing kernels before it is said (a cache load is quicker).
PREPARING_SILENT_S = 1.0


class ProgressReporter:
    """Prints samples seen, rate and time left, following sklearn's ``verbose``.

    ``verbose=0`` prints nothing; ``verbose=1`` prints about every
    ``interval`` seconds and at the end; ``verbose>=2`` prints after every
    chunk of work. With ``quiet_when_quick=True`` (``partial_fit``: one call
    per batch of a stream) the end is printed at ``verbose=1`` only when the
    call took at least ``interval`` seconds, so that a stream of short calls
    does not print one "100%" line per call.
    """

    def __init__(self, verbose, total, label, interval=2.0, stream=None, clock=None,
                 quiet_when_quick=False):
        self.verbose = int(verbose)
        self.total = int(total)
        self.label = label
        self.interval = interval
        self.stream = stream if stream is not None else sys.stdout
        self.clock = clock if clock is not None else time.perf_counter
        self.done = 0
        self.start = self.clock()
        self.last_report = self.start
        self.quiet_when_quick = quiet_when_quick
        # (samples, time) at the first update: the rate of what is left is
        # measured from there, past the first chunk's warm-up (a first
        # compile, possibly inside the parts of a stream model).
        self.first = None

    def update(self, n_samples):
        self.done += int(n_samples)
        if self.verbose <= 0:
            return
        now = self.clock()
        if self.first is None:
            self.first = (self.done, now)
        finished = self.done >= self.total
        if finished and self.quiet_when_quick and self.verbose < 2:
            finished = now - self.start >= self.interval
        if self.verbose >= 2 or finished or now - self.last_report >= self.interval:
            self.last_report = now
            self.stream.write(self.message(now) + "\n")
            self.stream.flush()

    def note(self, text):
        """Print ``[label] text`` now (at any verbosity above 0)."""
        if self.verbose > 0:
            self.stream.write(f"[{self.label}] {text}\n")
            self.stream.flush()

    @contextlib.contextmanager
    def waiting(self, text, every=5.0, after=0.0):
        """Print ``text`` after ``after`` seconds and ``still ...`` every
        ``every`` seconds until the block ends (a long wait that reports
        nothing else, such as a first compilation); a block shorter than
        ``after`` prints nothing. At verbosity 0, nothing."""
        if self.verbose <= 0:
            yield
            return
        if after <= 0:
            self.note(text)
        start = self.clock()

        def heartbeat(done):
            if after > 0:
                if done.wait(after):
                    return
                self.note(text)
            while not done.wait(every):
                self.note(f"still {text.split(':')[0]} "
                          f"({_format_seconds(self.clock() - start)})")

        with _alongside(heartbeat):
            yield

    def preparing(self, backend, ready):
        """A ``with`` block that says, with a heartbeat, that the ``backend``'s
        kernels are being prepared, unless they are ``ready``."""
        if ready:
            return contextlib.nullcontext()
        # Said only when it takes a while: loading from the cache takes a
        # fraction of a second, compiling several seconds to a minute. At
        # verbosity 0 a first compile is one KernelCompileWarning (nothing
        # printed): nothing else would explain a minute of silence.
        text = (f"preparing the {backend} kernels: compiled the first time in an "
                "environment (seconds to a minute) and cached, loaded from the cache "
                "after that")
        if self.verbose <= 0:
            return _warned_after(f"[{self.label}] {text} (verbose=1 reports it as it goes)",
                                 PREPARING_SILENT_S)
        return self.waiting(text, after=PREPARING_SILENT_S)

    def message(self, now):
        """``[label] done/total samples (percent), rate, elapsed, left``: the
        rate over the whole call; the time left from the rate after the
        first chunk (``?`` until a second one)."""
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        first_done, first_time = self.first if self.first is not None else (self.done, now)
        recent = (self.done - first_done) / (now - first_time) if now > first_time else 0.0
        left = (self.total - self.done) / recent if recent > 0 else float("inf")
        if self.done >= self.total:
            left = 0.0
        percent = 100.0 * self.done / self.total if self.total else 100.0
        return (
            f"[{self.label}] {self.done}/{self.total} samples ({percent:.0f}%), "
            f"{rate:,.0f} samples/s, elapsed {_format_seconds(elapsed)}, "
            f"left {_format_seconds(left) if left != float('inf') else '?'}"
        )


@contextlib.contextmanager
def _alongside(task):
    """A ``with`` block during which ``task(done)`` runs in a thread; ``done``
    (a :class:`threading.Event`) is set when the block ends."""
    done = threading.Event()
    thread = threading.Thread(target=task, args=(done,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _warned_after(text, seconds):
    """A ``with`` block that issues one :class:`~sklearn_htm.exceptions.
    KernelCompileWarning` saying ``text`` if it lasts more than ``seconds``,
    at the caller's line (the first frame outside this package and
    scikit-learn), as a warning raised there would be."""
    from ..exceptions import KernelCompileWarning

    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").partition(".")[0] in (
            "sklearn_htm", "sklearn", "contextlib"):
        frame = frame.f_back
    where = (frame.f_code.co_filename, frame.f_lineno, frame.f_globals)

    def warn(done):
        if not done.wait(seconds):
            filename, lineno, module_globals = where
            try:
                warnings.warn_explicit(text, KernelCompileWarning, filename, lineno,
                                       module=module_globals.get("__name__"),
                                       registry=module_globals.setdefault(
                                           "__warningregistry__", {}))
            except Warning:
                pass  # warnings made errors: an error in this thread would reach no one

    return _alongside(warn)
