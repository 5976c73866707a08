"""Read a whole corpus into the five contract frames: fast, resumable, bounded in memory.

:func:`read_corpus` walks the inputs (:mod:`nianbao.corpus.sources`), hashes every file, takes what it can
from the result cache (:mod:`nianbao.corpus.cache`), parses the rest on a process pool or a dask cluster
(:mod:`nianbao.corpus.parallel`) and streams each batch of results to a cache segment as soon as it is
done, so a killed run resumes where it stopped and no result lives only in memory. The frames are
assembled from the segments at the end, in the order of the files' displayed paths
(:mod:`nianbao.corpus.assemble`); a run over inputs unchanged since the one that wrote ``out``
keeps those outputs instead (:mod:`nianbao.corpus.unchanged`).

The run's settings are one :class:`nianbao.options.RunOptions`, shipped to every worker with the
work. A corpus folder's ``places.csv`` (columns name, province, city, county, level) is added to its
place aliases (:mod:`nianbao.parse.places`), after any given in the options. Part of every cache key
is the digest of the options that matter to the file's format (``RunOptions.digest``): a changed
``places.csv`` parses the corpus again, a changed PDF setting only its PDFs. A folder written by ``nianbao synth`` keeps its truth files
(``expected/``, ``places.csv``, ``manifest.json``) out of the sources (:mod:`nianbao.corpus.sources`).

Byte-identical files are parsed once: later copies get status ``duplicate`` and ``duplicate_of`` =
the first copy's ``report_id`` (by path order), and no table rows. Checks across reports (the same
organ and year in two files, carry-over between years, fee units) come from
``nianbao.parse.checks.cross_report`` when the checks module provides it.

Outputs (:meth:`Corpus.write`) are five parquet files written to a staging directory inside the
output directory and then renamed over the previous ones: a crash before the renames leaves the
previous set untouched; every file carries the run's id in its metadata, so :func:`scan` refuses a
set mixed by a crash during the renames (microseconds) instead of returning inconsistent frames.
"""

from __future__ import annotations

import csv
import dataclasses
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from nianbao.corpus import corrections  # loads the parser's checks: only when there are corrections
from nianbao.corpus.assemble import assemble
from nianbao.corpus.cache import (
    KEY_COLUMN,
    Fingerprints,
    ResultCache,
    cache_key,
    default_cache_dir,
    parser_version,
    remove_stale,
)
from nianbao.corpus.outputs import RUN_METADATA_KEY, write_frames
from nianbao.corpus.parallel import (
    Dispatcher,
    ExecutorName,
    dask_client,
    default_jobs,
    failed_result,
    report_id_of,
)
from nianbao.corpus.progress import progress_bar
from nianbao.corpus.reading import SourceReader
from nianbao.corpus.sources import Source, SourceError, is_synthetic_corpus, walk_corpus
from nianbao.corpus.summary import summarize
from nianbao.corpus.unchanged import inputs_digest, inputs_metadata, kept_frames
from nianbao.errors import NianbaoError, UnreadableFile
from nianbao.fields import FRAME_NAMES, conform, empty_frame
from nianbao.frames import Frames
from nianbao.options import RunOptions
from nianbao.parse import (
    checks,  # the parser stack loads only when a corpus is read
    report,
)
from nianbao.parse.crosswalk import Crosswalk, read_crosswalk_file
from nianbao.parse.organs import resolve_frames  # the parser stack loads only when a corpus is read
from nianbao.parse.places import PLACE_COLUMNS, read_aliases, resolver
from nianbao.parse.result import FileResult
from nianbao.read import READERS, sniff

__all__ = ["Corpus", "CorpusScan", "RunStats", "read_corpus", "scan", "write_frames"]

# Files per chunk of work, at most (and at least 4 chunks per worker, for an even finish). Each chunk
# costs the coordinating process a fixed share (submit, wake, frames to concatenate): from 32 to 64
# files per chunk its CPU per HTML file went from ~0.28 to ~0.25 ms (benchmark corpus, 2 workers).
CHUNK_FILES = 64
# Cache a batch after FLUSH_FILES parsed files, or FLUSH_SECONDS after the last write (the interval
# doubles from the first to the second value), whichever comes first.
FLUSH_FILES = 2048
FLUSH_SECONDS = (1.0, 16.0)


@dataclass(slots=True)
class RunStats:
    """What a run did, for the summary and for tests (``cached`` files were not parsed again)."""

    files: int = 0
    parsed: int = 0
    cached: int = 0
    duplicates: int = 0
    unread: int = 0
    aliases: int = 0  # place aliases the run resolved with (given in the options and places.csv files)
    places_files: list[str] = field(default_factory=list)
    organs_files: list[str] = field(default_factory=list)  # organ crosswalks applied (organs.csv, --organs)
    corrections_files: list[str] = field(default_factory=list)  # corrections files applied, in order
    jobs: int = 1
    executor: str = "process"
    seconds: float = 0.0
    notes: list[str] = field(
        default_factory=list
    )  # what the run repaired on the way (a damaged cache segment)
    kept: bool = False  # nothing changed since the run that wrote the outputs: they were kept as they are


@dataclass(frozen=True, repr=False)
class Corpus(Frames):
    """The frames of a corpus (:class:`nianbao.frames.Frames`) and how the run went."""

    stats: RunStats = field(default_factory=RunStats)

    def write(self, out_dir: str | os.PathLike[str]) -> None:
        """Write ``<name>.parquet`` for the five frames into ``out_dir`` (and ``corrections`` when
        the run had corrections files), replacing a previous set whole."""
        write_frames({**self.frames, **_fixes(self)}, out_dir)

    @classmethod
    def read(cls, out_dir: str | os.PathLike[str]) -> Corpus:
        """Load the parquet outputs of ``nianbao parse`` (eagerly; see :func:`scan` for lazy access)."""
        return scan(out_dir).collect()

    def summary(self, out_dir: str | os.PathLike[str] | None = None, failures: int = 5) -> str:
        """A one-screen account: files by status, where results came from, checks by severity."""
        return summarize(self, out_dir, failures)


@dataclass(frozen=True)
class CorpusScan:
    """Lazy frames over a directory of parquet outputs, for corpora too large to load whole.

    >>> # scan("data/parsed").applications.filter(pl.col("outcome") == "new_received").collect()
    """

    reports: pl.LazyFrame
    proactive: pl.LazyFrame
    applications: pl.LazyFrame
    litigation: pl.LazyFrame
    checks: pl.LazyFrame

    def __getitem__(self, name: str) -> pl.LazyFrame:
        if name not in FRAME_NAMES:
            raise KeyError(name)
        frame: pl.LazyFrame = getattr(self, name)
        return frame

    corrections: pl.LazyFrame | None = None  # None: the run had no corrections files

    def collect(self) -> Corpus:
        reports, proactive, applications, litigation, checks = pl.collect_all([self[n] for n in FRAME_NAMES])
        fixes = self.corrections.collect() if self.corrections is not None else empty_frame("corrections")
        return Corpus(reports, proactive, applications, litigation, checks, corrections=fixes)


def scan(out_dir: str | os.PathLike[str]) -> CorpusScan:
    """Lazy polars frames over the outputs of ``nianbao parse`` in ``out_dir``.

    Raises
    ------
    NianbaoError
        A file is missing, or the five files come from different runs.

    >>> with tempfile.TemporaryDirectory() as d:  # the outputs of an empty corpus
    ...     _ = read_corpus([], out=d, cache=False, progress=False); scan(d).checks.collect_schema().names()[:3]
    ['report_id', 'check', 'severity']
    """
    d = Path(out_dir)
    paths = {n: d / f"{n}.parquet" for n in FRAME_NAMES}
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        raise NianbaoError(f"{d} lacks {', '.join(missing)}: run `nianbao parse CORPUS --out {d}` first")
    if (d / "corrections.parquet").is_file():
        paths["corrections"] = d / "corrections.parquet"
    runs = {pl.read_parquet_metadata(p).get(RUN_METADATA_KEY) for p in paths.values()}
    if len(runs) != 1:
        raise NianbaoError(f"the parquet files in {d} come from different runs; run `nianbao parse` again")
    return CorpusScan(**{n: pl.scan_parquet(p) for n, p in paths.items()})


def read_corpus(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    out: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    executor: ExecutorName = "process",
    client: Any = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    organs: str | os.PathLike[str] | None = None,
    options: RunOptions | Mapping[str, Any] | None = None,
    corrections: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] = (),
) -> Corpus:
    """Parse every file of a corpus into the five contract frames. Never raises for a bad file.

    Parameters
    ----------
    paths
        Files, directories (walked recursively) and ``.zip`` archives.
    out
        Also write the five parquet files there (atomically). Its ``.cache`` is the default cache.
    jobs
        Worker processes (default: all cores); 1 parses in this process.
    cache, cache_dir
        Reuse and store results keyed by content and parser version. ``cache_dir`` defaults to
        ``OUT/.cache`` with ``out``, else :func:`nianbao.corpus.cache.default_cache_dir`.
    executor, client, scheduler
        ``"dask"`` runs the same per-file work on a dask.distributed cluster: pass a ``client``, or a
        ``scheduler`` address (a local cluster is started when neither is given).
    progress
        Show a progress bar; default: when stderr is a terminal or in a notebook.
    organs
        An organ crosswalk file (``organs.csv`` format, :mod:`nianbao.parse.crosswalk`), applied
        before the corpus folders' own ``organs.csv`` and the package's table. Organs are resolved
        after parsing, so a changed crosswalk needs no re-parse (cached results are reused).
    options
        The run's settings: a :class:`nianbao.options.RunOptions` or a mapping of them, e.g.
        ``{"pdf": {"max_pages": 20}, "file_timeout": 60}``; unknown names raise
        :class:`nianbao.options.OptionsError` before anything is read. A file past
        ``file_timeout`` or ``max_memory`` gets a ``failed`` row, not cached; its neighbours are
        parsed as usual (:mod:`nianbao.corpus.watchdog`). Ctrl-C stops the workers at once and
        keeps the finished files cached.
    corrections
        Corrections files (CSV or a filled review sheet, :mod:`nianbao.corpus.corrections`), applied
        after parsing, after any ``corrections.csv`` at the top of a corpus folder; the cache is untouched.

    Examples
    --------
    >>> c = read_corpus([], cache=False, progress=False)
    >>> c.reports.height, c.reports.columns[:2]
    (0, ['report_id', 'path'])
    """
    _refuse_in_bootstrap()
    start = time.perf_counter()
    given = RunOptions.resolve(options)
    inputs = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    out_dir = Path(out) if out is not None else None
    root = Path(cache_dir) if cache_dir else (out_dir / ".cache" if out_dir else default_cache_dir())
    walked = walk_corpus(inputs, skip=[p for p in (out_dir, root) if p is not None])
    sources = walked.sources
    stats = RunStats(files=len(sources), executor=executor, jobs=jobs or default_jobs())
    run_options = _run_options(given, walked.places, stats)
    crosswalk = _run_crosswalk([*([Path(organs)] if organs is not None else []), *walked.organs], stats)
    fix_files = [*walked.corrections, *_paths(corrections)]
    wanted = _read_corrections(fix_files)  # a bad file stops the run before parsing
    stats.corrections_files = [os.fspath(p) for p in fix_files]
    digest = None
    if cache and out_dir is not None:
        files = [*([Path(organs)] if organs is not None else []), *walked.organs, *fix_files]
        digest = inputs_digest(sources, run_options, files, parser_version())
        if (kept := _kept(out_dir, root, digest, stats)) is not None:
            stats.seconds = time.perf_counter() - start
            return kept
    with (
        _result_cache(root if cache else None, out_dir) as rc,
        dask_client(executor, client, scheduler) as cl,
    ):
        chunk_files = max(1, min(CHUNK_FILES, len(sources) // (4 * stats.jobs) or 1))
        with Dispatcher(
            jobs=stats.jobs, executor=executor, client=cl, chunk_files=chunk_files, options=run_options
        ) as pool:
            plan = _run(sources, rc, pool, stats, progress_bar(len(sources), progress), run_options)
        if cache:  # before assembling: one segment to read back, and the two memory peaks do not add up
            rc.compact()
            rc.prune_versions()
        frames = assemble(plan.keyed, plan.direct, plan.duplicates, rc)
        stats.notes += rc.notes
    frames, fixes = _corrected(frames, wanted)
    frames = _resolve_organs(frames, crosswalk)  # after corrections: a corrected year counts
    frames["checks"] = pl.concat([frames["checks"], _cross_report(frames)])
    corpus = Corpus(**frames, stats=stats, corrections=fixes)
    if out_dir is not None:
        # a digest only when every row came from the cache: rows made here are retried each run
        meta = inputs_metadata(digest, stats.duplicates) if digest and not plan.direct else {}
        write_frames({**corpus.frames, **_fixes(corpus)}, out_dir, metadata=meta)
    stats.seconds = time.perf_counter() - start
    return corpus


def _fixes(corpus: Corpus) -> dict[str, pl.DataFrame]:
    """The corrections frame to write beside the five: when the run had corrections files."""
    return {"corrections": corpus.corrections} if corpus.stats.corrections_files else {}


def _kept(out_dir: Path, root: Path, digest: str, stats: RunStats) -> Corpus | None:
    """The outputs already in ``out_dir`` when a run over the same inputs wrote them (:mod:`nianbao.corpus.unchanged`).

    Only while the cache holds this parser version's results, undamaged (checked under its lock):
    a deleted or damaged cache makes the run assemble, and parse what is missing, again.
    """
    if not (root / parser_version()).is_dir():
        return None
    with ResultCache(root) as rc:
        rc.segments()  # each segment checked against its manifest; a damaged one is dropped
        if rc.notes:  # its files are parsed again by the rest of the run
            stats.notes += rc.notes
            return None
        found = kept_frames(out_dir, digest, corrections=bool(stats.corrections_files))
        if found is None:
            return None
        frames, fixes, stats.duplicates = found
    stats.cached, stats.kept = stats.files - stats.duplicates, True
    return Corpus(
        **frames, stats=stats, corrections=fixes if fixes is not None else empty_frame("corrections")
    )


def _paths(given: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    return [Path(given)] if isinstance(given, str | os.PathLike) else [Path(p) for p in given]


def _read_corrections(files: list[Path]) -> list[Any]:
    """The corrections of these files, in order (:func:`nianbao.corpus.corrections.read_corrections`)."""
    if not files:
        return []

    return [fix for path in files for fix in corrections.read_corrections(path)]


def _corrected(
    frames: dict[str, pl.DataFrame], fixes: list[Any]
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """The frames with the corrections applied (:func:`nianbao.corpus.corrections.apply_corrections`)."""
    if not fixes:
        return frames, empty_frame("corrections")

    return corrections.apply_corrections(frames, fixes)


def _run_options(given: RunOptions, files: list[Path], stats: RunStats) -> RunOptions:
    """The run's options: those given, with the corpus's places files added to their place aliases.

    A real corpus may hold an unrelated ``places.csv``: without the places header (or not UTF-8) it
    is no places file and stays a source like any file. One with the header but a bad row stops
    the run with a message, since resolving with part of it would give wrong places; so does a
    synthetic corpus's unreadable one (it is not a source, so nothing would show the problem).
    """

    texts = list(given.places)
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
            header = next(csv.reader([text.partition("\n")[0]]), [])
        except (OSError, UnicodeDecodeError):
            text, header = "", []
        if not set(PLACE_COLUMNS) <= {h.strip() for h in header}:
            if is_synthetic_corpus(path.parent):
                raise NianbaoError(
                    f"{path} is not a UTF-8 places file with the columns {','.join(PLACE_COLUMNS)}"
                )
            continue
        try:
            read_aliases(text)
        except ValueError as e:
            raise NianbaoError(f"{path}: {e}; fix the file or remove it") from e
        texts.append(text)
        stats.places_files.append(os.fspath(path))
    try:
        stats.aliases = len(resolver(tuple(texts)).extra)
    except ValueError as e:  # a bad places text given in the options
        raise NianbaoError(f"place aliases given in the options: {e}") from e
    return dataclasses.replace(given, places=tuple(texts))


def _run_crosswalk(files: list[Path], stats: RunStats) -> Any:
    """The run's organ crosswalk: the files' rows in order (a bad file stops the run with a message)."""

    crosswalk = Crosswalk()
    for path in files:
        try:
            crosswalk = crosswalk + read_crosswalk_file(path)
        except (OSError, UnicodeDecodeError) as e:
            raise NianbaoError(
                f"cannot read the organs file {path}: {getattr(e, 'strerror', None) or e}"
            ) from e
        except ValueError as e:
            raise NianbaoError(f"{path}: {e}; fix the file or remove it") from e
        stats.organs_files.append(os.fspath(path))
    return crosswalk


def _resolve_organs(frames: dict[str, pl.DataFrame], crosswalk: Any) -> dict[str, pl.DataFrame]:
    """``organ_id`` and ``organ_name`` for every report, and the organ checks (:mod:`nianbao.parse.organs`)."""

    return resolve_frames(frames, crosswalk)


def _refuse_in_bootstrap() -> None:
    """Stop a script without a ``__main__`` guard from re-running the parse in every worker.

    Pool workers start by importing the main script; one that calls ``read_corpus`` at top level
    would wait forever for the cache its parent holds.
    """

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise NianbaoError(
            "read_corpus ran while a worker process was starting: put the calling code of your script "
            "under `if __name__ == '__main__':`"
        )


@contextmanager
def _result_cache(root: Path | None, out_dir: Path | None) -> Iterator[ResultCache]:
    """The persistent cache, or (``root`` None) a throw-away one inside the output directory."""
    if root is not None:
        with ResultCache(root) as rc:
            yield rc
        return
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale(out_dir, ".parts-")  # left by killed --no-cache runs (a live run's stays locked)
    tmp = Path(tempfile.mkdtemp(prefix=".parts-", dir=out_dir))
    try:
        with ResultCache(tmp) as rc:
            yield rc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class _Plan:
    """Where each file's rows come from: the cache by key, a row made here, or a duplicate of another."""

    keyed: list[tuple[int, str, str]] = field(default_factory=list)  # order, path, key
    direct: list[tuple[int, FileResult]] = field(default_factory=list)
    duplicates: list[tuple[int, str, int]] = field(default_factory=list)  # order, path, first order


def _run(
    sources: list[Source], rc: ResultCache, pool: Dispatcher, stats: RunStats, bar: Any, options: RunOptions
) -> _Plan:
    """Identify every source in order; parse what the cache lacks; stream results to the cache.

    A file whose ``stat`` fingerprint is unchanged since a previous run is identified without being
    read; everything else is read and hashed here, once. A file's cache key is its content digest,
    then the digest of the options its format's reader takes (``-o<digest>``, none with the
    defaults: :meth:`nianbao.options.RunOptions.digest`), then its extension. The format is told
    from the bytes (``sniff``) and remembered with the fingerprint, as ``<digest>/<format>``.
    """
    tags = {fmt: (f"-o{d}" if (d := options.digest(fmt)) else "") for fmt in (*READERS, "other")}
    cached = set(rc.index().get_column(KEY_COLUMN).to_list())
    prints = Fingerprints(rc.root)
    first: dict[str, int] = {}
    plan = _Plan()
    writer = _SegmentWriter(rc)
    with SourceReader(max_file_bytes=options.max_file_bytes) as reader, bar, _saving(writer, prints):
        for order, src in enumerate(sources):
            locator = src.locator
            digest, fmt = _identity(prints.digest(locator, src.fingerprint))
            suffix = tags[fmt] + src.suffix
            data: bytes | None = None
            if digest is None or (digest + suffix not in cached and digest not in first):
                got = _unread(src, reader, options)
                if isinstance(got, FileResult):
                    plan.direct.append((order, got))
                    stats.unread += 1
                    bar.update()
                    continue
                data, digest, fmt = got, cache_key(got, ""), _format_of(got)
                suffix = tags[fmt] + src.suffix
                prints.remember(locator, src.fingerprint, f"{digest}/{fmt}")
            key = digest + suffix
            if digest in first:
                plan.duplicates.append((order, src.display, first[digest]))
                stats.duplicates += 1
                bar.update()
                continue
            first[digest] = order
            plan.keyed.append((order, src.display, key))
            if key in cached:
                stats.cached += 1
                bar.update()
                continue
            assert data is not None  # not cached, so it was read above
            for frames in pool.add(key, src.display, data):
                writer.add(frames, bar)
        for frames in pool.finish():
            writer.add(frames, bar)
        stats.parsed = writer.files
        crashed = {r.report["path"]: r for r in pool.uncached}
        bar.update(len(crashed))
    if crashed:  # stopped by a limit or lost with a worker: rows made here, not cached, retried next run
        plan.direct += [(o, crashed[p]) for o, p, _ in plan.keyed if p in crashed]
        plan.keyed = [k for k in plan.keyed if k[1] not in crashed]
    return plan


@contextmanager
def _saving(writer: _SegmentWriter, prints: Fingerprints) -> Iterator[None]:
    """Cache what is finished when the block ends, however it ends (Ctrl-C included: the next run resumes)."""
    try:
        yield
    finally:
        writer.flush()
        prints.save()


def _identity(remembered: str | None) -> tuple[str | None, str]:
    """(content digest, format) of what a fingerprint remembers; (None, "other") when it is unknown
    (or remembered by a version that did not note the format)."""
    if remembered is None or "/" not in remembered:
        return None, "other"
    digest, _, fmt = remembered.partition("/")
    return digest, fmt if fmt in READERS else "other"


def _format_of(data: bytes) -> str:
    """The format the parser will read ``data`` as ("other" when it refuses it unread)."""
    try:
        return sniff(data)
    except UnreadableFile:
        return "other"


def _unread(src: Source, reader: SourceReader, options: RunOptions) -> bytes | FileResult:
    """The source's bytes, or the row of a file that cannot be read (oversized ones: the parser's refusal)."""
    if src.path is not None and reader.too_large(src):
        return report.parse_file(src.path, display_path=src.display, options=options)
    try:
        return reader.read(src)
    except SourceError as e:
        return failed_result(report_id_of(src.display.encode()), src.display, str(e))


class _SegmentWriter:
    """Buffers finished chunks and writes them to the cache in batches (by count or by time).

    The time between writes starts at ``FLUSH_SECONDS[0]`` and doubles up to ``FLUSH_SECONDS[1]``:
    a short run (or a slow format) is cached within a second, a killed long run loses at most the
    last 16 seconds of work, and a cold run of thousands of files leaves a few large segments
    rather than one a second, which is cheaper to write, and leaves no compaction to do after it.
    """

    def __init__(self, rc: ResultCache) -> None:
        self.rc = rc
        self.buffer: list[dict[str, pl.DataFrame]] = []
        self.buffered = 0
        self.files = 0
        self.last = time.monotonic()
        self.interval = FLUSH_SECONDS[0]

    def add(self, frames: dict[str, pl.DataFrame], bar: Any) -> None:
        n = frames["reports"].height
        self.buffer.append(frames)
        self.buffered += n
        self.files += n
        bar.update(n)
        if self.buffered >= FLUSH_FILES:
            self.flush()
        elif time.monotonic() - self.last >= self.interval:
            self.flush()
            self.interval = min(2 * self.interval, FLUSH_SECONDS[1])

    def flush(self) -> None:
        if self.buffer:
            self.rc.write_segment(self.buffer)
        self.buffer, self.buffered, self.last = [], 0, time.monotonic()


def _cross_report(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Checks across reports (:func:`nianbao.parse.checks.cross_report`), cast to the checks schema."""

    found = checks.cross_report(frames)
    return conform(found, "checks")
