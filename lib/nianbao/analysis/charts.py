"""Altair charts of the metrics, in one theme, labelled in Chinese (``lang="zh"``) or English.

Each function takes a frame from :mod:`nianbao.analysis.metrics` and returns an altair chart whose data is
inline (no URLs), so a page holding it works offline. Charts that show organs carry a ``highlight``
parameter bound to a drop-down: picking an organ dims the others, and on a page rendered by
:mod:`nianbao.render` the pick carries over to every chart of the page. Tooltips name the organ, the
year and the source file. Outcome, reason and applicant names come from the template files.

>>> chart = heatmap(pl.DataFrame({"organ": ["甲镇"], "year": [2021], "path": ["a.txt"], "v": [3]}), "v")
>>> chart.to_dict()["data"]["values"][0]["organ"]
'甲镇'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import polars as pl

from nianbao.analysis.chart_text import TEXT, Lang, check_label, label, text
from nianbao.analysis.metrics import OUTCOME_GROUPS
from nianbao.templates import applicant_keys

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
MIN_BAND_ORGANS = 3  # a median and quartiles of fewer organs than this are not a peer band
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


def _title(main: str, *notes: str | None) -> alt.Title:
    """A title with the notes that apply (a limit, a missing band, an absent organ) as subtitle lines."""
    lines = [n for n in notes if n]
    return alt.Title(main, subtitle=lines) if lines else alt.Title(main)


def _absent(data: pl.DataFrame, highlight: str | None, lang: Lang) -> str | None:
    """A note when the organ to highlight has no figure in this chart (else nothing is red and the
    reader is left to wonder why)."""
    if not highlight or highlight in set(data["organ"].to_list()):
        return None
    return text("absent", lang).format(organ=highlight)


def _empty(title: str, lang: Lang, reason: str = "no_data") -> alt.Chart:
    """A chart that says there is nothing to show (and why, where known), rather than an empty frame
    that looks broken."""
    data = alt.Data(values=[{"message": text(reason, lang)}])
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


def _tooltip(lang: Lang, *extra: alt.Tooltip, printed: bool = False) -> list[alt.Tooltip]:
    """Tooltip fields; ``printed``: the data has ``printed_organ`` (the name the report printed)."""
    return [
        alt.Tooltip("organ:N", title=text("organ", lang)),
        *([alt.Tooltip("printed_organ:N", title=text("printed_organ", lang))] if printed else []),
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


def _limit_organs(
    frame: pl.DataFrame, value: str, lang: Lang, limit: int, keep: str | None = None
) -> tuple[pl.DataFrame, str | None]:
    """Keep the ``limit`` organs with the largest total of ``value`` (and ``keep``, the highlighted
    organ, whatever its total); say so in a subtitle."""
    organs = (
        frame.group_by("organ")
        .agg(pl.col(value).sum().alias("_t"))
        .sort("_t", "organ", descending=[True, False])
    )
    if organs.height <= limit:
        return frame, None
    kept = [*organs.head(limit)["organ"].to_list(), *([keep] if keep else [])]
    note = text("top", lang).format(n=limit, total=organs.height)
    return frame.filter(pl.col("organ").is_in(kept)), note


def _value_title(value: str, lang: Lang) -> str:
    return text(value, lang) if value in TEXT else value


def _labelled(frame: pl.DataFrame, column: str, to_text: Callable[[str], str]) -> pl.DataFrame:
    """Add ``<column>_label``: each key of ``column`` as the chart prints it (``to_text(key)``)."""
    keys = frame[column].cast(pl.String)
    names = {k: to_text(k) for k in keys.drop_nulls().unique().to_list()}
    return frame.with_columns(keys.replace(names).alias(f"{column}_label"))


def _year_x(years: pl.Series, lang: Lang) -> alt.X:
    """The year axis with every year from the first to the last, so a year without reports is a gap
    rather than the silent neighbour of the years around it (a trend would look one year shorter)."""
    known = years.drop_nulls()
    x = alt.X("year:O", title=text("year", lang), axis=alt.Axis(labelAngle=0))
    if known.len() and known.dtype.is_integer():
        first, last = int(known.min()), int(known.max())  # type: ignore[arg-type]
        x = x.scale(domain=list(range(first, last + 1)))
    return x


def _count_axis(largest: Any) -> alt.Axis:
    """Whole-number ticks for counts: on a short axis vega would print 0.5 steps (and ignores
    ``tickMinStep``), which reads as half a report."""
    top = int(largest or 0)
    return alt.Axis(format=",d", tickCount=max(1, min(top, 5)))


def _colour_legend(values: pl.Series) -> alt.Legend:
    """A colour legend for ``values``: whole-number labels for counts (as ``_count_axis``)."""
    if not values.dtype.is_integer():
        return alt.Legend()
    top = int(values.max() or 0)  # type: ignore[arg-type]
    return alt.Legend(format=",d", tickCount=max(1, min(top, 5)))


def _share_x(lang: Lang) -> alt.X:
    """Stacked shares on a fixed 0–100 % axis (rounding must not stretch it to 110 %)."""
    return alt.X(
        "share:Q",
        stack="zero",
        title=text("share", lang),
        axis=alt.Axis(format="%"),
        scale=alt.Scale(domain=[0, 1], nice=False),
    )


def _pooled_tooltip(lang: Lang, key: str, key_title: str, share: str) -> list[alt.Tooltip]:
    """Tooltip of a bar pooled over organs: what it is, the year, count, share, reports and files."""
    return [
        alt.Tooltip(f"{key}_label:N", title=key_title),
        alt.Tooltip("year:N", title=text("year", lang)),
        alt.Tooltip("count:Q", title=text("count", lang)),
        alt.Tooltip(f"{share}:Q", title=text("share", lang), format=".1%"),
        alt.Tooltip("reports:Q", title=text("reports", lang)),
        alt.Tooltip("path:N", title=text("path", lang)),
    ]


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
    data, note = _limit_organs(data, value, lang, limit, highlight)
    cols = ["organ", "year", "path", value, *(c for c in ("flagged", "printed_organ") if c in data.columns)]
    data = data.select(cols).with_columns(pl.col("path").fill_null(""))
    if "flagged" not in data.columns:
        data = data.with_columns(flagged=pl.lit(False))
    pick = _highlight(data["organ"].to_list(), lang, highlight)
    base = alt.Chart(_inline(data), title=_title(main, note, _absent(data, highlight, lang))).encode(
        x=_year_x(data["year"], lang), y=alt.Y("organ:N", title=None, sort="ascending")
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            f"{value}:Q", title=name, scale=alt.Scale(scheme="blues"), legend=_colour_legend(data[value])
        ),
        opacity=alt.condition(_FOCUS, alt.value(1.0), alt.value(0.25)),
        stroke=alt.condition("datum.flagged", alt.value("#d84315"), alt.value(None)),
        strokeWidth=alt.value(2),
        tooltip=_tooltip(
            lang,
            alt.Tooltip(f"{value}:Q", title=name, format=",.2~f"),
            alt.Tooltip("flagged:N", title=text("flagged", lang)),
            printed="printed_organ" in data.columns,
        ),
    )
    dark = 0.6 * float(data[value].max())  # type: ignore[arg-type]
    labels = base.mark_text(fontSize=10).encode(
        text=alt.Text(f"{value}:Q", format=",.2~f"),
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
    organ is picked in the drop-down (or passed as ``highlight``). The band and the median are drawn
    only for years with at least ``MIN_BAND_ORGANS`` organs (the median of one organ is that organ),
    and on top of the lines so that a crowd of organs does not hide them.
    """
    name = _value_title(value, lang)
    main = title or name
    printed = "printed_organ" in frame.columns  # one line per organ (its label), whatever it printed
    data = frame.filter(pl.col(value).is_not_null()).select(
        "organ", "year", "path", value, *(["printed_organ"] if printed else [])
    )
    if data.is_empty():
        return _empty(main, lang)
    pick = _highlight(data["organ"].to_list(), lang, highlight)
    band = band.filter(pl.col("organs") >= MIN_BAND_ORGANS)
    x = _year_x(data["year"], lang)
    y = alt.Y(f"{value}:Q", title=name)
    lines_base = alt.Chart(_inline(data)).encode(x=x, y=y, detail="organ:N")
    colour = alt.condition("datum.organ == highlight", alt.value("#d84315"), alt.value(GREY))
    fade = alt.condition(_FOCUS, alt.value(0.9), alt.value(0.4))
    layers: list[Any] = [
        lines_base.mark_line(strokeWidth=1.5).encode(color=colour, opacity=fade),
        lines_base.mark_point(filled=True, size=30).encode(
            color=colour,
            opacity=fade,
            tooltip=_tooltip(lang, alt.Tooltip(f"{value}:Q", title=name, format=",.2~f"), printed=printed),
        ),
    ]
    if band.is_empty():
        subtitle = text("no_band", lang).format(n=MIN_BAND_ORGANS)
    else:
        subtitle = f"{text('median', lang)} ± {text('iqr', lang)}"
        peers = alt.Chart(_inline(band)).encode(x=x)
        area = peers.mark_area(opacity=0.25, color="#4c78a8").encode(
            y=alt.Y("q1:Q", title=name),
            y2="q3:Q",
            tooltip=[
                alt.Tooltip("year:N", title=text("year", lang)),
                alt.Tooltip("median:Q", title=text("median", lang), format=",.2~f"),
                alt.Tooltip("q1:Q", format=",.2~f"),
                alt.Tooltip("q3:Q", format=",.2~f"),
                alt.Tooltip("organs:Q", title=text("reports", lang)),
            ],
        )
        median = peers.mark_line(color="#1f4e79", strokeDash=[6, 3], strokeWidth=2.5).encode(y="median:Q")
        layers = [area, *layers, median]
    title_ = _title(main, subtitle, _absent(data, highlight, lang))
    return alt.layer(*layers, title=title_).add_params(pick).properties(width=560, height=300)


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
    note = absent = None
    if by == "organ":
        data, note = _limit_organs(data, "count", lang, limit, highlight)
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
        "tooltip": _tooltip(
            lang,
            alt.Tooltip("outcome_group_label:N", title=text("outcome_group", lang)),
            alt.Tooltip("count:Q", title=text("count", lang)),
            alt.Tooltip("handled:Q", title=text("handled", lang)),
            alt.Tooltip("share:Q", title=text("share", lang), format=".1%"),
            alt.Tooltip("lower:Q", title=text("interval", lang) + " ↓", format=".1%"),
            alt.Tooltip("upper:Q", title=text("interval", lang) + " ↑", format=".1%"),
            alt.Tooltip("small_n:N", title=text("small_n", lang)),
        ),
    }
    chart = alt.Chart(_inline(data), title=_title(main, note, absent)).mark_bar().encode(**encode)
    if by == "organ":
        pick = _highlight(data["organ"].to_list(), lang, highlight)
        chart = chart.encode(opacity=alt.condition(_FOCUS, alt.value(1.0), alt.value(0.25))).add_params(pick)
    return chart.properties(width=520, height=alt.Step(16))


def denial_bars(reasons: pl.DataFrame, *, lang: Lang = "zh", title: str | None = None) -> AnyChart:
    """Denials by reason, one bar per reason, stacked by year (:func:`metrics.denial_reasons`)."""
    main = title or text("reason", lang)
    data = reasons.filter(pl.col("count").fill_null(0) > 0)
    if data.is_empty():
        return _empty(main, lang, "no_denials")
    data = _labelled(data, "reason", lambda r: label("reason", r, lang))
    if "year" not in data.columns:
        data = data.with_columns(year=pl.lit(None, pl.Int32))
    largest = data.group_by("reason").agg(pl.col("count").sum())["count"].max()
    return (
        alt.Chart(_inline(data), title=_title(main))
        .mark_bar()
        .encode(
            y=alt.Y("reason_label:N", title=None, sort="-x"),
            x=alt.X("sum(count):Q", title=text("count", lang), axis=_count_axis(largest)),
            color=alt.Color("year:O", title=text("year", lang), scale=alt.Scale(scheme="tealblues")),
            tooltip=_pooled_tooltip(lang, "reason", text("reason", lang), "share_of_denied"),
        )
        .properties(width=480, height=alt.Step(22))
    )


def applicant_bars(mix: pl.DataFrame, *, lang: Lang = "zh", title: str | None = None) -> AnyChart:
    """Who applies: stacked shares of new applications by applicant type, per year (:func:`metrics.applicant_mix`)."""
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
            tooltip=_pooled_tooltip(lang, "applicant", text("applicant", lang), "share"),
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
) -> AnyChart:
    """Dots with 95 % intervals per organ and proceeding (review / litigation).

    ``rates`` is :func:`metrics.review_litigation_rates` (``value="per_100"``) or
    :func:`metrics.correction_rates` (``value="share"``). Hollow dots have too few cases
    (``small_n``): read their interval, not the dot. Intervals longer than the axis are cut at its
    end (the subtitle says so; the tooltip has the bounds).
    """
    name = text("share", lang) if value == "share" else text("per_100", lang)
    main = title or (text("correction_rate", lang) if value == "share" else name)
    data = rates.filter(pl.col(value).is_not_null())
    if data.is_empty():
        return _empty(main, lang)
    data, note = _limit_organs(data, value, lang, limit, highlight)
    data = _labelled(data, "kind", lambda k: text(k, lang))
    data = _context(data).with_columns(  # organs ranked by their rates with enough cases; small ones last
        pl.when(~pl.col("small_n")).then(pl.col(value)).otherwise(-1.0).alias("sort_key")
    )
    scale, clipped = _rate_scale(data, value)
    absent = _absent(data, highlight, lang)
    pick = _highlight(data["organ"].to_list(), lang, highlight)
    axis_format = "%" if value == "share" else ",.1~f"
    kinds = [text("review", lang), text("litigation", lang)]
    kind_scale = alt.Scale(domain=kinds, range=["#1f77b4", "#d84315"])
    base = alt.Chart(_inline(data)).encode(
        y=alt.Y("organ:N", title=None, sort=alt.EncodingSortField("sort_key", op="max", order="descending")),
        yOffset=alt.YOffset("kind_label:N"),
        color=alt.Color("kind_label:N", title=text("kind", lang), scale=kind_scale),
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
        tooltip=_tooltip(
            lang,
            alt.Tooltip("kind_label:N", title=text("kind", lang)),
            alt.Tooltip(f"{value}:Q", title=name, format=axis_format if value == "share" else ",.1f"),
            alt.Tooltip("lower:Q", title=text("interval", lang) + " ↓", format=",.1f"),
            alt.Tooltip("upper:Q", title=text("interval", lang) + " ↑", format=",.1f"),
            alt.Tooltip(f"{counts[0]}:Q", title=text("cases", lang)),
            alt.Tooltip(f"{counts[1]}:Q", title=text("handled", lang) if value == "per_100" else counts[1]),
            alt.Tooltip("small_n:N", title=text("small_n", lang)),
        ),
    )
    return (
        alt.layer(rules, dots, title=_title(main, note, text("clipped", lang) if clipped else None, absent))
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
    data = _labelled(data, "status", lambda s: text(s, lang))
    pick = _highlight(data["organ"].to_list(), lang)
    return (
        alt.Chart(_inline(data), title=_title(main, note))
        .mark_rect(stroke="white")
        .encode(
            x=_year_x(data["year"], lang),
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
