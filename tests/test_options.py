"""Run options: checked once, carried to the readers, part of the cache key of the formats they affect."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from nianbao.cli import cli
from nianbao.corpus.run import read_corpus
from nianbao.options import OptionsError, RunOptions, parse_assignment
from nianbao.parse.report import read_report
from nianbao.read.pdf_settings import PdfSettings

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
HONGZE = SHARED / "corpus" / "real" / "files" / "hongze_2024.pdf"
SEED = SHARED / "seeds" / "001_752a671dabfd990e.txt"


def test_options_are_checked_when_made() -> None:
    with pytest.raises(OptionsError, match="unknown run option"):
        RunOptions.resolve({"timeout": 3})
    with pytest.raises(OptionsError, match="unknown PDF setting"):
        RunOptions.resolve({"pdf": {"max_page": 3}})
    with pytest.raises(OptionsError, match="file_timeout"):
        RunOptions.resolve({"file_timeout": 0})
    with pytest.raises(OptionsError, match="max_file_bytes"):
        RunOptions(max_file_bytes=2.5)  # type: ignore[arg-type]


def test_options_are_hashable_and_equal_by_value() -> None:
    a = RunOptions.resolve({"pdf": {"max_pages": 5}})
    b = RunOptions(pdf=PdfSettings(max_pages=5))
    assert a == b
    assert hash(a) == hash(b)
    assert a.with_changes({"pdf": {"max_seconds": 2}}).pdf == PdfSettings(max_pages=5, max_seconds=2)


def test_digest_counts_only_what_the_format_reads() -> None:
    plain, pdf = RunOptions(), RunOptions.resolve({"pdf": {"max_pages": 5}})
    assert {plain.digest(f) for f in ("txt", "html", "pdf", "docx")} == {""}
    assert pdf.digest("txt") == pdf.digest("html") == pdf.digest("docx") == ""
    assert pdf.digest("pdf") not in ("", RunOptions.resolve({"pdf": {"max_pages": 6}}).digest("pdf"))
    places = RunOptions(places=("name,province,city,county,level\n某市,某省,某市,,city\n",))
    assert all(places.digest(f) for f in ("txt", "pdf"))
    assert RunOptions(file_timeout=5).digest("pdf") == ""  # a stopped file is never cached


def test_assignments_and_toml(tmp_path: Path) -> None:
    assert parse_assignment("pdf.engine=pdfminer") == {"pdf": {"engine": "pdfminer"}}
    with pytest.raises(OptionsError, match="NAME=VALUE"):
        parse_assignment("pdf.max_pages")
    (tmp_path / "places.csv").write_text("name,province,city,county,level\n某市,某省,某市,,city\n")
    config = tmp_path / "nianbao.toml"
    config.write_text('file_timeout = 30\nplaces = ["places.csv"]\n[pdf]\nmax_pages = 7\n')
    o = RunOptions.from_toml(config, {"pdf": {"max_seconds": 3}})
    assert (o.file_timeout, o.pdf.max_pages, o.pdf.max_seconds) == (30, 7, 3)
    assert o.places[0].startswith("name,province")


def test_a_pdf_setting_reaches_the_pdf_reader() -> None:
    whole = read_report(HONGZE)
    two_pages = read_report(HONGZE, options={"pdf": {"max_pages": 2}})
    assert whole.reports.select("status", "cells_read").row(0) == ("ok", 200)
    assert two_pages.reports.select("status", "cells_read").row(0) == ("partial", 7)


def test_a_changed_pdf_setting_parses_only_the_pdfs_again(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(HONGZE, corpus / "hongze.pdf")
    shutil.copy(SEED, corpus / "seed.txt")
    cache = tmp_path / "cache"

    def run(options: dict[str, object] | None = None) -> tuple[int, int]:
        c = read_corpus(corpus, cache_dir=cache, jobs=1, progress=False, options=options)
        return c.stats.parsed, c.stats.cached

    assert run() == (2, 0)
    assert run({"pdf": {"max_pages": 1}}) == (1, 1)
    assert run({"pdf": {"max_pages": 1}}) == (0, 2)
    assert run() == (0, 2)  # the defaults' results are still cached
    assert run({"file_timeout": 60}) == (0, 2)


def test_command_line_options(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli, ["parse", str(SEED), "--out", str(tmp_path / "o"), "--set", "pdf.max_page=1"])
    assert bad.exit_code == 2
    assert "unknown PDF setting" in bad.output
    ok = runner.invoke(
        cli,
        ["parse", str(HONGZE), "--out", str(tmp_path / "o"), "--set", "pdf.max_pages=2", "--no-progress"],
    )
    assert ok.exit_code == 0, ok.output
    assert pl.read_parquet(tmp_path / "o" / "reports.parquet")["cells_read"].item() == 7
