"""Statistics that keep small numbers honest: intervals, peer bands, ranks and year-on-year change.

Generic over any polars frame; :mod:`nianbao.analysis.metrics` applies them to the contract frames.

>>> [round(x, 3) for x in wilson_interval(5, 10)]
[0.237, 0.763]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

__all__ = [
    "Z95",
    "median_band",
    "poisson_exprs",
    "poisson_interval",
    "rank_within",
    "wilson_exprs",
    "wilson_interval",
    "year_on_year",
]

Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """Wilson score interval for a proportion; ``(None, None)`` when ``n`` is 0.

    Unlike the normal approximation it stays inside [0, 1] and does not collapse to a point at
    0 % or 100 %, which is what makes small townships comparable with large ones.

    >>> [round(x, 4) for x in wilson_interval(0, 4)]
    [0.0, 0.4899]
    """
    if n <= 0:
        return None, None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == n else min(1.0, centre + half)
    return lower, upper


def wilson_exprs(k: pl.Expr, n: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """:func:`wilson_interval` as polars expressions (lower, upper); null where ``n`` is 0 or null.

    >>> lower, upper = wilson_exprs(pl.col("k"), pl.col("n"))
    >>> pl.DataFrame({"k": [5, 0], "n": [10, 0]}).select(lower.round(3).alias("lo"), upper.round(3).alias("hi")).rows()
    [(0.237, 0.763), (None, None)]
    """
    kf, nf = k.cast(pl.Float64), n.cast(pl.Float64)
    p = kf / nf
    denom = 1 + z * z / nf
    centre = (p + z * z / (2 * nf)) / denom
    half = z * (p * (1 - p) / nf + z * z / (4 * nf * nf)).sqrt() / denom
    valid = nf > 0
    # at k = 0 (k = n) the bound is exactly 0 (1); rounding would otherwise leave 1e-17
    lower = (
        pl.when(valid & (kf == 0)).then(0.0).when(valid).then(pl.max_horizontal(centre - half, pl.lit(0.0)))
    )
    upper = (
        pl.when(valid & (kf == nf)).then(1.0).when(valid).then(pl.min_horizontal(centre + half, pl.lit(1.0)))
    )
    return lower, upper


def poisson_interval(count: int, exposure: float, z: float = Z95) -> tuple[float | None, float | None]:
    """Score interval for a rate ``count / exposure`` (cases per application handled).

    Review and litigation cases can outnumber the year's applications (they may concern last year's
    decisions), so a proportion interval does not fit; the Poisson score interval does.

    >>> [round(x, 3) for x in poisson_interval(4, 100)]
    [0.016, 0.103]
    """
    if exposure <= 0:
        return None, None
    root = z * math.sqrt(count + z * z / 4)
    centre = count + z * z / 2
    return max(0.0, (centre - root) / exposure), (centre + root) / exposure


def poisson_exprs(k: pl.Expr, n: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """:func:`poisson_interval` as polars expressions (lower, upper); null where ``n`` is 0 or null.

    >>> lower, upper = poisson_exprs(pl.col("k"), pl.col("n"))
    >>> pl.DataFrame({"k": [4, 3], "n": [100, 0]}).select(lower.round(3).alias("lo"), upper.round(3).alias("hi")).rows()
    [(0.016, 0.103), (None, None)]
    """
    kf, nf = k.cast(pl.Float64), n.cast(pl.Float64)
    root = z * (kf + z * z / 4).sqrt()
    centre = kf + z * z / 2
    valid = nf > 0
    return (
        pl.when(valid).then(pl.max_horizontal((centre - root) / nf, pl.lit(0.0))),
        pl.when(valid).then((centre + root) / nf),
    )


def median_band(frame: pl.DataFrame, value: str, by: Sequence[str] = ("year",)) -> pl.DataFrame:
    """Median and interquartile range of ``value`` across organs, per ``by`` (the peers' band).

    >>> df = pl.DataFrame({"year": [1, 1, 1, 1], "v": [1, 2, 3, None]})
    >>> median_band(df, "v").row(0)
    (1, 2.0, 1.5, 2.5, 3)
    """
    return (
        frame.filter(pl.col(value).is_not_null())
        .group_by(list(by))
        .agg(
            pl.col(value).median().alias("median"),
            pl.col(value).quantile(0.25, interpolation="linear").alias("q1"),
            pl.col(value).quantile(0.75, interpolation="linear").alias("q3"),
            pl.len().alias("organs"),
        )
        .sort(list(by))
    )


def year_on_year(
    frame: pl.DataFrame, value: str, keys: Sequence[str] = ("organ",), year: str = "year"
) -> pl.DataFrame:
    """Add ``previous`` (the value one year earlier), ``change`` and ``pct_change``.

    Only the immediately preceding year counts: an organ that skipped a year gets null, not a change
    over two years labelled as one. ``pct_change`` is null when the previous value is 0 or null.

    >>> df = pl.DataFrame({"organ": ["甲"] * 4, "year": [2020, 2021, 2022, 2024], "v": [0, 10, 15, 30]})
    >>> year_on_year(df, "v").select("previous", "change", "pct_change").rows()
    [(None, None, None), (0, 10, None), (10, 5, 0.5), (None, None, None)]
    """
    ordered = frame.sort([*keys, year])
    prev_value = pl.col(value).shift(1).over(list(keys))
    prev_year = pl.col(year).shift(1).over(list(keys))
    consecutive = prev_year == pl.col(year) - 1
    return ordered.with_columns(pl.when(consecutive).then(prev_value).alias("previous")).with_columns(
        (pl.col(value) - pl.col("previous")).alias("change"),
        pl.when(pl.col("previous") != 0)
        .then((pl.col(value) - pl.col("previous")) / pl.col("previous"))
        .alias("pct_change"),
    )


def rank_within(
    frame: pl.DataFrame,
    value: str,
    within: Sequence[str] = ("county", "year"),
    *,
    descending: bool = True,
    n: str | None = None,
    min_n: int = 0,
) -> pl.DataFrame:
    """Rank rows among peers (``within``, e.g. same county and year); 1 is the highest by default.

    Rows whose ``n`` column is below ``min_n`` (or whose value is null) get no rank and do not push
    others down: ``rank`` is null and ``peers`` counts only ranked rows.

    >>> df = pl.DataFrame({"county": ["a"] * 3, "year": [1] * 3, "v": [0.5, 1.0, 0.2], "n": [50, 2, 40]})
    >>> rank_within(df, "v", n="n", min_n=10)["rank"].to_list()
    [1, None, 2]
    """
    rankable = pl.col(value).is_not_null()
    if n is not None:
        rankable = rankable & (pl.col(n) >= min_n)
    score = pl.when(rankable).then(pl.col(value))
    return frame.with_columns(
        score.rank(method="min", descending=descending).over(list(within)).cast(pl.Int32).alias("rank"),
        rankable.sum().over(list(within)).cast(pl.Int32).alias("peers"),
    )
