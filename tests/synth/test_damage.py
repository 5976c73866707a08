"""Injected damage: each kind is recorded in the truth with the check it must raise, by the documented rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.grid import parse_number
from nianbao.synth.damage import DAMAGE_KINDS, DATA_KINDS
from nianbao.synth.generate import build_specs, sample_report, sample_spec
from nianbao.synth.model import ReportSpec
from nianbao.synth.truth import broken_identities


def _year(seed: int) -> int:
    return 2019 + seed % 7


IDENTITY_CHECKS = {"row_total", "outcome_sum", "intake_balance", "litigation_total"}


def _damaged(kind: str, fmt: str = "txt") -> Iterator[tuple[ReportSpec, bytes]]:
    """Sample reports that took ``kind`` (the first few that could); seed s, year 2019 + s % 7."""
    found = 0
    for seed in range(200):
        if kind not in sample_spec(seed, fmt, _year(seed), damage=kind).damage:
            continue
        spec, data = sample_report(seed, fmt, _year(seed), damage=kind)
        if kind in spec.damage:
            found += 1
            spec.notes.append(f"seed {seed}")
            yield spec, data
            if found == 3:
                return
    pytest.fail(f"no sample report could take {kind} damage")


def test_missing_rows_are_null_in_truth() -> None:
    for spec, _ in _damaged("missing_rows"):
        printed = {r.key for r in spec.printed.table3}
        absent = [k for k in spec.template.row_keys if k not in printed]
        assert absent, "some row must be missing"
        assert all(spec.truth.applications[k] == [None] * 7 for k in absent)
        assert all(None not in spec.truth.applications[k] for k in printed if k in spec.truth.applications)
        assert spec.expected_checks == {"missing_rows"}


def test_row_shape_only_on_zero_rows_which_stay_zero() -> None:
    for spec, _ in _damaged("row_shape"):
        odd = [r for r in spec.printed.table3 if len(r.cells) != 7]
        assert len(odd) == 1
        assert len(odd[0].cells) in (6, 8)
        assert set(odd[0].cells) == {"0"}
        assert spec.truth.applications[odd[0].key] == [0] * 7 or odd[0].key == "other_processing"
        assert spec.expected_checks == {"row_shape"}


def test_row_shape_is_never_put_in_grid_formats() -> None:
    for fmt in ("pdf", "docx"):
        assert sample_spec(1, fmt, 2022, damage="row_shape").damage == []


def test_blank_cells_are_null_and_only_zero_cells_are_blanked() -> None:
    for spec, _ in _damaged("blank_cells"):
        blanks = 0
        for row in spec.printed.table3:
            for j, text in enumerate(row.cells):
                if text == "":
                    blanks += 1
                    assert spec.truth.applications[row.key][j] is None
                    assert spec.figures.applications[row.key][j] == 0
        for proc, cells in spec.printed.table4.items():
            for j, text in enumerate(cells):
                if text == "":
                    blanks += 1
                    assert spec.truth.litigation[proc][j] is None
                    assert spec.figures.litigation[proc][j] == 0
        assert blanks > 0
        assert spec.expected_checks == {"blank_cells"}


def test_narrative_mismatch_records_both_figures() -> None:
    for spec, data in _damaged("narrative_mismatch"):
        n = spec.truth.narrative
        assert n["proactive_items"] is not None
        assert n["proactive_breakdown_sum"] is not None
        assert 1 <= abs(n["proactive_items"] - n["proactive_breakdown_sum"]) <= 5
        assert f"{n['proactive_items']}" in data.decode("utf-8")
        assert spec.expected_checks == {"narrative_breakdown_mismatch"}


def test_broken_identity_names_exactly_the_identities_it_breaks() -> None:
    for spec, _ in _damaged("broken_identity"):
        broken = broken_identities(spec.template, spec.truth.applications, spec.truth.litigation)
        assert broken
        assert broken <= IDENTITY_CHECKS
        assert spec.expected_checks == broken
        changed = [
            (k, j)
            for k, row in spec.truth.applications.items()
            for j, v in enumerate(row)
            if v != spec.figures.applications[k][j]
        ] + [
            (k, j)
            for k, row in spec.truth.litigation.items()
            for j, v in enumerate(row)
            if v != spec.figures.litigation[k][j]
        ]
        assert len(changed) == 1
        assert changed[0][0] not in ("new_received", "carried_over", "carried_forward")


def test_fee_unit_prints_yuan_under_a_wan_yuan_header() -> None:
    for spec, _ in _damaged("fee_unit"):
        true_fee = spec.figures.proactive["administrative_fees"]["amount_10k_yuan"]
        printed = spec.truth.proactive["administrative_fees"]["amount_10k_yuan"]
        assert printed == pytest.approx(true_fee * 10000, rel=1e-6)
        assert parse_number(spec.printed.table2["administrative_fees"]["amount_10k_yuan"]) == printed
        assert spec.expected_checks == {"fee_unit_suspect"}


@pytest.mark.parametrize("kind", ["traditional", "gbk"])
def test_byte_damage_keeps_the_truth(kind: str) -> None:
    for spec, data in _damaged(kind, "html"):
        assert spec.expected_checks == set()
        seed = int(spec.notes[-1].removeprefix("seed "))
        clean = sample_spec(seed, "html", _year(seed))
        assert clean.damage == []
        assert clean.stem == spec.stem
        assert spec.truth == clean.truth
        if kind == "gbk":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            assert 'charset="gbk"' in data.decode("gbk")
            assert "政府信息公开工作年度报告" in data.decode("gbk")
        else:
            assert "開" in data.decode("utf-8")
            assert "开" not in data.decode("utf-8").split("<body>")[1][:2000]


def test_corpus_damage_covers_every_kind_and_fee_unit_needs_other_years() -> None:
    specs = build_specs(400, ("txt", "html", "pdf", "docx"), seed=7, damage_rate=1.0, years=(2019, 2025))
    seen = {k for s in specs for k in s.damage}
    assert seen == set(DAMAGE_KINDS)
    assert all(s.damage and s.damage[0] in (*DATA_KINDS, "traditional", "gbk") for s in specs)
    by_organ: dict[str, list[ReportSpec]] = {}
    for s in specs:
        by_organ.setdefault(s.organ.key, []).append(s)
    for s in specs:
        if "broken_identity" in s.damage:
            merged = {m.key for m in s.template.table3_merged_rows}
            assert not merged & {r.key for r in s.printed.table3}
        if "fee_unit" in s.damage:
            others = [o for o in by_organ[s.organ.key] if o is not s and o.template.year == s.template.year]
            assert any(o.truth.proactive["administrative_fees"]["amount_10k_yuan"] for o in others)
            assert sum("fee_unit" in o.damage for o in by_organ[s.organ.key]) == 1


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), reports=st.integers(1, 40))
def test_undamaged_reports_expect_no_check_and_hold_every_identity(seed: int, reports: int) -> None:
    for spec in build_specs(reports, ("txt", "html"), seed=seed, damage_rate=0.0, years=(2019, 2025)):
        assert spec.damage == []
        assert spec.expected_checks == set()
        assert broken_identities(spec.template, spec.truth.applications, spec.truth.litigation) == set()
        assert None not in [v for row in spec.truth.applications.values() for v in row]
        n = spec.truth.narrative
        assert n["proactive_breakdown_sum"] in (None, n["proactive_items"])
