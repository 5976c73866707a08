"""Run the per-file parser over chunks of files: in-process, on a process pool, or on dask.distributed.

The unit of work is a *chunk*: a list of ``(cache key, displayed path, bytes)``. Bytes travel with the
work rather than paths, so a dask worker on another machine needs no access to the corpus, and the
cache key is computed once, by the process that read the file: it begins with the bytes' hex
SHA-256 (``cache.digest_of_key``), which the worker takes the report_id from rather than hashing
again. The run's settings (:class:`nianbao.options.RunOptions`, the place aliases included as the
places files' texts) travel with every chunk, so a long-lived dask worker never parses with a
previous run's settings and no worker holds settings of its own. :func:`parse_chunk` runs on the
worker and returns the chunk's rows as the five contract frames, each row with its file's id
(``_kid``, numbered apart across the run) as a cache segment stores them, so the coordinating
process only concatenates columnar data.

:class:`Dispatcher` bounds the chunks in flight (a few per worker), which bounds memory whatever
the corpus size, and yields finished chunks as they complete.

Every file's parse is bounded in time (``file_timeout``) and, on a local pool, in memory
(``max_memory``), from outside the parser (:mod:`nianbao.corpus.watchdog`): a file past its limit
is interrupted, or its worker killed and replaced (:mod:`nianbao.corpus.workers`); a worker that
dies (out of memory, a crash in a native library) is replaced too. Either way only the file it was
parsing gets a ``failed`` row saying why; the other files of its chunk are parsed again. Such rows
are not cached, so a re-run (perhaps with a larger limit) tries the file again.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import polars as pl

from nianbao.corpus.cache import ID_COLUMN, KEY_COLUMN, digest_of_key
from nianbao.corpus.watchdog import crash_message, grace
from nianbao.corpus.workers import WorkerSlot, idle, mark_file
from nianbao.errors import NianbaoError, internal_error
from nianbao.options import RunOptions
from nianbao.parse import report
from nianbao.parse.result import FileResult, to_frames
from nianbao.parse.timelimit import FileClock, FileTimeout, memory_message, timeout_message

__all__ = [
    "Chunk",
    "ChunkResult",
    "Dispatcher",
    "ExecutorName",
    "batch_frames",
    "dask_client",
    "default_jobs",
    "failed_result",
    "parse_chunk",
    "report_id_of",
]

ExecutorName = Literal["process", "dask"]
Chunk = list[tuple[str, str, bytes]]
CHUNK_MAX_BYTES = 8 * 1024 * 1024  # a chunk's payload: dask warns on large task arguments
MAX_STILLBORN = 3  # workers that die before parsing anything, before a run gives up on starting them


def report_id_of(data: bytes) -> str:
    """The contract's ``report_id`` (``report.report_id_of``; imported late: ``import nianbao`` stays light).

    >>> report_id_of(b"")  # the first 16 hex digits of the bytes' SHA-256
    'e3b0c44298fc1c14'
    """

    return report.report_id_of(data)


def failed_result(report_id: str, path: str, error: str) -> FileResult:
    """A ``failed`` reports row for a file that never reached the parser (or crashed it).

    >>> row = failed_result("e3b0c44298fc1c14", "a.pdf", "damaged PDF").report
    >>> row["path"], row["status"], row["error"]
    ('a.pdf', 'failed', 'damaged PDF')
    """
    return FileResult.failed(report_id, path, error)


def _parse_one(
    key: str, data: bytes, display: str, options: RunOptions, clock: FileClock
) -> tuple[FileResult, bool]:
    """The file's row, and whether it may be cached (not when stopped by a limit: a re-run tries again)."""
    # parse_bytes never raises by contract; a bug must still not stop a national run.

    try:
        try:
            clock.start()
            try:
                return report.parse_bytes(data, display, sha256=digest_of_key(key), options=options), True
            finally:
                clock.stop()
        except FileTimeout:
            assert clock.seconds is not None
            return failed_result(report_id_of(data), display, timeout_message(clock.seconds)), False
    except MemoryError:
        return failed_result(report_id_of(data), display, memory_message(_MEMORY[0])), False
    except Exception as e:
        return failed_result(report_id_of(data), display, internal_error(e, display)), True


_MEMORY: list[int | None] = [None]  # this worker's memory cap, for the message of a file that hit it


def batch_frames(keyed: Sequence[tuple[str, FileResult]], first_id: int = 0) -> dict[str, pl.DataFrame]:
    """The five frames of ``(key, result)`` pairs as a cache segment holds them (see ``ResultCache.write_segment``).

    Every row starts with ``_kid``, its file's id: ``first_id`` + the file's position among the
    pairs; ``reports`` starts with the file's ``_key``. A row carries a small integer rather than
    its 68-character key: the key on every row was half of what a worker shipped back.

    >>> frames = batch_frames([("k1", FileResult({"report_id": "a"})), ("k2", FileResult({"report_id": "b"}))], 5)
    >>> frames["reports"].select(KEY_COLUMN, ID_COLUMN, "report_id").rows()
    [('k1', 5, 'a'), ('k2', 6, 'b')]
    """
    frames = to_frames([r for _, r in keyed], file_ids=ID_COLUMN, first_id=first_id)
    keys = pl.Series(KEY_COLUMN, [k for k, _ in keyed], pl.String)
    frames["reports"] = frames["reports"].insert_column(0, keys)
    return frames


class ChunkResult(NamedTuple):
    """A parsed chunk: its rows as batch frames, and rows of files stopped by a limit (not to be cached)."""

    frames: dict[str, pl.DataFrame]
    uncached: list[FileResult]


def parse_chunk(chunk: Chunk, options: RunOptions, first_id: int = 0, seq: int = 0) -> ChunkResult:
    """Parse a chunk on a worker (see :class:`ChunkResult`).

    ``options`` are the run's (they travel with every chunk: a long-lived dask worker parses
    each run's chunks with that run's settings). ``first_id`` is the id of the chunk's first
    file: the :class:`Dispatcher` numbers the files of a run apart, so finished chunks go into a
    cache segment as they are. Each file's parse is stopped after ``options.file_timeout``
    seconds; ``seq`` names the chunk in what a slot's worker tells
    its coordinator (:func:`nianbao.corpus.workers.mark_file`).

    >>> from nianbao.corpus.cache import cache_key
    >>> text = "测试县人民政府2023年政府信息公开工作年度报告\\n全年共主动公开政府信息120条。\\n"
    >>> data = (text + "二、主动公开政府信息情况\\n规章\\t3\\t0\\t5\\n").encode()
    >>> done = parse_chunk([(cache_key(data, ".txt"), "r.txt", data)], RunOptions(), first_id=3)
    >>> done.frames["reports"].select(ID_COLUMN, "path", "organ", "proactive_items").rows(), done.uncached
    ([(3, 'r.txt', '测试县人民政府', 120)], [])
    >>> done.frames["proactive"].filter(pl.col("item") == "rules").select("measure", "value").rows()
    [('issued', 3.0), ('repealed', 0.0), ('in_force', 5.0)]
    """
    keyed: list[tuple[str, FileResult]] = []
    uncached: list[FileResult] = []
    with FileClock(options.file_timeout) as clock:
        for index, (key, display, data) in enumerate(chunk):
            mark_file(seq, index)
            result, cacheable = _parse_one(key, data, display, options, clock)
            if cacheable:
                keyed.append((key, result))
            else:
                uncached.append(result)
    idle()
    return ChunkResult(batch_frames(keyed, first_id), uncached)


WORKER_GC_THRESHOLD = 10_000  # young-generation threshold in pool workers (Python's default: 700)


def start_worker(max_memory: int | None = None) -> None:
    """Prepare a pool worker process for parsing (only ours: a dask worker or the caller is left as is).

    The parser is imported now, and everything alive at that point (~50,000 objects: modules,
    templates, compiled patterns) is frozen out of the cyclic garbage collector, which otherwise
    walks them all again at every full collection. Parsing allocates many containers that reference
    counting frees at once; the larger young-generation threshold lets collections run when objects
    really accumulate (memo caches growing) instead of every 700 allocations. Measured on the txt
    benchmark corpus: garbage collection in a worker from ~0.15 to ~0.01 ms per file. Cyclic
    garbage is still collected, only later.
    """
    _MEMORY[0] = max_memory

    gc.collect()
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


def _spawn_context() -> Any:
    # polars (and pdfminer's caches) are not fork-safe once threads exist: always start clean workers.
    return multiprocessing.get_context("spawn")


@dataclass(slots=True)
class _Task:
    """A chunk of work: its files and its sequence number in the run."""

    chunk: Chunk
    seq: int


class Dispatcher:
    """Collects files into chunks, runs them with at most ``inflight`` chunks pending, yields results.

    Parameters
    ----------
    jobs
        Worker processes; 1 runs each chunk in this process when submitted (no pool, easy to debug).
    executor
        ``"process"`` (a local pool) or ``"dask"`` (``client`` must be a ``distributed.Client``).
    chunk_files
        Files per chunk; small enough to spread work evenly, large enough to amortise dispatch.
    options
        The run's settings, shipped with every chunk (:class:`nianbao.options.RunOptions`). Its
        ``file_timeout`` bounds each file's parse; its ``max_memory`` each local pool worker.

    A file past ``options.file_timeout`` is interrupted; on a local pool, a worker still busy with
    it :func:`~nianbao.corpus.watchdog.grace` seconds later is killed and replaced. In this
    process (``jobs`` 1) and on dask only the interruption applies, which cannot stop a parse
    stuck inside one call of native code. Local pool workers may use ``options.max_memory`` bytes.

    Rows of files stopped by a limit or lost with their worker are in :attr:`uncached`, not in
    the yielded frames: the caller must not cache them.
    """

    def __init__(
        self,
        *,
        jobs: int,
        executor: ExecutorName = "process",
        client: Any = None,
        chunk_files: int = 32,
        options: RunOptions | None = None,
    ) -> None:
        self.jobs = max(1, jobs)
        self.options = options or RunOptions()
        self.executor = executor
        self.client = client
        self.chunk_files = max(1, chunk_files)
        timeout = self.options.file_timeout
        self.file_timeout = timeout if 0 < timeout < float("inf") else None
        self.max_memory = self.options.max_memory or None
        self._slots: list[WorkerSlot] = []
        self._pending: dict[Any, tuple[_Task, WorkerSlot | None]] = {}
        self._chunk: Chunk = []
        self._chunk_bytes = 0
        self._next_id = 0  # id of the next chunk's first file (ids number a run's files apart)
        self._next_seq = 0
        self._stillborn = 0  # workers that died before parsing anything
        self.uncached: list[FileResult] = []  # rows of files stopped by a limit or lost with a worker
        # a few chunks per worker keep every worker busy while bounding the bytes held in memory
        self.inflight = 3 * (self.jobs if executor == "process" else self._dask_workers())

    @property
    def crashed(self) -> list[FileResult]:
        """Former name of :attr:`uncached`."""
        return self.uncached

    def _dask_workers(self) -> int:
        try:
            workers = self.client.scheduler_info()["workers"].values()
            return max(1, sum(w.get("nthreads", 1) for w in workers))
        except Exception:  # an unusual client: assume one worker rather than fail the run
            return 1

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(abort=exc_type is not None)

    def close(self, abort: bool = False) -> None:
        """Release the workers: after their work, or (``abort``, e.g. Ctrl-C) at once, killing them."""
        for fut in self._pending:
            fut.cancel()
        self._pending.clear()
        slots, self._slots = self._slots, []
        for slot in slots:
            slot.close(abort=abort)

    def add(self, key: str, display: str, data: bytes) -> Iterator[dict[str, pl.DataFrame]]:
        """Queue one file; yields any chunk results that had to be collected to make room."""
        self._chunk.append((key, display, data))
        self._chunk_bytes += len(data)
        if len(self._chunk) >= self.chunk_files or self._chunk_bytes >= CHUNK_MAX_BYTES:
            yield from self._submit()

    def finish(self) -> Iterator[dict[str, pl.DataFrame]]:
        """Submit the last partial chunk and yield every remaining result."""
        if self._chunk:
            yield from self._submit()
        while self._pending:
            yield from self._collect()

    def _submit(self) -> Iterator[dict[str, pl.DataFrame]]:
        chunk, self._chunk, self._chunk_bytes = self._chunk, [], 0
        while len(self._pending) >= self.inflight:
            yield from self._collect()
        self._start(chunk)
        if self.jobs == 1 and self.executor == "process":
            yield from self._collect()

    def _start(self, chunk: Chunk) -> None:
        first_id, self._next_id = self._next_id, self._next_id + len(chunk)
        task = _Task(chunk, self._next_seq)
        self._next_seq += 1
        args = (chunk, self.options, first_id, task.seq)
        if self.executor == "dask":
            self._pending[self.client.submit(parse_chunk, *args, pure=False)] = (task, None)
            return
        if self.jobs == 1:
            fut: cf.Future[ChunkResult] = cf.Future()
            fut.set_result(parse_chunk(*args))
            self._pending[fut] = (task, None)
            return
        slot = self._least_busy()
        try:
            self._pending[slot.submit(parse_chunk, *args)] = (task, slot)
        except cf.process.BrokenProcessPool:  # its worker died; not collected yet
            self._lost(slot, task)

    def _least_busy(self) -> WorkerSlot:
        while len(self._slots) < self.jobs:
            self._slots.append(WorkerSlot(_spawn_context(), self.max_memory, start_worker))
        load = dict.fromkeys(self._slots, 0)
        for _, slot in self._pending.values():
            if slot is not None:
                load[slot] += 1
        return min(self._slots, key=load.__getitem__)

    def _wait(self) -> Callable[..., Any]:
        if self.executor == "dask":
            from distributed import wait  # noqa: PLC0415 (the dask extra, only on dask)

            return wait
        return cf.wait

    def _collect(self) -> Iterator[dict[str, pl.DataFrame]]:
        """Yield the results of the chunks done next; meanwhile, stop workers stuck past the limit."""
        while True:
            timeout = self._next_deadline()
            done, _ = self._wait()(list(self._pending), timeout=timeout, return_when="FIRST_COMPLETED")
            if done:
                break
            self._kill_stuck()
        for fut in done:
            entry = self._pending.pop(fut, None)
            if entry is None:  # already handled with its broken slot
                continue
            task, slot = entry
            try:
                result = fut.result()
            except cf.process.BrokenProcessPool:
                assert slot is not None
                self._lost(slot, task)
                continue
            except Exception as e:  # the chunk could not be shipped, or dask lost it
                reason = internal_error(e, "a batch of files", "handing its batch to a worker")
                self.uncached += [failed_result(report_id_of(d), shown, reason) for _, shown, d in task.chunk]
                continue
            self.uncached += result.uncached
            yield result.frames

    def _next_deadline(self) -> float | None:
        """Seconds until a file being parsed could be past its limit and grace (None: no local limit)."""
        if self.file_timeout is None or not self._slots:
            return None
        allowed = self.file_timeout + grace(self.file_timeout)
        now = time.monotonic()
        starts = [r.started for r in (s.running() for s in self._slots) if r is not None]
        return max(0.05, min((t + allowed - now for t in starts), default=allowed))

    def _kill_stuck(self) -> None:
        if self.file_timeout is None:
            return
        allowed = self.file_timeout + grace(self.file_timeout)
        now = time.monotonic()
        for slot in self._slots:
            running = slot.running()
            if running is not None and now - running.started > allowed:
                slot.kill()

    def _lost(self, slot: WorkerSlot, failed: _Task) -> None:
        """A slot's worker died (or was killed): the file it was parsing fails; its other work runs again.

        The file to blame is the one the worker last started, in the chunk it was parsing. When
        that cannot be told (it died between files), that chunk's files run again one per chunk,
        so a second death tells which.
        """
        last = slot.last()
        lost = [fut for fut, (_, s) in self._pending.items() if s is slot and not _succeeded(fut)]
        tasks = [failed, *(self._pending.pop(fut)[0] for fut in lost)]
        self._slots.remove(slot)
        slot.close()
        if last.seq < 0:  # died before parsing anything: the worker cannot start, not a file's fault
            self._stillborn += 1
            if self._stillborn >= MAX_STILLBORN:
                why = "no worker process could start (is --max-memory too small?); the file was not parsed"
                for task in tasks:
                    self.uncached += [
                        failed_result(report_id_of(d), shown, why) for _, shown, d in task.chunk
                    ]
                return
        if self.file_timeout is not None and slot.killed:
            reason = timeout_message(self.file_timeout)
        else:
            reason = crash_message(self.max_memory)
        for task in tasks:
            if task.seq != last.seq:  # queued behind the one that died: untouched
                self._start(task.chunk)
            elif last.started and 0 <= last.index < len(task.chunk):
                _, shown, data = task.chunk[last.index]
                self.uncached.append(failed_result(report_id_of(data), shown, reason))
                rest = task.chunk[: last.index] + task.chunk[last.index + 1 :]
                if rest:
                    self._start(rest)
            elif len(task.chunk) == 1:
                _, shown, data = task.chunk[0]
                self.uncached.append(failed_result(report_id_of(data), shown, reason))
            else:
                for one in task.chunk:
                    self._start([one])


def _succeeded(fut: cf.Future[Any]) -> bool:
    """Done with a result (a chunk its worker finished before dying: collected as usual)."""
    return fut.done() and not fut.cancelled() and fut.exception() is None


def default_jobs() -> int:
    """All cores this process may use.

    >>> default_jobs() == len(os.sched_getaffinity(0))  # Linux: the cores this process is allowed on
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def dask_client(executor: ExecutorName, client: Any, scheduler: str | None) -> Iterator[Any]:
    """The dask client to use, closing it afterwards only if we made it.

    Not on dask, or with a client given, nothing is started and the given client (or None) is used:

    >>> with dask_client("process", None, None) as client:
    ...     client is None
    True
    >>> with dask_client("dask", "a client", "tcp://ignored:8786") as client:
    ...     client
    'a client'
    """
    if executor != "dask" or client is not None:
        yield client
        return
    try:
        from distributed import Client  # noqa: PLC0415 (the dask extra, only on dask)
    except ImportError as e:  # pragma: no cover - depends on the installed extras
        raise NianbaoError("the dask executor needs `pip install 'nianbao[distributed]'`") from e
    with Client(scheduler) if scheduler else Client(processes=True) as made:
        yield made
