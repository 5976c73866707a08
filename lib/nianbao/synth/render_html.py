"""Portal-style HTML pages: navigation, breadcrumbs and footer around the report, as government sites do.

The report sits in a content ``<div>`` (layout ``portal``) or, as on older portals, inside a cell of
a layout table (``nested``). Report tables carry rowspan/colspan, inline styles, ``<p>`` inside
cells and sometimes header labels split over two paragraphs ("商业</p><p>企业"). The footer has inert
scripts. Nothing refers to an external URL: links are "#" or relative, and nothing is fetched.
The page says it is synthetic in a comment at the top, a visible banner below the report, and the
notice paragraph in section 六.

>>> from nianbao.synth.model import Grid, GridCell, Para, Style
>>> page = render_html([Para("标题", "title"), Grid(((GridCell("a", colspan=2),),), "t")], Style("html", "portal"), "标题")
>>> 'colspan="2"' in page and "<title>标题" in page and "http" not in page
True
"""

from __future__ import annotations

from html import escape

from nianbao.synth.model import Block, Grid, GridCell, Para, Style

__all__ = ["render_html"]

_TD = "border:1px solid #000000;padding:0px 4px;font-size:12px;"
_NAV = ("首页", "政务公开", "政府信息公开", "政务服务", "互动交流", "走进本地")
_SIDE = ("政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "依申请公开")
_SCRIPT = """<script type="text/javascript">
/* synthetic portal stub: inert, fetches nothing */
var pageInfo = { column: "政府信息公开年报", synthetic: true };
function fontZoom(size) { var el = document.getElementById("zoom"); if (el) { el.style.fontSize = size + "px"; } }
</script>"""


def _split_label(text: str) -> str:
    """Header labels like 商业企业 are often typed as two paragraphs in one cell."""
    if len(text) == 4 and text.isalpha():
        return f'{escape(text[:2])}</p><p style="text-indent:0em;">{escape(text[2:])}'
    return escape(text)


def _td(cell: GridCell, style: Style, split: bool) -> str:
    attrs = ""
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    if cell.kind == "value":
        body = escape(cell.text) if cell.text else style.blank
        return f'<td{attrs} style="{_TD}text-align:center;" valign="middle"><p style="text-indent:0em;">{body}</p></td>'
    text = _split_label(cell.text) if split and cell.kind == "header" else escape(cell.text)
    return f'<td{attrs} style="{_TD}" valign="center"><p style="text-indent:0em;">{text}</p></td>'


def _table(grid: Grid, style: Style) -> str:
    split = style.choices.get("html.split_labels") == "1"
    rows = "".join("<tr>" + "".join(_td(c, style, split) for c in row) + "</tr>" for row in grid.rows)
    return (
        '<table style="border-collapse:collapse;border:none;" cellspacing="0" align="center" border="1">'
        f"<tbody>{rows}</tbody></table>"
    )


def _para(p: Para) -> str:
    text = escape(p.text)
    if p.role == "title":
        return f'<p style="text-align:center;font-weight:bold;font-size:22px;">{text}</p>'
    if p.role in ("heading", "subheading"):
        return f'<p style="text-indent:2em;"><strong>{text}</strong></p>'
    if p.role in ("meta", "signature"):
        return f'<p style="text-align:right;">{text}</p>'
    return f'<p style="text-indent:2em;line-height:1.8;">{text}</p>'


def _body(blocks: list[Block], style: Style) -> str:
    return "\n".join(_table(b, style) if isinstance(b, Grid) else _para(b) for b in blocks)


def _chrome_top(site: str) -> str:
    nav = "".join(f'<li><a href="#">{escape(n)}</a></li>' for n in _NAV)
    return (
        f'<div class="header"><div class="logo">{escape(site)}</div>'
        f'<div class="search"><input type="text" placeholder="请输入关键字"/><button>搜索</button></div></div>\n'
        f'<div class="nav"><ul>{nav}</ul></div>\n'
        f'<div class="crumb">当前位置：<a href="#">首页</a> &gt; <a href="#">政府信息公开</a> &gt; '
        f'<a href="#">政府信息公开年报</a></div>'
    )


def _chrome_bottom(site: str) -> str:
    return (
        '<div class="synthetic-banner" style="border:2px dashed #c00;color:#c00;padding:6px;margin:12px 0;">'
        "合成数据 SYNTHETIC DATA — 本页由 nianbao synth 生成，机构、地名和数字均为虚构</div>\n"
        '<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> '
        '<a href="#">打印本页</a> <a href="#">关闭窗口</a></div>\n'
        f'<div class="footer"><p>主办：{escape(site)}　承办：{escape(site)}办公室</p>'
        "<p>网站标识码：0000000000（合成）　备案号：合成数据</p></div>\n" + _SCRIPT
    )


def _side() -> str:
    return '<ul class="side">' + "".join(f'<li><a href="#">{escape(s)}</a></li>' for s in _SIDE) + "</ul>"


def render_html(blocks: list[Block], style: Style, title: str, site: str = "") -> str:
    """A whole portal page with the report in it (encoding declared as ``style.encoding``).

    >>> page = render_html([Para("A<B", "title")], Style("html", "portal"), "标题", site="岚川县人民政府")
    >>> [line for line in page.splitlines() if "<title>" in line or "A&lt;B" in line]  # doctest: +NORMALIZE_WHITESPACE
    ['<title>标题_政府信息公开年报_岚川县人民政府</title>',
     '<p style="text-align:center;font-weight:bold;font-size:22px;">A&lt;B</p>']
    """
    charset = "gbk" if style.encoding == "gbk" else "utf-8"
    site = site or "人民政府门户网站"
    report = f'<div class="article-content" id="zoom">\n{_body(blocks, style)}\n</div>'
    if style.layout == "nested":
        report = (
            '<table width="100%" border="0" cellspacing="0" cellpadding="0" class="layout"><tr>'
            f'<td width="200" valign="top">{_side()}</td>'
            f'<td valign="top" class="main">\n{report}\n</td></tr></table>'
        )
    return (
        "<!DOCTYPE html>\n<!-- 合成数据 SYNTHETIC DATA: generated by nianbao synth; organs, places and figures are invented -->\n"
        f'<html lang="zh-CN">\n<head>\n<meta charset="{charset}"/>\n'
        f'<meta name="ArticleTitle" content="{escape(title)}"/>\n<meta name="generator" content="nianbao synth (synthetic data)"/>\n'
        f"<title>{escape(title)}_政府信息公开年报_{escape(site)}</title>\n"
        "<style>body{font-family:SimSun,serif;margin:0}.nav li{display:inline;margin:0 12px}"
        ".footer{background:#eee;padding:8px;text-align:center}</style>\n</head>\n<body>\n"
        f'{_chrome_top(site)}\n<div class="main-content">\n{report}\n</div>\n{_chrome_bottom(site)}\n</body>\n</html>\n'
    )
