"""Every column of every frame, declared once.

The polars Enums, the frame schemas, the data dictionary (``docs/data-dictionary.md``, written by
:func:`data_dictionary`) and the key lists the checks work over are all generated from here and from
the template files. Enum categories are the union over all templates, in printed order, so frames
of 2019 and 2021 reports concatenate.

>>> FRAME_SCHEMAS["applications"]["value"]
Int64
>>> "other_processing" in OUTCOME.categories.to_list()
True
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from nianbao.templates import all_templates

__all__ = [
    "APPLICANT",
    "CHECKS_BY_NAME",
    "CHECK_NAMES",
    "CHECK_TABLE",
    "CORRECTION_CHECKS",
    "FORMAT",
    "FRAME_NAMES",
    "FRAME_SCHEMAS",
    "ITEM",
    "LEVEL_ORDER",
    "MEASURE",
    "ORGAN_LEVEL",
    "OUTCOME",
    "OUTCOME_GROUP",
    "OUTPUT_NAMES",
    "PROCEEDING",
    "RESULT",
    "SEVERITY",
    "STATUS",
    "Check",
    "Field",
    "check_row",
    "conform",
    "data_dictionary",
    "empty_frame",
]


def _union(keys_per_template: list[tuple[str, ...]]) -> list[str]:
    """Keys of all templates, newest template's order first; older keys follow their predecessor."""
    out: list[str] = []
    for keys in reversed(keys_per_template):
        for i, k in enumerate(keys):
            if k not in out:
                out.insert(out.index(keys[i - 1]) + 1 if i and keys[i - 1] in out else len(out), k)
    return out


_T = all_templates()

FORMAT = pl.Enum(["txt", "html", "pdf", "docx", "other", "image"])
STATUS = pl.Enum(["ok", "partial", "failed", "not_a_report", "duplicate"])
ORGAN_LEVEL = pl.Enum(
    [
        "township",
        "county",
        "county_department",
        "city",
        "city_department",
        "province",
        "province_department",
        "other",
    ]
)
# the levels in the order a reader looks for them (a government before its departments, townships
# last): how pages group and sort organs
LEVEL_ORDER: tuple[str, ...] = (
    "province",
    "province_department",
    "city",
    "city_department",
    "county",
    "county_department",
    "township",
    "other",
)
SEVERITY = pl.Enum(["info", "warning", "error"])
ITEM = pl.Enum(_union([tuple(i.key for i in t.table2_items) for t in _T]))
MEASURE = pl.Enum(_union([tuple(m.key for m in t.table2_measures) for t in _T]))
OUTCOME = pl.Enum(_union([t.row_keys for t in _T]))
OUTCOME_GROUP = pl.Enum(_union([tuple(r.group for r in t.table3_rows) for t in _T]))
APPLICANT = pl.Enum(_union([t.column_keys for t in _T]))
PROCEEDING = pl.Enum(_union([tuple(p.key for p in t.table4_proceedings) for t in _T]))
RESULT = pl.Enum(_union([tuple(r.key for r in t.table4_results) for t in _T]))


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    dtype: pl.DataType
    description: str


@dataclass(frozen=True, slots=True)
class Check:
    """A check the library can emit: its name, the severities it is emitted with, short labels for
    pages and charts (Chinese, English) and what it enforces (the data dictionary's text).

    This table is the only list of checks: the emitters, the chart labels and the data dictionary
    read it, and a test fails when code emits a check it does not hold.
    """

    name: str
    severities: tuple[str, ...]
    zh: str
    en: str
    meaning: str
    rule: str = ""  # an identity's statement in Chinese, as the messages of its breaks print it


# fmt: off
CHECK_TABLE: tuple[Check, ...] = (
    Check("intake_balance", ("error",), "收支不平衡（新收+结转≠办结+结转下年）", "intake does not balance (new + carried ≠ handled + carried forward)",
          "table 3, per column: 本年新收 + 上年结转 = 总计 + 结转下年度 (the template's corner-cell identity)", rule="收支平衡(本年新收 + 上年结转 = 总计 + 结转下年度)"),
    Check("outcome_sum", ("error",), "办理结果之和≠总计", "outcomes do not sum to the total",
          "table 3, per column: 总计 = sum of the outcome rows (予以公开 … 其他处理)", rule="办理结果合计((七)总计 = 各项办理结果之和)"),
    Check("row_total", ("error",), "各类申请人之和≠总计", "applicant columns do not sum to the total",
          "table 3, per row: 总计 column = sum of the six applicant columns", rule="行合计(总计 = 六类申请人之和)"),
    Check("negative_value", ("error",), "出现负数", "negative count",
          "tables 3 and 4 hold counts: a negative number is an error"),
    Check("litigation_total", ("error",), "复议诉讼分项之和≠总计", "review/litigation parts do not sum to the total",
          "table 4, per proceeding: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结", rule="复议诉讼合计(总计 = 维持 + 纠正 + 其他 + 尚未审结)"),
    Check("missing_rows", ("warning",), "表格缺行", "rows missing from a table",
          "a template row was not found in the table; its cells are null"),
    Check("row_shape", ("warning",), "行内数字个数不符", "wrong number of figures in a row",
          "a row printed more or fewer numbers than the table has columns"),
    Check("blank_cells", ("warning",), "空白单元格", "blank cells", "cells printed blank; they are null, not 0"),
    Check("table_missing", ("warning",), "缺少整张表格", "a whole table missing", "a whole table was not found in the report"),
    Check("merged_rows", ("warning", "info", "error"), "多行合并印刷", "several rows printed as one",
          "several template rows printed as one; the parts are null unless their sum proves them", rule="合并行(其他处理 = 其下各项之和)"),
    Check("repair", ("info",), "按勾稽关系补全", "cell filled in from the identities",
          "a cell filled in because the template's identities prove its value (the rule is named)"),
    Check("narrative_breakdown_mismatch", ("warning",), "正文总数≠分类之和", "narrative total ≠ sum of its breakdown",
          "the narrative's proactive total differs from the sum of its stated breakdown"),
    Check("narrative_table_mismatch", ("warning",), "正文与表格不符", "narrative contradicts the table",
          "a figure stated in the narrative contradicts the report's own table"),
    Check("template_year_mismatch", ("warning",), "模板与年度不符", "template does not match the year",
          "the template printed is not the one in force for the report year"),
    Check("value_out_of_range", ("error",), "数值过大无法存储", "value too large to store",
          "a number too large to be a real figure (at least 2**53, or a narrative count that long) was printed; "
          "the cell is null and the message quotes what was printed"),
    Check("organ_unreadable", ("warning",), "标题受损，机关名称不全", "organ name damaged in the title",
          "the title's organ name is damaged (stray characters such as | inside it, or nothing left of it): "
          "the organ is read from the undamaged parts where they join up, else left null; check it by hand"),
    Check("year_missing", ("warning",), "缺少年度", "report year missing",
          "no report year could be read from the title or text"),
    Check("duplicate_report", ("info", "warning"), "同一机关同一年度多份报告", "several reports for one organ and year",
          "the same organ and year occur in more than one file"),
    Check("cross_year_carry", ("warning",), "上年结转≠上年报告的结转下年", "carried over ≠ last year's carried forward",
          "上年结转 this year differs from 结转下年度 in the organ's previous report"),
    Check("fee_unit_suspect", ("warning",), "收费单位可疑（元/万元）", "fee unit suspect (yuan vs 10k yuan)",
          "fees jump by ~1000x against the organ's other years (元 printed as 万元?)"),
    Check("organ_name_varies", ("info",), "同一机关多个名称", "one organ under several names",
          "one organ_id printed under several names across reports (info; the names are listed)"),
    Check("organ_unresolved", ("warning",), "机关所在地无法识别", "organ's place not resolved",
          "no place could be resolved for the organ: the report is kept but its organ_id is its printed name, "
          "so it cannot be joined across years with confidence"),
    Check("organ_crosswalk", ("info",), "按对照表确定机关", "organ set by the crosswalk",
          "the organ's id and name were set by a row of a crosswalk (organs.csv; the row is named)"),
    Check("corrected", ("info",), "已按更正文件更正", "corrected by a corrections file",
          "a value changed by a line of a corrections file (printed value in `actual`, new one in `expected`)"),
    Check("correction_unmatched", ("warning",), "更正对象不存在", "correction target not found",
          "a correction whose report, frame, row or column does not exist; not applied"),
    Check("correction_stale", ("warning",), "更正已过时", "correction is stale",
          "a correction written for other file content or another printed value; not applied"),
    Check("correction_noop", ("warning",), "更正无变化", "correction changes nothing",
          "a correction that would change nothing (the value is already that); not applied"),
    Check("correction_conflict", ("warning",), "更正互相矛盾", "conflicting corrections",
          "several corrections give one cell different values; none of them applied"),
    Check("ocr_low_confidence", ("warning",), "扫描件识别置信度低", "scanned cell read with low confidence",
          "a table cell of a scanned page was recognised (OCR) less surely than the threshold, or its ink read as "
          "nothing; where = page/row/column of the printed grid: check it against the scan"),
    Check("correction_invalid", ("error",), "更正值无效", "correction value invalid",
          "a correction whose value is not a valid number for its cell; not applied"),
)
# fmt: on
CHECKS_BY_NAME: dict[str, Check] = {c.name: c for c in CHECK_TABLE}
CHECK_NAMES: dict[str, str] = {c.name: c.meaning for c in CHECK_TABLE}  # name -> what it enforces
CORRECTION_CHECKS: frozenset[str] = frozenset(k for k in CHECK_NAMES if k.startswith("correct"))


REPORTS: tuple[Field, ...] = (
    Field("report_id", pl.String(), "first 16 hex digits of the SHA-256 of the file's bytes"),
    Field(
        "path",
        pl.String(),
        "path as given, relative to the corpus root (a zip member: archive.zip/member); a name whose bytes are "
        "not UTF-8 is shown decoded as GB18030, else with its undecodable bytes as \\xNN",
    ),
    Field("format", FORMAT, "detected from content, not only the extension"),
    Field("status", STATUS, "ok / partial (tables missing or damaged) / failed / not_a_report / duplicate"),
    Field("error", pl.String(), "why a file failed or is not a report; null otherwise"),
    Field("organ", pl.String(), "organ as titled, e.g. 民权县褚庙乡人民政府"),
    Field(
        "organ_id",
        pl.String(),
        "the organ across years and name variants: division code (cpca's 6-digit code of the county, city "
        "or province; its names where cpca has none) / township, street or zone when below it / kind (gov, "
        "office or the department's standard name), e.g. 320813/gov; name:<printed> when unresolved; a "
        "crosswalk row (organs.csv) overrides",
    ),
    Field(
        "organ_name",
        pl.String(),
        "canonical name of organ_id: a crosswalk row's, else as printed in the organ's latest report",
    ),
    Field("organ_level", ORGAN_LEVEL, "administrative level of the organ"),
    Field("province", pl.String(), "province of the organ"),
    Field("city", pl.String(), "prefecture-level city of the organ"),
    Field("county", pl.String(), "county-level division of the organ"),
    Field("year", pl.Int16(), "the report year (not the publication date)"),
    Field("template", pl.Int16(), "national template printed: 2019 or 2021"),
    Field("proactive_items", pl.Int64(), "narrative: 主动公开政府信息 N 条"),
    Field("proactive_breakdown_sum", pl.Int64(), "narrative: sum of the stated category breakdown"),
    Field("wechat_posts", pl.Int64(), "narrative: posts on the organ's WeChat account, where stated"),
    Field("weibo_posts", pl.Int64(), "narrative: posts on the organ's Weibo account, where stated"),
    Field("cells_read", pl.Int64(), "quality: table cells holding a number (printed or proved)"),
    Field("cells_null", pl.Int64(), "quality: table cells left null (blank, missing or unprovable)"),
    Field("checks_warning", pl.Int64(), "quality: warning checks on this report (damage left values null)"),
    Field("checks_error", pl.Int64(), "quality: error checks on this report (broken identities)"),
    Field("duplicate_of", pl.String(), "report_id of the first byte-identical file (status duplicate)"),
    Field("parse_seconds", pl.Float64(), "time spent on this file"),
    Field(
        "ocr_pages",
        pl.String(),
        "pages read by optical character recognition (scans), e.g. '1-5' or '2,4'; null when none",
    ),
)
PROACTIVE: tuple[Field, ...] = (
    Field("report_id", pl.String(), "see reports"),
    Field("item", ITEM, "table 2 item (规章, 行政许可, …)"),
    Field("measure", MEASURE, "table 2 measure (本年制发件数, …)"),
    Field("value", pl.Float64(), "as printed; null when blank or not found"),
)
APPLICATIONS: tuple[Field, ...] = (
    Field("report_id", pl.String(), "see reports"),
    Field("outcome", OUTCOME, "table 3 row"),
    Field("outcome_group", OUTCOME_GROUP, "group of the row (intake, granted, denied, …)"),
    Field("applicant", APPLICANT, "table 3 column (applicant type, or total)"),
    Field("value", pl.Int64(), "count; null for a blank, missing or unprovable cell"),
)
LITIGATION: tuple[Field, ...] = (
    Field("report_id", pl.String(), "see reports"),
    Field("proceeding", PROCEEDING, "administrative review, or litigation with/without prior review"),
    Field("result", RESULT, "upheld, corrected, other, pending, total"),
    Field("value", pl.Int64(), "count; null when blank or not found"),
)
CHECKS: tuple[Field, ...] = (
    Field("report_id", pl.String(), "see reports"),
    Field("check", pl.String(), "check name: " + ", ".join(CHECK_NAMES)),
    Field(
        "severity", SEVERITY, "error: broken identity; warning: damage left values null; info: repairs, notes"
    ),
    Field("where", pl.String(), "table/row/column the check is about, e.g. table3/granted/total"),
    Field("expected", pl.Float64(), "value the identity requires"),
    Field("actual", pl.Float64(), "value printed"),
    Field("message", pl.String(), "readable explanation naming the table, row and column as printed"),
    Field("page", pl.Int32(), "evidence: page of the printed row (from 1), where the reader knows it (PDF)"),
    Field(
        "evidence", pl.String(), "evidence: the printed row as it appeared (its line, cut to 120 characters)"
    ),
)

CORRECTIONS: tuple[Field, ...] = (
    Field("report_id", pl.String(), "see reports: the report corrected"),
    Field("path", pl.String(), "the report's path (reports.path)"),
    Field(
        "frame", pl.String(), "frame of the corrected cell: proactive, applications, litigation or reports"
    ),
    Field("row", pl.String(), "row key in that frame (item, outcome, proceeding; `report` for reports)"),
    Field("column", pl.String(), "column key in that frame (measure, applicant, result; a reports column)"),
    Field("printed", pl.Float64(), "the value as parsed (null when the cell was null)"),
    Field("value", pl.Float64(), "the value after the correction (null: the correction set it null)"),
    Field("reason", pl.String(), "the reviewer's reason, as written in the corrections file"),
    Field("author", pl.String(), "who made the correction, where the file says"),
    Field("date", pl.String(), "when, where the file says (as written)"),
    Field("corrections_file", pl.String(), "the corrections file, as given to the run"),
    Field("line", pl.Int32(), "line of that file (CSV) or row of its sheet (XLSX)"),
)

FRAMES: dict[str, tuple[Field, ...]] = {
    "reports": REPORTS,
    "proactive": PROACTIVE,
    "applications": APPLICATIONS,
    "litigation": LITIGATION,
    "checks": CHECKS,
}
# The contract's five frames. A run also writes ``corrections`` (one row per applied correction),
# which is not one of them: a run without corrections files gives it no rows.
FRAME_NAMES: tuple[str, ...] = tuple(FRAMES)
OUTPUT_NAMES: tuple[str, ...] = (*FRAME_NAMES, "corrections")
FRAME_SCHEMAS: dict[str, pl.Schema] = {
    name: pl.Schema({f.name: f.dtype for f in fields})
    for name, fields in {**FRAMES, "corrections": CORRECTIONS}.items()
}


def conform(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """``frame`` with the columns of frame ``name`` in order and cast; columns it lacks are null
    (checks made before the evidence columns existed, made in code that does not know them).

    >>> conform(pl.DataFrame({"check": ["year_missing"], "report_id": ["r1"]}), "checks").row(0)
    ('r1', 'year_missing', None, None, None, None, None, None, None)
    """
    schema = FRAME_SCHEMAS[name]
    missing = [pl.lit(None, dtype).alias(c) for c, dtype in schema.items() if c not in frame.columns]
    return frame.with_columns(missing).select(schema.names()).cast(schema)


def check_row(
    check: str,
    severity: str | pl.Expr,
    where: str,
    message: pl.Expr,
    expected: pl.Expr | None = None,
    actual: pl.Expr | None = None,
) -> list[pl.Expr]:
    """The columns of a ``checks`` row per row of a frame that has ``report_id`` (checks across reports).

    >>> pl.DataFrame({"report_id": ["a"]}).select(check_row("year_missing", "warning", "report", pl.lit("m"))).row(0)
    ('a', 'year_missing', 'warning', 'report', None, None, 'm')
    """
    nothing = pl.lit(None, pl.Float64)
    return [
        pl.col("report_id"),
        pl.lit(check).alias("check"),
        (pl.lit(severity) if isinstance(severity, str) else severity).alias("severity"),
        pl.lit(where).alias("where"),
        (nothing if expected is None else expected).alias("expected"),
        (nothing if actual is None else actual).alias("actual"),
        message.alias("message"),
    ]


def empty_frame(name: str) -> pl.DataFrame:
    """A frame with no rows and the contract's schema.

    >>> empty_frame("checks").columns
    ['report_id', 'check', 'severity', 'where', 'expected', 'actual', 'message', 'page', 'evidence']
    """
    return pl.DataFrame(schema=FRAME_SCHEMAS[name])


def data_dictionary() -> str:
    """The data dictionary as Markdown (written to ``docs/data-dictionary.md``).

    >>> [line for line in data_dictionary().splitlines() if line.startswith("## ")][:6]
    ['## `reports`', '## `proactive`', '## `applications`', '## `litigation`', '## `checks`', '## `corrections`']
    """
    lines = ["# Data dictionary", "", "Generated from `lib/nianbao/fields.py` and the template files.", ""]
    for name, fields in {**FRAMES, "corrections": CORRECTIONS}.items():
        lines += [f"## `{name}`", "", "| column | type | meaning |", "| --- | --- | --- |"]
        lines += [f"| {f.name} | {f.dtype} | {f.description} |" for f in fields]
        lines.append("")
    lines += [
        "## Checks",
        "",
        "| check | severity | 名称 | label | what it enforces |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{c.name}` | {', '.join(c.severities)} | {c.zh} | {c.en} | {c.meaning} |" for c in CHECK_TABLE
    ]
    lines.append("")
    for t in _T:
        lines += [
            f"## Template {t.year} ({t.reference}), report years {t.first_report_year}–"
            f"{'' if t.last_report_year > 3000 else t.last_report_year}",
            "",
        ]
        lines += ["Table 2:", "", "| item | label | measures |", "| --- | --- | --- |"]
        lines += [
            f"| `{i.key}` | {i.label} | "
            + ", ".join(f"`{m}` {t.measure(m).label}" for m in i.measures)
            + " |"
            for i in t.table2_items
        ]
        lines += ["", "Table 3 rows:", "", "| row | group | label |", "| --- | --- | --- |"]
        lines += [f"| `{r.key}` | {r.group} | {r.label} |" for r in t.table3_rows]
        lines += ["", "Table 3 columns: " + ", ".join(f"`{c.key}` {c.label}" for c in t.table3_columns), ""]
        lines += [
            "Table 4: proceedings "
            + ", ".join(f"`{p.key}` {p.label}" for p in t.table4_proceedings)
            + "; results "
            + ", ".join(f"`{r.key}` {r.label}" for r in t.table4_results),
            "",
        ]
    return "\n".join(lines)
