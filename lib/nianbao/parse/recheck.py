"""The per-report value checks again, on a report's cells as its frames hold them (after corrections).

The parser checks a report's identities on its :class:`~nianbao.parse.tables.Tables`; a corrected
report has only its frames. :func:`recheck` rebuilds the report's cells from the frames and runs the
same rule, :func:`~nianbao.parse.checks.identity_findings`, on them: one rule, not a copy. Two kinds
of identity cannot be evaluated from the frames alone, since the frames do not hold a merged row the
report printed (2021's (六)其他处理 printed as one row) nor a value that is not a whole count:
those keep the parser's verdict, unless a correction touched one of their cells (then they cannot be
checked and give no row). Without corrections, :func:`recheck` gives back exactly the parser's rows
(a test proves it over every seed, real file and generated damaged report).

The narrative checks that need no narrative text (breakdown sum, template year, year missing) are
run again when a correction changed the ``reports`` columns they read; the others keep their rows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from functools import cache
from typing import cast

from nianbao.parse.checks import CheckRow, _where, identity_findings, narrative_findings, report_checks
from nianbao.parse.identities import merged_constraints, table3_constraints, table4_constraints
from nianbao.parse.repair import Constraint, solve
from nianbao.parse.tables import Cell, Tables
from nianbao.templates import template_named

__all__ = ["REPORT_COLUMNS", "first_cell", "identity_keys", "pinned", "recheck", "tables_of"]

# reports columns a correction may change, and the checks that read them
REPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "proactive_items": ("narrative_breakdown_mismatch",),
    "proactive_breakdown_sum": ("narrative_breakdown_mismatch",),
    "wechat_posts": (),
    "weibo_posts": (),
    "year": ("template_year_mismatch", "year_missing"),
}


@cache
def identity_keys(year: int) -> dict[tuple[str, str], frozenset[Cell]]:
    """(check, where) of every identity the parser may check on a report of template ``year`` → the
    cells the frames-side identity reads (a merged row's cell is never in the frames)."""
    t = template_named(year)
    merged = [m.key for m in t.table3_merged_rows]
    out: dict[tuple[str, str], frozenset[Cell]] = {}
    for con in [*table3_constraints(t), *table4_constraints(t), *merged_constraints(t, merged)]:
        out.setdefault((con.name, _where(con)), frozenset(c for c, _ in con.terms))  # type: ignore[misc]
    return out


def tables_of(year: int, values: Mapping[Cell, float | None]) -> Tables:
    """A report's cells (``("t3", row, column)`` → value) as :class:`Tables`; absent cells are null.

    >>> tables = tables_of(2021, {("t4", "administrative_review", "total"): 3})
    >>> tables.value("t4", "administrative_review", "total"), tables.value("t4", "administrative_review", "upheld")
    (3, None)
    """
    tables = Tables.of(template_named(year))
    at = tables.layout.at
    for cell, value in values.items():
        i = at.get(cell)
        if i is not None:
            tables.values[i] = value
    return tables


def _cell_of_where(where: str) -> Cell | None:
    parts = where.split("/")
    if len(parts) != 3 or not parts[0].startswith("table"):
        return None
    return ("t" + parts[0][5:], parts[1], parts[2])


def recheck(
    report_id: str,
    year: int,
    values: Mapping[Cell, float | None],
    parsed: Sequence[CheckRow],
    corrected: Collection[Cell] = (),
    report: Mapping[str, object] | None = None,
    report_changed: Collection[str] = (),
) -> list[CheckRow]:
    """The report's check rows on ``values``: ``parsed`` (the parser's rows) with the value checks
    evaluated again; ``corrected`` names the cells a correction changed, ``report_changed`` the
    ``reports`` columns (whose new values ``report`` holds: proactive_items, …, year).

    >>> cells = [("t4", "administrative_review", k) for k in ("upheld", "corrected", "other", "pending", "total")]
    >>> rows = recheck("r1", 2021, dict(zip(cells, [1, 0, 1, 0, 3])), parsed=[])
    >>> [row[1:6] for row in rows], recheck("r1", 2021, dict(zip(cells, [1, 0, 1, 0, 2])), rows, cells[-1:])
    ([('litigation_total', 'error', 'table4/administrative_review', 2, 3)], [])
    """
    tables = tables_of(year, values)
    at, known = tables.layout.at, tables.values
    keys = identity_keys(year)
    touched = set(corrected)
    fresh = report_checks(report_id, identity_findings(tables))
    redo = {name for col in report_changed for name in REPORT_COLUMNS.get(col, ())}
    kept: list[CheckRow] = []
    for row in parsed:
        check, where = row[1], row[3]
        cells = keys.get((check, where))
        if cells is not None:
            if all(known[at[c]] is not None for c in cells) or not touched.isdisjoint(cells):
                continue  # evaluated again above, or a correction made it uncheckable
        elif check == "negative_value":
            cell = _cell_of_where(where)
            if cell is None or cell in touched or known[at[cell]] is not None:
                continue
        elif check in redo:
            continue
        kept.append(row)
    if redo and report is not None:
        figures = {
            k: v for k in ("proactive_items", "proactive_breakdown_sum") if (v := report.get(k)) is not None
        }
        ry = report.get("year")
        found = narrative_findings(
            figures,  # type: ignore[arg-type]
            "",  # no narrative text: the checks that read it keep their rows
            tables,
            ry if isinstance(ry, int) else None,
            tables.template,
        )
        fresh += report_checks(report_id, [f for f in found if f.check in redo])
    # a check evaluated again keeps the evidence the parser gave it (the printed row did not change)
    seen = {(r[1], r[3]): r[7:] for r in parsed}
    fresh = [(*r[:7], *seen.get((r[1], r[3]), r[7:])) for r in fresh]
    return kept + fresh


@cache
def _constraints(year: int) -> dict[tuple[str, str], Constraint]:
    """The template's own identities (no merged rows: the frames hold none), by (check, where)."""
    t = template_named(year)
    return {(con.name, _where(con)): con for con in [*table3_constraints(t), *table4_constraints(t)]}


def first_cell(year: int, check: str, where: str) -> Cell | None:
    """The first cell of an identity (its total, or 本年新收 of the intake balance), where a reviewer
    looks first when no single cell is pinned.

    >>> first_cell(2021, "outcome_sum", "table3/*/total"), first_cell(2021, "intake_balance", "table3/*/total")
    (('t3', 'total_processed', 'total'), ('t3', 'new_received', 'total'))
    """
    con = _constraints(year).get((check, where))
    return cast(Cell, con.terms[0][0]) if con else None


def pinned(
    year: int, values: Mapping[Cell, float | None], check: str, where: str
) -> tuple[Cell, float] | None:
    """The one cell of a broken identity whose change makes every identity through it hold, and
    that value; None when no cell or several cells could (the identities do not pin one).

    Each cell of the identity in turn is taken as unknown and :func:`~nianbao.parse.repair.solve`
    works out what the identities through it force (the repair logic, on one cell): a value that
    fits all of them, other than the printed one, makes the cell a candidate.

    >>> t = template_named(2021)
    >>> v = {("t3", r, c): 0 for r in t.row_keys for c in t.column_keys}
    >>> for r in ("new_received", "granted", "total_processed"):
    ...     v["t3", r, "natural_person"] = v["t3", r, "total"] = 1
    >>> v["t3", "granted", "natural_person"] = 2  # misprinted: its row's total and its column's say 1
    >>> pinned(2021, v, "row_total", "table3/granted")
    (('t3', 'granted', 'natural_person'), 1.0)
    """
    con = _constraints(year).get((check, where))
    if con is None:
        return None
    through: dict[object, list[Constraint]] = {}
    for c in _constraints(year).values():
        for cell, _ in c.terms:
            through.setdefault(cell, []).append(c)
    found: list[tuple[Cell, float]] = []
    for term, _ in con.terms:
        cell = cast(Cell, term)
        printed = values.get(cell)
        if printed is None:
            return None  # an unknown cell: the identity was not checked, nothing is pinned
        trial: dict[object, float] = {k: v for k, v in values.items() if v is not None and k != cell}
        if solve(trial, through[cell], {cell}) and trial.get(cell) is not None and trial[cell] != printed:
            found.append((cell, float(trial[cell])))
    return found[0] if len(found) == 1 else None
