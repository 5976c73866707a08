"""From true figures to what a report prints, and from that to document blocks.

Every label comes from the template (``nianbao.templates``) or from the printed furniture in
``nianbao/data/synth/layout.toml`` (group headings, corner notes): a new template year needs no change
here. Label *variants* are drawn per report (社会组织 for 社会公益组织, "(五)不予以处理", the note after
部分公开, full-width brackets, "1. " spacing), and a 2021-template report whose three 其他处理 rows are
all zero sometimes prints the template's merged row "(六)其他处理" instead (the parts are provably 0).

Tables are built as :class:`~nianbao.synth.model.Grid` objects with HTML-style spans, the way the
national template prints them: table 3 has three label columns (三、本年度办理结果 spans the outcome
rows; 不予公开 … spans its sub-rows) and three header rows; table 4 has header rows and one row of
fifteen numbers.

>>> from nianbao.templates import template_named
>>> t = template_named(2021)
>>> rows = [PrintedRow(r.key, r.label, ["0"] * 7) for r in t.table3_rows]
>>> g = table3_grid(t, rows, Style("html", "portal"))
>>> g.width, len(g.rows)
(10, 28)
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from nianbao.grid import parse_number
from nianbao.synth.model import Block, Figures, Grid, GridCell, Organ, Para, Printed, PrintedRow, Style, Truth
from nianbao.synth.narrative import closing_blocks, intro_blocks, overview_blocks
from nianbao.templates import Template

__all__ = [
    "document",
    "draw_style_choices",
    "layout_data",
    "printed_from",
    "table2_grid",
    "table3_grid",
    "table4_grid",
    "truth_from",
]

_CN = "一二三四五六七八九十"
_LABEL_COLUMNS = 3


@cache
def layout_data() -> dict[str, Any]:
    """Printed furniture of the tables (``data/synth/layout.toml``)."""
    raw = (resources.files("nianbao") / "data" / "synth" / "layout.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def _pick(rng: np.random.Generator, options: list[str]) -> str:
    return str(options[int(rng.integers(len(options)))])


def _brackets(text: str, style: Style) -> str:
    return text.replace("(", "（").replace(")", "）") if style.fullwidth else text


def _spacing(label: str, style: Style) -> str:
    """ "1.属于国家秘密" → "1. 属于国家秘密" when the report spaces its enumerators."""
    if style.choices.get("enum_space") == "1" and len(label) > 2 and label[0].isdigit() and label[1] == ".":
        return label[:2] + " " + label[2:]
    return label


def _format_decimal(value: float, decimals: int, zero: str) -> str:
    return zero if value == 0 else f"{value:.{decimals}f}"


def printed_from(rng: np.random.Generator, t: Template, fig: Figures, style: Style) -> Printed:
    """The undamaged print of ``fig``; label variants are drawn into ``style.choices``.

    >>> from nianbao.synth.generate import sample_spec
    >>> spec = sample_spec(1, "txt", 2022, organ=0)
    >>> p = printed_from(np.random.default_rng(0), spec.template, spec.figures, spec.style)
    >>> p.table3[0].label, p.table3[0].cells
    ('一、本年新收政府信息公开申请数量', ['46', '3', '1', '0', '1', '1', '52'])
    """
    zero_decimal = _pick(rng, ["0", "0", "0.00", "0.0000"])
    table2: dict[str, dict[str, str]] = {}
    for item in t.table2_items:
        table2[item.key] = {}
        for m in item.measures:
            v = fig.proactive[item.key][m]
            if t.measure(m).decimal:
                text = _format_decimal(v, fig.decimals.get(m, 2), zero_decimal)
                if m == "procurement_amount" and v and rng.random() < 0.3:
                    text += "元" if v > 100000 else "万元"
            else:
                text = str(int(v))
            table2[item.key][m] = text
    rows = []
    for r in t.table3_rows:
        label = r.label
        if r.variants and rng.random() < 0.2:
            label = _pick(rng, list(r.variants))
        notes = layout_data()["table3"]["label_notes"].get(r.key)
        if notes:
            label += _pick(rng, notes)
        rows.append(
            PrintedRow(
                r.key, _brackets(_spacing(label, style), style), [str(v) for v in fig.applications[r.key]]
            )
        )
    for merged in t.table3_merged_rows:
        parts = [row for row in rows if row.key in merged.parts]
        if rng.random() < 0.15 and all(c == "0" for row in parts for c in row.cells):
            at = rows.index(parts[0])
            rows = [row for row in rows if row.key not in merged.parts]
            rows.insert(
                at, PrintedRow(merged.key, _brackets(merged.label, style), ["0"] * len(t.table3_columns))
            )
    table4 = {p: [str(v) for v in vals] for p, vals in fig.litigation.items()}
    n = fig.narrative
    return Printed(table2, rows, table4, replace(n, breakdown=list(n.breakdown)))


def truth_from(t: Template, fig: Figures, printed: Printed) -> Truth:
    """What a correct parser reads back from the undamaged ``printed`` report.

    >>> from nianbao.synth.generate import sample_spec
    >>> spec = sample_spec(1, "txt", 2022, organ=0)
    >>> truth = truth_from(spec.template, spec.figures, spec.printed)
    >>> truth.applications["new_received"], truth.narrative["proactive_items"]
    ([46, 3, 1, 0, 1, 1, 52], 1319)
    """
    proactive = {
        item: {m: parse_number(text) for m, text in measures.items()}
        for item, measures in printed.table2.items()
    }
    n = fig.narrative
    return Truth(
        proactive=proactive,
        applications={k: list[int | None](v) for k, v in fig.applications.items()},
        litigation={k: list[int | None](v) for k, v in fig.litigation.items()},
        narrative={
            "proactive_items": n.proactive_items,
            "proactive_breakdown_sum": n.breakdown_sum,
            "wechat_posts": n.wechat_posts,
            "weibo_posts": n.weibo_posts,
        },
    )


def _value(text: str) -> GridCell:
    return GridCell(text, kind="value")


def table2_grid(t: Template, printed: dict[str, dict[str, str]], style: Style) -> Grid:
    """Table 2: per article a heading row, a header row (信息内容 + measures) and one row per item.

    >>> from nianbao.synth.generate import sample_spec
    >>> spec = sample_spec(1, "txt", 2022, organ=0)
    >>> [c.text for c in table2_grid(spec.template, spec.printed.table2, spec.style).rows[1]]
    ['信息内容', '本年制发件数', '本年废止件数', '现行有效件数']
    """
    width = 1 + max(len(i.measures) for i in t.table2_items)
    content = layout_data()["table2"]["content_header"][0]
    rows: list[tuple[GridCell, ...]] = []
    previous: tuple[str, tuple[str, ...]] | None = None
    for item in t.table2_items:
        spans = [1] * (len(item.measures) - 1) + [width - len(item.measures)]
        if (item.article, item.measures) != previous:
            rows.append((GridCell(_brackets(item.article, style), colspan=width, kind="header"),))
            measure_labels = [_brackets(_measure_label(t, m, style), style) for m in item.measures]
            rows.append(
                (
                    GridCell(content, kind="header"),
                    *(
                        GridCell(lab, colspan=s, kind="header")
                        for lab, s in zip(measure_labels, spans, strict=True)
                    ),
                )
            )
            previous = (item.article, item.measures)
        label = item.label
        if item.variants and style.choices.get(f"item.{item.key}") == "variant":
            label = item.variants[0]
        rows.append(
            (
                GridCell(label),
                *(
                    GridCell(printed[item.key][m], colspan=s, kind="value")
                    for m, s in zip(item.measures, spans, strict=True)
                ),
            )
        )
    return Grid(tuple(rows), "table2")


def _measure_label(t: Template, key: str, style: Style) -> str:
    label = t.measure(key).label
    note = style.choices.get("fee_note", "")
    if note and t.measure(key).decimal and label.endswith(")"):
        label = label[:-1] + note + ")"
    return label


def _table3_header(t: Template, style: Style) -> list[tuple[GridCell, ...]]:
    data = layout_data()["table3"]
    cols = t.table3_columns
    orgs = [c for c in cols[1:] if not c.sum_of_others]

    def col_label(c: Any) -> str:
        if c.variants and style.choices.get(f"column.{c.key}") == "variant":
            return str(c.variants[0])
        return str(c.label)

    corner = GridCell(
        _brackets(style.choices.get("corner", data["corner"][0]), style), 3, _LABEL_COLUMNS, "header"
    )
    return [
        (corner, GridCell(data["applicants"][0], colspan=len(cols), kind="header")),
        (
            GridCell(col_label(cols[0]), rowspan=2, kind="header"),
            GridCell(data["organisations"][0], colspan=len(orgs), kind="header"),
            *(GridCell(col_label(c), rowspan=2, kind="header") for c in cols[1:] if c.sum_of_others),
        ),
        tuple(GridCell(col_label(c), kind="header") for c in orgs),
    ]


def _group_of(t: Template, key: str) -> str:
    for r in t.table3_rows:
        if r.key == key:
            return r.group
    merged = next(m for m in t.table3_merged_rows if m.key == key)
    return _group_of(t, merged.parts[0])


def table3_grid(t: Template, rows: list[PrintedRow], style: Style) -> Grid:
    """Table 3 from the printed rows (missing rows are simply absent; spans follow what is printed).

    >>> from nianbao.synth.generate import sample_spec
    >>> spec = sample_spec(1, "txt", 2022, organ=0)
    >>> g = table3_grid(spec.template, spec.printed.table3, spec.style)
    >>> [c.text for c in g.rows[3]]
    ['一、本年新收政府信息公开申请数量', '46', '3', '1', '0', '1', '1', '52']
    """
    data = layout_data()["table3"]
    outcome_groups = list(
        dict.fromkeys(r.group for r in t.table3_rows if r.group not in ("intake", "carried_forward"))
    )
    groups = [_group_of(t, r.key) for r in rows]
    result_rows = [i for i, g in enumerate(groups) if g in outcome_groups]
    out = _table3_header(t, style)
    for i, (row, group) in enumerate(zip(rows, groups, strict=True)):
        cells: list[GridCell] = []
        if group not in outcome_groups:
            cells.append(GridCell(row.label, colspan=_LABEL_COLUMNS))
        else:
            if i == result_rows[0]:
                heading = _brackets(style.choices.get("results", data["results"][0]), style)
                cells.append(GridCell(heading, rowspan=len(result_rows)))
            members = [j for j, g in enumerate(groups) if g == group]
            if len(members) == 1:
                cells.append(GridCell(row.label, colspan=_LABEL_COLUMNS - 1))
            else:
                if i == members[0]:
                    name = style.choices.get(f"group.{group}", data["group_headings"][group][0])
                    number = _CN[outcome_groups.index(group)]
                    cells.append(GridCell(_brackets(f"({number}){name}", style), rowspan=len(members)))
                cells.append(GridCell(row.label))
        cells += [_value(c) for c in row.cells]
        out.append(tuple(cells))
    return Grid(tuple(out), "table3")


def table4_grid(t: Template, printed: dict[str, list[str]], style: Style) -> Grid:
    """Table 4: proceeding headings (litigation under one umbrella), result headings, 15 numbers.

    >>> from nianbao.synth.generate import sample_spec
    >>> spec = sample_spec(1, "txt", 2022, organ=0)
    >>> g = table4_grid(spec.template, spec.printed.table4, spec.style)
    >>> [c.text for c in g.rows[0]], [c.text for c in g.rows[-1]][:5]
    (['行政复议', '行政诉讼'], ['4', '0', '0', '2', '6'])
    """
    data = layout_data()["table4"]
    results = t.table4_results
    n = len(results)
    members = [p for p in t.table4_proceedings if p.key in data["umbrella_members"]]
    alone = [p for p in t.table4_proceedings if p.key not in data["umbrella_members"]]
    row0 = [GridCell(p.label, colspan=n, kind="header") for p in alone]
    row1 = [GridCell(r.label, rowspan=2, kind="header") for _ in alone for r in results]
    row2: list[GridCell] = []
    if members:
        row0.append(GridCell(data["umbrella"], colspan=n * len(members), kind="header"))
        row1 += [GridCell(p.label, colspan=n, kind="header") for p in members]
        row2 = [GridCell(r.label, kind="header") for _ in members for r in results]
    values = [_value(v) for p in (*alone, *members) for v in printed[p.key]]
    return Grid((tuple(row0), tuple(row1), tuple(row2), tuple(values)), "table4")


def draw_style_choices(rng: np.random.Generator, t: Template, style: Style) -> None:
    """Draw this report's label variants and furniture into ``style.choices``.

    >>> from nianbao.templates import template_named
    >>> style = Style("html", "portal")
    >>> draw_style_choices(np.random.default_rng(0), template_named(2021), style)
    >>> style.choices["section.overview"], style.choices["group.denied"]
    ('一、总体情况', '不予公开')
    """
    data = layout_data()
    style.choices["enum_space"] = "1" if rng.random() < 0.25 else "0"
    style.choices["corner"] = _pick(rng, data["table3"]["corner"])
    style.choices["results"] = _pick(rng, data["table3"]["results"])
    style.choices["fee_note"] = _pick(rng, data["table2"]["fee_unit_notes"])
    for group, names in data["table3"]["group_headings"].items():
        style.choices[f"group.{group}"] = _pick(rng, names)
    for c in t.table3_columns:
        if c.variants:
            style.choices[f"column.{c.key}"] = "variant" if rng.random() < 0.3 else "label"
    for item in t.table2_items:
        if item.variants:
            style.choices[f"item.{item.key}"] = "variant" if rng.random() < 0.2 else "label"
    for key, options in data["sections"].items():
        style.choices[f"section.{key}"] = _pick(rng, options)


def _title(organ: Organ, year: int, style: Style, rng: np.random.Generator) -> list[Block]:
    suffix = _pick(
        rng, ["年政府信息公开工作年度报告", "年政府信息公开工作年度报告", "年度政府信息公开工作年度报告"]
    )
    if style.title_lines == 2:
        return [Para(organ.title_name, "title"), Para(f"{year}{suffix}", "title")]
    return [Para(f"{organ.title_name}{year}{suffix}", "title")]


def _meta(organ: Organ, year: int, rng: np.random.Generator) -> list[Block]:
    month, day = 1, int(rng.integers(5, 30))
    u = rng.random()
    if u < 0.4:
        return [Para(f"({year + 1}年{month}月{day}日)", "meta")]
    if u < 0.7:
        hour, minute = int(rng.integers(8, 18)), int(rng.integers(0, 60))
        return [
            Para(
                f"发布时间：{year + 1}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}  来源：{organ.short}",
                "meta",
            )
        ]
    return []


def document(
    rng: np.random.Generator, organ: Organ, year: int, t: Template, printed: Printed, style: Style
) -> list[Block]:
    """The whole report as blocks: title, intro, the six sections with tables, notice, signature.

    >>> from nianbao.synth.generate import sample_spec
    >>> spec = sample_spec(1, "txt", 2022, organ=0)
    >>> blocks = document(np.random.default_rng(0), spec.organ, 2022, spec.template, spec.printed, spec.style)
    >>> blocks[0].text, [b.name for b in blocks if isinstance(b, Grid)]
    ('杏屯市人民政府2022年度政府信息公开工作年度报告', ['table2', 'table3', 'table4'])
    """
    c = style.choices
    blocks: list[Block] = [*_title(organ, year, style, rng), *_meta(organ, year, rng)]
    blocks += intro_blocks(rng, organ, year, t.reference)
    blocks += overview_blocks(
        rng, organ, year, printed.narrative, c["section.overview"], sub=rng.random() < 0.6
    )
    blocks += [Para(c["section.proactive"], "heading"), table2_grid(t, printed.table2, style)]
    blocks += [Para(c["section.applications"], "heading"), table3_grid(t, printed.table3, style)]
    blocks += [Para(c["section.review"], "heading"), table4_grid(t, printed.table4, style)]
    headings = (c["section.problems"], c["section.other"])
    blocks += closing_blocks(rng, organ, year, headings, signature=rng.random() < 0.4)
    return blocks
