"""Counts pooled over reports, and the shares and rates read from them, each with its interval.

The inputs are the per-report counts of :mod:`nianbao.analysis.metrics` (``application_counts``,
``litigation_counts``), which re-exports every name here, so a notebook still needs one import.
Every share has a Wilson interval and every rate a Poisson score interval (:mod:`nianbao.analysis.stats`),
and ``small_n`` says when its denominator is below ``min_n``. Nulls are skipped in sums; a group
with no value stays null.

>>> OUTCOME_GROUPS
('granted', 'partially_granted', 'denied', 'unable', 'not_processed', 'other')
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from nianbao.analysis.selection import report_keys
from nianbao.analysis.stats import poisson_exprs, wilson_exprs
from nianbao.templates import applicant_keys, outcome_groups

__all__ = [
    "APPLICANTS",
    "OUTCOME_GROUPS",
    "applicant_mix",
    "correction_rates",
    "denial_reasons",
    "outcome_shares",
    "pooled",
    "review_litigation_rates",
]

# From the template files: a new template year is a data change.
OUTCOME_GROUPS = outcome_groups()
APPLICANTS = applicant_keys()


def pooled(counts: pl.DataFrame, by: Sequence[str], columns: Sequence[str]) -> pl.DataFrame:
    """Sum count columns over reports grouped by ``by`` (e.g. ``["county", "year"]``).

    Nulls are skipped; ``reports`` says how many reports a row pools and ``flagged`` whether any of
    them is flagged. A column whose every value in the group is null stays null.

    >>> counts = pl.DataFrame({"county": ["甲县"] * 2, "year": [2023] * 2, "handled": [3, None], "flagged": [False, True]})
    >>> pooled(counts, ["county"], ["handled"]).rows()
    [('甲县', 3, '2023', 2, True)]
    """
    aggs = [
        pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).otherwise(None).alias(c) for c in columns
    ]
    context = []
    if "year" in counts.columns and "year" not in by:
        span = pl.col("year").min().cast(pl.String) + "–" + pl.col("year").max().cast(pl.String)
        context.append(
            pl.when(pl.col("year").min() == pl.col("year").max())
            .then(pl.col("year").min().cast(pl.String))
            .otherwise(span)
            .alias("years")
        )
    if "path" in counts.columns and "path" not in by:
        paths = pl.col("path").drop_nulls().unique().sort()
        context.append(
            pl.when(paths.len() <= 3)
            .then(paths.str.join("; "))
            .otherwise(paths.len().cast(pl.String) + " files")
            .alias("path")
        )
    return (
        counts.group_by(list(by))
        .agg(*aggs, *context, pl.len().alias("reports"), pl.col("flagged").any().alias("flagged"))
        .sort(list(by))
    )


def _long(wide: pl.DataFrame, on: list[str], name: str, value: str) -> pl.DataFrame:
    """Unpivot ``on`` into ``name``/``value``, keeping every other column of ``wide``."""
    return wide.unpivot(
        index=[c for c in wide.columns if c not in on], on=on, variable_name=name, value_name=value
    )


def _with_share(frame: pl.DataFrame, k: str, n: str, min_n: int) -> pl.DataFrame:
    lower, upper = wilson_exprs(pl.col(k), pl.col(n))
    return frame.with_columns(
        pl.when(pl.col(n) > 0).then(pl.col(k) / pl.col(n)).alias("share"),
        lower.alias("lower"),
        upper.alias("upper"),
        (pl.col(n).is_null() | (pl.col(n) < min_n)).alias("small_n"),
    )


def outcome_shares(
    counts: pl.DataFrame, by: Sequence[str] = ("organ", "year"), min_n: int = 10
) -> pl.DataFrame:
    """Share of applications handled in each outcome group, long format, with Wilson intervals.

    ``counts`` is :func:`metrics.application_counts`. Reports whose ``handled`` is unknown are left out of
    the pooled denominator (and their outcomes out of the numerator), so shares are never computed
    over a total nobody printed. Columns: ``by``, ``outcome_group``, ``count``, ``handled``,
    ``share``, ``lower``, ``upper``, ``small_n`` (handled < ``min_n``), ``reports``, ``flagged``.

    >>> counts = pl.DataFrame({"organ": ["甲镇"], "year": [2023], "handled": [4], "flagged": [False]}
    ...                       | {g: [0] for g in OUTCOME_GROUPS} | {"granted": [3], "unable": [1]})
    >>> outcome_shares(counts).filter(pl.col("count") > 0).select("outcome_group", "count", "share", "small_n").rows()
    [('granted', 3, 0.75, True), ('unable', 1, 0.25, True)]
    """
    known = counts.filter(pl.col("handled").is_not_null())
    wide = pooled(known, by, ["handled", *OUTCOME_GROUPS])
    long = _long(wide, list(OUTCOME_GROUPS), "outcome_group", "count")
    order = {g: i for i, g in enumerate(OUTCOME_GROUPS)}
    long = long.with_columns(pl.col("outcome_group").replace_strict(order, return_dtype=pl.Int8).alias("_o"))
    return _with_share(long, "count", "handled", min_n).sort([*by, "_o"]).drop("_o")


def denial_reasons(counts: pl.DataFrame, by: Sequence[str] = ("year",)) -> pl.DataFrame:
    """Denials by reason (the eight 不予公开 rows), pooled by ``by``, with each reason's share of denials.

    >>> counts = pl.DataFrame({"year": [2023] * 2, "denied_state_secret": [1, 0], "denied_process_info": [2, 1], "flagged": [False] * 2})
    >>> denial_reasons(counts).select("reason", "count", "share_of_denied").rows()
    [('denied_process_info', 3, 0.75), ('denied_state_secret', 1, 0.25)]
    """
    reasons = [c for c in counts.columns if c.startswith("denied_")]
    wide = pooled(counts, by, reasons)
    long = _long(wide, reasons, "reason", "count")
    return long.with_columns(
        (pl.col("count") / pl.col("count").sum().over(list(by))).alias("share_of_denied")
    ).sort([*by, "reason"])


def applicant_mix(
    reports: pl.DataFrame, applications: pl.DataFrame, by: Sequence[str] = ("year",), min_n: int = 10
) -> pl.DataFrame:
    """Who applies: new applications by applicant type, pooled by ``by``, with Wilson intervals.

    >>> from nianbao.fields import conform
    >>> reports = conform(pl.DataFrame({"report_id": ["a"], "organ": ["甲镇"], "year": [2023], "proactive_items": [69]}), "reports")
    >>> apps = pl.DataFrame({"report_id": ["a"] * 2, "outcome": ["new_received"] * 2,
    ...                      "applicant": ["natural_person", "commercial_enterprise"], "value": [3, 1]})
    >>> applicant_mix(reports, apps).select("applicant", "count", "share", "small_n").rows()
    [('commercial_enterprise', 1, 0.25, True), ('natural_person', 3, 0.75, True)]
    """
    new = applications.filter(pl.col("outcome").cast(pl.String) == "new_received").with_columns(
        pl.col("applicant").cast(pl.String)
    )
    wide = new.pivot(on="applicant", index="report_id", values="value", aggregate_function="first")
    present = [a for a in APPLICANTS if a in wide.columns]
    counts = report_keys(reports).join(wide.select("report_id", *present), on="report_id", how="inner")
    summed = pooled(counts, by, present)
    long = _long(summed, present, "applicant", "count")
    long = long.with_columns(pl.col("count").sum().over(list(by)).alias("new_received"))
    return _with_share(long, "count", "new_received", min_n).sort([*by, "applicant"])


def review_litigation_rates(
    counts: pl.DataFrame, cases: pl.DataFrame, by: Sequence[str] = ("organ", "year"), min_n: int = 10
) -> pl.DataFrame:
    """Review and litigation cases per 100 applications handled, with Poisson score intervals.

    ``counts`` is :func:`metrics.application_counts`, ``cases`` :func:`metrics.litigation_counts`. Long format:
    ``by``, ``kind`` (review / litigation), ``cases``, ``handled``, ``per_100``, ``lower``,
    ``upper`` (per 100 too), ``small_n`` (handled < ``min_n``), ``reports``, ``flagged``. A rate over
    zero applications handled is null, not infinite.

    >>> counts = pl.DataFrame({"organ": ["甲县"], "year": [2023], "report_id": ["a"], "handled": [200], "flagged": [False]})
    >>> cases = pl.DataFrame({"report_id": ["a"], "review_cases": [4], "litigation_cases": [1]})
    >>> review_litigation_rates(counts, cases).select("kind", "cases", "per_100", "small_n").rows()
    [('review', 4, 2.0, False), ('litigation', 1, 0.5, False)]
    """
    joined = counts.select(*by, "report_id", "handled", "flagged").join(
        cases.select("report_id", "review_cases", "litigation_cases"), on="report_id", how="left"
    )
    joined = joined.filter(pl.col("handled").is_not_null())
    wide = pooled(joined, by, ["handled", "review_cases", "litigation_cases"])
    long = _long(wide, ["review_cases", "litigation_cases"], "kind", "cases").with_columns(
        pl.col("kind").str.replace("_cases", "")
    )
    lower, upper = poisson_exprs(pl.col("cases"), pl.col("handled"))
    return long.with_columns(
        pl.when(pl.col("handled") > 0).then(100 * pl.col("cases") / pl.col("handled")).alias("per_100"),
        (100 * lower).alias("lower"),
        (100 * upper).alias("upper"),
        (pl.col("handled") < min_n).alias("small_n"),
    ).sort([*by, "kind"], descending=[False] * len(by) + [True])


def correction_rates(
    cases: pl.DataFrame, by: Sequence[str] = ("organ", "year"), min_n: int = 5
) -> pl.DataFrame:
    """Share of concluded review / litigation cases whose decision was corrected (纠正), Wilson intervals.

    A high rate means courts and reviewing organs often overturn the organ's disclosure decisions.
    Columns: ``by``, ``kind``, ``corrected``, ``concluded``, ``share``, ``lower``, ``upper``,
    ``small_n`` (concluded < ``min_n``), ``reports``, ``flagged``.

    >>> cases = pl.DataFrame({"organ": ["甲县"], "year": [2023], "review_corrected": [1], "review_concluded": [4],
    ...                       "litigation_corrected": [0], "litigation_concluded": [2], "flagged": [False]})
    >>> correction_rates(cases).select("kind", "corrected", "concluded", "share", "small_n").rows()
    [('review', 1, 4, 0.25, True), ('litigation', 0, 2, 0.0, True)]
    """
    cols = [f"{k}_{m}" for k in ("review", "litigation") for m in ("corrected", "concluded")]
    wide = pooled(cases, by, cols)
    context = [c for c in wide.columns if c not in cols]
    parts = [
        wide.select(
            *context,
            pl.lit(kind).alias("kind"),
            pl.col(f"{kind}_corrected").alias("corrected"),
            pl.col(f"{kind}_concluded").alias("concluded"),
        )
        for kind in ("review", "litigation")
    ]
    return _with_share(pl.concat(parts), "corrected", "concluded", min_n).sort(
        [*by, "kind"], descending=[False] * len(by) + [True]
    )
