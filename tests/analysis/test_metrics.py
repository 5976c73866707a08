"""Metrics against hand-computed values: the seeds' truth, and a generated corpus with known counts."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analysis_frames import Synthetic, as_dict, write_parsed
from nianbao.analysis import metrics as m
from nianbao.analysis.stats import poisson_interval, wilson_exprs, wilson_interval
from nianbao.errors import NianbaoError

SHENZHOU = "深州市人民政府办公室"


# ------------------------------------------------------------------------------------------ intervals


def test_wilson_matches_hand_computation() -> None:
    # p = 0.5, n = 10, z = 1.96: centre 0.5, half = 1.96 * sqrt(0.025 + 0.0096) / 1.384 = 0.2634
    lo, hi = wilson_interval(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4)
    assert hi == pytest.approx(0.7634, abs=1e-4)
    # k = 0: lower bound exactly 0, upper z^2 / (n + z^2) = 3.8415 / 7.8415
    assert wilson_interval(0, 4) == (0.0, pytest.approx(3.8415 / 7.8415, abs=1e-4))
    assert wilson_interval(14, 14)[1] == 1.0
    assert wilson_interval(3, 0) == (None, None)


def test_wilson_exprs_agree_with_scalar() -> None:
    pairs = [(0, 1), (1, 3), (5, 10), (14, 14), (37, 250), (0, 0)]
    frame = pl.DataFrame({"k": [k for k, _ in pairs], "n": [n for _, n in pairs]})
    lo, hi = wilson_exprs(pl.col("k"), pl.col("n"))
    got = frame.select(lo.alias("lo"), hi.alias("hi")).rows()
    for (k, n), (glo, ghi) in zip(pairs, got, strict=True):
        elo, ehi = wilson_interval(k, n)
        assert glo == (None if elo is None else pytest.approx(elo))
        assert ghi == (None if ehi is None else pytest.approx(ehi))


def test_poisson_interval_by_hand() -> None:
    # (k + z^2/2 ± z sqrt(k + z^2/4)) / n with k = 4, n = 100
    z = 1.959963984540054
    lo, hi = poisson_interval(4, 100)
    assert lo == pytest.approx((4 + z * z / 2 - z * math.sqrt(4 + z * z / 4)) / 100)
    assert hi == pytest.approx((4 + z * z / 2 + z * math.sqrt(4 + z * z / 4)) / 100)
    assert poisson_interval(0, 10)[0] == 0.0
    assert poisson_interval(3, 0) == (None, None)


# ------------------------------------------------------------------------------------------ seeds


def test_seed_selection_filters(seed_frames: m.Frames) -> None:
    assert m.select(seed_frames).reports.height == 5
    assert m.select(seed_frames, organ_level="township").reports.height == 4
    assert m.select(seed_frames, county="民权县").reports["organ"].to_list() == ["民权县褚庙乡人民政府"]
    assert sorted(m.select(seed_frames, years=[2021]).reports["year"].to_list()) == [2021, 2021, 2021]
    assert m.select(seed_frames, province=["河南省", "河北省"]).reports.height == 3
    # the other frames follow the reports kept
    one = m.select(seed_frames, county="深州市")
    assert one.applications["report_id"].unique().to_list() == one.reports["report_id"].to_list()
    assert one.litigation.height == 15


def test_seed_proactive_volume(seed_frames: m.Frames) -> None:
    data = m.select(seed_frames)
    volume = m.proactive_volume(data.reports, data.proactive)
    narrative = as_dict(volume, "organ", "narrative_items")
    assert narrative["水城区坪寨乡人民政府"] == 63
    assert narrative["吴忠市红寺堡区柳泉乡人民政府"] == 664
    assert narrative["卫辉市上乐村镇人民政府"] == 149
    assert narrative[SHENZHOU] is None  # not stated: null, not 0
    assert as_dict(volume, "organ", "breakdown_sum")["卫辉市上乐村镇人民政府"] == 148
    row = volume.filter(pl.col("organ") == SHENZHOU).row(0, named=True)
    assert (row["documents_issued"], row["documents_in_force"], row["decisions"]) == (1.0, 3.0, 0.0)
    assert row["fees_10k_yuan"] == pytest.approx(180.338174)


def test_seed_application_counts(seed_frames: m.Frames) -> None:
    data = m.select(seed_frames)
    counts = m.application_counts(data.reports, data.applications)
    sz = counts.filter(pl.col("organ") == SHENZHOU).row(0, named=True)
    assert (sz["new_received"], sz["carried_over"], sz["applications"], sz["handled"]) == (14, 0, 14, 14)
    assert (sz["granted"], sz["denied"], sz["carried_forward"]) == (14, 0, 0)
    assert sz["other"] is None  # the three 其他处理 rows are printed blank
    garbled = counts.filter(pl.col("organ") == "吴忠市红寺堡区柳泉乡人民政府").row(0, named=True)
    # 总计 row missing and some outcome rows missing: the number handled is unknown, not 0
    assert garbled["handled"] is None
    assert garbled["applications"] == 0
    assert garbled["other"] is None
    assert garbled["not_processed"] == 0  # 3 of 5 rows printed, all 0


def test_seed_shares_and_rates(seed_frames: m.Frames) -> None:
    data = m.select(seed_frames)
    counts = m.application_counts(data.reports, data.applications)
    shares = m.outcome_shares(counts, by=["organ"], min_n=10)
    sz = shares.filter(pl.col("organ") == SHENZHOU)
    assert sz["outcome_group"].to_list() == list(m.OUTCOME_GROUPS)
    granted = sz.row(0, named=True)
    assert (granted["count"], granted["handled"], granted["share"]) == (14, 14, 1.0)
    assert granted["lower"] == pytest.approx(wilson_interval(14, 14)[0])
    assert granted["small_n"] is False
    assert sz.filter(pl.col("outcome_group") == "other")["share"].to_list() == [None]
    # organs that handled nothing have no share at all (not 0 %)
    zero = shares.filter(pl.col("organ") == "民权县褚庙乡人民政府")
    assert zero["share"].null_count() == zero.height
    assert zero["small_n"].all()
    assert "吴忠市红寺堡区柳泉乡人民政府" not in shares["organ"].to_list()  # handled unknown

    cases = m.litigation_counts(data.reports, data.litigation)
    c = cases.filter(pl.col("organ") == SHENZHOU).row(0, named=True)
    assert (c["review_cases"], c["review_corrected"], c["review_concluded"]) == (2, 0, 2)
    assert (c["litigation_cases"], c["litigation_corrected"], c["litigation_concluded"]) == (3, 0, 3)
    rates = m.review_litigation_rates(counts, cases, by=["organ"], min_n=10)
    per_100 = {
        r["kind"]: r["per_100"] for r in rates.filter(pl.col("organ") == SHENZHOU).iter_rows(named=True)
    }
    assert per_100 == {"review": pytest.approx(100 * 2 / 14), "litigation": pytest.approx(100 * 3 / 14)}
    assert rates.filter(pl.col("organ") == "水城区坪寨乡人民政府")["per_100"].to_list() == [None, None]
    correction = m.correction_rates(cases, by=["organ"]).filter(pl.col("organ") == SHENZHOU)
    assert correction["share"].to_list() == [0.0, 0.0]
    assert correction["small_n"].to_list() == [True, True]  # 2 and 3 concluded cases < 5


def test_seed_summary_and_coverage(seed_frames: m.Frames) -> None:
    summary = m.corpus_summary(seed_frames)
    assert summary["files"] == 5
    assert summary["organs"] == 5
    assert summary["years"] == (2021, 2024)
    assert summary["flagged_reports"] == 0
    cov = m.coverage(seed_frames.reports)
    assert cov.height == 5
    assert set(cov["status"]) == {"ok"}


# ------------------------------------------------------------------------------------------ synthetic


def test_synthetic_counts_match_truth(synthetic: Synthetic) -> None:
    data = m.select(synthetic.frames, include_flagged=True)
    counts = m.application_counts(data.reports, data.applications)
    cases = m.litigation_counts(data.reports, data.litigation)
    volume = m.proactive_volume(data.reports, data.proactive)
    assert counts.height == len(synthetic.truth)
    for (organ, year), truth in synthetic.truth.items():
        row = counts.filter((pl.col("organ") == organ) & (pl.col("year") == year)).row(0, named=True)
        assert row["new_received"] == truth["new"]
        assert row["applications"] == truth["new"] + truth["carried"]
        assert row["handled"] == truth["handled"]
        for group in m.OUTCOME_GROUPS:
            assert row[group] == truth[group], (organ, year, group)
        assert row["path"] == truth["path"]
        lit = cases.filter((pl.col("organ") == organ) & (pl.col("year") == year)).row(0, named=True)
        for key in (
            "review_cases",
            "review_corrected",
            "review_concluded",
            "litigation_cases",
            "litigation_corrected",
        ):
            assert lit[key] == truth[key], key
        vol = volume.filter((pl.col("organ") == organ) & (pl.col("year") == year)).row(0, named=True)
        assert vol["narrative_items"] == truth["narrative"]
        assert vol["documents_issued"] == truth["issued"]  # 2019 'created' and 2021 'issued' alike


def test_include_flagged_excludes_or_marks(synthetic: Synthetic) -> None:
    dropped = m.select(synthetic.frames, include_flagged=False)
    kept = m.select(synthetic.frames, include_flagged=True)
    pairs = set(zip(dropped.reports["organ"], dropped.reports["year"], strict=True))
    assert not pairs & synthetic.flagged
    assert len(pairs) == len(synthetic.truth) - len(synthetic.flagged)
    marked = kept.reports.filter(pl.col("flagged"))
    assert set(zip(marked["organ"], marked["year"], strict=True)) == synthetic.flagged
    assert "failed" not in kept.reports["status"].cast(pl.String).to_list()
    # every file, failed ones included, when only the place and flag filters apply
    everything = m.select(synthetic.frames, usable_only=False, include_flagged=True)
    assert everything.reports.height == len(synthetic.truth) + 1
    # the flag travels into pooled figures
    counts = m.application_counts(kept.reports, kept.applications)
    pooled = m.pooled(counts, ["county", "year"], ["handled"])
    flagged_groups = {(synthetic.counties[o], y) for o, y in synthetic.flagged}
    assert set(pooled.filter(pl.col("flagged")).select("county", "year").iter_rows()) == flagged_groups


def test_pooled_shares_by_county(synthetic: Synthetic) -> None:
    data = m.select(synthetic.frames, include_flagged=False)
    counts = m.application_counts(data.reports, data.applications)
    shares = m.outcome_shares(counts, by=["county"], min_n=10)
    expected: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (organ, year), truth in synthetic.truth.items():
        if (organ, year) in synthetic.flagged:
            continue
        county = synthetic.counties[organ]
        expected[county]["handled"] += truth["handled"]
        for group in m.OUTCOME_GROUPS:
            expected[county][group] += truth[group]
    for row in shares.iter_rows(named=True):
        e = expected[row["county"]]
        assert row["handled"] == e["handled"]
        assert row["count"] == e[row["outcome_group"]]
        assert row["share"] == pytest.approx(e[row["outcome_group"]] / e["handled"])
        lo, hi = wilson_interval(e[row["outcome_group"]], e["handled"])
        assert (row["lower"], row["upper"]) == (pytest.approx(lo), pytest.approx(hi))
    # shares of one group add up to 1 per county
    totals = shares.group_by("county").agg(pl.col("share").sum())
    assert totals["share"].to_list() == [pytest.approx(1.0)] * 2


def test_rates_corrections_reasons_applicants(synthetic: Synthetic) -> None:
    data = m.select(synthetic.frames)  # flagged reports are left out by default
    counts = m.application_counts(data.reports, data.applications)
    cases = m.litigation_counts(data.reports, data.litigation)
    kept = {k: v for k, v in synthetic.truth.items() if k not in synthetic.flagged}
    by_year: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (_organ, year), t in kept.items():
        for key in ("handled", "review_cases", "litigation_cases", "review_corrected", "review_concluded"):
            by_year[year][key] += t[key]
        for reason, v in t["denied_rows"].items():
            by_year[year][reason] += v
        for i, v in enumerate(t["applicants"]):
            by_year[year][f"a{i}"] += v
    rates = m.review_litigation_rates(counts, cases, by=["year"], min_n=10)
    for row in rates.iter_rows(named=True):
        e = by_year[row["year"]]
        assert row["per_100"] == pytest.approx(100 * e[f"{row['kind']}_cases"] / e["handled"])
        lo, hi = poisson_interval(int(e[f"{row['kind']}_cases"]), e["handled"])
        assert row["lower"] == pytest.approx(100 * lo)
        assert row["upper"] == pytest.approx(100 * hi)
    correction = m.correction_rates(cases, by=["year"]).filter(pl.col("kind") == "review")
    for row in correction.iter_rows(named=True):
        e = by_year[row["year"]]
        assert row["share"] == pytest.approx(e["review_corrected"] / e["review_concluded"])
    reasons = m.denial_reasons(counts, by=["year"])
    for row in reasons.filter(pl.col("reason") == "denied_third_party_rights").iter_rows(named=True):
        assert row["count"] == by_year[row["year"]]["denied_third_party_rights"]
    mix = m.applicant_mix(data.reports, data.applications, by=["year"])
    for row in mix.filter(pl.col("applicant") == "natural_person").iter_rows(named=True):
        e = by_year[row["year"]]
        assert row["count"] == e["a0"]
        assert row["share"] == pytest.approx(e["a0"] / sum(e[f"a{i}"] for i in range(6)))


def test_year_on_year_and_rank(synthetic: Synthetic) -> None:
    data = m.select(synthetic.frames, include_flagged=False)
    volume = m.proactive_volume(data.reports, data.proactive)
    yoy = m.year_on_year(volume, "narrative_items")
    for row in yoy.iter_rows(named=True):
        prev = synthetic.truth.get((row["organ"], row["year"] - 1))
        if prev is None or (row["organ"], row["year"] - 1) in synthetic.flagged:
            assert row["previous"] is None  # first year, or the year before was dropped: no change claimed
        else:
            assert row["previous"] == prev["narrative"]
            assert row["change"] == row["narrative_items"] - prev["narrative"]
            assert row["pct_change"] == pytest.approx(
                (row["narrative_items"] - prev["narrative"]) / prev["narrative"]
            )
    ranked = m.rank_within(volume, "narrative_items", within=["county", "year"])
    for (county, year), group in ranked.group_by(["county", "year"]):
        values = sorted(group["narrative_items"].to_list(), reverse=True)
        for row in group.iter_rows(named=True):
            assert row["rank"] == values.index(row["narrative_items"]) + 1
            assert row["peers"] == group.height
        assert county is not None
        assert year is not None


def test_rank_skips_small_n() -> None:
    frame = pl.DataFrame(
        {"county": ["a"] * 4, "year": [1] * 4, "share": [1.0, 0.5, 0.0, None], "handled": [2, 40, 30, 0]}
    )
    ranked = m.rank_within(frame, "share", n="handled", min_n=10)
    assert ranked["rank"].to_list() == [None, 1, 2, None]
    assert ranked["peers"].to_list() == [2] * 4


def test_median_band(synthetic: Synthetic) -> None:
    data = m.select(synthetic.frames, include_flagged=True)
    volume = m.proactive_volume(data.reports, data.proactive)
    band = m.median_band(volume, "narrative_items")
    for row in band.iter_rows(named=True):
        values = sorted(t["narrative"] for (_o, y), t in synthetic.truth.items() if y == row["year"])
        assert row["median"] == statistics.median(values)
        assert row["organs"] == len(values)
        assert row["q1"] <= row["median"] <= row["q3"]


def test_peers_default_organ_and_checks(synthetic: Synthetic) -> None:
    data = m.select(synthetic.frames, include_flagged=True)
    organ = m.default_organ(data)
    handled: dict[str, int] = defaultdict(int)
    for (o, _year), t in synthetic.truth.items():
        handled[o] += t["handled"]
    # all have four reports and three peers: the most applications handled decides
    assert organ == max(sorted(handled), key=lambda o: handled[o])
    peers = m.peers_of(data, organ)
    assert set(peers.reports["county"]) == {synthetic.counties[organ]}
    assert peers.reports.filter(pl.col("is_subject"))["organ"].unique().to_list() == [organ]
    assert peers.reports["organ"].n_unique() == 4
    assert m.peers_of(data, "不存在的机关").reports.height == 0
    flagged_organ = sorted(synthetic.flagged)[0][0]
    checks = m.checks_of(data, flagged_organ)
    assert checks["check"].to_list() == ["intake_balance"]
    assert checks["severity"].to_list() == ["error"]


def _places(rows: list[tuple[str, str, str | None, str | None]], synthetic: Synthetic) -> m.Frames:
    """A corpus of one report per organ: (organ, level, city, county), no figures."""
    reports = pl.DataFrame(
        [(f"r{i}", *row) for i, row in enumerate(rows)],
        schema=["report_id", "organ", "organ_level", "city", "county"],
        orient="row",
    ).with_columns(province=pl.lit("某省"), year=pl.lit(2021), status=pl.lit("ok"))
    empty = {
        n: getattr(synthetic.frames, n).clear() for n in ("proactive", "applications", "litigation", "checks")
    }
    return m.from_frames({"reports": reports, **empty})


def test_peers_are_the_same_level_in_the_place_above(synthetic: Synthetic) -> None:
    frames = _places(
        [
            ("甲县人民政府", "county", "乙市", "甲县"),
            ("丙县人民政府", "county", "乙市", "丙县"),
            ("戊县人民政府", "county", "己市", "戊县"),
            ("甲县第1镇人民政府", "township", "乙市", "甲县"),
            ("甲县第2镇人民政府", "township", "乙市", "甲县"),
            ("丙县第1镇人民政府", "township", "乙市", "丙县"),
            ("甲县公安局", "county_department", "乙市", "甲县"),
            ("某镇", "township", "乙市", None),  # county unknown: compared within its city
        ],
        synthetic,
    )
    peers = {o: sorted(m.peers_of(frames, o).reports["organ"]) for o in frames.reports["organ"]}
    assert peers["甲县人民政府"] == ["丙县人民政府", "甲县人民政府"]  # county governments of one city
    assert peers["甲县第1镇人民政府"] == ["甲县第1镇人民政府", "甲县第2镇人民政府"]
    assert peers["甲县公安局"] == ["甲县公安局"]
    assert peers["某镇"] == ["某镇"]
    # most reports (all one), then most peers: a township of 甲县 or a county of 乙市; then by name
    assert m.default_organ(frames) == "丙县人民政府"


def test_subject_of_names_close_matches(synthetic: Synthetic) -> None:
    data = m.select(synthetic.frames)
    assert m.subject_of(data, "甲县第2镇人民政府") == "甲县第2镇人民政府"
    assert m.subject_of(data, None) == m.default_organ(data)
    with pytest.raises(NianbaoError, match="did you mean 甲县第2镇人民政府"):
        m.subject_of(data, "甲县第2乡人民政府")
    with pytest.raises(NianbaoError, match="holds 8 organs"):
        m.subject_of(data, "不存在")


def test_load_roundtrip_and_hint(tmp_path: Path, synthetic: Synthetic) -> None:
    folder = write_parsed(synthetic.frames, tmp_path / "parsed")
    loaded = m.load(folder)
    for name in ("reports", "applications", "checks"):
        assert_frame_equal(getattr(loaded, name), getattr(synthetic.frames, name))
    with pytest.raises(NianbaoError, match="nianbao parse"):
        m.load(tmp_path / "nowhere")


def test_summary_of_synthetic(synthetic: Synthetic) -> None:
    summary = m.corpus_summary(synthetic.frames)
    assert summary["files"] == len(synthetic.truth) + 1
    assert summary["by_status"] == {"failed": 1, "ok": len(synthetic.truth)}
    assert summary["flagged_reports"] == len(synthetic.flagged)
    assert summary["years"] == (2020, 2023)
    failed = m.failed_files(synthetic.frames.reports)
    assert failed.rows() == [("bad.pdf", "failed", "unreadable")]


def test_selection_summary_counts_flagged_and_used(synthetic: Synthetic) -> None:
    scope = m.select(synthetic.frames, include_flagged=True)
    dropped = m.selection_summary(scope, include_flagged=False).row(0, named=True)
    assert dropped == {
        "reports": len(synthetic.truth),
        "organs": 8,
        "first_year": 2020,
        "last_year": 2023,
        "flagged": len(synthetic.flagged),
        "used": len(synthetic.truth) - len(synthetic.flagged),
        "no_narrative_total": 0,  # every synthetic report prints its total
    }
    assert m.selection_summary(scope, include_flagged=True)["used"].item() == len(synthetic.truth)


def test_problem_reports_name_every_failed_flagged_and_partial_report(synthetic: Synthetic) -> None:
    frames = synthetic.frames
    listed = m.problem_reports(frames.reports, frames.checks)
    flagged = listed.filter(pl.col("status") == "flagged")
    assert {(r["organ"], r["year"]) for r in flagged.iter_rows(named=True)} == synthetic.flagged
    errors = frames.checks.filter(pl.col("severity") == "error")
    for row in flagged.iter_rows(named=True):  # each error message of the report is there, as written
        rid = frames.reports.filter(pl.col("path") == row["path"])["report_id"].item()
        for message in errors.filter(pl.col("report_id") == rid)["message"].to_list():
            assert message in row["messages"]
    failed = listed.filter(pl.col("status") == "failed").row(0, named=True)
    assert (failed["path"], failed["messages"]) == ("bad.pdf", "unreadable")
    usable_ok = frames.reports.filter(pl.col("status") == "ok")["path"].to_list()
    assert set(listed["path"]) & set(usable_ok) == {r["path"] for r in flagged.iter_rows(named=True)}
