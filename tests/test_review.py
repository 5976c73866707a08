"""The review sheet: the value checks of a parsed corpus, which, filled in, is a corrections file."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from nianbao.cli import cli
from nianbao.corpus.corrections import read_corrections
from nianbao.corpus.review import SHEET_COLUMNS, review_frame, write_sheet
from nianbao.corpus.run import read_corpus, scan
from nianbao.parse.recheck import identity_keys
from nianbao.synth import generate

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
REAL = sorted((SHARED / "corpus" / "real" / "files").iterdir())
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus of generated damaged reports (broken identities among them), the seeds and the
    real files, parsed into OUT."""
    root = tmp_path_factory.mktemp("review")
    corpus = root / "corpus"
    generate(corpus / "synth", 80, formats=("txt", "html"), seed=7, damage_rate=0.8)
    for p in [*SEEDS, *REAL]:
        shutil.copy(p, corpus / p.name)
    read_corpus(corpus, out=root / "out", jobs=1, progress=False)
    return root


def _errors(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return frames["checks"].filter(severity="error")


def test_sheet_has_the_columns_in_order_and_one_row_per_value_check(parsed: Path) -> None:
    frames = scan(parsed / "out").collect().frames
    sheet = review_frame(frames)
    assert tuple(sheet.columns) == SHEET_COLUMNS
    errors = _errors(frames)
    assert errors.height >= 10
    # every error is a value check: one row each
    assert sheet.filter(severity="error").height == errors.height
    assert sheet.filter(pl.col("proposed").is_not_null()).height >= 5
    assert set(sheet["frame"].unique()) <= {"proactive", "applications", "litigation", "reports"}
    # the printed value is the parsed one
    one = sheet.filter(frame="applications").row(0, named=True)
    parsed_value = (
        frames["applications"]
        .filter(report_id=one["report_id"], outcome=one["row"], applicant=one["column"])["value"]
        .item()
    )
    assert one["printed"] == parsed_value


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_proposed_values_fix_exactly_those_errors(
    parsed: Path, tmp_path: Path, suffix: str
) -> None:
    """review -> proposed copied into value with a reason -> parse with the sheet: the errors those
    rows name are gone, no other error appears or goes, one corrections row per cell corrected."""
    out = parsed / "out"
    before = scan(out).collect()
    sheet_path = tmp_path / f"sheet{suffix}"
    result = CliRunner().invoke(cli, ["review", str(out), "--out", str(sheet_path)])
    assert result.exit_code == 0, result.output
    sheet = review_frame(before.frames)
    filled = sheet.with_columns(
        value=pl.col("proposed").cast(pl.Int64).cast(pl.String),
        reason=pl.when(pl.col("proposed").is_not_null()).then(pl.lit("identities pin it")),
    )
    write_sheet(filled, sheet_path)
    fixes = read_corrections(sheet_path)
    fixed = filled.filter(pl.col("proposed").is_not_null())
    assert len(fixes) == fixed.height > 0
    work = tmp_path / "work"
    shutil.copytree(out, work)
    after = read_corpus(parsed / "corpus", out=work, jobs=1, progress=False, corrections=sheet_path)
    # one row per corrected cell (two checks broken by one typo name the same cell)
    cells = fixed.select("report_id", "frame", "row", "column").unique()
    assert after.corrections.height == cells.height
    assert after.checks.filter(check="corrected").height == cells.height
    assert after.checks.filter(pl.col("check").str.starts_with("correction_")).height == 0
    # the identities those rows named now hold; the error count drops by exactly them
    gone = fixed.filter(severity="error").height
    assert _errors(after.frames).height == _errors(before.frames).height - gone
    still = _errors(after.frames).join(
        fixed.select("report_id", "check", "message"), on=["report_id", "check", "message"]
    )
    assert still.height == 0
    # the values are the proposed ones
    for rid, row, column, value in (
        fixed.filter(frame="applications").select("report_id", "row", "column", "proposed").rows()
    ):
        got = after.applications.filter(report_id=rid, outcome=row, applicant=column)["value"].item()
        assert got == value
    # per report, the error count is that of its rows
    counts = after.reports.filter(pl.col("report_id").is_in(fixed["report_id"].implode()))
    per = _errors(after.frames).group_by("report_id").len()
    for rid, n in counts.select("report_id", "checks_error").rows():
        assert n == dict(per.rows()).get(rid, 0)


def test_xlsx_sheet_has_labels_frozen_header_and_filters(parsed: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    sheet = review_frame(scan(parsed / "out").collect().frames)
    path = tmp_path / "s.xlsx"
    write_sheet(sheet, path)
    ws = load_workbook(path).worksheets[0]
    assert [c.value for c in ws[1]] == list(SHEET_COLUMNS)
    assert ws["A2"].value == "文件"
    assert ws["J2"].value.startswith("建议值")
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref is not None
    assert ws.auto_filter.ref.startswith("A1:O")
    assert ws.max_row == sheet.height + 2
    assert read_corrections(path) == []  # nothing filled in: nothing to correct


def test_csv_sheet_is_utf8_without_bom(parsed: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    assert CliRunner().invoke(cli, ["review", str(parsed / "out"), "--out", str(path)]).exit_code == 0
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert tuple(rows[0]) == SHEET_COLUMNS
    assert len(rows) > 10
    bad = CliRunner().invoke(cli, ["review", str(parsed / "out"), "--out", str(tmp_path / "s.txt")])
    assert bad.exit_code != 0
    assert ".csv or .xlsx" in bad.output


def test_identity_keys_cover_every_identity_check(parsed: Path) -> None:
    frames = scan(parsed / "out").collect().frames
    keys = identity_keys(2021) | identity_keys(2019)
    errs = _errors(frames).filter(pl.col("check") != "negative_value")
    assert all((c, w) in keys for c, w in errs.select("check", "where").rows())


def test_value_checks_carry_page_and_printed_row(tmp_path: Path) -> None:
    """Evidence: a check about a row found in the file names the printed line (and its page in a PDF)."""
    paths = generate(tmp_path / "c", 16, formats=("pdf", "txt"), seed=3, damage_rate=1.0)
    c = read_corpus(tmp_path / "c", cache=False, jobs=1, progress=False)
    rows = c.checks.join(c.reports.select("report_id", "format"), on="report_id").filter(
        pl.col("check").is_in(["row_total", "outcome_sum", "litigation_total", "row_shape", "blank_cells"])
    )
    assert rows.height >= 5
    assert rows.filter(pl.col("evidence").is_null()).height == 0
    pdf = rows.filter(format="pdf")
    assert pdf.height >= 1
    assert pdf["page"].min() >= 1
    assert rows.filter(format="txt")["page"].null_count() == rows.filter(format="txt").height
    # a row check's evidence is that row as printed: it starts with the row's label
    row_total = rows.filter(check="row_total")
    for where, evidence in row_total.select("where", "evidence").rows():
        assert any(ch.isdigit() for ch in evidence), (where, evidence)
    sheet = review_frame(c.frames)
    assert sheet.filter(pl.col("page").is_not_null()).height >= 1
    assert len(paths) == 16


def test_a_sheet_of_a_corrected_parse_shows_the_parsed_value_and_applies(tmp_path: Path) -> None:
    """Reviewing a corpus parsed with corrections: `printed` is the value parsed from the file (a
    wrong correction's open errors are listed), so the sheet applies on top of the same parse."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    seed = SEEDS[2]
    shutil.copy(seed, corpus / seed.name)
    plain = read_corpus(corpus, cache=False, jobs=1, progress=False)
    rid = plain.reports["report_id"].item()
    v = plain.applications.filter(outcome="granted", applicant="natural_person")["value"].item()
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(
        f"file,frame,row,column,value,reason\n{seed.name},applications,granted,natural_person,{v + 5},x\n",
        encoding="utf-8",
    )
    bad = read_corpus(corpus, cache=False, jobs=1, progress=False, corrections=wrong)
    sheet = review_frame(bad.frames, bad.corrections)
    row = sheet.filter(check="row_total").row(0, named=True)
    assert (row["report_id"], row["row"], row["column"]) == (rid, "granted", "natural_person")
    assert row["printed"] == v  # as parsed, not the corrected v + 5
    assert row["proposed"] == v  # the identities pin the parsed value back
