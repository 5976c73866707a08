"""Altair charts of the metrics, in one theme, labelled in Chinese (``lang="zh"``) or English.

Each function takes a frame from :mod:`nianbao.metrics` and returns an altair chart whose data is
inline (no URLs), so a page holding it works offline. Charts that show organs carry a ``highlight``
parameter bound to a drop-down: picking an organ dims the others, and on a page rendered by
:mod:`nianbao.render` the pick carries over to every chart of the page. Tooltips name the organ, the
year and the source file. Outcome, reason and applicant names come from the template files.

>>> chart = heatmap(pl.DataFrame({"organ": ["甲镇"], "year": [2021], "path": ["a.txt"], "v": [3]}), "v")
>>> chart.to_dict()["data"]["values"][0]["organ"]
'甲镇'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import polars as pl

from nianbao.chart_text import TEXT, Lang, check_label, label, text
from nianbao.metrics import OUTCOME_GROUPS
from nianbao.templates import template_named

__all__ = [
    "FONT",
    "AnyChart",
    "Lang",
    "applicant_bars",
    "check_label",
    "coverage_grid",
    "denial_bars",
    "heatmap",
    "label",
    "outcome_bars",
    "quality_panel",
    "rate_dots",
    "text",
    "trend",
]

AnyChart = alt.TopLevelMixin  # Chart, LayerChart, HConcatChart: all display and save alike
# The reader's own CJK font first (Windows, macOS), Noto CJK on Linux (installed by system-deps.sh).
FONT = (
    "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, WenQuanYi Zen Hei, PingFang SC, "
    "Microsoft YaHei, SimHei, sans-serif"
)
MAX_ROWS = 20_000  # altair's own limit (5000) is bypassed by inline values; this one guards the page size
MAX_ORGANS = 80  # rows of a per-organ chart before it shows the largest only (and says so)
GREY = "#b8b8b8"
OUTCOME_COLOURS = ("#2f7d32", "#8bc34a", "#d84315", "#ffa000", "#7e57c2", "#90a4ae")
STATUS_COLOURS = {
    "ok": "#2f7d32",
    "partial": "#ffa000",
    "duplicate": "#90a4ae",
    "failed": "#d84315",
    "not_a_report": "#5d4037",
}
SEVERITY_COLOURS = {"info": "#90a4ae", "warning": "#ffa000", "error": "#d84315"}


@alt.theme.register("nianbao", enable=True)
def _theme() -> alt.theme.ThemeConfig:
    """One look for every chart: CJK-first fonts, quiet axes, readable sizes."""
    return {
        "config": {
            "font": FONT,
            "title": {"font": FONT, "fontSize": 15, "anchor": "start", "subtitleColor": "#555"},
            "axis": {
                "labelFont": FONT,
                "titleFont": FONT,
                "labelFontSize": 11,
                "titleFontSize": 12,
                "grid": False,
            },
            "legend": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 11, "titleFontSize": 12},
            "header": {"labelFont": FONT, "titleFont": FONT},
            "text": {"font": FONT},
            "view": {"stroke": None},
            "range": {"category": list(OUTCOME_COLOURS)},
        }
    }


def _inline(frame: pl.DataFrame) -> alt.Data:
    """Rows as inline values (never a URL); Enums become strings, NaN becomes null."""
    if frame.height > MAX_ROWS:
        raise ValueError(f"{frame.height} rows is too many for one chart; aggregate first (limit {MAX_ROWS})")
    casts = [
        pl.col(c).cast(pl.String)
        for c, dt in frame.schema.items()
        if isinstance(dt, pl.Enum | pl.Categorical)
    ]
    floats = [pl.col(c).fill_nan(None) for c, dt in frame.schema.items() if dt.is_float()]
    return alt.Data(values=frame.with_columns(*casts, *floats).to_dicts())


def _title(main: str, subtitle: str | Sequence[str] | None = None) -> alt.Title:
    return alt.Title(main, subtitle=subtitle) if subtitle else alt.Title(main)


def _empty(title: str, lang: Lang) -> alt.Chart:
    """A chart that says there is nothing to show, rather than an empty frame that looks broken."""
    data = alt.Data(values=[{"message": text("no_data", lang)}])
    return (
        alt.Chart(data, title=_title(title))
        .mark_text(fontSize=14, color="#777")
        .encode(text="message:N")
        .properties(width=400, height=60)
    )


def _highlight(organs: Sequence[str], lang: Lang, default: str | None = None) -> alt.Parameter:
    """The page-wide ``highlight`` parameter: a drop-down of organs (a text box for long lists)."""
    options = sorted({o for o in organs if o})
    name = text("highlight", lang)
    if len(options) > 400:
        bind: Any = alt.binding(input="text", name=name)
    else:
        bind = alt.binding_select(options=["", *options], labels=[text("all", lang), *options], name=name)
    return alt.param(name="highlight", value=default or "", bind=bind)


_FOCUS = "highlight == '' || datum.organ == highlight"


def _tooltip(lang: Lang, *extra: alt.Tooltip) -> list[alt.Tooltip]:
    return [
        alt.Tooltip("organ:N", title=text("organ", lang)),
        alt.Tooltip("year:N", title=text("year", lang)),
        *extra,
        alt.Tooltip("path:N", title=text("path", lang)),
    ]


def _context(frame: pl.DataFrame) -> pl.DataFrame:
    """Give pooled rows the tooltip columns: ``year`` (the span pooled) and ``path`` (may be blank)."""
    if "year" not in frame.columns:
        frame = frame.with_columns(pl.col("years").alias("year") if "years" in frame.columns else pl.lit(""))
    if "path" not in frame.columns:
        frame = frame.with_columns(path=pl.lit(""))
    return frame


def _limit_organs(frame: pl.DataFrame, value: str, lang: Lang, limit: int) -> tuple[pl.DataFrame, str | None]:
    """Keep the ``limit`` organs with the largest total of ``value``; say so in a subtitle."""
    organs = (
        frame.group_by("organ")
        .agg(pl.col(value).sum().alias("_t"))
        .sort("_t", "organ", descending=[True, False])
    )
    if organs.height <= limit:
        return frame, None
    keep = organs.head(limit)["organ"].implode()
    note = text("top", lang).format(n=limit, total=organs.height)
    return frame.filter(pl.col("organ").is_in(keep)), note


def _value_title(value: str, lang: Lang) -> str:
    return text(value, lang) if value in TEXT else value


def heatmap(
    frame: pl.DataFrame,
    value: str,
    *,
    lang: Lang = "zh",
    title: str | None = None,
    highlight: str | None = None,
    limit: int = MAX_ORGANS,
) -> AnyChart:
    """Organ × year grid coloured by ``value`` (one row per organ, e.g. :func:`metrics.proactive_volume`).

    A missing cell means no usable report, or a report that does not print the figure; flagged
    reports are outlined in red.
    """
    name = _value_title(value, lang)
    main = title or name
    data = frame.filter(pl.col(value).is_not_null())
    if data.is_empty():
        return _empty(main, lang)
    data, note = _limit_organs(data, value, lang, limit)
    cols = ["organ", "year", "path", value, *(c for c in ("flagged",) if c in data.columns)]
    data = data.select(cols).with_columns(pl.col("path").fill_null(""))
    if "flagged" not in data.columns:
        data = data.with_columns(flagged=pl.lit(False))
    pick = _highlight(data["organ"].to_list(), lang, highlight)
    base = alt.Chart(_inline(data), title=_title(main, note)).encode(
        x=alt.X("year:O", title=text("year", lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("organ:N", title=None, sort="ascending"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=name, scale=alt.Scale(scheme="blues")),
        opacity=alt.condition(_FOCUS, alt.value(1.0), alt.value(0.25)),
        stroke=alt.condition("datum.flagged", alt.value("#d84315"), alt.value(None)),
        strokeWidth=alt.value(2),
        tooltip=_tooltip(
            lang,
            alt.Tooltip(f"{value}:Q", title=name, format=",.4~g"),
            alt.Tooltip("flagged:N", title=text("flagged", lang)),
        ),
    )
    dark = 0.6 * float(data[value].max())  # type: ignore[arg-type]
    labels = base.mark_text(fontSize=10).encode(
        text=alt.Text(f"{value}:Q", format=",.4~g"),
        color=alt.condition(f"datum['{value}'] > {dark}", alt.value("white"), alt.value("#222")),
        opacity=alt.condition(_FOCUS, alt.value(1.0), alt.value(0.3)),
    )
    return alt.layer(cells, labels).add_params(pick).properties(width=alt.Step(56), height=alt.Step(18))


def trend(
    frame: pl.DataFrame,
    value: str,
    band: pl.DataFrame,
    *,
    lang: Lang = "zh",
    title: str | None = None,
    highlight: str | None = None,
) -> AnyChart:
    """One line per organ over the years, over the peers' median and interquartile band.

    ``band`` is :func:`metrics.median_band` of the same frame (per year). Lines are grey until an
    organ is picked in the drop-down (or passed as ``highlight``).
    """
    name = _value_title(value, lang)
    main = title or name
    data = frame.filter(pl.col(value).is_not_null()).select("organ", "year", "path", value)
    if data.is_empty() or band.is_empty():
        return _empty(main, lang)
    pick = _highlight(data["organ"].to_list(), lang, highlight)
    subtitle = f"{text('median', lang)} ± {text('iqr', lang)}"
    x = alt.X("year:O", title=text("year", lang), axis=alt.Axis(labelAngle=0))
    area = (
        alt.Chart(_inline(band))
        .mark_area(opacity=0.25, color="#4c78a8")
        .encode(
            x=x,
            y=alt.Y("q1:Q", title=name),
            y2="q3:Q",
            tooltip=[
                alt.Tooltip("year:N", title=text("year", lang)),
                alt.Tooltip("median:Q", title=text("median", lang), format=",.4~g"),
                alt.Tooltip("q1:Q", format=",.4~g"),
                alt.Tooltip("q3:Q", format=",.4~g"),
                alt.Tooltip("organs:Q", title=text("reports", lang)),
            ],
        )
    )
    median = (
        alt.Chart(_inline(band))
        .mark_line(color="#1f4e79", strokeDash=[6, 3], strokeWidth=2)
        .encode(x=x, y="median:Q")
    )
    lines_base = alt.Chart(_inline(data)).encode(x=x, y=alt.Y(f"{value}:Q", title=name), detail="organ:N")
    lines = lines_base.mark_line(strokeWidth=1.5).encode(
        color=alt.condition("datum.organ == highlight", alt.value("#d84315"), alt.value(GREY)),
        opacity=alt.condition(_FOCUS, alt.value(0.9), alt.value(0.4)),
    )
    points = lines_base.mark_point(filled=True, size=30).encode(
        color=alt.condition("datum.organ == highlight", alt.value("#d84315"), alt.value(GREY)),
        opacity=alt.condition(_FOCUS, alt.value(0.9), alt.value(0.4)),
        tooltip=_tooltip(lang, alt.Tooltip(f"{value}:Q", title=name, format=",.4~g")),
    )
    return (
        alt.layer(area, median, lines, points, title=_title(main, subtitle))
        .add_params(pick)
        .properties(width=560, height=300)
    )


def outcome_bars(
    shares: pl.DataFrame,
    *,
    by: str = "organ",
    lang: Lang = "zh",
    title: str | None = None,
    highlight: str | None = None,
    limit: int = MAX_ORGANS,
) -> AnyChart:
    """Stacked bars: how applications were handled, as shares of all handled (:func:`metrics.outcome_shares`).

    ``by`` is the frame's row key (``organ`` or ``year``). Bars of fewer than ``min_n`` applications
    are pale and hatched-out in the tooltip (``small_n``): their shares swing with a single case.
    """
    main = title or text("outcome_group", lang)
    data = shares.filter(pl.col("share").is_not_null())
    if data.is_empty():
        return _empty(main, lang)
    if by == "organ":
        data, note = _limit_organs(data, "count", lang, limit)
    else:
        note = None
    order = [label("outcome_group", g, lang) for g in OUTCOME_GROUPS]
    data = data.with_columns(
        pl.col("outcome_group")
        .replace_strict({g: label("outcome_group", g, lang) for g in OUTCOME_GROUPS})
        .alias("group_label"),
        pl.col("outcome_group")
        .replace_strict({g: i for i, g in enumerate(OUTCOME_GROUPS)}, return_dtype=pl.Int8)
        .alias("order"),
    )
    data = _context(data)
    if "organ" not in data.columns:
        data = data.with_columns(organ=pl.lit(""))
    row_title = text(by, lang) if by in TEXT else by
    encode: dict[str, Any] = {
        "y": alt.Y(f"{by}:N", title=None if by == "organ" else row_title),
        "x": alt.X("share:Q", stack="zero", title=text("share", lang), axis=alt.Axis(format="%")),
        "color": alt.Color(
            "group_label:N",
            title=text("outcome_group", lang),
            sort=order,
            scale=alt.Scale(domain=order, range=list(OUTCOME_COLOURS)),
        ),
        "order": alt.Order("order:Q"),
        "fillOpacity": alt.condition("datum.small_n", alt.value(0.35), alt.value(1.0)),
        "tooltip": _tooltip(
            lang,
            alt.Tooltip("group_label:N", title=text("outcome_group", lang)),
            alt.Tooltip("count:Q", title=text("count", lang)),
            alt.Tooltip("handled:Q", title=text("handled", lang)),
            alt.Tooltip("share:Q", title=text("share", lang), format=".1%"),
            alt.Tooltip("lower:Q", title=text("interval", lang) + " ↓", format=".1%"),
            alt.Tooltip("upper:Q", title=text("interval", lang) + " ↑", format=".1%"),
            alt.Tooltip("small_n:N", title=text("small_n", lang)),
        ),
    }
    chart = alt.Chart(_inline(data), title=_title(main, note)).mark_bar().encode(**encode)
    if by == "organ":
        pick = _highlight(data["organ"].to_list(), lang, highlight)
        chart = chart.encode(opacity=alt.condition(_FOCUS, alt.value(1.0), alt.value(0.25))).add_params(pick)
    return chart.properties(width=520, height=alt.Step(16))


def denial_bars(reasons: pl.DataFrame, *, lang: Lang = "zh", title: str | None = None) -> AnyChart:
    """Denials by reason, one bar per reason, stacked by year (:func:`metrics.denial_reasons`)."""
    main = title or text("reason", lang)
    data = reasons.filter(pl.col("count").fill_null(0) > 0)
    if data.is_empty():
        return _empty(main, lang)
    data = data.with_columns(
        pl.col("reason")
        .map_elements(lambda r: label("reason", r, lang), return_dtype=pl.String)
        .alias("reason_label")
    )
    if "year" not in data.columns:
        data = data.with_columns(year=pl.lit(None, pl.Int32))
    return (
        alt.Chart(_inline(data), title=_title(main))
        .mark_bar()
        .encode(
            y=alt.Y("reason_label:N", title=None, sort="-x"),
            x=alt.X("sum(count):Q", title=text("count", lang)),
            color=alt.Color("year:O", title=text("year", lang), scale=alt.Scale(scheme="tealblues")),
            tooltip=[
                alt.Tooltip("reason_label:N", title=text("reason", lang)),
                alt.Tooltip("year:N", title=text("year", lang)),
                alt.Tooltip("count:Q", title=text("count", lang)),
                alt.Tooltip("share_of_denied:Q", title=text("share", lang), format=".1%"),
                alt.Tooltip("reports:Q", title=text("reports", lang)),
                alt.Tooltip("path:N", title=text("path", lang)),
            ],
        )
        .properties(width=480, height=alt.Step(22))
    )


def applicant_bars(mix: pl.DataFrame, *, lang: Lang = "zh", title: str | None = None) -> AnyChart:
    """Who applies: stacked shares of new applications by applicant type, per year (:func:`metrics.applicant_mix`)."""
    main = title or text("applicant", lang)
    data = mix.filter(pl.col("share").is_not_null())
    if data.is_empty():
        return _empty(main, lang)
    data = data.with_columns(
        pl.col("applicant")
        .map_elements(lambda a: label("applicant", a, lang), return_dtype=pl.String)
        .alias("applicant_label")
    )
    order = [label("applicant", c.key, lang) for c in template_named(2021).table3_columns if c.key != "total"]
    return (
        alt.Chart(_inline(data), title=_title(main))
        .mark_bar()
        .encode(
            y=alt.Y("year:O", title=text("year", lang)),
            x=alt.X("share:Q", stack="zero", title=text("share", lang), axis=alt.Axis(format="%")),
            color=alt.Color(
                "applicant_label:N",
                title=text("applicant", lang),
                sort=order,
                scale=alt.Scale(domain=order, scheme="set2"),
            ),
            fillOpacity=alt.condition("datum.small_n", alt.value(0.35), alt.value(1.0)),
            tooltip=[
                alt.Tooltip("year:N", title=text("year", lang)),
                alt.Tooltip("applicant_label:N", title=text("applicant", lang)),
                alt.Tooltip("count:Q", title=text("count", lang)),
                alt.Tooltip("share:Q", title=text("share", lang), format=".1%"),
                alt.Tooltip("reports:Q", title=text("reports", lang)),
                alt.Tooltip("path:N", title=text("path", lang)),
            ],
        )
        .properties(width=520, height=alt.Step(24))
    )


def rate_dots(
    rates: pl.DataFrame,
    *,
    value: str = "per_100",
    lang: Lang = "zh",
    title: str | None = None,
    highlight: str | None = None,
    limit: int = MAX_ORGANS,
) -> AnyChart:
    """Dots with 95 % intervals per organ and proceeding (review / litigation).

    ``rates`` is :func:`metrics.review_litigation_rates` (``value="per_100"``) or
    :func:`metrics.correction_rates` (``value="share"``). Hollow dots have too few cases
    (``small_n``): read their interval, not the dot.
    """
    name = text("share", lang) if value == "share" else text("per_100", lang)
    main = title or name
    data = rates.filter(pl.col(value).is_not_null())
    if data.is_empty():
        return _empty(main, lang)
    data, note = _limit_organs(data, value, lang, limit)
    data = data.with_columns(
        pl.col("kind")
        .replace_strict({k: text(k, lang) for k in ("review", "litigation")})
        .alias("kind_label")
    )
    data = _context(data).with_columns(  # organs ranked by their rates with enough cases; small ones last
        pl.when(~pl.col("small_n")).then(pl.col(value)).otherwise(-1.0).alias("sort_key")
    )
    pick = _highlight(data["organ"].to_list(), lang, highlight)
    axis_format = "%" if value == "share" else ",.3~g"
    kinds = [text("review", lang), text("litigation", lang)]
    kind_scale = alt.Scale(domain=kinds, range=["#1f77b4", "#d84315"])
    base = alt.Chart(_inline(data)).encode(
        y=alt.Y("organ:N", title=None, sort=alt.EncodingSortField("sort_key", op="max", order="descending")),
        yOffset=alt.YOffset("kind_label:N"),
        color=alt.Color("kind_label:N", title=text("kind", lang), scale=kind_scale),
        opacity=alt.condition(_FOCUS, alt.value(1.0), alt.value(0.2)),
    )
    rules = base.mark_rule(strokeWidth=1.5).encode(
        x=alt.X("lower:Q", title=name, axis=alt.Axis(format=axis_format)), x2="upper:Q"
    )
    counts = ("cases", "handled") if value == "per_100" else ("corrected", "concluded")
    dots = base.mark_point(size=50, strokeWidth=1.5).encode(
        x=f"{value}:Q",
        fill=alt.condition(
            "datum.small_n", alt.value("white"), alt.Fill("kind_label:N", scale=kind_scale, legend=None)
        ),
        tooltip=_tooltip(
            lang,
            alt.Tooltip("kind_label:N", title=text("kind", lang)),
            alt.Tooltip(f"{value}:Q", title=name, format=axis_format if value == "share" else ".3~g"),
            alt.Tooltip("lower:Q", title=text("interval", lang) + " ↓", format=".3~g"),
            alt.Tooltip("upper:Q", title=text("interval", lang) + " ↑", format=".3~g"),
            alt.Tooltip(f"{counts[0]}:Q", title=text("cases", lang)),
            alt.Tooltip(f"{counts[1]}:Q", title=text("handled", lang) if value == "per_100" else counts[1]),
            alt.Tooltip("small_n:N", title=text("small_n", lang)),
        ),
    )
    return (
        alt.layer(rules, dots, title=_title(main, note))
        .add_params(pick)
        .properties(width=480, height=alt.Step(14))
    )


def coverage_grid(
    coverage: pl.DataFrame, *, lang: Lang = "zh", title: str | None = None, limit: int = 150
) -> AnyChart:
    """Which organ has a report for which year, coloured by the best parse status (:func:`metrics.coverage`)."""
    main = title or f"{text('organ', lang)} × {text('year', lang)}"
    if coverage.is_empty():
        return _empty(main, lang)
    data, note = _limit_organs(coverage, "files", lang, limit)
    order = list(STATUS_COLOURS)
    data = data.with_columns(
        pl.col("status").replace_strict({s: text(s, lang) for s in order}).alias("status_label")
    )
    pick = _highlight(data["organ"].to_list(), lang)
    return (
        alt.Chart(_inline(data), title=_title(main, note))
        .mark_rect(stroke="white")
        .encode(
            x=alt.X("year:O", title=text("year", lang), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("organ:N", title=None),
            color=alt.Color(
                "status_label:N",
                title=text("status", lang),
                scale=alt.Scale(domain=[text(s, lang) for s in order], range=list(STATUS_COLOURS.values())),
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
    name and severity (:func:`metrics.check_summary`)."""
    if status.is_empty():
        return _empty(text("status_title", lang), lang)
    status = status.with_columns(
        pl.col("status").map_elements(lambda s: text(s, lang), return_dtype=pl.String).alias("status_label")
    )
    order = [text(s, lang) for s in STATUS_COLOURS]
    files = (
        alt.Chart(_inline(status), title=_title(text("status_title", lang)))
        .mark_bar()
        .encode(
            y=alt.Y("status_label:N", title=None, sort=order),
            x=alt.X("files:Q", stack="zero", title=text("files", lang)),
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
    checks = checks.with_columns(
        pl.col("check")
        .map_elements(lambda c: check_label(c, lang), return_dtype=pl.String)
        .alias("check_label")
    )
    checks = checks.with_columns(
        pl.col("severity")
        .map_elements(lambda s: text(s, lang), return_dtype=pl.String)
        .alias("severity_label")
    )
    raised = (
        alt.Chart(_inline(checks), title=_title(text("checks_title", lang)))
        .mark_bar()
        .encode(
            y=alt.Y("check_label:N", title=None, sort="-x"),
            x=alt.X("sum(reports):Q", title=text("reports", lang), axis=alt.Axis(tickMinStep=1, format="d")),
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
