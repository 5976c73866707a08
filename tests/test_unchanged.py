"""A re-run over unchanged inputs keeps the outputs (nianbao.corpus.unchanged), and only then.

Each test parses a small generated corpus (with a byte-identical copy, so duplicates are counted)
into an output folder, then re-runs: when nothing changed the outputs are loaded, untouched, and the
frames are exactly those the full path assembles; any change the frames depend on (a file touched or
edited, the options, a corrections or crosswalk file, the cache deleted or damaged, a row made outside
the cache) makes the run assemble again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from nianbao.corpus.run import Corpus, read_corpus
from nianbao.corpus.unchanged import INPUTS_METADATA_KEY
from nianbao.fields import FRAME_NAMES


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from nianbao.synth.generate import generate

    root = tmp_path_factory.mktemp("unchanged") / "corpus"
    generate(root, 12, formats=("txt", "html"), seed=5, damage_rate=0.3)
    first = sorted(root.glob("*.txt"))[0]
    shutil.copyfile(first, root / ("copy-of-" + first.name))
    return root


@pytest.fixture
def corpus(made: Path, tmp_path: Path) -> Path:
    """A fresh copy for each test (tests touch and edit files)."""
    return Path(shutil.copytree(made, tmp_path / "corpus"))


def run(corpus: Path, out: Path, **kw: object) -> Corpus:
    return read_corpus(corpus, out=out, jobs=1, progress=False, **kw)  # type: ignore[arg-type]


def assert_same(a: Corpus, b: Corpus) -> None:
    for name in (*FRAME_NAMES, "corrections"):
        assert_frame_equal(getattr(a, name), getattr(b, name))  # values, order, dtypes: parse_seconds too


def stamps(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")}


def test_an_unchanged_rerun_keeps_the_outputs_with_the_frames_the_full_path_assembles(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    cold = run(corpus, out)
    assembled = run(corpus, tmp_path / "other", cache_dir=out / ".cache")  # full path, from the cache
    before = stamps(out)
    kept = run(corpus, out)
    assert (cold.stats.kept, assembled.stats.kept, kept.stats.kept) == (False, False, True)
    assert (kept.stats.parsed, kept.stats.cached, kept.stats.duplicates) == (0, 12, 1)
    assert (assembled.stats.cached, assembled.stats.duplicates) == (12, 1)
    assert kept.reports.height == 13
    assert kept.reports.filter(pl.col("status") == "duplicate").height == 1
    assert_same(kept, assembled)
    assert_same(kept, cold)
    assert stamps(out) == before  # not rewritten
    summary = kept.summary(out_dir=out)
    assert "0 parsed (1 jobs), 12 from cache, 1 byte-identical duplicates" in summary
    assert "kept:     " in summary
    assert "wrote:" not in summary
    assert "wrote:    " in assembled.summary(out_dir=tmp_path / "other")


def test_a_touched_or_edited_file_makes_the_run_assemble_again(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(corpus, out)
    victim = sorted(corpus.glob("*.html"))[0]
    os.utime(victim, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns + 10**9))
    touched = run(corpus, out)
    assert not touched.stats.kept
    assert (touched.stats.parsed, touched.stats.cached) == (0, 12)
    assert run(corpus, out).stats.kept  # and the run after it is unchanged again
    victim.write_bytes(victim.read_bytes() + b"\n")  # new bytes: parsed again
    edited = run(corpus, out)
    assert not edited.stats.kept
    assert edited.stats.parsed == 1
    path = victim.relative_to(corpus).as_posix()
    assert edited.reports.filter(pl.col("path") == path).height == 1


def test_changed_options_corrections_or_crosswalk_make_the_run_assemble_again(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = run(corpus, out)
    assert not run(corpus, out, options={"file_timeout": 60}).stats.kept
    assert run(corpus, out, options={"file_timeout": 60}).stats.kept
    path = first.reports.row(0, named=True)["path"]
    fixes = tmp_path / "fixes.csv"
    fixes.write_text(
        f"file,frame,row,column,value,reason\n{path},reports,report,proactive_items,7,typo\n",
        encoding="utf-8",
    )
    assert not run(corpus, out, options={"file_timeout": 60}, corrections=fixes).stats.kept
    again = run(corpus, out, options={"file_timeout": 60}, corrections=fixes)
    assert again.stats.kept
    assert (out / "corrections.parquet").is_file()
    assert again.corrections.height == 1
    assert again.reports.filter(pl.col("path") == path)["proactive_items"].item() == 7
    fixes.write_text(fixes.read_text(encoding="utf-8").replace(",7,", ",8,"), encoding="utf-8")
    changed = run(corpus, out, options={"file_timeout": 60}, corrections=fixes)
    assert not changed.stats.kept
    without = run(corpus, out, options={"file_timeout": 60})  # corrections dropped: assembled, file removed
    assert not without.stats.kept
    assert not (out / "corrections.parquet").exists()
    crosswalk = tmp_path / "organs.csv"
    crosswalk.write_text("organ,place,years,organ_id,organ_name\n", encoding="utf-8")
    assert not run(corpus, out, options={"file_timeout": 60}, organs=crosswalk).stats.kept
    assert run(corpus, out, options={"file_timeout": 60}, organs=crosswalk).stats.kept
    crosswalk.write_text(crosswalk.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not run(corpus, out, options={"file_timeout": 60}, organs=crosswalk).stats.kept


def test_a_deleted_or_damaged_cache_makes_the_run_assemble_again(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run(corpus, out)
    shutil.rmtree(out / ".cache")
    again = run(corpus, out)
    assert not again.stats.kept
    assert again.stats.parsed == 12
    (segment,) = (out / ".cache").glob("*/seg-*")
    victim = segment / "checks.parquet"
    victim.write_bytes(victim.read_bytes()[:-10])
    damaged = run(corpus, out)
    assert not damaged.stats.kept
    assert damaged.stats.parsed == 12
    assert len(damaged.stats.notes) == 1
    for name in FRAME_NAMES:
        assert_frame_equal(
            damaged.frames[name].drop("parse_seconds", strict=False),
            first.frames[name].drop("parse_seconds", strict=False),
        )


def test_no_digest_when_a_row_was_made_outside_the_cache(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    largest = max(p.stat().st_size for p in corpus.iterdir() if p.is_file())
    big = corpus / "big.txt"
    big.write_bytes(b"x" * (largest + 10))
    limit = {"max_file_bytes": largest + 1}  # big.txt is refused unread: retried every run, never kept
    first = run(corpus, out, options=limit)
    assert first.stats.unread == 1
    assert first.reports.filter(pl.col("path") == "big.txt")["status"].item() == "failed"
    assert INPUTS_METADATA_KEY not in pl.read_parquet_metadata(out / "reports.parquet")
    assert not run(corpus, out, options=limit).stats.kept
    big.unlink()
    run(corpus, out, options=limit)
    assert INPUTS_METADATA_KEY in pl.read_parquet_metadata(out / "reports.parquet")
    assert run(corpus, out, options=limit).stats.kept


def test_outputs_of_another_run_or_mixed_sets_are_not_kept(corpus: Path, tmp_path: Path) -> None:
    out, other = tmp_path / "out", tmp_path / "other"
    run(corpus, out)
    run(corpus, other, cache_dir=out / ".cache")
    shutil.copyfile(other / "checks.parquet", out / "checks.parquet")  # same digest, another run's id
    mixed = run(corpus, out)
    assert not mixed.stats.kept
    assert run(corpus, out).stats.kept
    assert not run(corpus, out, cache=False).stats.kept  # --no-cache always parses
