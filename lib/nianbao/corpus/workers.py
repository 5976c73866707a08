"""Pool workers that can be killed one at a time: each worker is its own one-process pool.

A ``concurrent.futures.ProcessPoolExecutor`` cannot stop one task: a worker killed from outside
breaks the whole pool and fails every task in flight. So each :class:`WorkerSlot` runs one worker
process in a pool of its own, and shares with the coordinating process a few numbers the worker
updates as it goes (which chunk, which file of it, since when: :func:`mark_file`). The
coordinator (:class:`nianbao.corpus.parallel.Dispatcher`) reads them to find a file that has run
past its time limit, kills that slot's worker alone (:meth:`WorkerSlot.kill`), knows which file
was to blame, and starts a fresh slot; the other slots never notice.

A slot's worker ends with its coordinator (``kill -9`` included, see
:func:`nianbao.corpus.watchdog.die_with_parent`), ignores Ctrl-C (the coordinator handles it and
ends the workers itself), and has its memory capped (:func:`nianbao.corpus.watchdog.limit_memory`).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nianbao.corpus.watchdog import die_with_parent, limit_memory

__all__ = ["Running", "WorkerSlot", "idle", "mark_file"]

# Slot state, shared with the coordinator: chunk sequence number, index of the file being parsed,
# monotonic time it started (0: between files), the worker's pid.
_SEQ, _INDEX, _STARTED, _PID = range(4)
_STATE: list[Any] = []  # in a slot's worker: its shared state array (empty elsewhere)


def mark_file(seq: int, index: int) -> None:
    """Record, for the coordinator, that this worker now parses file ``index`` of chunk ``seq``.

    >>> state = [-1.0, 0.0, 0.0, 0.0]  # a slot's shared array, as a slot's worker holds it
    >>> _STATE[:] = [state]; mark_file(3, 7); _STATE.clear()
    >>> state[:2], state[2] > 0
    ([3, 7], True)
    """
    if _STATE:
        state = _STATE[0]
        state[_SEQ] = seq
        state[_INDEX] = index
        state[_STARTED] = time.monotonic()


def idle() -> None:
    """Record that this worker is between files.

    >>> state = [3, 7, 12.5, 0.0]
    >>> _STATE[:] = [state]; idle(); _STATE.clear()
    >>> state
    [3, 7, 0.0, 0.0]
    """
    if _STATE:
        _STATE[0][_STARTED] = 0.0


def _start_slot_worker(
    state: Any, parent: int, max_memory: int | None, then: Callable[[int | None], None]
) -> None:
    """Initializer of a slot's worker: die with the coordinator, ignore Ctrl-C, cap memory, then ``then``."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(max_memory)
    state[_PID] = os.getpid()
    _STATE[:] = [state]
    then(max_memory)


@dataclass(frozen=True, slots=True)
class Running:
    """What a slot's worker is doing: file ``index`` of chunk ``seq`` since ``started`` (monotonic)."""

    seq: int
    index: int
    started: float


class WorkerSlot:
    """One worker process in a pool of its own, with the state it shares (see the module docstring)."""

    def __init__(self, context: Any, max_memory: int | None, then: Callable[[int | None], None]) -> None:
        self.state = context.RawArray("d", 4)
        self.state[_SEQ] = -1  # no chunk started yet
        self.pool = cf.ProcessPoolExecutor(
            1,
            mp_context=context,
            initializer=_start_slot_worker,
            initargs=(self.state, os.getpid(), max_memory, then),
        )
        self.killed = False  # killed by the coordinator for running past the time limit

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        return self.pool.submit(fn, *args)

    def running(self) -> Running | None:
        """The file the worker is parsing, or None between files."""
        started = self.state[_STARTED]
        if not started:
            return None
        return Running(int(self.state[_SEQ]), int(self.state[_INDEX]), started)

    def last(self) -> Running:
        """The last file the worker started (after it died: the one it died on, if ``started``)."""
        return Running(int(self.state[_SEQ]), int(self.state[_INDEX]), self.state[_STARTED])

    def kill(self) -> None:
        """End the worker now (its pool then fails every task it held)."""
        self.killed = True
        self._signal_all()

    def close(self, abort: bool = False) -> None:
        """Shut the pool down: after its tasks, or (``abort``) at once, killing the worker."""
        if abort:
            self._signal_all()
        self.pool.shutdown(wait=True, cancel_futures=abort)

    def _signal_all(self) -> None:
        pids = {int(self.state[_PID])} | set(getattr(self.pool, "_processes", None) or ())
        for pid in pids - {0}:
            with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
                os.kill(pid, signal.SIGKILL)
