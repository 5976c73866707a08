"""``outputs/methods.html``: how every figure on the pages was made, for a paper's methods section.

The two national templates and how their rows map onto one another, what "handled" and each rate
mean, what flagging a report excludes, the interval methods and ``min_n``, the data dictionary, the
nianbao version and a digest of the corpus (so a reader can tell two renders of the same files
from renders of different ones). Generated from :mod:`nianbao.fields` and the template files, so it
cannot drift from the code; everything from data is escaped; no script, no external reference.

>>> import polars as pl
>>> corpus_digest(pl.DataFrame({"report_id": ["b", "a"]})) == corpus_digest(pl.DataFrame({"report_id": ["a", "b"]}))
True
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from nianbao import __version__
from nianbao.analysis.rollup import MAX_ORGANS
from nianbao.fields import CHECK_TABLE, CORRECTIONS, FRAMES
from nianbao.templates import all_templates

__all__ = ["corpus_digest", "methods_html", "write_methods"]

_STYLE = """
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
  "PingFang SC", "Microsoft YaHei", sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em;
  color: #222; line-height: 1.5; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
code { background: #f3f3f3; padding: 0 3px; }
.muted { color: #666; font-size: 0.9em; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def corpus_digest(reports: pl.DataFrame) -> str:
    """SHA-256 over the sorted report ids (each the start of its file's SHA-256): the same files
    give the same digest, whatever their names or order.

    >>> a = corpus_digest(pl.DataFrame({"report_id": ["b2", "a1"], "path": ["x.txt", "y.pdf"]}))
    >>> a == corpus_digest(pl.DataFrame({"report_id": ["a1", "b2"], "path": ["renamed.txt", "y.pdf"]}))
    True
    >>> a[:16], a == corpus_digest(pl.DataFrame({"report_id": ["a1"]}))
    ('2e0846cb773d2f69', False)
    """
    ids = sorted(str(r) for r in reports["report_id"].drop_nulls().to_list())
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>\n{body}</table>"


def _template_rows() -> str:
    """Table 3 rows of every template side by side, joined on their key (the mapping)."""
    templates = all_templates()
    keys: list[str] = []
    labels: dict[tuple[int, str], str] = {}
    groups: dict[str, str] = {}
    for t in templates:
        for r in t.table3_rows:
            if r.key not in keys:
                keys.append(r.key)
            labels[(t.year, r.key)] = r.label
            groups[r.key] = r.group
    headers = ["key", "group 分组", *(f"{t.year} 模板 template" for t in templates)]
    rows = [[k, groups[k], *(labels.get((t.year, k), "—") for t in templates)] for k in keys]
    return _table(headers, rows)


def _template_measures() -> str:
    """Table 2 measures per template and the concept each counts across templates (``means``)."""
    rows = [
        [t.year, m.key, m.label, m.label_en, m.concept] for t in all_templates() for m in t.table2_measures
    ]
    return _table(["template", "key", "标签 label", "English", "compared as 跨模板比较"], rows)


def _templates() -> str:
    items = [
        f"<li>{_e(t.year)} 模板 ({_e(t.reference)}): report years {_e(t.first_report_year)}–"
        f"{'' if t.last_report_year > 3000 else _e(t.last_report_year)}</li>"
        for t in all_templates()
    ]
    return f"<ul>{''.join(items)}</ul>"


def _dictionary() -> str:
    parts = []
    for name, fields in {**FRAMES, "corrections": CORRECTIONS}.items():
        parts.append(f"<h3><code>{_e(name)}</code></h3>")
        parts.append(
            _table(["column", "type", "meaning"], [[f.name, f.dtype, f.description] for f in fields])
        )
    return "\n".join(parts)


def _checks() -> str:
    rows = [[c.name, ", ".join(c.severities), c.zh, c.en, c.meaning] for c in CHECK_TABLE]
    return _table(["check", "severity", "中文", "English", "what it enforces"], rows)


_DEFINITIONS = [
    (
        "办理总数 handled",
        "表三「(七)总计」行的总计列：本年办结的申请数。该行未印出而各办理结果行均印出时，取各行之和；否则为空（不当作 0）。"
        " Table 3, row (七)总计, column 总计: applications concluded this year. Where that row is missing but "
        "every outcome row is printed, their sum; otherwise blank (never 0).",
    ),
    (
        "申请数 applications",
        "本年新收 + 上年结转。 New this year + carried over from last year.",
    ),
    (
        "办理结果占比 outcome shares",
        "每组办理结果（予以公开、部分公开、不予公开、无法提供、不予处理、其他处理）占办理总数的比例；办理总数未知的报告不计入分子和分母。"
        " Each outcome group's count over applications handled; reports whose handled total is unknown are left "
        "out of numerator and denominator.",
    ),
    (
        "每百件申请的复议、诉讼案件数 cases per 100 applications handled",
        "表四行政复议（或行政诉讼两栏之和）的总计 ÷ 办理总数 × 100。案件可能涉及上年的决定，故可超过 100。"
        " Table 4 total of administrative review (or of both litigation columns) ÷ applications handled × 100; "
        "cases may concern last year's decisions, so above 100 is possible.",
    ),
    (
        "纠错率 correction rate",
        "结果纠正 ÷（结果维持 + 结果纠正 + 其他结果）：已审结案件中机关决定被纠正的比例。"
        " Corrected ÷ (upheld + corrected + other): the share of concluded cases in which the decision was corrected.",
    ),
    (
        "勾稽关系不符 flagged",
        "报告有一项严重程度为 error 的检查（模板恒等式不成立，如各类申请人之和≠总计）。默认（include_flagged = False）"
        "此类报告不进入任何数字、排名、中位数；数值照印保留在导出面板中（flagged 列）。"
        " A report with a check of severity error (a template identity fails). By default it is left out of every "
        "figure, rank and median; its values stay in the exported panel, marked in the flagged column.",
    ),
    (
        "区间 intervals",
        "占比：Wilson 95% 区间；比率：Poisson score 95% 区间（z = 1.96）。"
        " Shares: Wilson score interval, 95%; rates: Poisson score interval, 95% (z = 1.96).",
    ),
    (
        "min_n",
        "分母（办理总数或已审结案件数）低于 min_n 时标为「样本过少」，不参与排名，图中为空心点或浅色。"
        " Below min_n in the denominator a figure is marked too few cases, left out of ranks, drawn hollow or pale.",
    ),
    (
        "同级比较 peers",
        "排名、中位数、四分位带只在同一层级、同一地区的机关之间计算：乡镇与县级部门在本县内，县级政府在本市内，市级政府在本省内。"
        " Ranks, medians and bands only among organs of the same level and place: townships and county departments "
        "within their county, county governments within their city, city governments within their province.",
    ),
    (
        "按地区汇总 pooled by place (max_organs)",
        "所选机关多于 max_organs 时，图表按县汇总（县多于 max_organs 时按市，再按省）：热力图为各县合计，"
        "趋势线为各县每份报告的平均值（带为各县之间的分布），办理结果与复议诉讼比率为各县所辖机关的合计之比；图表数据只含地区，"
        "不含各机关。表格同样按地区和年度汇总，另附下钻表按县列出每个机关（可筛选，CSV/XLSX 下载含全部行）。"
        "机关计入其最近一份报告所署的县（县改区不会拆成两行）。"
        " Above max_organs organs (this render's value is above) the charts pool by county (by city, then province, when the counties "
        "are more than max_organs): heatmaps show each county's total, trends each county's mean per report (the "
        "band is the spread across counties), outcome shares and review/litigation rates the ratio of the summed "
        "counts of the county's organs; a chart's data holds places only. Tables pool by place and year too, and a "
        "drill-down table lists every organ under its county (filterable; the CSV/XLSX downloads hold every row). "
        "An organ counts in the county its latest report names (a county renamed district stays one row).",
    ),
    (
        "人工更正 corrections",
        "审核人在更正文件（CSV 或填写后的审核表；nianbao parse --corrections，或语料目录下的 corrections.csv）中写明"
        "单元格、更正值和理由。更正在解析之后、检查之前套用，不重新解析，源文件和缓存不变；被更正报告的每个勾稽关系按更正值"
        "重新检查：更正修复的错误消失，错误的更正产生新的错误。每条已套用的更正记入 corrections 表（印刷值、更正值、理由、"
        "作者、日期、文件和行）并有一条 corrected 提示；目标不存在、文件已变、不改变任何值或互相矛盾的更正为警告，数值无效"
        "的为错误，均不套用。删除更正文件即恢复原解析值。图中基于更正值的标记，提示框显示「含人工更正」及所改单元格；"
        "总览页按报告列出更正和仍未解决的错误。"
        " A reviewer writes the cell, the new value and a reason in a corrections file (a CSV or a filled review "
        "sheet, given to nianbao parse --corrections, or corrections.csv at the top of the corpus folder). "
        "Corrections are applied after parsing and before the checks, without parsing again; the sources and the "
        "cache are never modified. Every identity of a corrected report is checked again on the corrected values: "
        "an error a correction fixes disappears, one a wrong correction makes appears. Each applied correction is "
        "a row of the corrections frame (printed and new value, reason, author, date, file and line) and an info "
        "check corrected; a correction whose target does not exist, whose file has changed, that changes nothing "
        "or contradicts another is a warning, an invalid value an error, and none of these is applied. Removing "
        "the file gives back the parsed values. A chart mark resting on a corrected value says so in its tooltip "
        "(includes a reviewer's correction, with the cells changed); the corpus overview lists each report's "
        "corrections and the errors still open.",
    ),
]


def methods_html(reports: pl.DataFrame, parameters: Mapping[str, Any], corpus_label: str) -> str:
    """The methods page as a string (see :func:`write_methods`): the templates and their row
    mapping, definitions, checks and the data dictionary, with this render's version, corpus digest
    and parameters.

    >>> page = methods_html(pl.DataFrame({"report_id": ["a1", "b2"]}), {"min_n": 5}, "demo <corpus>")
    >>> "<td>min_n (this render)</td><td>5</td>" in page, "demo &lt;corpus&gt;" in page
    (True, True)
    >>> "<h2>检查 · Checks</h2>" in page, "intake_balance" in page, "t3_row__applicant" in page
    (True, True, True)
    """
    min_n = parameters.get("min_n", 10)
    definitions = "\n".join(f"<dt><strong>{_e(k)}</strong></dt><dd>{_e(v)}</dd>" for k, v in _DEFINITIONS)
    facts = _table(
        ["", ""],
        [
            ["nianbao 版本 version", __version__],
            ["语料 corpus", corpus_label],
            ["文件数 files", reports.height],
            ["语料摘要 corpus digest (SHA-256 of the sorted report ids)", corpus_digest(reports)],
            ["min_n (this render)", min_n],
            ["include_flagged (this render)", parameters.get("include_flagged", False)],
            ["max_organs (this render)", parameters.get("max_organs", MAX_ORGANS)],
        ],
    )
    return f"""<!DOCTYPE html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>方法说明 · Methods</title>
<style>{_STYLE}</style>
</head>
<body>
<p><a href="index.html">← 目录 index</a></p>
<h1>方法说明 · Methods</h1>
<p class="muted">How the figures on these pages were made. Generated by nianbao {_e(__version__)} from
its field table and template files.</p>
{facts}
<h2>定义 · Definitions</h2>
<dl>
{definitions}
</dl>
<h2>模板 · The national templates</h2>
{_templates()}
<p>两版模板的表三行按键（key）对应；同一键在两版中含义相同。 Table 3 rows of the two templates are matched by key:
a key means the same in both.</p>
{_template_rows()}
<h3>表二 · Table 2 measures</h3>
<p>2019 模板的「本年新制作数量」与 2021 模板的「本年制发件数」按同一概念比较（最后一列）。 Measures compared
across templates by the concept in the last column.</p>
{_template_measures()}
<h2>检查 · Checks</h2>
{_checks()}
<h2>数据字典 · Data dictionary</h2>
<p>The exported panel (<code>nianbao export</code>) names table cells <code>t2_item__measure</code>,
<code>t3_row__applicant</code>, <code>t4_proceeding__result</code> by these keys; its codebook lists them.</p>
{_dictionary()}
</body>
</html>
"""


def write_methods(
    out_dir: Path, reports: pl.DataFrame, parameters: Mapping[str, Any], corpus_label: str
) -> Path:
    """Write ``out_dir/methods.html`` and return its path.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_methods(Path(d), pl.DataFrame({"report_id": ["a1"]}), {}, "demo")
    ...     path.name, "<td>文件数 files</td><td>1</td>" in path.read_text(encoding="utf-8")
    ('methods.html', True)
    """
    target = out_dir / "methods.html"
    target.write_text(methods_html(reports, parameters, corpus_label), encoding="utf-8")
    return target
