"""What every chart shares: the theme (CJK-first fonts), the colours (one meaning per category on
every page), the inline data, titles, the highlight drop-down and the year axis.

The colours: red (:data:`PROBLEM`) only ever means a problem (a failed file, an error check, a
report failing an identity); the organ picked in the drop-down is drawn in black
(:data:`HIGHLIGHT`), never red; outcome groups, proceedings, statuses and severities each keep one
colour wherever they appear, with a legend wherever colour encodes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import polars as pl

from nianbao.analysis.chart_text import TEXT, Lang, text
from nianbao.analysis.corrections import CORRECTED
from nianbao.fields import LEVEL_ORDER

__all__ = [
    "FONT",
    "GREY",
    "HIGHLIGHT",
    "KIND_COLOURS",
    "MAX_ORGANS",
    "MAX_ROWS",
    "MIN_BAND_ORGANS",
    "OUTCOME_COLOURS",
    "PROBLEM",
    "SEVERITY_COLOURS",
    "STATUS_COLOURS",
    "AnyChart",
    "organ_order",
    "with_gaps",
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
PROBLEM = "#d32f2f"  # red: a problem, and nothing else
HIGHLIGHT = "#111111"  # the organ picked in the drop-down (or the profile's subject)
# granted, partially granted, denied, unable to provide, not processed, other (metrics.OUTCOME_GROUPS)
OUTCOME_COLOURS = ("#2f7d32", "#8bc34a", "#7b1fa2", "#ef6c00", "#3949ab", "#90a4ae")
KIND_COLOURS = {"review": "#1565c0", "litigation": "#00897b"}  # administrative review, litigation
STATUS_COLOURS = {
    "ok": "#2f7d32",
    "partial": "#fbc02d",
    "flagged": PROBLEM,
    "duplicate": "#b0bec5",
    "failed": "#424242",
    "not_a_report": "#8d6e63",
}
SEVERITY_COLOURS = {"info": "#b0bec5", "warning": "#fbc02d", "error": PROBLEM}
_LEVEL_ORDER = LEVEL_ORDER


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


def _highlight(
    organs: Sequence[str], lang: Lang, default: str | None = None, unit: str = "organ"
) -> alt.Parameter:
    """The page-wide ``highlight`` parameter: a drop-down of organs, or of places when a chart pools
    by place (``unit``; :mod:`nianbao.analysis.rollup`); a text box for long lists."""
    options = sorted({o for o in organs if o})
    name = text("highlight" if unit == "organ" else "highlight_place", lang)
    if len(options) > 400:
        bind: Any = alt.binding(input="text", name=name)
    else:
        bind = alt.binding_select(options=["", *options], labels=[text("all", lang), *options], name=name)
    return alt.param(name="highlight", value=default or "", bind=bind)


_FOCUS = "highlight == '' || datum.organ == highlight"


def _tooltip(
    lang: Lang, *extra: alt.Tooltip, printed: bool = False, unit: str = "organ"
) -> list[alt.Tooltip]:
    """Tooltip fields; ``printed``: the data has ``printed_organ`` (the name the report printed);
    ``unit``: what a row is (an organ, or a county, city or province pooling its organs' reports)."""
    return [
        alt.Tooltip("organ:N", title=text(unit, lang)),
        *([alt.Tooltip("printed_organ:N", title=text("printed_organ", lang))] if printed else []),
        alt.Tooltip("year:N", title=text("year", lang)),
        *extra,
        alt.Tooltip("path:N", title=text("path", lang)),
    ]


def _pooled_counts(data: pl.DataFrame, lang: Lang) -> list[alt.Tooltip]:
    """Tooltip lines of a row pooling reports (a place): how many reports and organs it rests on."""
    return [
        alt.Tooltip(f"{c}:Q", title=text(c, lang), format=",d")
        for c in ("reports", "organs")
        if c in data.columns
    ]


def _tips(data: pl.DataFrame, fields: Sequence[alt.Tooltip], lang: Lang) -> Any:
    """The tooltip encoding of a mark: ``fields``; and, when some rows rest on a corrected value
    (``data`` has non-null :data:`CORRECTED`, see :func:`analysis.corrections.mark_corrected`), one
    line more, 「含人工更正」 with the cells changed, on those marks only.

    Vega-lite prints a null field as "null", so the tooltip with that line is an expression that
    adds the line where the row has a correction and leaves it out elsewhere (the other lines are
    formatted as vega-lite formats them).
    """
    if CORRECTED not in data.columns or data[CORRECTED].is_null().all():
        return list(fields)
    entries = []
    for tip in fields:
        spec: dict[str, Any] = tip.to_dict()  # type: ignore[assignment]  # one field: a dict
        field, title = (
            json.dumps(spec["field"]),
            json.dumps(spec.get("title", spec["field"]), ensure_ascii=False),
        )
        value = f"datum[{field}]"
        if spec.get("type") == "quantitative":
            shown = f"format({value}, {json.dumps(spec.get('format', ''))})"
        else:
            shown = f'isValid({value}) ? {value} : "" + {value}'
        entries.append(f"{title}: {shown}")
    mark = json.dumps(text(CORRECTED, lang), ensure_ascii=False)
    note = f'datum["{CORRECTED}"]'
    expr = f"merge({{{', '.join(entries)}}}, isValid({note}) ? {{{mark}: {note}}} : {{}})"
    return alt.value(alt.expr(expr))


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


def organ_order(frame: pl.DataFrame) -> list[str]:
    """Organs grouped as a reader looks for them: by place (province, city, county), then level
    (government before its departments, townships last), then name.

    >>> f = pl.DataFrame({"organ": ["乙镇", "甲县人民政府", "甲镇"], "county": ["甲县"] * 3,
    ...                   "organ_level": ["township", "county", "township"]})
    >>> organ_order(f)
    ['甲县人民政府', '乙镇', '甲镇']
    """
    if "organ" not in frame.columns:
        return []
    rank = {level: i for i, level in enumerate(_LEVEL_ORDER)}
    keys = [c for c in ("province", "city", "county") if c in frame.columns]
    cols = [*keys, *(["organ_level"] if "organ_level" in frame.columns else []), "organ"]
    firsts = frame.select(cols).unique(subset=["organ"], keep="first", maintain_order=True)
    exprs = [pl.col(c).cast(pl.String).fill_null("") for c in keys]
    if "organ_level" in frame.columns:
        exprs.append(
            pl.col("organ_level").cast(pl.String).replace_strict(rank, default=99, return_dtype=pl.Int8)
        )
    exprs.append(pl.col("organ"))
    return firsts.sort(exprs)["organ"].to_list()


def with_gaps(frame: pl.DataFrame, value: str, keys: Sequence[str] = ("organ",)) -> pl.DataFrame:
    """Add a row with a null ``value`` for every year an organ skipped between its first and last,
    so a line chart breaks there instead of joining the years around it with a straight line.

    >>> f = pl.DataFrame({"organ": ["甲", "甲"], "year": [2021, 2023], "v": [1, 3]})
    >>> with_gaps(f, "v").sort("year")["v"].to_list()
    [1, None, 3]
    """
    known = frame.filter(pl.col(value).is_not_null())
    if known.is_empty():
        return frame
    spans = known.group_by(list(keys)).agg(pl.col("year").min().alias("_a"), pl.col("year").max().alias("_b"))
    every = spans.select(*keys, pl.int_ranges("_a", pl.col("_b") + 1).alias("year")).explode("year")
    every = every.with_columns(pl.col("year").cast(frame.schema["year"]))
    missing = every.join(known.select(*keys, "year"), on=[*keys, "year"], how="anti")
    if missing.is_empty():
        return known
    return pl.concat([known, missing], how="diagonal_relaxed").sort([*keys, "year"])
