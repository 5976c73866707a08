"""Run the per-file parser over chunks of files: in-process, on a process pool, or on dask.distributed.

The unit of work is a *chunk*: a list of ``(cache key, displayed path, bytes)``. Bytes travel with the
work rather than paths, so a dask worker on another machine needs no access to the corpus, and the
cache key is computed once, by the process that read the file. :func:`parse_chunk` runs on the
worker and returns the chunk's rows as the five contract frames with a ``_key`` column, so the
coordinating process only concatenates columnar data.

:class:`Dispatcher` bounds the chunks in flight (a few per worker), which bounds memory whatever
the corpus size, and yields finished chunks as they complete. A worker that dies (out of memory, a
crash in a native library) fails only its chunks: their files come back as ``failed`` rows that are
not cached, so a re-run tries them again.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any, Literal

import polars as pl

from nianbao.cache import KEY_COLUMN
from nianbao.fields import FRAME_NAMES
from nianbao.result import FileResult, to_frames

__all__ = [
    "Chunk",
    "Dispatcher",
    "ExecutorName",
    "default_jobs",
    "failed_result",
    "keyed_frames",
    "parse_chunk",
    "report_id_of",
]

ExecutorName = Literal["process", "dask"]
Chunk = list[tuple[str, str, bytes]]
CHUNK_MAX_BYTES = 8 * 1024 * 1024  # a chunk's payload: dask warns on large task arguments


def report_id_of(data: bytes) -> str:
    """The contract's ``report_id`` (``report.report_id_of``; imported late: ``import nianbao`` stays light)."""
    from nianbao import report

    return report.report_id_of(data)


def failed_result(report_id: str, path: str, error: str) -> FileResult:
    """A ``failed`` reports row for a file that never reached the parser (or crashed it)."""
    return FileResult(
        report={
            "report_id": report_id,
            "path": path,
            "format": "other",
            "status": "failed",
            "error": error,
            "parse_seconds": 0.0,
        }
    )


def _parse_one(data: bytes, display: str) -> FileResult:
    # parse_bytes never raises by contract; a bug must still not stop a national run.
    from nianbao import report  # looked up per call, so a test can wrap it

    try:
        return report.parse_bytes(data, display)
    except Exception as e:
        return failed_result(report_id_of(data), display, f"internal error: {type(e).__name__}: {e}")


def keyed_frames(keyed: list[tuple[str, FileResult]]) -> dict[str, pl.DataFrame]:
    """The five frames of ``(key, result)`` pairs, each row carrying its file's ``_key`` first."""
    frames = to_frames(r for _, r in keyed)
    out = {}
    for name in FRAME_NAMES:
        keys = [k for k, r in keyed for _ in range(len(r.rows(name)))]
        out[name] = frames[name].select(pl.Series(KEY_COLUMN, keys, pl.String), pl.all())
    return out


def parse_chunk(chunk: Chunk) -> dict[str, pl.DataFrame]:
    """Parse a chunk on a worker; returns its rows as keyed frames (see :func:`keyed_frames`)."""
    return keyed_frames([(key, _parse_one(data, display)) for key, display, data in chunk])


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
    """

    def __init__(
        self, *, jobs: int, executor: ExecutorName = "process", client: Any = None, chunk_files: int = 32
    ) -> None:
        self.jobs = max(1, jobs)
        self.executor = executor
        self.client = client
        self.chunk_files = max(1, chunk_files)
        self._pool: cf.ProcessPoolExecutor | None = None
        self._pending: dict[Any, Chunk] = {}
        self._chunk: Chunk = []
        self._chunk_bytes = 0
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
        if self.executor == "dask":
            return self.client.submit(parse_chunk, chunk, pure=False)
        if self.jobs == 1:
            fut: cf.Future[dict[str, pl.DataFrame]] = cf.Future()
            fut.set_result(parse_chunk(chunk))
            return fut
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(self.jobs, mp_context=_spawn_context())
        return self._pool.submit(parse_chunk, chunk)

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
