"""A real browser, offline: headless Chromium opens every rendered page with networking cut and each
chart must have drawn SVG marks, with its Chinese title in the DOM. Screenshots go to tests/artifacts/.

Skipped only when Chromium is missing outside CI; under CI (``CI`` set) a missing browser fails, since
``scripts/system-deps.sh`` installs it.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from lxml import html as lxml_html

from analysis_frames import DEFAULT_CHARTS, Rendered, xlsx_rows
from nianbao.analysis import charts, tables
from nianbao.analysis.chart_text import text
from nianbao.render import offline

ARTIFACTS = Path(__file__).parents[1] / "artifacts"
SCREENSHOTS = (
    "00_corpus_overview",
    "01_proactive_disclosure",
    "02_applications",
    "03_review_litigation",
    "04_organ_profile",
)
E_NOTATION = re.compile(r"\d(?:\.\d+)?[eE][+-]\d")
# Chart titles that must be drawn (as SVG text) on each page of the default report.
TITLES = {
    "00_corpus_overview": ["文件解析状态", "检查结果", "机关 × 年度"],
    "01_proactive_disclosure": ["主动公开信息条数（正文）", "规章和规范性文件制发件数"],
    "02_applications": ["申请数（新收+结转）", "办理结果", "不予公开理由", "申请人类型"],
    "03_review_litigation": ["每百件申请的案件数", "纠错率", "行政复议案件数"],
    "04_organ_profile": ["主动公开信息条数（正文）", "申请数（新收+结转）", "办理结果", "每百件申请的案件数"],
}


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@cache
def _can_unshare() -> bool:
    """Whether a new network namespace (no interfaces but a downed loopback) can be made here."""
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0


@pytest.fixture(scope="module")
def chromium() -> str:
    found = _chromium()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing on CI: scripts/system-deps.sh should have installed it")
        pytest.skip("chromium is not installed (run `bash scripts/system-deps.sh`); CI runs this test")
    return found


def _browse(chromium: str, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on a local file with no network: a fresh network namespace when allowed,
    and in any case every host name resolving nowhere."""
    with tempfile.TemporaryDirectory() as profile:
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=15000",
            *args,
            page.resolve().as_uri(),
        ]
        if _can_unshare():
            command = ["unshare", "-n", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _dom(chromium: str, page: Path) -> lxml_html.HtmlElement:
    done = _browse(chromium, page, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    return lxml_html.fromstring(done.stdout)


def _marks(chart: lxml_html.HtmlElement) -> int:
    """Drawn marks inside a chart: shapes and text in vega's ``mark-*`` groups."""
    return len(chart.xpath(".//*[contains(@class, 'mark-')]//*[local-name()='path' or local-name()='text']"))


def _problems(dom: lxml_html.HtmlElement, expected_charts: int, placeholders: bool = True) -> list[str]:
    """What a reader would miss on a page: a chart container that did not draw (no success marker,
    no svg, no marks), fewer drawn charts than the page embeds, or (``placeholders=False``) a chart
    that drew only its "no data" message."""
    found = []
    charts = dom.xpath("//div[contains(@class, 'nianbao-chart')]")
    if len(charts) != expected_charts:
        found.append(f"{len(charts)} chart containers, {expected_charts} specs embedded")
    for chart in charts:
        title = chart.get("data-title") or "(untitled)"
        svgs = chart.xpath(".//*[local-name()='svg']")
        if chart.get("data-rendered") != "1":
            found.append(f"{title}: not drawn: {chart.text_content()[:200]}")
        elif not svgs or "marks" not in (svgs[0].get("class") or ""):
            found.append(f"{title}: no svg")
        elif _marks(chart) == 0:
            found.append(f"{title}: svg without marks")
        drawn = " ".join(t.text_content() for t in chart.xpath(".//*[local-name()='text']"))
        if not placeholders and any(text(k) in drawn for k in ("no_data", "no_denials", "no_applications")):
            found.append(f"{title}: drew only its 'no data' message")
    return found


def _visible_text(dom: lxml_html.HtmlElement) -> str:
    """What a reader sees as text: the page without its scripts and styles (chart text included)."""
    copy = lxml_html.fromstring(lxml_html.tostring(dom))
    for node in copy.xpath("//script | //style"):
        node.drop_tree()
    return copy.text_content()


def _table_problems(dom: lxml_html.HtmlElement) -> list[str]:
    """A table whose downloads do not hold its rows, or whose rows are not all on the page."""
    found = []
    for box in dom.xpath("//div[contains(@class, 'nianbao-table')]"):
        name, rows = box.get("data-name"), int(box.get("data-rows"))
        links = {a.get("data-format"): a for a in box.xpath(".//a[contains(@class, 'nianbao-download')]")}
        if set(links) != {"csv", "xlsx"}:
            found.append(f"{name}: downloads {sorted(links)}")
            continue
        csv = base64.b64decode(links["csv"].get("href").split(",", 1)[1])
        back = pl.read_csv(io.BytesIO(csv[3:]), infer_schema_length=None) if rows else None
        if back is not None and back.height != rows:
            found.append(f"{name}: CSV holds {back.height} rows, the table {rows}")
        xlsx = xlsx_rows(base64.b64decode(links["xlsx"].get("href").split(",", 1)[1]))
        if len(xlsx) != rows + 1:
            found.append(f"{name}: XLSX holds {len(xlsx) - 1} rows, the table {rows}")
        drawn = len(box.xpath(".//tbody/tr"))
        if drawn != min(rows, tables.MAX_ROWS):
            found.append(f"{name}: {drawn} of {rows} rows on the page")
    return found


def _colour_fields(spec: Any) -> list[tuple[str, Any, set[str]]]:
    """(field, legend, fields on the axes) of every colour encoding by category in a spec."""
    found = []
    if isinstance(spec, dict):
        enc = spec.get("encoding") or {}
        colour = enc.get("color")
        if isinstance(colour, dict) and colour.get("type") in ("nominal", "ordinal") and colour.get("field"):
            axes = {enc[k].get("field") for k in ("x", "y") if isinstance(enc.get(k), dict)}
            found.append((colour["field"], colour.get("legend", "default"), axes))
        for value in spec.values():
            found += _colour_fields(value)
    elif isinstance(spec, list):
        for value in spec:
            found += _colour_fields(value)
    return found


def _legend_problems(dom: lxml_html.HtmlElement, page: str) -> list[str]:
    """A chart whose colour names a category but that draws no legend (unless an axis names it)."""
    specs = [json.loads(s) for s in re.findall(r"var spec = (\{.*?\});\n", page)]
    charts_ = dom.xpath("//div[contains(@class, 'nianbao-chart')]")
    found = []
    for chart, spec in zip(charts_, specs, strict=True):
        needs = [f for f, legend, axes in _colour_fields(spec) if not (legend is None and f in axes)]
        if needs and not chart.xpath(".//*[contains(@class, 'role-legend')]"):
            found.append(f"{chart.get('data-title')}: colour by {needs[0]} without a legend")
    return found


def _check_report(
    chromium: str,
    report: Rendered,
    placeholders: bool,
    shots: str | None,
    titles: dict[str, list[str]] = TITLES,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for page in report.pages:
        assert page.html is not None
        dom = _dom(chromium, page.html)
        embedded = page.html.read_text(encoding="utf-8").count("var spec = {")
        assert embedded >= DEFAULT_CHARTS[page.name], page.name
        assert _problems(dom, embedded, placeholders) == [], page.name
        drawn = " ".join(
            t.text_content() for t in dom.xpath("//*[local-name()='svg']//*[local-name()='text']")
        )
        for title in titles[page.name]:
            assert title in drawn, f"{page.name}: title {title} not drawn"
        seen = _visible_text(dom)
        assert "shape: (" not in seen, page.name
        assert E_NOTATION.search(seen) is None, f"{page.name}: {E_NOTATION.search(seen)}"
        assert _table_problems(dom) == [], page.name
        assert _legend_problems(dom, page.html.read_text(encoding="utf-8")) == [], page.name
        if shots and page.name in SCREENSHOTS:  # a picture for a human to look at (CI keeps tests/artifacts/)
            shot = ARTIFACTS / f"{shots}-{page.name}.png"
            done = _browse(chromium, page.html, f"--screenshot={shot}", "--window-size=1200,2400")
            assert done.returncode == 0, done.stderr[-2000:]
            assert shot.stat().st_size > 20_000


def test_every_chart_draws_offline(chromium: str, synthetic_report: Rendered) -> None:
    """On the synthetic corpus every chart has figures: none may fall back to its "no data" message."""
    _check_report(chromium, synthetic_report, placeholders=False, shots="synthetic")


def test_every_chart_draws_offline_on_the_parsed_seeds(chromium: str, seeds_report: Rendered) -> None:
    """Five real reports, through the parser: charts may say "no data" (no denial among them) but draw."""
    _check_report(chromium, seeds_report, placeholders=True, shots="seeds")


def test_english_pages_draw_and_name_no_raw_keys(chromium: str, synthetic_report_en: Rendered) -> None:
    """The English pages: every chart draws, tables and legends as in Chinese, no check key shown raw."""
    english = {name: [] for name in TITLES}  # titles are checked in Chinese; here the rules alone
    for page in synthetic_report_en.pages:
        assert page.html is not None
        dom = _dom(chromium, page.html)
        seen = _visible_text(dom)
        for key in ("merged_rows", "blank_cells", "row_total", "outcome_sum", "not_a_report"):
            assert key not in seen, f"{page.name}: raw key {key}"
    _check_report(chromium, synthetic_report_en, placeholders=False, shots="synthetic-en", titles=english)


def test_a_trend_over_a_missing_year_draws_no_segment_across_it(chromium: str, tmp_path: Path) -> None:
    """甲镇 reports 2021, 2022 and 2024: in the browser its line is two pieces, none over 2023."""
    offline.reset()
    frame = pl.DataFrame(
        {"organ": ["甲镇"] * 3, "year": [2021, 2022, 2024], "path": "a", "v": [7947, 8000, 12212]}
    )
    page = tmp_path / "gap.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        + offline.chart_html(charts.trend(frame, "v").to_dict(), with_bundle=True)
        + "</body></html>",
        encoding="utf-8",
    )
    dom = _dom(chromium, page)
    lines = dom.xpath("//*[@aria-roledescription='line mark']")
    assert len(lines) == 1
    assert len(re.findall("M", lines[0].get("d"))) == 2  # 2021-2022, then 2024 alone


def test_the_check_catches_a_chart_that_did_not_draw(chromium: str, tmp_path: Path) -> None:
    """The checks above can fail: a chart whose spec vega rejects, and one with no figures."""
    offline.reset()
    good = charts.heatmap(pl.DataFrame({"organ": ["甲镇"], "year": [2021], "path": ["a"], "v": [3]}), "v")
    empty = charts.heatmap(pl.DataFrame({"organ": [], "year": [], "path": [], "v": []}), "v")
    broken = {**good.to_dict(), "layer": [{"mark": "no-such-mark"}]}  # vega-lite refuses to compile it
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        + offline.chart_html(good.to_dict(), with_bundle=True)
        + offline.chart_html(empty.to_dict())
        + offline.chart_html(broken)
        + "</body></html>",
        encoding="utf-8",
    )
    problems = _problems(_dom(chromium, page), expected_charts=4, placeholders=False)
    assert problems[0] == "3 chart containers, 4 specs embedded"
    assert any(p.endswith("drew only its 'no data' message") for p in problems), problems
    assert any("not drawn: 图表无法显示" in p for p in problems), problems
    assert len(problems) == 3, problems


def test_highlight_carries_across_charts(chromium: str, synthetic_report: Rendered, tmp_path: Path) -> None:
    """Picking an organ in one chart's drop-down sets the highlight of every chart on the page."""
    source = synthetic_report.out / "02_applications.html"
    probe = tmp_path / "probe.html"
    script = """
<script>
var tries = 0;
var timer = setInterval(function () {
  tries += 1;
  var select = document.querySelector(".nianbao-chart select");
  var views = window.nianbaoViews || [];
  if (!select || views.length < 3) {
    if (tries > 100) { clearInterval(timer); document.body.setAttribute("data-highlights", "{}"); }
    return;
  }
  clearInterval(timer);
  select.value = select.options[3].value;
  select.dispatchEvent(new Event("change"));
  setTimeout(function () {
    var values = views.map(function (v) { return v.signal("highlight"); });
    var shown = Array.prototype.map.call(document.querySelectorAll(".nianbao-chart select"), function (s) { return s.value; });
    document.body.setAttribute("data-highlights", JSON.stringify({picked: select.value, values: values, selects: shown}));
  }, 500);
}, 200);
</script>
"""
    head, tail = source.read_text(encoding="utf-8").rsplit("</body>", 1)  # the bundle itself holds "</body>"
    probe.write_text(head + script + "</body>" + tail, encoding="utf-8")
    dom = _dom(chromium, probe)
    state = json.loads(dom.xpath("//body")[0].get("data-highlights"))
    assert state, "the charts never registered with the page linker"
    assert state["picked"].endswith("人民政府")
    assert len(state["values"]) >= 3
    assert set(state["values"]) == {state["picked"]}  # every chart's signal
    assert set(state["selects"]) == {state["picked"]}  # and every chart's drop-down shows the pick


def test_index_opens_offline(chromium: str, synthetic_report: Rendered) -> None:
    dom = _dom(chromium, synthetic_report.out / "index.html")
    links = [a.get("href") for a in dom.xpath("//a")]
    assert links == [*(f"{p.name}.html" for p in synthetic_report.pages), "methods.html"]
    assert "语料摘要" in dom.text_content()


def test_a_corrected_value_is_marked_in_its_tooltip_only(chromium: str, tmp_path: Path) -> None:
    """In the browser, the tooltip of the cell resting on a correction has the line 含人工更正 with the
    cells changed; the other cells' tooltips have no such line (not even an empty or "null" one)."""
    from nianbao.analysis.corrections import CORRECTED

    offline.reset()
    frame = pl.DataFrame(
        {
            "organ": ["甲镇", "乙镇", "丙镇"],
            "year": [2021, 2021, 2021],
            "path": ["a.txt", "b.txt", "c.txt"],
            "v": [12212, 5, 7],
            CORRECTED: [None, "applications/new_received/total 0 → 5（表内合计）", None],
        }
    )
    page = tmp_path / "corrected.html"
    script = """
<script>
var tries = 0;
var timer = setInterval(function () {
  tries += 1;
  var views = window.nianbaoViews || [];
  if (views.length < 1) {
    if (tries > 100) { clearInterval(timer); document.body.setAttribute("data-tips", "[]"); }
    return;
  }
  clearInterval(timer);
  var tips = [];
  (function walk(node) {
    if (node.tooltip !== undefined && node.tooltip !== null) { tips.push(node.tooltip); }
    (node.items || []).forEach(walk);
  })(views[0].scenegraph().root);
  document.body.setAttribute("data-tips", JSON.stringify(tips));
}, 200);
</script>
"""
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        + offline.chart_html(charts.heatmap(frame, "v").to_dict(), with_bundle=True)
        + script
        + "</body></html>",
        encoding="utf-8",
    )
    tips = json.loads(_dom(chromium, page).xpath("//body")[0].get("data-tips"))
    assert len(tips) == 3
    by_organ = {tip["机关"]: tip for tip in tips}
    assert by_organ["乙镇"]["含人工更正"] == "applications/new_received/total 0 → 5（表内合计）"
    assert "含人工更正" not in by_organ["甲镇"]
    assert "含人工更正" not in by_organ["丙镇"]
    assert by_organ["甲镇"]["v"] == "12,212"  # the other lines as vega-lite formats them
    assert by_organ["丙镇"]["来源文件"] == "c.txt"
