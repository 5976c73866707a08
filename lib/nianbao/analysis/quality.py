"""What a corpus holds and how well it was read: files by status, checks, coverage, and every report
a reader should know is missing, flagged or partly read (page 00).

>>> import polars as pl
>>> from nianbao.fields import empty_frame
>>> problem_reports(empty_frame("reports"), empty_frame("checks")).columns[:4]
['path', 'organ', 'year', 'status']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from nianbao.analysis.selection import ORGAN_LABEL, with_organ_label

if TYPE_CHECKING:
    from nianbao.analysis.selection import Frames

__all__ = ["check_summary", "corpus_summary", "coverage", "failed_files", "problem_reports", "status_counts"]


def status_counts(reports: pl.DataFrame) -> pl.DataFrame:
    """Files per status and format.

    >>> status_counts(pl.DataFrame({"status": ["ok", "ok", "failed"], "format": ["pdf", "pdf", "txt"]})).rows()
    [('failed', 'txt', 1), ('ok', 'pdf', 2)]
    """
    return (
        reports.group_by(pl.col("status").cast(pl.String), pl.col("format").cast(pl.String))
        .agg(pl.len().alias("files"))
        .sort("status", "format")
    )


def check_summary(checks: pl.DataFrame, reports: pl.DataFrame) -> pl.DataFrame:
    """Checks by name and severity: how many fired and in how many reports.

    >>> checks = pl.DataFrame({"report_id": ["a", "b", "b", "b"], "severity": ["warning"] * 3 + ["error"],
    ...                        "check": ["blank_cells"] * 3 + ["outcome_sum"]})
    >>> check_summary(checks, pl.DataFrame({"report_id": ["a", "b"]})).rows()
    [('blank_cells', 'warning', 3, 2), ('outcome_sum', 'error', 1, 1)]
    """
    joined = checks.join(reports.select("report_id"), on="report_id", how="semi")
    return (
        joined.group_by("check", pl.col("severity").cast(pl.String))
        .agg(pl.len().alias("checks"), pl.col("report_id").n_unique().alias("reports"))
        .sort("severity", "checks", descending=[True, True])
    )


def coverage(reports: pl.DataFrame, checks: pl.DataFrame | None = None) -> pl.DataFrame:
    """Organ × year: how many files, and the best status among them (ok > partial > others).

    With ``checks``, a usable report failing a template identity (a check of severity error) has
    status ``flagged``: the later pages leave it out, so the grid must not show it as fine.

    >>> from nianbao.fields import conform
    >>> reports = conform(pl.DataFrame({"report_id": ["a", "b", "c"], "organ": ["甲镇"] * 3, "organ_id": ["o1"] * 3,
    ...                                 "year": [2022, 2023, 2023], "status": ["ok", "ok", "duplicate"]}), "reports")
    >>> coverage(reports, pl.DataFrame({"report_id": ["b"], "severity": ["error"]})).select("year", "files", "status").rows()
    [(2022, 1, 'ok'), (2023, 2, 'flagged')]
    """
    rank = {"ok": 0, "partial": 1, "flagged": 2, "duplicate": 3, "failed": 4, "not_a_report": 5}
    status = pl.col("status").cast(pl.String)
    if checks is not None:
        errors = checks.filter(pl.col("severity") == "error")["report_id"].unique().implode()
        usable = status.is_in(["ok", "partial"])
        status = pl.when(usable & pl.col("report_id").is_in(errors)).then(pl.lit("flagged")).otherwise(status)
    labelled = reports if ORGAN_LABEL in reports.columns else with_organ_label(reports)
    keyed = labelled.filter(pl.col("organ_id").is_not_null() & pl.col("year").is_not_null()).with_columns(
        status.alias("_status"), pl.col(ORGAN_LABEL).alias("organ")
    )
    keyed = keyed.with_columns(pl.col("_status").replace_strict(rank, return_dtype=pl.Int8).alias("_r"))
    return (
        keyed.sort("_r")
        .group_by(
            "organ",
            pl.col("organ_level").cast(pl.String),
            "province",
            "city",
            "county",
            pl.col("year").cast(pl.Int32),
        )
        .agg(
            pl.len().alias("files"),
            pl.col("_status").first().alias("status"),
            pl.col("path").first().alias("path"),
        )
        .sort("organ", "year")
    )


def failed_files(reports: pl.DataFrame) -> pl.DataFrame:
    """Files that yielded no figures (failed, not a report), with the reason, for a reader to follow up.

    >>> reports = pl.DataFrame({"path": ["a.pdf", "b.txt"], "status": ["ok", "failed"], "error": [None, "the file is empty"]})
    >>> failed_files(reports).rows()
    [('b.txt', 'failed', 'the file is empty')]
    """
    unusable = pl.col("status").cast(pl.String).is_in(["failed", "not_a_report"])
    return reports.filter(unusable).select("path", pl.col("status").cast(pl.String), "error").sort("path")


def corpus_summary(frames: Frames) -> dict[str, Any]:
    """Headline figures of a corpus for the report index: files, statuses, organs, years, checks.

    >>> from nianbao.analysis.selection import from_frames
    >>> from nianbao.fields import FRAME_NAMES
    >>> reports = pl.DataFrame({"report_id": ["a", "b"], "organ_id": ["o1", "o1"], "year": [2022, 2023], "status": ["ok", "ok"]})
    >>> corpus_summary(from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": reports}))
    {'files': 2, 'by_status': {'ok': 2}, 'organs': 1, 'years': (2022, 2023), 'checks_by_severity': {}, 'flagged_reports': 0}
    """
    reports, checks = frames.reports, frames.checks
    years = reports["year"].drop_nulls()
    by_status = dict(status_counts(reports).group_by("status").agg(pl.col("files").sum()).iter_rows())
    by_severity = {
        str(s): n
        for s, n in checks.group_by(pl.col("severity").cast(pl.String))
        .agg(pl.len())
        .sort("severity")
        .iter_rows()
    }
    flagged = checks.filter(pl.col("severity") == "error")["report_id"].n_unique()
    return {
        "files": reports.height,
        "by_status": dict(sorted(by_status.items())),
        "organs": reports["organ_id"].drop_nulls().n_unique(),
        "years": (int(years.min()), int(years.max())) if years.len() else None,  # type: ignore[arg-type]
        "checks_by_severity": by_severity,
        "flagged_reports": flagged,
    }


def problem_reports(reports: pl.DataFrame, checks: pl.DataFrame) -> pl.DataFrame:
    """Every report that failed, is not a report, is partly read or fails an identity, with why.

    One row per file: ``path``, ``organ``, ``year``, ``status`` (``flagged`` for a usable report
    failing an identity), ``checks`` (how many errors and warnings) and ``messages``: each error and
    warning message as the check wrote it (in Chinese, naming the table, row and column), joined
    by "；". Failed files give their reason. Sorted by status, then organ and year.

    >>> reports = pl.DataFrame({"report_id": ["a", "b", "c"], "path": ["a.pdf", "b.pdf", "c.txt"], "organ": ["甲镇", "乙镇", None],
    ...                         "year": [2023, 2023, None], "status": ["ok", "ok", "failed"], "error": [None, None, "the file is empty"]})
    >>> checks = pl.DataFrame({"report_id": ["b"], "severity": ["error"], "message": ["表三 办理结果之和≠总计"]})
    >>> problem_reports(reports, checks).rows()
    [('c.txt', None, None, 'failed', 0, 'the file is empty'), ('b.pdf', '乙镇', 2023, 'flagged', 1, '表三 办理结果之和≠总计')]
    """
    errors = checks.filter(pl.col("severity").cast(pl.String).is_in(["error", "warning"]))
    said = errors.group_by("report_id").agg(
        (pl.col("severity").cast(pl.String) == "error").any().alias("_error"),
        pl.len().alias("checks"),
        pl.col("message").drop_nulls().unique(maintain_order=True).str.join("；").alias("messages"),
    )
    status = pl.col("status").cast(pl.String)
    joined = reports.join(said, on="report_id", how="left")
    shown = (
        pl.when(status.is_in(["ok", "partial"]) & pl.col("_error").fill_null(False))
        .then(pl.lit("flagged"))
        .otherwise(status)
    )
    order = {"failed": 0, "not_a_report": 1, "flagged": 2, "partial": 3, "ok": 4, "duplicate": 5}
    out = joined.with_columns(shown.alias("status")).filter(
        pl.col("status").is_in(["failed", "not_a_report", "flagged", "partial"])
    )
    return (
        out.with_columns(
            pl.coalesce(pl.col("messages"), pl.col("error")).alias("messages"),
            pl.col("checks").fill_null(0),
            pl.col("status").replace_strict(order, return_dtype=pl.Int8).alias("_o"),
        )
        .sort("_o", "organ", "year", "path", nulls_last=True)
        .select("path", "organ", "year", "status", "checks", "messages")
    )
