"""An invented administrative population: provinces → cities → counties → townships and departments.

Names come from ``nianbao/data/synth/names.toml`` (invented stems that no real place uses, see the
file's header), so a generated organ can never be mistaken for a real one. The parser cannot look
invented places up in ``cpca``; the generator therefore writes ``places.csv`` beside the corpus
(:func:`places_rows`) with every province, city, county and township it used.

Each county has one government, some departments (自然资源局 and 住房和城乡建设局 first: they carry the
interesting numbers) and townships or streets; a corpus of N organs spreads them over
``max(3, ceil(N / 15))`` counties (fewer when N < 6), three counties to a city and three cities to a
province.

>>> import numpy as np
>>> organs = build_population(np.random.default_rng(1), 12)
>>> len(organs), organs[0].level, len({o.county for o in organs})
(12, 'county', 3)
>>> organs[0].name.endswith("人民政府") and organs[0].county in organs[0].name
True
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from nianbao.synth.model import Organ

__all__ = ["build_population", "names_data", "places_rows"]

ORGANS_PER_COUNTY = 15
COUNTIES_PER_CITY = 3
CITIES_PER_PROVINCE = 3


@cache
def names_data() -> dict[str, Any]:
    """The invented name parts (``data/synth/names.toml``)."""
    text = (resources.files("nianbao") / "data" / "synth" / "names.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@dataclass(frozen=True, slots=True)
class _County:
    index: int
    name: str  # 岚川县
    stem: str  # 岚川
    suffix: str  # 县 / 区 / 市
    township_suffixes: tuple[str, ...]
    city: str
    province: str


def _county_count(n_organs: int) -> int:
    if n_organs < 6:
        return 1
    return max(3, math.ceil(n_organs / ORGANS_PER_COUNTY))


def _counties(rng: np.random.Generator, n: int) -> list[_County]:
    data = names_data()
    stems = list(data["county_stems"])
    # each county needs a name, each COUNTIES_PER_CITY a city, each CITIES_PER_PROVINCE cities a province
    most = min(
        len(stems),
        len(data["city_stems"]) * COUNTIES_PER_CITY,
        len(data["province_stems"]) * CITIES_PER_PROVINCE * COUNTIES_PER_CITY,
    )
    if n > most:
        raise ValueError(
            f"at most {most} counties (~{most * ORGANS_PER_COUNTY} organs) can be named; "
            "ask for fewer reports or years"
        )
    kinds = data["county_kinds"]
    weights = np.array([k["weight"] for k in kinds], dtype=float)
    county_stems = [stems[i] for i in rng.permutation(len(stems))[:n]]
    n_cities = math.ceil(n / COUNTIES_PER_CITY)
    city_pool = data["city_stems"]
    cities = [city_pool[i % len(city_pool)] + "市" for i in rng.permutation(len(city_pool))[:n_cities]]
    prov_pool = data["province_stems"]
    n_prov = math.ceil(n_cities / CITIES_PER_PROVINCE)
    provinces = [prov_pool[i % len(prov_pool)] + "省" for i in rng.permutation(len(prov_pool))[:n_prov]]
    out = []
    for i, stem in enumerate(county_stems):
        kind = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
        city_i = i // COUNTIES_PER_CITY
        out.append(
            _County(
                index=i + 1,
                name=stem + kind["suffix"],
                stem=stem,
                suffix=kind["suffix"],
                township_suffixes=tuple(kind["township_suffixes"]),
                city=cities[city_i],
                province=provinces[city_i // CITIES_PER_PROVINCE],
            )
        )
    return out


def _roles(n: int) -> list[str]:
    """Roles of a county's organs in order: the government, then townships and departments mixed."""
    pattern = ["township", "department", "township", "township", "department"]
    return ["government"] + [pattern[i % len(pattern)] for i in range(n - 1)]


class _TownshipNames:
    """Township stems unique across the corpus (a prefix character is added when the list runs out)."""

    def __init__(self, rng: np.random.Generator) -> None:
        stems = names_data()["township_stems"]
        self._stems = [stems[i] for i in rng.permutation(len(stems))]
        self._next = 0

    def take(self) -> str:
        i = self._next
        self._next += 1
        base = self._stems[i % len(self._stems)]
        return base if i < len(self._stems) else "东西南北上下前后"[(i // len(self._stems) - 1) % 8] + base


def _organ_title(rng: np.random.Generator, name: str, level: str, city: str) -> str:
    """How the organ's reports print it: mostly the full name, sometimes shortened or with the city."""
    u = rng.random()
    if level == "township" and u < 0.2:
        return name.removesuffix("人民政府")
    if u > 0.92:
        return city + name
    return name


def _government(county: _County, rng: np.random.Generator) -> Organ:
    name = county.name + "人民政府"
    higher = county.city.removesuffix("市")
    return Organ(
        key=f"c{county.index:02d}_gov",
        name=name,
        title_name=_organ_title(rng, name, "county", county.city),
        short=county.name,
        place=county.stem,
        level="county",
        kind="government",
        province=county.province,
        city=county.city,
        county=county.name,
        parent=f"{higher}市委、市政府",
    )


def _department(county: _County, dept: dict[str, Any], rng: np.random.Generator) -> Organ:
    label = dept["name"]
    if dept.get("variants") and rng.random() < 0.3:
        label = str(rng.choice(dept["variants"]))
    name = county.name + label
    return Organ(
        key=f"c{county.index:02d}_{dept['kind']}",
        name=name,
        title_name=_organ_title(rng, name, "county_department", county.city),
        short=name,
        place=county.stem,
        level="county_department",
        kind=dept["kind"],
        province=county.province,
        city=county.city,
        county=county.name,
        parent=f"{county.suffix}委、{county.suffix}政府",
    )


def _township(county: _County, n: int, stem: str, rng: np.random.Generator) -> Organ:
    suffix = str(rng.choice(county.township_suffixes))
    town = stem + suffix
    name = county.name + town + ("办事处" if suffix == "街道" else "人民政府")
    return Organ(
        key=f"c{county.index:02d}_t{n:02d}",
        name=name,
        title_name=_organ_title(rng, name, "township", county.city),
        short=town,
        place=stem,
        level="township",
        kind="street" if suffix == "街道" else "township",
        province=county.province,
        city=county.city,
        county=county.name,
        parent=f"{county.suffix}委、{county.suffix}政府",
    )


def build_population(rng: np.random.Generator, n_organs: int) -> list[Organ]:
    """``n_organs`` organs spread over counties; every county starts with its government.

    >>> [(o.key, o.name, o.level) for o in build_population(np.random.default_rng(0), 3)]  # doctest: +NORMALIZE_WHITESPACE
    [('c01_gov', '杉坪市人民政府', 'county'), ('c01_t01', '杉坪市翠泉乡人民政府', 'township'),
     ('c01_land', '杉坪市自然资源局', 'county_department')]
    """
    if n_organs < 1:
        return []
    counties = _counties(rng, _county_count(n_organs))
    per_county = [n_organs // len(counties) + (i < n_organs % len(counties)) for i in range(len(counties))]
    depts = names_data()["departments"]
    towns = _TownshipNames(rng)
    organs: list[Organ] = []
    for county, n in zip(counties, per_county, strict=True):
        first = [d for d in depts if d["kind"] in ("land", "housing")]
        rest = [d for d in depts if d["kind"] not in ("land", "housing")]
        order = first + [rest[i] for i in rng.permutation(len(rest))]
        n_dept = n_town = 0
        for role in _roles(n):
            if role == "government":
                organs.append(_government(county, rng))
            elif role == "department" and n_dept < len(order):
                organs.append(_department(county, order[n_dept], rng))
                n_dept += 1
            else:
                n_town += 1
                organs.append(_township(county, n_town, towns.take(), rng))
    return organs


def places_rows(organs: list[Organ]) -> list[dict[str, str]]:
    """Rows of ``places.csv``: name, province, city, county, level — every generated place once.

    >>> organs = build_population(np.random.default_rng(0), 3)
    >>> [(r["name"], r["level"]) for r in places_rows(organs)]
    [('竹沟省', 'province'), ('云丰市', 'city'), ('杉坪市', 'county'), ('翠泉乡', 'township')]
    """
    rows: dict[tuple[str, str], dict[str, str]] = {}

    def add(name: str, province: str, city: str, county: str, level: str) -> None:
        rows.setdefault(
            (name, level),
            {"name": name, "province": province, "city": city, "county": county, "level": level},
        )

    for o in organs:
        add(o.province, o.province, "", "", "province")
        add(o.city, o.province, o.city, "", "city")
        add(o.county, o.province, o.city, o.county, "county")
        if o.level == "township":
            add(o.short, o.province, o.city, o.county, "township")
    order = {"province": 0, "city": 1, "county": 2, "township": 3}
    return sorted(
        rows.values(), key=lambda r: (order[r["level"]], r["province"], r["city"], r["county"], r["name"])
    )
