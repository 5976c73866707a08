"""Charts of the corpus itself: files by parse status, checks raised, and which organ reported for
which year (page 00). Colours as everywhere (:mod:`nianbao.analysis.chart_base`): a flagged
report is red in the coverage grid, as in every other chart.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from nianbao.analysis.chart_base import (
    _FOCUS,
    SEVERITY_COLOURS,
    STATUS_COLOURS,
    AnyChart,
    _count_axis,
    _empty,
    _highlight,
    _inline,
    _labelled,
    _limit_organs,
    _title,
    _tooltip,
    _year_x,
    organ_order,
)
from nianbao.analysis.chart_text import Lang, check_label, text

__all__ = ["coverage_grid", "quality_panel"]


def coverage_grid(
    coverage: pl.DataFrame, *, lang: Lang = "zh", title: str | None = None, limit: int = 150
) -> AnyChart:
    """Which organ has a report for which year, coloured by the best parse status (:func:`metrics.coverage`).

    A report failing a template identity shows as ``flagged`` (red), as it is left out of the
    figures on later pages; organs are grouped by place and level.

    >>> cov = pl.DataFrame({"organ": ["甲镇", "甲镇", "乙镇"], "year": [2022, 2023, 2023],
    ...     "status": ["ok", "flagged", "ok"], "files": [1, 1, 1]})
    >>> spec = coverage_grid(cov, lang="en").to_dict()
    >>> spec["mark"]["type"], spec["encoding"]["y"]["sort"]
    ('rect', ['乙镇', '甲镇'])
    >>> [row["status_label"] for row in spec["data"]["values"]]
    ['ok', 'fails an identity', 'ok']
    """
    main = title or f"{text('organ', lang)} × {text('year', lang)}"
    if coverage.is_empty():
        return _empty(main, lang)
    data, note = _limit_organs(coverage, "files", lang, limit)
    order = list(STATUS_COLOURS)
    rows = organ_order(data)
    data = _labelled(data, "status", lambda s: text("flagged_status" if s == "flagged" else s, lang))
    words = [text("flagged_status" if s == "flagged" else s, lang) for s in order]
    pick = _highlight(data["organ"].to_list(), lang)
    return (
        alt.Chart(_inline(data), title=_title(main, note))
        .mark_rect(stroke="white")
        .encode(
            x=_year_x(data["year"], lang),
            y=alt.Y("organ:N", title=None, sort=rows),
            color=alt.Color(
                "status_label:N",
                title=text("status", lang),
                scale=alt.Scale(domain=words, range=list(STATUS_COLOURS.values())),
                legend=alt.Legend(titleLimit=300, labelLimit=300),
            ),
            opacity=alt.condition(_FOCUS, alt.value(1.0), alt.value(0.25)),
            tooltip=_tooltip(
                lang,
                alt.Tooltip("status_label:N", title=text("status", lang)),
                alt.Tooltip("files:Q", title=text("files", lang)),
            ),
        )
        .add_params(pick)
        .properties(width=alt.Step(40), height=alt.Step(14))
    )


def quality_panel(status: pl.DataFrame, checks: pl.DataFrame, *, lang: Lang = "zh") -> AnyChart:
    """Two bar charts side by side: files by parse status (:func:`metrics.status_counts`) and checks by
    name and severity (:func:`metrics.check_summary`), each bar labelled in ``lang``.

    >>> status = pl.DataFrame({"status": ["ok", "failed"], "format": ["txt", "pdf"], "files": [3, 1]})
    >>> checks = pl.DataFrame({"check": ["intake_balance"], "severity": ["error"], "checks": [2], "reports": [1]})
    >>> files, raised = quality_panel(status, checks).to_dict()["hconcat"]
    >>> [row["status_label"] for row in files["data"]["values"]]
    ['正常', '解析失败']
    >>> raised["data"]["values"][0]["check_label"]
    '收支不平衡（新收+结转≠办结+结转下年）'
    """
    if status.is_empty():
        return _empty(text("status_title", lang), lang)
    status = _labelled(status, "status", lambda s: text(s, lang))
    order = [text(s, lang) for s in STATUS_COLOURS]
    files = (
        alt.Chart(_inline(status), title=_title(text("status_title", lang)))
        .mark_bar()
        .encode(
            y=alt.Y("status_label:N", title=None, sort=order),
            x=alt.X(
                "files:Q",
                stack="zero",
                title=text("files", lang),
                axis=_count_axis(status.group_by("status").agg(pl.col("files").sum())["files"].max()),
            ),
            detail="format:N",  # one stacked segment per file format
            stroke=alt.value("white"),
            color=alt.Color(
                "status_label:N",
                legend=None,
                scale=alt.Scale(domain=order, range=list(STATUS_COLOURS.values())),
            ),
            tooltip=[
                alt.Tooltip("status_label:N", title=text("status", lang)),
                alt.Tooltip("format:N", title="format"),
                alt.Tooltip("files:Q", title=text("files", lang)),
            ],
        )
        .properties(width=260, height=alt.Step(24))
    )
    if checks.is_empty():
        return files
    sev_order = [text(s, lang) for s in SEVERITY_COLOURS]
    checks = _labelled(checks, "check", lambda c: check_label(c, lang))
    checks = _labelled(checks, "severity", lambda s: text(s, lang))
    raised = (
        alt.Chart(_inline(checks), title=_title(text("checks_title", lang)))
        .mark_bar()
        .encode(
            y=alt.Y("check_label:N", title=None, sort="-x"),
            x=alt.X(
                "sum(reports):Q",
                title=text("reports", lang),
                axis=_count_axis(checks.group_by("check").agg(pl.col("reports").sum())["reports"].max()),
            ),
            color=alt.Color(
                "severity_label:N",
                title=text("severity", lang),
                scale=alt.Scale(domain=sev_order, range=list(SEVERITY_COLOURS.values())),
            ),
            tooltip=[
                alt.Tooltip("check_label:N", title=text("check", lang)),
                alt.Tooltip("check:N", title="key"),
                alt.Tooltip("severity_label:N", title=text("severity", lang)),
                alt.Tooltip("checks:Q", title=text("checks", lang)),
                alt.Tooltip("reports:Q", title=text("reports", lang)),
            ],
        )
        .properties(width=300, height=alt.Step(20))
    )
    return alt.hconcat(files, raised).resolve_scale(color="independent")
