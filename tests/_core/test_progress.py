"""ProgressReporter's waiting messages: said when a wait is long, not when short."""

import io
import threading
import time
import warnings

import pytest

from sklearn_htm._core.progress import ProgressReporter


def reporter():
    stream = io.StringIO()
    return ProgressReporter(1, 10, "test", stream=stream), stream


def test_a_wait_shorter_than_its_delay_says_nothing():
    progress, stream = reporter()
    with progress.waiting("preparing things", after=30.0):
        pass
    assert stream.getvalue() == ""


def test_a_wait_longer_than_its_delay_is_said():
    progress, stream = reporter()
    released = threading.Event()
    with progress.waiting("preparing things", after=0.01):
        # Wait (at most 10 s) until the message has been written.
        for _ in range(1000):
            if "preparing things" in stream.getvalue():
                released.set()
                break
            released.wait(0.01)
    assert "[test] preparing things" in stream.getvalue()


def test_without_a_delay_the_message_comes_at_once():
    progress, stream = reporter()
    with progress.waiting("preparing things"):
        assert "[test] preparing things" in stream.getvalue()


def test_verbosity_zero_says_nothing():
    stream = io.StringIO()
    progress = ProgressReporter(0, 10, "test", stream=stream)
    with progress.waiting("preparing things"):
        pass
    assert stream.getvalue() == ""


def test_a_first_compile_is_one_warning_at_verbosity_zero(monkeypatch, capsys):
    from sklearn_htm.exceptions import KernelCompileWarning
    from sklearn_htm._core import progress as _progress

    monkeypatch.setattr(_progress, "PREPARING_SILENT_S", 0.01)
    progress = ProgressReporter(0, 10, "test")
    with pytest.warns(KernelCompileWarning, match="preparing the numba kernels") as record:
        with progress.preparing("numba", ready=False):
            time.sleep(0.3)
    assert len(record) == 1 and record[0].filename == __file__  # the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with progress.preparing("numba", ready=True):
            time.sleep(0.05)
        with progress.preparing("numba", ready=False):
            pass  # quicker than the silent second: a cache load
    assert capsys.readouterr() == ("", "")


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_time_left_comes_from_the_chunks_after_the_first():
    """The first chunk may carry a first compile: the time left is estimated
    from the rate after it, and said as unknown until there is one."""
    clock, stream = _Clock(), io.StringIO()
    progress = ProgressReporter(2, 1000, "test", stream=stream, clock=clock)
    clock.now = 30.0  # the first 10 samples, with a 30 s compile
    progress.update(10)
    clock.now = 31.0  # 90 more in a second
    progress.update(90)
    clock.now = 40.0
    progress.update(900)
    first, second, last = stream.getvalue().splitlines()
    assert first.endswith("left ?")
    assert second.endswith("left 10.0s")  # 900 left at 90 samples/s
    assert "1000/1000 samples (100%)" in last and last.endswith("left 0.0s")
    assert "elapsed 40.0s" in last
