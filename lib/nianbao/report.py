"""Parse one file: bytes → document → located tables → keyed rows → checks. Never raises.

(Work in progress: the pipeline lands with the parser issue; the signature is stable.)
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from nianbao.result import FileResult

__all__ = ["MAX_FILE_BYTES", "parse_bytes", "parse_file", "report_id_of"]

MAX_FILE_BYTES = 64 * 1024 * 1024  # larger files are refused unread (a report is well under 10 MB)


def report_id_of(data: bytes) -> str:
    """First 16 hex digits of the SHA-256 of the file's bytes (the contract's report_id)."""
    return hashlib.sha256(data).hexdigest()[:16]


def parse_bytes(data: bytes, path: str) -> FileResult:
    """Parse a file's bytes; ``path`` is recorded as given (relative to the corpus root)."""
    start = time.perf_counter()
    return FileResult(
        report={
            "report_id": report_id_of(data),
            "path": path,
            "format": "other",
            "status": "failed",
            "error": "parser not implemented yet",
            "parse_seconds": time.perf_counter() - start,
        }
    )


def parse_file(path: str | Path, *, display_path: str | None = None) -> FileResult:
    """Read and parse one file from disk; unreadable or oversized files become failed rows."""
    p = Path(path)
    shown = display_path if display_path is not None else str(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            return FileResult(
                report={
                    "report_id": report_id_of(p.read_bytes()[: 1 << 20] + str(size).encode()),
                    "path": shown,
                    "format": "other",
                    "status": "failed",
                    "error": f"file is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit for one report",
                    "parse_seconds": 0.0,
                }
            )
        data = p.read_bytes()
    except OSError as e:
        return FileResult(
            report={
                "report_id": report_id_of(str(path).encode()),
                "path": shown,
                "format": "other",
                "status": "failed",
                "error": f"cannot read file: {e.strerror or e}",
                "parse_seconds": 0.0,
            }
        )
    return parse_bytes(data, shown)
