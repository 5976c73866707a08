"""Corrections files: a reviewer's changes to parsed values, kept apart from the sources, applied per run.

A corrections file is a CSV (UTF-8) with the columns ``file``, ``frame``, ``row``, ``column``,
``value``, ``reason`` and optionally ``author``, ``date``; a filled review sheet
(:mod:`nianbao.corpus.review`, CSV or XLSX) is one too, and its ``report_id`` and ``printed``
columns then also say which content and which value the reviewer saw. ``file`` is a report's
``reports.path`` or its ``report_id``; ``frame`` is ``proactive``, ``applications``, ``litigation``
or ``reports``; ``row`` and ``column`` are that frame's keys (for ``reports``: row ``report`` and a
column such as ``proactive_items``); an empty ``value`` means null. Rows whose ``value`` and
``reason`` are both empty are ignored.

:func:`apply_corrections` runs after the frames are assembled (the parse and its cache are
untouched, so a changed corrections file re-parses nothing) and before the checks across reports:

- each applied correction changes one cell, is one row of the ``corrections`` frame and one ``info``
  check ``corrected``; the report's value checks are evaluated again on the corrected values
  (:func:`nianbao.parse.recheck.recheck`), so an error a correction fixes disappears and one a wrong
  correction makes appears, and its ``checks_error``/``checks_warning``/``cells_*`` are counted again;
- a correction whose target does not exist (``correction_unmatched``), that was written for other
  content or another printed value (``correction_stale``), that changes nothing (``correction_noop``)
  or that disagrees with another one for the same cell (``correction_conflict``) is a warning and is
  not applied; a value that is not a valid number for its cell is an error (``correction_invalid``)
  and is not applied.

Without corrections the frames are exactly the parsed ones.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from nianbao.corpus.sources import CORRECTIONS_FILE
from nianbao.errors import NianbaoError
from nianbao.fields import FRAME_SCHEMAS, empty_frame
from nianbao.parse.checks import CheckRow
from nianbao.parse.recheck import REPORT_COLUMNS, recheck
from nianbao.templates import Template, template_named

__all__ = [
    "CORRECTIONS_FILE",
    "REQUIRED",
    "Correction",
    "apply_corrections",
    "read_corrections",
]

REQUIRED = ("file", "frame", "row", "column", "value", "reason")
OPTIONAL = ("author", "date", "report_id", "printed")
MAX_ROWS = 1_000_000  # a corrections file is written by people: more rows than this is not one
# frame → (its key columns, the table of its cells); reports: the columns a correction may change
TABLE_FRAMES = {
    "proactive": ("item", "measure", "t2"),
    "applications": ("outcome", "applicant", "t3"),
    "litigation": ("proceeding", "result", "t4"),
}
_TABLE_ZH = {"t2": "表二", "t3": "表三", "t4": "表四", "report": "报告"}
_WHERE = {"t2": "table2", "t3": "table3", "t4": "table4"}


@dataclass(frozen=True, slots=True)
class Correction:
    """One line of a corrections file, as written (``printed`` None: the file has no such column)."""

    file: str
    frame: str
    row: str
    column: str
    value: str
    reason: str
    author: str = ""
    date: str = ""
    report_id: str = ""
    printed: str | None = None
    source: str = ""
    line: int = 0


# --- reading ------------------------------------------------------------------------------------


def read_corrections(path: str | os.PathLike[str]) -> list[Correction]:
    """The corrections in a CSV or XLSX file (by extension), in file order.

    Raises
    ------
    NianbaoError
        The file cannot be read, or lacks a required column.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     text = "file,frame,row,column,value,reason\\na.txt,reports,report,proactive_items,120,typo\\nb.txt,,,,,\\n"
    ...     _ = (Path(d) / "fixes.csv").write_text(text, encoding="utf-8")
    ...     [(c.file, c.column, c.value, c.line) for c in read_corrections(Path(d) / "fixes.csv")]
    [('a.txt', 'proactive_items', '120', 2)]
    """
    p = Path(path)
    try:
        rows = _xlsx_rows(p) if p.suffix.lower() == ".xlsx" else _csv_rows(p)
        header = next(rows, None)
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as e:
        raise NianbaoError(f"cannot read corrections file {p}: {e}") from e
    if header is None:
        return []
    names = [str(h or "").strip() for h in header[1]]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise NianbaoError(
            f"corrections file {p} lacks the column(s) {', '.join(missing)}; "
            f"its header must name {', '.join(REQUIRED)} (optional: author, date)"
        )
    at = {n: i for i, n in reversed(list(enumerate(names)))}  # first of a repeated name
    out: list[Correction] = []
    for line, cells in rows:
        get = {n: _text(cells[i]) if i < len(cells) else "" for n, i in at.items()}
        if get["file"] == _LABEL_MARK:
            continue  # the Chinese label row under a review sheet's header
        if not get["value"] and not get["reason"]:
            continue
        if len(out) >= MAX_ROWS:
            raise NianbaoError(f"corrections file {p} has over {MAX_ROWS:,} corrections; is it one?")
        out.append(
            Correction(
                **{k: get.get(k, "") for k in (*REQUIRED, "author", "date", "report_id")},
                printed=get["printed"] if "printed" in at else None,
                source=os.fspath(path),
                line=line,
            )
        )
    return out


_LABEL_MARK = "文件"  # the review sheet's label for `file`: a row starting with it is labels


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(p: Path) -> Iterator[tuple[int, list[Any]]]:
    text = p.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1


def _xlsx_rows(p: Path) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook  # noqa: PLC0415 (only to read an .xlsx sheet)

    book = load_workbook(p, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for n, cells in enumerate(sheet.iter_rows(values_only=True), 1):
            yield n, list(cells)
    finally:
        book.close()


# --- applying -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Report:
    report_id: str
    path: str
    status: str
    template: int | None
    duplicate_of: str | None


@dataclass(slots=True)
class _Target:
    """A correction resolved to one cell of one report, with its new and parsed values."""

    fix: Correction
    report: _Report
    cell: tuple[str, str, str]  # ("t3", row, column), or ("report", "report", column)
    value: float | None
    printed: float | None


def _reports(reports: pl.DataFrame) -> tuple[dict[str, _Report], dict[str, _Report]]:
    by_path: dict[str, _Report] = {}
    by_id: dict[str, _Report] = {}
    cols = reports.select("report_id", "path", pl.col("status").cast(pl.String), "template", "duplicate_of")
    for rid, path, status, template, dup in cols.iter_rows():
        r = _Report(rid, path, status, template, dup)
        by_path.setdefault(path, r)
        if status != "duplicate":
            by_id.setdefault(rid, r)
    return by_path, by_id


def _check(
    fix: Correction, name: str, message: str, rid: str | None = None, where: str | None = None
) -> CheckRow:
    severity = "info" if name == "corrected" else "error" if name == "correction_invalid" else "warning"
    place = f"{fix.source} 第 {fix.line} 行"
    return (  # type: ignore[return-value]
        rid,
        name,
        severity,
        where or f"corrections/{fix.frame}/{fix.row}/{fix.column}",
        None,
        None,
        f"更正文件 {place}({fix.file} {fix.frame}/{fix.row}/{fix.column}): {message}",
        None,
        None,
    )


def _number(text: str) -> float | None:
    """A cell value as written: None for empty; raises ValueError for anything but a finite number."""
    if not text:
        return None
    value = float(text.replace(",", ""))
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _cell(fix: Correction, t: Template) -> tuple[str, str, str] | str:
    """The cell a correction names in template ``t``, or why it names none."""
    if fix.frame == "reports":
        if fix.row not in ("", "report") or fix.column not in REPORT_COLUMNS:
            return f"reports 中可更正的列只有 {', '.join(REPORT_COLUMNS)}(行写 report)"
        return ("report", "report", fix.column)
    if fix.frame not in TABLE_FRAMES:
        return "frame 须为 proactive、applications、litigation 或 reports"
    table = TABLE_FRAMES[fix.frame][2]
    rows: dict[str, tuple[str, ...]]
    if table == "t2":
        rows = {i.key: i.measures for i in t.table2_items}
    elif table == "t3":
        rows = dict.fromkeys(t.row_keys, t.column_keys)
    else:
        rows = dict.fromkeys((p.key for p in t.table4_proceedings), tuple(r.key for r in t.table4_results))
    if fix.row not in rows:
        return f"{t.year} 年格式的 {fix.frame} 没有行 {fix.row!r}"
    if fix.column not in rows[fix.row]:
        return f"{t.year} 年格式的 {fix.frame} 行 {fix.row} 没有列 {fix.column!r}"
    return (table, fix.row, fix.column)


def _valid(cell: tuple[str, str, str], value: float | None) -> str | None:
    """Why ``value`` cannot be the cell's value, or None."""
    if value is None:
        return None
    if value < 0:
        return f"{value:g} 为负数，而本格是数目"
    if cell[0] == "t2":
        return None  # table 2 holds counts and amounts (万元): any non-negative number
    if value != int(value):
        return f"{value:g} 不是整数，而本格是件数"
    if cell[0] == "report" and cell[2] == "year" and not 1990 <= value <= 2100:
        return f"{value:g} 不是一个报告年度"
    return None


def _resolve(
    fixes: Sequence[Correction], by_path: dict[str, _Report], by_id: dict[str, _Report]
) -> tuple[list[tuple[Correction, _Report, tuple[str, str, str], float | None]], list[CheckRow]]:
    """Each correction's report, cell and new value; the checks of those that name none."""
    found = []
    checks: list[CheckRow] = []
    for fix in fixes:
        rep = by_path.get(fix.file) or by_id.get(fix.file) or by_id.get(fix.report_id)
        if rep is None:
            checks.append(_check(fix, "correction_unmatched", "语料中没有这个文件或 report_id；未更正"))
            continue
        if rep.path == fix.file and fix.report_id and fix.report_id != rep.report_id:
            checks.append(
                _check(
                    fix,
                    "correction_stale",
                    f"复核时该文件的 report_id 为 {fix.report_id}，现在为 {rep.report_id}(文件内容已变)；"
                    "请对新内容重新复核；未更正",
                    rep.report_id,
                )
            )
            continue
        if rep.status == "duplicate" or rep.template is None:
            why = (
                f"是 {rep.duplicate_of} 的逐字节副本，请更正原件"
                if rep.status == "duplicate"
                else "未解析出表格"
            )
            checks.append(_check(fix, "correction_unmatched", f"该文件{why}；未更正", rep.report_id))
            continue
        cell = _cell(fix, template_named(rep.template))
        if isinstance(cell, str):
            checks.append(_check(fix, "correction_unmatched", cell + "；未更正", rep.report_id))
            continue
        try:
            value = _number(fix.value)
        except ValueError:
            value, why = None, f"{fix.value!r} 不是数字"
        else:
            why = _valid(cell, value) or ""
        if why:
            checks.append(_check(fix, "correction_invalid", why + "；未更正", rep.report_id))
            continue
        if value is not None and cell[0] != "t2":
            value = int(value)  # a count (or a year): an integer column
        found.append((fix, rep, cell, value))
    return found, checks


def parsed_cells(
    frames: dict[str, pl.DataFrame], ids: list[str]
) -> dict[str, dict[tuple[str, str, str], float | None]]:
    """The cells of these reports as parsed: report_id → cell → value (reports columns as cells too)."""
    out: dict[str, dict[tuple[str, str, str], float | None]] = {rid: {} for rid in ids}
    wanted = pl.col("report_id").is_in(pl.Series(ids, dtype=pl.String).implode())
    for name, (row, col, table) in TABLE_FRAMES.items():
        part = (
            frames[name]
            .filter(wanted)
            .select("report_id", pl.col(row).cast(pl.String), pl.col(col).cast(pl.String), "value")
        )
        for rid, r, c, v in part.iter_rows():
            out[rid][(table, r, c)] = v
    reports = (
        frames["reports"].filter(wanted, pl.col("status") != "duplicate").select("report_id", *REPORT_COLUMNS)
    )
    for rid, *vals in reports.iter_rows():
        for k, v in zip(REPORT_COLUMNS, vals, strict=True):
            out[rid].setdefault(("report", "report", k), v)
    return out


def _targets(
    found: list[tuple[Correction, _Report, tuple[str, str, str], float | None]],
    parsed: dict[str, dict[tuple[str, str, str], float | None]],
) -> tuple[list[_Target], list[CheckRow]]:
    """The corrections to apply: stale, no-op and conflicting ones left out, with their checks."""
    checks: list[CheckRow] = []
    ok: list[_Target] = []
    for fix, rep, cell, value in found:
        printed = parsed[rep.report_id].get(cell)
        if fix.printed is not None:
            try:
                seen = _number(fix.printed)
            except ValueError:
                seen = math.nan
            if seen != printed and not (seen is None and printed is None):
                checks.append(
                    _check(
                        fix,
                        "correction_stale",
                        f"复核时印为 {fix.printed or '空'}，现在解析为 {_show(printed)}；请重新复核；未更正",
                        rep.report_id,
                    )
                )
                continue
        if value == printed or (value is None and printed is None):
            checks.append(
                _check(fix, "correction_noop", f"该格已是 {_show(printed)}，无需更正", rep.report_id)
            )
            continue
        ok.append(_Target(fix, rep, cell, value, printed))
    per_cell: dict[tuple[str, tuple[str, str, str]], list[_Target]] = {}
    for t in ok:
        per_cell.setdefault((t.report.report_id, t.cell), []).append(t)
    applied: list[_Target] = []
    for group in per_cell.values():
        if len({g.value for g in group}) > 1:
            values = "、".join(_show(g.value) for g in group)
            checks += [
                _check(
                    g.fix, "correction_conflict", f"同一格有多条更正({values})，均未采用", g.report.report_id
                )
                for g in group
            ]
        else:
            applied.append(group[0])  # the same value written more than once: applied once
    applied.sort(key=ok.index)
    return applied, checks


def _show(value: float | None) -> str:
    return "空" if value is None else f"{value:g}"


def _where(cell: tuple[str, str, str]) -> str:
    return (
        f"{_WHERE.get(cell[0], 'report')}/{cell[1]}/{cell[2]}" if cell[0] != "report" else f"report/{cell[2]}"
    )


def _applied_check(t: _Target) -> CheckRow:
    reason = f"(理由: {t.fix.reason})" if t.fix.reason else ""
    rid, name, sev, where, _, _, msg, _, _ = _check(
        t.fix,
        "corrected",
        f"{_TABLE_ZH[t.cell[0]]} {t.cell[1]}/{t.cell[2]} 印为 {_show(t.printed)}，更正为 {_show(t.value)}{reason}",
        t.report.report_id,
        _where(t.cell),
    )
    return (rid, name, sev, where, t.value, t.printed, msg, None, None)


def _update(frame: pl.DataFrame, keys: list[str], rows: list[tuple], columns: list[str]) -> pl.DataFrame:
    """``frame`` with ``columns`` replaced where its ``keys`` match one of ``rows`` (keys then values)."""
    schema = frame.schema
    upd = pl.DataFrame(
        rows,
        schema={**dict.fromkeys(keys, pl.String), **{f"_new_{c}": schema[c] for c in columns}},
        orient="row",
    ).with_columns(*(pl.col(k).cast(schema[k]) for k in keys), pl.lit(True).alias("_hit"))
    joined = frame.join(upd, on=keys, how="left", maintain_order="left")
    return joined.with_columns(
        pl.when(pl.col("_hit")).then(pl.col(f"_new_{c}")).otherwise(pl.col(c)).alias(c) for c in columns
    ).select(frame.columns)


def apply_corrections(
    frames: dict[str, pl.DataFrame], fixes: Sequence[Correction]
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """The frames with ``fixes`` applied and the affected reports' checks evaluated again (their
    check rows include the corrections' own), and the ``corrections`` frame. Per-report checks
    only: run the checks across reports on the result.

    >>> from nianbao.parse.report import parse_bytes
    >>> from nianbao.parse.result import to_frames
    >>> from nianbao.synth.generate import sample_report
    >>> spec, data = sample_report(1, "txt", 2022, organ=0, damage="broken_identity")  # 4 printed as 9
    >>> frames = to_frames([parse_bytes(data, spec.filename)])
    >>> fix = Correction(spec.filename, "applications", "unable_needs_creation", "natural_person", "4", "pinned")
    >>> fixed, record = apply_corrections(frames, [fix])
    >>> record.select("row", "printed", "value").rows()
    [('unable_needs_creation', 9.0, 4.0)]
    >>> frames["checks"]["check"].to_list(), fixed["checks"]["check"].to_list()  # the errors it fixes are gone
    (['row_total', 'outcome_sum'], ['corrected'])
    """
    if not fixes:
        return frames, empty_frame("corrections")
    by_path, by_id = _reports(frames["reports"])
    found, checks = _resolve(fixes, by_path, by_id)
    parsed = parsed_cells(frames, sorted({rep.report_id for _, rep, _, _ in found}))
    applied, more = _targets(found, parsed)
    checks += more
    out = dict(frames)
    cells: dict[str, dict[tuple[str, str, str], float | None]] = {}
    for t in applied:
        cells.setdefault(t.report.report_id, dict(parsed[t.report.report_id]))[t.cell] = t.value
    for name, (row, col, table) in TABLE_FRAMES.items():
        rows = [(t.report.report_id, t.cell[1], t.cell[2], t.value) for t in applied if t.cell[0] == table]
        if rows:
            out[name] = _update(out[name], ["report_id", row, col], rows, ["value"])
    out["checks"], delta = _rechecked(frames, cells, applied, checks)
    out["reports"] = _recounted(out["reports"], delta, cells)
    record = [
        (
            t.report.report_id,
            t.report.path,
            t.fix.frame,
            t.cell[1] if t.cell[0] != "report" else "report",
            t.cell[2],
            t.printed,
            t.value,
            t.fix.reason or None,
            t.fix.author or None,
            t.fix.date or None,
            t.fix.source,
            t.fix.line,
        )
        for t in applied
    ]
    return out, pl.DataFrame(record, schema=FRAME_SCHEMAS["corrections"], orient="row")


_Counts = dict[str, tuple[int, int]]  # report_id → change in (warning, error) checks


def _severities(rows: Sequence[CheckRow]) -> tuple[int, int]:
    return sum(r[2] == "warning" for r in rows), sum(r[2] == "error" for r in rows)


def _rechecked(
    frames: dict[str, pl.DataFrame],
    cells: dict[str, dict[tuple[str, str, str], float | None]],
    applied: list[_Target],
    checks: list[CheckRow],
) -> tuple[pl.DataFrame, _Counts]:
    """The checks frame: corrected reports' rows evaluated again, then every correction's check;
    and per corrected report, by how much its warning and error checks changed."""
    schema = FRAME_SCHEMAS["checks"]
    old = frames["checks"]
    ids = list(cells)
    if not ids and not checks and not applied:
        return old, {}
    mine = pl.col("report_id").is_in(pl.Series(ids, dtype=pl.String).implode())
    parsed_rows: dict[str, list[CheckRow]] = {rid: [] for rid in ids}
    for row in old.filter(mine).select(schema.names()).iter_rows():
        parsed_rows[row[0]].append(row)
    years = dict(
        frames["reports"].filter(pl.col("status") != "duplicate").select("report_id", "template").iter_rows()
    )
    rows: list[CheckRow] = []
    delta: _Counts = {}
    for rid in ids:
        changed = {t.cell for t in applied if t.report.report_id == rid}
        table_cells = {c: v for c, v in cells[rid].items() if c[0] != "report"}
        report = {c[2]: v for c, v in cells[rid].items() if c[0] == "report"}
        report_changed = [c[2] for c in changed if c[0] == "report"]
        if "year" in report and report["year"] is not None:
            report["year"] = int(report["year"])
        again = recheck(rid, years[rid], table_cells, parsed_rows[rid], changed, report, report_changed)
        (w0, e0), (w1, e1) = _severities(parsed_rows[rid]), _severities(again)
        delta[rid] = (w1 - w0, e1 - e0)
        rows += again
    rows += [_applied_check(t) for t in applied]
    rows += checks
    return pl.concat([old.filter(~mine), pl.DataFrame(rows, schema=schema, orient="row")]), delta


def _recounted(
    reports: pl.DataFrame, delta: _Counts, cells: dict[str, dict[tuple[str, str, str], float | None]]
) -> pl.DataFrame:
    """The corrected reports' rows with their corrected columns, their cells counted again and their
    warning and error counts moved by what the checks evaluated again gave."""
    if not cells:
        return reports
    ids = list(cells)
    now = {
        rid: (w, e)
        for rid, w, e in reports.filter(pl.col("status") != "duplicate")
        .select("report_id", "checks_warning", "checks_error")
        .iter_rows()
    }
    cols = [*REPORT_COLUMNS, "cells_read", "cells_null", "checks_warning", "checks_error"]
    rows = []
    for rid in ids:
        table = [v for c, v in cells[rid].items() if c[0] != "report"]
        values = [cells[rid].get(("report", "report", k)) for k in REPORT_COLUMNS]
        null = table.count(None)
        (w, e), (dw, de) = now[rid], delta.get(rid, (0, 0))
        rows.append((rid, *values, len(table) - null, null, (w or 0) + dw, (e or 0) + de))
    schema = reports.schema
    upd = pl.DataFrame(
        rows, schema={"report_id": pl.String, **{f"_new_{c}": schema[c] for c in cols}}, orient="row"
    )
    joined = reports.join(
        upd.with_columns(pl.lit(True).alias("_hit")), on="report_id", how="left", maintain_order="left"
    )
    hit = pl.col("_hit") & (pl.col("status") != "duplicate")
    return joined.with_columns(
        pl.when(hit).then(pl.col(f"_new_{c}")).otherwise(pl.col(c)).alias(c) for c in cols
    ).select(reports.columns)
