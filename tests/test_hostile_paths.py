"""Every kind of path a folder or archive can hold gives one ``reports`` row, with the seeds beside them exact.

The hostile corpus is built here: names that are not UTF-8 (a GBK-named file and folder as unpacked
on Linux, bytes that decode as nothing), a zip whose members are named in GBK without the UTF-8
flag, symlink loops, a dangling link, a link to a folder, a FIFO, a socket, a device file, and a
file and a folder the user cannot read. Root reads through ``chmod 000``, so when the tests run as
root the corpus is parsed with the two capabilities that let it (``dac_override``,
``dac_read_search``) dropped by ``setpriv``: the permission errors are the kernel's, not simulated.
The real ``read_corpus`` runs in a child process, cold and then warm (the cache and its
fingerprints must store every name), at ``--jobs 1`` and ``2``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from nianbao.corpus.run import Corpus, read_corpus
from nianbao.fields import FRAME_NAMES

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted((REPO.parent / "shared" / "seeds").glob("*.txt"))
pytestmark = pytest.mark.skipif(not SEEDS, reason="../shared/seeds is not beside the checkout")

_RUN = """
import json, sys
from nianbao.corpus.run import read_corpus

if __name__ == "__main__":
    c = read_corpus([sys.argv[1]], out=sys.argv[2], jobs=int(sys.argv[3]), progress=False)
    s = c.stats
    print(json.dumps({"parsed": s.parsed, "cached": s.cached, "files": s.files, "summary": c.summary(sys.argv[2])}))
"""


def _unprivileged() -> list[str] | None:
    """The command prefix under which ``chmod 000`` denies reads, or None when there is none."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return None if setpriv is None else [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"]


def _gbk_zip(path: Path) -> None:
    """Members named in GBK with flag bit 11 clear, as Windows zip tools write them."""
    names = {"2021/abcd.txt": "2021/年报.txt".encode("gbk"), "wxy.txt": b"\xff\xfe\xfd.txt"}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("2021/abcd.txt", b"member one")
        zf.writestr("wxy.txt", b"member two")
    data = path.read_bytes()
    for placeholder, raw in names.items():
        assert len(raw) == len(placeholder)
        data = data.replace(placeholder.encode(), raw)
    path.write_bytes(data)
    with zipfile.ZipFile(path) as zf:
        assert not any(info.flag_bits & 0x800 for info in zf.infolist())


def _hostile_corpus(root: Path) -> dict[str, str]:
    """Build the corpus; returns each shown path that must fail with a phrase its error holds."""
    seeds = root / "seeds"
    seeds.mkdir(parents=True)
    for seed in SEEDS:
        shutil.copyfile(seed, seeds / seed.name)
    b = os.fsencode(root)
    gbk_file = SEEDS[0].read_bytes() + "\n附：本报告另有纸质版。\n".encode()
    fd = os.open(b + b"/" + "年报2021.txt".encode("gbk"), os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, gbk_file)
    os.close(fd)
    os.mkdir(b + b"/" + "乡镇".encode("gbk"))
    with open(b + b"/" + "乡镇".encode("gbk") + b"/a.txt", "wb") as f:
        f.write(b"a file in a GBK-named folder")
    with open(b + b"/bad\xff\xfe.txt", "wb") as f:
        f.write(b"bytes that decode as nothing")
    _gbk_zip(root / "archive.zip")
    failing = {
        "loop.txt": "symbolic link loop",
        "ping.txt": "symbolic link loop",
        "pong.txt": "symbolic link loop",
        "dangling.txt": "broken symbolic link: its target nowhere.txt does not exist",
        "linked_seeds": "a link to a folder: not followed",
        "pipe.txt": "a named pipe (FIFO), not a regular file: not opened",
        "sock": "a socket, not a regular file",
        "secret.txt": "cannot read file: permission denied; give read permission",
        "locked": "cannot open folder: permission denied, so none of its files were read",
    }
    os.symlink("loop.txt", root / "loop.txt")
    os.symlink("pong.txt", root / "ping.txt")
    os.symlink("ping.txt", root / "pong.txt")
    os.symlink("nowhere.txt", root / "dangling.txt")
    os.symlink("seeds", root / "linked_seeds")
    os.mkfifo(root / "pipe.txt")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(os.fspath(root / "sock"))
    try:
        os.mknod(root / "null.dev", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        failing["null.dev"] = "a device file, not a regular file"
    except (PermissionError, OSError):
        pass  # no CAP_MKNOD here: the device case is left out
    (root / "secret.txt").write_bytes(SEEDS[1].read_bytes() + b"\n")
    (root / "locked").mkdir()
    (root / "locked" / "inner.txt").write_bytes(b"never seen")
    os.chmod(root / "secret.txt", 0)
    os.chmod(root / "locked", 0)
    return failing


def _run(prefix: list[str], corpus: Path, out: Path, jobs: int, script: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.fspath(REPO / "lib"), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [*prefix, sys.executable, os.fspath(script), os.fspath(corpus), os.fspath(out), str(jobs)],
        check=False,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _without_paths(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {k: v.drop("path", "parse_seconds") if k == "reports" else v for k, v in frames.items()}


@pytest.mark.parametrize("jobs", [1, 2])
def test_hostile_paths_one_row_each_seeds_exact(tmp_path: Path, jobs: int) -> None:
    prefix = _unprivileged()
    if prefix is None:
        pytest.skip("running as root without setpriv: chmod 000 cannot deny root a read")
    corpus = tmp_path / "corpus"
    failing = _hostile_corpus(corpus)
    script = tmp_path / "run.py"
    script.write_text(_RUN, encoding="utf-8")
    out = tmp_path / "out"
    try:
        cold = _run(prefix, corpus, out, jobs, script)
        first = Corpus.read(out)
        warm = _run(prefix, corpus, out, jobs, script)
        again = Corpus.read(out)
    finally:
        os.chmod(corpus / "locked", 0o755)
        os.chmod(corpus / "secret.txt", 0o644)

    reports = first.reports
    rows = dict(zip(reports["path"], zip(reports["status"], reports["error"], strict=True), strict=True))
    seeds = [f"seeds/{p.name}" for p in SEEDS]
    readable = [
        "年报2021.txt",
        "乡镇/a.txt",
        "bad\\xff\\xfe.txt",
        "archive.zip/2021/年报.txt",
        "archive.zip/\\xff\\xfe\\xfd.txt",
    ]
    assert sorted(rows) == sorted([*seeds, *readable, *failing])  # one row per path, none lost
    assert reports["path"].is_unique().all()
    for path, phrase in failing.items():
        status, error = rows[path]
        assert status == "failed", path
        assert phrase in error, (path, error)
        assert "Errno" not in error
        assert "Traceback" not in error
    for path in readable:
        assert rows[path][0] != "failed", (path, rows[path])
    assert rows["年报2021.txt"][0] in ("ok", "partial")  # a GBK-named report is read like any other
    assert cold["files"] == len(rows)

    # warm: every parsed file, whatever its name, is a cache hit; the frames are the same
    assert (warm["parsed"], warm["cached"]) == (0, cold["parsed"])
    for name in FRAME_NAMES:
        assert_frame_equal(
            again.frames[name].drop("parse_seconds", strict=False),
            first.frames[name].drop("parse_seconds", strict=False),
        )

    # the seeds beside the hostile files come out exactly as in a run of the seeds alone
    alone = read_corpus(SEEDS, jobs=1, cache=False, progress=False)
    ids = set(alone.reports["report_id"].to_list())
    mixed = {n: f.filter(pl.col("report_id").is_in(ids)) for n, f in first.frames.items()}
    mixed["reports"] = mixed["reports"].filter(pl.col("path").str.starts_with("seeds/"))
    mixed["checks"] = mixed["checks"].filter(~pl.col("check").is_in(["duplicate_report", "cross_year_carry"]))
    alone_frames = dict(alone.frames)
    alone_frames["checks"] = alone_frames["checks"].filter(
        ~pl.col("check").is_in(["duplicate_report", "cross_year_carry"])
    )
    assert mixed["reports"]["path"].to_list() == seeds
    for name in FRAME_NAMES:
        assert_frame_equal(_without_paths(mixed)[name], _without_paths(alone_frames)[name])


def test_read_report_gives_one_row_for_each_hostile_path(tmp_path: Path) -> None:
    from nianbao.parse.report import read_report

    os.mkfifo(tmp_path / "pipe.txt")
    os.symlink("loop.txt", tmp_path / "loop.txt")
    os.symlink("nowhere.txt", tmp_path / "dangling.txt")
    gbk = os.fsdecode(os.fsencode(tmp_path) + b"/" + "年报.txt".encode("gbk"))
    shutil.copyfile(SEEDS[0], gbk)
    signal.alarm(30)  # a FIFO opened for reading would hang here: fail instead
    try:
        got = {
            name: read_report(tmp_path / name).reports.row(0, named=True)
            for name in ("pipe.txt", "loop.txt", "dangling.txt")
        }
        named = read_report(gbk).reports.row(0, named=True)
    finally:
        signal.alarm(0)
    assert got["pipe.txt"]["error"] == "not a regular file (a pipe, socket or device): not opened"
    assert got["loop.txt"]["error"] == "cannot read file: too many levels of symbolic links"
    assert got["dangling.txt"]["error"] == "cannot read file: no such file or directory"
    assert all(row["status"] == "failed" for row in got.values())
    assert named["path"] == f"{tmp_path.as_posix()}/年报.txt"  # decoded, storable
    assert named["status"] in ("ok", "partial")
    alone = read_report(SEEDS[0])
    assert named["report_id"] == alone.reports["report_id"][0]
    assert_frame_equal(read_report(gbk).applications, alone.applications)
