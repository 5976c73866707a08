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

from nianbao.grid import Line
from nianbao.identities import table3_constraints, table4_constraints
from nianbao.labels import table2_matcher, table3_matcher
from nianbao.locate import RawRow, Sections, label_rows, table4_values, tokens
from nianbao.repair import Aligned, align, solve
from nianbao.templates import Template, per_template

__all__ = ["Finding", "Tables", "key_tables"]

Cell = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    severity: str
    where: str
    message: str
    expected: float | None = None
    actual: float | None = None


@dataclass
class Tables:
    template: Template
    cells: dict[Cell, float | None] = field(default_factory=dict)
    status: dict[Cell, str] = field(default_factory=dict)
    found: dict[str, bool] = field(default_factory=dict)
    merged: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)

    def value(self, *cell: str) -> float | None:
        return self.cells.get(cell)  # type: ignore[arg-type]

    @property
    def damaged(self) -> bool:
        """Some value is null because the table was damaged (not merely printed blank)."""
        return not all(self.found.values()) or not _NULLED_BY_DAMAGE.isdisjoint(self.status.values())


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


def _record(tables: Tables, table: str, key: str, columns: Sequence[str], al: Aligned, raw: RawRow) -> None:
    known, unknown = ("repaired", "damaged") if al.status == "shape" else ("read", "blank")
    for col, value in zip(columns, al.cells, strict=True):
        cell = (table, key, col)
        tables.cells[cell] = value
        tables.status[cell] = known if value is not None else unknown
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


def _missing(tables: Tables, table: str, key: str, columns: Sequence[str], whole_table: bool) -> None:
    for col in columns:
        tables.cells[(table, key, col)] = None
        tables.status[(table, key, col)] = "missing"
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
    rows = {r.key: r for r in label_rows(tokens(lines, span), table2_matcher(t.year))} if span else {}
    tables.found["table2"] = bool(rows)
    for item in t.table2_items:
        raw = rows.get(item.key)
        if raw is None:
            _missing(tables, "t2", item.key, item.measures, not rows)
        else:
            _record(tables, "t2", item.key, item.measures, align(raw.values, len(item.measures)), raw)


def _table3(tables: Tables, lines: Sequence[Line], span: tuple[int, int] | None) -> None:
    t = tables.template
    start = t.rows_in_group("intake")[0]
    rows = {r.key: r for r in label_rows(tokens(lines, span), table3_matcher(t.year), start)} if span else {}
    if span and not rows:  # the first row's label itself is damaged: read from the first label found
        rows = {r.key: r for r in label_rows(tokens(lines, span), table3_matcher(t.year))}
    tables.found["table3"] = bool(rows)
    columns = t.column_keys
    n = len(columns)
    sums = [(n - 1, range(n - 1))]
    for m in t.table3_merged_rows:
        if m.key in rows and not any(p in rows for p in m.parts):
            tables.merged.add(m.key)
            _record(tables, "t3", m.key, columns, align(rows[m.key].values, n, sums), rows[m.key])
            for p in m.parts:
                for col in columns:
                    tables.cells[("t3", p, col)] = None
                    tables.status[("t3", p, col)] = "merged"
    for row in t.table3_rows:
        if ("t3", row.key, columns[0]) in tables.status:
            continue
        raw = rows.get(row.key)
        if raw is None:
            _missing(tables, "t3", row.key, columns, not rows)
        else:
            _record(tables, "t3", row.key, columns, align(raw.values, n, sums), raw)


def _table4(tables: Tables, lines: Sequence[Line], span: tuple[int, int] | None) -> None:
    t = tables.template
    total, parts = len(t.table4_results) - 1, range(len(t.table4_results) - 1)
    width = len(t.table4_results)
    keys = [(p.key, r.key) for p in t.table4_proceedings for r in t.table4_results]
    values = table4_values(tokens(lines, span), len(keys)) if span else None
    tables.found["table4"] = values is not None
    if values is None:
        for p, r in keys:
            tables.cells[("t4", p, r)] = None
            tables.status[("t4", p, r)] = "missing"
        return
    sums = [(b * width + total, [b * width + i for i in parts]) for b in range(len(t.table4_proceedings))]
    al = align(values, len(keys), sums)
    for (p, r), v in zip(keys, al.cells, strict=True):
        if al.status == "shape":
            status = "repaired" if v is not None else "damaged"
        else:
            status = "read" if v is not None else "blank"
        tables.cells[("t4", p, r)] = v
        tables.status[("t4", p, r)] = status
    if al.status == "shape":
        tables.findings.append(_shape_finding("table4", _TABLE_ZH["t4"], al, len(keys)))
    elif al.status == "blank":
        names = {p.key: p.label for p in t.table4_proceedings} | {r.key: r.label for r in t.table4_results}
        blank = [f"{names[p]}/{names[r]}" for (p, r), v in zip(keys, al.cells, strict=True) if v is None]
        tables.findings.append(_blank_finding("table4", _TABLE_ZH["t4"], blank))


def _repair(tables: Tables) -> None:
    """Fill damaged and merged cells that the identities prove; report each repaired row."""
    t = tables.template
    writable = {c for c, s in tables.status.items() if s in ("damaged", "merged")}
    if not writable:
        return
    cons = table3_constraints(t, tables.merged) + table4_constraints(t)
    before = dict(tables.cells)
    if not solve(tables.cells, cons, writable):
        tables.cells.update(before)  # the printed cells contradict an identity: prove nothing
        return
    filled: dict[tuple[str, str], list[str]] = {}
    for cell in writable:
        if tables.cells.get(cell) is not None:
            tables.status[cell] = "repaired"
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
            left = [p for p in m.parts for c in t.column_keys if tables.status[("t3", p, c)] == "merged"]
            tables.findings.append(
                Finding(
                    "merged_rows",
                    "warning" if left else "info",
                    f"table3/{m.key}",
                    f"表三「{m.label}」印为一行(未分列其下各项)"
                    + ("；其合计非零，各分项无法确定，记为空值" if left else "；其合计为 0，各分项均为 0"),
                )
            )


def key_tables(lines: Sequence[Line], sections: Sections, template: Template) -> Tables:
    """Every cell of the template's three tables, keyed, with findings; repairs applied."""
    tables = Tables(template)
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
    _repair(tables)
    return tables
