"""What researchers code by hand, against the synthetic corpus's truth: carry-over agreement,
refusal rates, reasons, coverage gaps and spikes."""

from __future__ import annotations

import polars as pl

from analysis_frames import Synthetic
from nianbao.analysis import coding
from nianbao.analysis import metrics as m
from nianbao.analysis.stats import wilson_interval


def _counts(s: Synthetic) -> pl.DataFrame:
    data = m.select(s.frames, include_flagged=True)
    return m.application_counts(data.reports, data.applications)


def test_carry_over_compares_with_the_year_before_only(synthetic: Synthetic) -> None:
    carry = coding.carry_over(_counts(synthetic))
    truth = synthetic.truth
    checked = 0
    for row in carry.iter_rows(named=True):
        this = truth[(row["organ"], row["year"])]
        before = truth.get((row["organ"], row["year"] - 1))
        assert row["carried_over"] == this["carried"]
        assert row["carried_forward"] == this["new"] + this["carried"] - this["handled"]
        if before is None:
            assert row["previous_forward"] is None
            assert row["carry_gap"] is None
        else:
            forward = before["new"] + before["carried"] - before["handled"]
            assert row["carry_gap"] == this["carried"] - forward
            checked += 1
    assert checked == 8 * 3


def test_refusal_rates_and_intervals(synthetic: Synthetic) -> None:
    rates = coding.refusal_rates(_counts(synthetic), by=["organ"], min_n=10)
    for row in rates.iter_rows(named=True):
        mine = [t for (organ, _), t in synthetic.truth.items() if organ == row["organ"]]
        handled = sum(t["handled"] for t in mine)
        denied, unable = sum(t["denied"] for t in mine), sum(t["unable"] for t in mine)
        assert (row["handled"], row["denied"], row["unable"]) == (handled, denied, unable)
        assert row["denied_share"] == (denied / handled if handled else None)
        if handled:
            low, high = wilson_interval(unable, handled)
            assert low is not None
            assert high is not None
            assert row["unable_interval"] == f"{round(low * 100, 1)}%–{round(high * 100, 1)}%"
        assert row["small_n"] == (handled < 10)


def test_reasons_sum_the_rows_of_their_group(synthetic: Synthetic) -> None:
    data = m.select(synthetic.frames, include_flagged=True)
    denied = coding.reason_counts(data.applications, data.reports, "denied")
    expected: dict[str, int] = {}
    for t in synthetic.truth.values():
        for reason, v in t["denied_rows"].items():
            expected[reason] = expected.get(reason, 0) + v
    found = dict(denied.select("reason", "count").iter_rows())
    assert {k: v for k, v in found.items() if v} == {k: v for k, v in expected.items() if v}
    assert sum(expected.values()) > 0


def test_gaps_and_spikes() -> None:
    reports = pl.DataFrame(
        {
            "organ": ["甲镇"] * 3 + ["乙镇"] * 4 + ["丙镇"] * 4 + ["丁镇"] * 4,
            "organ_id": ["1"] * 3 + ["2"] * 4 + ["3"] * 4 + ["4"] * 4,
            "organ_level": "township",
            "county": "甲县",
            "city": "乙市",
            "province": "丙省",
            "year": [2020, 2021, 2023, *([2020, 2021, 2022, 2023] * 3)],
            "v": [10, 12, 11, 10, 11, 60, 12, 9, 10, 11, 12, 8, 9, 10, 11],
        }
    )
    gaps = coding.coverage_gaps(reports)
    assert gaps.rows() == [("甲镇", 2020, 2023, 3, 4, "2022")]
    marked = coding.spikes(reports, "v")
    assert marked.select("organ", "year").rows() == [("乙镇", 2022), ("乙镇", 2023)]
    assert marked["note"].to_list() == [
        "同比 year-on-year ×5.5; 同级中位数 peer median ×5.5",
        "同比 year-on-year ×0.2",
    ]
