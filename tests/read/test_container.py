"""Reports saved inside a JSON API response or a JavaScript data file read as the page they hold.

The real portal pages of ``../shared/corpus/real`` are wrapped the ways portals serve them (a JSON
response with ``\\uXXXX`` escapes, a ``var x = {...};`` data file, a JSONP call, the title in a
field of its own, the page JSON-encoded twice); each must give exactly the frames of the page
itself. A container with no report stays ``not_a_report`` and says what it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

import nianbao
from nianbao.read.container import _js_string, looks_like_container, unwrap

REAL = Path(__file__).parents[3] / "shared" / "corpus" / "real" / "files"
PAGES = ["pingtan_2023.html", "shanghai_bgt_2019.html"]


def _title_apart(page: str) -> str:
    """An API that keeps the title in a field and the page without it (the title cut out)."""
    title = "2023年平潭综合实验区政府信息公开工作年度报告"
    return json.dumps({"data": {"title": title, "content": page.replace(title, "")}}, ensure_ascii=False)


WRAPPERS: dict[str, Callable[[str], str]] = {
    "json api, escaped": lambda p: json.dumps({"code": 0, "data": {"id": 7, "content": p}}),
    "javascript var": lambda p: "var pageData = " + json.dumps({"content": p}, ensure_ascii=False) + ";\n",
    "javascript single quotes": lambda p: (
        "window.doc = {body: '" + p.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'};"
    ),
    "jsonp": lambda p: "jQuery1234(" + json.dumps({"rows": [{"html": p}]}) + ");",
    "encoded twice": lambda p: json.dumps({"result": json.dumps({"content": p})}),
    # unescaped, the JSON text of the inner object is the longest string and reads like a page too
    "encoded twice, unescaped": lambda p: json.dumps(
        {"r": json.dumps({"c": p}, ensure_ascii=False)}, ensure_ascii=False
    ),
    "comment first": lambda p: "/* saved from the portal */\n" + json.dumps([{"content": p}]),
}


def _values(frames: nianbao.Frames) -> dict[str, pl.DataFrame]:
    out = {
        name: getattr(frames, name).drop("report_id") for name in ("proactive", "applications", "litigation")
    }
    keep = ["status", "format", "organ", "organ_level", "year", "template", "proactive_items", "cells_read"]
    out["reports"] = frames.reports.select(keep)
    out["checks"] = frames.checks.select("check", "severity", "message")
    return out


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("wrap", list(WRAPPERS), ids=list(WRAPPERS))
def test_a_wrapped_page_reads_as_the_page(page: str, wrap: str, tmp_path: Path) -> None:
    source = REAL / page
    direct = nianbao.read_report(source)
    assert (
        direct.reports["status"].item() == "ok"
    )  # the page itself is read, so the comparison means something
    text = source.read_bytes().decode("utf-8")
    wrapped = tmp_path / "saved.js"
    wrapped.write_text(WRAPPERS[wrap](text), encoding="utf-8")
    assert looks_like_container(wrapped.read_bytes())
    got = nianbao.read_report(wrapped)
    for name, frame in _values(direct).items():
        assert _values(got)[name].equals(frame), (wrap, name)


def test_a_title_kept_in_its_own_field_is_put_in_front(tmp_path: Path) -> None:
    text = (REAL / "pingtan_2023.html").read_bytes().decode("utf-8")
    saved = tmp_path / "api.json"
    saved.write_text(_title_apart(text), encoding="utf-8")
    found = unwrap(saved.read_bytes())
    assert found is not None
    assert (found.where, found.is_html) == ("data.content", True)
    assert found.html.decode().startswith("<p>2023年平潭综合实验区政府信息公开工作年度报告</p>")
    got = nianbao.read_report(saved)
    direct = nianbao.read_report(REAL / "pingtan_2023.html")
    assert got.reports.select("status", "organ", "year").rows() == [("ok", "平潭综合实验区", 2023)]
    assert got.applications.drop("report_id").equals(direct.applications.drop("report_id"))


@pytest.mark.parametrize(
    "content",
    [
        '{"code": 0, "msg": "ok", "data": []}',
        'var config = {"site": "某县人民政府", "menu": ["首页", "政府信息公开"]};',
        "[" * 5000 + "]" * 5000,  # deeper than json's recursion limit
        'cb({"content": "<p>'
        + "政府信息公开" * 100
        + '</p><div>x</div>"})',  # reads like a report, holds none
    ],
    ids=["api without report", "site config", "deep nesting", "report words, no tables"],
)
def test_a_container_without_a_report_says_what_it_is(content: str, tmp_path: Path) -> None:
    saved = tmp_path / "data.json"
    saved.write_text(content, encoding="utf-8")
    row = nianbao.read_report(saved).reports.row(0, named=True)
    assert row["status"] == "not_a_report"
    if "<p>" not in content:  # no string reads like a report: the message names the container
        assert row["error"].startswith(
            "a JSON or JavaScript data file, none of whose strings reads like a report page"
        )


@pytest.mark.parametrize(
    "data",
    [
        "一、总体情况\n".encode(),
        b"<html><body><p>x</p></body></html>",
        "规章\t3\t0\t5\n".encode(),
        "（一）主动公开 {1}".encode(),
        "2023 = 年度".encode(),
    ],
)
def test_reports_are_not_taken_for_containers(data: bytes) -> None:
    assert not looks_like_container(data)


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r"""'a\"b'""", 'a"b'),  # an escaped double quote inside single quotes
        (r"""'say "hi"'""", 'say "hi"'),
        (r"""'it\'s'""", "it's"),
        (r"""'\\x41'""", "\\x41"),  # an escaped backslash, then the letters x41: no \x escape
        (r"""'\x41\u4e2d'""", "A中"),
        (r"""'a\vb\0'""", "a\vb\0"),
        (r"""'\-\q'""", "-q"),  # any other escaped character is itself, as in JavaScript
        (r'''"<p class=\"x\">\t</p>"''', '<p class="x">\t</p>'),
    ],
)
def test_javascript_literals_read_as_javascript_reads_them(literal: str, value: str) -> None:
    assert _js_string(literal) == value
