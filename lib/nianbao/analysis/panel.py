"""The organ-year panel a Stata, R or Excel user starts from, and its codebook.

One row per report: who (organ, its id and level, place), when (year, template), how well it was
read (status, flagged, checks), then every table value as its own column. Column names come from
the template keys, so they are the same in every corpus and every release:

* ``t2_<item>__<measure>`` — table 2 (``t2_rules__issued``),
* ``t3_<row>__<applicant>`` — table 3 (``t3_granted__natural_person``, ``t3_new_received__total``),
* ``t4_<proceeding>__<result>`` — table 4 (``t4_administrative_review__corrected``).

A value the report does not print is null, never 0. :func:`codebook` describes every column in
Chinese and English, from :mod:`nianbao.fields` and the template files, so the codebook cannot
drift from the data.

>>> from nianbao.analysis.selection import from_frames
>>> from nianbao.fields import FRAME_NAMES
>>> panel(from_frames({n: pl.DataFrame() for n in FRAME_NAMES})).height
0
"""

from __future__ import annotations

import polars as pl

from nianbao.analysis.selection import Frames
from nianbao.fields import FRAMES, REPORTS
from nianbao.templates import all_templates

__all__ = ["IDENTITY", "codebook", "panel", "value_columns"]

# The report columns that lead the panel, in order (those the frame lacks are skipped).
IDENTITY = (
    "report_id",
    "organ_id",
    "organ_name",
    "organ",
    "organ_level",
    "province",
    "city",
    "county",
    "year",
    "template",
    "status",
    "flagged",
    "path",
    "format",
    "proactive_items",
    "proactive_breakdown_sum",
    "wechat_posts",
    "weibo_posts",
    "cells_read",
    "cells_null",
    "checks_warning",
    "checks_error",
)
_SEP = "__"


def _strip(label: str) -> str:
    return label.strip()


def value_columns() -> list[tuple[str, str, str, str]]:
    """Every table cell of every template as ``(column, label_zh, label_en, table)``, printed order.

    A key used by both templates appears once, with the label of the later template.

    >>> columns = value_columns()
    >>> len(columns), columns[0]
    (226, ('t2_rules__created', '表二 规章 · 本年新制作数量', 'table 2: rules · created this year', 'table2'))
    """
    seen: dict[str, tuple[str, str, str, str]] = {}
    for t in all_templates():
        measures = {m.key: m for m in t.table2_measures}
        for item in t.table2_items:
            for key in item.measures:
                m = measures[key]
                seen[f"t2_{item.key}{_SEP}{key}"] = (
                    f"t2_{item.key}{_SEP}{key}",
                    f"表二 {_strip(item.label)} · {_strip(m.label)}",
                    f"table 2: {item.label_en} · {m.label_en}",
                    "table2",
                )
        for row in t.table3_rows:
            for col in t.table3_columns:
                seen[f"t3_{row.key}{_SEP}{col.key}"] = (
                    f"t3_{row.key}{_SEP}{col.key}",
                    f"表三 {_strip(row.label)} · {_strip(col.label)}",
                    f"table 3: {row.label_en} · {col.label_en}",
                    "table3",
                )
        for proceeding in t.table4_proceedings:
            for result in t.table4_results:
                seen[f"t4_{proceeding.key}{_SEP}{result.key}"] = (
                    f"t4_{proceeding.key}{_SEP}{result.key}",
                    f"表四 {_strip(proceeding.label)} · {_strip(result.label)}",
                    f"table 4: {proceeding.label_en} · {result.label_en}",
                    "table4",
                )
    return list(seen.values())


def _wide(long: pl.DataFrame, prefix: str, row: str, column: str) -> pl.DataFrame:
    """A long frame (report_id, row, column, value) as one column per cell, named ``prefix+row__column``."""
    keyed = long.select(
        "report_id",
        (pl.lit(prefix) + pl.col(row).cast(pl.String) + _SEP + pl.col(column).cast(pl.String)).alias("_c"),
        "value",
    )
    if keyed.is_empty():
        return pl.DataFrame({"report_id": []}, schema={"report_id": pl.String})
    return keyed.pivot(on="_c", index="report_id", values="value", aggregate_function="first")


def panel(frames: Frames) -> pl.DataFrame:
    """The organ-year panel: one row per report of ``frames`` (select first to choose which).

    ``flagged`` is true when the report fails a template identity (a check of severity error);
    its values are kept as printed, so a user decides whether to drop it.

    >>> from nianbao.analysis.selection import from_frames
    >>> from nianbao.fields import FRAME_NAMES
    >>> apps = pl.DataFrame({"report_id": ["r1"], "outcome": ["granted"], "applicant": ["total"], "value": [3]})
    >>> reports = pl.DataFrame({"report_id": ["r1"], "organ_id": ["o1"], "year": [2023]})
    >>> frames = from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": reports, "applications": apps})
    >>> panel(frames).select("organ_id", "year", "flagged", "t3_granted__total").row(0)
    ('o1', 2023, False, 3)
    """
    reports = frames.reports
    if "flagged" not in reports.columns:
        errors = frames.checks.filter(pl.col("severity") == "error")["report_id"].unique().implode()
        reports = reports.with_columns(pl.col("report_id").is_in(errors).alias("flagged"))
    head = reports.select([c for c in IDENTITY if c in reports.columns]).with_columns(
        [
            pl.col(c).cast(pl.String)
            for c, d in reports.schema.items()
            if isinstance(d, pl.Enum) and c in IDENTITY
        ]
    )
    out = head
    for wide in (
        _wide(frames.proactive, "t2_", "item", "measure"),
        _wide(frames.applications, "t3_", "outcome", "applicant"),
        _wide(frames.litigation, "t4_", "proceeding", "result"),
    ):
        out = out.join(wide, on="report_id", how="left")
    order = [c for c, *_ in value_columns() if c in out.columns]
    extra = [c for c in out.columns if c not in head.columns and c not in order]
    sort = [c for c in ("organ_id", "organ", "year") if c in out.columns]
    return out.select([*head.columns, *order, *extra]).sort(sort, nulls_last=True)


_IDENTITY_LABELS = {
    "report_id": ("报告编号", "report id"),
    "organ_id": ("机关编号", "organ id"),
    "organ_name": ("机关名称（规范）", "organ name (canonical)"),
    "organ": ("机关（报告所印）", "organ as printed"),
    "organ_level": ("层级", "level"),
    "province": ("省", "province"),
    "city": ("市", "city"),
    "county": ("县（区）", "county"),
    "year": ("年度", "year"),
    "template": ("模板", "template"),
    "status": ("解析状态", "parse status"),
    "flagged": ("勾稽关系不符", "fails an identity"),
    "path": ("来源文件", "source file"),
    "format": ("格式", "format"),
    "proactive_items": ("正文主动公开条数", "narrative: items disclosed proactively"),
    "proactive_breakdown_sum": ("正文分类之和", "narrative: sum of the breakdown"),
    "wechat_posts": ("微信发布条数", "WeChat posts"),
    "weibo_posts": ("微博发布条数", "Weibo posts"),
    "cells_read": ("读出单元格数", "cells read"),
    "cells_null": ("空缺单元格数", "cells null"),
    "checks_warning": ("警告数", "warning checks"),
    "checks_error": ("错误数", "error checks"),
}


def codebook(columns: list[str] | None = None) -> pl.DataFrame:
    """Every panel column: name, Chinese and English label, type, source and meaning.

    ``columns`` restricts it to the columns a panel actually has (in that order).

    >>> codebook(["year", "t3_granted__total"]).select("column", "label_zh", "type", "source").rows()
    [('year', '年度', 'integer', 'reports'), ('t3_granted__total', '表三 (一)予以公开 · 总计', 'integer', 'applications')]
    """
    described = {f.name: f for f in REPORTS}
    rows = []
    for name in IDENTITY:
        zh, en = _IDENTITY_LABELS[name]
        field = described.get(name)
        meaning = field.description if field else "true when a check of severity error fired on the report"
        dtype = "boolean" if name == "flagged" else _dtype_name(field.dtype if field else pl.Boolean())
        rows.append((name, zh, en, dtype, "reports", meaning))
    value_dtypes = {n: f.dtype for n, fields in FRAMES.items() for f in fields if f.name == "value"}
    for name, zh, en, table in value_columns():
        frame = {"table2": "proactive", "table3": "applications", "table4": "litigation"}[table]
        meaning = "as printed; null when blank, missing or unprovable (never 0)"
        rows.append((name, zh, en, _dtype_name(value_dtypes[frame]), frame, meaning))
    book = pl.DataFrame(
        rows, schema=["column", "label_zh", "label_en", "type", "source", "meaning"], orient="row"
    )
    if columns is not None:
        order = {c: i for i, c in enumerate(columns)}
        book = book.filter(pl.col("column").is_in(columns)).sort(pl.col("column").replace_strict(order))
    return book


def _dtype_name(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Enum):
        return "text (one of: " + ", ".join(dtype.categories.to_list()) + ")"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float():
        return "number"
    if dtype == pl.Boolean:
        return "boolean"
    return "text"
