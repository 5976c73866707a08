"""What parsing one file yields: plain rows for each of the five frames.

A :class:`FileResult` is small, picklable and cheap to build (tuples, not DataFrames), so a process
pool or a dask worker can send it back and a cache can store it; the corpus layer turns many of them
into polars frames at once with :func:`to_frames`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from nianbao.fields import FRAME_NAMES, FRAME_SCHEMAS

__all__ = ["FileResult", "to_frames"]


@dataclass(slots=True)
class FileResult:
    """Rows of the five frames for one input file; tuples follow the column order of ``fields``."""

    report: dict[str, Any]
    proactive: list[tuple] = field(default_factory=list)
    applications: list[tuple] = field(default_factory=list)
    litigation: list[tuple] = field(default_factory=list)
    checks: list[tuple] = field(default_factory=list)

    @property
    def report_id(self) -> str:
        return self.report["report_id"]

    def rows(self, frame: str) -> list[tuple]:
        if frame == "reports":
            return [tuple(self.report.get(c) for c in FRAME_SCHEMAS["reports"].names())]
        return getattr(self, frame)


def to_frames(results: Iterable[FileResult]) -> dict[str, pl.DataFrame]:
    """Concatenate file results into the five contract frames (schemas exactly as in ``fields``)."""
    results = list(results)
    out: dict[str, pl.DataFrame] = {}
    for name in FRAME_NAMES:
        schema = FRAME_SCHEMAS[name]
        rows = [row for r in results for row in r.rows(name)]
        out[name] = pl.DataFrame(rows, schema=schema, orient="row")
    return out
