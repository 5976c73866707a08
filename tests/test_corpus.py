"""read_corpus: one row per file in path order, the cache, duplicates, bad input at scale, outputs and scan.

Most tests swap the parser for a tiny stand-in (in-process, ``jobs=1``) that makes rows from the bytes,
so they check this layer (rows routed, cached, ordered) and not parse quality.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import nianbao
from nianbao.corpus.run import Corpus, read_corpus, scan, write_frames
from nianbao.errors import NianbaoError, internal_error
from nianbao.fields import FRAME_NAMES, FRAME_SCHEMAS
from nianbao.parse import checks, report
from nianbao.parse.result import FileResult

SHARED = Path(__file__).parents[1] / ".." / "shared"
RESULTS = FRAME_SCHEMAS["litigation"]["result"].categories.to_list()


def fake_parse(data: bytes, path: str, *, sha256: str | None = None, options: object = None) -> FileResult:
    """Rows that depend only on the bytes: ``n`` litigation rows where ``n`` = first byte's digit.

    The corpus run hands over the SHA-256 it hashed the file with: it must be the bytes' own.
    """
    assert sha256 == hashlib.sha256(data).hexdigest(), (path, sha256)
    rid = report.report_id_of(data)
    n = int(data[:1]) if data[:1].isdigit() else 0
    return FileResult(
        report={
            "report_id": rid,
            "path": path,
            "format": "txt",
            "status": "ok",
            "year": 2020 + n,
            "parse_seconds": 0.0,
        },
        litigation=[(rid, "administrative_review", RESULTS[i % 5], i) for i in range(n)],
        checks=[(rid, "blank_cells", "warning", "table4", None, None, f"{path} has {n}")],
    )


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Swap in :func:`fake_parse` and record the paths it was called for."""
    seen: list[str] = []

    def counting(data: bytes, path: str, *, sha256: str | None = None, options: object = None) -> FileResult:
        seen.append(path)
        return fake_parse(data, path, sha256=sha256)

    monkeypatch.setattr(report, "parse_bytes", counting)
    return seen


def _files(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def _read(root: Path | list[Path], cache_dir: Path, **kw: object) -> Corpus:
    return read_corpus(root, cache_dir=cache_dir, jobs=1, progress=False, **kw)  # type: ignore[arg-type]


CORPUS = {"b/2.txt": b"2 two", "a.txt": b"3 three", "c.html": b"1 one", "b/0.txt": b"0 zero"}


def test_one_row_per_file_in_path_order_with_table_rows(tmp_path: Path, calls: list[str]) -> None:
    c = _read(_files(tmp_path / "c", CORPUS), tmp_path / "cache")
    assert c.reports["path"].to_list() == ["a.txt", "b/0.txt", "b/2.txt", "c.html"]
    assert c.reports["year"].to_list() == [2023, 2020, 2022, 2021]
    by_report = c.litigation.join(
        c.reports.select("report_id", "path"), on="report_id", maintain_order="left"
    )
    assert by_report["path"].to_list() == ["a.txt"] * 3 + ["b/2.txt"] * 2 + ["c.html"]
    assert by_report["value"].to_list() == [0, 1, 2, 0, 1, 0]
    assert c.checks["message"].to_list() == ["a.txt has 3", "b/0.txt has 0", "b/2.txt has 2", "c.html has 1"]
    for name in FRAME_NAMES:
        assert c.frames[name].schema == FRAME_SCHEMAS[name]
    assert (c.stats.files, c.stats.parsed, c.stats.cached) == (4, 4, 0)
    assert sorted(calls) == sorted(CORPUS)


def test_rerun_takes_everything_from_the_cache(tmp_path: Path, calls: list[str]) -> None:
    root = _files(tmp_path / "c", CORPUS)
    first = _read(root, tmp_path / "cache")
    calls.clear()
    again = _read(root, tmp_path / "cache")
    assert calls == []
    assert (again.stats.parsed, again.stats.cached) == (0, 4)
    for name in FRAME_NAMES:
        assert_frame_equal(first.frames[name], again.frames[name])


def test_grown_corpus_parses_only_the_new_files(tmp_path: Path, calls: list[str]) -> None:
    root = _files(tmp_path / "c", CORPUS)
    _read(root, tmp_path / "cache")
    calls.clear()
    _files(root, {"d/new.txt": b"2 new", "0first.txt": b"1 first"})
    grown = _read(root, tmp_path / "cache")
    assert sorted(calls) == ["0first.txt", "d/new.txt"]
    assert (grown.stats.parsed, grown.stats.cached) == (2, 4)
    assert grown.reports["path"].to_list() == [
        "0first.txt",
        "a.txt",
        "b/0.txt",
        "b/2.txt",
        "c.html",
        "d/new.txt",
    ]
    assert grown.litigation.height == 3 + 2 + 1 + 2 + 1


def test_a_moved_file_is_a_cache_hit_under_its_new_path(tmp_path: Path, calls: list[str]) -> None:
    root = _files(tmp_path / "c", CORPUS)
    _read(root, tmp_path / "cache")
    (root / "a.txt").rename(root / "z.txt")
    calls.clear()
    c = _read(root, tmp_path / "cache")
    assert calls == []
    assert c.reports["path"].to_list() == ["b/0.txt", "b/2.txt", "c.html", "z.txt"]


def test_a_changed_file_is_parsed_again(tmp_path: Path, calls: list[str]) -> None:
    root = _files(tmp_path / "c", CORPUS)
    _read(root, tmp_path / "cache")
    (root / "c.html").write_bytes(b"4 four, longer now")
    calls.clear()
    c = _read(root, tmp_path / "cache")
    assert calls == ["c.html"]
    assert c.reports.filter(pl.col("path") == "c.html")["year"].item() == 2024


def test_the_same_bytes_under_another_extension_are_parsed_again(tmp_path: Path, calls: list[str]) -> None:
    root = _files(tmp_path / "c", {"x.txt": b"1 x"})
    _read(root, tmp_path / "cache")
    (root / "x.txt").rename(root / "x.html")  # a parser may use the extension as a hint
    calls.clear()
    _read(root, tmp_path / "cache")
    assert calls == ["x.html"]


def test_no_cache_parses_everything_and_keeps_no_cache(tmp_path: Path, calls: list[str]) -> None:
    root = _files(tmp_path / "c", CORPUS)
    _read(root, tmp_path / "cache")
    calls.clear()
    c = _read(root, tmp_path / "cache2", cache=False, out=tmp_path / "out")
    assert len(calls) == 4
    assert c.stats.cached == 0
    assert not (tmp_path / "cache2").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{n}.parquet" for n in FRAME_NAMES)


def test_byte_identical_files_are_parsed_once_and_marked_duplicate(tmp_path: Path, calls: list[str]) -> None:
    archive = tmp_path / "c" / "batch.zip"
    root = _files(tmp_path / "c", {"a.txt": b"2 same", "copy/a.txt": b"2 same", "other.txt": b"1 other"})
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("again.txt", b"2 same")
    c = _read(root, tmp_path / "cache")
    assert calls == ["a.txt", "other.txt"]
    rows = c.reports.select("path", "status", "duplicate_of", "year").rows()
    rid = report.report_id_of(b"2 same")
    assert rows == [
        ("a.txt", "ok", None, 2022),
        ("batch.zip/again.txt", "duplicate", rid, None),
        ("copy/a.txt", "duplicate", rid, None),
        ("other.txt", "ok", None, 2021),
    ]
    assert c.litigation.height == 2 + 1  # no table rows for the copies
    assert c.stats.duplicates == 2
    assert c.reports.filter(pl.col("status") == "duplicate")["format"].to_list() == ["txt", "txt"]


def test_a_parser_bug_becomes_a_failed_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: bytes, path: str, *, sha256: str | None = None, options: object = None) -> FileResult:
        if path == "bad.txt":
            raise ZeroDivisionError("oops")
        return fake_parse(data, path, sha256=sha256)

    monkeypatch.setattr(report, "parse_bytes", broken)
    c = _read(_files(tmp_path / "c", {"bad.txt": b"1", "good.txt": b"2"}), tmp_path / "cache")
    assert c.reports.select("path", "status", "error").rows() == [
        ("bad.txt", "failed", internal_error(ZeroDivisionError("oops"), "bad.txt")),
        ("good.txt", "ok", None),
    ]


def _bad_files(root: Path, good: int) -> dict[str, str]:
    """Write ``good`` report-like files and one bad file of each kind; returns bad path -> kind."""
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    for i in range(good):
        text = seeds[i % len(seeds)].read_text(encoding="utf-8")
        (root / f"r{i:03d}.txt").write_text(text + f"\n{i}\n", encoding="utf-8")
    pdf = (SHARED / "corpus" / "real" / "files" / "hongze_2024.pdf").read_bytes()
    bad = {
        "bad/empty.txt": b"",
        "bad/junk.bin": bytes(range(256)) * 8,
        "bad/truncated.pdf": pdf[: len(pdf) // 3],
        "bad/not_a_report.html": "<html><body><p>欢迎访问本站。</p></body></html>".encode(),
        "bad/oversized.txt": b"9" * 50_000,
        "bad/wrong_extension.pdf": b"%this is plain text named .pdf, not a PDF",
        "bad/latin1.txt": "caf\xe9 ".encode("latin-1") * 40,
        "bad/image.png": b"\x89PNG\r\n\x1a\n" + bytes(500),
    }
    _files(root, bad)
    with zipfile.ZipFile(root / "bad" / "evil.zip", "w") as zf:
        zf.writestr("../escape.txt", b"x")
    (root / "bad" / "broken.zip").write_bytes(b"PK\x05\x06 truncated")
    kinds = {k: k.split("/")[1] for k in bad}
    return {**kinds, "bad/evil.zip/../escape.txt": "unsafe member", "bad/broken.zip": "broken zip"}


def test_bad_input_at_scale_completes_with_one_row_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "c"
    root.mkdir()
    bad = _bad_files(root, good=90)
    # the 50 kB file stands in for a huge one
    c = _read(root, tmp_path / "cache", options={"max_file_bytes": 40_000})
    assert c.reports.height == 90 + len(bad)
    assert c.reports["path"].n_unique() == c.reports.height
    rows = {p: (s, e) for p, s, e in c.reports.select("path", "status", "error").iter_rows()}
    for path in bad:
        status, error = rows[path]
        assert status in {"failed", "not_a_report"}, (path, status)
        assert error, path
    assert "over the" in rows["bad/oversized.txt"][1]
    assert rows["bad/broken.zip"][1].startswith("cannot open zip archive")
    assert rows["bad/evil.zip/../escape.txt"][1] == "unsafe member name '../escape.txt'"
    assert c.stats.unread >= 3  # broken zip, unsafe member, oversized file never reached the parser


def test_write_then_scan_gives_the_same_frames(tmp_path: Path, calls: list[str]) -> None:
    c = _read(_files(tmp_path / "c", CORPUS), tmp_path / "cache", out=tmp_path / "out")
    lazy = nianbao.scan(tmp_path / "out")
    assert isinstance(lazy.applications, pl.LazyFrame)
    assert lazy["litigation"].select(pl.len()).collect().item() == 6
    back = Corpus.read(tmp_path / "out")
    for name in FRAME_NAMES:
        assert_frame_equal(back.frames[name], c.frames[name])
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".staging")]


def test_scan_refuses_missing_and_mixed_outputs(tmp_path: Path, calls: list[str]) -> None:
    with pytest.raises(NianbaoError, match="run `nianbao parse"):
        scan(tmp_path)
    c = _read(_files(tmp_path / "c", CORPUS), tmp_path / "cache", out=tmp_path / "out")
    write_frames(c.frames, tmp_path / "other")
    (tmp_path / "other" / "checks.parquet").replace(tmp_path / "out" / "checks.parquet")
    with pytest.raises(NianbaoError, match="different runs"):
        scan(tmp_path / "out")


def test_a_crash_while_writing_leaves_the_previous_outputs(
    tmp_path: Path, calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _files(tmp_path / "c", CORPUS)
    out = tmp_path / "out"
    before = _read(root, tmp_path / "cache", out=out)
    _files(root, {"new.txt": b"1 new"})
    written: list[str] = []
    real_write = pl.DataFrame.write_parquet

    def crash_on_third(self: pl.DataFrame, file: Path, **kw: object) -> None:
        written.append(str(file))
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        real_write(self, file, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pl.DataFrame, "write_parquet", crash_on_third)
    with pytest.raises(NianbaoError, match="no space left on device"):
        _read(root, tmp_path / "cache", out=out, cache=False)
    monkeypatch.undo()
    after = Corpus.read(out)
    for name in FRAME_NAMES:
        assert_frame_equal(after.frames[name], before.frames[name])
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".cache")) == sorted(
        f"{n}.parquet" for n in FRAME_NAMES
    )


def test_cross_report_checks_are_appended(
    tmp_path: Path, calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, int] = {}

    def cross_report(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
        seen.update({k: v.height for k, v in frames.items()})
        rid = frames["reports"]["report_id"][0]
        row = {"report_id": rid, "check": "duplicate_report", "severity": "warning", "where": "reports"}
        return pl.DataFrame([{**row, "expected": None, "actual": None, "message": "same organ and year"}])

    monkeypatch.setattr(checks, "cross_report", cross_report)
    c = _read(_files(tmp_path / "c", CORPUS), tmp_path / "cache")
    assert seen == {"reports": 4, "proactive": 0, "applications": 0, "litigation": 6, "checks": 4}
    assert c.checks["check"].to_list()[-1] == "duplicate_report"
    assert c.checks.schema == FRAME_SCHEMAS["checks"]


def test_summary_fits_a_screen_and_counts_statuses(tmp_path: Path, calls: list[str]) -> None:
    root = _files(tmp_path / "c", {**CORPUS, "dup.txt": b"2 two"})
    (root / "broken.zip").write_bytes(b"nope")
    text = _read(root, tmp_path / "cache").summary(out_dir="OUT")
    lines = text.splitlines()
    assert len(lines) <= 24
    assert lines[0].startswith("6 files in ")
    assert "4 parsed (1 jobs), 0 from cache, 1 byte-identical duplicates, 1 unreadable" in lines[0]
    assert lines[1] == "status:   ok 4 · failed 1 · duplicate 1"
    assert lines[2] == "checks:   warning 4"
    assert "broken.zip: cannot open zip archive" in text
    assert lines[-1] == "wrote:    OUT/{reports,proactive,applications,litigation,checks}.parquet"


def _real_corpus(root: Path) -> Path:
    for p in sorted((SHARED / "seeds").glob("*.txt")):
        (root / p.name).parent.mkdir(parents=True, exist_ok=True)
        (root / p.name).write_bytes(p.read_bytes())
    for p in sorted((SHARED / "corpus" / "real" / "files").iterdir()):
        (root / "real" / p.name).parent.mkdir(parents=True, exist_ok=True)
        (root / "real" / p.name).write_bytes(p.read_bytes())
    (root / "junk.txt").write_bytes(b"\x00\x01 not a report")
    return root


def without_timing(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {k: v.drop("parse_seconds") if k == "reports" else v for k, v in frames.items()}


def test_a_process_pool_gives_the_same_frames_as_one_process(tmp_path: Path) -> None:
    root = _real_corpus(tmp_path / "c")
    one = read_corpus(root, jobs=1, cache=False, progress=False)
    two = read_corpus(root, jobs=2, cache=False, progress=False)
    assert two.stats.parsed == 9
    compare: Callable[[pl.DataFrame, pl.DataFrame], None] = assert_frame_equal
    for name, frame in without_timing(one.frames).items():
        compare(without_timing(two.frames)[name], frame)


def test_pool_workers_freeze_the_parser_out_of_the_garbage_collector(
    tmp_path: Path, calls: list[str]
) -> None:
    import gc
    import subprocess

    probe = (
        "import gc\n"
        "from nianbao.corpus.parallel import WORKER_GC_THRESHOLD, start_worker\n"
        "start_worker()\n"
        "import nianbao.parse.report, nianbao.parse.tables\n"  # the parser came in with start_worker
        "print(gc.get_freeze_count(), gc.get_threshold()[0] == WORKER_GC_THRESHOLD)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    frozen, threshold_set = out.split()
    assert int(frozen) > 10_000
    assert threshold_set == "True"
    # parsing in this process (jobs=1) leaves the caller's collector as it was
    before = (gc.get_threshold(), gc.get_freeze_count())
    _read(_files(tmp_path / "c", CORPUS), tmp_path / "cache")
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def _by_rows(results: list[FileResult]) -> dict[str, pl.DataFrame]:
    """The frames as polars' row reader makes them (how ``to_frames`` built them before it went by column)."""
    return {
        name: pl.DataFrame(
            [row for r in results for row in r.rows(name)], schema=FRAME_SCHEMAS[name], orient="row"
        )
        for name in FRAME_NAMES
    }


def test_frames_built_by_column_equal_frames_built_by_row() -> None:
    from nianbao.parse.result import to_frames

    parsed = [report.parse_file(p) for p in sorted((SHARED / "seeds").glob("*.txt"))]
    odd = FileResult(  # values the row reader converts and a typed Series refuses: built by rows
        report={"report_id": "r9", "status": "ok", "year": 2021.0, "cells_read": True},
        applications=[("r9", "granted", "granted", "total", 3.0)],
        litigation=[("r9", "administrative_review", "upheld", 2)],
    )
    for results in (parsed, [*parsed, odd], [odd], []):
        expected = _by_rows(results)
        got = to_frames(results)
        for name in FRAME_NAMES:
            assert_frame_equal(got[name], expected[name])
    assert to_frames([odd])["applications"]["value"].to_list() == [3]
    numbered = to_frames([*parsed, odd], file_ids="_file", first_id=5)
    for name in FRAME_NAMES:
        assert_frame_equal(numbered[name].drop("_file"), to_frames([*parsed, odd])[name])
        assert numbered[name].schema["_file"] == pl.Int32
        assert numbered[name].get_column("_file").is_sorted()
    assert numbered["reports"]["_file"].to_list() == list(range(5, 5 + len(parsed) + 1))
    rid_of_file = numbered["reports"].select("_file", "report_id")
    litigation = numbered["litigation"].join(rid_of_file, on="_file", suffix="_of_file")
    assert litigation.height == 15 * len(parsed) + 1
    assert (litigation["report_id"] == litigation["report_id_of_file"]).all()
    # a ragged row cannot be stored: its file alone becomes a failed row (issue 16), the others are kept
    ragged = to_frames([parsed[0], FileResult({"report_id": "x"}, litigation=[("x", "upheld")])])
    assert ragged["reports"]["status"].to_list() == [parsed[0].report["status"], "failed"]
    assert ragged["litigation"]["report_id"].unique().to_list() == [parsed[0].report_id]


# --- synthetic corpora: truth files beside the reports, invented places ------------------------------

PLACE_COLUMNS = ["province", "city", "county", "organ_level"]


@pytest.fixture(scope="module")
def synth_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from nianbao.synth.generate import generate

    root = tmp_path_factory.mktemp("synth") / "demo"
    generate(root, 30, formats=("txt", "html", "docx", "pdf"), seed=11, damage_rate=0.1)
    return root


def _places_against_truth(c: Corpus, root: Path) -> list[tuple[str, tuple, tuple]]:
    from nianbao.synth.truth import load_truths

    truth = {t["source"]: tuple(t[k] for k in PLACE_COLUMNS) for t in load_truths(root / "expected")}
    got = {r[0]: tuple(r[1:]) for r in c.reports.select("path", *PLACE_COLUMNS).iter_rows()}
    assert sorted(got) == sorted(truth)  # one row per report, none for expected/, places.csv, manifest.json
    return [(p, got[p], truth[p]) for p in sorted(truth) if got[p] != truth[p]]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_synthetic_corpus_resolves_its_invented_places(
    synth_corpus: Path, tmp_path: Path, jobs: int
) -> None:
    c = read_corpus(synth_corpus, jobs=jobs, cache=False, progress=False)
    assert c.reports.height == 30
    assert _places_against_truth(c, synth_corpus) == []
    assert c.reports["county"].null_count() == 0  # every synthetic organ sits in a county
    assert c.stats.places_files == [str(synth_corpus / "places.csv")]
    assert "places:   " in c.summary()
    # the report_id a worker takes from the run's cache key (which also names the places file) is the file's
    for path, rid in c.reports.select("path", "report_id").iter_rows():
        assert rid == hashlib.sha256((synth_corpus / path).read_bytes()).hexdigest()[:16], path


def test_a_changed_places_file_resolves_places_again(synth_corpus: Path, tmp_path: Path) -> None:
    root = tmp_path / "demo"
    shutil.copytree(synth_corpus, root)
    first = _read(root, tmp_path / "cache")
    again = _read(root, tmp_path / "cache")
    assert (again.stats.parsed, again.stats.cached) == (0, 30)
    places = (root / "places.csv").read_text(encoding="utf-8")
    province = first.reports["province"][0]
    (root / "places.csv").write_text(places.replace(province, "改名省"), encoding="utf-8")
    changed = _read(root, tmp_path / "cache")
    assert changed.stats.parsed == 30
    assert set(changed.reports["province"]) == {"改名省"} | set(first.reports["province"]) - {province}
    (root / "places.csv").write_text(places, encoding="utf-8")
    back = _read(root, tmp_path / "cache")
    assert back.stats.parsed == 0  # the first set's results are still cached
    assert_frame_equal(back.reports.drop("parse_seconds"), first.reports.drop("parse_seconds"))


def test_aliases_of_a_run_do_not_outlive_it(synth_corpus: Path) -> None:
    from nianbao.parse.places import locate_place

    row = _read_places(synth_corpus)
    c = read_corpus(synth_corpus, jobs=1, cache=False, progress=False)
    assert row["province"] in set(c.reports["province"])  # the run resolved with its places.csv
    assert locate_place(row["name"]).province != row["province"]  # invented: unknown outside the run


def _read_places(root: Path) -> dict[str, str]:
    """The first county row of a synthetic corpus's places.csv."""
    import csv

    rows = csv.DictReader((root / "places.csv").read_text(encoding="utf-8").splitlines())
    return next(r for r in rows if r["level"] == "county")


def test_a_real_folder_uses_its_places_file_and_keeps_it_as_a_row(tmp_path: Path) -> None:
    seed = sorted((SHARED / "seeds").glob("*.txt"))[0]
    root = _files(tmp_path / "c", {"r.txt": seed.read_bytes(), "manifest.json": b'{"generator": "crawler"}'})
    base = read_corpus(root, jobs=1, cache=False, progress=False)
    organ = base.reports.filter(pl.col("path") == "r.txt")["organ"].item()
    (root / "places.csv").write_text(
        f"name,province,city,county,level\n{organ},某省,某市,某县,county\n", "utf-8"
    )
    c = read_corpus(root, jobs=1, cache=False, progress=False)
    rows = {r["path"]: r for r in c.reports.iter_rows(named=True)}
    assert (rows["r.txt"]["province"], rows["r.txt"]["county"]) == ("某省", "某县")
    assert rows["places.csv"]["status"] == rows["manifest.json"]["status"] == "not_a_report"


def test_a_bad_places_file_stops_the_run_with_a_message(tmp_path: Path, calls: list[str]) -> None:
    root = _files(
        tmp_path / "c", {"a.txt": b"1 a", "places.csv": b"name,province,city,county,level\nx,p,,,town\n"}
    )
    with pytest.raises(NianbaoError, match=r"places.csv: line 2: level 'town'"):
        _read(root, tmp_path / "cache")
    (root / "places.csv").write_bytes(b"id,value\n1,2\n")  # not a places file: just a file
    assert sorted(_read(root, tmp_path / "cache").reports["path"]) == ["a.txt", "places.csv"]
