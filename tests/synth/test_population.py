"""The invented population: names that no real place uses, a sensible hierarchy, places.csv rows."""

from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from nianbao.synth.population import build_population, names_data, places_rows


def _real_names() -> set[str]:
    """Names of real places known to cpca (full, without suffix, and their first two characters)."""
    spec = importlib.util.find_spec("cpca")  # locate the data without importing cpca (slow)
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - cpca is a dependency
        pytest.skip("cpca is not installed")
    adcodes = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    out: set[str] = set()
    with adcodes.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            stem = re.sub(r"(自治区|自治州|自治县|地区|省|市|县|区|盟|旗)$", "", row["name"])
            out |= {row["name"], stem, stem[:2]}
    return out


def test_no_generated_stem_is_a_real_place() -> None:
    real = _real_names()
    data = names_data()
    for key in ("province_stems", "city_stems", "county_stems", "township_stems"):
        clash = [s for s in data[key] if s in real]
        assert clash == [], f"{key} names real places: {clash[:5]}"


def test_counties_cities_provinces_nest() -> None:
    organs = build_population(np.random.default_rng(5), 60)
    assert len(organs) == 60
    assert len({o.county for o in organs}) == 4  # ceil(60 / 15)
    assert len({o.key for o in organs}) == 60
    assert len({o.name for o in organs}) == 60
    for o in organs:
        assert o.county in o.name
        assert o.province.endswith("省")
        assert o.city.endswith("市")
    assert {o.level for o in organs} == {"county", "county_department", "township"}
    by_county: dict[str, list[str]] = {}
    for o in organs:
        by_county.setdefault(o.county, []).append(o.level)
    assert all(levels[0] == "county" and levels.count("county") == 1 for levels in by_county.values())


def test_small_corpora_use_one_county_and_land_departments_come_first() -> None:
    organs = build_population(np.random.default_rng(0), 5)
    assert len({o.county for o in organs}) == 1
    assert next(o.kind for o in organs if o.level == "county_department") == "land"


def test_places_rows_cover_every_place_once() -> None:
    organs = build_population(np.random.default_rng(2), 30)
    rows = places_rows(organs)
    keys = [(r["name"], r["level"]) for r in rows]
    assert len(keys) == len(set(keys))
    counties = {r["name"]: r for r in rows if r["level"] == "county"}
    assert set(counties) == {o.county for o in organs}
    for o in organs:
        assert counties[o.county]["city"] == o.city
        assert counties[o.county]["province"] == o.province
    towns = {r["name"] for r in rows if r["level"] == "township"}
    assert towns == {o.short for o in organs if o.level == "township"}


def test_a_population_past_the_names_is_refused_in_words_not_an_index_error() -> None:
    most = len(build_population(np.random.default_rng(0), 1620))
    assert most == 1620
    with pytest.raises(ValueError, match=r"at most 108 counties \(~1620 organs\) can be named"):
        build_population(np.random.default_rng(0), 1621)
