"""Checks: correct tables raise no alarm; breaking one cell fires exactly the identity it breaks."""

from __future__ import annotations

import copy

import polars as pl
import pytest

from builders import correct_truth, report_html, report_text
from nianbao.fields import FRAME_SCHEMAS
from nianbao.parse.checks import cross_report
from nianbao.parse.report import parse_bytes
from nianbao.parse.result import to_frames
from nianbao.templates import template_for_year


def alarms(text: str) -> set[tuple[str, str, str]]:
    return {(c[1], c[2], c[3]) for c in parse_bytes(text.encode(), "r.txt").checks if c[2] != "info"}


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2024])
@pytest.mark.parametrize("render", [report_text, report_html], ids=["text", "html"])
def test_correct_reports_raise_no_warning_or_error(year: int, render) -> None:
    assert alarms(render(correct_truth(year, seed=year))) == set()


@pytest.mark.parametrize(
    ("row", "col", "expected"),
    [
        ("granted", 0, {("row_total", "table3/granted"), ("outcome_sum", "table3/*/natural_person")}),
        (
            "new_received",
            2,
            {("row_total", "table3/new_received"), ("intake_balance", "table3/*/research_institution")},
        ),
        ("unable_not_held", 6, {("row_total", "table3/unable_not_held"), ("outcome_sum", "table3/*/total")}),
        (
            "total_processed",
            1,
            {
                ("row_total", "table3/total_processed"),
                ("outcome_sum", "table3/*/commercial_enterprise"),
                ("intake_balance", "table3/*/commercial_enterprise"),
            },
        ),
        (
            "carried_forward",
            0,
            {("row_total", "table3/carried_forward"), ("intake_balance", "table3/*/natural_person")},
        ),
    ],
)
def test_one_broken_cell_fires_exactly_its_identities(row: str, col: int, expected: set) -> None:
    truth = correct_truth(2023)
    truth["applications"][row][col] += 1
    got = {(check, where) for check, severity, where in alarms(report_text(truth))}
    assert got == expected
    assert all(sev == "error" for _, sev, _ in alarms(report_text(truth)))


def test_broken_litigation_total() -> None:
    truth = correct_truth(2023)
    truth["litigation"]["litigation_direct"][4] = 5
    result = parse_bytes(report_text(truth).encode(), "r.txt")
    broken = [c for c in result.checks if c[2] == "error"]
    assert [(c[1], c[3], c[4], c[5]) for c in broken] == [
        ("litigation_total", "table4/litigation_direct", 2.0, 5.0)
    ]
    assert "复议诉讼合计" in broken[0][6]


def test_negative_value_is_an_error() -> None:
    truth = correct_truth(2023)
    truth["applications"]["granted"][3] = -1
    truth["applications"]["granted"][6] -= 1
    got = alarms(report_text(truth))
    assert ("negative_value", "error", "table3/granted/social_organization") in got


def test_narrative_breakdown_mismatch_fires() -> None:
    truth = correct_truth(2023)
    text = report_text(truth).replace("通知公告20条", "通知公告21条")
    assert alarms(text) == {("narrative_breakdown_mismatch", "warning", "narrative/proactive_items")}


def test_narrative_table_mismatch_fires() -> None:
    truth = correct_truth(2023)
    total = truth["applications"]["new_received"][6]
    text = report_text(truth).replace("条。\n", f"条。全年共收到政府信息公开申请{total + 3}件。\n", 1)
    assert ("narrative_table_mismatch", "warning", "narrative/new_received") in alarms(text)
    same = report_text(truth).replace("条。\n", f"条。全年共收到政府信息公开申请{total}件。\n", 1)
    assert alarms(same) == set()


def test_template_year_mismatch() -> None:
    truth = correct_truth(2019)  # 2019 template ...
    text = report_text(truth).replace("2019年政府信息公开", "2022年政府信息公开")  # ... on a 2022 report
    assert ("template_year_mismatch", "warning", "report/template") in alarms(text)


def _drop_number(text: str, label: str, keep_last: int) -> str:
    lines = text.splitlines()
    i = next(i for i, ln in enumerate(lines) if ln.startswith(label))
    cells = lines[i].split("\t")
    lines[i] = "\t".join(cells[:1] + cells[-keep_last:])
    return "\n".join(lines)


def test_row_with_a_missing_number_is_repaired_only_when_proved() -> None:
    truth = correct_truth(2023)
    t = template_for_year(2023)
    zero_row = next(r for r in t.table3_rows if r.group != "intake" and not any(truth["applications"][r.key]))
    text = _drop_number(report_text(truth), zero_row.label, 6)
    result = parse_bytes(text.encode(), "r.txt")
    row = [v for _, r, _, _, v in result.applications if r == zero_row.key]
    assert row == [0] * 7  # six zeros for seven columns: every reading gives zeros
    assert ("row_shape", "table3/" + zero_row.key) in {(c[1], c[3]) for c in result.checks}


def test_row_with_ambiguous_missing_number_stays_null() -> None:
    truth = correct_truth(2023)
    truth["applications"]["carried_over"] = [1, 0, 0, 0, 0, 0, 1]
    text = _drop_number(report_text(truth), "二、上年结转", 6)  # "0 0 0 0 0 1": which column lost its 1?
    result = parse_bytes(text.encode(), "r.txt")
    row = [v for _, r, _, _, v in result.applications if r == "carried_over"]
    # the identities of the other rows pin this row exactly (intake balance per column)
    assert row in ([1, 0, 0, 0, 0, 0, 1], [None] * 7)
    checks = {(c[1], c[2]) for c in result.checks}
    assert ("row_shape", "warning") in checks
    if row[0] is not None:
        assert ("repair", "info") in checks


def test_printed_contradiction_blocks_repairs() -> None:
    """When printed cells already break an identity, nothing is proved from the identities."""
    truth = correct_truth(2023)
    truth["applications"]["new_received"][0] += 1  # broken intake balance
    text = _drop_number(report_text(truth), "(一)予以公开", 1)
    result = parse_bytes(text.encode(), "r.txt")
    granted = [v for _, r, _, _, v in result.applications if r == "granted"]
    assert granted == [None] * 7
    assert not [c for c in result.checks if c[1] == "repair"]


# --- across reports --------------------------------------------------------------------------


def _frames(*truths: dict, names: list[str] | None = None) -> dict[str, pl.DataFrame]:
    results = [
        parse_bytes(report_text(t).encode(), n)
        for t, n in zip(truths, names or [f"{i}.txt" for i in range(len(truths))], strict=True)
    ]
    return to_frames(results)


def test_cross_year_carry() -> None:
    a, b = correct_truth(2022), correct_truth(2023)
    assert a["applications"]["carried_forward"][6] == 1
    assert b["applications"]["carried_over"][6] == 1
    assert cross_report(_frames(a, b)).height == 0
    b2 = copy.deepcopy(b)
    for row in ("carried_over", "new_received"):
        b2["applications"][row][0] += 2 if row == "carried_over" else -2
        b2["applications"][row][6] += 2 if row == "carried_over" else -2
    got = cross_report(_frames(a, b2))
    assert got.select("check", "severity", "expected", "actual").rows() == [
        ("cross_year_carry", "warning", 1.0, 3.0)
    ]


def test_duplicate_report_same_organ_year() -> None:
    a = correct_truth(2023)
    b = copy.deepcopy(a)
    b["proactive"]["rules"]["issued"] = 9
    same = cross_report(_frames(a, b, names=["a.txt", "b.txt"]))
    assert set(same["check"]) == {"duplicate_report"}
    assert set(same["severity"]) == {"info"}  # the same table-3 numbers
    b["applications"]["granted"][0] += 1
    b["applications"]["granted"][6] += 1
    b["applications"]["new_received"][0] += 1
    b["applications"]["new_received"][6] += 1
    b["applications"]["total_processed"][0] += 1
    b["applications"]["total_processed"][6] += 1
    differ = cross_report(_frames(a, b, names=["a.txt", "b.txt"]))
    assert set(differ.filter(pl.col("check") == "duplicate_report")["severity"]) == {"warning"}


def test_fee_unit_suspect() -> None:
    years = [correct_truth(y) for y in (2021, 2022, 2023)]
    years[2]["proactive"]["administrative_fees"]["amount_10k_yuan"] = 125000.0  # 元 written as 万元
    got = cross_report(_frames(*years))
    assert got["check"].to_list() == ["fee_unit_suspect"]
    assert got["actual"].to_list() == [125000.0]


def _table(*rows: dict) -> dict[str, pl.DataFrame]:
    """Contract frames from ``(report_id, path, organ, year, cells, fee)`` rows, for checks across reports.

    ``cells`` maps ``(outcome, applicant)`` to a value in table 3; ``fee`` is table 2's fee in 万元.
    """
    reports, apps, proactive = [], [], []
    for r in rows:
        rid = r["id"]
        reports.append(
            {"report_id": rid, "path": r["path"], "format": "txt", "status": r.get("status", "ok")}
        )
        reports[-1] |= {"organ": r["organ"], "year": r["year"], "duplicate_of": r.get("duplicate_of")}
        apps += [
            {"report_id": rid, "outcome": o, "applicant": a, "value": v} for (o, a), v in r["cells"].items()
        ]
        if r.get("fee") is not None:
            proactive.append(
                {
                    "report_id": rid,
                    "item": "administrative_fees",
                    "measure": "amount_10k_yuan",
                    "value": r["fee"],
                }
            )

    def frame(name: str, data: list[dict]) -> pl.DataFrame:
        schema = FRAME_SCHEMAS[name]
        return pl.DataFrame(data, schema={k: schema[k] for k in data[0]} if data else schema).select(
            [pl.col(c) if data and c in data[0] else pl.lit(None, schema[c]).alias(c) for c in schema.names()]
        )

    frames = {"reports": frame("reports", reports), "applications": frame("applications", apps)}
    frames |= {"proactive": frame("proactive", proactive), "litigation": frame("litigation", [])}
    return frames | {"checks": frame("checks", [])}


CELLS_A = {("new_received", "natural_person"): 3, ("new_received", "total"): 3, ("granted", "total"): 2}
CELLS_B = {("new_received", "natural_person"): 3, ("new_received", "total"): 4, ("granted", "total"): 2}
# the same numbers as A in other cells: the same multiset of values, a different table
CELLS_A_MOVED = {("new_received", "natural_person"): 2, ("new_received", "total"): 3, ("granted", "total"): 3}


def test_duplicate_reports_across_files_exactly() -> None:
    frames = _table(
        {"id": "r1", "path": "b/甲.txt", "organ": "甲县人民政府", "year": 2022, "cells": CELLS_A},
        {"id": "r2", "path": "a/甲.txt", "organ": "甲县", "year": 2022, "cells": CELLS_A},  # suffix dropped
        {"id": "r3", "path": "c/甲.txt", "organ": "甲县人民政府", "year": 2022, "cells": CELLS_A},
        {"id": "r4", "path": "a/乙.txt", "organ": "乙县", "year": 2022, "cells": CELLS_A},
        {"id": "r5", "path": "z/乙.txt", "organ": "乙县", "year": 2022, "cells": CELLS_B},
        {"id": "r6", "path": "a/丙.txt", "organ": "丙县", "year": 2022, "cells": CELLS_A},
        {"id": "r7", "path": "a/丙2023.txt", "organ": "丙县", "year": 2023, "cells": CELLS_B},
        {
            "id": "r8",
            "path": "d/甲.txt",
            "organ": "甲县",
            "year": 2022,
            "cells": CELLS_A,
            "status": "duplicate",
        },
    )
    got = cross_report(frames).filter(pl.col("check") == "duplicate_report").sort("report_id")
    assert got.select("report_id", "severity", "where").rows() == [
        ("r1", "info", "report"),
        ("r2", "info", "report"),
        ("r3", "info", "report"),
        ("r4", "warning", "report"),
        ("r5", "warning", "report"),
    ]
    assert got["message"].to_list()[:2] == [
        "甲县人民政府 2022 年度报告出现在多个文件中(首个: a/甲.txt)，数字相同",
        "甲县 2022 年度报告出现在多个文件中(首个: a/甲.txt)，数字相同",
    ]
    assert got["message"][3] == "乙县 2022 年度报告出现在多个文件中(首个: a/乙.txt)，且表三数字不同"
    assert got.schema == FRAME_SCHEMAS["checks"]


def test_duplicate_reports_with_the_same_values_in_other_cells_differ() -> None:
    frames = _table(
        {"id": "r1", "path": "a.txt", "organ": "甲县", "year": 2022, "cells": CELLS_A},
        {"id": "r2", "path": "b.txt", "organ": "甲县", "year": 2022, "cells": CELLS_A_MOVED},
    )
    assert set(cross_report(frames)["severity"]) == {"warning"}


def _fee_years(*fees: float, organ: str = "丁县") -> dict[str, pl.DataFrame]:
    rows = [
        {"id": f"{organ}{2020 + i}", "path": f"{organ}/{2020 + i}.txt", "organ": organ, "year": 2020 + i}
        | {"cells": CELLS_A, "fee": fee}
        for i, fee in enumerate(fees)
    ]
    return _table(*rows)


def _fee_flags(frames: dict[str, pl.DataFrame]) -> list[tuple[str, float, float]]:
    got = cross_report(frames).filter(pl.col("check") == "fee_unit_suspect").sort("report_id")
    return got.select("report_id", "expected", "actual").rows()


def test_fee_unit_suspect_flags_only_the_outlier_year() -> None:
    assert _fee_flags(_fee_years(1.2, 1.5, 13000.0)) == [("丁县2022", 1.3, 13000.0)]
    assert _fee_flags(_fee_years(13000.0, 1.5, 1.2)) == [("丁县2020", 1.3, 13000.0)]
    assert _fee_flags(_fee_years(1.2, 1.5, 0.9, 1.1, 13000.0)) == [("丁县2024", 1.3, 13000.0)]
    # the other way round: one year printed in 万元 while the others hold 元 figures
    assert _fee_flags(_fee_years(12000.0, 1.5, 15000.0)) == [("丁县2021", 15000.0, 1.5)]
    # ordinary variation, even tenfold, raises nothing
    assert _fee_flags(_fee_years(0.2, 2.0, 1.0)) == []


def test_fee_unit_suspect_with_two_years_flags_the_larger() -> None:
    assert _fee_flags(_fee_years(1.5, 15000.0)) == [("丁县2021", 1.5, 15000.0)]
    assert _fee_flags(_fee_years(15000.0, 1.5)) == [("丁县2020", 1.5, 15000.0)]
    assert _fee_flags(_fee_years(1.5)) == []


def test_fee_unit_suspect_compares_within_one_organ() -> None:
    frames = {
        k: pl.concat([_fee_years(1.2, 1.5, 1.1)[k], _fee_years(12000.0, 15000.0, 11000.0, organ="戊县")[k]])
        for k in ("reports", "applications", "proactive", "litigation", "checks")
    }
    assert _fee_flags(frames) == []
