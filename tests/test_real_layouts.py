"""Layouts of real reports the parser used to misread, rebuilt from synthetic text (by class, not by file).

- the narrative's proactive total comes from the sentence stating the whole, never from a breakdown item;
- a 2021-template (六)其他处理 printed as one row of zeros proves its three sub-rows 0, even when
  table 4 breaks an identity elsewhere;
- a report titled with a bare place name is that place's people's government.
"""

from __future__ import annotations

from typing import Any

import pytest

from builders import correct_truth, report_text
from nianbao.parse.metadata import narrative_figures
from nianbao.parse.report import parse_bytes
from nianbao.templates import template_for_year


@pytest.mark.parametrize(
    ("narrative", "items", "breakdown"),
    [
        # the whole stated without 主动; the last breakdown item reads like a total
        ("本年度共公布政府信息156条,其中工作动态80条、通知公告30条、其他应主动公开政府信息46条。", 156, 156),
        ("全年公开政府信息90条,其中政策文件10条、其他应主动公开政府信息50条。", 90, 60),
        # the breakdown disagrees with the total: both figures kept, so the check can fire
        ("2023年共公布政府信息200条。其中人事信息12条、其他应主动公开政府信息150条。", 200, 162),
        # no sentence states the whole: null, not the breakdown item
        ("本单位发布了工作动态12条、其他应主动公开政府信息9条。", None, None),
        # the usual sentence still wins over a later breakdown item
        ("主动公开政府信息75条,其中工作动态40条、其他应主动公开政府信息35条。", 75, 75),
        ("依申请公开政府信息3条。", None, None),
    ],
)
def test_narrative_total_is_the_whole(narrative: str, items: int | None, breakdown: int | None) -> None:
    figures = narrative_figures(narrative)
    assert figures.get("proactive_items") == items
    assert figures.get("proactive_breakdown_sum") == breakdown


def _lines_with_merged_other(truth: dict[str, Any], sep: str = "\t") -> str:
    """The report's text with (六)其他处理 printed as one row (its sub-rows left out)."""
    t = template_for_year(truth["year"])
    merged = t.table3_merged_rows[0]
    labels = {r.key: r.label for r in t.table3_rows}
    out = []
    for line in report_text(truth, sep).splitlines():
        label = line.split(sep)[0]
        if label == labels[merged.parts[0]]:
            sums = [
                sum(truth["applications"][p][c] for p in merged.parts) for c in range(len(t.table3_columns))
            ]
            out.append(sep.join([merged.label, *map(str, sums)]))
        elif label in (labels[p] for p in merged.parts[1:]):
            continue
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def _truth_without_other(broken_table4: bool) -> dict[str, Any]:
    truth = correct_truth(2023)
    apps = truth["applications"]
    for key in ("other_no_correction", "other_unpaid_fee", "other_reasons"):
        apps["granted"] = [g + o for g, o in zip(apps["granted"], apps[key], strict=True)]
        apps[key] = [0] * len(apps[key])
    if broken_table4:  # two proceedings whose 总计 disagrees with their results
        lit = truth["litigation"]
        first, second, *_ = lit
        lit[first] = [1, 0, 1, 0, 5]
        lit[second] = [2, 0, 0, 0, 1]
    return truth


@pytest.mark.parametrize("broken_table4", [False, True])
def test_merged_other_row_of_zeros_proves_its_sub_rows(broken_table4: bool) -> None:
    truth = _truth_without_other(broken_table4)
    r = parse_bytes(_lines_with_merged_other(truth).encode(), "merged.txt")
    assert r.report["status"] == "ok"
    got = {(row[1], row[3]): row[4] for row in r.applications}
    for key in ("other_no_correction", "other_unpaid_fee", "other_reasons"):
        assert [got[(key, c)] for c in template_for_year(2023).column_keys] == [0] * 7, key
    assert got[("granted", "total")] == truth["applications"]["granted"][-1]
    checks = {(c[1], c[3]) for c in r.checks}
    assert ("merged_rows", "table3/other_processing") in checks
    broken = sorted(c[3] for c in r.checks if c[1] == "litigation_total")
    assert len(broken) == (2 if broken_table4 else 0)


def test_merged_other_row_not_zero_stays_null_with_table4_broken() -> None:
    """A non-zero merged row proves nothing about its parts, whatever table 4 does."""
    truth = _truth_without_other(True)
    apps = truth["applications"]
    assert apps["granted"][5] > 0  # moved to (六)3 in the column of other applicants
    apps["granted"][5] -= 1
    apps["other_reasons"][5] += 1
    apps["granted"][-1] -= 1
    apps["other_reasons"][-1] += 1
    r = parse_bytes(_lines_with_merged_other(truth).encode(), "merged.txt")
    got = {(row[1], row[3]): row[4] for row in r.applications}
    assert got[("other_reasons", "other_organization")] is None
    assert got[("other_no_correction", "total")] is None
    assert got[("granted", "total")] == apps["granted"][-1]
    assert any(c[1] == "merged_rows" and c[2] == "warning" for c in r.checks)


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("2020年上海市政府信息公开工作年度报告", "province"),
        ("2021年江苏省政府信息公开工作年度报告", "province"),
        ("2022年南京市政府信息公开工作年度报告", "city"),
        ("2022年淮安市洪泽区政府信息公开工作年度报告", "county"),
        ("2022年淮安市洪泽区水利局政府信息公开工作年度报告", "county_department"),
        ("2020年上海市公安局政府信息公开工作年度报告", "province_department"),
    ],
)
def test_bare_place_title_is_its_government(title: str, level: str) -> None:
    truth = correct_truth(2023)
    text = report_text(truth).replace(f"{truth['organ']}\n{truth['year']}年政府信息公开工作年度报告", title)
    r = parse_bytes(text.encode(), "place.txt")
    assert r.report["organ_level"] == level
