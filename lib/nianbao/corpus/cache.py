"""A cache of parse results keyed by file content and parser version, so re-runs parse only new files.

Layout: ``ROOT/<parser version>/seg-*/{reports,proactive,applications,litigation,checks}.parquet``.
A *segment* is the rows of a batch of parsed files in the five contract frames, stored as parquet
(a data format: reading a shared cache never executes code, unlike pickle; its dictionary encoding
makes the repeated ids small and fast to read back: 1.75M table cells in ~50 ms); every row carries its
file's id ``_kid`` (an integer, unique within the segment) and ``reports`` maps ids to keys with a column
``_key`` (SHA-256 of the bytes + the file's extension, see :func:`cache_key`; a run with
place aliases, e.g. a corpus's ``places.csv``, puts ``-places-<digest of the aliases>`` before the
extension, so its results never mix with another alias set's: both stay until the version is pruned).
A segment is written to a ``tmp-*`` directory and renamed into place, so a killed run leaves only
whole segments behind and the next run resumes from them. Many small segments (a killed or growing
corpus) are merged into one at the end of a run (:meth:`ResultCache.compact`), so a warm run reads
five files, not thousands.

The parser version (:func:`parser_version`) is ``nianbao.__version__`` plus a hash of every source and
data file of the package, so any code change starts a fresh cache; old versions are pruned.
One run uses a version directory at a time (an advisory ``flock``; a second run waits).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path

import polars as pl

from nianbao.cachedir import cache_dir
from nianbao.errors import NianbaoError
from nianbao.fields import FRAME_NAMES, FRAME_SCHEMAS
from nianbao.version import __version__

__all__ = [
    "ID_COLUMN",
    "KEY_COLUMN",
    "CacheWriteError",
    "Fingerprints",
    "ResultCache",
    "cache_key",
    "default_cache_dir",
    "fsync_path",
    "parser_version",
    "remove_stale",
    "write_failure",
]

_log = logging.getLogger("nianbao")
MANIFEST = "manifest.json"  # a segment's files with their sizes and SHA-256, written last
STALE_SECONDS = 60.0  # a temporary folder younger than this may be a live run's that is not locked yet

KEY_COLUMN = "_key"
ID_COLUMN = "_kid"


class CacheWriteError(NianbaoError):
    """The result cache could not be written (disk full, read-only); the message says what to do."""


def cache_key(data: bytes, suffix: str) -> str:
    """SHA-256 of the bytes plus the lower-case extension (a parser may use it as a format hint).

    >>> cache_key(b"abc", ".TXT")
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.txt'
    """
    return hashlib.sha256(data).hexdigest() + suffix.lower()


_DIGEST_CHARS = 64  # a hex SHA-256


def digest_of_key(key: str) -> str:
    """The hex SHA-256 of the file's bytes that a cache key begins with (:func:`cache_key`)."""
    return key[:_DIGEST_CHARS]


def parser_version() -> str:
    """``<__version__>-<hash of the package's files>``, computed once per process.

    ``$NIANBAO_PARSER_VERSION`` pins it instead: for benchmarks that time a warm command while the
    source tree is being edited, or to keep a cache across a change known not to alter results.

    >>> len(parser_version().removeprefix(__version__ + "-"))  # 12 hex digits of the files' hash
    12
    """
    return os.environ.get("NIANBAO_PARSER_VERSION") or _code_version()


# what does not change a parse result: a notebook or a page template edited keeps the cache
_NOT_PARSER = frozenset({"notebooks", "render", "analysis"})


@cache
def _code_version() -> str:
    pkg = Path(__file__).resolve().parents[1]  # the nianbao package
    h = hashlib.sha256()
    for p in sorted(pkg.rglob("*")):
        if p.relative_to(pkg).parts[0] in _NOT_PARSER:
            continue
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}:
            h.update(p.relative_to(pkg).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return f"{__version__}-{h.hexdigest()[:12]}"


def default_cache_dir() -> Path:
    """The result cache's folder when no output directory names one: ``cache_dir("results")``.

    That is ``results`` under ``$NIANBAO_CACHE_DIR``, else ``$XDG_CACHE_HOME/nianbao``, else
    ``~/.cache/nianbao`` (:mod:`nianbao.cachedir`: one scheme for every cache of the package).

    >>> default_cache_dir().name
    'results'
    """
    return cache_dir("results")


class ResultCache:
    """Segments of parsed rows under ``root/<version>``; see the module docstring for the layout.

    Use as a context manager: entering takes the version directory's lock and removes half-written
    segments a killed run left; leaving releases it.
    """

    def __init__(self, root: str | os.PathLike[str], version: str | None = None) -> None:
        self.root = Path(root)
        self.version = version or parser_version()
        self.dir = self.root / self.version
        self._lock_fd: int | None = None
        self._counter = 0
        self._verified: set[str] = set()
        self.notes: list[str] = []  # damaged segments dropped, for the run's summary

    def __enter__(self) -> ResultCache:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        for tmp in [*self.dir.glob("tmp-*"), *self.root.glob(".trash-*")]:
            shutil.rmtree(tmp, ignore_errors=True)
        for seg in self.dir.glob("seg-*"):
            if not (seg / MANIFEST).is_file():  # renamed in only once whole: no manifest, not ours
                _remove(seg, self.dir / f"tmp-del-{seg.name}")
        Fingerprints.remove_stale_temporaries(self.root)
        os.utime(self.dir)  # most recently used, for pruning
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def segments(self) -> list[Path]:
        """Complete, undamaged segments, oldest first (names sort by creation time).

        Each segment is checked against its manifest (sizes and SHA-256 of its five files) the first
        time this cache object sees it; a damaged or truncated one is deleted with a note in
        :attr:`notes` (and the log), so its files are simply parsed again.
        """
        found = sorted(p for p in self.dir.glob("seg-*") if (p / MANIFEST).is_file())
        return [seg for seg in found if self._check(seg)]

    def _check(self, seg: Path) -> bool:
        if seg.name in self._verified:
            return True
        problem = _segment_problem(seg)
        if problem is not None:
            self._drop(seg, problem)
            return False
        self._verified.add(seg.name)
        return True

    def _drop(self, seg: Path, problem: str) -> None:
        note = f"cache: dropped a damaged segment ({seg.name}: {problem}); its files were parsed again"
        _log.warning(note)
        self.notes.append(note)
        self._verified.discard(seg.name)
        _remove(seg, self.dir / f"tmp-del-{seg.name}")

    def index(self) -> pl.DataFrame:
        """One row per cached key: ``_key``, ``segment`` (directory holding its rows), ``_kid`` (its id there).

        A key present in several segments (a compaction interrupted before deleting) counts once,
        from the oldest segment.
        """
        return self._stored_keys().unique(KEY_COLUMN, keep="first", maintain_order=True)

    def _stored_keys(self) -> pl.DataFrame:
        """Every segment's ``_key`` and ``_kid`` with its ``segment``, oldest segment first, repeats kept."""
        parts = []
        for seg in self.segments():
            try:
                keys = pl.read_parquet(seg / "reports.parquet", columns=[KEY_COLUMN, ID_COLUMN])
            except (OSError, pl.exceptions.PolarsError) as e:  # whole by its checksum, yet unreadable
                self._drop(seg, f"unreadable: {type(e).__name__}")
                continue
            parts.append(keys.with_columns(segment=pl.lit(seg.name)))
        if not parts:
            return pl.DataFrame(schema={KEY_COLUMN: pl.String, ID_COLUMN: pl.Int32, "segment": pl.String})
        return pl.concat(parts)

    def write_segment(self, batches: Sequence[Mapping[str, pl.DataFrame]]) -> str:
        """Store batches of parsed files as one segment, atomically; returns its name.

        A batch is five frames as ``parallel.batch_frames`` makes them: each row starts with
        ``_kid``, the id of its file, and ``reports`` has one row per file, with its ``_key``. Ids
        must differ across the batches (the run numbers its files apart). On disk only ``reports``
        keeps ``_key``: reading rows back joins on integers, not on 68-character keys.

        Raises
        ------
        ValueError
            No batch, or two files with the same id.
        """
        if not batches:
            raise ValueError("a segment needs at least one batch")
        reports = pl.concat([b["reports"] for b in batches])
        if not reports.get_column(ID_COLUMN).is_unique().all():
            raise ValueError("two files of a segment have the same id")

        def frame_rows(frame: str) -> pl.DataFrame:
            df = reports if frame == "reports" else pl.concat([b[frame] for b in batches])
            return df.select(ID_COLUMN, *FRAME_SCHEMAS[frame].names())

        return self._write(frame_rows, reports.get_column(KEY_COLUMN))

    def _write(self, frame_rows: Callable[[str], pl.DataFrame], keys: pl.Series) -> str:
        """Write a segment one frame at a time (``frame_rows`` gives ``_kid`` + contract columns).

        Each file is fsynced, then the manifest of their digests, then the folder, before the
        rename and the parent's fsync: after a crash a segment is either whole or absent.

        Raises
        ------
        NianbaoError
            The cache folder cannot be written (disk full, read-only): in plain words, with what to do.
        """
        self._counter += 1
        name = f"seg-{time.time_ns():020d}-{os.getpid()}-{self._counter:06d}"
        tmp = self.dir / ("tmp-" + name[4:])
        try:
            tmp.mkdir()
            manifest = {}
            for frame in FRAME_NAMES:
                df = frame_rows(frame)
                if frame == "reports":
                    df = df.select(keys.alias(KEY_COLUMN), pl.all())
                target = tmp / f"{frame}.parquet"
                df.write_parquet(target, compression="zstd", statistics=False)
                del df  # one frame in memory at a time
                fsync_path(target)
                manifest[target.name] = _file_entry(target)
            (tmp / MANIFEST).write_text(json.dumps({"files": manifest}, sort_keys=True), encoding="utf-8")
            fsync_path(tmp / MANIFEST)
            fsync_path(tmp)
            os.rename(tmp, self.dir / name)
            fsync_path(self.dir)
        except (OSError, pl.exceptions.PolarsError) as e:
            shutil.rmtree(tmp, ignore_errors=True)
            raise CacheWriteError(
                f"cannot write the result cache in {self.dir}: {write_failure(e, tmp)}; free some space there "
                "or choose a cache on another disk (--cache-dir), or run with --no-cache"
            ) from e
        self._verified.add(name)
        return name

    def scan(self, frame: str, segments: Iterable[str]) -> pl.LazyFrame:
        """Rows of ``frame`` from the named segments, with a ``segment`` column saying where each came from."""
        parts = [
            pl.scan_parquet(self.dir / n / f"{frame}.parquet").with_columns(segment=pl.lit(n))
            for n in segments
        ]
        if not parts:
            key = {KEY_COLUMN: pl.String()} if frame == "reports" else {}
            schema = {**key, ID_COLUMN: pl.Int32(), **FRAME_SCHEMAS[frame], "segment": pl.String()}
            return pl.LazyFrame(schema=schema)
        return pl.concat(parts, how="vertical")

    def select(self, frame: str, located: pl.DataFrame) -> pl.LazyFrame:
        """Rows of ``frame`` for the rows of ``located`` (from :meth:`index`, any extra columns kept).

        The result follows the order of ``located`` and, within a file, the order rows were parsed in.
        """
        segs = located.get_column("segment").unique().sort().to_list()
        rows = self.scan(frame, segs)
        if frame == "reports":
            rows = rows.drop(KEY_COLUMN)
        return located.lazy().join(rows, on=["segment", ID_COLUMN], how="inner", maintain_order="left_right")

    def compact(self, max_segments: int = 8) -> bool:
        """Merge all segments into one when there are more than ``max_segments``; True if merged.

        Streams one frame at a time, so memory peaks at the largest frame, not all five. When no
        key is stored twice (the usual case) the segments' rows are concatenated, each segment's
        ids shifted into a range of its own; otherwise rows are selected through the index, which
        keeps each key's oldest copy (the join costs twice the concatenation: ~0.04 ms per file).
        """
        segs = self.segments()
        if len(segs) <= max_segments:
            return False
        stored = self._stored_keys()
        shifts = _disjoint_shifts(stored)
        if shifts is not None:

            def frame_rows(frame: str) -> pl.DataFrame:
                parts = [
                    pl.scan_parquet(self.dir / seg / f"{frame}.parquet").with_columns(
                        pl.col(ID_COLUMN) + shift
                    )
                    for seg, shift in shifts.items()
                ]
                return pl.concat(parts).select(ID_COLUMN, *FRAME_SCHEMAS[frame].names()).collect()

            keys = stored.get_column(KEY_COLUMN)
        else:
            located = self.index().with_columns(pl.int_range(pl.len(), dtype=pl.Int32).alias("_new"))

            def frame_rows(frame: str) -> pl.DataFrame:
                rows = self.select(frame, located).with_columns(pl.col("_new").alias(ID_COLUMN))
                return rows.select(ID_COLUMN, *FRAME_SCHEMAS[frame].names()).collect()

            keys = located.get_column(KEY_COLUMN)
        self._write(frame_rows, keys)
        for seg in segs:
            _remove(seg, self.dir / f"tmp-del-{seg.name}")
        return True

    def prune_versions(self, keep: int = 3) -> list[str]:
        """Delete all but the ``keep`` most recently used version directories not in use; returns those deleted."""
        others = [
            p for p in self.root.iterdir() if p.is_dir() and p != self.dir and not p.name.startswith(".")
        ]
        others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        removed = []
        for p in others[max(keep - 1, 0) :]:
            if not (p / ".lock").exists():
                continue  # not a cache version directory: never delete what we did not make
            fd = os.open(p / ".lock", os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            finally:
                os.close(fd)
            _remove(p, self.root / f".trash-{p.name}")
            removed.append(p.name)
        return removed


def _disjoint_shifts(stored: pl.DataFrame) -> dict[str, int] | None:
    """Per segment (oldest first), what to add to its ids so that all segments' ids differ.

    ``None`` when a key is stored twice (only the index can say which copy counts) or the ids
    would not fit an Int32. A segment's ids span from its lowest to its highest; each span is moved
    to start where the previous one ended, so the merged ids stay below the number of files plus
    the gaps inside segments.
    """
    if stored.get_column(KEY_COLUMN).n_unique() != stored.height:
        return None
    spans = stored.group_by("segment", maintain_order=True).agg(
        lo=pl.col(ID_COLUMN).min().cast(pl.Int64), hi=pl.col(ID_COLUMN).max().cast(pl.Int64)
    )
    shifts, start = {}, 0
    for segment, lo, hi in spans.iter_rows():
        shifts[segment] = start - lo
        start += hi - lo + 1
    return shifts if start <= 2**31 - 1 else None


def _remove(directory: Path, trash: Path) -> None:
    """Delete a directory so that a kill midway never leaves it half there: rename first, then delete
    (a segment that lost some of its files but kept ``reports.parquet`` would look complete)."""
    try:
        os.rename(directory, trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's data to the disk (a folder: so a rename in it survives a crash).

    >>> fsync_path(Path(__file__)), fsync_path(Path(__file__).parent)
    (None, None)
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _file_entry(path: Path) -> dict[str, object]:
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return {"bytes": path.stat().st_size, "sha256": digest}


def _segment_problem(seg: Path) -> str | None:
    """What is wrong with a segment by its manifest, or None when every file is whole."""
    try:
        files = json.loads((seg / MANIFEST).read_text(encoding="utf-8"))["files"]
        if set(files) != {f"{frame}.parquet" for frame in FRAME_NAMES}:
            return "its manifest does not list the five frames"
        for name, want in sorted(files.items()):
            path = seg / name
            if not path.is_file():
                return f"{name} is missing"
            if path.stat().st_size != want["bytes"]:
                return f"{name} is {path.stat().st_size:,} bytes, not {want['bytes']:,} (truncated or overwritten)"
            if _file_entry(path)["sha256"] != want["sha256"]:
                return f"{name} does not match its checksum"
    except (OSError, ValueError, KeyError, TypeError) as e:
        return f"its manifest cannot be read ({type(e).__name__})"
    return None


def write_failure(e: BaseException, where: Path | None = None) -> str:
    """Why a write failed, in plain words: ``no space left on device``, not ``[Errno 28]`` or a ComputeError.

    polars does not always say why (a full disk can surface as ``Invalid thrift: transport
    error``), so without an error number the file system at ``where`` is asked: read-only, or
    (almost) no space left.

    >>> write_failure(pl.exceptions.ComputeError("parquet: underlying IO error: No space left on device (os error 28)"))
    'no space left on device'
    """
    code = e.errno if isinstance(e, OSError) else None
    if code is None and (m := re.search(r"os error (\d+)", str(e))):
        code = int(m.group(1))
    if code is None and where is not None:
        code = _file_system_state(where)
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on device"
    if code == errno.EROFS:
        return "the file system is read-only"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code is not None:
        return os.strerror(code).lower()
    return "the write failed (the file system gave no reason; check its space and permissions)"


_NEARLY_FULL = 1 << 20  # bytes: less free than this after a failed write means the disk is full


def _file_system_state(where: Path) -> int | None:
    """``EROFS`` or ``ENOSPC`` when the file system holding ``where`` is read-only or full, else None."""
    for path in (where, *where.parents):
        try:
            st = os.statvfs(path)
        except OSError:
            continue
        if st.f_flag & os.ST_RDONLY:
            return errno.EROFS
        if st.f_bavail * st.f_frsize < _NEARLY_FULL or st.f_favail == 0:
            return errno.ENOSPC
        return None
    return None


def _lock_held(lock: Path) -> bool:
    """Does a live process hold this ``flock`` (an unreadable lock counts as held: never guess)?"""
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing releases a lock just taken
    return False


def remove_stale(parent: Path, prefix: str, min_age: float = STALE_SECONDS) -> list[str]:
    """Delete ``parent/<prefix>*`` folders a killed run left; returns their names.

    A folder is stale when no ``.lock`` in it or one level down is held (a live run holds its
    lock for as long as it uses the folder) and it is older than ``min_age`` seconds (the moment
    between making a folder and locking it).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     (Path(d) / ".staging-1").mkdir(), remove_stale(Path(d), ".staging-", min_age=0), os.listdir(d)
    (None, ['.staging-1'], [])
    """
    removed = []
    now = time.time()
    try:
        candidates = [p for p in parent.glob(prefix + "*") if p.is_dir() and not p.is_symlink()]
    except OSError:
        return []
    for folder in candidates:
        try:
            if now - folder.stat().st_mtime < min_age:
                continue
            locks = [folder / ".lock", *folder.glob("*/.lock")]
        except OSError:
            continue
        if any(_lock_held(lock) for lock in locks):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed


class Fingerprints:
    """Each input's content digest by its ``stat`` fingerprint, so a warm run need not read unchanged files.

    Like ``make``, ``git`` and ``rsync``, this trusts that a file whose size, modification time (in
    nanoseconds) and inode are unchanged has unchanged bytes. Entries live in ``ROOT/fingerprints.parquet``
    (shared by parser versions: the digest of a file does not depend on the parser); a stale entry only
    costs a read, since a file whose fingerprint changed is read and hashed again.
    """

    FILE = "fingerprints.parquet"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.path = Path(root) / self.FILE
        self._known: dict[str, tuple[str, str]] = {}
        self._new: dict[str, tuple[str, str]] = {}
        if self.path.is_file():
            try:
                df = pl.read_parquet(self.path)
                self._known = dict(
                    zip(df["locator"], zip(df["fingerprint"], df["digest"], strict=True), strict=True)
                )
            except (OSError, pl.exceptions.PolarsError):
                self._known = {}  # damaged: start afresh, it is only an accelerator

    def digest(self, locator: str, fingerprint: str | None) -> str | None:
        """The digest recorded for ``locator`` if its fingerprint is unchanged, else ``None``."""
        if fingerprint is None:
            return None
        found = self._new.get(locator) or self._known.get(locator)
        return found[1] if found is not None and found[0] == fingerprint else None

    def remember(self, locator: str, fingerprint: str | None, digest: str) -> None:
        if fingerprint is not None:
            self._new[locator] = (fingerprint, digest)

    def save(self) -> None:
        """Write the merged entries atomically (a no-op when nothing was learned)."""
        if not self._new:
            return
        merged = {**self._known, **self._new}
        df = pl.DataFrame(
            {
                "locator": list(merged),
                "fingerprint": [v[0] for v in merged.values()],
                "digest": [v[1] for v in merged.values()],
            },
            schema={"locator": pl.String, "fingerprint": pl.String, "digest": pl.String},
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.FILE}.{os.getpid()}.tmp")
        try:
            df.write_parquet(tmp)
            fsync_path(tmp)
            os.replace(tmp, self.path)
            fsync_path(self.path.parent)
        except (OSError, pl.exceptions.PolarsError) as e:
            tmp.unlink(missing_ok=True)
            raise CacheWriteError(
                f"cannot write the result cache in {self.path.parent}: {write_failure(e, tmp)}; free some space "
                "there or choose a cache on another disk (--cache-dir), or run with --no-cache"
            ) from e
        self._known, self._new = merged, {}

    @classmethod
    def remove_stale_temporaries(cls, root: Path) -> None:
        """Delete ``.fingerprints.parquet.<pid>.tmp`` files whose writer is no longer running."""
        for tmp in root.glob(f".{cls.FILE}.*.tmp"):
            pid = tmp.name[len(cls.FILE) + 2 : -4]
            if pid.isdigit() and not _alive(int(pid)):
                tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
