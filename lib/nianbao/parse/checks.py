"""The checks frame: every broken identity, damaged table and contradiction, as rows.

Per report, :func:`report_checks` turns the parser's findings (missing rows, mis-counted rows, blank
cells, repairs) into rows and evaluates the template's identities on the final cells. Across reports,
:func:`cross_report` compares an organ's reports with each other (same year twice, carry-over between
consecutive years, a fee ~10000× off the organ's other years). A check is a row, never an exception.

Severities: ``error`` — an identity of the template is broken by printed numbers; ``warning`` — damage
left values null, or the report contradicts itself; ``info`` — repairs and notes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, reduce
from itertools import pairwise, repeat
from operator import add, call, itemgetter
from typing import cast

import polars as pl

from nianbao.fields import CHECKS_BY_NAME, FRAME_SCHEMAS, check_row, conform
from nianbao.parse.identities import table3_constraints, table4_constraints
from nianbao.parse.organs import resolve_reports
from nianbao.parse.repair import Constraint
from nianbao.parse.tables import Finding, Tables, layout
from nianbao.templates import Template, per_template, template_for_year, template_named

__all__ = ["cross_report", "identity_findings", "narrative_findings", "organ_key", "report_checks"]

CheckRow = tuple[str, str, str, str, float | None, float | None, str, int | None, str | None]


@per_template
def _names(t: Template) -> dict[str, str]:
    names = {r.key: r.label for r in t.table3_rows} | {m.key: m.label for m in t.table3_merged_rows}
    names |= {c.key: c.label for c in t.table3_columns}
    names |= {p.key: p.label for p in t.table4_proceedings} | {r.key: r.label for r in t.table4_results}
    return names


def _where(con: Constraint) -> str:
    cells: list[tuple[str, str, str]] = [cell for cell, _ in con.terms]  # type: ignore[misc]
    table, first_row, first_col = cells[0]
    rows = {c[1] for c in cells}
    if len(rows) == 1:
        return f"{str(table).replace('t', 'table')}/{first_row}"
    return f"{str(table).replace('t', 'table')}/*/{first_col}"


def _identity_finding(con: Constraint, names: dict[str, str], plus: float, minus: float) -> Finding:
    """An identity broken by printed numbers: ``plus``/``minus`` sum its +1 and -1 terms."""
    where = _where(con)
    parts = where.split("/")
    place = "「" + names.get(parts[-1], parts[-1]) + "」" + ("列" if parts[1] == "*" else "行")
    if con.name == "intake_balance":
        expected, actual = plus, minus  # 新收+结转 should equal 总计+结转下年度
    else:
        expected, actual = minus, plus  # the total (coefficient +1) should equal its parts
    return Finding(
        con.name,
        "error",
        where,
        # Both sides as printed, not "应为 X，印为 Y": the identity does not say which cell is wrong
        # (a mistyped part makes the printed total look wrong); ``proposed`` in the review sheet does.
        f"{CHECKS_BY_NAME[con.name].rule}不成立: {place}等号左边为 {plus:g}，右边为 {minus:g}",
        expected=expected,
        actual=actual,
    )


def _getter(positions: list[int]) -> Callable[[list], Sequence]:
    """The values at ``positions`` of a list, in that order, as a sequence: a slice when the
    positions are evenly spaced (a row's cells, a column's), which is cheaper to take."""
    if not positions:
        return itemgetter(slice(0, 0))
    steps = {b - a for a, b in pairwise(positions)}
    step = 1 if not steps else steps.pop() if len(steps) == 1 else 0
    if step > 0:
        return itemgetter(slice(positions[0], positions[-1] + 1, step))
    return itemgetter(*positions)


@dataclass(frozen=True, slots=True)
class _Identities:
    """A template's identities over :attr:`Tables.values`, prepared once (not per report).

    Per identity, ``plus`` and ``minus`` get the values of its +1 and -1 terms (each in the
    identity's order), ``terms`` all of them.
    """

    constraints: tuple[Constraint, ...]
    plus: tuple[Callable[[list], Sequence], ...]
    minus: tuple[Callable[[list], Sequence], ...]
    terms: tuple[Callable[[list], Sequence], ...]


@cache
def _identities(year: int, merged: tuple[str, ...]) -> _Identities:
    t = template_named(year)
    constraints = tuple(table3_constraints(t, merged) + table4_constraints(t))
    at = cast(dict[object, int], layout(t).at)
    return _Identities(
        constraints,
        tuple(_getter([at[cell] for cell, c in con.terms if c > 0]) for con in constraints),
        tuple(_getter([at[cell] for cell, c in con.terms if c < 0]) for con in constraints),
        tuple(_getter([at[cell] for cell, _ in con.terms]) for con in constraints),
    )


def _running_total(values: Iterable[float]) -> float:
    """The values added in order to 0, one by one (an identity's sum as the checks define it)."""
    return reduce(add, values, 0)


# Python 3.11's sum() adds floats in order in double precision: the running total, bit for bit,
# at a fraction of the cost. From 3.12 it compensates rounding errors, so there reduce() adds.
_total: Callable[[Iterable[float]], float] = sum if sys.version_info < (3, 12) else _running_total


def _sums(getters: Iterable[Callable[[list], Sequence]], values: list) -> list:
    """Per identity, the running total of the terms ``getters`` take from ``values``."""
    return list(map(_total, map(call, getters, repeat(values))))


def identity_findings(tables: Tables) -> list[Finding]:
    """Every identity whose cells are all known and that does not hold: an error each.

    >>> from nianbao.parse.recheck import tables_of
    >>> cells = [("t4", "litigation_direct", k) for k in ("upheld", "corrected", "other", "pending", "total")]
    >>> [(f.where, f.message) for f in identity_findings(tables_of(2021, dict(zip(cells, [1, 0, 1, 0, 3]))))]
    [('table4/litigation_direct', '复议诉讼合计(总计 = 维持 + 纠正 + 其他 + 尚未审结)不成立: 「未经复议直接起诉」行等号左边为 3，右边为 2')]
    """
    t = tables.template
    names = _names(t)
    out: list[Finding] = []
    ids = _identities(t.year, tuple(sorted(tables.merged)))
    values = tables.values
    # All known and all holding (the usual case), told by one comparison of the sums of every identity.
    try:
        holds = _sums(ids.plus, values) == _sums(ids.minus, values)
    except TypeError:  # an unknown cell (None) in a sum
        holds = False
    if not holds:
        for con, plus_of, minus_of, terms_of in zip(
            ids.constraints, ids.plus, ids.minus, ids.terms, strict=True
        ):
            if None in terms_of(values):
                continue  # a cell is unknown: the identity cannot be checked
            plus, minus = _running_total(plus_of(values)), _running_total(minus_of(values))
            if not abs(plus - minus) < 1e-9:
                out.append(_identity_finding(con, names, plus, minus))
    if min(filter(None, values[tables.layout.t3_and_t4]), default=0) >= 0:  # no negative (the usual case)
        return out
    for cell, value in tables.items():
        if cell[0] in ("t3", "t4") and value is not None and value < 0:
            out.append(
                Finding(
                    "negative_value",
                    "error",
                    f"{cell[0].replace('t', 'table')}/{cell[1]}/{cell[2]}",
                    f"「{names.get(cell[1], cell[1])}」/「{names.get(cell[2], cell[2])}」为负数 {value:g}；申请与案件数不可能为负",
                    actual=value,
                )
            )
    return out


_RECEIVED = [
    re.compile(r"共(?:收到|受理|接收|接到|新收)[^。;；\d]{0,30}?申请(?:共计|共|总计)?(\d+)件"),
    re.compile(r"(?:收到|受理|接收|接到|新收)[^。;；\d]{0,40}?申请(?:共计|共|总计)(\d+)件"),
]


def narrative_findings(
    figures: dict[str, int], narrative: str, tables: Tables, year: int | None, template: Template
) -> list[Finding]:
    """Contradictions between the narrative and itself, the tables, or the template in force.

    >>> from nianbao.parse.recheck import tables_of
    >>> tables = tables_of(2021, {("t3", "new_received", "total"): 5})
    >>> figures = {"proactive_items": 120, "proactive_breakdown_sum": 100}
    >>> found = narrative_findings(figures, "全年共收到政府信息公开申请8件。", tables, 2020, tables.template)
    >>> [(f.check, f.expected, f.actual) for f in found]
    [('narrative_breakdown_mismatch', 120, 100), ('narrative_table_mismatch', 8, 5), ('template_year_mismatch', 2019, 2021)]
    """
    out: list[Finding] = []
    items, breakdown = figures.get("proactive_items"), figures.get("proactive_breakdown_sum")
    if items is not None and breakdown is not None and items != breakdown:
        out.append(
            Finding(
                "narrative_breakdown_mismatch",
                "warning",
                "narrative/proactive_items",
                f"总体情况称主动公开政府信息 {items} 条，但其后所列分类合计 {breakdown} 条",
                expected=items,
                actual=breakdown,
            )
        )
    text = "".join(narrative.split())  # what re.sub(r"\s+", "", …) gives, for a third of the cost
    received = next((int(m.group(1)) for p in _RECEIVED if (m := p.search(text))), None)
    new = tables.value("t3", "new_received", "total")
    carried = tables.value("t3", "carried_over", "total")
    if received is not None and new is not None and received not in (new, new + (carried or 0)):
        out.append(
            Finding(
                "narrative_table_mismatch",
                "warning",
                "narrative/new_received",
                f"总体情况称收到政府信息公开申请 {received} 件，表三「本年新收」总计为 {new:g}",
                expected=received,
                actual=new,
            )
        )
    if year is not None and template_for_year(year).year != template.year:
        out.append(
            Finding(
                "template_year_mismatch",
                "warning",
                "report/template",
                f"{year} 年度报告应使用 {template_for_year(year).year} 年格式，实际印的是 {template.year} 年格式",
                expected=template_for_year(year).year,
                actual=template.year,
            )
        )
    if year is None:
        out.append(Finding("year_missing", "warning", "report/year", "标题与正文中均未读到报告年度"))
    return out


def report_checks(report_id: str, findings: Iterable[Finding]) -> list[CheckRow]:
    """Check rows (contract column order) for one report.

    >>> report_checks("r1", [Finding("year_missing", "warning", "report/year", "标题与正文中均未读到报告年度")])
    [('r1', 'year_missing', 'warning', 'report/year', None, None, '标题与正文中均未读到报告年度', None, None)]
    """
    return [
        (report_id, f.check, f.severity, f.where, f.expected, f.actual, f.message, f.page, f.evidence)
        for f in findings
    ]


# --- across reports ---------------------------------------------------------------------------------


def organ_key(reports: pl.DataFrame) -> pl.DataFrame:
    """``reports`` with ``organ_key``, what an organ's reports are grouped by: its ``organ_id``.

    Frames not resolved yet (``organ_id`` all null, e.g. straight from ``to_frames``) are resolved
    here with the package's table only (:mod:`nianbao.parse.organs`), so no check groups by the
    printed name (洪泽区人民政府 and 淮安市洪泽区人民政府 are one organ).

    >>> from nianbao.fields import conform
    >>> reports = conform(pl.DataFrame({"organ": ["洪泽区人民政府", "淮安市洪泽区人民政府"], "organ_level": "county",
    ...     "province": "江苏省", "city": "淮安市", "county": "洪泽区", "year": [2022, 2023]}), "reports")
    >>> organ_key(reports)["organ_key"].to_list()
    ['320813/gov', '320813/gov']
    """
    if reports.height and reports["organ_id"].null_count() == reports.height:
        reports = resolve_reports(reports)[0]
    return reports.with_columns(pl.col("organ_id").alias("organ_key"))


def _rows(df: pl.DataFrame) -> pl.DataFrame:
    return conform(df, "checks")


def cross_report(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Checks that need several reports: duplicates, carry-over between years, fee units.

    >>> from nianbao.fields import conform, empty_frame
    >>> reports = conform(pl.DataFrame({"report_id": ["a", "b"], "path": ["a.txt", "b.txt"], "status": "ok",
    ...     "organ": "洪泽区人民政府", "organ_id": "320813/gov", "year": 2023}), "reports")
    >>> checks = cross_report({"reports": reports} | {n: empty_frame(n) for n in ("applications", "proactive")})
    >>> checks.select("report_id", "check", "severity", "message").rows()[0]
    ('a', 'duplicate_report', 'info', '洪泽区人民政府 2023 年度报告出现在多个文件中(首个: a.txt)，数字相同')
    """
    reports = organ_key(frames["reports"])
    reports = reports.filter(pl.col("status").is_in(["ok", "partial"]) & pl.col("organ_key").is_not_null())
    out = [_duplicates(reports, frames["applications"]), _carry(reports, frames["applications"])]
    out.append(_fees(reports, frames["proactive"]))
    return (
        pl.concat([_rows(o) for o in out if o.height], how="vertical")
        if any(o.height for o in out)
        else (pl.DataFrame(schema=FRAME_SCHEMAS["checks"]))
    )


def _duplicates(reports: pl.DataFrame, applications: pl.DataFrame) -> pl.DataFrame:
    """One row per report whose organ and year appear in another file too.

    ``info`` when every copy prints the same table 3, ``warning`` when the copies differ. A copy's table
    is fingerprinted by the wrapping sum of its cells' hashes (outcome, applicant, value): independent
    of row order, so no sort of the applications frame, yet a value moved to another cell changes it.
    The message names the first copy by path.
    """
    dup = reports.filter(pl.len().over("organ_key", "year") > 1).select(
        "report_id", "path", "organ", "year", "organ_key"
    )
    if not dup.height:
        return dup
    sig = (  # lazy: filter and sum fuse, the selected rows are never copied (+17 MiB, not +250, at 20k)
        applications.lazy()
        .filter(pl.col("report_id").is_in(dup["report_id"].implode()))  # 8x faster than a semi join
        .group_by("report_id")
        .agg(pl.struct("outcome", "applicant", "value").hash().sum().alias("sig"))
        .collect()
    )
    dup = dup.join(sig, on="report_id", how="left").with_columns(
        pl.col("path").min().over("organ_key", "year").alias("first_path"),
        pl.col("sig").n_unique().over("organ_key", "year").alias("versions"),
    )
    return dup.select(
        check_row(
            "duplicate_report",
            pl.when(pl.col("versions") > 1).then(pl.lit("warning")).otherwise(pl.lit("info")),
            "report",
            pl.format(
                "{} {} 年度报告出现在多个文件中(首个: {}){}",
                "organ",
                "year",
                "first_path",
                pl.when(pl.col("versions") > 1)
                .then(pl.lit("，且表三数字不同"))
                .otherwise(pl.lit("，数字相同")),
            ),
        )
    )


def _carry(reports: pl.DataFrame, applications: pl.DataFrame) -> pl.DataFrame:
    totals = applications.filter(
        pl.col("applicant") == "total", pl.col("outcome").is_in(["carried_over", "carried_forward"])
    ).pivot(on="outcome", index="report_id", values="value", aggregate_function="first")
    for col in ("carried_over", "carried_forward"):
        if col not in totals.columns:
            totals = totals.with_columns(pl.lit(None, pl.Int64).alias(col))
    r = reports.filter(pl.len().over("organ_key", "year") == 1).join(totals, on="report_id")
    prev = r.select(
        "organ_key",
        (pl.col("year") + 1).alias("year"),
        pl.col("carried_forward").alias("prev_forward"),
        pl.col("path").alias("prev_path"),
    )
    j = r.join(prev, on=["organ_key", "year"]).filter(
        pl.col("carried_over").is_not_null()
        & pl.col("prev_forward").is_not_null()
        & (pl.col("carried_over") != pl.col("prev_forward"))
    )
    return j.select(
        check_row(
            "cross_year_carry",
            "warning",
            "table3/carried_over/total",
            pl.format(
                "表三「上年结转」总计 {}，而上一年度报告({})「结转下年度继续办理」总计为 {}",
                "carried_over",
                "prev_path",
                "prev_forward",
            ),
            expected=pl.col("prev_forward").cast(pl.Float64),
            actual=pl.col("carried_over").cast(pl.Float64),
        )
    )


FEE_UNIT_RATIO = 1000  # a year this far above (or below) the organ's other years: 元 vs 万元 is 10000×


def _fees(reports: pl.DataFrame, proactive: pl.DataFrame) -> pl.DataFrame:
    """Years whose fee (表二 行政事业性收费, 万元) is ~10000× off the organ's other years: a unit slip.

    Each year is compared with the organ's *lower median* fee year. With three or more years the
    median is a value of the agreeing majority, so only the odd year is flagged, whether it is
    ~10000× above (元 typed into the 万元 column) or below (the others carry the slip) them.
    With two years the lower median is the smaller fee, so only the larger can be flagged: two
    numbers cannot tell which is wrong, and 元 typed as 万元 is the usual slip. With an even split
    (two years at 1, two at 10000) the larger group is flagged, for the same reason. Years without
    a fee (null or 0) are left out; copies of one organ-year (``duplicate_report``) count once.
    ``expected`` is the figure in the other years' unit.
    """
    fees = proactive.filter(pl.col("measure") == "amount_10k_yuan", pl.col("value") > 0).select(
        "report_id", "value"
    )
    r = reports.join(fees, on="report_id")
    per_year = r.group_by("organ_key", "year").agg(pl.col("value").min())
    organs = per_year.group_by("organ_key").agg(
        pl.col("value").quantile(0.5, interpolation="lower").alias("reference"), pl.len().alias("years")
    )
    ratio = pl.col("value") / pl.col("reference")
    j = r.join(organs.filter(pl.col("years") >= 2), on="organ_key").filter(
        (ratio >= FEE_UNIT_RATIO) | (ratio <= 1 / FEE_UNIT_RATIO)
    )
    high = ratio >= 1
    message = (
        pl.when(high)
        .then(
            pl.format(
                "表二「行政事业性收费」{} 万元，约为该机关其他年度的 {} 倍：可能把“元”填成了“万元”",
                "value",
                ratio.round(0).cast(pl.Int64),
            )
        )
        .otherwise(
            pl.format(
                "表二「行政事业性收费」{} 万元，约为该机关其他年度的 1/{}：其他年度可能把“元”填成了“万元”",
                "value",
                (1 / ratio).round(0).cast(pl.Int64),
            )
        )
    )
    return j.select(
        check_row(
            "fee_unit_suspect",
            "warning",
            "table2/administrative_fees/amount_10k_yuan",
            message,
            expected=pl.when(high).then(pl.col("value") / 10000).otherwise(pl.col("value") * 10000),
            actual=pl.col("value"),
        )
    )
