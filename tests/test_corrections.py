"""Corrections files: read, applied after parsing, every value check evaluated again, audited."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from nianbao.corpus.corrections import apply_corrections, read_corrections
from nianbao.corpus.run import read_corpus, scan
from nianbao.fields import FRAME_NAMES, FRAME_SCHEMAS
from nianbao.parse.recheck import recheck
from nianbao.parse.report import parse_file
from nianbao.parse.result import FileResult
from nianbao.synth import generate

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
REAL = sorted((SHARED / "corpus" / "real" / "files").iterdir())
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))
HEADER = "file,frame,row,column,value,reason,author,date\n"


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Generated reports, every one damaged (broken identities, missing rows, blanks, mis-counted rows)."""
    d = tmp_path_factory.mktemp("damaged")
    return generate(d, 60, formats=("txt", "html", "docx"), seed=19, damage_rate=1.0)


def _cells(result: FileResult) -> dict[tuple[str, str, str], float | None]:
    cells: dict[tuple[str, str, str], float | None] = {}
    for _, item, measure, value in result.proactive:
        cells[("t2", item, measure)] = value
    for _, outcome, _, applicant, value in result.applications:
        cells[("t3", outcome, applicant)] = value
    for _, proceeding, res, value in result.litigation:
        cells[("t4", proceeding, res)] = value
    return cells


def test_recheck_without_corrections_gives_the_parsers_rows(damaged: list[Path]) -> None:
    """One rule: the value checks evaluated on a report's frames are the parser's, row for row, on
    every seed, real file and generated damaged report (merged rows and all)."""
    broken = 0
    for path in [*SEEDS, *REAL, *damaged]:
        result = parse_file(path)
        if result.report.get("template") is None:
            continue
        parsed = [tuple(r) for r in result.checks]
        again = recheck(result.report_id, result.report["template"], _cells(result), parsed)
        assert sorted(again, key=repr) == sorted(parsed, key=repr), path.name
        broken += sum(r[2] == "error" for r in parsed)
    assert broken >= 10  # the generated damage does break identities


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    for p in [*SEEDS, *REAL]:
        shutil.copy(p, d / p.name)
    return d


@pytest.fixture(scope="module")
def plain(corpus: Path) -> dict[str, pl.DataFrame]:
    return read_corpus(corpus, cache=False, progress=False, jobs=1).frames


def _run(corpus: Path, tmp_path: Path, text: str, **kw: object) -> dict[str, pl.DataFrame]:
    fixes = tmp_path / "fixes.csv"
    fixes.write_text(text, encoding="utf-8")
    c = read_corpus(corpus, cache=False, progress=False, jobs=1, corrections=fixes, **kw)  # type: ignore[arg-type]
    return {**c.frames, "corrections": c.corrections}


def _same(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    """Equal frames, but for the time each file took to parse."""
    return a.drop("parse_seconds", strict=False).equals(b.drop("parse_seconds", strict=False))


def _cell(frames: dict[str, pl.DataFrame], path: str, outcome: str, applicant: str) -> int | None:
    rid = frames["reports"].filter(path=path)["report_id"].item()
    return frames["applications"].filter(report_id=rid, outcome=outcome, applicant=applicant)["value"].item()


SEED2 = "002_06779a1a565539f6.txt"


def test_a_wrong_correction_breaks_the_identities_it_touches(
    corpus: Path, plain: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    before = _cell(plain, SEED2, "granted", "natural_person")
    got = _run(
        corpus,
        tmp_path,
        HEADER + f"{SEED2},applications,granted,natural_person,{before + 3},typo test,lu,2026-12-07\n",
    )
    assert _cell(got, SEED2, "granted", "natural_person") == before + 3
    rid = got["reports"].filter(path=SEED2)["report_id"].item()
    errors = got["checks"].filter(report_id=rid, severity="error")
    assert sorted(errors.select("check", "where").rows()) == [
        ("outcome_sum", "table3/*/natural_person"),
        ("row_total", "table3/granted"),
    ]
    assert (
        errors.filter(check="row_total")["actual"].item()
        != errors.filter(check="row_total")["expected"].item()
    )
    assert got["reports"].filter(report_id=rid)["checks_error"].item() == 2
    fix = got["corrections"]
    assert fix.schema == FRAME_SCHEMAS["corrections"]
    assert fix.select(
        "report_id", "path", "frame", "row", "column", "printed", "value", "reason", "author", "date", "line"
    ).rows() == [
        (
            rid,
            SEED2,
            "applications",
            "granted",
            "natural_person",
            float(before),
            float(before + 3),
            "typo test",
            "lu",
            "2026-12-07",
            2,
        )
    ]
    info = got["checks"].filter(check="corrected")
    assert info.select("report_id", "severity", "where", "expected", "actual").rows() == [
        (rid, "info", "table3/granted/natural_person", float(before + 3), float(before))
    ]
    # everything else is as parsed
    for name in ("proactive", "litigation"):
        assert got[name].equals(plain[name])
    others = pl.col("report_id") != rid
    assert got["checks"].filter(others).equals(plain["checks"].filter(others))
    assert _same(got["reports"].filter(others), plain["reports"].filter(others))


def test_a_correction_that_fixes_a_broken_identity_removes_its_error(
    corpus: Path, plain: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    """A first file breaks the table (a wrong value), a second puts the printed value back: both
    corrections target one cell with different values, so neither applies (conflict)."""
    v = _cell(plain, SEED2, "granted", "total")
    got = _run(
        corpus,
        tmp_path,
        HEADER
        + f"{SEED2},applications,granted,total,{v + 1},x,,\n{SEED2},applications,granted,total,{v + 2},y,,\n",
    )
    assert _cell(got, SEED2, "granted", "total") == v
    assert got["checks"].filter(check="correction_conflict").height == 2
    assert got["corrections"].height == 0
    assert got["checks"].filter(severity="error").height == 0


BAD = [
    ("nosuch.txt,applications,granted,total,1,r,,", "correction_unmatched"),
    (f"{SEED2},applications,no_such_row,total,1,r,,", "correction_unmatched"),
    (f"{SEED2},litigation,administrative_review,no_such_col,1,r,,", "correction_unmatched"),
    (f"{SEED2},tables,granted,total,1,r,,", "correction_unmatched"),
    (f"{SEED2},applications,granted,total,abc,r,,", "correction_invalid"),
    (f"{SEED2},applications,granted,total,-1,r,,", "correction_invalid"),
    (f"{SEED2},applications,granted,total,1.5,r,,", "correction_invalid"),
    (f"{SEED2},reports,report,organ,1,r,,", "correction_unmatched"),
]


@pytest.mark.parametrize(("line", "check"), BAD)
def test_unmatched_and_invalid_corrections_give_their_check_and_change_nothing(
    corpus: Path, plain: dict[str, pl.DataFrame], tmp_path: Path, line: str, check: str
) -> None:
    got = _run(corpus, tmp_path, HEADER + line + "\n")
    _unchanged(got, plain, check)


def _unchanged(got: dict[str, pl.DataFrame], plain: dict[str, pl.DataFrame], check: str) -> None:
    for name in FRAME_NAMES[:-1]:
        assert _same(got[name], plain[name]), name
    extra = got["checks"].filter(pl.col("check").str.starts_with("correct"))
    assert extra["check"].to_list() == [check]
    assert extra["severity"].item() == ("error" if check == "correction_invalid" else "warning")
    assert got["checks"].filter(~pl.col("check").str.starts_with("correct")).equals(plain["checks"])
    assert got["corrections"].height == 0


def test_noop_and_stale_corrections_are_warnings_and_change_nothing(
    corpus: Path, plain: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    v = _cell(plain, SEED2, "granted", "total")
    rid = plain["reports"].filter(path=SEED2)["report_id"].item()
    _unchanged(
        _run(corpus, tmp_path, HEADER + f"{SEED2},applications,granted,total,{v},same,,\n"),
        plain,
        "correction_noop",
    )
    sheet = "file,report_id,frame,row,column,printed,value,reason\n"
    stale_id = f"{SEED2},0123456789abcdef,applications,granted,total,{v},{v + 1},r\n"
    _unchanged(_run(corpus, tmp_path, sheet + stale_id), plain, "correction_stale")
    stale_value = f"{SEED2},{rid},applications,granted,total,{v + 7},{v + 1},r\n"
    _unchanged(_run(corpus, tmp_path, sheet + stale_value), plain, "correction_stale")
    # the same sheet line with the right id and printed value applies; by report_id as `file` too
    got = _run(corpus, tmp_path, sheet + f"{rid},{rid},applications,granted,total,{v},{v + 1},r\n")
    assert _cell(got, SEED2, "granted", "total") == v + 1


def test_removing_the_file_gives_back_the_parsed_values_and_runs_repeat(
    corpus: Path, plain: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    text = (
        HEADER
        + f"{SEED2},applications,granted,commercial_enterprise,5,r,,\n{SEED2},reports,report,proactive_items,99999,r,,\n"
    )
    a = _run(corpus, tmp_path, text, out=out)
    b = _run(corpus, tmp_path, text, out=out)  # from the cache this time
    for name in a:
        assert _same(a[name], b[name]), name
    on_disk = scan(out).collect()
    assert on_disk.corrections.equals(a["corrections"])
    assert on_disk.corrections.height == 2
    again = read_corpus(corpus, out=out, progress=False, jobs=1)
    for name in FRAME_NAMES:
        assert _same(again.frames[name], plain[name]), name
    assert scan(out).corrections is None
    assert not (out / "corrections.parquet").exists()


def test_corrections_csv_at_the_top_of_a_corpus_folder_is_applied_not_parsed(
    corpus: Path, plain: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    d = tmp_path / "c"
    shutil.copytree(corpus, d)
    (d / "corrections.csv").write_text(
        HEADER + f"{SEED2},applications,granted,commercial_enterprise,4,r,,\n", encoding="utf-8"
    )
    c = read_corpus(d, cache=False, progress=False, jobs=1)
    assert c.reports.height == plain["reports"].height
    assert "corrections.csv" not in c.reports["path"].to_list()
    assert c.corrections["corrections_file"].to_list() == [str(d / "corrections.csv")]
    assert _cell(c.frames, SEED2, "granted", "commercial_enterprise") == 4


def test_reader_ignores_empty_rows_and_refuses_a_file_without_the_columns(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text(
        HEADER + "a.txt,applications,granted,total,,,,\na.txt,applications,granted,total,,set null,,\n",
        encoding="utf-8",
    )
    fixes = read_corrections(p)
    assert [(f.value, f.reason, f.line) for f in fixes] == [("", "set null", 3)]
    p.write_text("file,value\na,1\n", encoding="utf-8")
    from nianbao.errors import NianbaoError

    with pytest.raises(NianbaoError, match="lacks the column"):
        read_corrections(p)
    assert apply_corrections({}, [])[1].height == 0


def test_pages_list_corrections_and_open_errors_per_report(corpus: Path, tmp_path: Path) -> None:
    from nianbao.analysis.corrections import corrected_reports, corrections_by_report
    from nianbao.analysis.tables import table

    got = read_corpus(
        corpus,
        cache=False,
        progress=False,
        jobs=1,
        corrections=_fixes(tmp_path, f"{SEED2},applications,granted,natural_person,99,wrong on purpose,,\n"),
    )
    rows = corrections_by_report(got)
    assert rows.select("path", "corrections_applied", "open_errors").rows() == [(SEED2, 1, 2)]
    assert rows["changes"].item().startswith("applications/granted/natural_person ")
    assert rows["changes"].item().endswith("→ 99（wrong on purpose）")
    assert (
        rows["open_checks"].item() == "row_total、outcome_sum"
        or rows["open_checks"].item() == "outcome_sum、row_total"
    )
    assert corrected_reports(got).to_list() == [got.reports.filter(path=SEED2)["report_id"].item()]
    assert "更正内容" in table(rows).html


def _fixes(tmp_path: Path, lines: str) -> Path:
    p = tmp_path / "fixes.csv"
    p.write_text(HEADER + lines, encoding="utf-8")
    return p
