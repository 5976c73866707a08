"""Which reports a comparison rests on: the parsed corpus loaded, filtered and summarised.

:func:`load` reads what ``nianbao parse`` wrote; :func:`select` keeps the usable reports of some
years and places and marks (or drops) those failing a template identity; :func:`restrict` makes the
other four frames follow. :mod:`nianbao.analysis.metrics` computes the figures on the result and re-exports
these names, so a notebook needs one import.

>>> frames = from_frames({n: pl.DataFrame() for n in FRAME_NAMES})
>>> select(frames).reports.columns[-1], selection_summary(select(frames))["reports"].item()
('flagged', 0)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

from nianbao.corpus.run import scan
from nianbao.errors import NianbaoError
from nianbao.fields import FRAME_NAMES, FRAME_SCHEMAS
from nianbao.frames import Frames
from nianbao.parse.organs import resolve_reports

__all__ = [
    "ORGAN_LABEL",
    "REPORT_KEYS",
    "USABLE_STATUS",
    "Frames",
    "from_frames",
    "load",
    "report_keys",
    "restrict",
    "select",
    "selection_summary",
    "with_organ_label",
]

USABLE_STATUS = ("ok", "partial")
REPORT_KEYS = (
    "report_id",
    "organ",
    "organ_id",
    "printed_organ",
    "organ_level",
    "province",
    "city",
    "county",
    "year",
    "path",
    "flagged",
)
# The reports column every analysis groups and labels organs by: the canonical name, one per organ_id.
ORGAN_LABEL = "organ_label"


# ---------------------------------------------------------------------------------------------- loading


def _conform(df: pl.DataFrame | pl.LazyFrame, name: str) -> pl.DataFrame:
    """Cast a frame to the contract schema; extra columns are kept, missing ones become null."""
    frame = df.collect() if isinstance(df, pl.LazyFrame) else df
    schema = FRAME_SCHEMAS[name]
    missing = [pl.lit(None, dtype).alias(c) for c, dtype in schema.items() if c not in frame.columns]
    frame = frame.with_columns(missing) if missing else frame
    casts = [pl.col(c).cast(dtype) for c, dtype in schema.items() if frame.schema[c] != dtype]
    frame = frame.with_columns(casts) if casts else frame
    extra = [c for c in frame.columns if c not in schema]
    return frame.select([*schema.names(), *extra])


def from_frames(frames: dict[str, pl.DataFrame | pl.LazyFrame]) -> Frames:
    """:class:`Frames` from a mapping of frame name to (lazy) frame, conformed to the contract
    (``corrections`` is taken when the mapping holds it).

    ``reports`` gains ``organ_label`` (:func:`with_organ_label`), the key every analysis groups
    organs by.

    >>> reports = pl.DataFrame({"report_id": ["a", "b"], "organ": ["甲镇", "甲镇人民政府"], "organ_id": ["o1", "o1"],
    ...                         "organ_name": ["甲镇人民政府"] * 2, "year": [2022, 2023]})
    >>> frames = from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": reports})
    >>> frames
    Frames(reports=2, proactive=0, applications=0, litigation=0, checks=0, corrections=0)
    >>> frames.reports["organ_label"].to_list(), frames.reports["year"].dtype
    (['甲镇人民政府', '甲镇人民政府'], Int16)
    """
    names = [*FRAME_NAMES, *(["corrections"] if "corrections" in frames else [])]
    conformed = {n: _conform(frames[n], n) for n in names}
    conformed["reports"] = with_organ_label(conformed["reports"])
    return Frames(**conformed)


def with_organ_label(reports: pl.DataFrame) -> pl.DataFrame:
    """``reports`` with ``organ_label``: the canonical ``organ_name``, unique per ``organ_id``.

    Where two ids share a canonical name the id is added in brackets, so grouping by the label is
    grouping by ``organ_id`` (洪泽区人民政府 and 淮安市洪泽区人民政府 are one organ, a county and its
    办公室 two). Frames written before organs were resolved (``organ_id`` all null) are resolved here.

    >>> reports = pl.DataFrame({"organ": ["甲县人民政府", "甲县政府办"], "organ_name": ["甲县人民政府"] * 2, "organ_id": ["c1", "c2"]})
    >>> with_organ_label(reports)["organ_label"].to_list()
    ['甲县人民政府（c1）', '甲县人民政府（c2）']
    """
    if (
        reports.height
        and reports["organ_id"].null_count() == reports.height
        and reports["organ"].null_count() < reports.height
    ):
        reports = resolve_reports(reports)[0]
    name = pl.coalesce("organ_name", "organ")
    shared = pl.col("organ_id").n_unique().over(name) > 1
    label = pl.when(shared).then(pl.format("{}（{}）", name, pl.col("organ_id"))).otherwise(name)
    return reports.with_columns(label.alias(ORGAN_LABEL))


def load(path: str | Path) -> Frames:
    """Read a parsed corpus: the directory ``nianbao parse CORPUS --out DIR`` wrote.

    Raises :class:`~nianbao.errors.NianbaoError` naming the missing files and the command that writes
    them, so a notebook pointed at the wrong folder says what to do.

    >>> import tempfile
    >>> reports = pl.DataFrame({"report_id": ["a"], "organ": ["甲镇"], "organ_id": ["o1"], "year": [2023]})
    >>> frames = from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": reports})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name, frame in frames.frames.items():
    ...         frame.write_parquet(Path(folder) / f"{name}.parquet")
    ...     load(folder).reports.select("organ_label", "year").rows()
    [('甲镇', 2023)]
    >>> load("nowhere")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    nianbao.errors.NianbaoError: nowhere is not a parsed corpus (missing reports.parquet, ...); run `nianbao parse CORPUS --out nowhere` first
    """
    folder = Path(path)
    missing = [n for n in FRAME_NAMES if not (folder / f"{n}.parquet").is_file()]
    if missing:
        raise NianbaoError(
            f"{folder} is not a parsed corpus (missing {', '.join(m + '.parquet' for m in missing)}); "
            f"run `nianbao parse CORPUS --out {folder}` first"
        )
    parsed = scan(folder)  # refuses a set of files mixed from two runs
    frames: dict[str, pl.DataFrame | pl.LazyFrame] = {n: parsed[n] for n in FRAME_NAMES}
    if parsed.corrections is not None:
        frames["corrections"] = parsed.corrections
    return from_frames(frames)


# ---------------------------------------------------------------------------------------------- selection


def _as_list(value: Any) -> list[Any] | None:
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, str | int):
        return [value]
    return list(value)


def select(
    frames: Frames,
    *,
    years: int | Iterable[int] | None = None,
    province: str | Iterable[str] | None = None,
    city: str | Iterable[str] | None = None,
    county: str | Iterable[str] | None = None,
    organ_level: str | Iterable[str] | None = None,
    include_flagged: bool = False,
    usable_only: bool = True,
) -> Frames:
    """Restrict a corpus to the reports a comparison should use.

    ``usable_only`` keeps reports whose status is ``ok`` or ``partial`` (failed files, non-reports
    and duplicates carry no figures). ``reports`` gains a ``flagged`` column: the report has at least
    one check of severity ``error`` (an identity of the template fails). By default those reports are
    dropped; with ``include_flagged=True`` they stay and charts mark them. ``None`` means no filter.

    >>> reports = pl.DataFrame({"report_id": ["a", "b", "c"], "organ_id": ["o1", "o1", "o2"],
    ...                         "year": [2022, 2023, 2023], "status": ["ok", "ok", "failed"]})
    >>> errors = pl.DataFrame({"report_id": ["a"], "severity": ["error"]})
    >>> frames = from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": reports, "checks": errors})
    >>> select(frames).reports["report_id"].to_list(), select(frames, include_flagged=True).reports["flagged"].to_list()
    (['b'], [True, False])
    >>> select(frames, years=2023, usable_only=False).reports["report_id"].to_list()
    ['b', 'c']
    """
    flagged = frames.checks.filter(pl.col("severity") == "error").select("report_id").unique()
    reports = frames.reports.with_columns(
        pl.col("report_id").is_in(flagged["report_id"].implode()).alias("flagged")
    )
    conditions: list[pl.Expr] = []
    if usable_only:
        conditions.append(pl.col("status").cast(pl.String).is_in(USABLE_STATUS))
    if not include_flagged:
        conditions.append(~pl.col("flagged"))
    for column, wanted in (
        ("year", years),
        ("province", province),
        ("city", city),
        ("county", county),
        ("organ_level", organ_level),
    ):
        values = _as_list(wanted)
        if values is not None:
            conditions.append(pl.col(column).cast(pl.String).is_in([str(v) for v in values]))
    if conditions:
        reports = reports.filter(pl.all_horizontal(conditions))
    return restrict(frames, reports)


def report_keys(reports: pl.DataFrame) -> pl.DataFrame:
    """The columns every metric row carries (:data:`REPORT_KEYS`); ``flagged`` is false when :func:`select` was not used.

    A metric row's ``organ`` is the organ's label (its canonical name, one per ``organ_id``:
    :func:`with_organ_label`); ``printed_organ`` is the name the report printed.

    >>> reports = pl.DataFrame({"report_id": ["a"], "organ": ["甲镇"], "organ_id": ["o1"], "organ_name": ["甲镇人民政府"]})
    >>> keys = report_keys(from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": reports}).reports)
    >>> keys.columns == list(REPORT_KEYS), keys.select("organ", "printed_organ", "flagged").row(0)
    (True, ('甲镇人民政府', '甲镇', False))
    """
    frame = reports if "flagged" in reports.columns else reports.with_columns(flagged=pl.lit(False))
    return frame.select(
        pl.col("report_id"),
        pl.col(ORGAN_LABEL if ORGAN_LABEL in frame.columns else "organ").alias("organ"),
        pl.col("organ_id"),
        pl.col("organ").alias("printed_organ"),
        pl.col("organ_level").cast(pl.String),
        pl.col("province"),
        pl.col("city"),
        pl.col("county"),
        pl.col("year").cast(pl.Int32),
        pl.col("path"),
        pl.col("flagged"),
    )


def restrict(frames: Frames, reports: pl.DataFrame) -> Frames:
    """The corpus cut down to the given reports (the other four frames follow ``report_id``).

    >>> reports = pl.DataFrame({"report_id": ["a", "b"], "organ_id": ["o1", "o2"], "year": [2022, 2023]})
    >>> checks = pl.DataFrame({"report_id": ["a", "b", "b"], "check": ["blank_cells"] * 3})
    >>> frames = from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": reports, "checks": checks})
    >>> restrict(frames, frames.reports.filter(pl.col("year") == 2023))
    Frames(reports=1, proactive=0, applications=0, litigation=0, checks=2, corrections=0)
    """
    ids = reports["report_id"].implode()
    keep = {
        n: getattr(frames, n).filter(pl.col("report_id").is_in(ids))
        for n in (*FRAME_NAMES[1:], "corrections")
    }
    return replace(frames, reports=reports, **keep)


def selection_summary(frames: Frames, include_flagged: bool = False) -> pl.DataFrame:
    """One row saying what a selection holds: reports, organs, years, flagged reports, reports used,
    and reports printing no narrative total (主动公开政府信息 N 条): those are blank, not 0, in the
    proactive-disclosure figures.

    Pass the selection made with ``include_flagged=True`` so ``flagged`` counts the reports failing an
    identity; ``used`` is what the figures rest on (flagged ones left out unless ``include_flagged``).

    >>> reports = pl.DataFrame({"report_id": ["a", "b"], "organ_id": ["o1", "o1"], "year": [2022, 2023],
    ...                         "status": ["ok", "ok"], "proactive_items": [120, None]})
    >>> errors = pl.DataFrame({"report_id": ["a"], "severity": ["error"]})
    >>> frames = from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": reports, "checks": errors})
    >>> selection_summary(select(frames, include_flagged=True)).row(0, named=True)
    {'reports': 2, 'organs': 1, 'first_year': 2022, 'last_year': 2023, 'flagged': 1, 'used': 1, 'no_narrative_total': 1}
    """
    reports = frames.reports
    flagged = int(reports["flagged"].sum()) if "flagged" in reports.columns else 0
    years = reports["year"].drop_nulls()
    return pl.DataFrame(
        {
            "reports": [reports.height],
            "organs": [reports["organ_id"].drop_nulls().n_unique()],
            "first_year": [int(years.min()) if years.len() else None],  # type: ignore[arg-type]
            "last_year": [int(years.max()) if years.len() else None],  # type: ignore[arg-type]
            "flagged": [flagged],
            "used": [reports.height - (0 if include_flagged else flagged)],
            "no_narrative_total": [int(reports["proactive_items"].is_null().sum())],
        }
    )
