"""Interactive use, in a real browser: JupyterLab runs a notebook and its charts draw.

JupyterLab is started on a free port of 127.0.0.1 (token auth, its own config, data and settings folders, so no
user kernel or setting leaks in) on a temporary copy of ``02_applications`` whose parameters cell points to the
synthetic parsed corpus. Headless Chromium, driven by Playwright (the system browser: Playwright downloads none),
opens it, runs all cells from the Run menu and waits for the kernel; then every chart must have drawn SVG marks in
its output, no cell may show an error, and a probe cell appended to the copy proves the kernel is the project's
(this Python, this checkout's ``nianbao``). Every request outside the server is refused and recorded: the charts
must draw from what the kernel sent. A screenshot goes to tests/artifacts/. A second notebook, with a chart vega
refuses and a failing cell, shows that these checks catch both.

Skipped only when Chromium or Playwright is missing outside CI; under CI (``CI`` set) either missing fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

import nianbao
from analysis_frames import DEFAULT_CHARTS

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
NOTEBOOK = "02_applications"
PROBE = "import sys, nianbao\nprint('kernel:', sys.prefix, nianbao.__file__)"
# Chart titles the notebook draws (as SVG text) with its default parameters.
TITLES = ["申请数（新收+结转）", "办理结果", "不予公开理由", "申请人类型"]
# Headless Chromium on this kind of machine (no GPU, no sandbox for root, nothing fetched at start).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_SECONDS = 60  # JupyterLab's first start builds nothing, but a busy shared machine is slow
RUN_SECONDS = 120


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing on CI: `make test` installs it")
    pytest.skip(f"{what} is not installed; CI runs this test")


@pytest.fixture(scope="module")
def chromium() -> str:
    found = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    if found is None:
        _missing("chromium (scripts/system-deps.sh)")
    assert found is not None
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Lab:
    url: str
    token: str
    books: Path
    log: Path

    def api(self, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)


def _notebook_copy(books: Path, parsed: Path) -> Path:
    """``notebooks/02_applications.ipynb`` reading ``parsed``, with the kernel probe as its last cell."""
    nb = nbformat.read(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    default = 'parsed = "../data/parsed"\n'
    assert cell.source.count(default) == 1
    cell.source = cell.source.replace(default, f"parsed = {json.dumps(str(parsed))}\n")
    nb.cells.append(new_code_cell(PROBE))
    path = books / f"{NOTEBOOK}.ipynb"
    nbformat.write(nb, path)
    return path


BROKEN = "broken.ipynb"
_BROKEN_CELLS = [
    "import altair as alt\nimport polars as pl\nfrom IPython.display import HTML, display\n"
    "from nianbao.render import enable_offline, offline\n\nenable_offline()",
    'good = alt.Chart(pl.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_bar().encode(x="x:O", y="y:Q")\ngood',
    'display(HTML(offline.chart_html({**good.to_dict(), "mark": "no-such-mark"})))  # vega-lite refuses it',
    'raise ValueError("no such county")',
    'print("never reached")',
]


def _broken_notebook(books: Path) -> None:
    """A notebook whose second chart cannot draw and whose fourth cell fails: what the checks must see."""
    nb = new_notebook(cells=[new_code_cell(source) for source in _BROKEN_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, books / BROKEN)


def _wait_until_up(process: subprocess.Popen[bytes], lab: Lab) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited with {process.returncode}:\n{lab.log.read_text()[-3000:]}")
        try:
            lab.api("/api/status")
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"JupyterLab did not answer in {START_SECONDS} s:\n{lab.log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the server and its kernels: the whole process group, politely first."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # kernels left behind by a server that would not stop
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, synthetic_dir: Path) -> Iterator[Lab]:
    home = tmp_path_factory.mktemp("lab")
    books = home / "books"
    books.mkdir()
    _notebook_copy(books, synthetic_dir)
    _broken_notebook(books)
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # every cell in the DOM (no windowing), so each output can be looked at without scrolling to it
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}', encoding="utf-8")
    # no "Would you like to get notified about official Jupyter news?" over the outputs
    notices = home / "settings" / "@jupyterlab" / "apputils-extension"
    notices.mkdir(parents=True)
    (notices / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}', encoding="utf-8"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "lib"), os.environ.get("PYTHONPATH", "")]),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),  # no user kernelspec can stand in for the project's
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={books}",
        f"--IdentityProvider.token={token}",
        "--MappingKernelManager.default_kernel_name=python3",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=None",
        "--LabApp.extension_manager=readonly",  # the extension manager would ask the package index
        *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
    ]
    log = home / "lab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=books, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Lab(f"http://127.0.0.1:{port}", token, books, log)
    try:
        _wait_until_up(process, server)
        yield server
    finally:
        _stop(process)


@dataclass
class Ran:
    """What the notebook shows after Run All: per chart its state, and the page's cells and outputs."""

    charts: list[dict[str, Any]]
    prompts: list[str]
    errors: list[str]
    probe: str
    drawn_text: str
    refused: list[str]


_STATE = """() => {
  const charts = [...document.querySelectorAll('.jp-OutputArea .nianbao-chart')].map(el => {
    const svg = el.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    return {
      title: el.getAttribute('data-title'),
      rendered: el.getAttribute('data-rendered'),
      svg: Boolean(svg && svg.classList.contains('marks')),
      marks: el.querySelectorAll('[class*="mark-"] path, [class*="mark-"] text').length,
      width: box.width, height: box.height,
      text: el.textContent.slice(0, 300),
    };
  });
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  return {
    charts,
    prompts: cells.map(c => (c.querySelector('.jp-InputPrompt') || {textContent: ''}).textContent.trim()),
    errors: [...document.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map(e => e.textContent.slice(0, 2000)),
    probe: cells.length ? cells[cells.length - 1].querySelector('.jp-OutputArea').textContent : '',
    drawn: [...document.querySelectorAll('.jp-OutputArea svg text')].map(t => t.textContent).join(' '),
  };
}"""


_DONE = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent);
  const failed = document.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
  return prompts.every(p => /\\[\\d+\\]/.test(p)) || (failed && !prompts.some(p => p.includes('*')));
}"""


def _run_all(chromium: str, lab: Lab, name: str, shot: Path | None) -> Ran:
    """Open ``name`` in JupyterLab, Run → Run All Cells, wait for every cell and the kernel."""
    try:
        from playwright.sync_api import Route, sync_playwright
        from playwright.sync_api import TimeoutError as Timeout
    except ImportError:
        _missing("playwright (pip install -e '.[test]')")
        raise
    refused: list[str] = []

    def only_the_server(route: Route) -> None:
        if route.request.url.startswith(f"{lab.url}/"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.route("**/*", only_the_server)
            # a workspace of its own: JupyterLab would reopen the notebooks of an earlier page
            workspace = f"{lab.url}/lab/workspaces/{secrets.token_hex(4)}"
            page.goto(f"{workspace}/tree/{name}?token={lab.token}", timeout=START_SECONDS * 1000)
            page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=START_SECONDS * 1000)
            _wait_for_kernel(lab, page, "idle", START_SECONDS)
            page.wait_for_function(  # the page knows too: its status bar says the kernel is idle
                "() => /\\| Idle/.test(document.querySelector('#jp-main-statusbar').textContent)",
                timeout=START_SECONDS * 1000,
            )
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            # every code cell numbered, or none queued ([*]) after a cell's error stopped the run
            try:
                page.wait_for_function(_DONE, timeout=RUN_SECONDS * 1000)
            except Timeout:
                pytest.fail(f"cells not done after {RUN_SECONDS} s: {page.evaluate(_STATE)['prompts']}")
            _wait_for_kernel(lab, page, "idle", RUN_SECONDS)
            # each chart's script marks its div when vega-embed has drawn (or failed)
            page.wait_for_function(
                """() => [...document.querySelectorAll('.jp-OutputArea .nianbao-chart')]
                     .every(el => el.hasAttribute('data-rendered'))""",
                timeout=30_000,
            )
            state = page.evaluate(_STATE)
            if shot is not None:
                ARTIFACTS.mkdir(exist_ok=True)
                page.locator(".jp-OutputArea .nianbao-chart").nth(0).scroll_into_view_if_needed()
                page.screenshot(path=str(shot))
        finally:
            browser.close()
    return Ran(state["charts"], state["prompts"], state["errors"], state["probe"], state["drawn"], refused)


def _wait_for_kernel(lab: Lab, page: Page, status: str, seconds: float) -> None:
    """Poll the server until its kernel is ``status``; waits through the page, so that its requests
    (routed through Python) go on meanwhile."""
    deadline = time.monotonic() + seconds
    kernels: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        kernels = lab.api("/api/kernels")
        if kernels and all(k["execution_state"] == status for k in kernels):
            return
        page.wait_for_timeout(300)
    pytest.fail(f"kernel not {status} after {seconds} s: {kernels}\n{lab.log.read_text()[-3000:]}")


def _undrawn(ran: Ran) -> list[str]:
    """Charts in the outputs that did not draw: no success mark, no SVG, or an SVG without marks."""
    return [
        f"{c['title']}: {c['text']}"
        for c in ran.charts
        if c["rendered"] != "1" or not c["svg"] or c["marks"] == 0
    ]


@pytest.mark.slow
def test_jupyterlab_runs_a_notebook_and_draws_its_charts(chromium: str, lab: Lab) -> None:
    shot = ARTIFACTS / f"lab-{NOTEBOOK}.png"
    ran = _run_all(chromium, lab, f"{NOTEBOOK}.ipynb", shot)

    source = nbformat.read(lab.books / f"{NOTEBOOK}.ipynb", as_version=4)
    code = [c for c in source.cells if c.cell_type == "code"]
    assert len(ran.prompts) == len(code)
    assert ran.prompts == [f"[{i}]:" for i in range(1, len(code) + 1)]  # each ran once, in order
    assert ran.errors == []  # no traceback, no warning printed by any cell

    # the kernel is the project's: this virtualenv's Python (kernelspec python3, --sys-prefix) and this checkout
    assert ran.probe.split() == ["kernel:", sys.prefix, nianbao.__file__]
    (kernel,) = lab.api("/api/kernels")
    assert kernel["name"] == "python3"

    assert _undrawn(ran) == []
    assert len(ran.charts) >= DEFAULT_CHARTS[NOTEBOOK]
    assert all(c["width"] > 100 and c["height"] > 50 for c in ran.charts), ran.charts
    for title in TITLES:
        assert title in ran.drawn_text, f"title {title} not drawn"
    assert ran.refused == []  # nothing fetched from outside the server: the charts carry their library
    assert shot.stat().st_size > 20_000


@pytest.mark.slow
def test_the_checks_see_a_chart_that_did_not_draw_and_a_failing_cell(chromium: str, lab: Lab) -> None:
    ran = _run_all(chromium, lab, BROKEN, None)
    assert ran.prompts == ["[1]:", "[2]:", "[3]:", "[4]:", "[ ]:"]  # Run All stops at the failing cell
    assert len(ran.errors) == 1
    assert "ValueError: no such county" in ran.errors[0]
    assert len(ran.charts) == 2
    assert ran.charts[0]["rendered"] == "1"
    assert ran.charts[0]["marks"] > 0
    (undrawn,) = _undrawn(ran)
    assert "图表无法显示" in undrawn
    assert ran.refused == []
