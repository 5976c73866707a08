"""Golden tests: every seed and real report parses to its hand-checked truth, cell by cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nianbao.parse.report import parse_file
from nianbao.synth.truth import compare as mismatches

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _cases() -> list[tuple[Path, Path]]:
    cases = [
        (SHARED / "seeds" / (j.stem + ".txt"), j)
        for j in sorted((SHARED / "corpus" / "expected").glob("*.json"))
    ]
    for j in sorted((SHARED / "corpus" / "real" / "expected").glob("*.json")):
        cases.append((SHARED / "corpus" / "real" / "files" / json.loads(j.read_text())["source"], j))
    return cases


CASES = _cases()
pytestmark = pytest.mark.skipif(not CASES, reason="../shared (seeds and truth) is not beside the checkout")


@pytest.mark.parametrize(("path", "truth_path"), CASES, ids=[c[0].name for c in CASES])
def test_report_matches_truth(path: Path, truth_path: Path) -> None:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    result = parse_file(path)
    assert result.report["status"] in ("ok", "partial"), result.report["error"]
    assert mismatches(result, truth) == []


def test_every_seed_and_real_file_has_a_case() -> None:
    seeds = sorted(p.name for p in (SHARED / "seeds").glob("*.txt"))
    assert sorted(p.name for p, _ in CASES if p.parent.name == "seeds") == seeds
    assert len([p for p, _ in CASES if p.parent.name == "files"]) == 3


def test_blank_cells_stay_null_not_zero() -> None:
    """001 prints its three 其他处理 rows blank: they are null, and a warning says so."""
    result = parse_file(SHARED / "seeds" / "001_752a671dabfd990e.txt")
    other = [v for _, row, _, _, v in result.applications if row.startswith("other_")]
    assert other == [None] * 21
    assert {c[3] for c in result.checks if c[1] == "blank_cells"} == {
        "table3/other_no_correction",
        "table3/other_unpaid_fee",
        "table3/other_reasons",
    }


def test_missing_rows_are_null_and_flagged_never_filled() -> None:
    """003 lost its last rows: even where identities could prove them, missing rows stay null."""
    result = parse_file(SHARED / "seeds" / "003_5389ca157a1df17a.txt")
    missing = {c[3].split("/")[1] for c in result.checks if c[1] == "missing_rows"}
    assert missing == {
        "not_processed_excessive",
        "not_processed_confirmation",
        "other_no_correction",
        "other_unpaid_fee",
        "other_reasons",
        "total_processed",
        "carried_forward",
    }
    assert result.report["status"] == "partial"


def test_repairs_are_reported_with_their_rule() -> None:
    """000's 予以公开 row printed one number: its cells are proved by the column identities."""
    result = parse_file(SHARED / "seeds" / "000_96c89db48c712c5a.txt")
    repairs = [c for c in result.checks if c[1] == "repair"]
    assert [c[3] for c in repairs] == ["table3/granted"]
    assert all(c[2] == "info" and "恒等式" in c[6] for c in repairs)


def test_merged_other_processing_row_is_provably_zero() -> None:
    """hongze prints 2021's (六)其他处理 as one all-zero row: each part is 0, reported as info."""
    result = parse_file(SHARED / "corpus" / "real" / "files" / "hongze_2024.pdf")
    merged = [c for c in result.checks if c[1] == "merged_rows"]
    assert len(merged) == 1
    assert merged[0][2] == "info"


def test_read_report_api_returns_contract_frames() -> None:
    from nianbao import FRAME_SCHEMAS
    from nianbao.parse.report import read_report

    r = read_report(SHARED / "seeds" / "001_752a671dabfd990e.txt")
    for name in FRAME_SCHEMAS:
        assert getattr(r, name).schema == FRAME_SCHEMAS[name]
    assert r.applications.height == 25 * 7
    assert r.applications.filter(outcome="granted", applicant="total")["value"].item() == 14
    assert r.litigation.height == 15
    assert r.reports["organ"].item() == "深州市人民政府办公室"


def test_read_report_can_raise(tmp_path: Path) -> None:
    from nianbao import NotAReport, UnreadableFile
    from nianbao.parse.report import read_report

    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "note.txt").write_text("会议纪要\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="empty"):
        read_report(tmp_path / "empty.txt", errors="raise")
    with pytest.raises(NotAReport):
        read_report(tmp_path / "note.txt", errors="raise")
    assert read_report(tmp_path / "empty.txt").reports["status"].item() == "failed"


def test_quality_summary_on_reports() -> None:
    from nianbao.parse.report import read_report

    frames = read_report(SHARED / "seeds" / "003_5389ca157a1df17a.txt")
    r = frames.reports.row(0, named=True)
    assert r["cells_null"] == 7 * 7  # seven missing rows of table 3
    assert r["cells_read"] == 10 + 25 * 7 - 7 * 7 + 15
    assert r["checks_error"] == 0
    assert r["checks_warning"] == frames.checks.filter(severity="warning").height >= 8
