"""Where an organ sits: province, city, county and the level of its place.

The maintained ``cpca`` package matches administrative names inside a string. Its data predate some
renamings (水城县 → 水城区, 2020) and do not know special zones, so a small table of aliases
(``data/places.csv``, extendable by a corpus-level file with the same columns) is consulted first.
A cpca match counts only where the name starts the organ or follows the place above it, so that
"城区" inside "水城区" is not taken for 汕尾市城区.

>>> locate_place("民权县褚庙乡人民政府")
Place(province='河南省', city='商丘市', county='民权县', level='county')
>>> locate_place("上海市人民政府办公厅")
Place(province='上海市', city=None, county=None, level='province')
>>> locate_place("水城区坪寨乡人民政府").city
'六盘水市'
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from types import ModuleType
from typing import Any

__all__ = [
    "PLACE_COLUMNS",
    "Place",
    "PlaceResolver",
    "is_bare_place",
    "locate_place",
    "organ_level",
    "read_aliases",
    "resolver",
]

PLACE_COLUMNS = ("name", "province", "city", "county", "level")
_LEVELS = frozenset({"province", "city", "county", "township"})


@dataclass(frozen=True, slots=True)
class Place:
    province: str | None
    city: str | None
    county: str | None
    level: str | None  # level of the most specific place named: province, city or county


def _read_aliases(rows: Any) -> dict[str, Place]:
    return {
        r["name"]: Place(r["province"] or None, r["city"] or None, r["county"] or None, r["level"] or None)
        for r in rows
        if r.get("name")
    }


@cache
def _aliases() -> dict[str, Place]:
    text = (resources.files("nianbao") / "data" / "places.csv").read_text(encoding="utf-8")
    return _read_aliases(csv.DictReader(text.splitlines()))


def read_aliases(text: str) -> dict[str, Place]:
    """The aliases of a places file's text (columns name, province, city, county, level; more may follow).

    ``level`` says what the named place is, so a county-level city (深州市) is ``county`` and
    resolves as a county, not as the prefecture-level city its 市 would suggest.

    Raises
    ------
    ValueError
        A column is missing, or a ``level`` is not province, city, county or township.

    >>> read_aliases("name,province,city,county,level,note\\n深州市,河北省,衡水市,深州市,county,县级市\\n")
    {'深州市': Place(province='河北省', city='衡水市', county='深州市', level='county')}
    >>> read_aliases("name,province,city,county,level\\n梅安市,云丰省,梅安市,,town\\n")
    Traceback (most recent call last):
    ValueError: line 2: level 'town' is not one of city, county, province, township
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not set(PLACE_COLUMNS) <= set(reader.fieldnames or ()):
        raise ValueError(f"a places file needs the columns {', '.join(PLACE_COLUMNS)}")
    rows = list(reader)
    for line, r in enumerate(rows, start=2):
        if (r["level"] or "") and r["level"] not in _LEVELS:
            raise ValueError(f"line {line}: level {r['level']!r} is not one of {', '.join(sorted(_LEVELS))}")
    return _read_aliases(rows)


class PlaceResolver:
    """Resolves organs to places with a run's aliases (its places files) before the package's own.

    Made once per set of places-file texts (:func:`resolver`); each organ is resolved once.
    """

    def __init__(self, extra: Mapping[str, Place]) -> None:
        self.extra = dict(extra)
        self._memo: dict[str, Place] = {}

    def locate(self, organ: str) -> Place:
        """The place of an organ from its name (the run's aliases, the package's, then cpca)."""
        place = self._memo.get(organ)
        if place is None:
            place = _locate(organ, (self.extra, _aliases()))
            if len(self._memo) < 100_000:
                self._memo[organ] = place
        return place


@lru_cache(maxsize=8)
def resolver(places: tuple[str, ...] = ()) -> PlaceResolver:
    """The resolver of these places-file texts (:attr:`nianbao.options.RunOptions.places`), later
    texts overriding earlier ones; blank texts count for nothing.

    >>> resolver(("name,province,city,county,level\\n梅安市,云丰省,梅安市,,city\\n",)).locate("梅安市教育局").province
    '云丰省'
    """
    merged: dict[str, Place] = {}
    for text in places:
        if text.strip():
            merged.update(read_aliases(text))
    return PlaceResolver(merged)


def _short(name: str) -> str:
    for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _follows(organ: str, pos: int, above: list[str]) -> bool:
    """Does a name found at ``pos`` start the organ or directly follow a place above it?"""
    if pos <= 0:
        return True
    prefix = organ[:pos]
    return any(a and (prefix.endswith(a) or prefix.endswith(_short(a))) for a in above)


@cache
def _import_cpca() -> ModuleType:
    """``import cpca``, without importing ``pkg_resources`` for it.

    cpca reads its table of places at import with ``pkg_resources.resource_stream``; importing
    ``pkg_resources`` scans every installed distribution (~130 ms of CPU, paid by every worker
    process, six times cpca's own loading). For the duration of cpca's import only, a stand-in
    serves the same file's bytes through ``importlib.resources``; it is removed afterwards, so
    anything importing ``pkg_resources`` later gets the real module. If ``pkg_resources`` is
    already loaded, it is used as is.
    """
    if "cpca" in sys.modules or "pkg_resources" in sys.modules:
        import cpca  # noqa: PLC0415 (imported with the pkg_resources stand-in, see above)

        return cpca
    stand_in = ModuleType("pkg_resources")
    stand_in.resource_stream = lambda package, name: resources.files(package).joinpath(name).open("rb")  # type: ignore[attr-defined]
    sys.modules["pkg_resources"] = stand_in
    try:
        import cpca  # noqa: PLC0415 (imported with the pkg_resources stand-in, see above)
    finally:
        if sys.modules.get("pkg_resources") is stand_in:
            del sys.modules["pkg_resources"]
    return cpca


def _cpca(organ: str) -> Place:
    cpca = _import_cpca()

    try:
        r = cpca._get_one_addr(organ, True, {})
    except AttributeError:  # a future cpca without the private helper: use the public one
        df = cpca.transform([organ], pos_sensitive=True)
        r = df.iloc[0].to_dict()

    def clean(v: Any) -> str | None:
        return v if isinstance(v, str) and v else None

    province, city, county = clean(r.get("省")), clean(r.get("市")), clean(r.get("区"))
    if city and len(city) < 2 and not county:  # cpca's stand-in city "县" (of 重庆市's counties) named alone
        city = None  # is any damaged fragment "…县…", not a place
        if int(r.get("省_pos", -1)) < 0:
            province = None
    if county and not _follows(organ, int(r.get("区_pos", -1)), [p for p in (city, province) if p]):
        county = None
        if int(r.get("市_pos", -1)) < 0 and int(r.get("省_pos", -1)) < 0:
            province = city = None
    if county:
        return Place(province, city, county, "county")
    if city and int(r.get("市_pos", -1)) >= 0:
        return Place(province, city, None, "city")
    if province and int(r.get("省_pos", -1)) >= 0:
        return Place(
            province, city if province in ("北京市", "上海市", "天津市", "重庆市") else None, None, "province"
        )
    return Place(None, None, None, None)


def _locate(organ: str, tables: tuple[Mapping[str, Place], ...]) -> Place:
    depth = {"county": 3, "city": 2, "province": 1}
    for table in tables:
        found = [name for name in table if name in organ]
        if found:  # the most specific place named wins (碧山县 over 梅安市 in 梅安市碧山县…局)
            return table[max(found, key=lambda n: (depth.get(table[n].level or "", 0), len(n)))]
    return _cpca(organ)


def locate_place(organ: str) -> Place:
    """The place of an organ from its name, with the package's aliases only (see :func:`resolver`).

    >>> locate_place("淮安市洪泽区教育局"), locate_place("某某局")
    (Place(province='江苏省', city='淮安市', county='洪泽区', level='county'), Place(province=None, city=None, county=None, level=None))
    """
    return resolver().locate(organ)


def is_bare_place(organ: str, place: Place) -> bool:
    """Is the organ's name only its place's name ("上海市", "淮安市洪泽区"), with no organ named after it?

    >>> is_bare_place("上海市", locate_place("上海市")), is_bare_place("上海市公安局", locate_place("上海市公安局"))
    (True, False)
    """
    rest = organ.strip()
    for name in (place.province, place.city, place.county):
        if name and rest.startswith(name):
            rest = rest[len(name) :]
    return not rest and place.level is not None


def organ_level(kind: str, place: Place, organ: str | None = None) -> str:
    """Contract's organ_level from the organ's kind (township/government/department) and place.

    A report titled with a bare place name (``organ`` "上海市", "…省", "…区") is the report of that
    place's people's government: its level is the place's, not a department's.

    >>> organ_level("department", Place("河北省", "衡水市", "深州市", "county"))
    'county_department'
    >>> organ_level("department", Place("上海市", "上海市", None, "province"), "上海市")
    'province'
    """
    if kind == "township":
        return "township"
    if place.level is None:
        return "other"
    if kind == "department" and organ is not None and is_bare_place(organ, place):
        kind = "government"
    return place.level if kind == "government" else f"{place.level}_department"
