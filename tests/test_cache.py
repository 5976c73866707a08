"""The result cache: keys, segments written whole, index, selection order, compaction, pruning, fingerprints."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import subprocess
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from nianbao.corpus.cache import (
    KEY_COLUMN,
    MANIFEST,
    Fingerprints,
    ResultCache,
    cache_key,
    default_cache_dir,
    digest_of_key,
    parser_version,
    remove_stale,
)
from nianbao.corpus.parallel import batch_frames
from nianbao.fields import FRAME_NAMES
from nianbao.parse.result import FileResult


def _result(rid: str, n_checks: int) -> FileResult:
    return FileResult(
        report={
            "report_id": rid,
            "path": f"{rid}.txt",
            "format": "txt",
            "status": "ok",
            "parse_seconds": 0.1,
        },
        checks=[(rid, f"check{i}", "info", f"t/{i}", None, None, "m") for i in range(n_checks)],
    )


def _segment(keys: list[str], n_checks: int = 2, first_id: int = 0) -> dict[str, pl.DataFrame]:
    return batch_frames([(k, _result(k[:4], n_checks)) for k in keys], first_id)


def test_cache_key_is_sha256_plus_lowercase_suffix() -> None:
    assert cache_key(b"x", ".HTML") == hashlib.sha256(b"x").hexdigest() + ".html"
    assert cache_key(b"x", ".txt") != cache_key(b"x", ".html")
    # a run's key may carry its places digest before the extension; the content digest stays in front
    assert digest_of_key(cache_key(b"x", "-places-0123abcd.txt")) == hashlib.sha256(b"x").hexdigest()


def test_parser_version_names_the_package_version_and_a_code_hash() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*-[0-9a-f]{12}", parser_version())
    assert parser_version() == parser_version()


def test_parser_version_can_be_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIANBAO_PARSER_VERSION", "pinned-1")
    assert parser_version() == "pinned-1"


def test_default_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x" / "results"
    monkeypatch.delenv("NIANBAO_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "nianbao" / "results"


def test_segments_round_trip_in_the_order_asked(tmp_path: Path) -> None:
    with ResultCache(tmp_path, "v1") as rc:
        rc.write_segment([_segment(["aaaa1", "bbbb1"])])
        rc.write_segment([_segment(["cccc1"], n_checks=3)])
        index = rc.index()
        assert sorted(index[KEY_COLUMN]) == ["aaaa1", "bbbb1", "cccc1"]
        located = index.filter(pl.col(KEY_COLUMN) != "bbbb1").sort(KEY_COLUMN, descending=True)
        checks = rc.select("checks", located).collect()
        reports = rc.select("reports", located).collect()
    assert checks["report_id"].to_list() == ["cccc"] * 3 + ["aaaa"] * 2
    assert checks["check"].to_list() == ["check0", "check1", "check2", "check0", "check1"]
    assert reports.select(KEY_COLUMN, "report_id", "status").rows() == [
        ("cccc1", "cccc", "ok"),
        ("aaaa1", "aaaa", "ok"),
    ]


def test_a_segment_of_several_batches_ties_each_row_to_its_file(tmp_path: Path) -> None:
    # batches arrive in any order; each row keeps the id the run gave its file
    batches = [_segment(["cccc1", "dddd1"], n_checks=3, first_id=7), _segment(["aaaa1", "bbbb1"], n_checks=2)]
    with ResultCache(tmp_path, "v1") as rc:
        name = rc.write_segment(batches)
        stored = pl.read_parquet(tmp_path / "v1" / name / "checks.parquet")
        index = rc.index()
        checks = rc.select("checks", index.sort(KEY_COLUMN, descending=True)).collect()
        with pytest.raises(ValueError, match="same id"):
            rc.write_segment([_segment(["eeee1"]), _segment(["ffff1"])])
        with pytest.raises(ValueError, match="at least one batch"):
            rc.write_segment([])
        assert len(rc.segments()) == 1
    assert stored["_kid"].to_list() == [7, 7, 7, 8, 8, 8, 0, 0, 1, 1]
    assert index.select(KEY_COLUMN, "_kid").rows() == [("cccc1", 7), ("dddd1", 8), ("aaaa1", 0), ("bbbb1", 1)]
    assert checks.select(KEY_COLUMN, "report_id").rows() == [
        *[("dddd1", "dddd")] * 3,
        *[("cccc1", "cccc")] * 3,
        *[("bbbb1", "bbbb")] * 2,
        *[("aaaa1", "aaaa")] * 2,
    ]


def test_half_written_segments_are_removed_and_never_read(tmp_path: Path) -> None:
    with ResultCache(tmp_path, "v1") as rc:
        rc.write_segment([_segment(["aaaa1"])])
    (tmp_path / "v1" / "tmp-123").mkdir()  # what a run killed while writing leaves
    (tmp_path / "v1" / "seg-0-empty").mkdir()  # no reports file: incomplete
    with ResultCache(tmp_path, "v1") as rc:
        assert not (tmp_path / "v1" / "tmp-123").exists()
        assert [p.name for p in rc.segments()] == [p.name for p in rc.segments() if p.name != "seg-0-empty"]
        assert len(rc.segments()) == 1
        assert rc.index()[KEY_COLUMN].to_list() == ["aaaa1"]


@pytest.mark.parametrize("repeat_a_key", [False, True])
def test_compaction_merges_segments_without_changing_rows(tmp_path: Path, repeat_a_key: bool) -> None:
    with ResultCache(tmp_path, "v1") as rc:
        for i in range(5):  # ids overlap across segments (each run numbers its files from 0) ...
            rc.write_segment([_segment([f"k{i:03d}a", f"k{i:03d}b"], n_checks=i, first_id=i % 2)])
        rc.write_segment([_segment(["k000a" if repeat_a_key else "k999z"], first_id=9)])  # ... and may skip
        before = {f: rc.select(f, rc.index()).drop("segment", "_kid").collect() for f in FRAME_NAMES}
        assert not rc.compact(max_segments=6)
        assert rc.compact(max_segments=2)
        assert len(rc.segments()) == 1
        after = {f: rc.select(f, rc.index()).drop("segment", "_kid").collect() for f in FRAME_NAMES}
        merged = pl.read_parquet(rc.segments()[0] / "reports.parquet")
    for f in FRAME_NAMES:
        assert_frame_equal(before[f], after[f])
    assert after["checks"].height == 2 * sum(range(5)) + (0 if repeat_a_key else 2)
    assert merged.height == 10 + (0 if repeat_a_key else 1)  # the repeated key's newer copy is gone
    assert merged.schema["_kid"] == pl.Int32
    assert merged["_kid"].is_unique().all()


def test_old_parser_versions_are_pruned_but_foreign_directories_kept(tmp_path: Path) -> None:
    for v in ("old1", "old2", "old3"):
        with ResultCache(tmp_path, v):
            pass
    (tmp_path / "mine").mkdir()  # not made by the cache: no lock file
    with ResultCache(tmp_path, "new") as rc:
        removed = rc.prune_versions(keep=2)
    assert len(removed) == 2
    assert not list(tmp_path.glob(".trash-*"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["new", "mine", *({"old1", "old2", "old3"} - set(removed))]
    )


def test_fingerprints_remember_digests_until_the_file_changes(tmp_path: Path) -> None:
    fp = Fingerprints(tmp_path)
    assert fp.digest("/a.txt", "3:100:7") is None
    fp.remember("/a.txt", "3:100:7", "d1")
    fp.remember("/b.txt", None, "d2")  # no fingerprint: nothing to remember
    fp.save()
    again = Fingerprints(tmp_path)
    assert again.digest("/a.txt", "3:100:7") == "d1"
    assert again.digest("/a.txt", "3:101:7") is None
    assert again.digest("/b.txt", None) is None


def test_damaged_fingerprints_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / Fingerprints.FILE).write_bytes(b"not parquet")
    assert Fingerprints(tmp_path).digest("/a", "1:1:1") is None


def _two_segments(root: Path) -> tuple[str, str]:
    with ResultCache(root, "v1") as rc:
        return rc.write_segment([_segment(["aaaa1", "bbbb1"])]), rc.write_segment([_segment(["cccc1"])])


@pytest.mark.parametrize("damage", ["truncate", "flip", "manifest"])
def test_a_damaged_segment_is_dropped_with_a_note(tmp_path: Path, damage: str) -> None:
    good, bad = _two_segments(tmp_path)
    target = tmp_path / "v1" / bad / ("checks.parquet" if damage != "manifest" else MANIFEST)
    data = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(data[: len(data) // 2])  # what a crash mid-write or a full disk leaves
    elif damage == "flip":
        target.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])  # same size, one bit off
    else:
        target.write_text("{not json", encoding="utf-8")
    with ResultCache(tmp_path, "v1") as rc:
        assert rc.index()[KEY_COLUMN].to_list() == ["aaaa1", "bbbb1"]  # never a raw polars error
        assert [p.name for p in rc.segments()] == [good]
        (note,) = rc.notes
    assert note.startswith(f"cache: dropped a damaged segment ({bad}: ")
    assert note.endswith("its files were parsed again")
    assert not (tmp_path / "v1" / bad).exists()


def test_a_run_over_a_truncated_segment_reparses_only_its_files(tmp_path: Path) -> None:
    seeds = sorted((Path(__file__).resolve().parents[2] / "shared" / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("../shared/seeds is not beside the checkout")
    from nianbao.corpus.run import read_corpus

    cache = tmp_path / "cache"
    first = read_corpus(seeds[:3], cache_dir=cache, jobs=1, progress=False)
    later = read_corpus(seeds, cache_dir=cache, jobs=1, progress=False)  # a second segment: 2 files
    assert later.stats.parsed == 2
    (version,) = [p for p in cache.iterdir() if p.is_dir()]
    segs = sorted(version.glob("seg-*"))
    victim = segs[0] / "applications.parquet"
    victim.write_bytes(victim.read_bytes()[:-20])
    again = read_corpus(seeds, cache_dir=cache, jobs=1, progress=False)
    assert (again.stats.parsed, again.stats.cached) == (3, 2)
    assert len(again.stats.notes) == 1
    assert "note:     cache: dropped a damaged segment" in again.summary()
    for name in FRAME_NAMES:
        assert_frame_equal(
            again.frames[name].drop("parse_seconds", strict=False),
            later.frames[name].drop("parse_seconds", strict=False),
        )
    assert first.reports.height == 3


def test_segment_writes_are_fsynced_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_rename = os.fsync, os.rename

    def fsync(fd: int) -> None:
        events.append("fsync " + os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def rename(a: object, b: object) -> None:
        events.append("rename")
        real_rename(a, b)  # type: ignore[arg-type]

    with ResultCache(tmp_path, "v1") as rc:
        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "rename", rename)
        name = rc.write_segment([_segment(["aaaa1"])])
    monkeypatch.undo()
    synced = [e.split(" ", 1)[1] for e in events[: events.index("rename")]]
    assert sorted(synced) == sorted([*(f"{f}.parquet" for f in FRAME_NAMES), MANIFEST, "tmp-" + name[4:]])
    assert events[events.index("rename") + 1 :] == ["fsync v1"]  # the rename itself made durable


def test_leftover_temporary_folders_are_removed_unless_a_live_run_holds_them(tmp_path: Path) -> None:
    old = time.time() - 3600
    stale, live, young = (tmp_path / f".parts-{n}" for n in ("stale", "live", "young"))
    for folder in (stale, live, young):
        (folder / "v1").mkdir(parents=True)
        (folder / "v1" / ".lock").touch()
    for folder in (stale, live):
        os.utime(folder, (old, old))
    fd = os.open(live / "v1" / ".lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a run still using it
    try:
        assert remove_stale(tmp_path, ".parts-") == [".parts-stale"]
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".parts-live", ".parts-young"]


def test_a_killed_no_cache_run_leaves_nothing_after_the_next_run(tmp_path: Path) -> None:
    from nianbao.corpus.run import read_corpus

    out = tmp_path / "out"
    leftover = out / ".parts-killed"
    (leftover / "v1" / "tmp-half").mkdir(parents=True)
    (leftover / "v1" / ".lock").touch()
    staging = out / ".staging-killed"
    staging.mkdir()
    (staging / "reports.parquet").write_bytes(b"half")
    for folder in (leftover, staging):
        os.utime(folder, (time.time() - 3600,) * 2)
    (tmp_path / "a.txt").write_text("not a report", encoding="utf-8")
    read_corpus([tmp_path / "a.txt"], out=out, cache=False, jobs=1, progress=False)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.parquet" for n in FRAME_NAMES)


def test_stale_fingerprint_temporaries_of_dead_writers_are_removed(tmp_path: Path) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()  # its pid now names no running process
    gone = tmp_path / f".{Fingerprints.FILE}.{finished.pid}.tmp"
    mine = tmp_path / f".{Fingerprints.FILE}.{os.getpid()}.tmp"
    gone.touch()
    mine.touch()
    with ResultCache(tmp_path, "v1"):
        pass
    assert not gone.exists()
    assert mine.exists()


def test_fingerprints_store_any_name(tmp_path: Path) -> None:
    from nianbao.names import stored_path

    locator = stored_path(os.fsdecode(b"/corpus/\xc4\xea\xb1\xa8.txt"))
    fp = Fingerprints(tmp_path)
    fp.remember(locator, "1:2:3", "d")
    fp.save()  # raised UnicodeEncodeError for a GBK-named file before
    assert Fingerprints(tmp_path).digest(locator, "1:2:3") == "d"
