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

import polars as pl

from nianbao.frames import Frames

__all__ = ["corrected_reports", "corrections_by_report"]

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


def corrections_by_report(frames: Frames) -> pl.DataFrame:
    """Per report with a correction applied or an error open: the changes and the open errors.

    Columns: ``path``, ``organ``, ``year``, ``corrections_applied``, ``changes`` (``frame/row/column
    printed → new (reason)``, one per correction, ``；``-separated), ``open_errors`` and
    ``open_checks`` (the checks of the open errors). Sorted by path.
    """
    fixes = frames.corrections
    changes = (
        fixes.with_columns(
            pl.format(
                "{}/{}/{} {} → {}{}",
                "frame",
                "row",
                "column",
                _shown("printed"),
                _shown("value"),
                pl.when(pl.col("reason").is_not_null())
                .then(pl.format("（{}）", "reason"))
                .otherwise(pl.lit("")),
            ).alias("_change")
        )
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
    """The report_ids with at least one corrected value (for a chart's tooltip to mark them)."""
    return frames.corrections.get_column("report_id").unique(maintain_order=True)
