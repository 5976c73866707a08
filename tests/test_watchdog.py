"""A run always finishes: a file that hangs, crashes or eats memory fails alone, within a bound.

In-process (``jobs=1``, ``read_report``) the stand-in parser is swapped with monkeypatch; for pool
workers and the command, ``tests/watchdog_wrapper.py`` runs ``nianbao`` with a stand-in that
misbehaves on the bytes it is given (see its docstring), since workers import the main script.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import polars as pl
import pytest

from nianbao.corpus import watchdog
from nianbao.corpus.cache import KEY_COLUMN, ResultCache
from nianbao.corpus.run import Corpus, read_corpus
from nianbao.parse import report, timelimit
from nianbao.parse.report import read_report
from nianbao.parse.result import FileResult

HERE = Path(__file__).parent
WRAPPER = HERE / "watchdog_wrapper.py"
SEEDS = HERE.parent / ".." / "shared" / "seeds"


def _spin() -> None:
    while True:
        pass


# --- the in-process time limit -------------------------------------------------------------------


@pytest.mark.parametrize("where", ["main thread", "other thread"])
def test_time_limit_stops_a_python_loop_and_leaves_no_timer(where: str) -> None:
    outcome: list[object] = []

    def run() -> None:
        start = time.monotonic()
        try:
            with timelimit.time_limit(0.3):
                _spin()
        except timelimit.FileTimeout:
            outcome.append(time.monotonic() - start)
        with timelimit.time_limit(0.3):  # a fast block is untouched, and nothing fires later
            outcome.append("fast")
        time.sleep(0.5)
        outcome.append("after")

    if where == "main thread":
        run()
    else:
        t = threading.Thread(target=run)
        t.start()
        t.join(10)
    took = outcome[0]
    assert isinstance(took, float), outcome
    assert 0.25 < took < 3.0, outcome
    assert outcome[1:] == ["fast", "after"]
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_time_limit_leaves_a_handler_someone_else_holds_alone() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda s, f: fired.append(s))
    try:
        with pytest.raises(timelimit.FileTimeout), timelimit.time_limit(0.2):  # by the watcher thread
            _spin()
        assert signal.getsignal(signal.SIGALRM) is not timelimit._on_alarm
        assert not fired
    finally:
        signal.signal(signal.SIGALRM, previous)


# --- jobs=1 and read_report: a hanging file fails alone --------------------------------------------


@pytest.fixture
def hanging_parser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """parse_bytes that spins forever on ``HANG`` files; records every call."""
    seen: list[str] = []
    real = report.parse_bytes

    def parse(data: bytes, path: str, **kw: object) -> FileResult:
        seen.append(path)
        if data.startswith(b"HANG"):
            _spin()
        return real(data, path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(report, "parse_bytes", parse)
    return seen


def _seeds_and(root: Path, extra: dict[str, bytes]) -> Path:
    root.mkdir()
    for seed in sorted(SEEDS.iterdir()):
        shutil.copy(seed, root / seed.name)
    for name, data in extra.items():
        (root / name).write_bytes(data)
    return root


def _without_seconds(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {n: f.drop("parse_seconds", strict=False) for n, f in frames.items()}


def test_jobs_1_fails_only_the_hanging_file_and_retries_it_next_run(
    tmp_path: Path, hanging_parser: list[str]
) -> None:
    root = _seeds_and(tmp_path / "c", {"002_hang.txt": b"HANG " * 100})
    clean = read_corpus(SEEDS, jobs=1, cache=False, progress=False)
    start = time.monotonic()
    got = read_corpus(
        root, jobs=1, cache_dir=tmp_path / "cache", progress=False, options={"file_timeout": 1.0}
    )
    assert time.monotonic() - start < 30
    hung = got.reports.filter(pl.col("path") == "002_hang.txt")
    assert hung["status"].to_list() == ["failed"]
    assert hung["error"].item() == timelimit.timeout_message(1.0)
    assert "longer than 1 s" in hung["error"].item()
    assert "--file-timeout" in hung["error"].item()
    seeds = {
        n: f.filter(pl.col("report_id").is_in(clean.reports["report_id"])) for n, f in got.frames.items()
    }
    for name, frame in _without_seconds(clean.frames).items():  # the seeds beside it are exact
        assert _without_seconds(seeds)[name].equals(frame), name

    hanging_parser.clear()
    read_corpus(root, jobs=1, cache_dir=tmp_path / "cache", progress=False, options={"file_timeout": 1.0})
    assert hanging_parser == ["002_hang.txt"]  # the seeds came from the cache; the stopped file did not


def test_read_report_stops_a_hanging_file(tmp_path: Path, hanging_parser: list[str]) -> None:
    path = tmp_path / "hang.txt"
    path.write_bytes(b"HANG " * 10)
    start = time.monotonic()
    frames = read_report(path, options={"file_timeout": 0.5})
    assert time.monotonic() - start < 10
    assert frames.reports["status"].item() == "failed"
    assert frames.reports["error"].item() == timelimit.timeout_message(0.5)
    assert frames.reports["report_id"].item() == report.report_id_of(path.read_bytes())
    seed = next(SEEDS.iterdir())  # and a normal file is untouched by the limit
    assert read_report(seed, options={"file_timeout": 0.5}).reports["status"].item() in ("ok", "partial")


# --- pool workers: hang, stuck in native code, crash, out of memory --------------------------------


def _wrapped(args: list[str], log: Path, *, delay: float = 0.0, mark: str = "") -> subprocess.Popen[bytes]:
    """Start the wrapped command in a session of its own; output to ``log`` + .out / .err."""
    env = {**os.environ, "PARSE_LOG": str(log), "PARSE_DELAY": str(delay), "NIANBAO_TEST_MARK": mark}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent / "lib"), env.get("PYTHONPATH", "")])
    with log.with_suffix(".out").open("wb") as out, log.with_suffix(".err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, str(WRAPPER), *args], env=env, stdout=out, stderr=err, start_new_session=True
        )


def _text(log: Path, suffix: str) -> str:
    return log.with_suffix(suffix).read_text(encoding="utf-8")


def _hostile_corpus(root: Path) -> Path:
    """40 small reports (five seeds among them) with a misbehaving file in each of four chunks of 5."""
    root.mkdir()
    seeds = sorted(SEEDS.iterdir())
    base = seeds[1].read_text(encoding="utf-8")
    for i in range(40):
        (root / f"f{i:02d}.txt").write_text(base + f"\n{i}\n", encoding="utf-8")
    for i, seed in enumerate(seeds):
        shutil.copy(seed, root / f"f{30 + i:02d}.txt")
    for i, head in ((6, b"HANG"), (11, b"STUCK"), (17, b"DIE"), (23, b"MEM")):
        (root / f"f{i:02d}.txt").write_bytes(head + b" not a report")
    return root


def test_pool_fails_only_the_misbehaving_files_and_retries_them_next_run(tmp_path: Path) -> None:
    root = _hostile_corpus(tmp_path / "c")
    out = tmp_path / "out"
    args = ["parse", str(root), "--out", str(out), "-j", "2", "--file-timeout", "2", "--max-memory", "1"]
    start = time.monotonic()
    run = _wrapped(args, tmp_path / "log1")
    assert run.wait(timeout=180) == 0, _text(tmp_path / "log1", ".err")
    took = time.monotonic() - start
    reports = Corpus.read(out).reports
    assert reports["path"].to_list() == [f"f{i:02d}.txt" for i in range(40)]
    errors = dict(reports.filter(pl.col("status") == "failed").select("path", "error").iter_rows())
    assert errors == {
        "f06.txt": timelimit.timeout_message(2.0),
        "f11.txt": timelimit.timeout_message(2.0),
        "f17.txt": watchdog.crash_message(2**30),
        "f23.txt": timelimit.memory_message(2**30),
    }, errors
    assert took < 120, took  # each stop takes the limit plus a second, not forever

    alone = {p.name: read_report(root / p.name) for p in sorted(root.iterdir()) if p.name >= "f30"}
    for name, frames in alone.items():  # the seeds beside them are exact
        row = reports.filter(pl.col("path") == name).drop("parse_seconds", "path")
        assert row.equals(frames.reports.drop("parse_seconds", "path")), name

    log2 = tmp_path / "log2"
    again = _wrapped(args, log2)
    assert again.wait(timeout=180) == 0, _text(log2, ".err")
    assert sorted(set(log2.read_text(encoding="utf-8").split())) == sorted(errors)  # only those are retried
    assert Corpus.read(out).reports.drop("parse_seconds").equals(reports.drop("parse_seconds"))


# --- the coordinator killed or interrupted ------------------------------------------------------


def _marked(mark: str) -> list[int]:
    """Pids of live processes whose environment carries ``mark``."""
    found = []
    needle = f"NIANBAO_TEST_MARK={mark}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in environ.split(b"\0") and state != "Z":
            found.append(int(proc.name))
    return found


def _cached(cache: Path) -> set[str]:
    versions = [p for p in cache.iterdir() if p.is_dir()] if cache.is_dir() else []
    if len(versions) != 1:
        return set()
    return set(ResultCache(cache, versions[0].name).index()[KEY_COLUMN].to_list())


def _wait_until_cached(run: subprocess.Popen[bytes], cache: Path, at_least: int) -> None:
    deadline = time.monotonic() + 120
    while len(_cached(cache)) < at_least:
        assert run.poll() is None, "the run finished before it could be stopped; slow it down"
        assert time.monotonic() < deadline, "nothing was cached in time"
        time.sleep(0.05)


def _gone(mark: str, within: float = 15.0) -> list[int]:
    deadline = time.monotonic() + within
    while (left := _marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_the_command_leaves_no_worker_and_the_next_run_resumes(tmp_path: Path) -> None:
    root = tmp_path / "c"
    root.mkdir()
    base = sorted(SEEDS.iterdir())[1].read_text(encoding="utf-8")
    for i in range(120):
        (root / f"f{i:03d}.txt").write_text(base + f"\n{i}\n", encoding="utf-8")
    out, mark = tmp_path / "out", uuid.uuid4().hex
    args = ["parse", str(root), "--out", str(out), "-j", "2"]
    killed = _wrapped(args, tmp_path / "log1", delay=0.05, mark=mark)
    _wait_until_cached(killed, out / ".cache", 1)
    assert len(_marked(mark)) >= 3  # the command and its two workers (and multiprocessing's tracker)
    os.kill(killed.pid, signal.SIGKILL)  # the command alone, not its process group
    killed.wait(timeout=30)
    assert _gone(mark) == [], "worker processes outlived the killed command"

    resumed = _wrapped(args, tmp_path / "log2")
    assert resumed.wait(timeout=300) == 0, _text(tmp_path / "log2", ".err")
    clean = read_corpus(root, jobs=1, cache=False, progress=False)
    got = Corpus.read(out)
    for name, frame in clean.frames.items():
        assert (
            got.frames[name]
            .drop("parse_seconds", strict=False)
            .equals(frame.drop("parse_seconds", strict=False))
        ), name


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_exits_130_without_traceback_keeping_finished_work(tmp_path: Path) -> None:
    root = tmp_path / "c"
    root.mkdir()
    base = sorted(SEEDS.iterdir())[1].read_text(encoding="utf-8")
    for i in range(120):
        (root / f"f{i:03d}.txt").write_text(base + f"\n{i}\n", encoding="utf-8")
    out, mark, log = tmp_path / "out", uuid.uuid4().hex, tmp_path / "log1"
    args = ["parse", str(root), "--out", str(out), "-j", "2"]
    run = _wrapped(args, log, delay=0.05, mark=mark)
    _wait_until_cached(run, out / ".cache", 1)
    os.killpg(run.pid, signal.SIGINT)  # as a terminal does: to the whole foreground group
    assert run.wait(timeout=60) == 130
    err = _text(log, ".err")
    assert "interrupted" in err, err
    assert "Traceback" not in err, err
    assert _gone(mark) == []
    cached = _cached(out / ".cache")
    parsed_before = set(log.read_text(encoding="utf-8").split())
    assert 0 < len(cached) < 120
    assert len(parsed_before) < 120

    log2 = tmp_path / "log2"
    resumed = _wrapped(args, log2)
    assert resumed.wait(timeout=300) == 0, _text(log2, ".err")
    assert len(set(log2.read_text(encoding="utf-8").split())) == 120 - len(cached)
    assert Corpus.read(out).reports["path"].to_list() == [f"f{i:03d}.txt" for i in range(120)]


def test_dask_worker_threads_stop_a_hanging_file(tmp_path: Path, hanging_parser: list[str]) -> None:
    """On dask the work runs in worker threads: the watcher thread stops the file there."""
    distributed = pytest.importorskip("distributed")
    root = _seeds_and(tmp_path / "c", {"002_hang.txt": b"HANG " * 100})
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as client:
        start = time.monotonic()
        got = read_corpus(
            root, executor="dask", client=client, cache=False, progress=False, options={"file_timeout": 1.0}
        )
    assert time.monotonic() - start < 60
    failed = dict(got.reports.filter(pl.col("status") == "failed").select("path", "error").iter_rows())
    assert failed == {"002_hang.txt": timelimit.timeout_message(1.0)}
    assert got.reports.height == 6
