"""Damage injected into generated reports, each kind recorded in the truth with the check it must raise.

Every function edits what the report prints (``spec.printed`` / ``spec.style``) and the truth
(``spec.truth``) together, so that the truth is always *what a careful parser can prove from the
page*, and adds the check names to ``spec.expected_checks``. The rules:

``missing_rows`` (check ``missing_rows``)
    1-3 consecutive table-3 rows are not printed (or the table is cut short after a row). Their cells
    are null in the truth — even when the identities would prove them: the contract says a value the
    table does not hold is null and flagged, never filled in.
``row_shape`` (check ``row_shape``; txt and HTML only, where a row is a sequence of cells)
    An all-zero row is printed with an extra ``0`` or with one ``0`` fewer. Only all-zero rows are
    damaged this way, because only there is every cell provable whatever the misalignment (the row
    total is 0, cells are non-negative): the truth keeps the zeros. A non-zero row with a wrong count
    would be ambiguous, so it is never generated.
``blank_cells`` (check ``blank_cells``)
    Zero cells printed blank (some rows, the whole of table 3 as in many portal pages, the 其他处理 rows,
    or table-4 cells). Blank is null in the truth (not 0). Only zero cells are blanked, so identities
    stay true whichever way a checker treats nulls.
``narrative_mismatch`` (check ``narrative_breakdown_mismatch``)
    One category of the narrative breakdown is off by 1-5, so the breakdown no longer sums to the
    stated total; the truth records the printed total and the printed breakdown's sum.
``broken_identity`` (checks ``row_total`` / ``outcome_sum`` / ``intake_balance`` / ``litigation_total``)
    One printed number of an outcome row, the 总计 row, or a non-total table-4 cell is off by 1-5. The
    truth holds the printed (wrong) number; the expected checks are exactly the identities the
    change breaks (computed by :func:`~nianbao.synth.truth.broken_identities`). Intake and carry-forward
    rows are never changed, so the organ's cross-year carry stays consistent. Not applied to a table
    that prints the merged 其他处理 row: whether a parser still splits a zero merged row into zero
    parts in a table whose identities fail is a policy choice, so that case is left out.
``fee_unit`` (check ``fee_unit_suspect``)
    A fee in 万元 printed as its amount in 元 (×10000). Only for an organ that collects fees in other
    years of the corpus with the same template (the check compares years); the truth holds the printed
    number. The corpus-level choice is made by the caller (:mod:`nianbao.synth.generate`).
``traditional`` (no check), ``gbk`` (no check; txt and HTML only)
    The whole report in traditional characters, or encoded in GBK. These change bytes, not data: the
    truth is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nianbao.grid import parse_number
from nianbao.synth.model import ReportSpec
from nianbao.synth.truth import broken_identities

__all__ = ["DAMAGE_KINDS", "DATA_KINDS", "applicable_kinds", "apply_damage"]

DATA_KINDS = ("missing_rows", "row_shape", "blank_cells", "narrative_mismatch", "broken_identity", "fee_unit")
BYTE_KINDS = ("traditional", "gbk")
DAMAGE_KINDS = DATA_KINDS + BYTE_KINDS
_ONLY_FORMATS = {"row_shape": ("txt", "html"), "gbk": ("txt", "html")}


def applicable_kinds(spec: ReportSpec) -> list[str]:
    """Kinds this report's format allows (fee_unit still needs the corpus-level condition).

    >>> from nianbao.synth.generate import sample_spec
    >>> applicable_kinds(sample_spec(3, "pdf", 2020, organ=4))  # no row_shape or gbk in a PDF
    ['missing_rows', 'blank_cells', 'narrative_mismatch', 'broken_identity', 'fee_unit', 'traditional']
    """
    return [k for k in DAMAGE_KINDS if spec.style.format in _ONLY_FORMATS.get(k, (spec.style.format,))]


def _row_keys(spec: ReportSpec, key: str) -> tuple[str, ...]:
    """Template rows a printed row stands for (a merged row stands for its parts)."""
    for m in spec.template.table3_merged_rows:
        if m.key == key:
            return m.parts
    return (key,)


def missing_rows(rng: np.random.Generator, spec: ReportSpec) -> bool:
    rows = spec.printed.table3
    if len(rows) < 6:
        return False
    k = int(rng.integers(1, 4))
    start = len(rows) - k if rng.random() < 0.4 else int(rng.integers(0, len(rows) - k + 1))
    dropped = rows[start : start + k]
    spec.printed.table3 = rows[:start] + rows[start + k :]
    for row in dropped:
        for key in _row_keys(spec, row.key):
            spec.truth.applications[key] = [None] * len(spec.template.table3_columns)
    spec.expected_checks.add("missing_rows")
    spec.notes.append("rows not printed: " + ", ".join(r.key for r in dropped))
    return True


def row_shape(rng: np.random.Generator, spec: ReportSpec) -> bool:
    width = len(spec.template.table3_columns)
    zero_rows = [r for r in spec.printed.table3 if len(r.cells) == width and all(c == "0" for c in r.cells)]
    if not zero_rows:
        return False
    row = zero_rows[int(rng.integers(len(zero_rows)))]
    if rng.random() < 0.5:
        row.cells.insert(int(rng.integers(0, width + 1)), "0")
        spec.notes.append(f"row {row.key} printed with {width + 1} numbers (all zero: provably 0)")
    else:
        del row.cells[int(rng.integers(0, width))]
        spec.notes.append(f"row {row.key} printed with {width - 1} numbers (all zero: provably 0)")
    spec.expected_checks.add("row_shape")
    return True


def _blank_table3(spec: ReportSpec, rows: list[int]) -> int:
    n = 0
    for i in rows:
        row = spec.printed.table3[i]
        keys = _row_keys(spec, row.key)
        if len(keys) > 1 or len(row.cells) != len(spec.template.table3_columns):
            continue
        for j, text in enumerate(row.cells):
            if text == "0":
                row.cells[j] = ""
                spec.truth.applications[keys[0]][j] = None
                n += 1
    return n


def blank_cells(rng: np.random.Generator, spec: ReportSpec) -> bool:
    rows = spec.printed.table3
    variant = int(rng.choice(4, p=[0.4, 0.25, 0.15, 0.2]))
    n = 0
    if variant == 1:
        n = _blank_table3(spec, list(range(len(rows))))
        where = "every zero cell of table 3"
    elif variant == 2:
        other = [i for i, r in enumerate(rows) if r.key in spec.template.rows_in_group("other")]
        n = _blank_table3(spec, other) if all(c == "0" for i in other for c in rows[i].cells) else 0
        where = "the 其他处理 rows"
    elif variant == 3:
        proc = list(spec.printed.table4)[int(rng.integers(len(spec.printed.table4)))]
        cells = spec.printed.table4[proc]
        for j, text in enumerate(cells):
            if text == "0":
                cells[j] = ""
                spec.truth.litigation[proc][j] = None
                n += 1
        where = f"zero cells of table 4 {proc}"
    if n == 0:
        candidates = [i for i, r in enumerate(rows) if "0" in r.cells]
        picked = sorted(
            rng.choice(len(candidates), size=min(len(candidates), int(rng.integers(1, 4))), replace=False)
        )
        n = _blank_table3(spec, [candidates[i] for i in picked])
        where = "zero cells of some table-3 rows"
    if n == 0:
        return False
    spec.expected_checks.add("blank_cells")
    spec.notes.append(f"{n} blank cells: {where}")
    return True


def narrative_mismatch(rng: np.random.Generator, spec: ReportSpec) -> bool:
    n = spec.printed.narrative
    if n.proactive_items is None or not n.breakdown:
        return False
    i = int(rng.integers(len(n.breakdown)))
    category, value = n.breakdown[i]
    delta = int(rng.choice([-5, -3, -2, -1, 1, 2, 3, 5]))
    if value + delta < 1:
        delta = abs(delta)
    n.breakdown[i] = (category, value + delta)
    spec.truth.narrative["proactive_breakdown_sum"] = n.breakdown_sum
    spec.expected_checks.add("narrative_breakdown_mismatch")
    spec.notes.append(f"narrative total {n.proactive_items} but its breakdown sums to {n.breakdown_sum}")
    return True


def broken_identity(rng: np.random.Generator, spec: ReportSpec) -> bool:
    t = spec.template
    merged = {m.key for m in t.table3_merged_rows}
    if any(r.key in merged for r in spec.printed.table3):
        return False
    delta = int(rng.choice([-5, -3, -2, -1, 1, 2, 3, 5]))
    if rng.random() < 0.7:
        keys = set(t.outcome_keys) | set(t.rows_in_group("total"))
        rows = [r for r in spec.printed.table3 if r.key in keys and len(r.cells) == len(t.table3_columns)]
        cells = [(r, j) for r in rows for j, c in enumerate(r.cells) if parse_number(c) is not None]
        if not cells:
            return False
        row, j = cells[int(rng.integers(len(cells)))]
        value = int(row.cells[j])
        new = value + delta if value + delta >= 0 else value + abs(delta)
        row.cells[j] = str(new)
        spec.truth.applications[row.key][j] = new
        where = f"table 3 {row.key}/{t.table3_columns[j].key}: {value} printed as {new}"
    else:
        sum_i = next(i for i, r in enumerate(t.table4_results) if r.sum_of_others)
        proc = list(spec.printed.table4)[int(rng.integers(len(spec.printed.table4)))]
        cells4 = spec.printed.table4[proc]
        options = [j for j, c in enumerate(cells4) if j != sum_i and parse_number(c) is not None]
        if not options:
            return False
        j = options[int(rng.integers(len(options)))]
        value = int(cells4[j])
        new = value + delta if value + delta >= 0 else value + abs(delta)
        cells4[j] = str(new)
        spec.truth.litigation[proc][j] = new
        where = f"table 4 {proc}/{t.table4_results[j].key}: {value} printed as {new}"
    broken = broken_identities(t, spec.truth.applications, spec.truth.litigation)
    spec.expected_checks |= broken
    spec.notes.append(f"{where} (breaks {', '.join(sorted(broken))})")
    return bool(broken)


def fee_unit(rng: np.random.Generator, spec: ReportSpec) -> bool:
    for item, measures in spec.printed.table2.items():
        for m, text in measures.items():
            measure = spec.template.measure(m)
            value = parse_number(text)
            if measure.decimal and "万元" in measure.label and value:
                decimals = max(0, len(text.partition(".")[2]) - 4)
                printed = f"{value * 10000:.{decimals}f}"
                measures[m] = printed
                spec.truth.proactive[item][m] = parse_number(printed)
                spec.expected_checks.add("fee_unit_suspect")
                spec.notes.append(f"fee {text} 万元 printed in 元 as {printed}")
                return True
    return False


def traditional(rng: np.random.Generator, spec: ReportSpec) -> bool:
    spec.style.traditional = True
    spec.notes.append("printed in traditional characters (truth unchanged)")
    return True


def gbk(rng: np.random.Generator, spec: ReportSpec) -> bool:
    if spec.style.format not in ("txt", "html"):
        return False
    spec.style.encoding = "gbk"
    spec.notes.append("encoded in GBK (truth unchanged)")
    return True


_APPLY: dict[str, Callable[[np.random.Generator, ReportSpec], bool]] = {
    "missing_rows": missing_rows,
    "row_shape": row_shape,
    "blank_cells": blank_cells,
    "narrative_mismatch": narrative_mismatch,
    "broken_identity": broken_identity,
    "fee_unit": fee_unit,
    "traditional": traditional,
    "gbk": gbk,
}


def apply_damage(rng: np.random.Generator, spec: ReportSpec, kind: str) -> bool:
    """Inject one kind of damage; False (and nothing changed) when it does not apply to this report.

    >>> from nianbao.synth.generate import sample_spec
    >>> spec = sample_spec(3, "txt", 2020, organ=4)
    >>> apply_damage(np.random.default_rng(0), spec, "blank_cells"), spec.damage, spec.expected_checks
    (True, ['blank_cells'], {'blank_cells'})
    >>> spec.notes
    ['161 blank cells: every zero cell of table 3']
    """
    if kind not in applicable_kinds(spec):
        return False
    done = _APPLY[kind](rng, spec)
    if done:
        spec.damage.append(kind)
    return done
