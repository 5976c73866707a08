"""Pages at scale (issue 20): above ``max_organs`` organs the charts pool by county (else city), the
tables pool by place, and drill-down tables list every organ; the numbers are the organs' sums."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from lxml import html as lxml_html

from analysis_frames import Rendered, Synthetic, render, write_parsed
from nianbao.analysis import metrics as m
from nianbao.analysis import rollup
from nianbao.analysis.selection import FRAME_NAMES, from_frames

PLACES = {"甲县": "乙市甲县", "丙县": "乙市丙县"}
MAX_PAGE = 5_000_000


def _expected(synthetic: Synthetic, value: Any) -> dict[tuple[str, int], list[int]]:
    """(county, year) -> [sum of ``value(truth)`` over its usable reports, reports], from the truth."""
    out: dict[tuple[str, int], list[int]] = {}
    for (organ, year), truth in synthetic.truth.items():
        if (organ, year) in synthetic.flagged:  # left out of the figures by default
            continue
        cell = out.setdefault((PLACES[synthetic.counties[organ]], year), [0, 0])
        cell[0] += value(truth)
        cell[1] += 1
    return out


def test_the_unit_is_the_finest_that_fits(synthetic: Synthetic) -> None:
    counts = m.application_counts(synthetic.frames.reports, synthetic.frames.applications)
    assert counts.filter(pl.col("organ").is_not_null())["organ"].n_unique() == 8
    assert [rollup.unit_for(counts, n) for n in (8, 7, 2, 1)] == ["organ", "county", "county", "city"]


def test_places_sum_their_organs(synthetic: Synthetic) -> None:
    data = m.select(synthetic.frames)
    counts = m.application_counts(data.reports, data.applications)
    pooled = rollup.by_place(counts, ["applications", "handled"], "county")
    got = {(r["organ"], r["year"]): [r["applications"], r["reports"]] for r in pooled.iter_rows(named=True)}
    assert got == _expected(synthetic, lambda t: t["new"] + t["carried"])
    handled = {(r["organ"], r["year"]): r["handled"] for r in pooled.iter_rows(named=True)}
    assert handled == {k: v[0] for k, v in _expected(synthetic, lambda t: t["handled"]).items()}
    assert got[("乙市甲县", 2022)][1] == 3  # 4 townships, one report fails an identity
    assert set(pooled["organs"].to_list()) == {3, 4}
    # the unit "organ" leaves the frame as it is: pages under the threshold do not change
    assert rollup.by_place(counts, ["applications"], "organ").equals(counts)


def test_a_mean_per_report_divides_by_the_reports_with_a_value(synthetic: Synthetic) -> None:
    data = m.select(synthetic.frames)
    volume = m.proactive_volume(data.reports, data.proactive)
    means = rollup.by_place(volume, ["narrative_items"], "county", levels=True, per_report=True)
    sums = _expected(synthetic, lambda t: t["narrative"])
    for row in means.iter_rows(named=True):
        total, n = sums[(row["organ"], row["year"])]
        assert row["organ_level"] == "township"
        assert row["narrative_items"] == round(total / n, 1)


def test_a_drill_down_holds_every_organ_and_its_figures(synthetic: Synthetic) -> None:
    data = m.select(synthetic.frames, include_flagged=True)
    counts = m.application_counts(data.reports, data.applications)
    wide = rollup.drill_down(counts, "applications", "county")
    assert wide.columns == ["place", "organ", "organ_level", "2020", "2021", "2022", "2023"]
    assert wide.height == len(synthetic.counties) == 8
    for row in wide.iter_rows(named=True):
        assert row["place"] == PLACES[synthetic.counties[row["organ"]]]
        for year in (2020, 2021, 2022, 2023):
            truth = synthetic.truth[(row["organ"], year)]
            assert row[str(year)] == truth["new"] + truth["carried"]


def test_a_renamed_county_pools_as_one_place() -> None:
    f = pl.DataFrame(
        {
            "organ": ["甲镇", "甲镇", "乙镇"],
            "city": ["乙市"] * 3,
            "county": ["鸥源县", "鸥源区", "鸥源区"],
            "year": [2021, 2022, 2022],
            "v": [1, 2, 4],
        }
    )
    assert rollup.by_place(f, ["v"], "county").select("organ", "year", "v").rows() == [
        ("乙市鸥源区", 2021, 1),
        ("乙市鸥源区", 2022, 6),
    ]


def test_coverage_by_place_counts_usable_reports(synthetic: Synthetic) -> None:
    scope = m.select(synthetic.frames, include_flagged=True, usable_only=False)
    grid = rollup.coverage_by_place(m.coverage(scope.reports, scope.checks), "county")
    rows = {
        (r["organ"], r["year"]): (r["reports"], r["organs"], r["coverage_pct"], r["flagged"])
        for r in grid.iter_rows(named=True)
    }
    assert rows[("乙市甲县", 2022)] == (3, 4, 75, True)  # the flagged report is not usable
    assert rows[("乙市丙县", 2021)] == (4, 4, 100, False)


# ------------------------------------------------------------------------------------ rendered pages


def _specs(page: str) -> list[dict[str, Any]]:
    return [json.loads(s) for s in re.findall(r"var spec = (\{.*?\});\n", page)]


def _rows(spec: Any) -> list[dict[str, Any]]:
    """Every inline data row of a spec (layers, panels and datasets included)."""
    found: list[dict[str, Any]] = []
    if isinstance(spec, dict):
        values = spec.get("values")
        if isinstance(values, list) and "data" not in spec:
            found += [v for v in values if isinstance(v, dict)]
        for key, value in spec.items():
            if key != "values":
                found += _rows(value)
    elif isinstance(spec, list):
        for value in spec:
            found += _rows(value)
    return found


def _table(page: str, name: str) -> tuple[int, pl.DataFrame, int]:
    """A table of the page: its row count, its CSV download, and the organ rows drawn."""
    dom = lxml_html.fromstring(page)
    (box,) = dom.xpath(f"//div[contains(@class, 'nianbao-table')][@data-name='{name}']")
    (link,) = box.xpath(".//a[@data-format='csv']")
    csv = base64.b64decode(link.get("href").split(",", 1)[1])
    drawn = len(box.xpath(".//tbody/tr[not(contains(@class, 'gt_group_heading_row'))]"))
    return int(box.get("data-rows")), pl.read_csv(io.BytesIO(csv[3:])), drawn


@pytest.fixture(scope="module")
def rolled_report(tmp_path_factory: pytest.TempPathFactory, synthetic_dir: Path) -> Rendered:
    """The pages of the synthetic corpus (8 organs) with max_organs = 4: every chart pools by county."""
    return render(synthetic_dir, tmp_path_factory.mktemp("report-rolled"), {"max_organs": 4, "lang": "en"})


@pytest.mark.slow
def test_charts_pool_by_county_above_max_organs(rolled_report: Rendered, synthetic: Synthetic) -> None:
    assert all(p.ok for p in rolled_report.pages), [p.describe() for p in rolled_report.pages]
    pages = {p.name: p.html.read_text(encoding="utf-8") for p in rolled_report.pages if p.html}
    for name in ("00_corpus_overview", "01_proactive_disclosure", "02_applications", "03_review_litigation"):
        for spec in _specs(pages[name]):  # no per-organ data in a chart that shows counties
            assert "镇人民政府" not in json.dumps(spec, ensure_ascii=False), name
    assert "many organs: summed by county" in pages["01_proactive_disclosure"]
    heatmap = next(
        s for s in _specs(pages["02_applications"]) if "applications (new + carried" in json.dumps(s)
    )
    cells = {(r["organ"], r["year"]): [r["applications"], r["reports"]] for r in _rows(heatmap)}
    assert cells == _expected(synthetic, lambda t: t["new"] + t["carried"])
    bars = [
        r for s in _specs(pages["02_applications"]) for r in _rows(s) if r.get("outcome_group") == "granted"
    ]
    by_county = {r["organ"]: r["count"] for r in bars if r["organ"] in PLACES.values()}
    truth = _expected(synthetic, lambda t: t["granted"])
    assert by_county == {p: sum(v[0] for (q, _y), v in truth.items() if q == p) for p in PLACES.values()}


@pytest.mark.slow
def test_drill_down_tables_hold_every_organ(rolled_report: Rendered, synthetic: Synthetic) -> None:
    pages = {p.name: p.html.read_text(encoding="utf-8") for p in rolled_report.pages if p.html}
    rows, csv, drawn = _table(pages["02_applications"], "applications_by_organ")
    assert rows == drawn == csv.height == 8
    assert sorted(csv["organ"].to_list()) == sorted(synthetic.counties)
    for row in csv.iter_rows(named=True):
        truth = synthetic.truth[(row["organ"], 2021)]
        assert row["2021"] == truth["new"] + truth["carried"]
    for page, name in (
        ("01_proactive_disclosure", "proactive_by_organ"),
        ("03_review_litigation", "review_cases_by_organ"),
    ):
        assert _table(pages[page], name)[0] == 8
    # the pooled table: one row per county and year, the organs' sums
    rows, csv, _ = _table(pages["02_applications"], "carry_over")
    assert rows == 8
    got = {(r["place"], r["year"]): r["carried_over"] for r in csv.iter_rows(named=True)}
    assert got == {k: v[0] for k, v in _expected(synthetic, lambda t: t["carried"]).items()}


def _scaled(frames: m.Frames, copies: int) -> m.Frames:
    """``copies`` of the synthetic corpus side by side, each in a city of its own (乙3市 with 甲3县, 丙3县)."""
    parts: dict[str, list[pl.DataFrame]] = {n: [] for n in FRAME_NAMES}
    for k in range(copies):
        renamed = frames.reports
        for county in PLACES:
            new = f"{county[0]}{k}{county[1]}"
            renamed = renamed.with_columns(
                pl.col(c).str.replace_all(county, new, literal=True)
                for c in ("organ", "organ_name", "county", "path", "organ_id")
            )
        renamed = renamed.with_columns(
            pl.col(c).str.replace_all("乙市", f"乙{k}市", literal=True) for c in ("city", "organ_id")
        )
        parts["reports"].append(renamed.with_columns(pl.col("report_id") + f"-{k}").drop("organ_label"))
        for name in FRAME_NAMES[1:]:
            parts[name].append(getattr(frames, name).with_columns(pl.col("report_id") + f"-{k}"))
    return from_frames({n: pl.concat(p) for n, p in parts.items()})


@pytest.mark.slow
def test_pages_of_many_organs_stay_small(tmp_path: Path) -> None:
    """1,120 organs in 140 counties (4,480 reports): every page under 5 MB, every chart's data small."""
    from analysis_frames import make_synthetic

    big = _scaled(make_synthetic(organs_per_county=8).frames, 70)
    assert big.reports["organ_id"].drop_nulls().n_unique() == 1_120
    parsed = write_parsed(big, tmp_path / "parsed")
    report = render(parsed, tmp_path / "out", {"max_organs": 150})
    for page in report.pages:
        assert page.ok, page.describe()
        assert page.size < MAX_PAGE, (page.name, page.size)
        for spec in _specs(page.html.read_text(encoding="utf-8")):  # type: ignore[union-attr]
            assert len(json.dumps(spec, ensure_ascii=False).encode()) < 600_000, page.name


@pytest.mark.slow
def test_a_drill_down_filters_to_a_county_or_an_organ(rolled_report: Rendered) -> None:
    """In Chromium: typing a county's name leaves its heading and its organs, an organ's name that organ."""
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (run `bash scripts/system-deps.sh`)")
    from playwright.sync_api import sync_playwright

    page_file = rolled_report.out / "02_applications.html"
    shown = "(b) => [...b.querySelectorAll('tbody tr')].filter(t => !t.hidden).map(t => t.textContent.trim().slice(0, 9))"
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"], headless=True)
        try:
            tab = browser.new_page()
            tab.goto(page_file.as_uri())
            box = tab.locator("div.nianbao-table[data-name='applications_by_organ']")
            assert len(box.evaluate(shown)) == 10  # 2 county headings, 8 organs
            box.locator("input.nianbao-filter").fill("乙市丙县")
            rows = box.evaluate(shown)
            assert rows[0] == "乙市丙县"
            assert len(rows) == 5
            assert all(r.startswith("丙县第") for r in rows[1:])
            box.locator("input.nianbao-filter").fill("甲县第2镇")
            assert box.evaluate(shown) == ["乙市甲县", "甲县第2镇人民政府"]
            box.locator("input.nianbao-filter").fill("")
            assert len(box.evaluate(shown)) == 10
        finally:
            browser.close()


def test_rates_pooled_by_county_are_the_organs_sums(synthetic: Synthetic) -> None:
    data = m.select(synthetic.frames)
    counts = m.application_counts(data.reports, data.applications)
    cases = m.litigation_counts(data.reports, data.litigation)
    rates = rollup.labelled(m.review_litigation_rates(counts, cases, by=rollup.keys("county")), "county")
    review = _expected(synthetic, lambda t: t["review_cases"])
    handled = _expected(synthetic, lambda t: t["handled"])
    for row in rates.filter(pl.col("kind") == "review").iter_rows(named=True):
        n_cases = sum(v[0] for (p, _y), v in review.items() if p == row["organ"])
        n_handled = sum(v[0] for (p, _y), v in handled.items() if p == row["organ"])
        assert (row["cases"], row["handled"]) == (n_cases, n_handled)
        assert row["per_100"] == pytest.approx(100 * n_cases / n_handled)
    assert sorted(rates["organ"].unique().to_list()) == sorted(PLACES.values())
