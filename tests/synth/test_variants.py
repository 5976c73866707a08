"""Name variants across years: the generator prints one organ several ways and says which organ it is."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path

import pytest

from nianbao.synth.generate import _rng, build_specs, generate
from nianbao.synth.population import build_population
from nianbao.synth.variants import county_renames, title_variant


@pytest.mark.parametrize(
    ("title", "variant", "kind", "expected"),
    [
        ("岚川县青石乡人民政府", "prefix", "township", "梅安市岚川县青石乡人民政府"),
        ("梅安市岚川县人民政府", "prefix", "government", "岚川县人民政府"),
        ("岚川县人民政府", "suffix", "government", "岚川县政府"),
        ("岚川县青石乡人民政府", "suffix", "township", "岚川县青石乡"),
        ("岚川县青石乡", "suffix", "township", "岚川县青石乡人民政府"),
        ("岚川县青石街道办事处", "suffix", "street", "岚川县青石街道"),
        ("岚川县青石乡人民政府", "town_rename", "township", "岚川县青石镇人民政府"),
    ],
)
def test_title_variants(title: str, variant: str, kind: str, expected: str) -> None:
    assert title_variant(title, variant, "梅安市", kind) == expected


def test_variants_keep_the_organ_key_and_other_reports_unchanged() -> None:
    plain = build_specs(150, ("txt",), seed=5, damage_rate=0.0, years=(2019, 2025), variant_rate=0.0)
    varied = build_specs(150, ("txt",), seed=5, damage_rate=0.0, years=(2019, 2025))
    assert [s.stem for s in plain] == [s.stem for s in varied]
    names: dict[str, set[str]] = defaultdict(set)
    changed = 0
    for a, b in zip(plain, varied, strict=True):
        assert a.organ.key == b.organ.key
        assert a.truth == b.truth  # the figures do not move
        names[b.organ.key].add(b.organ.title_name)
        changed += a.organ.title_name != b.organ.title_name
    assert all(len({s.organ.title_name for s in plain if s.organ.key == k}) == 1 for k in names)
    assert 10 < changed < 100
    assert sum(len(v) > 1 for v in names.values()) >= 8


def test_a_renamed_county_is_in_places_and_organs_csv(tmp_path: Path) -> None:
    orgs = build_population(_rng(5, 0), math.ceil(150 / 7))
    renames = county_renames(5, orgs, list(range(2019, 2026)), 0.3)
    assert {k: (v.new, v.year) for k, v in renames.items()} == {"汀庄县": ("汀庄区", 2023)}
    generate(tmp_path, 150, formats=("txt",), seed=5, years=(2019, 2025))
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "expected").glob("*.json")]
    counties = {(t["year"] >= 2023, t["county"]) for t in truths if t["county"] in ("汀庄县", "汀庄区")}
    assert counties == {(False, "汀庄县"), (True, "汀庄区")}
    assert all(t["organ_key"] for t in truths)
    places = list(csv.DictReader((tmp_path / "places.csv").read_text(encoding="utf-8").splitlines()))
    assert any(r["name"] == "汀庄区" and r["level"] == "county" for r in places)
    rows = list(csv.DictReader((tmp_path / "organs.csv").read_text(encoding="utf-8").splitlines()))
    assert [(r["organ"], r["organ_id"]) for r in rows] == [
        ("*汀庄县*", "涟岭省梓原市汀庄区"),
        ("*汀庄区*", "涟岭省梓原市汀庄区"),
    ]
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"][-2:] == ["places.csv", "organs.csv"]
