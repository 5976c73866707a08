"""``nianbao parse``: outputs and exit codes, and a run killed midway resuming from the cache."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import polars as pl
import pytest
from click.testing import CliRunner

from nianbao.cli import cli
from nianbao.corpus.cache import KEY_COLUMN, ResultCache, cache_key
from nianbao.corpus.run import Corpus
from nianbao.fields import FRAME_NAMES

PARQUETS = sorted(f"{n}.parquet" for n in FRAME_NAMES)


def _corpus(root: Path, n: int, start: int = 0) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (root / f"f{i:04d}.txt").write_text(f"{i % 10} file number {i}\n", encoding="utf-8")
    return root


def test_parse_writes_five_files_and_a_summary(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", 3)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["parse", str(root), "--out", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.parquet")) == PARQUETS
    assert result.output.startswith("3 files in ")
    assert "status:   " in result.output
    assert Corpus.read(out).reports["path"].to_list() == ["f0000.txt", "f0001.txt", "f0002.txt"]
    assert (out / ".cache").is_dir()

    again = CliRunner().invoke(cli, ["parse", str(root), "--out", str(out)])
    assert "0 parsed" in again.output
    assert "3 from cache" in again.output


def test_parse_with_an_explicit_cache_dir_and_no_cache(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", 2)
    args = ["parse", str(root), "--out", str(tmp_path / "out"), "-j", "1"]
    assert CliRunner().invoke(cli, [*args, "--cache-dir", str(tmp_path / "k")]).exit_code == 0
    assert any((tmp_path / "k").iterdir())
    assert not (tmp_path / "out" / ".cache").exists()
    result = CliRunner().invoke(cli, [*args, "--no-cache"])
    assert "2 parsed" in result.output
    assert not (tmp_path / "out" / ".cache").exists()


def test_parse_exits_zero_when_files_fail(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "empty.txt").write_bytes(b"")
    (tmp_path / "c" / "broken.zip").write_bytes(b"not a zip")
    result = CliRunner().invoke(cli, ["parse", str(tmp_path / "c"), "--out", str(tmp_path / "o"), "-j", "1"])
    assert result.exit_code == 0, result.output
    statuses = Corpus.read(tmp_path / "o").reports["status"].to_list()
    assert len(statuses) == 2
    assert set(statuses) <= {"failed", "not_a_report"}


def test_missing_corpus_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["parse", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_unwritable_output_is_an_error(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", 1)
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(cli, ["parse", str(root), "--out", str(tmp_path / "file" / "out")])
    assert result.exit_code == 1
    assert "cannot write to" in result.output


def test_scheduler_needs_the_dask_executor(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c", 1)
    result = CliRunner().invoke(
        cli, ["parse", str(root), "--out", str(tmp_path / "o"), "--scheduler", "tcp://x:1"]
    )
    assert result.exit_code == 2
    assert "--scheduler needs --executor dask" in result.output


def test_help_names_every_option() -> None:
    result = CliRunner().invoke(cli, ["parse", "--help"])
    assert result.exit_code == 0
    for option in ("--out", "--jobs", "--no-cache", "--cache-dir", "--executor", "--scheduler", "--progress"):
        assert option in result.output


def test_help_lists_every_command_with_its_own_short_help() -> None:
    """The short help declared for the lazy listing is the one each command states itself."""
    from nianbao.cli import COMMANDS

    result = CliRunner().invoke(cli, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    for name, (_, declared) in COMMANDS.items():
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        assert command.get_short_help_str(200) == declared
        assert [name, declared] in [line.split(None, 1) for line in result.output.splitlines()]


def test_parse_and_help_import_no_report_or_generator_dependencies() -> None:
    """Start-up is the floor of a warm re-run: `nianbao parse` must not import altair, numpy, docx …"""
    heavy = ["altair", "numpy", "docx", "reportlab", "pdfminer", "papermill", "distributed", "nianbao.synth"]
    probe = (
        "import sys\n"
        "from nianbao.cli import cli\n"
        "for args in (['--help'], ['parse', '--help']):\n"
        "    try:\n"
        "        cli(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "[]"


def test_parse_a_synthetic_corpus_made_by_synth(tmp_path: Path) -> None:
    """`nianbao synth` then `nianbao parse DIR`: one row per report, none for the truth files."""
    demo, out = tmp_path / "demo", tmp_path / "out"
    made = CliRunner().invoke(cli, ["synth", "--out", str(demo), "--reports", "8", "--formats", "txt,html"])
    assert made.exit_code == 0, made.output
    result = CliRunner().invoke(cli, ["parse", str(demo), "--out", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    reports = Corpus.read(out).reports
    assert sorted(reports["path"]) == sorted(p.name for p in demo.iterdir() if p.suffix in {".txt", ".html"})
    assert reports["county"].null_count() == 0
    assert "places:   " in result.output


# The wrapper runs the real command with parse_bytes slowed down and logging each call. Pool workers
# start by importing the main script, so the patch applies in them too.
WRAPPER = """
import os, sys, time
import nianbao.parse.report as report

_parse = report.parse_bytes

def logged(data, path, **kw):
    with open(os.environ["PARSE_LOG"], "a", encoding="utf-8") as f:
        f.write(path + "\\n")
    time.sleep(float(os.environ.get("PARSE_DELAY", "0")))
    return _parse(data, path, **kw)

report.parse_bytes = logged

if __name__ == "__main__":
    from nianbao.cli import cli
    cli(sys.argv[1:])
"""


def _run(wrapper: Path, args: list[str], log: Path, delay: float) -> subprocess.Popen[bytes]:
    """Start the wrapped command in its own process group; its output goes to ``log`` + .out/.err."""
    env = {**os.environ, "PARSE_LOG": str(log), "PARSE_DELAY": str(delay)}
    with log.with_suffix(".out").open("wb") as out, log.with_suffix(".err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, str(wrapper), *args], env=env, stdout=out, stderr=err, start_new_session=True
        )


def _output(log: Path) -> tuple[str, str]:
    return log.with_suffix(".out").read_text(encoding="utf-8"), log.with_suffix(".err").read_text(
        encoding="utf-8"
    )


def _cached_keys(cache_root: Path) -> set[str]:
    """Keys in the cache, read without taking its lock (the run being watched holds it)."""
    versions = [p.name for p in cache_root.iterdir() if p.is_dir()] if cache_root.is_dir() else []
    if not versions:
        return set()
    (version,) = versions
    return set(ResultCache(cache_root, version).index()[KEY_COLUMN].to_list())


@pytest.mark.slow
def test_killed_run_resumes_from_the_cache_and_loses_nothing(tmp_path: Path) -> None:
    wrapper = tmp_path / "wrapped_nianbao.py"
    wrapper.write_text(WRAPPER, encoding="utf-8")
    root = _corpus(tmp_path / "c", 20)
    out, cache = tmp_path / "out", tmp_path / "out" / ".cache"
    args = ["parse", str(root), "--out", str(out), "-j", "2"]

    # A first complete run: these outputs must survive the killed run below.
    first = _run(wrapper, args, tmp_path / "log0", 0)
    assert first.wait(timeout=120) == 0, _output(tmp_path / "log0")
    before = Corpus.read(out).reports

    _corpus(root, 200, start=20)
    killed = _run(wrapper, args, tmp_path / "log1", 0.02)
    deadline = time.monotonic() + 120
    while len(_cached_keys(cache)) <= 20 and time.monotonic() < deadline:
        assert killed.poll() is None, "the run finished before it could be killed; slow it down"
        time.sleep(0.05)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(timeout=30)
    cached_at_kill = _cached_keys(cache)
    assert 20 < len(cached_at_kill) < 220
    assert Corpus.read(out).reports.equals(before)  # the previous outputs are intact

    resumed = _run(wrapper, args, tmp_path / "log2", 0)
    assert resumed.wait(timeout=300) == 0, _output(tmp_path / "log2")
    stdout = _output(tmp_path / "log2")[0]
    reports = Corpus.read(out).reports
    assert reports["path"].to_list() == [f"f{i:04d}.txt" for i in range(220)]
    reparsed = set((tmp_path / "log2").read_text(encoding="utf-8").split())
    keys = {f"f{i:04d}.txt": cache_key((root / f"f{i:04d}.txt").read_bytes(), ".txt") for i in range(220)}
    assert not {p for p in reparsed if keys[p] in cached_at_kill}, "a cached file was parsed again"
    assert reparsed == {p for p, k in keys.items() if k not in cached_at_kill}
    assert f"{len(cached_at_kill)} from cache" in stdout.replace(",", "")
    assert pl.Series(reports["report_id"]).n_unique() == 220


@contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small tmpfs mounted at ``where`` (root only), unmounted afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path) -> None:
    """Use up every free byte of ``disk`` (unbuffered writes, smaller and smaller, until none fits)."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1 << 16, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    assert os.statvfs(disk).f_bavail == 0


def _outputs(out: Path) -> dict[str, bytes]:
    return {p: (out / p).read_bytes() for p in PARQUETS}


@pytest.mark.parametrize("cache_elsewhere", [False, True])
def test_a_full_disk_is_one_clear_message_and_the_outputs_stay(tmp_path: Path, cache_elsewhere: bool) -> None:
    with _tmpfs(tmp_path / "disk", "2m") as disk:
        root = _corpus(tmp_path / "c", 3)
        out = disk / "out"
        cache = ["--cache-dir", str(tmp_path / "cache")] if cache_elsewhere else []
        first = CliRunner().invoke(cli, ["parse", str(root), "--out", str(out), "-j", "1", *cache])
        assert first.exit_code == 0, first.output
        before = _outputs(out)
        _corpus(root, 40, start=3)  # new files: the run must write something
        _fill(disk)
        result = CliRunner().invoke(cli, ["parse", str(root), "--out", str(out), "-j", "1", *cache])
        assert result.exit_code == 1, result.output
        message = result.stderr.strip()
        assert message.count("\n") == 0, message  # one line, no traceback
        assert "no space left on device" in message
        if cache_elsewhere:  # the cache was written; the outputs could not be
            assert message.startswith(f"Error: cannot write the outputs to {out}: no space left on device")
        else:
            assert message.startswith(f"Error: cannot write the result cache in {out / '.cache'}")
        assert message.endswith("untouched") or "untouched;" in message
        assert "Errno" not in message
        assert "ComputeError" not in message
        assert _outputs(out) == before
        assert sorted(p.name for p in out.iterdir()) == sorted(
            [".cache", *PARQUETS] if not cache_elsewhere else PARQUETS
        )
        assert not list((out / ".cache").glob("*/tmp-*")) if not cache_elsewhere else True


def test_a_read_only_output_is_one_clear_message_and_the_outputs_stay(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "disk", "4m") as disk:
        root = _corpus(tmp_path / "c", 3)
        out = disk / "out"
        assert CliRunner().invoke(cli, ["parse", str(root), "--out", str(out), "-j", "1"]).exit_code == 0
        before = _outputs(out)
        _corpus(root, 5, start=3)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        result = CliRunner().invoke(cli, ["parse", str(root), "--out", str(out), "-j", "1"])
        assert result.exit_code == 1, result.output
        assert result.stderr.strip() == (
            f"Error: cannot write to {out}: the file system is read-only; choose another --out directory"
        )
        assert _outputs(out) == before
