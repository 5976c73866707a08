"""A hostile corpus end to end (issue 16): hostile files built here, beside the five seeds.

Parsed with ``read_corpus`` at ``jobs=1`` and ``jobs=2`` and file by file through ``read_report``:
the run finishes within a bound, every path has exactly one row, every hostile report is read or
fails with plain words, and the seeds are exact (compared with their hand-checked truth as
``tests/test_golden.py`` does).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import polars as pl
import pytest

import hostile
import hostile_pdf
from nianbao import read_corpus, read_report
from nianbao.synth.truth import compare

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))
pytestmark = pytest.mark.skipif(not SEEDS, reason="../shared (seeds and truth) is not beside the checkout")
BOUND = 240.0  # seconds for the whole corpus (a few seconds on a quiet machine; hangs were endless)

HOSTILE = {**hostile.ALL, **{f"{name}.pdf": build for name, build in hostile_pdf.ALL.items()}}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    for seed in SEEDS:
        (root / seed.name).write_bytes(seed.read_bytes())
    for name, build in HOSTILE.items():
        (root / name).write_bytes(build())
    return root


def _truth(seed: str) -> dict:
    return json.loads(
        (SHARED / "corpus" / "expected" / (Path(seed).stem + ".json")).read_text(encoding="utf-8")
    )


def _check_rows(reports: pl.DataFrame, checks: pl.DataFrame) -> None:
    """One row per path; hostile reports read, other files failed with plain words."""
    assert sorted(reports["path"].to_list()) == sorted([s.name for s in SEEDS] + list(HOSTILE))
    status = dict(reports.select("path", "status").iter_rows())
    for name in hostile.REPORTS:
        assert status[name] in ("ok", "partial"), (name, status[name])
    for name in ("nested_tables.html", "binary.txt", "empty.txt", "truncated.docx"):
        assert status[name] == "failed", name
    for error in reports["error"].drop_nulls():
        for raw in ("Traceback", "Error:", "Errno", "a bug in nianbao"):
            assert raw not in error, error
    by_path = dict(reports.select("report_id", "path").iter_rows())
    found = {(by_path[rid], check) for rid, check in checks.select("report_id", "check").iter_rows()}
    assert ("huge_count.txt", "value_out_of_range") in found
    assert ("damaged_title.txt", "organ_unreadable") in found


@pytest.mark.parametrize("jobs", [1, 2])
def test_hostile_corpus_finishes_one_row_per_path_seeds_exact(corpus: Path, jobs: int) -> None:
    start = time.perf_counter()
    c = read_corpus(corpus, jobs=jobs, cache=False, progress=False)
    assert time.perf_counter() - start < BOUND
    frames = c.frames
    _check_rows(frames["reports"], frames["checks"])
    for seed in SEEDS:
        truth = {**_truth(seed.name), "source": seed.name}
        assert compare(frames, truth) == [], seed.name


def test_each_hostile_file_through_read_report(corpus: Path) -> None:
    start = time.perf_counter()
    parts = [read_report(corpus / name) for name in [*HOSTILE, *(s.name for s in SEEDS)]]
    assert time.perf_counter() - start < BOUND
    for r in parts:
        assert r.reports.height == 1
    reports = pl.concat([r.reports for r in parts], how="vertical_relaxed")
    checks = pl.concat([r.checks for r in parts], how="vertical_relaxed")
    reports = reports.with_columns(
        pl.col("path").map_elements(lambda p: Path(p).name, return_dtype=pl.String)
    )
    _check_rows(reports, checks)
    for seed, r in zip(SEEDS, parts[len(HOSTILE) :], strict=True):
        assert compare(r.frames, _truth(seed.name)) == [], seed.name
