"""Tables on a page: escaped, formatted, every row reachable and downloadable (CSV and XLSX hold the
same rows as the page)."""

from __future__ import annotations

import base64
import io
import re

import polars as pl
import pytest
from lxml import html as lxml_html

from analysis_frames import xlsx_rows
from nianbao.analysis import tables
from nianbao.analysis.chart_text import text


def _links(page: str) -> dict[str, bytes]:
    doc = lxml_html.fromstring(page)
    found = {}
    for a in doc.xpath("//a[contains(@class, 'nianbao-download')]"):
        head, data = a.get("href").split(",", 1)
        assert head.endswith(";base64")
        found[a.get("data-format")] = base64.b64decode(data)
    return found


HOSTILE = pl.DataFrame(
    {
        "organ": ['</td><script>alert("x")</script>甲镇', "乙镇 & <b>丙</b>", "丁镇"],
        "year": [2021, 2022, 2023],
        "handled": [12212, None, 3],
        "share": [0.437247, None, 1.0],
        "lower": [0.31, None, 0.44],
        "upper": [0.55, None, 1.0],
        "small_n": [False, True, True],
        "status": ["ok", "partial", "failed"],
    }
)


def test_cells_are_escaped_formatted_and_blank_for_nulls() -> None:
    page = tables.table(HOSTILE).html
    assert "<script>alert" not in page
    assert "<b>丙</b>" not in page
    doc = lxml_html.fromstring(page)
    cells = [[td.text_content().strip() for td in tr.xpath("td")] for tr in doc.xpath("//tbody/tr")]
    assert cells[0] == [
        '</td><script>alert("x")</script>甲镇',
        "2021",
        "12,212",
        "43.7%",
        "31.0%–55.0%",
        "",
        "正常",
    ]
    assert cells[1] == ["乙镇 & <b>丙</b>", "2022", "", "", "", "是", "部分缺损"]
    headers = [th.text_content().strip() for th in doc.xpath("//thead//th")]
    assert headers == ["机关", "年度", "办理总数", "占比", "95% 区间", "样本过少", "解析状态"]
    english = lxml_html.fromstring(tables.table(HOSTILE, lang="en").html)
    assert [th.text_content().strip() for th in english.xpath("//thead//th")][:4] == [
        "organ",
        "year",
        "applications handled",
        "share",
    ]
    text_ = english.text_content()
    assert "shape: (" not in text_
    assert re.search(r"\d[eE][+-]\d", text_) is None
    assert text("partial", "en") in text_


def test_downloads_hold_every_row() -> None:
    big = pl.DataFrame({"organ": [f"镇{i}" for i in range(50)], "handled": list(range(50))})
    shown = tables.table(big, max_rows=10, name="big table")
    doc = lxml_html.fromstring(shown.html)
    assert len(doc.xpath("//tbody/tr")) == 10
    assert "页面显示前 10 行（共 50 行）" in doc.text_content()
    files = _links(shown.html)
    assert set(files) == {"csv", "xlsx"}
    assert files["csv"].startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese as UTF-8
    back = pl.read_csv(io.BytesIO(files["csv"][3:]))
    assert back.equals(big)
    rows = xlsx_rows(files["xlsx"])
    assert rows[0] == ["机关", "办理总数"]
    assert len(rows) == 51
    assert rows[50] == ["镇49", "49"]
    assert doc.xpath("//a[@data-format='xlsx']")[0].get("download") == "big_table.xlsx"


@pytest.mark.parametrize("column", ["check", "organ_level", "peer_group", "outcome_group"])
def test_keys_print_as_words(column: str) -> None:
    values = {
        "check": ("merged_rows", "多行合并印刷", "several rows printed as one"),
        "organ_level": ("county_department", "县级部门", "county department"),
        "peer_group": ("township/甲县", "乡镇（街道） · 甲县", "township · 甲县"),
        "outcome_group": ("unable", "无法提供", "unable to provide"),
    }[column]
    frame = pl.DataFrame({column: [values[0]]})
    for lang, expected in (("zh", values[1]), ("en", values[2])):
        doc = lxml_html.fromstring(tables.table(frame, lang=lang).html)
        assert doc.xpath("//tbody/tr/td")[0].text_content().strip() == expected
