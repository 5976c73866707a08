"""What parsing one file yields: plain rows for each of the five frames.

A :class:`FileResult` is small, picklable and cheap to build (tuples, not DataFrames), so a process
pool or a dask worker can send it back and a cache can store it; the corpus layer turns many of them
into polars frames at once with :func:`to_frames`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from nianbao.fields import FRAME_NAMES, FRAME_SCHEMAS

_FORMATS = frozenset(FRAME_SCHEMAS["reports"]["format"].categories)  # type: ignore[attr-defined]

__all__ = ["FileResult", "to_frames"]


@dataclass(slots=True)
class FileResult:
    """Rows of the five frames for one input file; tuples follow the column order of ``fields``."""

    report: dict[str, Any]
    proactive: list[tuple] = field(default_factory=list)
    applications: list[tuple] = field(default_factory=list)
    litigation: list[tuple] = field(default_factory=list)
    checks: list[tuple] = field(default_factory=list)

    @classmethod
    def failed(
        cls,
        report_id: str,
        path: str | None,
        error: str,
        *,
        status: str = "failed",
        fmt: str = "other",
        seconds: float | None = 0.0,
    ) -> FileResult:
        """The one row of a file that was not parsed: ``failed`` (unreadable, refused, stopped) or
        ``not_a_report``, with the error a researcher can act on. Every such row is made here.

        >>> FileResult.failed("ab12", "x.txt", "the file is empty").report["status"]
        'failed'
        """
        return cls(
            report={
                "report_id": report_id,
                "path": path,
                "format": fmt,
                "status": status,
                "error": error,
                "parse_seconds": seconds,
            }
        )

    @property
    def report_id(self) -> str:
        return self.report["report_id"]

    def rows(self, frame: str) -> list[tuple]:
        if frame == "reports":
            return [tuple(self.report.get(c) for c in FRAME_SCHEMAS["reports"].names())]
        return getattr(self, frame)


def to_frames(
    results: Iterable[FileResult], file_ids: str | None = None, first_id: int = 0
) -> dict[str, pl.DataFrame]:
    """Concatenate file results into the five contract frames (schemas exactly as in ``fields``).

    With ``file_ids``, every frame starts with an Int32 column of that name holding the id of the
    row's file: ``first_id`` + the file's position in ``results``. The corpus layer ties rows to
    files by it, which is far smaller to ship and store than a key string on every row.

    >>> r = FileResult({"report_id": "a1", "status": "ok"}, checks=[("a1", "c", "info", "w", None, 1, "m")])
    >>> f = to_frames([FileResult({"report_id": "a0"}), r], file_ids="_i")
    >>> f["checks"].select("_i", "report_id", "actual").rows(), f["reports"]["_i"].to_list()
    ([(1, 'a1', 1.0)], [0, 1])
    """
    results = results if isinstance(results, list) else list(results)
    try:
        return _to_frames(results, file_ids, first_id)
    except _BUILD_ERRORS:  # some file's row does not type-check: it alone becomes a failed row
        return _to_frames([_storable(r) for r in results], file_ids, first_id)


# What polars raises for a value its column cannot hold (an integer past Int64, a str in a number
# column): a value should never get this far, the cell producers bound them (tables.EXACT_LIMIT).
_BUILD_ERRORS = (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError)

UNSTORABLE = (
    "a value read from this file could not be stored in the tables (a bug in nianbao, not in the file); "
    "the file's other values are not kept: please report it with the file"
)


def _storable(result: FileResult) -> FileResult:
    """The result when its rows build frames, else a failed row in its place (report_id and path kept)."""
    try:
        _to_frames([result], None, 0)
        return result
    except _BUILD_ERRORS:
        pass
    report = result.report
    rid, path, fmt, seconds = (report.get(k) for k in ("report_id", "path", "format", "parse_seconds"))
    return FileResult.failed(
        str(rid),
        None if path is None else str(path),
        UNSTORABLE,
        fmt=str(fmt) if fmt in _FORMATS else "other",
        seconds=seconds if isinstance(seconds, float) else None,
    )


def _to_frames(results: list[FileResult], file_ids: str | None, first_id: int) -> dict[str, pl.DataFrame]:
    out: dict[str, pl.DataFrame] = {}
    for name in FRAME_NAMES:
        if name == "reports":
            frame = _reports_frame(results)
            ids = list(range(first_id, first_id + len(results)))
        else:
            per_file = [getattr(r, name) for r in results]
            frame = _table_frame(name, [row for rows in per_file for row in rows])
            ids = []
            if file_ids:
                for i, rows in enumerate(per_file, first_id):
                    ids += [i] * len(rows)
        out[name] = frame.insert_column(0, pl.Series(file_ids, ids, pl.Int32)) if file_ids else frame
    return out


def _reports_frame(results: list[FileResult]) -> pl.DataFrame:
    schema = FRAME_SCHEMAS["reports"]
    columns = [[r.report.get(c) for r in results] for c in schema]
    frame = _frame(schema, columns)
    return _rowwise(schema, [r.rows("reports")[0] for r in results]) if frame is None else frame


_CHECK_ROW_BEFORE_EVIDENCE = 7  # check rows made without page and evidence (older code, tests): both null


def _table_frame(name: str, rows: list[tuple]) -> pl.DataFrame:
    schema = FRAME_SCHEMAS[name]
    if name == "checks" and rows and len(rows[0]) == _CHECK_ROW_BEFORE_EVIDENCE:
        rows = [(*r, None, None) if len(r) == _CHECK_ROW_BEFORE_EVIDENCE else r for r in rows]
    try:
        columns: Sequence[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    except ValueError:  # rows of unequal length: polars' row reader says what is wrong
        return _rowwise(schema, rows)
    frame = _frame(schema, columns)
    return _rowwise(schema, rows) if frame is None else frame


def _frame(schema: pl.Schema, columns: Sequence[Sequence[Any]]) -> pl.DataFrame | None:
    """The frame built column by column, or None where that is stricter than polars' row reader.

    One typed Series per column costs a third of handing polars the rows (this runs for every batch
    of a corpus run), but a Series refuses values the row reader converts (a float 1.0 in an
    integer column); those frames are built by rows, so both ways give the same frame.
    """
    try:
        return pl.DataFrame(
            [pl.Series(c, v, dtype) for (c, dtype), v in zip(schema.items(), columns, strict=True)]
        )
    except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
        return None


def _rowwise(schema: pl.Schema, rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")
