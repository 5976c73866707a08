"""``nianbao review``: a sheet of the value checks to review, which, filled in, is a corrections file.

One row per check of severity error or warning that concerns a value (a cell of ``proactive``,
``applications``, ``litigation``, or a ``reports`` figure such as ``proactive_items``), with the
columns of :data:`SHEET_COLUMNS`, in that order. ``proposed`` is the value the template's identities
pin, where they pin exactly one cell (:func:`nianbao.parse.recheck.pinned`, the repair logic on one
cell); the row then names that cell. Otherwise the row names the identity's first cell (its total),
a damaged row's first null cell, or the figure a narrative check compares. The reviewer fills in
``value`` and ``reason``; the sheet is then read by ``nianbao parse --corrections SHEET``, whose
``report_id`` and ``printed`` columns make a correction written for other content or another
printed value stale (not applied). XLSX sheets have a frozen header, filters, widths that fit, and
the Chinese labels as a second header row; CSV sheets are UTF-8 without a BOM.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
import polars as pl

from nianbao.corpus.corrections import TABLE_FRAMES, parsed_cells
from nianbao.corpus.run import scan
from nianbao.errors import NianbaoError
from nianbao.parse.recheck import first_cell, pinned
from nianbao.templates import Template, template_named

__all__ = ["SHEET_COLUMNS", "SHEET_LABELS", "review_command", "review_frame", "write_sheet"]

Cell = tuple[str, str, str]

SHEET_LABELS: dict[str, str] = {
    "file": "文件",  # the reader skips a row whose `file` is this label (read_corrections)
    "report_id": "报告编号",
    "organ": "机关",
    "year": "年度",
    "page": "页码",
    "frame": "数据表",
    "row": "行",
    "column": "列",
    "printed": "印刷值",
    "proposed": "建议值(恒等式唯一确定)",
    "check": "检查",
    "severity": "严重程度",
    "message": "说明",
    "value": "更正值(请填写)",
    "reason": "更正理由(请填写)",
}
SHEET_COLUMNS: tuple[str, ...] = tuple(SHEET_LABELS)
_SCHEMA = {
    "file": pl.String,
    "report_id": pl.String,
    "organ": pl.String,
    "year": pl.Int16,
    "page": pl.Int32,
    "frame": pl.String,
    "row": pl.String,
    "column": pl.String,
    "printed": pl.Float64,
    "proposed": pl.Float64,
    "check": pl.String,
    "severity": pl.String,
    "message": pl.String,
    "value": pl.String,
    "reason": pl.String,
}
_FRAME_OF = {table: name for name, (_, _, table) in TABLE_FRAMES.items()} | {"report": "reports"}
_WIDTHS = {"file": 28, "message": 60, "row": 24, "column": 20, "organ": 24, "report_id": 18}


def _row_cells(t: Template, table: str, row: str | None) -> list[Cell]:
    """The cells of a table row in printed order (table 4: all its cells, proceeding by proceeding)."""
    if table == "t2":
        return [("t2", i.key, m) for i in t.table2_items if i.key == row for m in i.measures]
    if table == "t3":
        return [("t3", row, c) for c in t.column_keys] if row in t.row_keys else []
    return [("t4", p.key, r.key) for p in t.table4_proceedings for r in t.table4_results]


def _narrative_cell(t: Template, key: str) -> Cell:
    if key in t.row_keys:
        return ("t3", key, "total")
    if key in {p.key for p in t.table4_proceedings}:
        return ("t4", key, "total")
    return ("report", "report", "proactive_items")


def target(
    year: int, values: Mapping[Cell, float | None], check: str, where: str
) -> tuple[Cell, float | None] | None:
    """The cell a value check is about and the value the identities pin for it (or None), or None
    when the check is about no single value (a missing table, duplicates, organs)."""
    t = template_named(year)
    parts = where.split("/")
    fix = pinned(year, values, check, where)
    if fix is not None:
        return fix
    cell = first_cell(year, check, where)
    if cell is not None:
        return cell, None
    head = parts[0]
    if head in ("table2", "table3", "table4"):
        table = "t" + head[5:]
        if len(parts) == 3 and parts[1] == "*" and table == "t3":  # a column identity of merged rows
            return (table, t.rows_in_group("total")[0], parts[2]), None
        if len(parts) == 3:
            return ((table, parts[1], parts[2]), None) if (table, parts[1], parts[2]) in values else None
        cells = _row_cells(t, table, parts[1] if len(parts) == 2 else None)
        if not cells or (table == "t4" and len(parts) != 1):
            return None
        return next((c for c in cells if values.get(c) is None), cells[0]), None
    if head == "narrative" and len(parts) == 2:
        return _narrative_cell(t, parts[1]), None
    if head == "report" and check in ("template_year_mismatch", "year_missing"):
        return ("report", "report", "year"), None
    return None


def review_frame(frames: Mapping[str, pl.DataFrame], corrections: pl.DataFrame | None = None) -> pl.DataFrame:
    """The review sheet of a parsed corpus (columns :data:`SHEET_COLUMNS`), in file order.

    ``corrections``: the corpus's ``corrections`` frame, when it was parsed with corrections; a
    corrected cell's ``printed`` is then the parsed value, not the corrected one (a sheet row is
    matched against the parsed value when it is applied).

    >>> from nianbao.parse.report import parse_bytes
    >>> from nianbao.parse.result import to_frames
    >>> from nianbao.synth.generate import sample_report
    >>> spec, data = sample_report(1, "txt", 2022, organ=0, damage="broken_identity")  # 4 printed as 9
    >>> sheet = review_frame(to_frames([parse_bytes(data, spec.filename)]))
    >>> sheet.select("row", "column", "printed", "proposed", "check").rows()  # doctest: +NORMALIZE_WHITESPACE
    [('unable_needs_creation', 'natural_person', 9.0, 4.0, 'row_total'),
     ('unable_needs_creation', 'natural_person', 9.0, 4.0, 'outcome_sum')]
    """
    checks = frames["checks"].filter(
        pl.col("severity").is_in(["warning", "error"]), ~pl.col("check").str.starts_with("correct")
    )
    reports = frames["reports"].filter(pl.col("status").is_in(["ok", "partial"]))
    order = reports.select("report_id", "path", "organ", "year", "template").with_row_index("_at")
    flagged = checks.join(order, on="report_id", how="inner").sort("_at", maintain_order=True)
    ids = flagged["report_id"].unique(maintain_order=True).to_list()
    cells = parsed_cells(dict(frames), ids)
    table_of = {name: table for name, (_, _, table) in TABLE_FRAMES.items()} | {"reports": "report"}
    was: dict[tuple[str, Cell], float | None] = {}  # a corrected cell's parsed value
    if corrections is not None:
        for rid, frame, row, column, printed in corrections.select(
            "report_id", "frame", "row", "column", "printed"
        ).iter_rows():
            was[(rid, (table_of[frame], row, column))] = printed
    has_page = "page" in flagged.columns
    rows: list[tuple[Any, ...]] = []
    for rec in flagged.iter_rows(named=True):
        found = target(rec["template"], cells[rec["report_id"]], rec["check"], rec["where"])
        if found is None:
            continue
        cell, proposed = found
        rows.append(
            (
                rec["path"],
                rec["report_id"],
                rec["organ"],
                rec["year"],
                rec["page"] if has_page else None,
                _FRAME_OF[cell[0]],
                cell[1],
                cell[2],
                was.get((rec["report_id"], cell), cells[rec["report_id"]].get(cell)),
                proposed,
                rec["check"],
                str(rec["severity"]),
                rec["message"],
                None,
                None,
            )
        )
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row")


def _shown(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else repr(value)


def write_sheet(sheet: pl.DataFrame, path: str | Path) -> None:
    """Write the sheet as CSV or XLSX, by the extension of ``path``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_sheet(pl.DataFrame({"row": ["granted"], "printed": [9.0], "proposed": [4.5]}), Path(d) / "r.csv")
    ...     (Path(d) / "r.csv").read_text(encoding="utf-8")
    'row,printed,proposed\\ngranted,9,4.5\\n'
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        sheet.with_columns(
            pl.col(c).map_elements(_shown, return_dtype=pl.String) for c in ("printed", "proposed")
        ).write_csv(p)
    elif suffix == ".xlsx":
        _write_xlsx(sheet, p)
    else:
        raise NianbaoError(f"cannot write a review sheet as {p.name}: name it .csv or .xlsx")


def _write_xlsx(sheet: pl.DataFrame, p: Path) -> None:
    import xlsxwriter  # noqa: PLC0415 (only to write an .xlsx file)

    book = xlsxwriter.Workbook(str(p), {"nan_inf_to_errors": True})
    try:
        ws = book.add_worksheet("review")
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        label = book.add_format({"italic": True, "bg_color": "#F2F2F2", "border": 1})
        fill = book.add_format({"bg_color": "#FFF2CC"})
        for j, name in enumerate(SHEET_COLUMNS):
            ws.write_string(0, j, name, head)
            ws.write_string(1, j, SHEET_LABELS[name], label)
            widest = max([len(name), len(SHEET_LABELS[name]) * 2, 8])
            ws.set_column(
                j, j, _WIDTHS.get(name, min(widest + 2, 16)), fill if name in ("value", "reason") else None
            )
        for i, row in enumerate(sheet.iter_rows(), 2):
            for j, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, int | float):
                    ws.write_number(i, j, v)
                else:
                    ws.write_string(i, j, str(v))
        ws.freeze_panes(2, 0)
        ws.autofilter(0, 0, max(sheet.height + 1, 1), len(SHEET_COLUMNS) - 1)
    finally:
        book.close()


@click.command("review")
@click.argument("parsed_dir", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="the sheet to write: FILE.csv or FILE.xlsx",
)
def review_command(parsed_dir: str, out: str) -> None:
    """Write a review sheet of the value checks of a parsed corpus (CSV or XLSX); filled in, it is a corrections file."""

    if Path(out).suffix.lower() not in (".csv", ".xlsx"):
        raise click.UsageError("--out must name a .csv or .xlsx file")
    try:
        corpus = scan(parsed_dir).collect()
        sheet = review_frame(corpus.frames, corpus.corrections)
        write_sheet(sheet, out)
    except (NianbaoError, OSError) as e:
        raise click.ClickException(str(e)) from e
    pinned_n = sheet.filter(pl.col("proposed").is_not_null()).height
    click.echo(
        f"{sheet.height:,} checks to review in {sheet['report_id'].n_unique():,} reports "
        f"({pinned_n:,} with a value the identities pin) -> {out}\n"
        f"fill in `value` and `reason`, then: nianbao parse CORPUS --out {parsed_dir} --corrections {out}"
    )
