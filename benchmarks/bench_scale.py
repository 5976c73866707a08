"""Benchmark a 100,000-report corpus: cold parse, warm re-run, peak memory, the dask executor.

    python benchmarks/bench_scale.py [--reports 100000] [--dask-files 0] [--no-write]

The corpus is generated once under ``--root`` (default ``/tmp/nianbao-scale``) with
``nianbao.synth.generate``: ``--parts`` synthetic collections side by side (seeds ``--seed``,
``--seed`` + 1, ...), each a ``nianbao synth`` folder with its truth and ``places.csv``, because
one seed's population holds at most 1,620 organs (its place names run out), ~11,300 reports over 7 years. Each part cycles its
formats as text, HTML, text, HTML, ... with one PDF in 33 (a 3% PDF share), 10% of the reports
damaged (``nianbao synth``'s default). Every file is rendered by the generator (no copies: a
byte-identical copy would be a ``duplicate``, parsed once); the parts are rendered in parallel.

Then, in one run, on this machine:

- the cold parse as the command, ``nianbao parse CORPUS --out OUT --jobs 2``, with an empty cache:
  wall time and peak memory, sampled every 0.1 s as the sum of the resident sets of the command and
  all its children (coordinator + pool workers), and the largest single process;
- the warm re-run of the unchanged corpus as the command (with interpreter start-up) and
  in-process (``read_corpus(..., out=OUT)``), and how its time divides: it keeps the outputs
  (``nianbao.corpus.unchanged``: walk, digest of the inputs, check and load the outputs);
- the warm re-run after one file was touched (its modification time moved, its bytes the same), which
  reads and hashes that file and then assembles every frame from the cache again (walk, identify,
  assemble, organs, checks across reports, write), as the command and in-process;
- the same corpus (or its first ``--dask-files`` files) through the dask executor on a
  ``LocalCluster`` of 2 single-threaded worker processes, its frames compared for equality with
  the process pool's (``parse_seconds`` aside).

Each figure is a wall time with the CPU time it took (of the command and its children, or of the
process) and the 1-minute load average when it was taken: the machine may be shared.

``--warm-only`` repeats only the warm runs, on the corpus, cache and outputs the last full run left.
It prints the figures and writes them to a section of ``benchmarks/RESULTS.md`` (its own section:
the rest of the file is left as it is). The parser version is pinned for the run
(``NIANBAO_PARSER_VERSION``), so an edit to the source tree meanwhile does not turn a warm run cold.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from results_file import git_commit, write_section  # beside this script

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
SECTION = "## Scale: a 100,000-report corpus (`benchmarks/bench_scale.py`, issue 21)"

FORMATS = ("txt", "html") * 16 + ("pdf",)  # one PDF in 33
DAMAGE_RATE = 0.1
PEAK_TARGET_MIB = 2048.0
WARM_TARGET_SECONDS = 5.0
JOBS = 2


def _generate_part(out: str, reports: int, seed: int) -> tuple[int, float]:
    from nianbao.synth.generate import generate

    start = time.perf_counter()
    paths = generate(out, reports, formats=FORMATS, seed=seed, damage_rate=DAMAGE_RATE)
    return len(paths), time.perf_counter() - start


def corpus(root: Path, reports: int, parts: int, seed: int, workers: int = JOBS) -> Path:
    """``root/corpus-<reports>-s<seed>``: ``parts`` synthetic folders (generated once, then reused)."""
    d = root / f"corpus-{reports}-s{seed}-p{parts}"
    done = d / ".complete"
    if done.is_file():
        return d
    d.mkdir(parents=True, exist_ok=True)
    sizes = [reports // parts + (i < reports % parts) for i in range(parts)]
    # a part is whole once the generator wrote its manifest (last); an interrupted run resumes
    todo = [i for i in range(parts) if not (d / f"part-{i}" / "manifest.json").is_file()]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, min(len(todo), workers))) as pool:
        list(
            pool.map(
                _generate_part,
                [str(d / f"part-{i}") for i in todo],
                [sizes[i] for i in todo],
                [seed + i for i in todo],
            )
        )
    seconds = time.perf_counter() - start
    made = len(reports_of(d))
    note = f"the last {len(todo)} of {parts} parts" if len(todo) < parts else f"all {parts} parts"
    done.write_text(f"{made:,} reports; {note} generated in {seconds:.0f} s", encoding="utf-8")
    print(f"  generated {note} in {seconds:.0f} s; {made:,} reports", flush=True)
    return d


def reports_of(d: Path) -> list[Path]:
    """The corpus's report files (not the synth's truth files), sorted."""
    return sorted(
        p
        for part in sorted(d.glob("part-*"))
        for p in part.iterdir()
        if p.is_file() and p.suffix in {".txt", ".html", ".pdf"}
    )


class PeakMemory:
    """Samples the resident set of a process and all its descendants every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.interval = interval
        self.total = 0  # bytes: the largest sum over the tree
        self.largest = 0  # bytes: the largest single process
        self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            sizes = []
            for p in procs:
                try:
                    sizes.append(p.memory_info().rss)
                except psutil.Error:
                    continue
            if sizes:
                self.total = max(self.total, sum(sizes))
                self.largest = max(self.largest, *sizes)
                self.processes = max(self.processes, len(sizes))
            self._stop.wait(self.interval)


def command(corpus_dir: Path, out: Path, *extra: str) -> list[str]:
    exe = str(Path(sys.executable).with_name("nianbao"))
    return [exe, "parse", str(corpus_dir), "--out", str(out), "--jobs", str(JOBS), "--no-progress", *extra]


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished children of this process so far."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


LAST_CPU: list[float] = [0.0]  # CPU seconds of the last run_command (the command and its children)


def run_command(
    cmd: list[str], env: dict[str, str]
) -> tuple[float, PeakMemory, subprocess.CompletedProcess[str]]:
    start, cpu = time.perf_counter(), children_cpu()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    with PeakMemory(proc.pid) as mem:
        out, err = proc.communicate()
    seconds = time.perf_counter() - start
    LAST_CPU[0] = children_cpu() - cpu
    done = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    if proc.returncode:
        print(err, file=sys.stderr)
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode})")
    return seconds, mem, done


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def warm_phases(corpus_dir: Path, out: Path) -> dict[str, float]:
    """Where an in-process warm run's time goes, by timing the functions ``read_corpus`` calls."""
    from nianbao.corpus import run

    spent: dict[str, float] = {}
    names = {
        "walk_corpus": "walk",
        "inputs_digest": "digest of the inputs",
        "_kept": "check and load the kept outputs",
        "_run": "identify (fingerprints, cache index)",
        "_assemble": "assemble frames from the cache",
        "_resolve_organs": "organs",
        "_cross_report": "checks across reports",
        "write_frames": "write the outputs",
    }
    saved = {n: getattr(run, n) for n in names}

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def inner(*a: Any, **k: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[names[name]] = spent.get(names[name], 0.0) + time.perf_counter() - start

        return inner

    try:
        for n, fn in saved.items():
            setattr(run, n, wrap(n, fn))
        cpu = time.process_time()
        total, c = timed(lambda: run.read_corpus(corpus_dir, out=out, jobs=JOBS, progress=False))
        cpu = time.process_time() - cpu
    finally:
        for n, fn in saved.items():
            setattr(run, n, fn)
    assert c.stats.parsed == 0, c.stats
    spent["total"] = total
    spent["cpu"] = cpu
    spent["load"] = os.getloadavg()[0]
    spent["kept"] = float(c.stats.kept)
    return spent


def touch_one(corpus_dir: Path) -> None:
    """Move the first report's modification time on by a second (bytes unchanged): the next run assembles."""
    victim = reports_of(corpus_dir)[0]
    st = victim.stat()
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


def comparable(c: Any) -> dict[str, Any]:
    from nianbao.fields import FRAME_NAMES

    frames = {n: c.frames[n] for n in FRAME_NAMES}
    frames["reports"] = frames["reports"].drop("parse_seconds")
    return frames


def dask_run(corpus_dir: Path, files: int, pool_out: Path) -> tuple[str, float, float, int, bool]:
    """Parse on a LocalCluster (no cache) and compare with the pool's frames; (what, seconds, pool seconds, files, equal)."""
    import distributed
    from polars.testing import assert_frame_equal

    from nianbao.corpus.run import Corpus, read_corpus
    from nianbao.fields import FRAME_NAMES

    if files:
        inputs: Any = reports_of(corpus_dir)[:files]
        what = f"the first {len(inputs):,} report files"
        pool_seconds, pool = timed(lambda: read_corpus(inputs, jobs=JOBS, cache=False, progress=False))
    else:
        inputs, what = corpus_dir, "the whole corpus"
        pool_seconds, pool = float("nan"), Corpus.read(pool_out)  # the cold command's outputs
    with (
        distributed.LocalCluster(
            n_workers=JOBS, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        seconds, remote = timed(
            lambda: read_corpus(inputs, executor="dask", client=client, cache=False, progress=False)
        )
    got, want = comparable(remote), comparable(pool)
    equal = True
    for name in FRAME_NAMES:
        try:
            assert_frame_equal(got[name], want[name])
        except AssertionError as e:
            print(f"  dask and pool differ in {name}: {e}", flush=True)
            equal = False
    return what, seconds, pool_seconds, remote.reports.height, equal


def corpus_facts(d: Path) -> dict[str, Any]:
    files = reports_of(d)
    by_format: dict[str, int] = {}
    for p in files:
        by_format[p.suffix[1:]] = by_format.get(p.suffix[1:], 0) + 1
    size = sum(p.stat().st_size for p in files)
    return {"files": len(files), "by_format": by_format, "gib": size / 1024**3}


def load_memory(out: Path, env: dict[str, str]) -> tuple[float, PeakMemory]:
    """Time and peak memory of what a notebook does first: ``nianbao.analysis.selection.load(OUT)``."""
    code = f"from nianbao.analysis.selection import load; load({str(out)!r})"
    seconds, mem, _ = run_command([sys.executable, "-c", code], env)
    return seconds, mem


DASK_KEYS = ("dask_at", "dask_what", "dask", "dask_pool", "dask_equal", "dask_cold")


def cold_stage(
    d: Path, work: Path, env: dict[str, str], args: argparse.Namespace, kept: dict[str, Any]
) -> dict[str, Any]:
    """The cold command, then the dask run compared with its outputs (kept in ``work/cold-out``).

    ``kept``: the dask figures of the previous full run, reused with ``--keep-dask``.
    """
    out = work / "out"
    load = os.getloadavg()[0]
    cold, mem, proc = run_command(command(d, out), env)
    cpu = LAST_CPU[0]
    print(f"  cold: {cold:.0f} s, peak {mem.total / 1024**2:,.0f} MiB (all processes)", flush=True)
    print("  " + proc.stdout.strip().replace("\n", "\n  "), flush=True)
    shutil.copytree(out, work / "cold-out", ignore=shutil.ignore_patterns(".*"))
    r = {
        "cold_at": stamp(),
        "cold": cold,
        "cold_cpu": cpu,
        "cold_load": load,
        "cold_mib": mem.total / 1024**2,
        "cold_largest_mib": mem.largest / 1024**2,
        "cold_processes": mem.processes,
    }
    if kept:
        print(
            f"  dask: kept from {kept['dask_at']}: {kept['dask_what']}, equal: {kept['dask_equal']}",
            flush=True,
        )
        return r | kept
    what, dask_s, pool_s, _, equal = dask_run(d, args.dask_files, work / "cold-out")
    print(f"  dask: {what}, {dask_s:.0f} s, frames equal: {equal}", flush=True)
    return r | {
        "dask_at": stamp(),
        "dask_what": what,
        "dask": dask_s,
        "dask_pool": pool_s,
        "dask_equal": equal,
        "dask_cold": cold,
    }


def warm_stage(d: Path, work: Path, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """Warm runs on the cold run's cache (one file touched, then unchanged); outputs compared with the cold run's."""
    from polars.testing import assert_frame_equal

    from nianbao.corpus.run import Corpus
    from nianbao.fields import FRAME_NAMES

    out = work / "out"

    def commands(touch: bool) -> list[dict[str, float]]:
        runs = []
        for _ in range(args.repeat):
            if touch:
                touch_one(d)
            load = os.getloadavg()[0]
            seconds, mem, proc = run_command(command(d, out), env)
            assert " 0 parsed" in proc.stdout, proc.stdout
            assert ("kept:" in proc.stdout) != touch, proc.stdout
            runs.append({"wall": seconds, "cpu": LAST_CPU[0], "load": load, "mib": mem.total / 1024**2})
        return runs

    touched_cli = commands(touch=True)
    touched = []
    for _ in range(args.repeat):
        touch_one(d)
        touched.append(warm_phases(d, out))
    warm_cli = commands(touch=False)
    startup = min(
        timed(lambda: subprocess.run([command(d, out)[0], "--help"], capture_output=True, check=False))[0]
        for _ in range(3)
    )
    phases = [warm_phases(d, out) for _ in range(args.repeat)]
    assert all(p["kept"] for p in phases), "an unchanged in-process re-run did not keep the outputs"
    assert not any(p["kept"] for p in touched), "a re-run after a touch kept the outputs"
    got, want = comparable(Corpus.read(out)), comparable(Corpus.read(work / "cold-out"))
    for name in FRAME_NAMES:
        assert_frame_equal(got[name], want[name])
    load_s, load_mem = load_memory(out, env)
    best = min(phases, key=lambda p: p["total"])
    print(f"  warm: command {_walls(warm_cli)} s; in-process {best}", flush=True)
    print(f"  one file touched: command {_walls(touched_cli)} s", flush=True)
    return {
        "warm_at": stamp(),
        "warm_runs_cli": warm_cli,
        "touched_cli": touched_cli,
        "startup": startup,
        "phases": best,
        "touched_phases": min(touched, key=lambda p: p["total"]),
        "warm_runs": len(phases),
        "load": load_s,
        "load_mib": load_mem.total / 1024**2,
        "rows": {n: got[n].height for n in FRAME_NAMES},
    }


CODE: list[str] = []  # the commit whose code this run loaded (HEAD may move while a stage runs)


def stamp() -> str:
    load = os.getloadavg()[0]
    code = CODE[0] if CODE else git_commit()
    return f"{dt.datetime.now().isoformat(timespec='minutes')}, commit `{code}`, load {load:.1f}"


def run(args: argparse.Namespace) -> list[str]:
    from nianbao.corpus.cache import parser_version

    CODE[:] = [git_commit()]
    root = Path(args.root)
    d = corpus(root, args.reports, args.parts, args.seed)
    work = root / "run"
    saved = work / "results.json"
    kept: dict[str, Any] = {}
    if args.keep_dask:
        before = json.loads(saved.read_text(encoding="utf-8"))
        before.setdefault("dask_at", before.get("cold_at"))  # runs before these were recorded
        before.setdefault("dask_cold", before.get("cold"))
        kept = {k: before[k] for k in DASK_KEYS}
    if args.warm_only:
        r = json.loads(saved.read_text(encoding="utf-8"))
    else:
        last = json.loads(saved.read_text(encoding="utf-8")) if saved.is_file() else {}
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        r = {"version": parser_version(), "corpus": corpus_facts(d), "dir": str(d)}
        if "warm_runs_cli" in last:  # the run before this one, for "met in two consecutive runs"
            r["before"] = headline(last)
    # pinned: the warm runs use the cold run's cache even if the source tree changed since
    env = {**os.environ, "NIANBAO_PARSER_VERSION": r["version"]}
    os.environ["NIANBAO_PARSER_VERSION"] = r["version"]
    facts = r["corpus"]
    print(f"corpus: {facts} in {d}", flush=True)
    if not args.warm_only:
        r |= cold_stage(d, work, env, args, kept)
        saved.write_text(json.dumps(r, indent=1), encoding="utf-8")
    r |= warm_stage(d, work, env, args)
    saved.write_text(json.dumps(r, indent=1), encoding="utf-8")
    return render(r, args, (d / ".complete").read_text(encoding="utf-8").strip())


def headline(r: dict[str, Any]) -> dict[str, Any]:
    """A full run's target figures, kept by the next full run."""
    best = min(r["warm_runs_cli"], key=lambda x: x["wall"])
    return {
        "cold_at": r["cold_at"],
        "warm_at": r["warm_at"],
        "cold_mib": r["cold_mib"],
        "warm": best["wall"],
        "warm_cpu": best["cpu"],
        "warm_load": best["load"],
        "in_process": r["phases"]["total"],
    }


def _before(b: dict[str, Any]) -> list[str]:
    if not b:
        return []
    return [
        f"The full run before this one (cold run {b['cold_at']}; warm runs {b['warm_at']}): cold peak "
        f"{b['cold_mib']:,.0f} MiB, the unchanged warm re-run {b['warm']:.2f} s wall, {b['warm_cpu']:.2f} s CPU "
        f"as the command at load {b['warm_load']:.1f}, {b['in_process']:.2f} s in-process.",
        "",
    ]


def _walls(runs: list[dict[str, float]]) -> str:
    return ", ".join(f"{r['wall']:.2f}" for r in runs)


def _runs(runs: list[dict[str, float]]) -> str:
    """Best of the command runs by wall time, with its CPU time and load, then all wall times."""
    best = min(runs, key=lambda r: r["wall"])
    return (
        f"{best['wall']:.2f} s wall, {best['cpu']:.2f} s CPU, load {best['load']:.1f} (best of {len(runs)}; "
        f"all: {_walls(runs)} s)"
    )


def _phases(ph: dict[str, float], runs: int) -> list[str]:
    rows = [
        f"{ph['total']:.2f} s wall, {ph['cpu']:.2f} s CPU, load {ph['load']:.1f} (best of {runs}) | | |",
    ]
    rows += [
        f"| &nbsp;&nbsp;of which {name} | {seconds:.2f} s ({seconds / ph['total']:.0%}) | | |"
        for name, seconds in ph.items()
        if name not in {"total", "cpu", "load", "kept"}
    ]
    return rows


def render(r: dict[str, Any], args: argparse.Namespace, made: str) -> list[str]:
    facts, ph, tph = r["corpus"], r["phases"], r["touched_phases"]
    warm = min(x["wall"] for x in r["warm_runs_cli"])
    warm_cpu = min(x["cpu"] for x in r["warm_runs_cli"])
    rows = r["rows"]
    dask = f"{r['dask']:.0f} s " + (
        f"(pool, same files, no cache: {r['dask_pool']:.0f} s; dask / pool {r['dask'] / r['dask_pool']:.2f})"
        if not math.isnan(r["dask_pool"])
        else f"(dask / the cold pool command of that run: {r['dask'] / r.get('dask_cold', r['cold']):.2f})"
    )
    in_process = _phases(ph, r["warm_runs"])
    touched = _phases(tph, r["warm_runs"])
    lines = [
        SECTION,
        "",
        f"Corpus: {facts['files']:,} generated reports "
        f"({', '.join(f'{n:,} {f}' for f, n in sorted(facts['by_format'].items()))}; {facts['gib']:.2f} GiB; "
        f"frames of {', '.join(f'{n:,} {k}' for k, n in rows.items())} rows), {args.parts} `nianbao synth` "
        f"folders side by side (seeds {args.seed}-{args.seed + args.parts - 1}; one seed holds at most ~11,300 "
        f"reports), 10% damaged; generated in parallel, every file rendered ({made}). Machine: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, shared with other work: each figure "
        "gives its wall time, the CPU time it took (the command and its children; in-process, the process's "
        "threads) and the 1-minute load average then; on a busy machine the wall time is inflated by the load, "
        f"the CPU time much less. Cold run: {r['cold_at']}; dask: {r.get('dask_at', r['cold_at'])}; warm runs: "
        f"{r['warm_at']} (on the cold "
        "run's cache, parser version pinned; their outputs compared equal to the cold run's). An unchanged "
        "re-run keeps the outputs (`nianbao.corpus.unchanged`: the digest of every input's path and `stat` "
        "fingerprint, the options and the crosswalk and corrections files matches the one the outputs were "
        "written with); after one file is touched (modification time moved, bytes the same) a re-run reads "
        "and hashes that file and assembles every frame from the cache again.",
        "",
        "| metric | value | target | met |",
        "| --- | --- | --- | --- |",
        f"| cold `nianbao parse --jobs {JOBS}`, empty cache | {r['cold']:.0f} s wall "
        f"({facts['files'] / r['cold'] / JOBS:,.0f} reports/s per core), "
        f"{r.get('cold_cpu', math.nan):,.0f} s CPU, load {r.get('cold_load', math.nan):.1f} | | |",
        f"| peak memory of the cold run, all processes (sum of resident sets, {r['cold_processes']} processes) "
        f"| {r['cold_mib']:,.0f} MiB (largest one {r['cold_largest_mib']:,.0f} MiB) "
        f"| < {PEAK_TARGET_MIB:,.0f} MiB | {_yes(r['cold_mib'] < PEAK_TARGET_MIB)} |",
        f"| warm re-run, unchanged corpus, as the command (with interpreter start-up) "
        f"| {_runs(r['warm_runs_cli'])} "
        f"| < {WARM_TARGET_SECONDS:.0f} s | {_yes(warm < WARM_TARGET_SECONDS)} "
        f"(CPU {_yes(warm_cpu < WARM_TARGET_SECONDS)}) |",
        f"| of which interpreter start-up and imports (`nianbao --help`, best of 3) | {r['startup']:.2f} s | | |",
        f"| peak memory of the warm command, all processes | "
        f"{max(x['mib'] for x in r['warm_runs_cli']):,.0f} MiB | | |",
        f"| warm re-run in-process (`read_corpus(CORPUS, out=OUT)`) | {in_process[0]}",
        *in_process[1:],
        f"| warm re-run after one file was touched, as the command | {_runs(r['touched_cli'])} | | |",
        f"| peak memory of that command, all processes | "
        f"{max(x['mib'] for x in r['touched_cli']):,.0f} MiB | | |",
        f"| the same in-process | {touched[0]}",
        *touched[1:],
        f"| warm command / cold command | {warm / r['cold']:.3f} | | |",
        f"| a notebook's `nianbao.analysis.selection.load(OUT)` (collects the five frames) | {r['load']:.1f} s, "
        f"peak {r['load_mib']:,.0f} MiB | | |",
        f"| dask LocalCluster ({JOBS} workers x 1 thread, no cache), {r['dask_what']} | {dask} "
        f"| frames identical to the pool's | {_yes(r['dask_equal'])} |",
        *(
            [
                f"| the same, {r['dask_recent_what']} ({r['dask_recent_at']}) | {r['dask_recent']:.0f} s "
                f"(pool, same files, no cache: {r['dask_recent_pool']:.0f} s) "
                f"| frames identical to the pool's | {_yes(r['dask_recent_equal'])} |"
            ]
            if "dask_recent" in r
            else []
        ),
        "",
        *_before(r.get("before", {})),
        "Re-measure the warm runs alone on the corpus, cache and outputs the last full run left: "
        "`PYTHONPATH=lib .venv/bin/python benchmarks/bench_scale.py --warm-only`.",
        "",
    ]
    return lines


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--parts", type=int, default=9, help="synthetic folders (one seed each)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument(
        "--root", default="/tmp/nianbao-scale", help="where the corpus and the run's files go"
    )
    parser.add_argument(
        "--dask-files",
        type=int,
        default=0,
        help="parse only the first N report files on dask (0: the whole corpus)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="warm runs (the fastest counts)")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--generate-workers", type=int, default=JOBS, help="processes rendering parts")
    parser.add_argument(
        "--warm-only",
        action="store_true",
        help="only the warm runs, on the last full run's cache and outputs (after changing the warm path)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument(
        "--keep-dask",
        action="store_true",
        help="a full run that reuses the previous full run's dask figures instead of running dask again",
    )
    args = parser.parse_args(argv)
    if args.generate_only:
        print(corpus(Path(args.root), args.reports, args.parts, args.seed, args.generate_workers))
        return
    lines = run(args)
    print()
    print("\n".join(lines))
    if not args.no_write:
        write_section(SECTION, lines)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
