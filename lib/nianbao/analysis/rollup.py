"""Pages at scale: above ``max_organs`` organs, charts show places (county, else city, else
province) and tables pool by place, with drill-down tables that list every organ.

A chart of 1,400 organs is a grey blur, and its data (one row per organ-year) would pass the page
budget: so :func:`unit_for` picks the finest unit with at most ``max_organs`` members, and
:func:`by_place` sums the figures of each place's organs before anything is drawn (the chart's data
is then one row per place-year, never per organ). :func:`drill_down` keeps the organs: one row per
organ, one column per year, grouped by place, so a reader goes from a county's cell to its organs.
With ``unit == "organ"`` every function here returns its input as it is, so pages of a corpus
under the threshold do not change.

>>> counts = pl.DataFrame({"organ": ["甲镇", "乙镇", "丙镇"], "city": ["乙市"] * 3, "county": ["甲县", "甲县", "丙县"],
...                        "year": [2023] * 3, "applications": [3, 4, None]})
>>> unit_for(counts, max_organs=2)
'county'
>>> by_place(counts, ["applications"], "county").select("organ", "applications", "reports").rows()
[('乙市甲县', 7, 2)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import polars as pl

from nianbao.analysis.corrections import CORRECTED, listed
from nianbao.fields import LEVEL_ORDER

__all__ = [
    "MAX_ORGANS",
    "UNITS",
    "Unit",
    "by_place",
    "coverage_by_place",
    "drill_down",
    "for_table",
    "keys",
    "labelled",
    "settled",
    "unit_for",
]

Unit = Literal["organ", "county", "city", "province"]
UNITS: tuple[Unit, ...] = ("organ", "county", "city", "province")
MAX_ORGANS = 150  # the notebooks' max_organs: more organs than this and the pages pool by place
_PLACES: dict[Unit, tuple[str, ...]] = {
    "organ": (),
    "county": ("province", "city", "county"),
    "city": ("province", "city"),
    "province": ("province",),
}


def _places(frame: pl.DataFrame, unit: Unit) -> list[str]:
    return [c for c in _PLACES[unit] if c in frame.columns]


def unit_for(frame: pl.DataFrame, max_organs: int = MAX_ORGANS) -> Unit:
    """The finest unit a page can draw: ``organ`` when ``frame`` (rows with ``organ`` and the place
    columns) holds at most ``max_organs`` organs, else ``county``, ``city`` or ``province``, the
    first with at most ``max_organs`` places (``province`` whatever its count).

    >>> f = pl.DataFrame({"organ": ["甲镇", "乙镇"], "province": ["某省"] * 2, "city": ["乙市"] * 2, "county": ["甲县", "丙县"]})
    >>> unit_for(f, 2), unit_for(f, 1)
    ('organ', 'city')
    """
    column = "organ" if "organ" in frame.columns else "organ_label"
    frame = frame.filter(pl.col(column).is_not_null())  # a failed file names no organ, no place
    if frame[column].n_unique() <= max_organs:
        return "organ"
    for unit in UNITS[1:-1]:
        places = _places(frame, unit)
        if places and frame.select(places).unique().height <= max_organs:
            return unit
    return "province"


def keys(unit: Unit, organ_keys: Sequence[str] = ("county", "organ")) -> list[str]:
    """The group keys of a pooled figure: ``organ_keys`` for organs, else the place's columns.

    >>> keys("organ"), keys("city")
    (['county', 'organ'], ['province', 'city'])
    """
    return list(organ_keys) if unit == "organ" else list(_PLACES[unit])


def _label(frame: pl.DataFrame, unit: Unit) -> pl.Expr:
    """A place as a reader writes it: 乙市甲县 for a county (county names repeat across cities)."""
    parts = {"county": ["city", "county"], "city": ["city"], "province": ["province"]}[unit]
    cols = [pl.col(c).cast(pl.String) for c in parts if c in frame.columns]
    if not cols:
        return pl.lit("?")
    return pl.concat_str([c.fill_null("") for c in cols]).replace("", "?")


def settled(frame: pl.DataFrame, unit: Unit) -> pl.DataFrame:
    """``frame`` with each organ's place as its latest report prints it, so a county renamed
    (鸥源县 → 鸥源区, 县改区) pools as one place over the years; unchanged for ``unit == "organ"``.

    >>> f = pl.DataFrame({"organ": ["甲镇", "甲镇"], "city": ["乙市"] * 2, "county": ["鸥源县", "鸥源区"], "year": [2020, 2023]})
    >>> settled(f, "county")["county"].to_list()
    ['鸥源区', '鸥源区']
    """
    if unit == "organ":
        return frame
    key = "organ_id" if "organ_id" in frame.columns else "organ"
    latest = [
        pl.col(c).sort_by("year").drop_nulls().last().over(key).alias(c)
        for c in ("province", "city", "county")
        if c in frame.columns
    ]
    return frame.with_columns(latest)


def labelled(frame: pl.DataFrame, unit: Unit) -> pl.DataFrame:
    """``frame`` pooled by place (:func:`keys`) with ``organ`` set to the place's name, the column
    the charts draw rows by; unchanged for ``unit == "organ"``.

    >>> labelled(pl.DataFrame({"city": ["乙市"], "county": ["甲县"], "share": [0.5]}), "county")["organ"].to_list()
    ['乙市甲县']
    """
    if unit == "organ":
        return frame
    return frame.with_columns(_label(frame, unit).alias("organ"))


def for_table(frame: pl.DataFrame, unit: Unit) -> pl.DataFrame:
    """A frame pooled by place as a table prints it: the place's name first (``place``), the
    place columns it was pooled by left out; unchanged for ``unit == "organ"``.

    >>> pooled = pl.DataFrame({"city": ["乙市"], "county": ["甲县"], "year": [2023], "applications": [7]})
    >>> for_table(pooled, "county").rows(named=True)
    [{'place': '乙市甲县', 'year': 2023, 'applications': 7}]
    """
    if unit == "organ":
        return frame
    named = labelled(frame, unit) if "organ" not in frame.columns else frame
    rest = [c for c in named.columns if c not in ("organ", "province", "city", "county")]
    return named.select(pl.col("organ").alias("place"), *rest)


def by_place(
    frame: pl.DataFrame,
    values: Sequence[str],
    unit: Unit,
    *,
    by: Sequence[str] = ("year",),
    levels: bool = False,
    per_report: bool = False,
) -> pl.DataFrame:
    """The organ rows of ``frame`` (one per report) summed per place and ``by``: what a chart of
    places draws. Unchanged for ``unit == "organ"``.

    Rows with every one of ``values`` null are left out; a sum is null where every pooled value
    is. ``reports`` counts the reports pooled, ``organs`` their organs, ``flagged`` whether any is
    flagged, ``path`` how many files (``N files``); the marks of corrected values
    (``corrected_cells``) are kept as ``organ year: cells``. ``levels`` also keys by
    ``organ_level`` (townships apart from county governments); ``per_report`` divides each sum by
    the reports with that value, to one decimal (the typical report of the place, which a year
    with fewer reports does not pull down).

    >>> f = pl.DataFrame({"organ": ["甲镇", "乙镇", "甲镇"], "city": ["乙市"] * 3, "county": ["甲县"] * 3,
    ...                   "year": [2022, 2022, 2023], "path": ["a", "b", "c"], "v": [3, 5, None]})
    >>> by_place(f, ["v"], "county").select("organ", "year", "v", "reports", "organs", "path").rows()
    [('乙市甲县', 2022, 8, 2, 2, '2 files')]
    >>> by_place(f, ["v"], "county", per_report=True)["v"].to_list()
    [4.0]
    """
    if unit == "organ":
        return frame
    frame = settled(frame, unit)
    places = _places(frame, unit)
    group = [*places, *(["organ_level"] if levels and "organ_level" in frame.columns else []), *by]
    data = frame.filter(pl.any_horizontal([pl.col(v).is_not_null() for v in values]))
    sums = [
        pl.when(pl.col(v).is_not_null().any())
        .then((pl.col(v).sum() / pl.col(v).count()).round(1) if per_report else pl.col(v).sum())
        .alias(v)
        for v in values
    ]
    extra: list[pl.Expr] = []
    if "flagged" in data.columns:
        extra.append(pl.col("flagged").any().alias("flagged"))
    if "path" in data.columns:
        extra.append(pl.format("{} files", pl.col("path").n_unique()).alias("path"))
    if CORRECTED in data.columns:
        who = pl.concat_str([pl.col("organ"), pl.col("year").cast(pl.String)], separator=" ")
        note = pl.concat_str([who, pl.col(CORRECTED)], separator=": ")
        extra.append(listed(note.drop_nulls()).alias(CORRECTED))
    pooled = data.group_by(group).agg(
        *sums, pl.len().alias("reports"), pl.col("organ").n_unique().alias("organs"), *extra
    )
    if CORRECTED in pooled.columns:  # kept only where some value rests on a correction
        pooled = pooled.with_columns(pl.col(CORRECTED).replace("", None))
        pooled = pooled.drop(CORRECTED) if pooled[CORRECTED].is_null().all() else pooled
    return labelled(pooled.sort(group), unit)


def coverage_by_place(coverage: pl.DataFrame, unit: Unit) -> pl.DataFrame:
    """The coverage grid pooled by place (``coverage``: :func:`metrics.coverage`, one row per
    organ-year): per place and year, ``organs`` (the place's organs in the grid, any year),
    ``reports`` (those with a usable report that year: ``ok`` or ``partial``, not failing an
    identity), ``coverage_pct`` (``reports`` / ``organs``, in whole percent) and ``flagged`` (some
    report that year fails an identity). Unchanged for ``unit == "organ"``.

    >>> grid = pl.DataFrame({"organ": ["甲镇", "乙镇", "甲镇"], "city": ["乙市"] * 3, "county": ["甲县"] * 3,
    ...                      "year": [2022, 2022, 2023], "status": ["ok", "flagged", "partial"]})
    >>> coverage_by_place(grid, "county").select("organ", "year", "reports", "organs", "coverage_pct", "flagged").rows()
    [('乙市甲县', 2022, 1, 2, 50, True), ('乙市甲县', 2023, 1, 2, 50, False)]
    """
    if unit == "organ":
        return coverage
    coverage = settled(coverage, unit)
    places = _places(coverage, unit)
    known = coverage.group_by(places).agg(pl.col("organ").n_unique().alias("organs"))
    usable = pl.col("status").is_in(["ok", "partial"])
    per_year = coverage.group_by(*places, "year").agg(
        pl.col("organ").filter(usable).n_unique().alias("reports"),
        (pl.col("status") == "flagged").any().alias("flagged"),
        pl.format("{} files", pl.col("files").sum()).alias("path")
        if "files" in coverage.columns
        else pl.lit(""),
    )
    out = per_year.join(known, on=places, how="left", nulls_equal=True).with_columns(
        (100 * pl.col("reports") / pl.col("organs")).round(0).cast(pl.Int32).alias("coverage_pct")
    )
    return labelled(out.sort(*places, "year"), unit)


def drill_down(frame: pl.DataFrame, value: str, unit: Unit) -> pl.DataFrame:
    """Every organ of ``frame`` with ``value`` per year (one column per year), its place first:
    the organs behind a chart of places, grouped as :func:`by_place` pools them. With
    ``unit == "organ"`` an empty frame (the page's own table lists the organs).

    >>> f = pl.DataFrame({"organ": ["甲镇", "乙镇", "甲镇"], "city": ["乙市"] * 3, "county": ["甲县"] * 3,
    ...                   "organ_level": ["township"] * 3, "year": [2022, 2022, 2023], "v": [3, 5, None]})
    >>> drill_down(f, "v", "county").rows()
    [('乙市甲县', '乙镇', 'township', 5, None), ('乙市甲县', '甲镇', 'township', 3, None)]
    """
    if unit == "organ":
        return pl.DataFrame()
    frame = settled(frame, unit)
    level = ["organ_level"] if "organ_level" in frame.columns else []
    keyed = frame.with_columns(_label(frame, unit).alias("place"), pl.col("year").cast(pl.String))
    cells = keyed.group_by("place", "organ", *level, "year").agg(
        pl.when(pl.col(value).is_not_null().any()).then(pl.col(value).sum()).alias(value)
    )
    years = sorted(y for y in cells["year"].drop_nulls().unique().to_list())
    wide = cells.pivot(on="year", index=["place", "organ", *level], values=value, aggregate_function="first")
    wide = wide.select("place", "organ", *level, *years)
    order = [pl.col("place")]
    if level:
        rank = {lv: i for i, lv in enumerate(LEVEL_ORDER)}
        order.append(
            pl.col("organ_level").cast(pl.String).replace_strict(rank, default=99, return_dtype=pl.Int8)
        )
    return wide.sort([*order, pl.col("organ")])
