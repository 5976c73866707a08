"""Comparable figures from the five frames: volumes, outcome shares, rates, ranks, peers.

Loading and selecting reports live in :mod:`nianbao.analysis.selection` (re-exported here, so notebooks need
``import nianbao.analysis.metrics as m`` only).

Every function here is small and pure: polars frames in, a polars frame out, one row per organ-year
(or per pooled group) with the counts a reader needs to judge the figure. Three habits run through:

* **Nulls stay null.** A blank or missing cell is not 0; a share whose denominator is unknown is null.
* **Small numbers are flagged, not ranked.** Shares carry a Wilson interval and rates a Poisson score
  interval, and every figure has ``small_n`` (its denominator is below ``min_n``); :func:`rank_within`
  ranks only figures with enough cases, so 0 % and 100 % from two applications do not top a table.
* **Broken reports are visible.** :func:`select` marks reports that fail a template identity (a check of
  severity ``error``) in a ``flagged`` column, or drops them when ``include_flagged`` is false.

>>> wilson_interval(0, 0)
(None, None)
>>> [round(x, 3) for x in wilson_interval(5, 10)]
[0.237, 0.763]
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import polars as pl

from nianbao.analysis.quality import (
    check_summary,
    corpus_summary,
    coverage,
    failed_files,
    problem_reports,
    status_counts,
)
from nianbao.analysis.rates import (
    APPLICANTS,
    OUTCOME_GROUPS,
    applicant_mix,
    correction_rates,
    denial_reasons,
    outcome_shares,
    pooled,
    review_litigation_rates,
)
from nianbao.analysis.selection import (
    ORGAN_LABEL,
    REPORT_KEYS,
    Frames,
    from_frames,
    load,
    report_keys,
    restrict,
    select,
    selection_summary,
    with_organ_label,
)
from nianbao.analysis.stats import (
    median_band,
    poisson_interval,
    rank_within,
    wilson_exprs,
    wilson_interval,
    year_on_year,
)
from nianbao.errors import NianbaoError
from nianbao.templates import measures_meaning

__all__ = [
    "OUTCOME_GROUPS",
    "PEER_PLACE",
    "REPORT_KEYS",
    "Frames",
    "applicant_mix",
    "application_counts",
    "check_summary",
    "checks_of",
    "corpus_summary",
    "correction_rates",
    "coverage",
    "default_organ",
    "denial_reasons",
    "failed_files",
    "from_frames",
    "litigation_counts",
    "load",
    "median_band",
    "outcome_shares",
    "peers_of",
    "poisson_interval",
    "pooled",
    "proactive_volume",
    "problem_reports",
    "rank_within",
    "restrict",
    "review_litigation_rates",
    "select",
    "selection_summary",
    "status_counts",
    "subject_of",
    "wilson_exprs",
    "wilson_interval",
    "with_peer_group",
    "year_on_year",
]

# Table 2 measures of every template that count documents issued / in force (their `means`).
_ISSUED = measures_meaning("issued")
_IN_FORCE = measures_meaning("in_force")


# The place whose organs of the same level are an organ's peers: a township's or a county department's
# county, a county government's city (one county government per county), a city's province.
PEER_PLACE: dict[str, tuple[str, ...]] = {
    "township": ("county", "city"),
    "county_department": ("county", "city"),
    "county": ("city", "province"),
    "city_department": ("city", "province"),
    "city": ("province",),
    "province_department": ("province",),
    "province": (),
    "other": ("county", "city", "province"),
}


def _peer_key(reports: pl.DataFrame) -> pl.Expr:
    """Per report, the level and the place that :func:`peers_of` groups peers by (null: no place known)."""
    place = pl.lit(None, pl.String)
    for level, columns in PEER_PLACE.items():
        where = pl.coalesce([pl.col(c) for c in columns]) if columns else pl.lit("")
        place = pl.when(pl.col("organ_level").cast(pl.String) == level).then(where).otherwise(place)
    return pl.concat_str([pl.col("organ_level").cast(pl.String), place], separator="/")


def with_peer_group(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``peer_group``: the organ's level and the place its peers share (see :data:`PEER_PLACE`).

    Rank, median and band only within it (``within=["peer_group", "year"]``): a township is then
    compared with the townships of its county, never with the county government above it.

    >>> f = pl.DataFrame({"organ_level": ["township", "county"], "county": ["甲县", "甲县"],
    ...                   "city": ["乙市", "乙市"], "province": ["丙省", "丙省"]})
    >>> with_peer_group(f)["peer_group"].to_list()
    ['township/甲县', 'county/乙市']
    """
    return frame.with_columns(_peer_key(frame).alias("peer_group"))


def _labelled(reports: pl.DataFrame) -> pl.DataFrame:
    """``reports`` with ``organ_label`` (frames from :func:`from_frames` have it already)."""
    return reports if ORGAN_LABEL in reports.columns else with_organ_label(reports)


def peers_of(frames: Frames, organ: str) -> Frames:
    """Reports of ``organ`` and of its peers: organs of the same level in the place above them.

    ``organ`` is an organ's label (:func:`subject_of`), its ``organ_id`` or a name it printed; all
    its reports are the subject, whatever name each printed. Townships and county departments are
    compared within their county, county governments within their city, city governments within
    their province (:data:`PEER_PLACE`); where that place is unknown the next one up is used.
    ``reports`` gains a boolean ``is_subject``. An organ not in ``frames`` gives empty frames.

    >>> from nianbao.fields import FRAME_NAMES
    >>> r = pl.DataFrame({"report_id": ["a", "b", "c", "d"], "organ": ["甲镇", "甲镇", "乙镇", "丙镇"], "organ_id": ["o1", "o1", "o2", "o3"],
    ...                   "organ_level": ["township"] * 4, "county": ["丁县"] * 3 + ["戊县"], "year": [2022, 2023, 2023, 2023]})
    >>> f = from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": r})
    >>> peers_of(f, "乙镇").reports.select("organ", "is_subject").rows()
    [('甲镇', False), ('甲镇', False), ('乙镇', True)]
    """
    labelled = _labelled(frames.reports)
    reports = labelled.with_columns(_peer_key(labelled).alias("_peers"))
    ids = _ids_of(reports, organ)
    subject = pl.col("organ_id").is_in(ids)
    own = reports.filter(subject)
    if own.is_empty():
        return restrict(frames, labelled.clear().with_columns(is_subject=pl.lit(False)))
    key = own["_peers"][0]
    same = (pl.col("_peers") == key) if key is not None else pl.lit(False)
    peers = reports.filter(same | subject).drop("_peers")
    return restrict(frames, peers.with_columns(is_subject=subject))


def _ids_of(reports: pl.DataFrame, organ: str) -> list[str]:
    """The organ_id(s) meant by a label, an id or a printed name."""
    hit = reports.filter(
        (pl.col(ORGAN_LABEL) == organ) | (pl.col("organ_id") == organ) | (pl.col("organ") == organ)
    )
    return hit["organ_id"].drop_nulls().unique().to_list()


def default_organ(frames: Frames) -> str | None:
    """A sensible subject for a profile (its label): the organ with the most reports, then the most
    peers (a county government alone in its county is a poor first example), then the most
    applications handled (a profile of none shows empty charts), then the first by name.

    >>> from nianbao.fields import FRAME_NAMES
    >>> r = pl.DataFrame({"report_id": ["a", "b", "c", "d"], "organ": ["甲镇", "甲镇", "乙镇", "丙镇"], "organ_id": ["o1", "o1", "o2", "o3"],
    ...                   "organ_level": ["township"] * 4, "county": ["丁县"] * 3 + ["戊县"], "year": [2022, 2023, 2023, 2023]})
    >>> f = from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": r})
    >>> default_organ(f)
    '甲镇'
    """
    reports = _labelled(frames.reports).filter(pl.col("organ_id").is_not_null())
    if reports.is_empty():
        return None
    handled = application_counts(reports, frames.applications).select("report_id", "handled")
    counted = (
        reports.with_columns(_peer_key(reports).alias("_peers"))
        .with_columns(pl.col("organ_id").n_unique().over("_peers").alias("peers"))
        .join(handled, on="report_id", how="left")
        .group_by(ORGAN_LABEL)
        .agg(pl.len().alias("n"), pl.col("peers").max(), pl.col("handled").sum())
    )
    ranked = counted.sort(
        ["n", "peers", "handled", ORGAN_LABEL], descending=[True, True, True, False], nulls_last=True
    )
    return str(ranked[ORGAN_LABEL][0])


def subject_of(frames: Frames, organ: str | None = None) -> str | None:
    """The organ a profile shows, as its label: ``organ`` (a label, an ``organ_id`` or any name the
    organ printed) when the selection has it, :func:`default_organ` when None.

    A name the selection does not hold raises :class:`~nianbao.errors.NianbaoError` listing the
    closest names, rather than drawing a profile of nothing (or of some other organ).

    >>> from nianbao.fields import FRAME_NAMES
    >>> r = pl.DataFrame({"report_id": ["a", "b", "c", "d"], "organ": ["甲镇", "甲镇", "乙镇", "丙镇"], "organ_id": ["o1", "o1", "o2", "o3"],
    ...                   "organ_level": ["township"] * 4, "county": ["丁县"] * 3 + ["戊县"], "year": [2022, 2023, 2023, 2023]})
    >>> f = from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": r})
    >>> subject_of(f), subject_of(f, "o2"), subject_of(f, "乙镇")
    ('甲镇', '乙镇', '乙镇')
    """
    if organ is None or organ == "":
        return default_organ(frames)
    reports = _labelled(frames.reports)
    ids = _ids_of(reports, organ)
    if len(ids) == 1:
        return str(reports.filter(pl.col("organ_id") == ids[0])[ORGAN_LABEL][0])
    names = reports[ORGAN_LABEL].drop_nulls().unique().to_list()
    if len(ids) > 1:
        raise NianbaoError(f"{organ!r} names several organs in this selection; pick one of its labels")
    close = difflib.get_close_matches(organ, names, n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; it holds {len(names)} organs"
    raise NianbaoError(f"organ {organ!r} has no report in this selection (years, place, level){hint}")


def checks_of(frames: Frames, organ: str | None = None) -> pl.DataFrame:
    """Checks raised on the selected reports (of one organ when given), with the file and year.

    >>> from nianbao.fields import FRAME_NAMES
    >>> r = pl.DataFrame({"report_id": ["a", "b", "c", "d"], "organ": ["甲镇", "甲镇", "乙镇", "丙镇"], "organ_id": ["o1", "o1", "o2", "o3"],
    ...                   "organ_level": ["township"] * 4, "county": ["丁县"] * 3 + ["戊县"], "year": [2022, 2023, 2023, 2023]})
    >>> checks = pl.DataFrame({"report_id": ["b"], "check": ["blank_cells"], "severity": ["warning"], "message": ["表三 空白单元格"]})
    >>> f = from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": r, "checks": checks})
    >>> checks_of(f, "甲镇").rows()
    [('甲镇', 2023, None, 'blank_cells', 'warning', None, '表三 空白单元格')]
    """
    reports = _labelled(frames.reports)
    if organ is not None:
        reports = reports.filter(pl.col("organ_id").is_in(_ids_of(reports, organ)))
    return (
        frames.checks.join(
            reports.select("report_id", pl.col(ORGAN_LABEL).alias("organ"), "year", "path"),
            on="report_id",
            how="inner",
        )
        .select("organ", "year", "path", "check", pl.col("severity").cast(pl.String), "where", "message")
        .sort("organ", "year", "severity", "check")
    )


# ---------------------------------------------------------------------------------------------- per report


def _sum_or_null(columns: Sequence[str]) -> pl.Expr:
    """Sum of the columns ignoring nulls, null when all are null (an unknown is not a zero)."""
    return (
        pl.when(pl.any_horizontal([pl.col(c).is_not_null() for c in columns]))
        .then(pl.sum_horizontal([pl.col(c) for c in columns]))
        .otherwise(None)
    )


def proactive_volume(reports: pl.DataFrame, proactive: pl.DataFrame) -> pl.DataFrame:
    """Proactive disclosure per report: the narrative total and the table-2 figures.

    Columns: the report keys, ``narrative_items`` (主动公开政府信息 N 条), ``breakdown_sum``,
    ``documents_issued`` (规章 + 规范性文件 issued; 本年新制作 in the 2019 template),
    ``documents_in_force`` (现行有效; 对外公开总数 in 2019), ``decisions`` (licensing, penalty,
    coercion and other decisions summed), ``fees_10k_yuan``, ``wechat_posts``, ``weibo_posts``.
    A figure is null when the report does not print it.

    >>> from nianbao.fields import conform
    >>> reports = conform(pl.DataFrame({"report_id": ["a"], "organ": ["甲镇"], "year": [2023], "proactive_items": [69]}), "reports")
    >>> t2 = pl.DataFrame({"report_id": ["a"] * 2, "item": ["rules", "normative_documents"], "measure": ["issued"] * 2, "value": [0.0, 3.0]})
    >>> proactive_volume(reports, t2).select("narrative_items", "documents_issued", "decisions").row(0)
    (69, 3.0, None)
    """
    table = proactive.with_columns(pl.col("item").cast(pl.String), pl.col("measure").cast(pl.String))
    documents = pl.col("item").is_in(["rules", "normative_documents"])
    per_report = table.group_by("report_id").agg(
        pl.col("value").filter(documents & pl.col("measure").is_in(_ISSUED)).sum().alias("documents_issued"),
        pl.col("value").filter(documents & pl.col("measure").is_in(_ISSUED)).count().alias("_n_issued"),
        pl.col("value")
        .filter(documents & pl.col("measure").is_in(_IN_FORCE))
        .sum()
        .alias("documents_in_force"),
        pl.col("value").filter(documents & pl.col("measure").is_in(_IN_FORCE)).count().alias("_n_force"),
        pl.col("value").filter(pl.col("measure") == "decisions").sum().alias("decisions"),
        pl.col("value").filter(pl.col("measure") == "decisions").count().alias("_n_decisions"),
        pl.col("value").filter(pl.col("measure") == "amount_10k_yuan").sum().alias("fees_10k_yuan"),
        pl.col("value").filter(pl.col("measure") == "amount_10k_yuan").count().alias("_n_fees"),
    )
    per_report = per_report.with_columns(
        [
            pl.when(pl.col(n) > 0).then(pl.col(c)).alias(c)
            for c, n in (
                ("documents_issued", "_n_issued"),
                ("documents_in_force", "_n_force"),
                ("decisions", "_n_decisions"),
                ("fees_10k_yuan", "_n_fees"),
            )
        ]
    ).drop("_n_issued", "_n_force", "_n_decisions", "_n_fees")
    narrative = reports.select(
        "report_id",
        pl.col("proactive_items").alias("narrative_items"),
        pl.col("proactive_breakdown_sum").alias("breakdown_sum"),
        "wechat_posts",
        "weibo_posts",
    )
    return (
        report_keys(reports)
        .join(narrative, on="report_id", how="left")
        .join(per_report, on="report_id", how="left")
        .sort("organ", "year")
    )


def application_counts(reports: pl.DataFrame, applications: pl.DataFrame) -> pl.DataFrame:
    """Table 3 per report, read from the 总计 column: intake, outcomes by group and by row.

    ``applications`` is new + carried over; ``handled`` is the printed 总计 row, or the sum of the
    outcome rows when that row is missing but every outcome row is printed (otherwise null).
    Outcome groups sum their rows, null only when every row of the group is null. Where the 总计
    column is blank but all six applicant columns are printed, their sum stands in for it.

    >>> from nianbao.fields import conform
    >>> reports = conform(pl.DataFrame({"report_id": ["a"], "organ": ["甲镇"], "year": [2023], "proactive_items": [69]}), "reports")
    >>> apps = pl.DataFrame({"report_id": ["a"] * 3, "outcome": ["new_received", "carried_over", "granted"],
    ...                      "outcome_group": ["intake", "intake", "granted"], "applicant": ["total"] * 3, "value": [5, 1, 4]})
    >>> application_counts(reports, apps).select("organ", "applications", "granted", "denied", "handled").row(0)
    ('甲镇', 6, 4, None, 4)
    """
    table = applications.with_columns(pl.col("outcome").cast(pl.String), pl.col("applicant").cast(pl.String))
    wide_cols = table.pivot(
        on="applicant", index=["report_id", "outcome"], values="value", aggregate_function="first"
    )
    for a in (*APPLICANTS, "total"):
        if a not in wide_cols.columns:
            wide_cols = wide_cols.with_columns(pl.lit(None, pl.Int64).alias(a))
    all_printed = pl.all_horizontal([pl.col(a).is_not_null() for a in APPLICANTS])
    totals = wide_cols.select(
        "report_id",
        "outcome",
        pl.coalesce(pl.col("total"), pl.when(all_printed).then(pl.sum_horizontal(APPLICANTS))).alias("value"),
    )
    rows = totals.pivot(on="outcome", index="report_id", values="value", aggregate_function="first")
    groups = table.select("outcome", pl.col("outcome_group").cast(pl.String)).unique()
    by_group: dict[str, list[str]] = {}
    for outcome, group in groups.sort("outcome").iter_rows():
        by_group.setdefault(group, []).append(outcome)
    for needed in ("new_received", "carried_over", "total_processed", "carried_forward"):
        if needed not in rows.columns:
            rows = rows.with_columns(pl.lit(None, pl.Int64).alias(needed))
    outcome_rows = [r for g in OUTCOME_GROUPS for r in by_group.get(g, [])]
    rows = rows.with_columns(
        [
            _sum_or_null(by_group[g]).alias(g) if g in by_group else pl.lit(None, pl.Int64).alias(g)
            for g in OUTCOME_GROUPS
        ]
    )
    sum_outcomes = (
        pl.when(pl.all_horizontal([pl.col(r).is_not_null() for r in outcome_rows]))
        .then(pl.sum_horizontal(outcome_rows))
        .otherwise(None)
        if outcome_rows
        else pl.lit(None, pl.Int64)
    )
    rows = rows.with_columns(
        (pl.col("new_received") + pl.col("carried_over")).alias("applications"),
        pl.coalesce(pl.col("total_processed"), sum_outcomes).alias("handled"),
    )
    denied = sorted(by_group.get("denied", []))
    front = ["new_received", "carried_over", "applications", "handled", "carried_forward", *OUTCOME_GROUPS]
    return (
        report_keys(reports)
        .join(rows.select("report_id", *front, *denied), on="report_id", how="left")
        .sort("organ", "year")
    )


def litigation_counts(reports: pl.DataFrame, litigation: pl.DataFrame) -> pl.DataFrame:
    """Table 4 per report: cases, corrected and concluded, for review and for litigation.

    Litigation adds the two proceedings (直接起诉 and 复议后起诉). ``concluded`` is upheld + corrected
    + other (cases decided this year), the denominator of a correction rate; ``cases`` is the printed
    总计 (or the four results summed when 总计 is blank).

    >>> from nianbao.fields import conform
    >>> reports = conform(pl.DataFrame({"report_id": ["a"], "organ": ["甲镇"], "year": [2023], "proactive_items": [69]}), "reports")
    >>> t4 = pl.DataFrame({"report_id": ["a"] * 4, "proceeding": ["administrative_review"] * 4,
    ...                    "result": ["upheld", "corrected", "other", "pending"], "value": [2, 1, 0, 1]})
    >>> litigation_counts(reports, t4).select("review_cases", "review_corrected", "review_concluded", "litigation_cases").row(0)
    (4, 1, 3, None)
    """
    table = litigation.with_columns(pl.col("proceeding").cast(pl.String), pl.col("result").cast(pl.String))
    wide = table.pivot(
        on="result", index=["report_id", "proceeding"], values="value", aggregate_function="first"
    )
    for r in ("upheld", "corrected", "other", "pending", "total"):
        if r not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Int64).alias(r))
    wide = wide.with_columns(
        pl.coalesce(
            pl.col("total"), pl.col("upheld") + pl.col("corrected") + pl.col("other") + pl.col("pending")
        ).alias("cases"),
        (pl.col("upheld") + pl.col("corrected") + pl.col("other")).alias("concluded"),
        pl.when(pl.col("proceeding") == "administrative_review")
        .then(pl.lit("review"))
        .otherwise(pl.lit("litigation"))
        .alias("kind"),
    )
    per_kind = wide.group_by("report_id", "kind").agg(
        *[
            pl.when(pl.col(c).null_count() == 0).then(pl.col(c).sum()).otherwise(None).alias(c)
            for c in ("cases", "corrected", "concluded")
        ]
    )
    out = per_kind.pivot(on="kind", index="report_id", values=["cases", "corrected", "concluded"])
    renames = {
        f"{m}_{k}": f"{k}_{m}" for m in ("cases", "corrected", "concluded") for k in ("review", "litigation")
    }
    out = out.rename({k: v for k, v in renames.items() if k in out.columns})
    for col in renames.values():
        if col not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Int64).alias(col))
    ordered = [f"{k}_{m}" for k in ("review", "litigation") for m in ("cases", "corrected", "concluded")]
    return (
        report_keys(reports)
        .join(out.select("report_id", *ordered), on="report_id", how="left")
        .sort("organ", "year")
    )
