"""Walking corpus inputs: directories, files, zip archives, and refusing hostile archives."""

from __future__ import annotations

import os
import signal
import zipfile
from pathlib import Path

import pytest

from nianbao.corpus.reading import SourceReader
from nianbao.corpus.sources import (
    Source,
    SourceError,
    safe_member_name,
    split_zip_path,
    walk,
    walk_corpus,
)
from nianbao.names import stored_path


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


def _read_all(sources: list[Source], **limits: int) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    with SourceReader(**limits) as reader:
        for s in sources:
            try:
                out[s.display] = reader.read(s)
            except SourceError as e:
                out[s.display] = f"error: {e}"
    return out


def test_directory_walk_is_recursive_sorted_and_relative(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "corpus",
        {
            "b.txt": b"b",
            "a/z.html": b"z",
            "a/c/d.pdf": b"d",
            ".hidden": b"h",
            ".git/x": b"x",
            "__MACOSX/y": b"y",
        },
    )
    sources = walk([root])
    assert [s.display for s in sources] == ["a/c/d.pdf", "a/z.html", "b.txt"]
    assert _read_all(sources) == {"a/c/d.pdf": b"d", "a/z.html": b"z", "b.txt": b"b"}
    assert [s.suffix for s in sources] == [".pdf", ".html", ".txt"]
    assert all(s.fingerprint and s.fingerprint.startswith("1:") for s in sources)


def test_a_file_given_directly_is_shown_by_its_name(tmp_path: Path) -> None:
    f = _tree(tmp_path, {"deep/dir/report.TXT": b"abc"}) / "deep/dir/report.TXT"
    (s,) = walk([f])
    assert (s.display, s.suffix, s.size) == ("report.TXT", ".txt", 3)


def test_missing_input_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope"):
        walk([tmp_path / "nope"])


def test_skip_keeps_the_output_directory_out_of_the_corpus(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"a.txt": b"a", "out/reports.parquet": b"p", "out/.cache/x": b"x"})
    assert [s.display for s in walk([root], skip=[root / "out"])] == ["a.txt"]


def test_symlinked_directories_are_not_followed_but_get_a_row(tmp_path: Path) -> None:
    root = _tree(tmp_path / "c", {"a.txt": b"a"})
    (root / "loop").symlink_to(root, target_is_directory=True)
    sources = walk([root])
    assert [s.display for s in sources] == ["a.txt", "loop"]
    assert _read_all(sources)["loop"] == (
        "error: a link to a folder: not followed (links can loop); "
        "to include that folder, give it as an input of its own"
    )


def test_same_display_path_from_two_inputs_is_made_unique(tmp_path: Path) -> None:
    _tree(tmp_path, {"one/x.txt": b"1", "two/x.txt": b"2"})
    os.chdir(tmp_path)
    shown = [s.display for s in walk(["one", "two"])]
    assert shown == ["two/x.txt", "x.txt"]
    assert len(set(shown)) == 2


def test_zip_members_are_shown_under_the_archive_name(tmp_path: Path) -> None:
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("2021/a.txt", b"A")
        zf.writestr("2021/", b"")  # a directory entry: skipped
        zf.writestr("b.html", b"B")
        zf.writestr("__MACOSX/._b.html", b"junk")
    sources = walk([archive])
    assert [s.display for s in sources] == ["batch.zip/2021/a.txt", "batch.zip/b.html"]
    assert _read_all(sources) == {"batch.zip/2021/a.txt": b"A", "batch.zip/b.html": b"B"}
    assert split_zip_path(sources[0].display) == ("batch.zip", "2021/a.txt")
    assert sources[0].locator.endswith("batch.zip::2021/a.txt")


def test_zip_inside_a_directory_is_expanded(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    with zipfile.ZipFile(tmp_path / "sub" / "z.zip", "w") as zf:
        zf.writestr("m.txt", b"M")
    (tmp_path / "plain.txt").write_bytes(b"P")
    assert [s.display for s in walk([tmp_path])] == ["plain.txt", "sub/z.zip/m.txt"]


def test_unsafe_member_names_become_failed_sources(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../etc/passwd", b"root")
        zf.writestr("/abs.txt", b"abs")
        zf.writestr("ok.txt", b"ok")
    got = _read_all(walk([archive]))
    assert got["evil.zip/ok.txt"] == b"ok"
    assert got["evil.zip/../../etc/passwd"] == "error: unsafe member name '../../etc/passwd'"
    assert got["evil.zip/abs.txt"] == "error: unsafe member name '/abs.txt'"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a/b.txt", "a/b.txt"),
        ("..", None),
        ("a/../../b", None),
        ("/x", None),
        ("C:/x", None),
        ("a\\..\\b", None),
    ],
)
def test_safe_member_name(name: str, expected: str | None) -> None:
    assert safe_member_name(name) == expected


def test_gbk_member_names_are_decoded(tmp_path: Path) -> None:
    archive = tmp_path / "gbk.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("abcd.txt", b"x")
    # Store the name as GBK bytes without the UTF-8 flag, as Windows zip tools do (same length: 8 bytes).
    name_gbk = "年报.txt".encode("gbk")
    assert len(name_gbk) == len(b"abcd.txt")
    archive.write_bytes(archive.read_bytes().replace(b"abcd.txt", name_gbk))
    (s,) = walk([archive])
    assert s.display == "gbk.zip/年报.txt"
    assert _read_all([s]) == {"gbk.zip/年报.txt": b"x"}


def test_broken_zip_is_one_failed_source(tmp_path: Path) -> None:
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 this is not really a zip")
    (s,) = walk([archive])
    assert s.display == "broken.zip"
    assert _read_all([s])["broken.zip"] == "error: cannot open zip archive: File is not a zip file"


def test_member_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", b"0" * 1000)
        zf.writestr("small.txt", b"tiny")
    got = _read_all(walk([archive]), max_file_bytes=10)
    assert got["big.zip/small.txt"] == b"tiny"
    assert got["big.zip/big.txt"] == "error: zip member is 1,000 bytes, over the 10 byte limit"


@pytest.mark.parametrize(("size", "read"), [(9, True), (10, True), (11, False)])
def test_plain_file_at_and_over_the_size_limit(tmp_path: Path, size: int, read: bool) -> None:
    root = _tree(tmp_path / "c", {"r.txt": b"1" * size})
    got = _read_all(walk([root]), max_file_bytes=10)["r.txt"]
    assert got == (b"1" * size if read else "error: file is over the 10 byte limit for one report")


def test_a_file_that_grows_after_its_stat_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read asks for the stat size + 1 (no cap-sized buffer per file); growth is still read, to the cap."""
    root = _tree(tmp_path / "c", {"r.txt": b"12345"})
    (source,) = walk([root])
    (root / "r.txt").write_bytes(b"1234567890")  # grows between the walk and the read
    real_stat = Path.stat
    monkeypatch.setattr(
        Path, "stat", lambda self, **kw: os.stat_result((*real_stat(self, **kw)[:6], 5, 0, 0, 0))
    )
    assert _read_all([source])["r.txt"] == b"1234567890"


def test_member_whose_header_understates_its_size_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("bomb.txt", b"0" * 1000)
    (s,) = walk([archive])
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("bomb.txt")
    info.file_size = 10  # what a forged header claims
    with SourceReader(max_file_bytes=100) as reader:
        zf = reader._archive(archive)
        zf.NameToInfo["bomb.txt"] = info
        # zipfile stops at the declared size and the CRC then fails; either way nothing over the cap is read
        with pytest.raises(SourceError, match="zip member"):
            reader.read(s)


def test_archive_total_is_capped(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(5):
            zf.writestr(f"{i}.txt", b"x" * 100)
    got = {}
    with SourceReader(max_archive_bytes=250) as reader:
        for s in walk([archive]):
            try:
                got[s.display] = len(reader.read(s))
            except SourceError as e:
                got[s.display] = str(e)
    assert list(got.values())[:3] == [100, 100, 100]
    assert got["many.zip/3.txt"] == "archive holds more than 250 uncompressed bytes; member not read"


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    (s,) = walk([tmp_path])
    with SourceReader() as reader, pytest.raises(SourceError, match="not a regular file"):
        reader.read(s)


SYNTH_MANIFEST = b'{"synthetic": true, "generator": "nianbao synth", "files": []}'
PLACES = "name,province,city,county,level\n梅安市,菱寨省,梅安市,,city\n".encode()


def test_a_synthetic_corpus_keeps_its_truth_out_of_the_sources(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "demo",
        {
            "a_2021.txt": b"a",
            "b_2022.html": b"b",
            "expected/a_2021.json": b"{}",
            "places.csv": PLACES,
            "manifest.json": SYNTH_MANIFEST,
            "sub/expected.txt": b"a report that happens to be called expected",
        },
    )
    walked = walk_corpus([root])
    assert [s.display for s in walked.sources] == ["a_2021.txt", "b_2022.html", "sub/expected.txt"]
    assert walked.places == [root / "places.csv"]


def test_a_real_corpus_folder_keeps_every_file(tmp_path: Path) -> None:
    """Only a manifest written by nianbao synth marks truth files; other folders' files are all sources."""
    files = {
        "a.txt": b"a",
        "expected/a.json": b"{}",
        "places.csv": PLACES,
        "manifest.json": b'{"generator": "a crawler"}',
    }
    root = _tree(tmp_path / "real", files)
    walked = walk_corpus([root])
    assert sorted(s.display for s in walked.sources) == sorted(files)
    assert walked.places == [root / "places.csv"]  # a root's places file is offered either way
    (root / "manifest.json").write_bytes(b"not json {")
    assert len(walk([root])) == 4


def test_a_synthetic_corpus_inside_a_folder_is_recognised_there(tmp_path: Path) -> None:
    root = _tree(
        tmp_path / "data",
        {
            "real/x.txt": b"x",
            "demo/r.txt": b"r",
            "demo/expected/r.json": b"{}",
            "demo/places.csv": PLACES,
            "demo/manifest.json": SYNTH_MANIFEST,
        },
    )
    walked = walk_corpus([root])
    assert [s.display for s in walked.sources] == ["demo/r.txt", "real/x.txt"]
    assert walked.places == [root / "demo" / "places.csv"]
    assert walk_corpus([root / "real/x.txt"]).places == []  # a file given alone brings no places


def test_names_that_are_not_utf8_are_shown_decoded_and_stored_losslessly(tmp_path: Path) -> None:
    root = tmp_path / "c"
    root.mkdir()
    b = os.fsencode(root)
    for raw in ("年报.txt".encode("gbk"), b"caf\xe9.txt", "年报.txt".encode()):
        with open(b + b"/" + raw, "wb") as f:
            f.write(raw)
    sources = walk([root])
    # the GBK name shows like the UTF-8 one beside it, so it is told apart by the folder in front
    assert [s.display for s in sources] == [f"{root.as_posix()}/年报.txt", "caf\\xe9.txt", "年报.txt"]
    assert sorted(_read_all(sources).values()) == sorted(
        [b"caf\xe9.txt", "年报.txt".encode("gbk"), "年报.txt".encode()]
    )
    locators = [s.locator for s in sources]
    assert all(loc.encode("utf-8") for loc in locators)  # storable anywhere
    assert len(set(locators)) == 3
    assert locators[1] == "fsbytes:" + root.as_posix() + "/caf\\xe9.txt"


def test_stored_paths_are_unambiguous() -> None:
    literal = "/c/a\\xff.txt"  # a name that really is backslash, x, f, f
    undecodable = os.fsdecode(b"/c/a\xff.txt")
    assert stored_path(literal) == literal
    assert stored_path(undecodable) == "fsbytes:/c/a\\xff.txt"
    assert stored_path(os.fsdecode(b"/c/a\\\\xff\xfe")) == "fsbytes:/c/a\\\\\\\\xff\\xfe"


def test_a_member_name_neither_utf8_nor_gbk_is_shown_escaped_and_read(tmp_path: Path) -> None:
    archive = tmp_path / "odd.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("d/abc.txt", b"x")
    archive.write_bytes(archive.read_bytes().replace(b"d/abc.txt", b"d/\xff\x80\xfe.txt"))
    (s,) = walk([archive])
    assert s.display == "odd.zip/d/\\xff\\x80\\xfe.txt"
    assert _read_all([s]) == {s.display: b"x"}


def test_an_unreadable_archive_is_one_row_in_plain_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("m.txt", b"M")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(archive))

    monkeypatch.setattr(zipfile, "ZipFile", denied)
    (s,) = walk([archive])
    assert (s.display, s.error) == ("a.zip", "cannot open zip archive: permission denied")


def test_a_fifo_named_like_a_synthetic_manifest_does_not_block_the_walk(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "manifest.json")  # opening it for reading would wait for a writer forever
    (tmp_path / "a.txt").write_bytes(b"a")
    signal.alarm(20)  # a hang fails the test instead of stopping the suite
    try:
        walked = walk_corpus([tmp_path])
    finally:
        signal.alarm(0)
    assert [(s.display, s.error is None) for s in walked.sources] == [
        ("a.txt", True),
        ("manifest.json", False),
    ]


def test_a_member_name_flagged_utf8_that_is_not_is_one_plain_row(tmp_path: Path) -> None:
    archive = tmp_path / "lies.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("年.txt", b"x")  # stored as UTF-8 with the flag set
    archive.write_bytes(archive.read_bytes().replace("年".encode(), b"\xc4\xea\xff"))
    (s,) = walk([archive])
    assert (s.display, s.error) == (
        "lies.zip",
        "cannot open zip archive: a member name is marked UTF-8 but is not; re-pack the archive",
    )


def test_a_folder_s_crosswalk_and_links_to_it_are_not_sources_but_a_copy_is(tmp_path: Path) -> None:
    root = tmp_path / "c"
    root.mkdir()
    text = b"organ,place,years,organ_id,organ_name\n*A\xe5\x8e\xbf*,,,X/gov,A\n"
    (root / "organs.csv").write_bytes(text)
    (root / "copy.csv").write_bytes(text)  # the same bytes in a file of its own: a source like any file
    os.symlink(root / "organs.csv", root / "link.csv")
    (root / "r.txt").write_bytes(b"report")
    walked = walk_corpus([root])
    assert [s.display for s in walked.sources] == ["copy.csv", "r.txt"]
    assert walked.organs == [root / "organs.csv"]
