"""Altair charts of the metrics, in one theme, labelled in Chinese (``lang="zh"``) or English.

Each function takes a frame from :mod:`nianbao.analysis.metrics` and returns an altair chart whose data is
inline (no URLs), so a page holding it works offline. Charts that show organs carry a ``highlight``
parameter bound to a drop-down: picking an organ dims the others, and on a page rendered by
:mod:`nianbao.render` the pick carries over to every chart of the page. Tooltips name the organ, the
year and the source file. Outcome, reason and applicant names come from the template files. The
shared look (theme, colours, helpers) is in :mod:`nianbao.analysis.chart_base`; the corpus-quality
charts in :mod:`nianbao.analysis.chart_quality`.

Saved on its own, a chart works offline too: ``chart.save("chart.html", inline=True)`` puts the
vega bundle in the file (vl-convert), and ``chart.save("chart.svg")`` / ``"chart.png"`` draws it.

>>> chart = heatmap(pl.DataFrame({"organ": ["甲镇"], "year": [2021], "path": ["a.txt"], "v": [3]}), "v")
>>> chart.to_dict()["data"]["values"][0]["organ"]
'甲镇'
"""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import polars as pl

from nianbao.analysis.chart_base import (
    _FOCUS,
    _LEVEL_ORDER,
    CORRECTED,
    FONT,
    GREY,
    HIGHLIGHT,
    KIND_COLOURS,
    MAX_ORGANS,
    MIN_BAND_ORGANS,
    OUTCOME_COLOURS,
    PROBLEM,
    AnyChart,
    _absent,
    _context,
    _count_axis,
    _empty,
    _highlight,
    _inline,
    _labelled,
    _limit_organs,
    _pooled_counts,
    _pooled_tooltip,
    _share_x,
    _tips,
    _title,
    _tooltip,
    _value_title,
    _year_x,
    organ_order,
    with_gaps,
)
from nianbao.analysis.chart_quality import coverage_grid, quality_panel
from nianbao.analysis.chart_text import TEXT, Lang, check_label, label, level_label, text
from nianbao.analysis.metrics import OUTCOME_GROUPS
from nianbao.analysis.stats import median_band
from nianbao.templates import applicant_keys

__all__ = [
    "FONT",
    "MIN_BAND_ORGANS",
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


def heatmap(
    frame: pl.DataFrame,
    value: str,
    *,
    lang: Lang = "zh",
    title: str | None = None,
    highlight: str | None = None,
    limit: int = MAX_ORGANS,
    unit: str = "organ",
    log: bool = True,
) -> AnyChart:
    """Organ × year grid coloured by ``value`` (one row per organ, e.g. :func:`metrics.proactive_volume`).

    The colour scale is logarithmic (symlog, so 0 stays 0), stated in the subtitle: a county
    government printing 12,000 items would otherwise leave every township the same pale blue.
    Organs are grouped by place and level (:func:`organ_order`). A missing cell means no usable
    report, or a report that does not print the figure; flagged reports are outlined in red.
    With ``unit`` a place (``county``, ``city``, ``province``), ``frame`` is
    :func:`analysis.rollup.by_place`: one row per place, its organs' sum, said in the subtitle.
    ``log=False``: a linear colour scale (for shares such as :func:`analysis.rollup.coverage_by_place`).

    >>> f = pl.DataFrame({"organ": ["甲镇", "乙镇"], "year": [2021, 2021], "path": ["a.txt", "b.txt"], "v": [3, 1200]})
    >>> spec = heatmap(f, "v", lang="en").to_dict()
    >>> spec["layer"][0]["encoding"]["color"]["scale"], spec["layer"][0]["title"]["subtitle"][0][:25]
    ({'scheme': 'blues', 'type': 'symlog'}, 'colour on a log scale (sy')
    """
    name = _value_title(value, lang)
    main = title or name
    data = frame.filter(pl.col(value).is_not_null())
    if data.is_empty():
        return _empty(main, lang)
    if unit == "organ":
        data, note = _limit_organs(data, value, lang, limit, highlight)
    else:
        # a value that is not a sum (a share) has its own note: rolled_<value>
        rolled = f"rolled_{value}" if f"rolled_{value}" in TEXT else "rolled_sum"
        note = text(rolled, lang).format(unit=text(unit, lang))
    order = organ_order(data)
    extra = ("flagged", "printed_organ", CORRECTED, *(("reports", "organs") if unit != "organ" else ()))
    cols = ["organ", "year", "path", value, *(c for c in extra if c in data.columns)]
    data = data.select(cols).with_columns(pl.col("path").fill_null(""))
    if "flagged" not in data.columns:
        data = data.with_columns(flagged=pl.lit(False))
    whole = data[value].dtype.is_integer() or bool((data[value] == data[value].round(0)).all())
    fmt = ",.0f" if whole else ",.2~f"
    pick = _highlight(data["organ"].to_list(), lang, highlight, unit)
    subtitle = text("log_colour" if log else "linear_colour", lang)
    base = alt.Chart(
        _inline(data), title=_title(main, subtitle, note, _absent(data, highlight, lang))
    ).encode(x=_year_x(data["year"], lang), y=alt.Y("organ:N", title=None, sort=order))
    cells = base.mark_rect().encode(
        color=alt.Color(
            f"{value}:Q",
            title=name,
            scale=alt.Scale(type="symlog", scheme="blues") if log else alt.Scale(scheme="blues", zero=True),
            legend=alt.Legend(format=fmt, titleLimit=400),
        ),
        opacity=alt.condition(_FOCUS, alt.value(1.0), alt.value(0.25)),
        stroke=alt.condition("datum.flagged", alt.value(PROBLEM), alt.value(None)),
        strokeWidth=alt.value(2),
        tooltip=_tips(
            data,
            _tooltip(
                lang,
                alt.Tooltip(f"{value}:Q", title=name, format=fmt),
                alt.Tooltip("flagged:N", title=text("flagged", lang)),
                *(_pooled_counts(data, lang) if unit != "organ" else []),
                printed="printed_organ" in data.columns,
                unit=unit,
            ),
            lang,
        ),
    )
    top = float(data[value].max())  # type: ignore[arg-type]
    dark = 0.6 * math.log1p(max(top, 0.0))  # the upper 40 % of the log scale is dark blue
    dark_test = f"log(1 + max(0, datum['{value}'])) > {dark}" if log else f"datum['{value}'] > {0.6 * top}"
    labels = base.mark_text(fontSize=10).encode(
        text=alt.Text(f"{value}:Q", format=fmt),
        color=alt.condition(dark_test, alt.value("white"), alt.value("#222")),
        opacity=alt.condition(_FOCUS, alt.value(1.0), alt.value(0.3)),
    )
    return alt.layer(cells, labels).add_params(pick).properties(width=alt.Step(56), height=alt.Step(18))


def _trend_panel(
    data: pl.DataFrame,
    value: str,
    band: pl.DataFrame,
    *,
    lang: Lang,
    title: alt.Title,
    x: alt.X,
    log: bool,
    unit: str = "organ",
) -> alt.LayerChart:
    """One panel of :func:`trend`: peers' band and median over the organs' lines (broken at gaps)."""
    name = _value_title(value, lang)
    scale = alt.Scale(type="symlog") if log else alt.Scale()
    y = alt.Y(f"{value}:Q", title=name, scale=scale, axis=alt.Axis(format=",.0f", titleLimit=300))
    # the lines' rows travel once, on the layer: the lines and their points both read them
    lines_base = alt.Chart().encode(x=x, y=y, detail="organ:N")
    colour = alt.condition("datum.organ == highlight", alt.value(HIGHLIGHT), alt.value(GREY))
    width = alt.condition("datum.organ == highlight", alt.value(2.5), alt.value(1.2))
    fade = alt.condition(_FOCUS, alt.value(0.9), alt.value(0.35))
    layers: list[Any] = [
        # "break-paths-show-domains": a null value (a year without a report) breaks the line
        lines_base.mark_line(invalid="break-paths-show-domains").encode(
            color=colour, opacity=fade, strokeWidth=width
        ),
    ]
    band = band.filter(pl.col("organs") >= MIN_BAND_ORGANS)
    if not band.is_empty():
        peers = alt.Chart(_inline(band)).encode(x=x)
        layers.append(
            peers.mark_area(opacity=0.3, color="#4c78a8").encode(
                y=alt.Y("q1:Q", title=name, scale=scale),
                y2="q3:Q",
                tooltip=[
                    alt.Tooltip("year:N", title=text("year", lang)),
                    alt.Tooltip("median:Q", title=text("median", lang), format=",.1f"),
                    alt.Tooltip("q1:Q", title="25%", format=",.1f"),
                    alt.Tooltip("q3:Q", title="75%", format=",.1f"),
                    alt.Tooltip("organs:Q", title=text("reports" if unit == "organ" else unit, lang)),
                ],
            )
        )
        layers.append(
            peers.mark_line(color="#1f4e79", strokeDash=[6, 3], strokeWidth=2.5).encode(
                y=alt.Y("median:Q", scale=scale)
            )
        )
    layers.append(
        lines_base.transform_filter(f"isValid(datum['{value}'])")
        .mark_point(filled=True, size=28)
        .encode(
            color=colour,
            opacity=fade,
            tooltip=_tips(
                data,
                _tooltip(
                    lang,
                    alt.Tooltip(f"{value}:Q", title=name, format=",.0f"),
                    *(_pooled_counts(data, lang) if unit != "organ" else []),
                    printed="printed_organ" in data.columns,
                    unit=unit,
                ),
                lang,
            ),
        )
    )
    chart = alt.layer(*layers, data=_inline(with_gaps(data, value)), title=title)
    return chart.properties(width=560, height=260)  # type: ignore[return-value]


def trend(
    frame: pl.DataFrame,
    value: str,
    band: pl.DataFrame | None = None,
    *,
    lang: Lang = "zh",
    title: str | None = None,
    highlight: str | None = None,
    log: bool | None = None,
    unit: str = "organ",
) -> AnyChart:
    """One line per organ over the years, over the peers' median and interquartile band.

    Organs are compared only with organs of their own level: with several levels in ``frame``
    (an ``organ_level`` column) there is one panel per level, each with its own band. ``band`` (one
    level only; :func:`metrics.median_band` per year) may be passed instead. A year without a value
    breaks the organ's line. The band and median are drawn only for years with at least
    ``MIN_BAND_ORGANS`` organs, on top of the lines so that a crowd of organs does not hide them.
    ``log`` (default: when the largest value is over 20 times the median) puts the y axis on a
    symlog scale, said in the subtitle. With ``unit`` a place, ``frame`` is
    :func:`analysis.rollup.by_place` with ``levels=True, per_report=True``: one line per place and
    level, the mean per report of its organs, and the band spans the places.

    >>> f = pl.DataFrame({"organ": ["甲镇"] * 3, "year": [2020, 2021, 2023], "path": ["a", "b", "c"], "v": [5, 7, 9]})
    >>> spec = trend(f, "v", lang="en").to_dict()
    >>> [row["v"] for row in spec["data"]["values"]]  # 2022 is a gap: the line breaks
    [5, 7, None, 9]
    """
    name = _value_title(value, lang)
    main = title or name
    # one line per organ (its label), whatever name each report printed
    keep = [
        "organ",
        "year",
        "path",
        value,
        *(c for c in ("organ_level", "printed_organ", CORRECTED) if c in frame.columns),
        *(c for c in ("reports", "organs") if unit != "organ" and c in frame.columns),
    ]
    data = frame.filter(pl.col(value).is_not_null()).select(keep)
    if data.is_empty():
        return _empty(main, lang)
    pick = _highlight(data["organ"].to_list(), lang, highlight, unit)
    x = _year_x(data["year"], lang)
    levels = data["organ_level"].drop_nulls().unique().to_list() if "organ_level" in data.columns else []
    groups: list[tuple[str | None, pl.DataFrame, pl.DataFrame]]
    if band is not None or len(levels) <= 1:
        peers_band = band if band is not None else median_band(data, value)
        groups = [(levels[0] if levels else None, data, peers_band)]
    else:
        ordered = [lv for lv in _LEVEL_ORDER if lv in levels]
        groups = [
            (lv, part, median_band(part, value))
            for lv in ordered
            if not (part := data.filter(pl.col("organ_level") == lv)).is_empty()
        ]
    panels = []
    for i, (level, part, peers_band) in enumerate(groups):
        values = part[value]
        median = float(values.median() or 0)  # type: ignore[arg-type]
        use_log = log if log is not None else float(values.max() or 0) > 20 * max(median, 1.0)  # type: ignore[arg-type]
        notes = [
            f"{text('median', lang)} ± {text('iqr', lang)}"
            if not peers_band.filter(pl.col("organs") >= MIN_BAND_ORGANS).is_empty()
            else text("no_band", lang).format(n=MIN_BAND_ORGANS),
            text("log_axis", lang) if use_log else None,
            text("gaps", lang),
            text("rolled_mean", lang).format(unit=text(unit, lang)) if unit != "organ" else None,
            _absent(part, highlight, lang) if len(groups) == 1 else None,
        ]
        heading = main if len(groups) == 1 else f"{main} · {level_label(level or '', lang)}"
        if i and len(groups) > 1:
            heading = level_label(level or "", lang)
        panels.append(
            _trend_panel(
                part, value, peers_band, lang=lang, title=_title(heading, *notes), x=x, log=use_log, unit=unit
            )
        )
    chart = panels[0] if len(panels) == 1 else alt.vconcat(*panels).resolve_scale(y="independent")
    return chart.add_params(pick)


def outcome_bars(
    shares: pl.DataFrame,
    *,
    by: str = "organ",
    lang: Lang = "zh",
    title: str | None = None,
    highlight: str | None = None,
    limit: int = MAX_ORGANS,
    unit: str = "organ",
) -> AnyChart:
    """Stacked bars: how applications were handled, as shares of all handled (:func:`metrics.outcome_shares`).

    ``by`` is the frame's row key (``organ`` or ``year``). Bars of fewer than ``min_n`` applications
    are pale and hatched-out in the tooltip (``small_n``): their shares swing with a single case.
    With ``unit`` a place, each ``organ`` row is a place pooling its organs' applications
    (:func:`analysis.rollup.keys` and :func:`analysis.rollup.labelled`).

    >>> counts = pl.DataFrame({"organ": ["甲镇"], "year": [2023], "handled": [4], "flagged": [False]}
    ...                       | {g: [0] for g in OUTCOME_GROUPS} | {"granted": [3], "unable": [1]})
    >>> from nianbao.analysis.rates import outcome_shares
    >>> spec = outcome_bars(outcome_shares(counts, by=["organ"]), lang="en").to_dict()
    >>> sorted((r["outcome_group_label"], r["share"]) for r in spec["data"]["values"] if r["share"])
    [('granted', 0.75), ('unable to provide', 0.25)]
    """
    main = title or text("outcome_group", lang)
    data = shares.filter(pl.col("share").is_not_null())
    if data.is_empty():
        return _empty(main, lang)
    note = absent = None
    if by == "organ" and unit == "organ":
        data, note = _limit_organs(data, "count", lang, limit, highlight)
    elif by == "organ":
        note = text("rolled_pooled", lang).format(unit=text(unit, lang))
    if by == "organ":
        absent = _absent(data, highlight, lang)
    order = [label("outcome_group", g, lang) for g in OUTCOME_GROUPS]
    data = _labelled(data, "outcome_group", lambda g: label("outcome_group", g, lang)).with_columns(
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
        "x": _share_x(lang),
        "color": alt.Color(
            "outcome_group_label:N",
            title=text("outcome_group", lang),
            sort=order,
            scale=alt.Scale(domain=order, range=list(OUTCOME_COLOURS)),
        ),
        "order": alt.Order("order:Q"),
        "fillOpacity": alt.condition("datum.small_n", alt.value(0.35), alt.value(1.0)),
        "tooltip": _tips(
            data,
            _tooltip(
                lang,
                alt.Tooltip("outcome_group_label:N", title=text("outcome_group", lang)),
                alt.Tooltip("count:Q", title=text("count", lang)),
                alt.Tooltip("handled:Q", title=text("handled", lang)),
                alt.Tooltip("share:Q", title=text("share", lang), format=".1%"),
                alt.Tooltip("lower:Q", title=text("interval", lang) + " ↓", format=".1%"),
                alt.Tooltip("upper:Q", title=text("interval", lang) + " ↑", format=".1%"),
                alt.Tooltip("small_n:N", title=text("small_n", lang)),
                *(_pooled_counts(data, lang) if unit != "organ" else []),
                unit=unit,
            ),
            lang,
        ),
    }
    chart = alt.Chart(_inline(data), title=_title(main, note, absent)).mark_bar().encode(**encode)
    if by == "organ":
        pick = _highlight(data["organ"].to_list(), lang, highlight, unit)
        chart = chart.encode(opacity=alt.condition(_FOCUS, alt.value(1.0), alt.value(0.25))).add_params(pick)
    return chart.properties(width=520, height=alt.Step(16))


def denial_bars(reasons: pl.DataFrame, *, lang: Lang = "zh", title: str | None = None) -> AnyChart:
    """Denials by reason, one bar per reason, stacked by year (:func:`metrics.denial_reasons`).

    >>> reasons = pl.DataFrame({"reason": ["denied_state_secret", "denied_process_info"], "year": [2023, 2023],
    ...                         "count": [2, 0], "share_of_denied": [1.0, 0.0], "reports": [1, 1], "path": ["a", "a"]})
    >>> [r["reason_label"] for r in denial_bars(reasons).to_dict()["data"]["values"]]  # no denial, no bar
    ['属于国家秘密']
    """
    main = title or text("reason", lang)
    data = reasons.filter(pl.col("count").fill_null(0) > 0)
    if data.is_empty():
        return _empty(main, lang, "no_denials")
    data = _labelled(data, "reason", lambda r: label("reason", r, lang))
    if "year" not in data.columns:
        data = data.with_columns(year=pl.lit(None, pl.Int32))
    largest = data.group_by("reason").agg(pl.col("count").sum())["count"].max()
    tips = _tips(data, _pooled_tooltip(lang, "reason", text("reason", lang), "share_of_denied"), lang)
    # one row per reason and year: summing is stacking; a tooltip expression (corrections) needs
    # the rows themselves, not vega-lite's aggregate of them
    x, sort = (
        ("sum(count):Q", "-x")
        if isinstance(tips, list)
        else ("count:Q", alt.EncodingSortField("count", op="sum", order="descending"))
    )
    return (
        alt.Chart(_inline(data), title=_title(main))
        .mark_bar()
        .encode(
            y=alt.Y("reason_label:N", title=None, sort=sort),
            x=alt.X(x, title=text("count", lang), axis=_count_axis(largest)),
            color=alt.Color("year:O", title=text("year", lang), scale=alt.Scale(scheme="tealblues")),
            tooltip=tips,
        )
        .properties(width=480, height=alt.Step(22))
    )


def applicant_bars(mix: pl.DataFrame, *, lang: Lang = "zh", title: str | None = None) -> AnyChart:
    """Who applies: stacked shares of new applications by applicant type, per year (:func:`metrics.applicant_mix`).

    >>> mix = pl.DataFrame({"applicant": ["natural_person", "legal_service_agency"], "year": [2023, 2023], "count": [9, 1],
    ...                     "share": [0.9, 0.1], "small_n": [False, False], "reports": [1, 1], "path": ["a", "a"]})
    >>> [(r["applicant_label"], r["share"]) for r in applicant_bars(mix, lang="en").to_dict()["data"]["values"]]
    [('natural person', 0.9), ('legal service agency', 0.1)]
    """
    main = title or text("applicant", lang)
    data = mix.filter(pl.col("share").is_not_null())
    if data.is_empty():
        return _empty(main, lang, "no_applications")
    data = _labelled(data, "applicant", lambda a: label("applicant", a, lang))
    order = [label("applicant", key, lang) for key in applicant_keys()]
    return (
        alt.Chart(_inline(data), title=_title(main))
        .mark_bar()
        .encode(
            y=alt.Y("year:O", title=text("year", lang)),
            x=_share_x(lang),
            color=alt.Color(
                "applicant_label:N",
                title=text("applicant", lang),
                sort=order,
                scale=alt.Scale(domain=order, scheme="set2"),
            ),
            fillOpacity=alt.condition("datum.small_n", alt.value(0.35), alt.value(1.0)),
            tooltip=_tips(data, _pooled_tooltip(lang, "applicant", text("applicant", lang), "share"), lang),
        )
        .properties(width=520, height=alt.Step(24))
    )


def _rate_scale(data: pl.DataFrame, value: str) -> tuple[alt.Scale, bool]:
    """The x scale of :func:`rate_dots` and whether some intervals run past its end.

    A share stays on 0–100 %. A rate's axis ends at the largest rate, or interval of an organ with
    enough cases: the interval of a township with one application handled reaches hundreds per 100
    and would otherwise squeeze every other dot against zero.
    """
    if value == "share":
        return alt.Scale(domain=[0, 1], nice=False), False
    trusted = data.filter(~pl.col("small_n"))["upper"].max()
    top = max(float(data[value].max() or 0), float(trusted or 0))  # type: ignore[arg-type]
    widest = float(data["upper"].max() or 0)  # type: ignore[arg-type]
    if top <= 0 or widest <= top:
        return alt.Scale(zero=True), False
    return alt.Scale(domain=[0, top], nice=False, clamp=True), True


def rate_dots(
    rates: pl.DataFrame,
    *,
    value: str = "per_100",
    lang: Lang = "zh",
    title: str | None = None,
    highlight: str | None = None,
    limit: int = MAX_ORGANS,
    unit: str = "organ",
) -> AnyChart:
    """Dots with 95 % intervals per organ and proceeding (review / litigation).

    ``rates`` is :func:`metrics.review_litigation_rates` (``value="per_100"``) or
    :func:`metrics.correction_rates` (``value="share"``). Hollow dots have too few cases
    (``small_n``): read their interval, not the dot. Intervals longer than the axis are cut at its
    end (the subtitle says so; the tooltip has the bounds). With ``unit`` a place, each ``organ``
    row is a place pooling its organs' cases (:func:`analysis.rollup.keys`, :func:`analysis.rollup.labelled`).

    >>> rates = pl.DataFrame({"organ": ["甲镇", "乙镇"], "kind": ["review", "review"], "per_100": [5.0, 40.0],
    ...     "lower": [2.0, 1.0], "upper": [9.0, 90.0], "cases": [5, 1], "handled": [100, 2], "small_n": [False, True]})
    >>> spec = rate_dots(rates, lang="en").to_dict()
    >>> spec["layer"][1]["encoding"]["fill"]["condition"]["test"], [r["sort_key"] for r in spec["data"]["values"]]
    ('datum.small_n', [2.0, -1.0])
    """
    name = text("share", lang) if value == "share" else text("per_100", lang)
    main = title or (text("correction_rate", lang) if value == "share" else name)
    data = rates.filter(pl.col(value).is_not_null())
    if data.is_empty():
        return _empty(main, lang)
    if unit == "organ":
        data, note = _limit_organs(data, value, lang, limit, highlight)
    else:
        note = text("rolled_pooled", lang).format(unit=text(unit, lang))
    data = _labelled(data, "kind", lambda k: text(k, lang))
    # Organs ordered by the lower end of their interval: a noisy small sample cannot top the chart
    # (its interval reaches down to near 0); organs with too few cases come last whatever their rate.
    data = _context(data).with_columns(
        pl.when(~pl.col("small_n")).then(pl.col("lower").fill_null(0.0)).otherwise(-1.0).alias("sort_key")
    )
    scale, clipped = _rate_scale(data, value)
    absent = _absent(data, highlight, lang)
    pick = _highlight(data["organ"].to_list(), lang, highlight, unit)
    axis_format = "%" if value == "share" else ",.1~f"
    kinds = [text("review", lang), text("litigation", lang)]
    kind_scale = alt.Scale(domain=kinds, range=[KIND_COLOURS["review"], KIND_COLOURS["litigation"]])
    base = alt.Chart(_inline(data)).encode(
        y=alt.Y("organ:N", title=None, sort=alt.EncodingSortField("sort_key", op="max", order="descending")),
        yOffset=alt.YOffset("kind_label:N"),
        color=alt.Color(
            "kind_label:N",
            title=text("kind", lang),
            scale=kind_scale,
            legend=alt.Legend(orient="top", titleLimit=300, labelLimit=300),
        ),
        opacity=alt.condition(_FOCUS, alt.value(1.0), alt.value(0.2)),
    )
    rules = base.mark_rule(strokeWidth=1.5).encode(
        x=alt.X("lower:Q", title=name, axis=alt.Axis(format=axis_format), scale=scale), x2="upper:Q"
    )
    counts = ("cases", "handled") if value == "per_100" else ("corrected", "concluded")
    dots = base.mark_point(size=50, strokeWidth=1.5).encode(
        x=alt.X(f"{value}:Q", scale=scale),
        fill=alt.condition(
            "datum.small_n", alt.value("white"), alt.Fill("kind_label:N", scale=kind_scale, legend=None)
        ),
        tooltip=_tips(
            data,
            _tooltip(
                lang,
                alt.Tooltip("kind_label:N", title=text("kind", lang)),
                alt.Tooltip(f"{value}:Q", title=name, format=axis_format if value == "share" else ",.1f"),
                alt.Tooltip("lower:Q", title=text("interval", lang) + " ↓", format=",.1f"),
                alt.Tooltip("upper:Q", title=text("interval", lang) + " ↑", format=",.1f"),
                alt.Tooltip(f"{counts[0]}:Q", title=text("cases", lang)),
                alt.Tooltip(
                    f"{counts[1]}:Q", title=text("handled", lang) if value == "per_100" else counts[1]
                ),
                alt.Tooltip("small_n:N", title=text("small_n", lang)),
                *(_pooled_counts(data, lang) if unit != "organ" else []),
                unit=unit,
            ),
            lang,
        ),
    )
    return (
        alt.layer(
            rules,
            dots,
            title=_title(
                main, text("sorted_lower", lang), note, text("clipped", lang) if clipped else None, absent
            ),
        )
        .add_params(pick)
        .properties(width=480, height=alt.Step(14))
    )
