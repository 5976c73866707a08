"""The identities a correct table satisfies, generated from the template data.

Both the repairs (which cells are provable) and the checks (which sums are broken) use these, so
an identity is written once. Cells are keyed ``("t3", row_key, column_key)`` and
``("t4", proceeding_key, result_key)``.

>>> from nianbao.templates import template_named
>>> cons = table3_constraints(template_named(2021))
>>> sorted({c.name for c in cons})
['intake_balance', 'outcome_sum', 'row_total']
>>> len(table4_constraints(template_named(2021)))
3
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache

from nianbao.parse.repair import Constraint
from nianbao.templates import Template, template_named

__all__ = ["merged_constraints", "table3_constraints", "table4_constraints"]


def _total_and_parts(columns: tuple) -> tuple[str, list[str]]:
    total = next(c.key for c in columns if c.sum_of_others)
    return total, [c.key for c in columns if not c.sum_of_others]


def table3_constraints(t: Template, merged: Collection[str] = ()) -> list[Constraint]:
    """Row totals, outcome sums and the intake balance of table 3.

    ``merged`` names merged rows the report printed (e.g. 2021's (六)其他处理 as one row): in the
    outcome sum that row stands for its parts, and it is tied to them by its own sum.

    >>> cons = table3_constraints(template_named(2021))
    >>> len(cons), cons[0].name, [cell for cell, _ in cons[0].terms][:2]
    (39, 'row_total', [('t3', 'new_received', 'total'), ('t3', 'new_received', 'natural_person')])
    >>> len(table3_constraints(template_named(2021), {"other_processing"}))  # + one merged_rows per column
    47
    """
    return list(_table3_constraints(t.year, tuple(sorted(merged))))


@cache
def _table3_constraints(year: int, merged: tuple[str, ...]) -> tuple[Constraint, ...]:
    t = template_named(year)
    total_col, parts = _total_and_parts(t.table3_columns)
    rows = list(t.row_keys) + [m.key for m in t.table3_merged_rows if m.key in merged]
    cons = [
        Constraint(((("t3", r, total_col), 1), *((("t3", r, c), -1) for c in parts)), "row_total")
        for r in rows
    ]
    outcome = list(t.outcome_keys)
    for m in t.table3_merged_rows:
        if m.key in merged:
            outcome = [r for r in outcome if r not in m.parts] + [m.key]
    total_row = t.rows_in_group("total")[0]
    new, carried = t.rows_in_group("intake")
    forward = t.rows_in_group("carried_forward")[0]
    for c in t.column_keys:
        cons.append(
            Constraint(((("t3", total_row, c), 1), *((("t3", r, c), -1) for r in outcome)), "outcome_sum")
        )
        cons.append(
            Constraint(
                (
                    (("t3", new, c), 1),
                    (("t3", carried, c), 1),
                    (("t3", total_row, c), -1),
                    (("t3", forward, c), -1),
                ),
                "intake_balance",
            )
        )
    cons += merged_constraints(t, merged)
    return tuple(cons)


def merged_constraints(t: Template, merged: Collection[str]) -> list[Constraint]:
    """A printed merged row equals the sum of the rows it stands for, per column.

    >>> con = merged_constraints(template_named(2021), {"other_processing"})[0]
    >>> con.name, [(cell[1], c) for cell, c in con.terms]
    ('merged_rows', [('other_processing', 1), ('other_no_correction', -1), ('other_unpaid_fee', -1), ('other_reasons', -1)])
    """
    return [
        Constraint(((("t3", m.key, c), 1), *((("t3", p, c), -1) for p in m.parts)), "merged_rows")
        for m in t.table3_merged_rows
        if m.key in merged
        for c in t.column_keys
    ]


def table4_constraints(t: Template) -> list[Constraint]:
    """Per proceeding: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结.

    >>> [(cell[2], c) for cell, c in table4_constraints(template_named(2021))[0].terms]
    [('total', 1), ('upheld', -1), ('corrected', -1), ('other', -1), ('pending', -1)]
    """
    return list(_table4_constraints(t.year))


@cache
def _table4_constraints(year: int) -> tuple[Constraint, ...]:
    t = template_named(year)
    total, parts = _total_and_parts(t.table4_results)
    return tuple(
        Constraint(((("t4", p.key, total), 1), *((("t4", p.key, r), -1) for r in parts)), "litigation_total")
        for p in t.table4_proceedings
    )
