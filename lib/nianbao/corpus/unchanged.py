"""A re-run over unchanged inputs keeps the outputs it would write again, like ``make``.

Assembling five frames from the result cache, resolving organs and checking across reports costs
seconds at 100,000 reports, yet when nothing a frame depends on has changed since the run that
wrote the outputs, the frames it would assemble are the ones already in ``OUT``. So a run with an
output directory and a cache records :func:`inputs_digest` in its outputs' parquet metadata (under
:data:`INPUTS_METADATA_KEY`), and the next run that computes the same digest loads the outputs
instead (:func:`kept_frames`), leaving them untouched.

The digest covers everything the frames are made from: the parser version, the run's options
(place aliases included), the organ crosswalk and corrections files' bytes, the working directory,
and every source's displayed path, location and ``stat`` fingerprint (size, modification time in
nanoseconds, inode; for a zip member, the archive's and the member's CRC), the same trust the cache
already places in fingerprints. A run leaves no digest (so the next one assembles again) when a
file's row was made outside the cache (unreadable, over a limit, stopped: those are retried every
run), and the outputs are kept only while the cache still holds the parser version's results,
undamaged: deleting the cache, or a damaged segment, makes the next run assemble (and re-parse) again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl

from nianbao.corpus.outputs import RUN_METADATA_KEY
from nianbao.corpus.sources import Source
from nianbao.fields import FRAME_NAMES, FRAME_SCHEMAS
from nianbao.options import RunOptions

__all__ = ["INPUTS_METADATA_KEY", "inputs_digest", "kept_frames"]

INPUTS_METADATA_KEY = "nianbao_inputs"  # {"digest": ..., "duplicates": ...} in every output file's metadata


def inputs_digest(
    sources: Sequence[Source],
    options: RunOptions,
    files: Iterable[str | os.PathLike[str]],
    version: str,
) -> str:
    """SHA-256 of what a run's frames depend on (``files``: crosswalk and corrections files, in order).

    A file that cannot be read now counts as its error, so the digest differs from the run that read it.

    >>> s = [Source("a.txt", file="a.txt", fingerprint="5:1:2")]
    >>> one = inputs_digest(s, RunOptions(), [], "v1")
    >>> one == inputs_digest(s, RunOptions(), [], "v1"), one == inputs_digest(s, RunOptions(), [], "v2")
    (True, False)
    """
    h = hashlib.sha256()
    for part in (version, os.getcwd(), repr(options)):  # each hashed apart: any text, no ambiguity
        h.update(_sha256(part.encode("utf-8", "surrogateescape")).encode())
    for f in files:
        try:
            content = _sha256(Path(f).read_bytes())
        except OSError as e:
            content = f"unreadable: {e}"
        h.update(_sha256(os.fsencode(f)).encode() + content.encode("utf-8", "surrogateescape"))
    # six fields a source, NUL between all of them: no path, name or message holds a NUL
    rows = "\0".join(
        f"{s.display}\0{s.file}\0{s.archive}\0{s.member}\0{s.error}\0{s.fingerprint}" for s in sources
    )
    h.update(rows.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inputs_metadata(digest: str, duplicates: int) -> dict[str, str]:
    """The metadata entry a run writes into each output file (its duplicates: for the next run's summary)."""
    return {INPUTS_METADATA_KEY: json.dumps({"digest": digest, "duplicates": duplicates})}


def kept_frames(
    out_dir: Path, digest: str, corrections: bool
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame | None, int] | None:
    """The frames in ``out_dir`` if a run with this digest wrote all of them, else None.

    Returns the five frames, the corrections frame (None when the run had no corrections files)
    and the number of byte-identical duplicates the run found. The files must be one run's set
    (the same run id), each with this digest, and ``corrections.parquet`` present exactly when the
    run has corrections files.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     kept_frames(Path(d), "0" * 64, corrections=False)  # no outputs there
    """
    names = [*FRAME_NAMES, *(["corrections"] if corrections else [])]
    paths = {n: out_dir / f"{n}.parquet" for n in names}
    if (out_dir / "corrections.parquet").is_file() != corrections:
        return None
    runs, duplicates = set(), set()
    for path in paths.values():
        try:
            meta = pl.read_parquet_metadata(path)
            recorded = json.loads(meta[INPUTS_METADATA_KEY])
        except (OSError, KeyError, ValueError, TypeError, pl.exceptions.PolarsError):
            return None
        if not isinstance(recorded, dict) or recorded.get("digest") != digest:
            return None
        runs.add(meta.get(RUN_METADATA_KEY))
        duplicates.add(recorded.get("duplicates"))
    (count,) = duplicates if len(duplicates) == 1 else (None,)
    if len(runs) != 1 or not isinstance(count, int):
        return None
    try:
        read = pl.collect_all([pl.scan_parquet(p) for p in paths.values()])
    except (OSError, pl.exceptions.PolarsError):
        return None
    frames = dict(zip(names, read, strict=True))
    if any(frames[n].schema != FRAME_SCHEMAS[n] for n in FRAME_NAMES):
        return None
    return {n: frames[n] for n in FRAME_NAMES}, frames.get("corrections"), count
