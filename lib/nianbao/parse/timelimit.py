"""A wall-clock limit on one file's parse, enforced from outside the parser in the parsing process.

A hostile file can keep a reader busy forever (pdfminer resolving an object that refers to itself).
The readers bound their own work where they can; :class:`FileClock` (and :func:`time_limit`, for
one file) is the backstop: once a file has run ``seconds`` it raises :class:`FileTimeout` (a
``BaseException``, so the parser's own ``except Exception`` guards cannot swallow it) into the
parsing thread. In the main thread a repeating ``SIGALRM`` does it, which also stops a regular
expression that backtracks (``re`` checks for signals); in any other thread, or when another
handler holds ``SIGALRM``, a watcher thread sets an asynchronous exception. Both act between
Python bytecodes only: a parse stuck inside one call of native code is not stopped in-process.
In a pool worker it does not need to be: the coordinating process kills and replaces a worker
whose file runs past the limit (:mod:`nianbao.corpus.watchdog`).

It lives with the parser (below the corpus layer) because ``read_report`` uses it too.
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["FileClock", "FileTimeout", "memory_message", "tick", "time_limit", "timeout_message"]


class FileTimeout(BaseException):
    """Raised into the parse of a file that ran past its time limit (see :class:`FileClock`)."""


def timeout_message(seconds: float) -> str:
    """The ``error`` of a file whose parse was stopped for taking too long.

    >>> timeout_message(120.0).split(";")[0]
    'parsing took longer than 120 s and was stopped'
    """
    return (
        f"parsing took longer than {seconds:g} s and was stopped; if this is a normal report, "
        "run again with a larger --file-timeout (file_timeout), otherwise please report the file"
    )


def memory_message(limit: int | None) -> str:
    """The ``error`` of a file whose parse ran out of memory.

    >>> memory_message(2**31).split(" and ")[0], memory_message(None).split(" and ")[0]
    ('parsing needed more than the 2 GiB memory limit of a worker', 'parsing needed more than the memory available')
    """
    cap = f"the {limit / 2**30:g} GiB memory limit of a worker" if limit else "the memory available"
    return (
        f"parsing needed more than {cap} and was stopped; if this is a normal report, "
        "run again with a larger --max-memory (max_memory), otherwise please report the file"
    )


def _limited(seconds: float | None) -> bool:
    return seconds is not None and 0 < seconds < float("inf")


class FileClock:
    """Times one file after another in this thread and interrupts the one that runs past ``seconds``.

    Within ``with FileClock(seconds) as clock:``, :meth:`start` and :meth:`stop` bracket each file;
    they only store a time, so a chunk of files pays for the limit once, not per file (a per-file
    timer cost ~2% of the txt throughput). A tick (:func:`tick`) checks the running file: a
    repeating ``SIGALRM`` in the main thread, or the watcher thread elsewhere, or when another
    handler holds ``SIGALRM`` (a test runner's timeout). ``seconds`` ``None``, 0 or infinity: no limit.
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds if _limited(seconds) else None
        self.started = 0.0  # monotonic time the running file started; 0: none running
        self._mode = ""
        self._previous: Any = None
        self._tid = 0
        self._fired = False
        self._lock = threading.Lock()

    def __enter__(self) -> FileClock:
        if self.seconds is None:
            return self
        if _alarm_free():
            self._mode = "alarm"
            self._previous = signal.signal(signal.SIGALRM, _on_alarm)
            _ALARMED[:] = [self]
            signal.setitimer(signal.ITIMER_REAL, tick(self.seconds), tick(self.seconds))
        else:
            self._mode, self._tid = "watcher", threading.get_ident()
            _watcher().add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self._mode == "alarm":
            signal.setitimer(signal.ITIMER_REAL, 0)
            _ALARMED.clear()
            signal.signal(signal.SIGALRM, self._previous)
        elif self._mode == "watcher":
            _watcher().remove(self)
        self._mode = ""

    def start(self) -> None:
        self.started = time.monotonic()

    def stop(self) -> None:
        if self._mode != "watcher":
            self.started = 0.0
            return
        with self._lock:  # the watcher may be raising into this thread right now: take it back
            self.started = 0.0
            if self._fired:
                self._fired = False
                _async_raise(self._tid, None)

    def expired(self) -> bool:
        started = self.started
        return bool(started) and self.seconds is not None and time.monotonic() - started > self.seconds

    def interrupt(self) -> None:
        """From the watcher thread: raise :class:`FileTimeout` into the clock's thread if still due."""
        with self._lock:
            if self.expired():
                self.started, self._fired = 0.0, True
                _async_raise(self._tid, FileTimeout)


def tick(seconds: float) -> float:
    """How often a running file is checked against a limit of ``seconds`` (so it stops within a tick).

    >>> tick(120), tick(2), tick(0.01)
    (1.0, 0.25, 0.01)
    """
    return min(1.0, max(0.01, seconds / 8))


_ALARMED: list[FileClock] = []  # the main thread's clock while it holds SIGALRM


def _on_alarm(signum: int, frame: Any) -> None:
    if _ALARMED and _ALARMED[0].expired():
        _ALARMED[0].started = 0.0
        raise FileTimeout


def _alarm_free() -> bool:
    """In the main thread, with SIGALRM free (a test runner's timeout may hold it)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return False
    return signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)


class _Watcher:
    """One daemon thread that checks the clocks of threads without SIGALRM, a few times a second."""

    def __init__(self) -> None:
        self.clocks: set[FileClock] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self.loop, name="nianbao-file-timeout", daemon=True).start()

    def loop(self) -> None:
        while True:
            with self.lock:
                clocks = list(self.clocks)
            for clock in clocks:
                clock.interrupt()
            time.sleep(min((tick(c.seconds) for c in clocks if c.seconds), default=0.25))

    def add(self, clock: FileClock) -> None:
        with self.lock:
            self.clocks.add(clock)

    def remove(self, clock: FileClock) -> None:
        with self.lock:
            self.clocks.discard(clock)


def _async_raise(tid: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), ctypes.py_object(exc) if exc else None)


_WATCHER: list[_Watcher] = []  # started on first use off the main thread
_WATCHER_LOCK = threading.Lock()


def _watcher() -> _Watcher:
    with _WATCHER_LOCK:
        if not _WATCHER:
            _WATCHER.append(_Watcher())
        return _WATCHER[0]


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`FileTimeout` in this thread's Python code once ``seconds`` have passed.

    ``None``, 0 or infinity: no limit. The exception may also come as the block ends (the limit
    passed as it finished): the caller treats it as the file having taken too long.

    >>> try:
    ...     with time_limit(0.05):
    ...         while True:  # a parse that never ends
    ...             pass
    ... except FileTimeout:
    ...     print("stopped")
    stopped
    """
    with FileClock(seconds) as clock:
        clock.start()
        yield
