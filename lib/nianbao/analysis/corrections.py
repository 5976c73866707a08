"""Corrections applied and errors still open, per report: what a page says about the figures' trail.

A corpus parsed with a corrections file (``nianbao parse --corrections``) carries the ``corrections``
frame; every chart and table already uses the corrected values. :func:`corrections_by_report` lists,
per report, the cells changed (printed → new value, with the reviewer's reason) and the errors still
open after the corrections, so a reader sees which figures rest on a correction and which reports
still break an identity.

>>> from nianbao.fields import FRAME_NAMES, empty_frame
>>> from nianbao.frames import Frames
>>> corrections_by_report(Frames(*(empty_frame(n) for n in FRAME_NAMES))).columns
['path', 'organ', 'year', 'corrections_applied', 'changes', 'open_errors', 'open_checks']
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from nianbao.frames import Frames

__all__ = [
    "CORRECTED",
    "corrected_reports",
    "corrections_by_report",
    "listed",
    "mark_corrected",
    "pool_corrected",
]

CORRECTED = "corrected_cells"  # the column a chart reads to mark a value resting on a correction
_KEYS = ("province", "city", "county", "peer_group", "organ_level", "organ_id", "organ", "year")
_SHOWN = 3  # cells listed in one tooltip before "… (+N)"

_SCHEMA = {
    "path": pl.String,
    "organ": pl.String,
    "year": pl.Int16,
    "corrections_applied": pl.UInt32,
    "changes": pl.String,
    "open_errors": pl.UInt32,
    "open_checks": pl.String,
}


def _shown(col: str) -> pl.Expr:
    """A value as a reader writes it: 11, 0.5, or 空 for null."""
    v = pl.col(col)
    whole = v.cast(pl.Int64, strict=False).cast(pl.String)
    return (
        pl.when(v.is_null()).then(pl.lit("空")).when(v == v.round(0)).then(whole).otherwise(v.cast(pl.String))
    )


def _change() -> pl.Expr:
    """One correction as ``frame/row/column printed → new (reason)``."""
    return pl.format(
        "{}/{}/{} {} → {}{}",
        "frame",
        "row",
        "column",
        _shown("printed"),
        _shown("value"),
        pl.when(pl.col("reason").is_not_null()).then(pl.format("（{}）", "reason")).otherwise(pl.lit("")),
    )


def listed(items: pl.Expr) -> pl.Expr:
    """At most ``_SHOWN`` items, ``；``-separated, then how many more: a tooltip's list of corrected
    cells (here, and where :mod:`nianbao.analysis.rollup` pools them by place).

    >>> f = pl.DataFrame({"k": [1, 1, 1, 1, 2], "c": ["a", "b", "c", "d", "e"]})
    >>> f.group_by("k", maintain_order=True).agg(listed(pl.col("c")))["c"].to_list()
    ['a；b；c … (+1)', 'e']
    """
    more = items.len().cast(pl.Int64) - _SHOWN
    head = items.head(_SHOWN).str.join("；")
    return pl.when(more > 0).then(pl.format("{} … (+{})", head, more)).otherwise(head)


def corrections_by_report(frames: Frames) -> pl.DataFrame:
    """Per report with a correction applied or an error open: the changes and the open errors.

    Columns: ``path``, ``organ``, ``year``, ``corrections_applied``, ``changes`` (``frame/row/column
    printed → new (reason)``, one per correction, ``；``-separated), ``open_errors`` and
    ``open_checks`` (the checks of the open errors). Sorted by path.

    >>> from nianbao.fields import FRAME_NAMES, empty_frame
    >>> empty = {n: empty_frame(n) for n in FRAME_NAMES}
    >>> empty["reports"] = pl.DataFrame({"report_id": ["r1", "r2", "r3"], "path": ["a.txt", "b.txt", "c.txt"],
    ...     "organ": ["甲镇", "乙镇", "丙镇"], "year": [2023, 2023, 2023], "status": ["ok", "ok", "ok"]})
    >>> empty["checks"] = pl.DataFrame({"report_id": ["r2", "r2", "r3"], "severity": ["error", "error", "info"],
    ...     "check": ["row_sum", "total_mismatch", "corrected"]})
    >>> fix = pl.DataFrame({"report_id": ["r1"], "frame": ["applications"], "row": ["new_received"],
    ...     "column": ["total"], "printed": [0.0], "value": [11.0], "reason": ["表内合计"]})
    >>> out = corrections_by_report(Frames(**empty, corrections=fix))
    >>> out.select("path", "corrections_applied", "open_errors").rows()
    [('a.txt', 1, 0), ('b.txt', 0, 2)]
    >>> out["changes"].to_list(), out["open_checks"].to_list()
    (['applications/new_received/total 0 → 11（表内合计）', None], [None, 'row_sum、total_mismatch'])
    """
    fixes = frames.corrections
    changes = (
        fixes.with_columns(_change().alias("_change"))
        .group_by("report_id", maintain_order=True)
        .agg(pl.len().alias("corrections_applied"), pl.col("_change").str.join("；").alias("changes"))
    )
    errors = (
        frames.checks.filter(pl.col("severity") == "error", ~pl.col("check").str.starts_with("correction_"))
        .group_by("report_id", maintain_order=True)
        .agg(
            pl.len().alias("open_errors"),
            pl.col("check").unique(maintain_order=True).str.join("、").alias("open_checks"),
        )
    )
    reports = frames.reports.filter(pl.col("status") != "duplicate").select(
        "report_id", "path", "organ", "year"
    )
    out = (
        reports.join(changes, on="report_id", how="left")
        .join(errors, on="report_id", how="left")
        .filter(pl.col("corrections_applied").is_not_null() | pl.col("open_errors").is_not_null())
        .with_columns(pl.col("corrections_applied", "open_errors").fill_null(0))
        .sort("path")
    )
    return out.select(list(_SCHEMA)).cast(_SCHEMA)  # type: ignore[arg-type]


def corrected_reports(frames: Frames) -> pl.Series:
    """The report_ids with at least one corrected value (for a chart's tooltip to mark them).

    >>> from nianbao.fields import FRAME_NAMES, empty_frame
    >>> fix = pl.DataFrame({"report_id": ["r1", "r1", "r4"], "frame": ["applications"] * 3})
    >>> corrected_reports(Frames(*(empty_frame(n) for n in FRAME_NAMES), corrections=fix)).to_list()
    ['r1', 'r4']
    """
    return frames.corrections.get_column("report_id").unique(maintain_order=True)


def mark_corrected(frame: pl.DataFrame, frames: Frames, *, only: Sequence[str] | None = None) -> pl.DataFrame:
    """``frame`` (one row per report, with ``report_id``) with :data:`CORRECTED`: the cells of that
    report a correction changed (``frame/row/column printed → new (reason)``), null where none did.

    ``only`` keeps the corrections of those frames (``applications``, ``reports``, …): a chart of
    applications does not rest on a corrected litigation cell. The charts show the column as a
    tooltip line 「含人工更正」 / "includes a reviewer's correction" on those marks only.

    >>> from nianbao.fields import FRAME_NAMES, empty_frame
    >>> fix = pl.DataFrame({"report_id": ["r1"], "frame": ["applications"], "row": ["new_received"],
    ...     "column": ["total"], "printed": [0.0], "value": [11.0], "reason": ["表内合计"]})
    >>> f = Frames(*(empty_frame(n) for n in FRAME_NAMES), corrections=fix)
    >>> counts = pl.DataFrame({"report_id": ["r1", "r2"], "applications": [11, 5]})
    >>> mark_corrected(counts, f)[CORRECTED].to_list()
    ['applications/new_received/total 0 → 11（表内合计）', None]
    >>> mark_corrected(counts, f, only=["litigation"])[CORRECTED].to_list()
    [None, None]
    """
    fixes = frames.corrections
    if only is not None:
        fixes = fixes.filter(pl.col("frame").is_in(list(only)))
    notes = (
        fixes.with_columns(_change().alias("_change"))
        .group_by("report_id", maintain_order=True)
        .agg(listed(pl.col("_change")).alias(CORRECTED))
    )
    return frame.drop(CORRECTED, strict=False).join(notes, on="report_id", how="left")


def pool_corrected(pooled: pl.DataFrame, *marked: pl.DataFrame) -> pl.DataFrame:
    """``pooled`` (a frame pooled over reports, e.g. :func:`metrics.outcome_shares`) with
    :data:`CORRECTED`: for each row, the corrected cells of the reports it pools (``organ year:
    cells``), from the per-report frames ``marked`` by :func:`mark_corrected`.

    A row's reports are those of ``marked`` with the same keys (``organ``, ``year``, ``county``, …:
    the keys both frames have); a frame pooled over every report has none, and each row gets all.

    >>> marked = pl.DataFrame({"organ": ["甲镇", "乙镇"], "year": [2023, 2023],
    ...     CORRECTED: ["applications/new_received/total 0 → 11", None]})
    >>> shares = pl.DataFrame({"organ": ["甲镇", "乙镇"], "share": [0.5, 0.25]})
    >>> pool_corrected(shares, marked)[CORRECTED].to_list()
    ['甲镇 2023: applications/new_received/total 0 → 11', None]
    """
    parts = []
    for source in marked:
        keys = [k for k in _KEYS if k in pooled.columns and k in source.columns]
        who = [pl.col(c).cast(pl.String) for c in ("organ", "year") if c in source.columns]
        note = pl.concat_str([pl.concat_str(who, separator=" "), pl.col(CORRECTED)], separator=": ")
        part = source.filter(pl.col(CORRECTED).is_not_null()).select(
            *keys, (note if who else pl.col(CORRECTED)).alias("_note")
        )
        parts.append((keys, part))
    out = pooled.drop(CORRECTED, strict=False).with_row_index("_row")
    notes = []
    for keys, part in parts:
        joined = (
            out.select("_row", *keys).join(part, on=keys, how="inner")
            if keys
            else (out.select("_row").join(part, how="cross"))
        )
        notes.append(joined.select("_row", "_note"))
    if not notes:
        return pooled.with_columns(pl.lit(None, pl.String).alias(CORRECTED))
    every = (
        pl.concat(notes)
        .unique(maintain_order=True)
        .group_by("_row", maintain_order=True)
        .agg(listed(pl.col("_note")).alias(CORRECTED))
    )
    return out.join(every, on="_row", how="left").sort("_row").drop("_row")
