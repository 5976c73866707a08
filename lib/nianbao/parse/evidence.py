"""Evidence for the checks of one report: the page and the printed row a value check is about.

A reviewer should see what the file printed without opening it. After the checks are made (and only
when some fired), each check about a table row or cell gets the line of that row as printed (its
cells between bars, cut to :data:`SNIPPET` characters) and its page where the reader knows pages (PDF). A check about a whole
column (an outcome sum, the intake balance) gets the row of the identity's first cell (the 总计
row, or 本年新收); one about table 4 its first printed line of values.

>>> from nianbao.parse.tables import Finding
>>> attach([], None, (), None)
[]
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace

from nianbao.grid import Line
from nianbao.parse.recheck import first_cell
from nianbao.parse.tables import Finding, Tables

__all__ = ["SNIPPET", "attach", "line_of"]

SNIPPET = 120


def line_of(tables: Tables, check: str, where: str) -> int | None:
    """The document line of the row a check at ``where`` is about, or None.

    >>> from nianbao.parse.locate import find_sections
    >>> from nianbao.parse.tables import key_tables
    >>> from nianbao.read.text import text_lines
    >>> from nianbao.templates import template_for_year
    >>> lines = text_lines("二、主动公开政府信息情况\\n规章\\t3\\t0\\t5\\n行政许可\\t7\\n")
    >>> tables = key_tables(lines, find_sections(lines), template_for_year(2023))
    >>> line_of(tables, "blank_cells", "table2/administrative_licensing"), line_of(tables, "x", "table3/granted")
    (2, None)
    """
    parts = where.split("/")
    head = parts[0]
    if head == "table4":
        if tables.table4_runs is None:
            return None
        toks, runs = tables.table4_runs
        if not runs or not toks.starts:
            return None
        return toks.line_no[bisect_right(toks.starts, runs[0][0]) - 1]
    if head not in ("table2", "table3") or len(parts) < 2:
        return None
    table = "t" + head[5:]
    key = parts[1]
    if key == "*":
        cell = first_cell(tables.template.year, check, where)
        key = cell[1] if cell else tables.template.rows_in_group("total")[0]
    row = tables.located.get(table, {}).get(key)
    return row.line if row is not None else None


def _shown(line: Line) -> str:
    """A line as printed: a table row's cells between bars, so a blank cell shows as an empty one."""
    if line.kind == "text":
        return " ".join(line.text.split())
    return " | ".join(" ".join(c.split()) for c in line.cells if c is not None)


def attach(
    findings: list[Finding], tables: Tables | None, lines: Sequence[Line], pages: Sequence[int] | None
) -> list[Finding]:
    """``findings`` with their page and evidence set, where they are about a row that was found.

    >>> from nianbao.parse.locate import find_sections
    >>> from nianbao.parse.tables import key_tables
    >>> from nianbao.read.text import text_lines
    >>> from nianbao.templates import template_for_year
    >>> lines = text_lines("二、主动公开政府信息情况\\n规章\\t3\\t\\t5\\n")
    >>> tables = key_tables(lines, find_sections(lines), template_for_year(2023))
    >>> [(f.check, f.page, f.evidence) for f in attach(tables.findings[:2], tables, lines, [1, 1])]
    [('blank_cells', 1, '规章 | 3 |  | 5'), ('missing_rows', None, None)]
    """
    if not findings or tables is None:
        return findings
    out = []
    for f in findings:
        line = line_of(tables, f.check, f.where) if f.where.startswith("table") else None
        if line is None or line >= len(lines):
            out.append(f)
            continue
        text = _shown(lines[line])
        page = pages[line] if pages is not None and line < len(pages) else None
        out.append(replace(f, page=page, evidence=text[:SNIPPET] + ("…" if len(text) > SNIPPET else "")))
    return out
