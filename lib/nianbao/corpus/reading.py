"""Read the bytes of walked sources (:mod:`nianbao.corpus.sources`), safely and bounded.

A disk file is opened without blocking and only when it is a regular file (a FIFO swapped in after
the walk is refused, not waited on); a file or zip member over the run's size limit is refused
(the size a zip header declares is not trusted), and so is an archive past its total.
"""

from __future__ import annotations

import errno
import os
import stat
import zipfile
from pathlib import Path

from nianbao.corpus.sources import (
    MAX_ARCHIVE_BYTES,
    Source,
    SourceError,
    os_reason,
    read_up_to,
    special_file,
    zip_error,
)
from nianbao.options import DEFAULT_MAX_FILE_BYTES

__all__ = ["SourceReader"]


def _read_error(e: OSError) -> str:
    if isinstance(e, PermissionError):
        return "cannot read file: permission denied; give read permission (chmod u+r) and run again"
    if e.errno == errno.ELOOP:
        return "a symbolic link loop (the link leads back to itself): not read; remove the link"
    if e.errno in (errno.ENOENT, errno.ENOTDIR):
        return "the file vanished before it was read; run again"
    return f"cannot read file: {os_reason(e)}; check the file and run again"


def _too_big(limit: int) -> str:
    return f"file is over the {limit:,} byte limit for one report"


class SourceReader:
    """Reads sources' bytes, keeping the last archive open (members of one archive come together).

    Use as a context manager. :meth:`read` raises :class:`SourceError` for anything that makes a
    source unreadable; :meth:`too_large` lets the caller hand oversized disk files to the parser's own
    refusal without reading them. ``max_file_bytes`` is the run's limit for one file
    (:attr:`nianbao.options.RunOptions.max_file_bytes`).
    """

    def __init__(
        self, max_archive_bytes: int = MAX_ARCHIVE_BYTES, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    ) -> None:
        self._zip: zipfile.ZipFile | None = None
        self._zip_path: Path | None = None
        self._zip_read = 0
        self._max_archive = max_archive_bytes
        self._limit = max_file_bytes

    def __enter__(self) -> SourceReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        self._zip, self._zip_path = None, None

    def too_large(self, source: Source) -> bool:
        """A disk file over the size limit (by the size seen when walking, without reading it)."""
        return source.file is not None and source.size > self._limit

    def read(self, source: Source) -> bytes:
        """The bytes of ``source``.

        Raises
        ------
        SourceError
            Not a regular file, unreadable, a refused or oversized zip member, an archive over its total.
        """
        if source.error is not None:
            raise SourceError(source.error)
        if source.file is not None:
            return self._read_file(source.file)
        assert source.archive is not None
        assert source.member is not None
        return self._read_member(source.archive, source.member)

    def _read_file(self, path: str) -> bytes:
        limit = self._limit
        try:
            st = os.stat(path)  # not the walk's: the file may have been replaced by a FIFO since
            if not stat.S_ISREG(st.st_mode):
                raise SourceError(special_file(st.st_mode))
            if st.st_size > limit:  # refused from its size, unread
                raise SourceError(_too_big(limit))
            # O_NONBLOCK: a FIFO put there since the stat must not block the run; O_NOCTTY: nor a terminal
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise SourceError("not a regular file")
                # ask for the stat size (+1 to see growth), not the cap: a read allocates what it asks for
                want = st.st_size + 1
                data = read_up_to(fd, want)
                if len(data) == want:  # the file grew since stat: read on, to one byte past the cap
                    data += read_up_to(fd, limit + 1 - len(data))
            finally:
                os.close(fd)
        except OSError as e:
            raise SourceError(_read_error(e)) from e
        if len(data) > limit:
            raise SourceError(_too_big(limit))
        return data

    def _archive(self, archive: Path) -> zipfile.ZipFile:
        if self._zip_path != archive:
            self.close()
            try:
                self._zip = zipfile.ZipFile(archive)
            except (OSError, zipfile.BadZipFile, ValueError, EOFError) as e:
                raise SourceError(zip_error(e)) from e
            self._zip_path, self._zip_read = archive, 0
        assert self._zip is not None
        return self._zip

    def _read_member(self, archive: Path, member: str) -> bytes:
        zf = self._archive(archive)
        limit = self._limit
        if self._zip_read > self._max_archive:
            raise SourceError(
                f"archive holds more than {self._max_archive:,} uncompressed bytes; member not read"
            )
        try:
            info = zf.getinfo(member)
            if info.file_size > limit:
                raise SourceError(f"zip member is {info.file_size:,} bytes, over the {limit:,} byte limit")
            with zf.open(info) as f:
                data = f.read(limit + 1)  # the declared size may lie: read at most one byte past the cap
        except SourceError:
            raise
        except (OSError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError, KeyError) as e:
            # RuntimeError: encrypted member; BadZipFile: CRC or header damage; zlib errors are OSError-free
            raise SourceError(f"cannot read zip member: {e}") from e
        except Exception as e:  # zlib.error and friends from a damaged deflate stream
            raise SourceError(
                "cannot read zip member: it is damaged; unpack the archive with another tool and re-run"
            ) from e
        self._zip_read += len(data)
        if len(data) > limit:
            raise SourceError(f"zip member is over the {limit:,} byte limit (its header understates it)")
        return data
