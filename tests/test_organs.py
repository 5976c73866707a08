"""Organ identity: one organ_id per organ whatever its printed name, never one for two organs."""

from __future__ import annotations

import copy
from pathlib import Path

import polars as pl
import pytest

from builders import correct_truth, report_text
from nianbao.analysis import charts
from nianbao.analysis import metrics as m
from nianbao.corpus.run import read_corpus
from nianbao.corpus.sources import walk_corpus
from nianbao.errors import NianbaoError
from nianbao.parse.checks import cross_report
from nianbao.parse.crosswalk import read_crosswalk
from nianbao.parse.metadata import organ_kind
from nianbao.parse.organs import resolve_one
from nianbao.parse.places import locate_place, organ_level
from nianbao.parse.report import parse_bytes, read_report
from nianbao.parse.result import to_frames

SHARED = Path(__file__).parents[1] / ".." / "shared"


def organ_id(printed: str, year: int = 2022) -> str | None:
    place = locate_place(printed)
    level = organ_level(organ_kind(printed), place)
    return resolve_one(printed, level, place.province, place.city, place.county, year).organ_id


# Each group: printed names of ONE organ. Different groups are different organs (a county and its
# office, a city and its district, a county-level city's government and office, a township and its
# county, the same township name in another county).
ORGANS = [
    [
        "淮安市洪泽区人民政府",
        "洪泽区人民政府",
        "洪泽区政府",
        "江苏省淮安市洪泽区人民政府",
        "淮安洪泽区人民政府",
    ],
    ["洪泽区人民政府办公室", "淮安市洪泽区政府办公室", "洪泽区政府办"],
    ["淮安市人民政府", "淮安市政府"],
    ["淮安市人民政府办公室"],
    ["洪泽区教育局", "淮安市洪泽区教育局"],
    ["洪泽区住房和城乡建设局", "洪泽区住建局"],
    ["深州市人民政府", "衡水市深州市人民政府"],
    ["深州市人民政府办公室"],
    ["水城县坪寨乡人民政府", "水城区坪寨镇人民政府", "六盘水市水城区坪寨乡", "水城区坪寨镇政府"],
    ["水城区人民政府", "水城县人民政府", "六盘水市水城区人民政府"],
    ["民权县褚庙乡人民政府", "商丘市民权县褚庙乡", "民权县褚庙镇人民政府"],
    ["卫辉市上乐村镇人民政府", "卫辉市上乐村镇", "新乡市卫辉市上乐村镇政府"],
    ["洪泽区高良涧街道办事处", "洪泽区高良涧街道"],
    ["上海市人民政府办公厅", "上海市政府办公厅"],
    ["上海市人民政府"],
    ["平潭综合实验区", "平潭综合实验区管委会", "平潭综合实验区管理委员会"],
    ["平潭县人民政府"],
    ["南京市鼓楼区人民政府"],
    ["福州市鼓楼区人民政府"],
]


def test_every_variant_one_id_and_no_two_organs_share_one() -> None:
    ids = [{organ_id(name) for name in group} for group in ORGANS]
    assert all(len(s) == 1 for s in ids), [(g, s) for g, s in zip(ORGANS, ids, strict=True) if len(s) != 1]
    flat = [next(iter(s)) for s in ids]
    assert len(set(flat)) == len(flat)
    assert not any(i is None or i.startswith("name:") for i in flat)


def test_ids_are_built_from_division_codes() -> None:
    assert organ_id("洪泽区政府") == "320813/gov"
    assert organ_id("洪泽区人民政府办公室") == "320813/office"
    assert organ_id("淮安市人民政府") == "320800/gov"
    assert organ_id("水城县坪寨乡人民政府", 2019) == "520204/坪寨/gov"  # the package's renamed-division table
    assert organ_id("上海市人民政府办公厅") == "310000/office"


def test_unresolved_names_are_flagged_not_merged() -> None:
    """No place, or a county name several cities share printed without its city: ``name:`` ids."""
    assert organ_id("褚庙乡人民政府") == "name:褚庙乡"
    assert organ_id("鼓楼区人民政府") == "name:鼓楼区"


EXPECTED_REAL = {
    "000_96c89db48c712c5a.txt": "411421/褚庙/gov",
    "001_752a671dabfd990e.txt": "131182/office",
    "002_06779a1a565539f6.txt": "520204/坪寨/gov",
    "003_5389ca157a1df17a.txt": "640303/柳泉/gov",
    "004_cff4ace8f11033c3.txt": "410781/上乐村/gov",
    "hongze_2024.pdf": "320813/gov",
    "pingtan_2023.html": "350128/平潭综合实验区/gov",
    "shanghai_bgt_2019.html": "310000/office",
}


def test_real_reports_resolve_the_same_alone_and_in_a_corpus() -> None:
    files = sorted((SHARED / "seeds").iterdir()) + sorted((SHARED / "corpus" / "real" / "files").iterdir())
    alone = {f.name: read_report(f).reports["organ_id"].item() for f in files}
    assert alone == EXPECTED_REAL
    c = read_corpus(
        [SHARED / "seeds", SHARED / "corpus" / "real" / "files"], cache=False, jobs=1, progress=False
    )
    together = dict(zip([Path(p).name for p in c.reports["path"]], c.reports["organ_id"], strict=True))
    assert together == EXPECTED_REAL
    assert c.checks.filter(pl.col("check").str.starts_with("organ")).height == 0
    assert c.reports["organ_name"].to_list()[5] == "淮安市洪泽区人民政府"


def _named(year: int, organ: str) -> dict:
    t = correct_truth(year)
    t["organ"] = organ
    return t


def test_carry_over_check_runs_across_a_name_change() -> None:
    a, b = _named(2022, "淮安市洪泽区人民政府"), _named(2023, "洪泽区政府")
    frames = to_frames([parse_bytes(report_text(t).encode(), f"{t['year']}.txt") for t in (a, b)])
    assert cross_report(frames).height == 0
    for row in ("carried_over", "new_received"):
        b["applications"][row][0] += 2 if row == "carried_over" else -2
        b["applications"][row][6] += 2 if row == "carried_over" else -2
    frames = to_frames([parse_bytes(report_text(t).encode(), f"{t['year']}.txt") for t in (a, b)])
    got = cross_report(frames)
    assert got.select("check", "expected", "actual").rows() == [("cross_year_carry", 1.0, 3.0)]


def _corpus(root: Path, organs: dict[int, str]) -> Path:
    root.mkdir(parents=True)
    for year, organ in organs.items():
        (root / f"r{year}.txt").write_text(report_text(_named(year, organ)), encoding="utf-8")
    return root


def test_corpus_names_varies_and_unresolved(tmp_path: Path) -> None:
    root = _corpus(
        tmp_path / "c", {2021: "淮安市洪泽区人民政府", 2022: "洪泽区人民政府", 2023: "测试县城关镇人民政府"}
    )
    c = read_corpus(root, cache=False, jobs=1, progress=False)
    assert c.reports["organ_id"].to_list() == ["320813/gov", "320813/gov", "name:测试县城关镇"]
    assert c.reports["organ_name"].to_list()[:2] == ["洪泽区人民政府"] * 2  # as printed in the latest year
    varies = c.checks.filter(check="organ_name_varies")
    assert varies.height == 2
    assert set(varies["severity"].cast(pl.String)) == {"info"}
    assert "洪泽区人民政府、淮安市洪泽区人民政府" in varies["message"][0]
    unresolved = c.checks.filter(check="organ_unresolved")
    assert unresolved.select("report_id", pl.col("severity").cast(pl.String)).rows() == [
        (c.reports["report_id"][2], "warning")
    ]


CROSSWALK = "organ,place,years,organ_id,organ_name,note\n测试县城关镇*,,2023-,320813/城关/gov,洪泽区城关镇人民政府,merged\n"


def test_crosswalk_in_the_folder_overrides_is_reported_and_is_no_source(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", {2022: "洪泽区人民政府", 2023: "测试县城关镇人民政府"})
    (root / "organs.csv").write_text(CROSSWALK, encoding="utf-8")
    assert [s.display for s in walk_corpus([root]).sources] == ["r2022.txt", "r2023.txt"]
    c = read_corpus(root, cache=False, jobs=1, progress=False)
    assert c.reports.select("organ_id", "organ_name").rows()[1] == ("320813/城关/gov", "洪泽区城关镇人民政府")
    row = c.checks.filter(check="organ_crosswalk")
    assert row["report_id"].to_list() == [c.reports["report_id"][1]]
    assert "organs.csv:2" in row["message"][0]
    assert c.checks.filter(check="organ_unresolved").height == 0
    assert c.stats.organs_files == [str(root / "organs.csv")]


def test_crosswalk_given_as_a_file_and_to_read_report(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", {2023: "测试县城关镇人民政府"})
    cw = tmp_path / "mine.csv"
    cw.write_text(CROSSWALK, encoding="utf-8")
    c = read_corpus(root, cache=False, jobs=1, progress=False, organs=cw)
    alone = read_report(root / "r2023.txt", organs=cw)
    assert c.reports["organ_id"].to_list() == alone.reports["organ_id"].to_list() == ["320813/城关/gov"]
    assert "mine.csv:2" in alone.checks.filter(check="organ_crosswalk")["message"][0]
    # outside the row's years the automatic resolution stands
    assert read_report(root / "r2023.txt").reports["organ_id"].item() == "name:测试县城关镇"


def test_division_rows_rename_a_county() -> None:
    cw = read_crosswalk(
        "organ,place,years,organ_id,organ_name\n*测试县*,,,999999,某市测试区\n*测试区*,,,999999,某市测试区\n"
    )
    a = resolve_one("测试县城关镇人民政府", "township", None, None, "测试县", 2019, cw)
    b = resolve_one("测试区城关镇人民政府", "township", None, None, "测试区", 2023, cw)
    assert a.organ_id == b.organ_id == "999999/城关/gov"
    assert b.organ_name == "某市测试区城关镇人民政府"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("organ,place,organ_id\nx,,1\n", "needs the columns"),
        ("organ,place,years,organ_id,organ_name\nx,,20x1,1/gov,\n", "years"),
        ("organ,place,years,organ_id,organ_name\n,,,1/gov,\n", "needs an organ"),
    ],
)
def test_a_bad_crosswalk_stops_the_run(tmp_path: Path, text: str, fragment: str) -> None:
    root = _corpus(tmp_path / "c", {2023: "洪泽区人民政府"})
    cw = tmp_path / "organs.csv"
    cw.write_text(text, encoding="utf-8")
    with pytest.raises(NianbaoError, match=fragment):
        read_corpus(root, cache=False, jobs=1, progress=False, organs=cw)


def test_duplicates_found_across_name_variants() -> None:
    a = _named(2023, "淮安市洪泽区人民政府")
    b = copy.deepcopy(a)
    b["organ"] = "洪泽区人民政府"
    frames = to_frames([parse_bytes(report_text(t).encode(), n) for t, n in ((a, "a.txt"), (b, "b.txt"))])
    assert set(cross_report(frames)["check"]) == {"duplicate_report"}


# --- analysis: one organ everywhere ----------------------------------------------------------


def _panel() -> m.Frames:
    """A county government printed three ways over three years, and its office (another organ)."""
    names = {2021: "淮安市洪泽区人民政府", 2022: "洪泽区人民政府", 2023: "洪泽区政府"}
    results = []
    for year, organ in names.items():
        for name in (organ, "洪泽区人民政府办公室"):
            t = _named(year, name)
            t["narrative"]["proactive_items"] = year - 2000 + (100 if "办公室" in name else 0)
            results.append(parse_bytes(report_text(t).encode(), f"{name}_{year}.txt"))
    return m.from_frames(dict(to_frames(results)))


def _values(spec: object) -> list[dict]:
    """Every data row inlined anywhere in a chart's spec."""
    if isinstance(spec, dict):
        own = spec.get("values") if isinstance(spec.get("values"), list) else []
        return [*own, *(r for k, v in spec.items() if k != "values" for r in _values(v))]
    if isinstance(spec, list):
        return [r for v in spec for r in _values(v)]
    return []


def test_a_trend_across_name_variants_is_one_line() -> None:
    frames = _panel()
    volume = m.proactive_volume(frames.reports, frames.proactive)
    assert sorted(set(volume["organ"])) == ["洪泽区人民政府办公室", "洪泽区政府"]
    chart = charts.trend(volume, "narrative_items", m.median_band(volume, "narrative_items")).to_dict()
    rows = [r for r in _values(chart) if "narrative_items" in r]
    line = sorted((r["year"], r["narrative_items"]) for r in rows if r["organ"] == "洪泽区政府")
    assert line == [(2021, 21), (2022, 22), (2023, 23)]
    assert {r["printed_organ"] for r in rows if r["organ"] == "洪泽区政府"} == {
        "淮安市洪泽区人民政府",
        "洪泽区人民政府",
        "洪泽区政府",
    }
    yoy = m.year_on_year(volume, "narrative_items").filter(pl.col("organ") == "洪泽区政府").sort("year")
    assert yoy["previous"].to_list() == [None, 21, 22]


def test_profile_peers_and_checks_follow_the_id() -> None:
    frames = _panel()
    assert m.subject_of(frames, "淮安市洪泽区人民政府") == "洪泽区政府"  # any printed name finds it
    assert m.subject_of(frames, "320813/gov") == "洪泽区政府"
    peers = m.peers_of(frames, "洪泽区政府")
    assert peers.reports.filter("is_subject")["year"].sort().to_list() == [2021, 2022, 2023]
    assert m.selection_summary(frames)["organs"].item() == 2
    assert m.corpus_summary(frames)["organs"] == 2
    grid = m.coverage(frames.reports)
    assert grid.filter(pl.col("organ") == "洪泽区政府")["year"].sort().to_list() == [2021, 2022, 2023]


def test_cli_organs_option_and_a_changed_crosswalk_needs_no_reparse(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from nianbao.cli import cli
    from nianbao.corpus.run import Corpus

    root = _corpus(tmp_path / "c", {2023: "测试县城关镇人民政府"})
    cw, out = tmp_path / "mine.csv", tmp_path / "out"
    cw.write_text(CROSSWALK, encoding="utf-8")
    first = CliRunner().invoke(cli, ["parse", str(root), "--out", str(out), "-j", "1", "--organs", str(cw)])
    assert first.exit_code == 0, first.output
    assert "organs:   crosswalk" in first.output
    assert Corpus.read(out).reports["organ_id"].to_list() == ["320813/城关/gov"]
    cw.write_text(CROSSWALK.replace("320813/城关/gov", "320813/城关镇/gov"), encoding="utf-8")
    again = CliRunner().invoke(cli, ["parse", str(root), "--out", str(out), "-j", "1", "--organs", str(cw)])
    assert "0 parsed" in again.output
    assert "1 from cache" in again.output
    assert Corpus.read(out).reports["organ_id"].to_list() == ["320813/城关镇/gov"]


# --- generated corpora with name variants -----------------------------------------------------


def _truth_keys(folder: Path) -> pl.DataFrame:
    import json

    rows = [json.loads(p.read_text(encoding="utf-8")) for p in (folder / "expected").glob("*.json")]
    return pl.DataFrame([{"path": t["source"], "key": t["organ_key"], "printed": t["organ"]} for t in rows])


def test_generated_variants_resolve_one_id_per_organ_and_no_false_merge(tmp_path: Path) -> None:
    from nianbao.synth.generate import generate

    root = tmp_path / "synth"
    generate(root, 150, formats=("txt", "html"), seed=5, years=(2019, 2025))
    assert (root / "organs.csv").is_file()  # 汀庄县 → 汀庄区 in 2023, as division rows
    cache = tmp_path / "cache"
    c = read_corpus(root, cache_dir=cache, jobs=1, progress=False)
    j = c.reports.join(_truth_keys(root), on="path")
    assert j.height == 150
    per_key = j.group_by("key").agg(
        pl.col("organ_id").n_unique().alias("ids"), pl.col("printed").n_unique().alias("names")
    )
    per_id = j.group_by("organ_id").agg(pl.col("key").n_unique().alias("keys"))
    varied = per_key.filter(pl.col("names") > 1)
    assert varied.height >= 8  # organs printed under two or more names
    assert per_key["ids"].max() == 1  # every variant of an organ: one id
    assert per_id["keys"].max() == 1  # no two organs share one (a county and its 办公室 included)
    assert c.checks.filter(check="organ_unresolved").height == 0
    renamed = j.filter(pl.col("printed").str.contains("汀庄"))
    assert renamed["organ_id"].str.starts_with("涟岭省梓原市汀庄区/").all()
    assert renamed["county"].unique().sort().to_list() == ["汀庄区", "汀庄县"]
    varies = c.checks.filter(check="organ_name_varies")["report_id"].n_unique()
    assert varies == j.filter(pl.col("key").is_in(varied["key"].implode())).height
    # without the corpus's crosswalk the county turned district splits in two: the rename needs it
    (root / "organs.csv").unlink()
    bare = read_corpus(root, cache_dir=cache, jobs=1, progress=False)
    assert bare.stats.parsed == 0
    split = bare.reports.join(_truth_keys(root), on="path").group_by("key").agg(pl.col("organ_id").n_unique())
    assert split["organ_id"].max() == 2


def test_the_crosswalk_index_finds_the_same_first_row_as_scanning_every_row() -> None:
    from nianbao.parse.crosswalk import CrosswalkIndex, package_crosswalk, read_crosswalk

    mine = read_crosswalk(
        "organ,place,years,organ_id,organ_name\n"
        "*坪寨*,贵州省,2019-2020,x/gov,坪寨\n"
        "水城县*局,,,520221,水城区\n"
        "?城县[教财]育局,,-2021,y/edu,Y\n"
        "*,云南省,2022,z/any,Z\n"
        "*城县*,,,520222,城区\n",
        "o.csv",
    )
    cw = mine + package_crosswalk()
    index = CrosswalkIndex(cw)
    organs = ["水城县坪寨乡人民政府", "水城县教育局", "水城县财育局", "坪寨乡", "昆明市教育局", "城县", ""]
    organs += [r.organ.replace("*", "") for r in cw.rows] + [r.organ.replace("*", "甲") for r in cw.rows]
    places = ["贵州省六盘水市水城县", "云南省昆明市", ""]
    tried = found = 0
    for organ in organs:
        for place in places:
            for year in (None, 2019, 2021, 2022):
                tried += 1
                assert index.organ_row(organ, place, year) == cw.organ_row(organ, place, year)
                assert index.division(organ, place, year) == cw.division(organ, place, year)
                found += (
                    cw.organ_row(organ, place, year) is not None
                    or cw.division(organ, place, year) is not None
                )
    assert found > tried // 10  # the names do hit rows, of both kinds
