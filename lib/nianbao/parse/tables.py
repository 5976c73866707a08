"""Located rows → keyed cells of tables 2, 3 and 4, with what was found, damaged or repaired.

Every cell of the template gets a value (or None) and a status saying where the value came from:
``read`` (printed), ``blank`` (printed blank), ``missing`` (row not found), ``damaged`` (row printed
with the wrong count of numbers and not provable), ``merged`` (part of a merged row, not provable),
``repaired`` (proved by the template's identities). Observations become :class:`Finding` rows for
the checks frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from nianbao.grid import Line, parse_number
from nianbao.parse.identities import table3_constraints, table4_constraints
from nianbao.parse.labels import table2_matcher, table3_matcher
from nianbao.parse.locate import RawRow, Sections, Tokens, label_rows, table4_values, tokens
from nianbao.parse.repair import Aligned, Sum, align_read, solve_each
from nianbao.templates import Template, per_template

__all__ = ["EXACT_LIMIT", "Cell", "Finding", "Layout", "Tables", "key_tables", "layout", "out_of_range"]

Cell = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    severity: str
    where: str
    message: str
    expected: float | None = None
    actual: float | None = None
    page: int | None = None  # evidence, set by nianbao.parse.evidence when the check fires
    evidence: str | None = None


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each cell of a template's tables sits in :attr:`Tables.values`, worked out once.

    Table 2's cells (item by item), table 3's rows and table 4's proceedings, then table 3's merged
    rows: each frame's cells are then one slice, in the frame's row order.
    """

    cells: tuple[Cell, ...]
    at: dict[Cell, int]
    rows: dict[tuple[str, str], int]  # (table, row key) → the position of the row's first cell
    t2: slice
    t3: slice  # the template's rows, without the merged rows
    t4: slice
    t3_and_t4: slice  # every cell of tables 3 and 4, the merged rows included


@per_template
def layout(t: Template) -> Layout:
    """Where each cell of the template ``t`` sits in :attr:`Tables.values` (memoised per template).

    >>> from nianbao.templates import template_named
    >>> lay = layout(template_named(2021))
    >>> lay.cells[0], lay.t2, lay.t3, lay.t4, lay.at["t4", "administrative_review", "total"]
    (('t2', 'rules', 'issued'), slice(0, 10, None), slice(10, 185, None), slice(185, 200, None), 189)
    """
    rows: dict[tuple[str, str], list[Cell]] = {}
    for i in t.table2_items:
        rows[("t2", i.key)] = [("t2", i.key, m) for m in i.measures]
    for key in t.row_keys:
        rows[("t3", key)] = [("t3", key, c) for c in t.column_keys]
    rows[("t4", "")] = [("t4", p.key, r.key) for p in t.table4_proceedings for r in t.table4_results]
    for m in t.table3_merged_rows:
        rows[("t3", m.key)] = [("t3", m.key, c) for c in t.column_keys]
    cells = [cell for row in rows.values() for cell in row]
    starts, at = {}, 0
    for row, row_cells in rows.items():
        starts[row] = at
        at += len(row_cells)
    n2 = sum(len(i.measures) for i in t.table2_items)
    n3 = len(t.row_keys) * len(t.column_keys)
    n4 = len(t.table4_proceedings) * len(t.table4_results)
    return Layout(
        tuple(cells),
        {cell: i for i, cell in enumerate(cells)},
        starts,
        slice(0, n2),
        slice(n2, n2 + n3),
        slice(n2 + n3, n2 + n3 + n4),
        slice(n2, len(cells)),
    )


@dataclass
class Tables:
    """The cells of a report's tables: ``values[i]`` and ``status[i]`` are those of ``layout.cells[i]``
    (status None: a merged row the report did not print)."""

    template: Template
    layout: Layout
    values: list[float | None]
    status: list[str | None]
    found: dict[str, bool] = field(default_factory=dict)
    merged: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    unproven: list[int] = field(default_factory=list)  # positions left null as damaged or merged
    # where rows were found, for the evidence of checks (nianbao.parse.evidence): table → key → row,
    # and table 4's tokens with its value runs (its line is worked out only when a check needs it)
    located: dict[str, dict[str, RawRow]] = field(default_factory=dict)
    table4_runs: tuple[Tokens, list[tuple[int, int]]] | None = None

    @classmethod
    def of(cls, t: Template) -> Tables:
        """No cell set yet."""
        lay = layout(t)
        return cls(t, lay, [None] * len(lay.cells), [None] * len(lay.cells))

    def value(self, *cell: str) -> float | None:
        i = self.layout.at.get(cast(Cell, cell))
        return None if i is None else self.values[i]

    def items(self) -> list[tuple[Cell, float | None]]:
        """(cell, value) of every cell set, in the order the parser set them: table 2, table 3's
        printed merged rows each with the rows it stands for, table 3's other rows, table 4."""
        lay, t = self.layout, self.template
        order = list(range(lay.t2.start, lay.t2.stop))
        parts: set[str] = set()
        for m in t.table3_merged_rows:
            if m.key in self.merged:
                parts.update(m.parts)
                for key in (m.key, *m.parts):
                    start = lay.rows[("t3", key)]
                    order += range(start, start + len(t.column_keys))
        for key in t.row_keys:
            if key not in parts:
                start = lay.rows[("t3", key)]
                order += range(start, start + len(t.column_keys))
        order += range(lay.t4.start, lay.t4.stop)
        return [(lay.cells[i], self.values[i]) for i in order]

    @property
    def damaged(self) -> bool:
        """Some value is null because the table was damaged (not merely printed blank)."""
        return not all(self.found.values()) or not _NULLED_BY_DAMAGE.isdisjoint(self.status)


_NULLED_BY_DAMAGE = frozenset({"missing", "damaged", "merged"})
_TABLE_ZH = {"t2": "表二(主动公开)", "t3": "表三(申请办理)", "t4": "表四(复议诉讼)"}


@per_template
def _row_labels(t: Template) -> dict[tuple[str, str], str]:
    """(table, row key) → the row's printed label, for messages."""
    rows = [("t2", i.key, i.label) for i in t.table2_items]
    rows += [("t3", r.key, r.label) for r in t.table3_rows] + [
        ("t3", m.key, m.label) for m in t.table3_merged_rows
    ]
    rows += [("t4", p.key, p.label) for p in t.table4_proceedings]
    labels: dict[tuple[str, str], str] = {}
    for table, key, label in rows:
        labels.setdefault((table, key), label)
    return labels


def _row_label(t: Template, table: str, key: str) -> str:
    return _row_labels(t)[(table, key)]


def _shape_finding(where: str, what: str, al: Aligned, cells: int) -> Finding:
    """A row (or table 4's one row) printed with the wrong count of numbers."""
    proven = None not in al.cells
    return Finding(
        "row_shape",
        "warning",
        where,
        f"{what}印有 {al.numbers} 个数字，本表有 {cells} 格"
        + ("；各种读法结果一致，已按恒等式补全" if proven else "；无法确定数字所属的格，未能证明的格为空"),
        expected=cells,
        actual=al.numbers,
    )


def _blank_finding(where: str, what: str, blank: list[str]) -> Finding:
    return Finding(
        "blank_cells",
        "warning",
        where,
        f"{what}有 {len(blank)} 格空白(记为空值，不作 0): {', '.join(blank)}",
        actual=len(blank),
    )


def _set(tables: Tables, start: int, al: Aligned) -> None:
    """Write a row's aligned values from position ``start``, with their statuses (a damaged row's
    nulls are unproven)."""
    stop = start + len(al.cells)
    known, unknown = ("repaired", "damaged") if al.status == "shape" else ("read", "blank")
    tables.values[start:stop] = al.cells
    tables.status[start:stop] = [known if v is not None else unknown for v in al.cells]
    if al.status == "shape":
        tables.unproven += [start + i for i, v in enumerate(al.cells) if v is None]


def _aligned(toks: Tokens, raw: RawRow, n: int, sums: Sequence[Sum] = ()) -> Aligned:
    """A located row's values read into its ``n`` columns."""
    (a, b), *more = raw.runs
    values, exact = toks.values[a:b], all(toks.exact[a:b])
    for a, b in more:
        values += toks.values[a:b]
        exact = exact and all(toks.exact[a:b])
    return align_read(values, exact, n, sums, lambda: toks.of(raw.runs))


def _read(
    tables: Tables,
    toks: Tokens,
    table: str,
    key: str,
    columns: Sequence[str],
    raw: RawRow,
    sums: Sequence[Sum] = (),
) -> None:
    """Read a located row into its cells.

    A row printed as exactly its numbers, one per column (most rows), is read at once: what
    :func:`_aligned` and :func:`_record` make of it (status ``ok``, every cell ``read``, no finding).
    """
    n = len(columns)
    (a, b), *more = raw.runs
    if not more and b - a == n and toks.kinds.count("n", a, b) == n:
        start = tables.layout.rows[(table, key)]
        tables.values[start : start + n] = toks.values[a:b]
        tables.status[start : start + n] = ["read"] * n
    else:
        _record(tables, table, key, columns, _aligned(toks, raw, n, sums))


def _record(tables: Tables, table: str, key: str, columns: Sequence[str], al: Aligned) -> None:
    if len(al.cells) != len(columns):
        raise ValueError(f"{table}/{key}: {len(al.cells)} cells aligned for {len(columns)} columns")
    _set(tables, tables.layout.rows[(table, key)], al)
    if al.status == "ok":
        return
    where = f"{table.replace('t', 'table')}/{key}"
    what = f"{_TABLE_ZH[table]}「{_row_label(tables.template, table, key)}」"
    if al.status == "shape":
        tables.findings.append(_shape_finding(where, what, al, len(columns)))
    else:
        tables.findings.append(
            _blank_finding(where, what, [columns[i] for i, v in enumerate(al.cells) if v is None])
        )


def _mark(tables: Tables, table: str, key: str, status: str, width: int) -> None:
    """Set a row's cells null with ``status`` (they are null already)."""
    start = tables.layout.rows[(table, key)]
    tables.status[start : start + width] = [status] * width


def _missing(tables: Tables, table: str, key: str, width: int, whole_table: bool) -> None:
    _mark(tables, table, key, "missing", width)
    if not whole_table:
        label = _row_label(tables.template, table, key)
        tables.findings.append(
            Finding(
                "missing_rows",
                "warning",
                f"{table.replace('t', 'table')}/{key}",
                f"{_TABLE_ZH[table]}未找到「{label}」这一行，其各格记为空值",
            )
        )


def _table2(tables: Tables, lines: Sequence[Line], span: tuple[int, int] | None) -> None:
    t = tables.template
    toks = tokens(lines, span) if span else Tokens()
    rows = {r.key: r for r in label_rows(toks, table2_matcher(t.year))}
    tables.found["table2"] = bool(rows)
    tables.located["t2"] = rows
    for item in t.table2_items:
        raw = rows.get(item.key)
        if raw is None:
            _missing(tables, "t2", item.key, len(item.measures), not rows)
        else:
            _read(tables, toks, "t2", item.key, item.measures, raw)


def _table3(tables: Tables, lines: Sequence[Line], span: tuple[int, int] | None) -> None:
    t = tables.template
    start = t.rows_in_group("intake")[0]
    toks = tokens(lines, span) if span else Tokens()
    rows = {r.key: r for r in label_rows(toks, table3_matcher(t.year), start)}
    if span and not rows:  # the first row's label itself is damaged: read from the first label found
        rows = {r.key: r for r in label_rows(toks, table3_matcher(t.year))}
    tables.found["table3"] = bool(rows)
    tables.located["t3"] = rows
    columns = t.column_keys
    n = len(columns)
    sums = [(n - 1, range(n - 1))]
    for m in t.table3_merged_rows:
        if m.key in rows and not any(p in rows for p in m.parts):
            tables.merged.add(m.key)
            _read(tables, toks, "t3", m.key, columns, rows[m.key], sums)
            for p in m.parts:
                _mark(tables, "t3", p, "merged", n)
                first = tables.layout.rows[("t3", p)]
                tables.unproven += range(first, first + n)
    for row in t.table3_rows:
        if tables.status[tables.layout.rows[("t3", row.key)]] is not None:
            continue  # a part of a merged row
        raw = rows.get(row.key)
        if raw is None:
            _missing(tables, "t3", row.key, n, not rows)
        else:
            _read(tables, toks, "t3", row.key, columns, raw, sums)


def _table4(tables: Tables, lines: Sequence[Line], span: tuple[int, int] | None) -> None:
    t = tables.template
    total, parts = len(t.table4_results) - 1, range(len(t.table4_results) - 1)
    width = len(t.table4_results)
    lay = tables.layout
    cells = lay.cells[lay.t4]
    toks = tokens(lines, span) if span else Tokens()
    runs = table4_values(toks, len(cells)) if span else None
    tables.found["table4"] = runs is not None
    if runs is None:
        _mark(tables, "t4", "", "missing", len(cells))
        return
    tables.table4_runs = (toks, runs)
    sums = [(b * width + total, [b * width + i for i in parts]) for b in range(len(t.table4_proceedings))]
    al = _aligned(toks, RawRow("", "", 0, runs), len(cells), sums)
    if len(al.cells) != len(cells):
        raise ValueError(f"table 4: {len(al.cells)} cells aligned for {len(cells)}")
    _set(tables, lay.t4.start, al)
    if al.status == "shape":
        tables.findings.append(_shape_finding("table4", _TABLE_ZH["t4"], al, len(cells)))
    elif al.status == "blank":
        names = {p.key: p.label for p in t.table4_proceedings} | {r.key: r.label for r in t.table4_results}
        blank = [f"{names[p]}/{names[r]}" for (_, p, r), v in zip(cells, al.cells, strict=True) if v is None]
        tables.findings.append(_blank_finding("table4", _TABLE_ZH["t4"], blank))


def _repair(tables: Tables) -> None:
    """Fill damaged and merged cells that the identities prove; report each repaired row."""
    t = tables.template
    if not tables.unproven:
        return
    lay = tables.layout
    writable = {lay.cells[i] for i in tables.unproven}
    cons = table3_constraints(t, tables.merged) + table4_constraints(t)
    cells = {
        cell: v for cell, v, s in zip(lay.cells, tables.values, tables.status, strict=True) if s is not None
    }
    solve_each(cells, cons, writable)  # a group of identities the printed cells contradict proves nothing
    filled: dict[tuple[str, str], list[str]] = {}
    for cell in writable:
        value = cells.get(cell)
        if value is not None:
            tables.values[lay.at[cell]] = value
            tables.status[lay.at[cell]] = "repaired"
            filled.setdefault((cell[0], cell[1]), []).append(cell[2])
    for (table, key), cols in sorted(filled.items()):
        label = _row_label(t, table, key)
        tables.findings.append(
            Finding(
                "repair",
                "info",
                f"{table.replace('t', 'table')}/{key}",
                f"{_TABLE_ZH[table]}「{label}」{len(cols)} 格由表内恒等式(行合计、办理结果合计、收支平衡)唯一确定而补全",
            )
        )
    for m in t.table3_merged_rows:
        if m.key in tables.merged:
            left = [
                p for p in m.parts for c in t.column_keys if tables.status[lay.at[("t3", p, c)]] == "merged"
            ]
            tables.findings.append(
                Finding(
                    "merged_rows",
                    "warning" if left else "info",
                    f"table3/{m.key}",
                    f"表三「{m.label}」印为一行(未分列其下各项)"
                    + ("；其合计非零，各分项无法确定，记为空值" if left else "；其合计为 0，各分项均为 0"),
                )
            )


# Numbers are read as floats, which hold every whole number below 2**53 exactly; a count (Int64 in
# the frames) or an amount at or above it was not printed as a real figure (a cell run together
# with its neighbours, an ID number in a value column) and could not be stored as printed.
EXACT_LIMIT = float(2**53)


def out_of_range(where: str, what: str, printed: str) -> Finding:
    """The error check for a value too large to be stored as printed (its cell is null).

    >>> f = out_of_range("table2/rules/issued", "表二(主动公开)「规章」", "110101199001011234")
    >>> f.check, f.severity, f.message.split("，")[0]
    ('value_out_of_range', 'error', '表二(主动公开)「规章」印有「110101199001011234」')
    """
    return Finding(
        "value_out_of_range",
        "error",
        where,
        f"{what}印有「{printed}」，数值过大(不是有效的统计数字，无法按原样存储)，记为空值；请核对原文",
    )


def _drop_out_of_range(tables: Tables, lines: Sequence[Line], sections: Sections) -> None:
    """Null every cell whose value is too large to store exactly (:data:`EXACT_LIMIT`), as damaged,
    with an error check quoting what was printed. Done before repairs, so nothing is derived from it."""
    values = tables.values
    if max(map(abs, filter(None, values)), default=0.0) < EXACT_LIMIT:  # (every report: one C-level pass)
        return
    printed: dict[float, str] = {}  # value → a cell printing it, for the message
    for span in (sections.table2, sections.table3, sections.table4):
        for line in lines[slice(*span)] if span else ():
            for c in line.cells:
                v = parse_number(c)
                if v is not None and abs(v) >= EXACT_LIMIT:
                    printed.setdefault(v, c.strip() if c else "")
    lay, t = tables.layout, tables.template
    for i, v in enumerate(values):
        if v is not None and abs(v) >= EXACT_LIMIT:
            values[i], tables.status[i] = None, "damaged"
            table, row, column = lay.cells[i]
            where = f"{table.replace('t', 'table')}/{row}/{column}"
            what = f"{_TABLE_ZH[table]}「{_row_label(t, table, row)}」"
            tables.findings.append(out_of_range(where, what, printed.get(v, f"{v:.0f}")))


def key_tables(lines: Sequence[Line], sections: Sections, template: Template) -> Tables:
    """Every cell of the template's three tables, keyed, with findings; repairs applied.

    >>> from nianbao.parse.locate import find_sections
    >>> from nianbao.read.text import text_lines
    >>> from nianbao.templates import template_for_year
    >>> lines = text_lines("二、主动公开政府信息情况\\n规章\\t3\\t0\\t5\\n三、收到和处理政府信息公开申请情况\\n"
    ...     "四、政府信息公开行政复议、行政诉讼情况\\n结果维持\\n" + "\\t".join("10102" * 3))
    >>> tables = key_tables(lines, find_sections(lines), template_for_year(2023))
    >>> tables.found, tables.value("t2", "rules", "in_force"), tables.value("t4", "litigation_direct", "total")
    ({'table2': True, 'table3': False, 'table4': True}, 5.0, 2.0)
    >>> tables.damaged, [f.where for f in tables.findings][-2:]
    (True, ['table2/administrative_fees', 'table3'])
    """
    tables = Tables.of(template)
    _table2(tables, lines, sections.table2)
    _table3(tables, lines, sections.table3)
    _table4(tables, lines, sections.table4)
    for name, found in tables.found.items():
        if not found:
            tables.findings.append(
                Finding(
                    "table_missing", "warning", name, f"未找到{_TABLE_ZH['t' + name[-1]]}；其各格记为空值"
                )
            )
    _drop_out_of_range(tables, lines, sections)
    _repair(tables)
    return tables
