"""Name variants of one organ across years, as real collections print them.

An organ chosen at ``rate`` prints, from a switch year on, one variant of its title: the city
prefix added or dropped (梅安市岚川县青石镇人民政府 / 岚川县青石镇人民政府), the suffix dropped (人民政府 → 政府
for a government, 人民政府 or 办事处 dropped for a township or street), or its 乡 renamed 镇 (撤乡设镇).
A county (县) chosen at ``rate`` becomes a district (区) from a year on, in the titles of all
its organs; the corpus then carries the rename as crosswalk division rows (``organs.csv``), as
the package's own table carries 水城县 → 水城区, since invented places are in no table.

The truth keeps the organ's ``key`` beside the printed name, so a test can check that every
variant of one organ gets one ``organ_id`` and no two organs share one. Variants use random
streams of their own (purpose 5): the rest of a report is the same as without them.

>>> title_variant("岚川县青石乡人民政府", "suffix", "梅安市")
'岚川县青石乡'
>>> title_variant("岚川县青石乡人民政府", "town_rename", "梅安市")
'岚川县青石镇人民政府'
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from nianbao.synth.model import Organ

__all__ = ["VARIANT_RATE", "CountyRename", "county_renames", "organ_in_year", "organs_rows", "title_variant"]

VARIANT_RATE = 0.3  # share of organs printed under another name from some year on


@dataclass(frozen=True, slots=True)
class CountyRename:
    """A county turned district: ``old`` is printed before ``year``, ``new`` from ``year`` on."""

    old: str
    new: str
    year: int
    province: str
    city: str


def _rng(seed: int, *parts: int) -> np.random.Generator:
    return np.random.default_rng([seed, *parts, 5])


def county_renames(seed: int, organs: list[Organ], years: list[int], rate: float) -> dict[str, CountyRename]:
    """Counties (县) that become districts (区) from a year after the first, at ``rate``.

    >>> from nianbao.synth.population import build_population
    >>> organs = build_population(np.random.default_rng(5), 2)
    >>> renames = county_renames(0, organs, [2020, 2021, 2022], 1.0)
    >>> renames["璋桥县"].new, renames["璋桥县"].year
    ('璋桥区', 2021)
    """
    if len(years) < 2 or rate <= 0:
        return {}
    out: dict[str, CountyRename] = {}
    counties = list(dict.fromkeys((o.county, o.province, o.city) for o in organs))
    rng = _rng(seed, 0)
    taken = {c for c, _, _ in counties}
    for county, province, city in counties:
        draw, when = rng.random(), int(rng.integers(1, len(years)))
        new = county[:-1] + "区"
        if county.endswith("县") and draw < rate and new not in taken:
            out[county] = CountyRename(county, new, years[when], province, city)
            taken.add(new)
    return out


def _kinds(organ: Organ) -> list[str]:
    kinds = ["prefix"]
    if organ.kind in ("government", "township", "street"):
        kinds.append("suffix")
    if organ.kind == "township" and organ.short.endswith("乡"):
        kinds.append("town_rename")
    return kinds


def title_variant(title: str, variant: str, city: str, kind: str = "township") -> str:
    """The title printed another way (see the module docstring); ``kind`` is the organ's.

    >>> title_variant("岚川县青石乡人民政府", "prefix", "梅安市")
    '梅安市岚川县青石乡人民政府'
    >>> title_variant("岚川县人民政府", "suffix", "梅安市", kind="government")
    '岚川县政府'
    """
    if variant == "prefix":
        return title.removeprefix(city) if title.startswith(city) else city + title
    if variant == "suffix":
        if title.endswith("街道办事处"):
            return title.removesuffix("办事处")
        if title.endswith("人民政府"):
            return title.removesuffix("人民政府") + ("政府" if kind == "government" else "")
        return title + "人民政府"
    if variant == "town_rename":
        at = title.rfind("乡")
        return title[:at] + "镇" + title[at + 1 :] if at >= 0 else title
    return title


def organ_in_year(
    seed: int,
    index: int,
    organ: Organ,
    year: int,
    span: list[int],
    rate: float,
    renames: dict[str, CountyRename],
) -> Organ:
    """The organ as its report of ``year`` prints it (title and, after a rename, county).

    >>> from nianbao.synth.population import build_population
    >>> organs = build_population(np.random.default_rng(5), 2)
    >>> renames = county_renames(0, organs, [2020, 2021, 2022], 1.0)
    >>> [organ_in_year(0, 1, organs[1], y, [2020, 2021, 2022], 1.0, renames).title_name for y in (2020, 2022)]
    ['璋桥县峦峰镇人民政府', '璋桥区峦峰镇']
    """
    out = organ
    rng = _rng(seed, index + 1)
    draw, pick, when = rng.random(), rng.random(), int(rng.integers(1, max(2, len(span))))
    if len(span) >= 2 and draw < rate and year >= span[when]:
        kinds = _kinds(organ)
        out = replace(
            out,
            title_name=title_variant(organ.title_name, kinds[int(pick * len(kinds))], organ.city, organ.kind),
        )
    rename = renames.get(organ.county)
    if rename is not None and year >= rename.year:
        out = replace(out, title_name=out.title_name.replace(rename.old, rename.new, 1), county=rename.new)
    return out


def organs_rows(renames: dict[str, CountyRename]) -> list[dict[str, str]]:
    """Crosswalk division rows (``organs.csv``): both names of a renamed county → one division.

    >>> from nianbao.synth.population import build_population
    >>> organs = build_population(np.random.default_rng(5), 2)
    >>> renames = county_renames(0, organs, [2020, 2021, 2022], 1.0)
    >>> [(r["organ"], r["organ_id"]) for r in organs_rows(renames)]
    [('*璋桥县*', '涟岭省梓原市璋桥区'), ('*璋桥区*', '涟岭省梓原市璋桥区')]
    """
    rows = []
    for r in renames.values():
        division = r.province + r.city + r.new
        note = f"{r.old} became {r.new} in {r.year} (synthetic)"
        for name in (r.old, r.new):
            rows.append(
                {
                    "organ": f"*{name}*",
                    "place": r.province + r.city,
                    "years": "",
                    "organ_id": division,
                    "organ_name": r.city + r.new,
                    "note": note,
                }
            )
    return rows
