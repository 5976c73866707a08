"""Tables on a page: formatted by great_tables, every row reachable, downloadable as CSV and XLSX.

Why great_tables (not itables, not polars' own ``_repr_html_``): it renders plain HTML and CSS with
no script and no CDN, so a table survives nbconvert, an e-mail and a firewall unchanged; its
formatters give thousands separators, percentages with one decimal and blanks for nulls, which is
what a paper's appendix needs. itables would add sorting and search, but only with a DataTables
bundle in every page and the rows travelling as JSON; here a reader sorts in the XLSX download
instead. polars' printout (``shape: (…)``, a dtype row, quoted strings, ten rows and ``…``) is what
this module replaces.

Three rules hold for every table:

* **Escaped.** great_tables passes text cells through as HTML, and report text is hostile (an organ
  named ``<script>``), so every text cell and label is escaped here before great_tables sees it.
* **Every row reachable.** All rows (up to :data:`MAX_ROWS`) sit in a scroll box with a sticky
  header; the downloads always hold every row, and a note says when the page shows fewer.
* **Downloads travel with the page.** CSV (UTF-8 with BOM, so Excel and WPS read the Chinese) and
  XLSX are ``data:`` links inside the page: a mailed page is still one file. Above
  :data:`MAX_INLINE_BYTES` of CSV a table offers only CSV (``nianbao export`` writes the full data).

>>> t = table(pl.DataFrame({"organ": ["<b>甲镇</b>"], "share": [0.4372], "handled": [12212]}))
>>> "&lt;b&gt;甲镇" in t.html, "43.7%" in t.html, "12,212" in t.html, "<b>甲镇" in t.html
(True, True, True, False)
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

import polars as pl

if TYPE_CHECKING:
    from nianbao.analysis.selection import Frames

import great_tables as gt

from nianbao.analysis import rollup
from nianbao.analysis.chart_text import (
    GROUP_LABELS,
    LEVEL_LABELS,
    TEXT,
    Lang,
    check_label,
    label,
    level_label,
    text,
)
from nianbao.analysis.panel import codebook, panel
from nianbao.analysis.selection import selection_summary

__all__ = [
    "COLUMNS",
    "MAX_INLINE_BYTES",
    "MAX_ROWS",
    "PageTable",
    "column_label",
    "csv_bytes",
    "downloads",
    "drill_down",
    "level_label",
    "page_data",
    "selection",
    "table",
    "xlsx_bytes",
]

Kind = Literal["text", "int", "year", "num", "pct", "change", "bool", "interval"]
MAX_ROWS = 2_000  # rows drawn on the page; the downloads hold all
MAX_INLINE_BYTES = 1_500_000  # CSV above this is offered without its XLSX twin (page budget 5 MB)

# Column key -> Chinese label, English label, how to print it. Keys missing here print by dtype.
COLUMNS: dict[str, tuple[str, str, Kind]] = {
    "organ": ("机关", "organ", "text"),
    "organ_name": ("机关", "organ", "text"),
    "organ_id": ("机关编号", "organ id", "text"),
    "organ_level": ("层级", "level", "text"),
    "province": ("省", "province", "text"),
    "city": ("市", "city", "text"),
    "county": ("县（区）", "county", "text"),
    "place": ("地区", "place", "text"),
    "year": ("年度", "year", "year"),
    "years": ("年度", "years", "text"),
    "template": ("模板", "template", "year"),
    "path": ("来源文件", "source file", "text"),
    "format": ("格式", "format", "text"),
    "status": ("解析状态", "status", "text"),
    "error": ("原因", "reason", "text"),
    "reports": ("报告数", "reports", "int"),
    "organs": ("机关数", "organs", "int"),
    "files": ("文件数", "files", "int"),
    "first_year": ("起始年度", "first year", "year"),
    "last_year": ("截止年度", "last year", "year"),
    "flagged": ("勾稽不符", "fails an identity", "bool"),
    "used": ("纳入分析", "used", "int"),
    "no_narrative_total": ("正文无总数", "no narrative total", "int"),
    "check": ("检查项", "check", "text"),
    "severity": ("严重程度", "severity", "text"),
    "checks": ("检查数", "checks", "int"),
    "where": ("位置", "where", "text"),
    "message": ("说明", "message", "text"),
    "messages": ("说明", "messages", "text"),
    "share": ("占比", "share", "pct"),
    "interval": ("95% 区间", "95% interval", "interval"),
    "small_n": ("样本过少", "too few cases", "bool"),
    "rank": ("排名", "rank", "int"),
    "peers": ("同级机关数", "peers ranked", "int"),
    "peer_group": ("比较范围", "compared within", "text"),
    "previous": ("上年", "previous year", "int"),
    "change": ("变化", "change", "int"),
    "pct_change": ("变化率", "change", "change"),
    "per_100": ("每百件案件数", "per 100 handled", "num"),
    "kind": ("类别", "proceeding", "text"),
    "outcome_group": ("办理结果", "outcome", "text"),
    "reason": ("理由", "reason", "text"),
    "count": ("件数", "count", "int"),
    "granted": ("予以公开", "granted", "int"),
    "partially_granted": ("部分公开", "partially granted", "int"),
    "denied": ("不予公开", "denied", "int"),
    "unable": ("无法提供", "unable to provide", "int"),
    "not_processed": ("不予处理", "not processed", "int"),
    "other": ("其他处理", "other handling", "int"),
    "corrected": ("纠正", "corrected", "int"),
    "concluded": ("已审结", "concluded", "int"),
    "carried_over": ("上年结转", "carried over", "int"),
    "carried_forward": ("结转下年", "carried forward", "int"),
    "previous_forward": ("上年报告的结转下年", "carried forward in last year's report", "int"),
    "carry_gap": ("差额", "difference", "int"),
    "disagree": ("与上年报告不一致的报告", "reports disagreeing with last year's", "int"),
    "expected_reports": ("应有报告", "expected reports", "int"),
    "missing_years": ("缺报年度", "years without a report", "text"),
    "median": ("同级中位数", "peer median", "num"),
    "ratio": ("与中位数之比", "ratio to median", "num"),
    "note": ("提示", "note", "text"),
    "corrections_applied": ("已更正", "corrections applied", "int"),
    "changes": ("更正内容（印刷值 → 更正值）", "changes (printed → corrected)", "text"),
    "open_errors": ("未解决的错误", "errors still open", "int"),
    "open_checks": ("未解决的检查", "open checks", "text"),
    "denied_share": ("不予公开占比", "denied share", "pct"),
    "denied_interval": ("不予公开 95% 区间", "denied 95% interval", "text"),
    "unable_share": ("无法提供占比", "unable-to-provide share", "pct"),
    "unable_interval": ("无法提供 95% 区间", "unable 95% interval", "text"),
    "printed_organ": ("报告所印名称", "name as printed", "text"),
}


def _value_words(column: str, lang: Lang) -> Mapping[str, str] | None:
    """How the keys of a column print in ``lang`` (None: the column holds no keys)."""
    i = 0 if lang == "zh" else 1
    if column == "organ_level":
        return {k: v[i] for k, v in LEVEL_LABELS.items()}
    if column in ("status", "severity"):
        keys = ("ok", "partial", "failed", "not_a_report", "duplicate", "info", "warning", "error")
        return {**{k: text(k, lang) for k in keys}, "flagged": text("flagged_status", lang)}
    if column == "kind":
        return {k: text(k, lang) for k in ("review", "litigation")}
    if column == "reason":
        return _ReasonWords(lang)
    if column == "outcome_group":
        return {k: label("outcome_group", k, lang) for k in GROUP_LABELS}
    return None


class _ReasonWords(dict[str, str]):
    """Reason keys (denied_*, unable_*, …) as the template prints them, looked up on demand."""

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang = lang

    def __missing__(self, key: str) -> str:
        return label("reason", key, self.lang)


def column_label(column: str, lang: Lang = "zh") -> str:
    """A column's header in ``lang``: from :data:`COLUMNS`, the chart words, or the key itself.

    >>> column_label("carry_gap"), column_label("carry_gap", "en"), column_label("denied_state_secret")
    ('差额', 'difference', '属于国家秘密')
    >>> column_label("2023")
    '2023'
    """
    if column in COLUMNS:
        zh, en, _ = COLUMNS[column]
        return zh if lang == "zh" else en
    if column in TEXT:
        return text(column, lang)
    if column.startswith("denied_"):
        return label("reason", column, lang)
    return column


def _kind(column: str, dtype: pl.DataType) -> Kind:
    """How a column prints: as :data:`COLUMNS` says, unless its dtype says otherwise (a count of
    flagged reports is a number, not yes/no)."""
    if column in COLUMNS and not (COLUMNS[column][2] == "bool" and dtype != pl.Boolean):
        return COLUMNS[column][2]
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_integer():
        return "int"
    if dtype.is_float():
        return "num"
    return "text"


def _escaped(expr: pl.Expr) -> pl.Expr:
    """Text made safe as HTML content (great_tables inserts text cells as they are)."""
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;")):
        expr = expr.str.replace_all(raw, safe, literal=True)
    return expr


def _interval(lower: str, upper: str, percent: bool) -> pl.Expr:
    """``lower``–``upper`` as one text cell: ``23.7%–76.3%`` for shares, ``1.2–3.4`` for rates."""

    def fmt(c: str) -> pl.Expr:
        value = pl.col(c) * 100 if percent else pl.col(c)
        return value.round(1).cast(pl.String) + ("%" if percent else "")

    return (
        pl.when(pl.col(lower).is_not_null() & pl.col(upper).is_not_null())
        .then(fmt(lower) + "–" + fmt(upper))
        .otherwise(None)
    )


def _display(frame: pl.DataFrame, lang: Lang) -> tuple[pl.DataFrame, dict[str, Kind]]:
    """The frame as the page prints it: keys as words, intervals as ranges, text escaped."""
    percent = "share" in frame.columns
    if {"lower", "upper"} <= set(frame.columns):
        at = frame.columns.index("lower")
        frame = frame.with_columns(_interval("lower", "upper", percent).alias("interval"))
        order = [c for c in frame.columns if c not in ("lower", "upper", "interval")]
        frame = frame.select([*order[:at], "interval", *order[at:]])
    kinds: dict[str, Kind] = {}
    exprs: list[pl.Expr] = []
    yes, no = ("是", "") if lang == "zh" else ("yes", "")
    for column, dtype in frame.schema.items():
        kind = _kind(column, dtype)
        col = pl.col(column)
        if isinstance(dtype, pl.Enum | pl.Categorical):
            col = col.cast(pl.String)
        if kind == "bool":
            exprs.append(pl.when(col).then(pl.lit(yes)).otherwise(pl.lit(no)).alias(column))
            kind = "text"
        elif kind == "year":
            exprs.append(col.cast(pl.String).alias(column))
            kind = "text"
        elif kind in ("text", "interval"):
            words = _value_words(column, lang)
            if column == "peer_group":  # "township/甲县" -> "乡镇（街道） · 甲县"
                level = col.cast(pl.String).str.split_exact("/", 1)
                words_ = {k: v[0 if lang == "zh" else 1] for k, v in LEVEL_LABELS.items()}
                shown_ = level.struct.field("field_0").replace(words_) + " · " + level.struct.field("field_1")
                exprs.append(_escaped(shown_).alias(column))
            elif column == "check":
                as_text = col.cast(pl.String)
                keys = frame[column].cast(pl.String).drop_nulls().unique().to_list()
                exprs.append(_escaped(as_text.replace({k: check_label(k, lang) for k in keys})).alias(column))
            elif words is not None:
                keys = frame[column].cast(pl.String).drop_nulls().unique().to_list()
                named = {k: words[k] for k in keys}
                exprs.append(_escaped(col.cast(pl.String).replace(named)).alias(column))
            else:
                exprs.append(_escaped(col.cast(pl.String)).alias(column))
            kind = "text"
        elif dtype.is_float():
            exprs.append(col.fill_nan(None).alias(column))
        else:
            exprs.append(col.alias(column))
        kinds[column] = kind
    return frame.select(exprs), kinds


def _linked(escaped_path: pl.Expr, root: str) -> pl.Expr:
    """An escaped path as a link to ``root/path`` (each segment percent-encoded in the href)."""
    base = "/".join(quote(part) for part in root.replace("\\", "/").split("/")).rstrip("/")
    href = escaped_path.map_elements(
        lambda p: html.escape(f"{base}/{quote(html.unescape(p))}", quote=True), return_dtype=pl.String
    )
    return pl.when(escaped_path.is_not_null() & (escaped_path != "")).then(
        pl.lit('<a href="') + href + pl.lit('">') + escaped_path + pl.lit("</a>")
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as CSV with a byte-order mark (Excel and WPS then read UTF-8 Chinese correctly).

    >>> csv_bytes(pl.DataFrame({"organ": ["甲镇"], "handled": [12]})).decode("utf-8").splitlines()
    ['\\ufefforgan,handled', '甲镇,12']
    """
    flat = frame.with_columns(
        [
            pl.col(c).cast(pl.String)
            for c, d in frame.schema.items()
            if isinstance(d, pl.Enum | pl.Categorical)
        ]
    )
    return "\ufeff".encode() + flat.write_csv().encode("utf-8")


def xlsx_bytes(frame: pl.DataFrame, lang: Lang = "zh", sheet: str = "data") -> bytes:
    """The frame as an XLSX workbook (xlsxwriter), headers in ``lang``, keys kept as values.

    >>> import zipfile
    >>> book = zipfile.ZipFile(io.BytesIO(xlsx_bytes(pl.DataFrame({"organ": ["甲镇"], "handled": [12]}))))
    >>> "机关" in book.read("xl/sharedStrings.xml").decode(), "xl/worksheets/sheet1.xml" in book.namelist()
    (True, True)
    """
    flat = frame.with_columns(
        [
            pl.col(c).cast(pl.String)
            for c, d in frame.schema.items()
            if isinstance(d, pl.Enum | pl.Categorical)
        ]
    )
    flat = flat.with_columns([pl.col(c).fill_nan(None) for c, d in flat.schema.items() if d.is_float()])
    headers = _unique_headers([column_label(c, lang) for c in flat.columns])
    buffer = io.BytesIO()
    flat.rename(dict(zip(flat.columns, headers, strict=True))).write_excel(
        buffer, worksheet=sheet[:31], autofit=True, freeze_panes=(1, 0), table_style=None
    )
    return buffer.getvalue()


def _unique_headers(headers: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SAFE_NAME = re.compile(r"[^\w.-]+")


def downloads(frame: pl.DataFrame, name: str, lang: Lang = "zh") -> str:
    """Links that save the frame as CSV and XLSX, carried inside the page as ``data:`` URIs.

    >>> links = downloads(pl.DataFrame({"organ": ["甲镇"]}), "组 1", lang="en")
    >>> re.findall(r'download="([^"]+)"', links), links.startswith('<span class="nianbao-downloads">download: ')
    (['组_1.csv', '组_1.xlsx'], True)
    """
    stem = _SAFE_NAME.sub("_", name).strip("_") or "table"
    csv = csv_bytes(frame)
    links = [
        f'<a class="nianbao-download" download="{stem}.csv" data-format="csv" data-rows="{frame.height}" '
        f'href="{_data_uri(csv, "text/csv;charset=utf-8")}">CSV</a>'
    ]
    if len(csv) <= MAX_INLINE_BYTES:
        xlsx = xlsx_bytes(frame, lang)
        links.append(
            f'<a class="nianbao-download" download="{stem}.xlsx" data-format="xlsx" data-rows="{frame.height}" '
            f'href="{_data_uri(xlsx, _XLSX)}">XLSX</a>'
        )
    word = "下载" if lang == "zh" else "download"
    return f'<span class="nianbao-downloads">{word}: {" · ".join(links)}</span>'


_STYLE = """<style>
.nianbao-table { margin: 0.4em 0 1.2em 0; }
.nianbao-table .nianbao-meta { font-size: 0.85em; color: #555; margin: 0.2em 0; }
.nianbao-table .nianbao-meta a { margin: 0 0.2em; }
.nianbao-table .nianbao-scroll { display: inline-block; max-width: 100%; max-height: 460px; overflow: auto; border: 1px solid #e3e3e3; }
.nianbao-table .nianbao-scroll thead th { position: sticky; top: 0; background: #fff; z-index: 1; }
.nianbao-table .gt_table { width: auto !important; margin: 0 !important; }
.nianbao-table td, .nianbao-table th { white-space: nowrap; }
.nianbao-table td.gt_left, .nianbao-table tbody td:not([class]) { white-space: normal; min-width: 6em; max-width: 34em; }
</style>"""


# A filter box over a grouped table: rows whose text (or whose group's heading) holds the words typed
# stay, the others and groups left empty are hidden. One listener per page, inline (offline).
_FILTER = """<div><input type="search" class="nianbao-filter" placeholder="{placeholder}" aria-label="{placeholder}"
 style="margin: 0.2em 0; padding: 2px 6px; min-width: 16em;"></div><script>
if (!window.nianbaoFilter) { window.nianbaoFilter = true;
document.addEventListener("input", function (e) {
  var box = e.target.closest && e.target.closest(".nianbao-table");
  if (!box || !e.target.classList.contains("nianbao-filter")) return;
  var q = e.target.value.trim().toLowerCase(), heading = null, shown = 0;
  var close = function () { if (heading) heading.hidden = Boolean(q) && shown === 0; };
  box.querySelectorAll("tbody tr").forEach(function (tr) {
    if (tr.classList.contains("gt_group_heading_row")) { close(); heading = tr; shown = 0; return; }
    var hit = !q || tr.textContent.toLowerCase().indexOf(q) >= 0
      || (heading !== null && heading.textContent.toLowerCase().indexOf(q) >= 0);
    tr.hidden = !hit; if (hit) shown++;
  });
  close();
}); }
</script>"""
_ROW_STYLE = re.compile(r"(#\w+) \.gt_row \{([^}]*)\}")


def _compact(body: str) -> str:
    """great_tables' HTML with its body cells' classes moved to one style rule: a body cell
    is ``<td>`` (text, left) or ``<td class="r">`` (a number, right), styled as great_tables
    styles ``gt_row``. The same table, a third fewer bytes: 1,400 organs stay in the page budget.

    >>> _compact('<style>#t .gt_row { padding: 3px; }</style><td class="gt_row gt_right">1</td>')[-40:]
    'ular-nums; }</style><td class="r">1</td>'
    """
    found = _ROW_STYLE.search(body)
    if found is None:
        return body
    table_id, rules = found.groups()
    css = (
        f"{table_id} .gt_table_body td {{{rules} text-align: left; }}"
        f"{table_id} .gt_table_body td.r {{ text-align: right; font-variant-numeric: tabular-nums; }}"
    )
    body = body.replace("</style>", css + "</style>", 1)
    body = body.replace('<td class="gt_row gt_left">', "<td>").replace(
        '<td class="gt_row gt_right">', '<td class="r">'
    )
    return body.replace("</td>\n", "</td>")


@dataclass(frozen=True, slots=True)
class PageTable:
    """A table as a page shows it: ``frame`` holds every row (the downloads), ``html`` what is drawn."""

    frame: pl.DataFrame
    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"PageTable({self.frame.height} rows × {self.frame.width} columns)"


def table(
    frame: pl.DataFrame,
    *,
    lang: Lang = "zh",
    title: str | None = None,
    name: str = "table",
    columns: Sequence[str] | None = None,
    max_rows: int = MAX_ROWS,
    link_root: str | None = None,
    group: str | None = None,
) -> PageTable:
    """A formatted, scrollable, downloadable table of ``frame`` (or of its ``columns``).

    Counts print with thousands separators, shares as percentages with one decimal, ``lower`` and
    ``upper`` as one "95 % interval" range, booleans as 是/blank, keys (statuses, levels, checks)
    as words, nulls as blanks. Headers come from :data:`COLUMNS` in ``lang``. With ``link_root``
    (the corpus folder relative to the page, as ``nianbao report --corpus`` passes it) each ``path``
    links to its source file, so a reader opens the report the row rests on. ``group`` (a column)
    prints its values as headings over their rows instead of as a column: the organs of each
    county under the county's name (:func:`analysis.rollup.drill_down`), with a filter box above
    (typing a county's name shows its organs; an organ's name, that organ).

    >>> t = table(pl.DataFrame({"place": ["乙市甲县", "乙市甲县"], "organ": ["甲镇", "乙镇"], "2023": [1200, None]}),
    ...           group="place", name="drill")
    >>> t.html.count('class="gt_group_heading"'), "1,200" in t.html, t.frame.height, 'class="nianbao-filter"' in t.html
    (1, True, 2, True)
    """

    data = frame.select(columns) if columns is not None else frame
    shown, kinds = _display(data.head(max_rows), lang)
    if link_root is not None and "path" in shown.columns:
        shown = shown.with_columns(_linked(pl.col("path"), link_root).alias("path"))
    headers = dict(
        zip(shown.columns, _unique_headers([column_label(c, lang) for c in shown.columns]), strict=True)
    )
    table_ = gt.GT(shown, groupname_col=group).sub_missing(missing_text="")
    for kind, apply in (
        ("int", lambda t, c: t.fmt_integer(c)),
        ("num", lambda t, c: t.fmt_number(c, decimals=1)),
        ("pct", lambda t, c: t.fmt_percent(c, decimals=1)),
        ("change", lambda t, c: t.fmt_percent(c, decimals=1, force_sign=True)),
    ):
        cols = [c for c, k in kinds.items() if k == kind]
        if cols:
            table_ = apply(table_, cols)
    table_ = table_.cols_label(cases={c: html.escape(h) for c, h in headers.items()}).tab_options(
        table_font_size="13px", data_row_padding="3px", column_labels_font_weight="bold"
    )
    body = _compact(table_.as_raw_html())
    if data.height > max_rows:
        more = (
            f"页面显示前 {max_rows:,} 行（共 {data.height:,} 行），下载文件包含全部行"
            if lang == "zh"
            else f"showing the first {max_rows:,} of {data.height:,} rows; the downloads hold all"
        )
    else:
        more = f"共 {data.height:,} 行" if lang == "zh" else f"{data.height:,} rows"
    head = f"<strong>{html.escape(title)}</strong> · " if title else ""
    meta = f'<div class="nianbao-meta">{head}{more} · {downloads(data, name, lang)}</div>'
    if group is not None:
        meta += _FILTER.replace(
            "{placeholder}", "筛选机关或地区…" if lang == "zh" else "filter organs or places…"
        )
    page = (
        f'{_STYLE}<div class="nianbao-table" data-rows="{data.height}" data-name="{html.escape(name)}">'
        f'{meta}<div class="nianbao-scroll">{body}</div></div>'
    )
    return PageTable(data, page)


def drill_down(
    frame: pl.DataFrame, value: str, unit: str, *, lang: Lang = "zh", name: str = "organs"
) -> PageTable | None:
    """Every organ behind a chart of places, as a table: one row per organ, ``value`` per year,
    the organs of each place under its name (:func:`analysis.rollup.drill_down`). None when the
    page draws organs (``unit == "organ"``): its own tables list them.

    >>> f = pl.DataFrame({"organ": ["甲镇", "乙镇"], "city": ["乙市"] * 2, "county": ["甲县"] * 2,
    ...                   "year": [2023, 2023], "applications": [3, 4]})
    >>> t = drill_down(f, "applications", "county", lang="en")
    >>> t.frame.rows(), "applications (new + carried over): every organ by year" in t.html
    ([('乙市甲县', '乙镇', 4), ('乙市甲县', '甲镇', 3)], True)
    >>> drill_down(f, "applications", "organ") is None
    True
    """
    if unit == "organ":
        return None
    wide = rollup.drill_down(frame, value, unit)  # type: ignore[arg-type]
    what = text(value, lang) if value in TEXT else value
    title = (
        f"{what}：各机关逐年数值（按{text(unit, lang)}分组，共 {wide.height:,} 个机关）"
        if lang == "zh"
        else f"{what}: every organ by year ({wide.height:,} organs, grouped by {text(unit, lang)})"
    )
    return table(wide, lang=lang, title=title, name=name, group="place")


def page_data(data: Frames, *, lang: Lang = "zh") -> str:
    """Links to the data behind a page: the panel of its reports and the codebook, CSV and XLSX.

    Above :data:`MAX_INLINE_BYTES` of CSV the panel is not carried in the page (it would pass the
    page budget); the line then says to run ``nianbao export``.

    >>> from nianbao.fields import FRAME_NAMES
    >>> from nianbao.analysis.selection import from_frames, select
    >>> reports = pl.DataFrame({"report_id": ["a"], "organ": ["甲镇"], "organ_id": ["o1"], "year": [2023], "status": ["ok"]})
    >>> frames = select(from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": reports}))
    >>> re.findall(r'download="([^"]+)"', page_data(frames, lang="en"))
    ['panel.csv', 'panel.xlsx', 'codebook.csv', 'codebook.xlsx']
    """

    table = panel(data)
    book = codebook(table.columns)
    words = (
        ("本页数据", "所选报告的面板（每份报告一行）", "字段说明"),
        ("Data behind this page", "panel of the selected reports (one row per report)", "codebook"),
    )[0 if lang == "zh" else 1]
    if len(csv_bytes(table)) > MAX_INLINE_BYTES:
        hint = (
            "数据较大，未随页面附带；请运行 nianbao export PARSED --out DIR"
            if lang == "zh"
            else "too large to travel with the page; run nianbao export PARSED --out DIR"
        )
        return f'<div class="nianbao-meta nianbao-page-data">{words[0]}: {hint}</div>'
    return (
        f'<div class="nianbao-meta nianbao-page-data"><strong>{words[0]}</strong>: {words[1]} '
        f"{downloads(table, 'panel', lang)} · {words[2]} {downloads(book, 'codebook', lang)}</div>"
    )


def selection(selected: Frames, data: Frames, *, include_flagged: bool, lang: Lang = "zh") -> PageTable:
    """What a page rests on: the selection summary table and the downloads of its data.

    ``selected`` is the selection made with ``include_flagged=True`` (so flagged reports are counted),
    ``data`` the one the page's figures use.

    >>> from nianbao.fields import FRAME_NAMES
    >>> from nianbao.analysis.selection import from_frames, select
    >>> reports = pl.DataFrame({"report_id": ["a", "b"], "organ": ["甲镇"] * 2, "organ_id": ["o1"] * 2,
    ...                         "year": [2022, 2023], "status": ["ok", "ok"], "proactive_items": [69, None]})
    >>> frames = select(from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": reports}), include_flagged=True)
    >>> shown = selection(frames, frames, include_flagged=False)
    >>> shown.frame.select("reports", "organs", "no_narrative_total").row(0), "panel.csv" in shown.html
    ((2, 1, 1), True)
    """

    shown = table(selection_summary(selected, include_flagged), lang=lang, name="selection")
    return PageTable(shown.frame, shown.html + page_data(data, lang=lang))
