"""The outputs of a run: five parquet files replaced as a set, or not at all.

:func:`write_frames` writes the five frames to a staging folder inside the output directory and
renames them over the previous ones: a crash or a full disk before the renames leaves the previous
set untouched; every file carries the run's id in its metadata (:data:`RUN_METADATA_KEY`), so
``run.scan`` refuses a set mixed by a crash during the renames (microseconds) instead of returning
inconsistent frames. A failure is one :class:`~nianbao.errors.NianbaoError` in plain words (what
failed, where, what to do), never a raw ``ComputeError`` or ``[Errno 28]``.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from nianbao.corpus.cache import fsync_path, parser_version, remove_stale, write_failure
from nianbao.errors import NianbaoError
from nianbao.fields import FRAME_NAMES

__all__ = ["RUN_METADATA_KEY", "write_frames"]

RUN_METADATA_KEY = "nianbao_run"


def write_frames(
    frames: dict[str, pl.DataFrame],
    out_dir: str | os.PathLike[str],
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Stage all five files, then rename them into place (see the module docstring for the guarantee).

    The staging folder holds a lock while it is used, so the next run can tell a killed run's
    leftover (deleted) from a live one's. Writes are fsynced before the renames. ``metadata`` is
    added to every file's (the run's inputs digest: :mod:`nianbao.corpus.unchanged`).

    Raises
    ------
    NianbaoError
        The outputs cannot be written (disk full, read-only, no permission); the previous set is untouched.

    >>> import tempfile
    >>> from nianbao.fields import empty_frame
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_frames({n: empty_frame(n) for n in FRAME_NAMES}, d)
    ...     sorted(p.name for p in Path(d).iterdir()), pl.read_parquet_metadata(Path(d) / "checks.parquet")["frame"]
    (['applications.parquet', 'checks.parquet', 'litigation.parquet', 'proactive.parquet', 'reports.parquet'], 'checks')
    """
    names = [n for n in (*FRAME_NAMES, "corrections") if n in frames]  # corrections: when the run had them
    d = Path(out_dir)
    staging: Path | None = None
    renamed = 0
    try:
        d.mkdir(parents=True, exist_ok=True)
        remove_stale(d, ".staging-")
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=d))
        with _held_lock(staging / ".lock"):
            run = uuid.uuid4().hex
            meta = {**(metadata or {}), RUN_METADATA_KEY: run, "nianbao_parser": parser_version()}
            for name in names:
                target = staging / f"{name}.parquet"
                frames[name].write_parquet(target, metadata={**meta, "frame": name})
                fsync_path(target)
            for name in names:
                os.replace(staging / f"{name}.parquet", d / f"{name}.parquet")
                renamed += 1
            if "corrections" not in names:  # a previous run's corrections do not belong to this set
                (d / "corrections.parquet").unlink(missing_ok=True)
            fsync_path(d)
    except (OSError, pl.exceptions.PolarsError) as e:
        state = (
            "the previous outputs there are untouched"
            if renamed == 0
            else "the files there now mix two runs (reading them is refused)"
        )
        raise NianbaoError(
            f"cannot write the outputs to {d}: {write_failure(e, staging or d)}; {state}; "
            "free some space or choose another --out directory, then run again"
        ) from e
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def _held_lock(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` for the duration (released when the descriptor closes)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
