"""Reports built inside the tests from a truth dict, in several layouts, so that every value is known.

Labels come from the template files, as in real reports; numbers from the truth. Used by the layout,
check and repair tests (the synthetic generator in nianbao.synth is the product's own, richer version).
"""

from __future__ import annotations

import html
from typing import Any

from nianbao.templates import Template, template_for_year


def correct_truth(year: int = 2023, seed: int = 1) -> dict[str, Any]:
    """A truth dict whose tables satisfy every identity, with a few non-zero figures."""
    t = template_for_year(year)
    cols = len(t.table3_columns) - 1
    apps: dict[str, list[int | None]] = {}
    base = [(seed * 7 + i * 3) % 5 for i in range(cols)]
    outcome = t.outcome_keys
    per_outcome = {k: [0] * cols for k in outcome}
    for c in range(cols):
        n = base[c] + 2
        for j in range(n):  # spread the column's handled applications over a few outcomes
            per_outcome[outcome[(j * 5 + c + seed) % len(outcome)]][c] += 1
    handled = [sum(per_outcome[k][c] for k in outcome) for c in range(cols)]
    carried_over = [1 if c == 0 else 0 for c in range(cols)]
    carried_forward = [1 if c == 1 and handled[1] else 0 for c in range(cols)]
    new = [handled[c] + carried_forward[c] - carried_over[c] for c in range(cols)]
    rows = {"new_received": new, "carried_over": carried_over, **per_outcome, "total_processed": handled}
    rows["carried_forward"] = carried_forward
    for key in t.row_keys:
        vals = rows[key]
        apps[key] = [*vals, sum(vals)]
    proactive = {
        i.key: {m: (12.5 if t.measure(m).decimal else (3 + k)) for k, m in enumerate(i.measures)}
        for i in t.table2_items
    }
    return {
        "organ": "测试县城关镇人民政府",
        "year": year,
        "template": t.year,
        "proactive": proactive,
        "applications": apps,
        "litigation": {p.key: [1, 0, 1, 0, 2] for p in t.table4_proceedings},
        "narrative": {"proactive_items": 120, "proactive_breakdown_sum": 120},
        "expected_checks": [],
    }


def _template(truth: dict[str, Any]) -> Template:
    return template_for_year(truth["year"])


def _fmt(v: float | int | None) -> str:
    if v is None:
        return ""
    return f"{v:g}" if isinstance(v, float) else str(v)


def _narrative(truth: dict[str, Any]) -> list[str]:
    n = truth["narrative"]
    return [
        f"{truth['organ']}",
        f"{truth['year']}年政府信息公开工作年度报告",
        "一、总体情况",
        f"(一)主动公开。全年共主动公开政府信息{n['proactive_items']}条,其中工作动态"
        f"{n['proactive_breakdown_sum'] - 20}条、通知公告20条。",
    ]


def report_lines(truth: dict[str, Any], sep: str = "\t") -> list[str]:
    """A text report: one table row per line, cells joined by ``sep`` (tab or ' | ')."""
    t = _template(truth)
    out = _narrative(truth)
    out.append("二、主动公开政府信息情况")
    for item in t.table2_items:
        out.append(sep.join(["信息内容", *(t.measure(m).label for m in item.measures)]))
        out.append(sep.join([item.label, *(_fmt(truth["proactive"][item.key][m]) for m in item.measures)]))
    out.append("三、收到和处理政府信息公开申请情况")
    out.append(sep.join(["(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)", "申请人情况"]))
    out.append(sep.join(["", *(c.label for c in t.table3_columns)]))
    for row in t.table3_rows:
        out.append(sep.join([row.label, *(_fmt(v) for v in truth["applications"][row.key])]))
    out.append("四、政府信息公开行政复议、行政诉讼情况")
    out.append(sep.join(["行政复议", "", "", "", "", "行政诉讼"]))
    out.append(sep.join(r.label for _ in t.table4_proceedings for r in t.table4_results))
    out.append(sep.join(_fmt(v) for p in t.table4_proceedings for v in truth["litigation"][p.key]))
    out += ["五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"]
    return out


def report_text(truth: dict[str, Any], sep: str = "\t") -> str:
    return "\n".join(report_lines(truth, sep)) + "\n"


def report_html(truth: dict[str, Any]) -> str:
    """A portal-like page: navigation, scripts, and table 3 with rowspan/colspan as portals print it."""
    t = _template(truth)
    e = html.escape
    parts = [
        "<html><head><meta charset='utf-8'><title>报告</title><style>td{border:1px}</style></head><body>",
        "<nav><a href='#'>首页</a><a href='#'>政务公开</a></nav><script>var x='三、收到和处理政府信息公开申请情况';</script>",
        "<div class='content'>",
    ]
    parts += [f"<p>{e(line)}</p>" for line in _narrative(truth)]
    parts.append("<p><strong>二、主动公开政府信息情况</strong></p><table>")
    for item in t.table2_items:
        width = max(len(i.measures) for i in t.table2_items)
        parts.append(
            "<tr><td>信息内容</td>"
            + "".join(f"<td>{e(t.measure(m).label)}</td>" for m in item.measures)
            + "</tr>"
        )
        span = f" colspan='{width - len(item.measures) + 1}'" if len(item.measures) < width else ""
        cells = [f"<td>{_fmt(truth['proactive'][item.key][m])}</td>" for m in item.measures]
        cells[-1] = cells[-1].replace("<td>", f"<td{span}>")
        parts.append(f"<tr><td>{e(item.label)}</td>{''.join(cells)}</tr>")
    parts.append("</table><p>三、收到和处理政府信息公开申请情况</p><table>")
    parts.append(
        "<tr><td colspan='3' rowspan='2'>(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)</td>"
    )
    parts.append("<td colspan='7'>申请人情况</td></tr><tr>")
    parts.append("".join(f"<td>{e(c.label)}</td>" for c in t.table3_columns) + "</tr>")
    groups: dict[str, int] = {}
    for row in t.table3_rows:
        groups[row.group] = groups.get(row.group, 0) + 1
    seen: set[str] = set()
    for row in t.table3_rows:
        vals = "".join(f"<td> {_fmt(v)}&nbsp;</td>" for v in truth["applications"][row.key])
        if row.group in ("denied", "unable", "not_processed", "other") and groups[row.group] > 1:
            head = "" if row.group in seen else f"<td rowspan='{groups[row.group]}'>({row.group})</td>"
            seen.add(row.group)
            parts.append(f"<tr>{head}<td colspan='2'>{e(row.label)}</td>{vals}</tr>")
        else:
            parts.append(f"<tr><td colspan='3'>{e(row.label)}</td>{vals}</tr>")
    parts.append("</table><p>四、政府信息公开行政复议、行政诉讼情况</p><table>")
    parts.append("<tr><td colspan='5'>行政复议</td><td colspan='10'>行政诉讼</td></tr><tr>")
    parts.append(
        "".join(f"<td>{r.label}</td>" for _ in t.table4_proceedings for r in t.table4_results) + "</tr><tr>"
    )
    parts.append(
        "".join(f"<td>{_fmt(v)}</td>" for p in t.table4_proceedings for v in truth["litigation"][p.key])
    )
    parts.append("</tr></table><p>五、存在的主要问题及改进情况</p><p>无。</p></div>")
    parts.append("<footer>版权所有 <script>document.write('x')</script></footer></body></html>")
    return "".join(parts)
