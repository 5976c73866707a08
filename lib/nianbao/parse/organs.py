"""One organ, one identity: ``organ_id`` and ``organ_name`` for the reports of a corpus.

Reports print the same organ in many ways (淮安市洪泽区人民政府 / 洪泽区人民政府 / 洪泽区政府, 乡 and 镇,
水城县 and 水城区). Resolution runs after parsing, over the ``reports`` frame (printed organ, level,
province, city, county, year), so a changed crosswalk needs no re-parse. An ``organ_id`` is built from

- the **division**: the 6-digit code of the county, city or province the organ belongs to (cpca's
  table of codes, looked up from the place the parser resolved), or, for a place cpca does not know
  (a zone, an invented place), its names joined (``桂岭省梅安市碧山县``); a division row of the
  crosswalk (an ``organ_id`` without ``/``) gives the division instead, so a renamed county keeps
  one (水城县 → 水城区, 2020: both are 520204);
- the **unit** below it, when there is one: a township by its name without 乡/镇/苏木 (乡 → 镇 keeps
  the id) or a street (街道), or a zone (平潭综合实验区);
- the **kind**: ``gov`` (人民政府, 政府, 管委会), ``office`` (办公室, 办公厅, 政府办), or a department by
  its standard name (教育局).

So 淮安市洪泽区人民政府 and 洪泽区政府 are both ``320813/gov``, its office ``320813/office``, and 淮安市人民政府
``320800/gov``. A report whose place could not be resolved (or whose county name is shared by several
cities and printed without its city) gets ``name:`` and its printed name without 人民政府, and the
warning ``organ_unresolved``: it is kept, but not joined across years with confidence.

The crosswalk (:mod:`nianbao.parse.crosswalk`: the package's table of renamed divisions, then a
corpus's ``organs.csv``) is applied on top: an organ row (``organ_id`` with ``/``) sets the id and
name outright and is reported as ``organ_crosswalk`` (info). ``organ_name`` is the canonical name:
the crosswalk's, else the name the organ's latest report printed (:func:`resolve_reports`);
:func:`resolve_one` also builds a full name from the division for one printed name alone.

>>> resolve_one("洪泽区政府", "county", "江苏省", "淮安市", "洪泽区", 2023).organ_id
'320813/gov'
>>> resolve_one("淮安市洪泽区人民政府办公室", "county_department", "江苏省", "淮安市", "洪泽区", 2023).organ_id
'320813/office'
>>> resolve_one("水城县坪寨乡人民政府", "township", "贵州省", "六盘水市", "水城县", 2019).organ_id
'520204/坪寨/gov'
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

from nianbao.fields import FRAME_SCHEMAS, check_row, conform
from nianbao.parse.crosswalk import Crosswalk, CrosswalkIndex, CrosswalkRow, package_crosswalk
from nianbao.parse.places import _import_cpca

__all__ = ["Resolution", "resolve_frames", "resolve_one", "resolve_reports"]

_MUNICIPALITIES = frozenset({"北京市", "上海市", "天津市", "重庆市"})
# cpca's pseudo-divisions (重庆市's "县"): grouping codes, never an organ's place
_PSEUDO = frozenset({"县", "市辖区", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_GOV = frozenset({"", "人民政府", "政府", "行政公署", "管理委员会", "管委会"})
_OFFICE = frozenset(
    {
        "人民政府办公室",
        "人民政府办公厅",
        "政府办公室",
        "政府办公厅",
        "政府办",
        "办公室",
        "办公厅",
        "党政办公室",
        "党政办",
    }
)
_TOWN = re.compile(
    r"^(?P<stem>[^乡镇]{1,12}?)(?P<suffix>民族乡|乡|镇|苏木|街道办事处|街道)(?P<rest>人民政府|政府|办事处)?"
    r"(?P<office>人民政府办公室|政府办公室|党政办公室|党政办|办公室)?$"
)
_ZONE = re.compile(
    r"^(?P<zone>.{1,20}?(?:开发区|实验区|试验区|新区|高新区|示范区|合作区|保税区|园区|工业区))"
    r"(?P<rest>管理委员会|管委会|人民政府|政府)?$"
)
# Department names printed in short or older forms → the standard name used in the id.
_DEPARTMENTS = {
    "发改委": "发展和改革委员会",
    "发展改革委": "发展和改革委员会",
    "发展改革委员会": "发展和改革委员会",
    "人社局": "人力资源和社会保障局",
    "住建局": "住房和城乡建设局",
    "教体局": "教育体育局",
    "市监局": "市场监督管理局",
    "卫健局": "卫生健康局",
    "卫生和健康局": "卫生健康局",
    "农业农村和水利局": "农业农村和水利局",
    "文广旅局": "文化广电和旅游局",
    "退役军人局": "退役军人事务局",
}


@dataclass(frozen=True, slots=True)
class Resolution:
    """What one printed organ resolved to; ``unresolved`` says why not (None when resolved)."""

    organ_id: str | None
    organ_name: str | None
    unresolved: str | None = None
    row: CrosswalkRow | None = None  # the crosswalk organ row that set the id, if any


@cache
def _codes() -> tuple[dict[str, list[str]], dict[str, str]]:
    """cpca's division codes: name → 6-digit codes, and code → name (provinces, cities, counties)."""
    _import_cpca()  # import cpca as the parser does (without pkg_resources), before reading its files
    text = (resources.files("cpca") / "resources" / "adcodes.csv").read_text(encoding="utf-8")
    by_name: dict[str, list[str]] = {}
    by_code: dict[str, str] = {}
    for row in csv.DictReader(text.splitlines()):
        code, name = row["adcode"][:6], row["name"]
        by_name.setdefault(name, []).append(code)
        by_code[code] = name
    return by_name, by_code


def _code(province: str | None, city: str | None, county: str | None) -> tuple[str | None, bool]:
    """(6-digit code of the most specific place, whether its name alone is ambiguous)."""
    by_name, _ = _codes()
    prov = next((c for c in by_name.get(province or "", []) if c.endswith("0000")), None)
    town = None
    if city and city not in _MUNICIPALITIES:
        found = [c for c in by_name.get(city, []) if c[4:] == "00" and c[2:4] != "00"]
        town = next((c for c in found if prov is None or c[:2] == prov[:2]), None)
    if county:
        counties = [c for c in by_name.get(county, []) if c[4:] != "00"]
        scope = town[:4] if town else prov[:2] if prov else ""
        own = [c for c in counties if c.startswith(scope)]
        return (own[0] if len(own) == 1 else None), len(counties) > 1
    if town:
        return town, False
    return prov, False


def _strip_places(organ: str, names: Iterable[str]) -> str:
    """The printed organ without the place names it starts with."""
    full = sorted({n for n in names if n}, key=len, reverse=True)
    short = {n[:-1]: n for n in full if n.endswith(("省", "市")) and len(n) > 2}
    rest = organ
    while True:
        hit = next((n for n in full if rest.startswith(n)), None)
        if hit is None:  # a short form (江苏 淮安) only where a full name follows it
            hit = next(
                (s for s in short if rest.startswith(s) and any(rest[len(s) :].startswith(n) for n in full)),
                None,
            )
        if hit is None:
            return rest
        rest = rest[len(hit) :]


def _department(name: str) -> str:
    name = name.removeprefix("人民政府").removeprefix("政府")
    return _DEPARTMENTS.get(name, name)


def _unit(rest: str, level: str | None) -> tuple[str, str, str] | None:
    """(id part, canonical name part, kind) of what follows the division, or None if nothing fits."""
    if rest in _GOV:
        return "gov", "人民政府", "gov"
    if rest in _OFFICE:
        label = "人民政府办公厅" if level in ("province", "province_department") else "人民政府办公室"
        return "office", label, "office"
    m = _TOWN.match(rest)
    if m:
        street = m["suffix"].startswith("街道")
        unit = m["stem"] + ("街道" if street else "")
        printed = m["stem"] + ("街道" if street else m["suffix"])
        if m["office"]:
            return f"{unit}/office", printed + ("办事处" if street else "人民政府") + "办公室", "office"
        return f"{unit}/gov", printed + ("办事处" if street else "人民政府"), "gov"
    m = _ZONE.match(rest)
    if m:
        return f"{m['zone']}/gov", m["zone"] + "管理委员会", "zone"
    dept = _department(rest)
    return (dept, dept, "department") if dept else None


def _division_name(province: str | None, city: str | None, county: str | None) -> str:
    if county:
        return (city or (province if province in _MUNICIPALITIES else "") or "") + county
    return city or province or ""


def _auto(
    organ: str,
    level: str | None,
    province: str | None,
    city: str | None,
    county: str | None,
    cw: Crosswalk | CrosswalkIndex,
    year: int | None,
) -> Resolution:
    province, city, county = (None if p in _PSEUDO else p for p in (province, city, county))
    place = "".join(p for p in (province, city, county) if p)
    division = cw.division(organ, place, year)
    names = [province, city, county, *(division.names if division else ())]
    rest = _strip_places(organ, [n for n in names if n])
    if division is not None:
        code, dname = division.organ_id, division.organ_name or _division_name(province, city, county)
    elif not place or not any(_printed(p, organ) for p in (province, city, county)):
        return _unresolved(organ, "no province, city or county could be read from the organ's name")
    else:
        found, ambiguous = _code(province, city, county)
        printed_above = any(_printed(p, organ) for p in (province, city))
        if ambiguous and not printed_above:
            return _unresolved(
                organ, f"the county name {county} exists in several cities and none is printed with it"
            )
        code = found or place
        dname = _division_name(province, city, county)
    unit = _unit(rest, level)
    if unit is None:
        return _unresolved(organ, "the organ's kind could not be read from its name")
    part, label, kind = unit
    return Resolution(f"{code}/{part}", label if kind == "zone" else dname + label)


def _printed(place: str | None, organ: str) -> bool:
    """Is the place named in the organ (in full, or without its last character: 江苏 淮安 平潭)?"""
    if not place:
        return False
    return place in organ or (len(place) > 2 and place[:-1] in organ)


def _unresolved(organ: str, why: str) -> Resolution:
    key = re.sub(r"(人民政府|政府)$", "", organ)
    return Resolution(f"name:{key}", organ, why)


@cache
def _resolve_cached(
    organ: str,
    level: str | None,
    province: str | None,
    city: str | None,
    county: str | None,
    year: int | None,
    cw: Crosswalk,
) -> Resolution:
    return _resolve(organ, level, province, city, county, year, cw)


def _resolve(
    organ: str,
    level: str | None,
    province: str | None,
    city: str | None,
    county: str | None,
    year: int | None,
    cw: Crosswalk | CrosswalkIndex,
) -> Resolution:
    """What :func:`resolve_one` gives against the whole crosswalk ``cw`` (the corpus's rows, then the package's)."""
    place = "".join(p for p in (province, city, county) if p)
    row = cw.organ_row(organ, place, year)
    if row is not None:
        auto = _auto(organ, level, province, city, county, cw, year)
        return Resolution(row.organ_id, row.organ_name or auto.organ_name, None, row)
    return _auto(organ, level, province, city, county, cw, year)


def resolve_one(
    organ: str,
    level: str | None,
    province: str | None,
    city: str | None,
    county: str | None,
    year: int | None,
    crosswalk: Crosswalk | None = None,
) -> Resolution:
    """The organ id and canonical name of one printed organ (see the module docstring).

    ``crosswalk``: a corpus's rows, applied before the package's own table.

    >>> r = resolve_one("洪泽区教体局", "county_department", "江苏省", "淮安市", "洪泽区", 2023)
    >>> r.organ_id, r.organ_name, r.unresolved
    ('320813/教育体育局', '淮安市洪泽区教育体育局', None)
    >>> resolve_one("坪寨镇人民政府", "township", "贵州省", "六盘水市", "水城区", 2023).organ_id  # no place printed
    'name:坪寨镇'
    """
    cw = (crosswalk or Crosswalk()) + package_crosswalk()
    return _resolve_cached(organ, level, province, city, county, year, cw)


_KEYS = ("organ", "organ_level", "province", "city", "county", "year")


def resolve_reports(
    reports: pl.DataFrame, crosswalk: Crosswalk | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``reports`` with ``organ_id`` and ``organ_name`` filled in, and the organ checks.

    The canonical name of an id is the name a crosswalk row gives it, else the name its latest
    report printed (the longest of that year's, then by path), so all reports of an organ carry the
    same ``organ_name`` and it is one the organ uses today (乡 → 镇, 县 → 区).

    >>> from nianbao.fields import conform
    >>> reports = conform(pl.DataFrame({"report_id": ["a", "b"], "path": ["a.txt", "b.txt"], "status": "ok",
    ...     "organ": ["淮安市洪泽区人民政府", "洪泽区政府"], "organ_level": "county", "province": "江苏省",
    ...     "city": "淮安市", "county": "洪泽区", "year": [2022, 2023]}), "reports")
    >>> resolved, checks = resolve_reports(reports)
    >>> resolved.select("organ_id", "organ_name").rows(), checks["check"].to_list()
    ([('320813/gov', '洪泽区政府'), ('320813/gov', '洪泽区政府')], ['organ_name_varies', 'organ_name_varies'])
    """
    keys = reports.select(_KEYS).unique().filter(pl.col("organ").is_not_null())
    # resolved against one index of the crosswalk, not through resolve_one's memo, whose key hashes
    # the whole crosswalk on every call (0.1 ms a key with a few hundred rows: seconds on 100,000 reports)
    cw = CrosswalkIndex((crosswalk or Crosswalk()) + package_crosswalk())
    # the year matters only through the crosswalk rows' years: an organ's years of one class
    # (CrosswalkIndex.year_class) resolve alike, so each class is resolved once
    known: dict[tuple[object, ...], Resolution] = {}
    res = []
    for k in keys.iter_rows():
        organ, level, province, city, county, year = k
        memo = (organ, level, province, city, county, cw.year_class(year))
        r = known.get(memo)
        if r is None:
            r = known[memo] = _resolve(organ, _s(level), province, city, county, year, cw)
        res.append(
            (
                *k,
                r.organ_id,
                (r.row.organ_name or None) if r.row else None,
                r.unresolved,
                r.row.source if r.row else None,
            )
        )
    table = pl.DataFrame(
        res,
        schema={
            **{k: reports.schema[k] for k in _KEYS},
            "_id": pl.String,
            "_name": pl.String,
            "_why": pl.String,
            "_row": pl.String,
        },
        orient="row",
    ).with_columns(pl.col("organ_level").cast(reports.schema["organ_level"]))
    j = reports.drop("organ_id", "organ_name", strict=False).join(
        table, on=list(_KEYS), how="left", nulls_equal=True
    )
    order = (pl.col("year").fill_null(0), pl.col("organ").str.len_chars(), pl.col("path"))
    newest = [True, True, False]
    named = pl.col("_name").sort_by(*order, descending=newest).drop_nulls().first().over("_id")
    latest = pl.col("organ").sort_by(*order, descending=newest).first().over("_id")
    j = j.with_columns(pl.coalesce(named, latest).alias("_name"))
    out = j.with_columns(organ_id=pl.col("_id"), organ_name=pl.col("_name")).select(reports.columns)
    return out, _organ_checks(j)


def _s(level: object) -> str | None:
    return None if level is None else str(level)


def _organ_checks(j: pl.DataFrame) -> pl.DataFrame:
    """``organ_unresolved``, ``organ_name_varies`` and ``organ_crosswalk`` rows for resolved reports."""
    schema = FRAME_SCHEMAS["checks"]
    counted = j.filter(pl.col("_id").is_not_null() & pl.col("status").is_in(["ok", "partial"]))
    unresolved = counted.filter(pl.col("_why").is_not_null()).select(
        check_row(
            "organ_unresolved",
            "warning",
            "report/organ",
            pl.format(
                "机关「{}」未能确定所属行政区划({})：本报告保留，但不能可靠地与其他年度对应", "organ", "_why"
            ),
        )
    )
    names = counted.group_by("_id").agg(pl.col("organ").unique().sort().alias("_printed"))
    varies = counted.join(names.filter(pl.col("_printed").list.len() > 1), on="_id").select(
        check_row(
            "organ_name_varies",
            "info",
            "report/organ",
            pl.format(
                "同一机关({} {})在各报告中印作不同名称：{}",
                "_name",
                "_id",
                pl.col("_printed").list.join("、"),
            ),
        )
    )
    crosswalk = counted.filter(pl.col("_row").is_not_null()).select(
        check_row(
            "organ_crosswalk",
            "info",
            "report/organ",
            pl.format("机关「{}」按对照表 {} 归为 {}({})", "organ", "_row", "_name", "_id"),
        )
    )
    parts = [conform(p, "checks") for p in (unresolved, varies, crosswalk) if p.height]
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def resolve_frames(
    frames: dict[str, pl.DataFrame], crosswalk: Crosswalk | None = None
) -> dict[str, pl.DataFrame]:
    """The frames with organs resolved and the organ checks appended (what a corpus run does).

    >>> from nianbao.fields import conform
    >>> reports = conform(pl.DataFrame({"report_id": ["a", "b"], "path": ["a.txt", "b.txt"], "status": "ok",
    ...     "organ": ["淮安市洪泽区人民政府", "洪泽区政府"], "organ_level": "county", "province": "江苏省",
    ...     "city": "淮安市", "county": "洪泽区", "year": [2022, 2023]}), "reports")
    >>> frames = resolve_frames({"reports": reports, "checks": conform(pl.DataFrame(), "checks")})
    >>> frames["reports"]["organ_id"].to_list(), frames["checks"].select("report_id", "check").rows()
    (['320813/gov', '320813/gov'], [('a', 'organ_name_varies'), ('b', 'organ_name_varies')])
    """
    reports, checks = resolve_reports(frames["reports"], crosswalk)
    return {**frames, "reports": reports, "checks": pl.concat([frames["checks"], checks])}
