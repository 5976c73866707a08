"""``compare``: finds every difference between a parse and a truth, and nothing else."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from nianbao.parse.report import parse_file
from nianbao.parse.result import FileResult, to_frames
from nianbao.synth.generate import sample_spec
from nianbao.synth.truth import compare, truth_json
from nianbao.templates import template_named

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def _perfect(truth: dict[str, Any], checks: Sequence[tuple[str, str]] = ()) -> FileResult:
    """The FileResult a flawless parser would return for ``truth`` (plus the given (check, severity))."""
    t = template_named(truth["template"])
    rid = "0" * 16
    groups = {r.key: r.group for r in t.table3_rows}
    report = {
        k: truth.get(k) for k in ("organ", "organ_level", "province", "city", "county", "year", "template")
    }
    report |= {
        "report_id": rid,
        "path": truth["source"],
        "format": "txt",
        "status": "ok",
        **truth["narrative"],
    }
    return FileResult(
        report=report,
        proactive=[(rid, i, m, v) for i, ms in truth["proactive"].items() for m, v in ms.items()],
        applications=[
            (rid, row, groups[row], col, v)
            for row, vals in truth["applications"].items()
            for col, v in zip(t.column_keys, vals, strict=True)
        ],
        litigation=[
            (rid, p, r.key, v)
            for p, vals in truth["litigation"].items()
            for r, v in zip(t.table4_results, vals, strict=True)
        ],
        checks=[(rid, name, sev, "table3/x", None, None, "message") for name, sev in checks],
    )


@pytest.fixture
def truth() -> dict[str, Any]:
    return truth_json(sample_spec(4, "txt", 2022, organ=0))


def test_a_perfect_parse_has_no_mismatch(truth: dict[str, Any]) -> None:
    assert compare(_perfect(truth), truth) == []
    assert compare(to_frames([_perfect(truth)]), truth) == []


def test_each_wrong_cell_is_reported_once(truth: dict[str, Any]) -> None:
    parsed = _perfect(truth)
    row = parsed.applications[3]
    parsed.applications[3] = (*row[:4], None)
    parsed.proactive[0] = (*parsed.proactive[0][:3], 99.0)
    assert compare(parsed, truth) == [
        "proactive.rules.issued: expected 0, got 99.0",
        f"applications.{row[1]}.{row[3]}: expected {row[4]!r}, got None",
    ]


def test_organ_may_drop_its_suffix_but_year_must_match(truth: dict[str, Any]) -> None:
    parsed = _perfect(truth)
    parsed.report["organ"] = truth["organ"].removesuffix("人民政府")
    assert compare(parsed, truth) == []
    parsed.report["year"] = truth["year"] + 1
    assert compare(parsed, truth) == [f"year: expected {truth['year']}, got {truth['year'] + 1}"]


def test_checks_must_fire_and_clean_reports_must_stay_quiet(truth: dict[str, Any]) -> None:
    assert compare(_perfect(truth, [("merged_rows", "info")]), truth) == []
    noisy = compare(_perfect(truth, [("row_total", "warning")]), truth)
    assert len(noisy) == 1
    assert noisy[0].startswith("unexpected warning row_total")
    damaged = dict(truth, expected_checks=["blank_cells", "fee_unit_suspect"])
    assert compare(_perfect(damaged), damaged) == ["check blank_cells expected but not raised"]
    frames = to_frames([_perfect(damaged, [("blank_cells", "warning")])])
    assert compare(frames, damaged) == ["check fee_unit_suspect expected but not raised"]


def test_narrative_keys_assert_only_what_they_list(truth: dict[str, Any]) -> None:
    parsed = _perfect(truth)
    parsed.report["wechat_posts"] = 12345
    assert compare(parsed, dict(truth, narrative={})) == []
    assert compare(parsed, truth) == [
        f"narrative.wechat_posts: expected {truth['narrative']['wechat_posts']!r}, got 12345"
    ]


def test_frames_with_several_reports_are_matched_by_source(truth: dict[str, Any]) -> None:
    other = dict(truth, source="other.txt")
    a, b = _perfect(truth), _perfect(other)
    b.report["report_id"] = "1" * 16
    assert compare(to_frames([b, a]), truth) == []
    assert compare(to_frames([b, a]), dict(truth, source="absent.txt"))[0].startswith(
        "report 'absent.txt' not found"
    )


SEEDS = [(p, SHARED / "seeds") for p in sorted((SHARED / "corpus" / "expected").glob("*.json"))]
SEEDS += [
    (p, SHARED / "corpus" / "real" / "files")
    for p in sorted((SHARED / "corpus" / "real" / "expected").glob("*.json"))
]


@pytest.mark.skipif(not SEEDS, reason="../shared is not beside the checkout")
@pytest.mark.parametrize(("path", "folder"), SEEDS, ids=[p.stem for p, _ in SEEDS])
def test_compare_accepts_the_hand_checked_truths(path: Path, folder: Path) -> None:
    truth = json.loads(path.read_text(encoding="utf-8"))
    result = parse_file(folder / truth["source"])
    if result.report["status"] == "failed" and "not implemented" in (result.report.get("error") or ""):
        pytest.skip("parser not landed")
    assert compare(result, truth) == []
