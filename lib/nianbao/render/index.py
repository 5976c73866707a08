"""``outputs/index.html``: links to the rendered notebooks and the corpus summary, self-contained.

Everything taken from data (organ names, paths, parameters, error messages) passes through
:func:`html.escape`; the page has no script and no external reference.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nianbao.analysis.chart_text import TEXT, text

if TYPE_CHECKING:
    from nianbao.render.pipeline import PageResult

__all__ = ["index_html", "write_index"]

_STYLE = """
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
  "PingFang SC", "Microsoft YaHei", sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; vertical-align: top; }
.failed { color: #b71c1c; }
.ok { color: #2f7d32; }
.muted { color: #666; font-size: 0.9em; }
"""


def _e(value: Any) -> str:
    """Any value as text safe in HTML content and in a double-quoted attribute."""
    return html.escape(str(value), quote=True)


def _rows(pairs: Sequence[tuple[Any, Any]]) -> str:
    return "\n".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in pairs)


def index_html(
    pages: Sequence[PageResult],
    summary: Mapping[str, Any],
    parameters: Mapping[str, Any],
    corpus_label: str,
) -> str:
    """The index page as a string (see :func:`write_index`): a link per rendered page with how it
    went, the selection's summary beside the corpus's, and the parameters, all escaped.

    >>> from nianbao.render.pipeline import PageResult
    >>> pages = [PageResult("01_proactive_disclosure", Path("01_proactive_disclosure.html"), True, 3.2, 1_200_000),
    ...          PageResult("02_applications", None, False, 1.0, failed_cell=4, error="KeyError: 'x'")]
    >>> summary = {"files": 98, "organs": 14, "corpus_files": 300, "corpus_organs": 43,
    ...            "filters": {"county": "甲县"}, "years": (2021, 2023)}
    >>> page = index_html(pages, summary, {"county": "甲县", "parsed": "/data/p"}, "<demo>")
    >>> '<a href="01_proactive_disclosure.html">' in page, "FAILED in cell 4: KeyError: &#x27;x&#x27;" in page
    (True, True)
    >>> "<td>98 / 300</td>" in page, "<td>&lt;demo&gt;</td>" in page, "/data/p" in page
    (True, True, False)
    """
    items = []
    for page in pages:
        zh, en = TEXT.get(page.name, (page.name, ""))  # page titles live with the other chart words
        link = f'<a href="{_e(page.html.name)}">{_e(zh)}</a>' if page.html else _e(zh)
        state = (
            f'<span class="ok">{_e(page.describe())}</span>'
            if page.ok
            else f'<span class="failed">{_e(page.describe())}</span>'
        )
        items.append(
            f"<tr><td>{link}<br><span class='muted'>{_e(en)}</span></td><td>{_e(page.name)}</td><td>{state}</td></tr>"
        )
    years = summary.get("years")
    filters = summary.get("filters") or {}
    scope = "; ".join(f"{k} = {v}" for k, v in filters.items()) or "全部 everything"
    files, organs = summary.get("files"), summary.get("organs")
    if "corpus_files" in summary and filters:
        files = f"{files} / {summary['corpus_files']}"
        organs = f"{organs} / {summary.get('corpus_organs')}"
    facts = [
        ("语料 corpus", corpus_label),
        ("所选范围 selection", scope),
        ("文件 files (selected / corpus)" if filters else "文件 files", files),
        ("机关 organs (selected / corpus)" if filters else "机关 organs", organs),
        ("年度 years", f"{years[0]}–{years[1]}" if years else "—"),
        ("报告有勾稽错误 reports failing an identity", summary.get("flagged_reports")),
    ]
    facts += [
        (f"状态 status: {text(k, 'zh')} {text(k, 'en')}" if k in TEXT else f"状态 status: {k}", v)
        for k, v in summary.get("by_status", {}).items()
    ]
    facts += [
        (f"检查 checks: {text(k, 'zh')} {text(k, 'en')}" if k in TEXT else f"检查 checks: {k}", v)
        for k, v in summary.get("checks_by_severity", {}).items()
    ]
    params = [(k, v) for k, v in sorted(parameters.items()) if k != "parsed"]
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    return f"""<!DOCTYPE html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>政府信息公开年报分析 · nianbao report</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>政府信息公开工作年度报告 · 分析报告</h1>
<p class="muted">nianbao report, rendered {_e(stamp)}. Every page opens offline; charts need no network.</p>
<h2>页面 Pages</h2>
<table>
<tr><th>页面 page</th><th>notebook</th><th>状态 status</th></tr>
{chr(10).join(items)}
</table>
<p><a href="methods.html">方法说明 · Methods</a>: templates and row mapping, what each figure means, intervals,
flagging, the data dictionary, nianbao version and corpus digest.</p>
<h2>语料摘要 Corpus summary</h2>
<table>
{_rows(facts)}
</table>
<h2>参数 Parameters</h2>
<table>
{_rows(params) if params else "<tr><td>defaults of each notebook</td></tr>"}
</table>
</body>
</html>
"""


def write_index(
    out_dir: Path,
    pages: Sequence[PageResult],
    summary: Mapping[str, Any],
    parameters: Mapping[str, Any],
    corpus_label: str,
) -> Path:
    """Write ``out_dir/index.html`` and return its path.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = write_index(Path(d), [], {"files": 0}, {}, "empty corpus")
    ...     path.name, "empty corpus" in path.read_text(encoding="utf-8")
    ('index.html', True)
    """
    target = out_dir / "index.html"
    target.write_text(index_html(pages, summary, parameters, corpus_label), encoding="utf-8")
    return target
