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
the corpus size, and yields finished chunks as they complete. A worker that dies (out of memory, a
crash in a native library) fails only its chunks: their files come back as ``failed`` rows that are
not cached, so a re-run tries them again.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

import polars as pl

from nianbao.corpus.cache import ID_COLUMN, KEY_COLUMN, digest_of_key
from nianbao.options import RunOptions
from nianbao.parse.result import FileResult, to_frames

__all__ = [
    "Chunk",
    "Dispatcher",
    "ExecutorName",
    "batch_frames",
    "default_jobs",
    "failed_result",
    "parse_chunk",
    "report_id_of",
]

ExecutorName = Literal["process", "dask"]
Chunk = list[tuple[str, str, bytes]]
CHUNK_MAX_BYTES = 8 * 1024 * 1024  # a chunk's payload: dask warns on large task arguments


def report_id_of(data: bytes) -> str:
    """The contract's ``report_id`` (``report.report_id_of``; imported late: ``import nianbao`` stays light)."""
    from nianbao.parse import report

    return report.report_id_of(data)


def failed_result(report_id: str, path: str, error: str) -> FileResult:
    """A ``failed`` reports row for a file that never reached the parser (or crashed it)."""
    return FileResult.failed(report_id, path, error)


def _parse_one(key: str, data: bytes, display: str, options: RunOptions) -> FileResult:
    # parse_bytes never raises by contract; a bug must still not stop a national run.
    from nianbao.parse import report  # looked up per call, so a test can wrap it

    try:
        return report.parse_bytes(data, display, sha256=digest_of_key(key), options=options)
    except Exception as e:
        return failed_result(report_id_of(data), display, f"internal error: {type(e).__name__}: {e}")


def batch_frames(keyed: Sequence[tuple[str, FileResult]], first_id: int = 0) -> dict[str, pl.DataFrame]:
    """The five frames of ``(key, result)`` pairs as a cache segment holds them (see ``ResultCache.write_segment``).

    Every row starts with ``_kid``, its file's id: ``first_id`` + the file's position among the
    pairs; ``reports`` starts with the file's ``_key``. A row carries a small integer rather than
    its 68-character key: the key on every row was half of what a worker shipped back.
    """
    frames = to_frames([r for _, r in keyed], file_ids=ID_COLUMN, first_id=first_id)
    keys = pl.Series(KEY_COLUMN, [k for k, _ in keyed], pl.String)
    frames["reports"] = frames["reports"].insert_column(0, keys)
    return frames


def parse_chunk(chunk: Chunk, options: RunOptions, first_id: int = 0) -> dict[str, pl.DataFrame]:
    """Parse a chunk on a worker; returns its rows as batch frames (see :func:`batch_frames`).

    ``options`` are the run's (they travel with every chunk: a long-lived dask worker parses
    each run's chunks with that run's settings). ``first_id`` is the id of the chunk's first
    file: the :class:`Dispatcher` numbers the files of a run apart, so finished chunks go into a
    cache segment as they are.
    """
    rows = [(key, _parse_one(key, data, display, options)) for key, display, data in chunk]
    return batch_frames(rows, first_id)


WORKER_GC_THRESHOLD = 10_000  # young-generation threshold in pool workers (Python's default: 700)


def start_worker() -> None:
    """Prepare a pool worker process for parsing (only ours: a dask worker or the caller is left as is).

    The parser is imported now, and everything alive at that point (~50,000 objects: modules,
    templates, compiled patterns) is frozen out of the cyclic garbage collector, which otherwise
    walks them all again at every full collection. Parsing allocates many containers that reference
    counting frees at once; the larger young-generation threshold lets collections run when objects
    really accumulate (memo caches growing) instead of every 700 allocations. Measured on the txt
    benchmark corpus: garbage collection in a worker from ~0.15 to ~0.01 ms per file. Cyclic
    garbage is still collected, only later.
    """
    from nianbao.parse import report  # noqa: F401  (imported for its side effect: the parser's modules)

    gc.collect()
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


def _spawn_context() -> Any:
    # polars (and pdfminer's caches) are not fork-safe once threads exist: always start clean workers.
    return multiprocessing.get_context("spawn")


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
        The run's settings, shipped with every chunk (:class:`nianbao.options.RunOptions`).
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
        self._pool: cf.ProcessPoolExecutor | None = None
        self._pending: dict[Any, Chunk] = {}
        self._chunk: Chunk = []
        self._chunk_bytes = 0
        self._next_id = 0  # id of the next chunk's first file (ids number a run's files apart)
        self.crashed: list[FileResult] = []  # rows of files whose worker died; not to be cached
        # a few chunks per worker keep every worker busy while bounding the bytes held in memory
        self.inflight = 3 * (self.jobs if executor == "process" else self._dask_workers())

    def _dask_workers(self) -> int:
        try:
            workers = self.client.scheduler_info()["workers"].values()
            return max(1, sum(w.get("nthreads", 1) for w in workers))
        except Exception:  # an unusual client: assume one worker rather than fail the run
            return 1

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for fut in self._pending:
            fut.cancel()
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

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
        self._pending[self._start(chunk)] = chunk
        if self.jobs == 1 and self.executor == "process":
            yield from self._collect()

    def _start(self, chunk: Chunk) -> Any:
        first_id, self._next_id = self._next_id, self._next_id + len(chunk)
        if self.executor == "dask":
            return self.client.submit(parse_chunk, chunk, self.options, first_id, pure=False)
        if self.jobs == 1:
            fut: cf.Future[dict[str, pl.DataFrame]] = cf.Future()
            fut.set_result(parse_chunk(chunk, self.options, first_id))
            return fut
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(
                self.jobs, mp_context=_spawn_context(), initializer=start_worker
            )
        return self._pool.submit(parse_chunk, chunk, self.options, first_id)

    def _wait(self) -> Callable[..., Any]:
        if self.executor == "dask":
            from distributed import wait

            return wait
        return cf.wait

    def _collect(self) -> Iterator[dict[str, pl.DataFrame]]:
        done, _ = self._wait()(list(self._pending), return_when="FIRST_COMPLETED")
        for fut in done:
            chunk = self._pending.pop(fut, None)
            if chunk is None:  # already failed with its broken pool
                continue
            try:
                yield fut.result()
            except Exception as e:  # the worker died or the chunk could not be shipped
                self._crashed(chunk, e)

    def _crashed(self, chunk: Chunk, error: BaseException) -> None:
        reason = f"worker failed while parsing this file's batch: {type(error).__name__}: {error}"
        self.crashed += [failed_result(report_id_of(d), shown, reason) for _, shown, d in chunk]
        if isinstance(error, cf.process.BrokenProcessPool) and self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            for fut, other in list(self._pending.items()):  # they died with the pool
                self._pending.pop(fut)
                self.crashed += [failed_result(report_id_of(d), s, reason) for _, s, d in other]


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
