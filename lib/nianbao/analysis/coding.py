"""What researchers otherwise code by hand from the reports: coverage gaps, backlog carried into the
next year, whether one year's carried-forward equals the next year's carried-over, denial and
无法提供 rates with their reasons, and year-on-year spikes against peers of the same level.

Spikes and outliers are marked as things to look at, not as errors: a township that received 3
applications one year and 40 the next may be right. Every function takes the frames of
:mod:`nianbao.analysis.metrics` and returns one row per organ-year (or per organ).

>>> f = pl.DataFrame({"organ": ["甲", "甲", "甲"], "organ_id": ["1"] * 3, "year": [2020, 2021, 2023]})
>>> coverage_gaps(f)["missing_years"].to_list(), coverage_gaps(f, [2020, 2024])["missing_years"].to_list()
(['2022'], ['2022, 2024'])
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from nianbao.analysis.metrics import with_peer_group
from nianbao.analysis.stats import wilson_exprs

__all__ = ["carry_over", "coverage_gaps", "reason_counts", "refusal_rates", "spikes"]


def coverage_gaps(reports: pl.DataFrame, years: Sequence[int] | None = None) -> pl.DataFrame:
    """Organs with years missing: per organ, the years between ``years``' first and last (else the
    first and last year of ``reports``) for which no report is in ``reports``.

    Columns: ``organ``, ``first_year``, ``last_year``, ``reports``, ``expected_reports``,
    ``missing_years`` (comma-separated). Organs without a gap are left out.

    >>> reports = pl.DataFrame({"organ": ["甲镇", "甲镇", "乙镇"], "organ_id": ["o1", "o1", "o2"], "year": [2020, 2023, 2023]})
    >>> coverage_gaps(reports).select("organ", "reports", "expected_reports", "missing_years").rows()
    [('乙镇', 1, 4, '2020, 2021, 2022'), ('甲镇', 2, 4, '2021, 2022')]
    """
    key = "organ_id" if "organ_id" in reports.columns else "organ"
    keyed = reports.filter(pl.col(key).is_not_null() & pl.col("year").is_not_null())
    if keyed.is_empty():
        return pl.DataFrame(
            schema={
                "organ": pl.String,
                "first_year": pl.Int32,
                "last_year": pl.Int32,
                "reports": pl.UInt32,
                "expected_reports": pl.Int32,
                "missing_years": pl.String,
            }
        )
    per = keyed.group_by(key).agg(
        pl.col("organ").first(),
        pl.col("year").cast(pl.Int32).unique().sort().alias("_years"),
        pl.col("year").cast(pl.Int32).min().alias("first_year"),
        pl.col("year").cast(pl.Int32).max().alias("last_year"),
    )
    span = list(years) if years else keyed["year"].cast(pl.Int32).to_list()
    per = per.with_columns(first_year=pl.lit(min(span), pl.Int32), last_year=pl.lit(max(span), pl.Int32))
    per = per.with_columns(pl.int_ranges("first_year", pl.col("last_year") + 1).alias("_all"))
    per = per.with_columns(
        pl.col("_all").list.set_difference("_years").list.sort().alias("_missing"),
        pl.col("_years").list.len().alias("reports"),
        (pl.col("last_year") - pl.col("first_year") + 1).alias("expected_reports"),
    )
    return (
        per.filter(pl.col("_missing").list.len() > 0)
        .with_columns(pl.col("_missing").cast(pl.List(pl.String)).list.join(", ").alias("missing_years"))
        .select("organ", "first_year", "last_year", "reports", "expected_reports", "missing_years")
        .sort("organ")
    )


def carry_over(counts: pl.DataFrame, places: Sequence[str] = ("county",)) -> pl.DataFrame:
    """Backlog and the cross-year agreement, per organ and year (``counts``: :func:`metrics.application_counts`).

    ``carried_forward`` is what the report carries into next year (结转下年度继续办理);
    ``previous_forward`` is what the organ's report of the year before carried forward, and
    ``carry_gap`` = ``carried_over`` − ``previous_forward``: 0 when the two reports agree, null when
    the year before has no report (an organ that skipped a year is not compared across two years).
    ``places``: the place columns kept (all three to pool the rows by county or city).

    >>> counts = pl.DataFrame({"organ": ["甲镇"] * 3, "year": [2021, 2022, 2024], "carried_over": [0, 2, 1],
    ...                        "carried_forward": [3, 1, 0], "handled": [5, 6, 4]})
    >>> carry_over(counts).select("year", "carried_over", "previous_forward", "carry_gap").rows()
    [(2021, 0, None, None), (2022, 2, 3, -1), (2024, 1, None, None)]
    """
    key = "organ_id" if "organ_id" in counts.columns else "organ"
    ordered = counts.sort(key, "year")
    prev_year = pl.col("year").shift(1).over(key)
    prev = pl.col("carried_forward").shift(1).over(key)
    keep = [c for c in ("organ", "organ_level", *places, "year", "path", "flagged") if c in counts.columns]
    return ordered.with_columns(
        pl.when(prev_year == pl.col("year") - 1).then(prev).alias("previous_forward")
    ).select(
        *keep,
        "carried_over",
        "previous_forward",
        (pl.col("carried_over") - pl.col("previous_forward")).alias("carry_gap"),
        "carried_forward",
        "handled",
    )


def refusal_rates(counts: pl.DataFrame, by: Sequence[str] = ("organ",), min_n: int = 10) -> pl.DataFrame:
    """不予公开 (denied) and 无法提供 (unable to provide) as shares of applications handled, pooled by
    ``by``, each with a Wilson interval and ``small_n`` (handled < ``min_n``). One row per group.
    Reports whose handled total is unknown are left out of numerator and denominator.

    >>> counts = pl.DataFrame({"organ": ["甲镇", "甲镇", "乙镇"], "handled": [30, 10, 4], "denied": [3, 1, 0], "unable": [6, 2, 1]})
    >>> refusal_rates(counts).select("organ", "handled", "denied_share", "unable_interval", "small_n").rows()
    [('乙镇', 4, 0.0, '4.6%–69.9%', True), ('甲镇', 40, 0.1, '10.5%–34.8%', False)]
    """
    known = counts.filter(pl.col("handled").is_not_null())
    summed = known.group_by(list(by)).agg(
        pl.col("handled").sum(),
        pl.col("denied").sum(),
        pl.col("unable").sum(),
        pl.len().alias("reports"),
    )
    out = summed
    for part in ("denied", "unable"):
        lower, upper = wilson_exprs(pl.col(part), pl.col("handled"))
        out = out.with_columns(
            pl.when(pl.col("handled") > 0).then(pl.col(part) / pl.col("handled")).alias(f"{part}_share"),
            (
                pl.when(lower.is_not_null()).then(
                    (lower * 100).round(1).cast(pl.String)
                    + "%–"
                    + (upper * 100).round(1).cast(pl.String)
                    + "%"
                )
            ).alias(f"{part}_interval"),
        )
    return out.with_columns((pl.col("handled") < min_n).alias("small_n")).sort(list(by))


def reason_counts(applications: pl.DataFrame, reports: pl.DataFrame, group: str = "unable") -> pl.DataFrame:
    """Applications by reason within one outcome group (``unable``: 无法提供, ``denied``: 不予公开),
    total column, summed over ``reports``: ``reason``, ``count``, ``reports`` (printing it).

    >>> apps = pl.DataFrame({"report_id": ["a", "a", "b", "b"], "outcome": ["unable_not_held", "unable_needs_creation"] * 2,
    ...                      "outcome_group": ["unable"] * 4, "applicant": ["total"] * 4, "value": [3, 1, 2, None]})
    >>> reason_counts(apps, pl.DataFrame({"report_id": ["a", "b"]})).rows()
    [('unable_not_held', 5, 2), ('unable_needs_creation', 1, 1)]
    """
    rows = applications.filter(
        (pl.col("outcome_group").cast(pl.String) == group)
        & (pl.col("applicant").cast(pl.String) == "total")
        & pl.col("report_id").is_in(reports["report_id"].implode())
    )
    return (
        rows.group_by(pl.col("outcome").cast(pl.String).alias("reason"))
        .agg(pl.col("value").sum().alias("count"), pl.col("value").is_not_null().sum().alias("reports"))
        .sort("count", "reason", descending=[True, False])
    )


def spikes(frame: pl.DataFrame, value: str, *, factor: float = 3.0, min_value: int = 10) -> pl.DataFrame:
    """Organ-years to look at: ``value`` at least ``factor`` times (or at most 1/``factor`` of) the
    organ's own previous year, or ``factor`` times the median of its peers (same level and place,
    ``peer_group``; at least three organs) that year. Values below ``min_value`` on both sides are
    not marked (3 → 9 applications is noise). ``note`` says which rule marked the row.

    >>> f = pl.DataFrame({"organ": ["甲镇"] * 2, "organ_level": ["township"] * 2, "county": ["丙县"] * 2,
    ...                   "city": ["丁市"] * 2, "province": ["戊省"] * 2, "year": [2022, 2023], "applications": [4, 40]})
    >>> spikes(f, "applications").select("year", "applications", "previous", "note").rows()
    [(2023, 40, 4, '同比 year-on-year ×10.0')]
    """

    key = "organ_id" if "organ_id" in frame.columns else "organ"
    data = frame.filter(pl.col(value).is_not_null())
    if "peer_group" not in data.columns:
        data = with_peer_group(data)
    data = data.sort(key, "year").with_columns(
        pl.when(pl.col("year").shift(1).over(key) == pl.col("year") - 1)
        .then(pl.col(value).shift(1).over(key))
        .alias("previous"),
        pl.col(value).median().over("peer_group", "year").alias("median"),
        pl.col(key).n_unique().over("peer_group", "year").alias("peers"),
    )
    big = pl.max_horizontal(pl.col(value), pl.col("previous").fill_null(0)) >= min_value
    jump = (
        big
        & pl.col("previous").is_not_null()
        & (
            (pl.col(value) >= factor * pl.col("previous").clip(lower_bound=1))
            | (pl.col(value) * factor <= pl.col("previous"))
        )
    )
    median = pl.col("median").clip(lower_bound=1)  # a peer median of 0 is read as 1 (no "× inf")
    outlier = (pl.col("peers") >= 3) & (pl.col(value) >= min_value) & (pl.col(value) >= factor * median)
    notes = pl.concat_str(
        [
            pl.when(jump).then(
                pl.lit("同比 year-on-year ×")
                + (pl.col(value) / pl.col("previous").clip(lower_bound=1)).round(1).cast(pl.String)
            ),
            pl.when(outlier).then(
                pl.lit("同级中位数 peer median ×") + (pl.col(value) / median).round(1).cast(pl.String)
            ),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    keep = [c for c in ("organ", "peer_group", "year", "path") if c in data.columns]
    return (
        data.with_columns(notes.alias("note"))
        .filter(jump | outlier)
        .select(*keep, value, "previous", "median", "note")
        .sort("peer_group", "organ", "year")
    )
