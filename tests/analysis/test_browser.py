"""A real browser, offline: headless Chromium opens every rendered page with networking cut and each
chart must have drawn SVG marks, with its Chinese title in the DOM. Screenshots go to tests/artifacts/.

Skipped only when Chromium is missing outside CI; under CI (``CI`` set) a missing browser fails, since
``scripts/system-deps.sh`` installs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest
from lxml import html as lxml_html

from analysis_frames import Rendered

ARTIFACTS = Path(__file__).parents[1] / "artifacts"
SCREENSHOTS = ("00_corpus_overview", "02_applications", "04_organ_profile")
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


def test_every_chart_draws_offline(chromium: str, synthetic_report: Rendered) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for page in synthetic_report.pages:
        assert page.html is not None
        dom = _dom(chromium, page.html)
        charts = dom.xpath("//div[contains(@class, 'nianbao-chart')]")
        assert charts, f"{page.name}: no chart containers"
        for chart in charts:
            title = chart.get("data-title")
            assert chart.get("data-rendered") == "1", f"{page.name}/{title}: {chart.text_content()[:200]}"
            svgs = chart.xpath(".//*[local-name()='svg']")
            assert svgs, f"{page.name}/{title}: no svg"
            assert "marks" in (svgs[0].get("class") or ""), f"{page.name}/{title}"
            assert _marks(chart) > 0, f"{page.name}/{title}: svg without marks"
        drawn = " ".join(
            t.text_content() for t in dom.xpath("//*[local-name()='svg']//*[local-name()='text']")
        )
        for title in TITLES[page.name]:
            assert title in drawn, f"{page.name}: title {title} not drawn"
        if page.name in SCREENSHOTS:  # a picture for a human to look at (CI keeps tests/artifacts/)
            shot = ARTIFACTS / f"{page.name}.png"
            done = _browse(chromium, page.html, f"--screenshot={shot}", "--window-size=1200,2400")
            assert done.returncode == 0, done.stderr[-2000:]
            assert shot.stat().st_size > 20_000


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
    assert links == [f"{p.name}.html" for p in synthetic_report.pages]
    assert "语料摘要" in dom.text_content()
