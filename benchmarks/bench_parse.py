"""Benchmark the corpus layer: throughput per format, pool speed-up, PDF cost, warm re-run, peak memory.

    python benchmarks/bench_parse.py [--reports 10000] [--pdfs 200] [--docx 200] [--speedup-files 2000]

Generates a synthetic corpus with ``nianbao.synth.generate`` (cached under ``benchmarks/.cache/``,
git-ignored), then measures in one run, on this machine:

- reports/s per core for txt, HTML, DOCX and PDF: files / wall time / cores, parsing with ``--jobs``
  = all cores (so pool start-up, hashing, caching and output assembly are included); each format is
  parsed ``--repeat`` times from a cold cache and the fastest run counts (the machine is shared: other
  work only ever slows a run down, so the minimum is the best estimate, as ``timeit`` advises);
- the speed-up of ``--jobs 2`` over ``--jobs 1`` on the same text files (no cache);
- our PDF path's time over bare ``pdfminer.high_level.extract_text`` on the same files (one process),
  with the default engine (PDFium) and with ``engine="pdfminer"``;
- DOCX documents/s of the reader alone and of ``parse_bytes`` (one process, CPU time);
- the warm re-run of the whole unchanged corpus, in-process (``read_corpus``) and as the command;
- peak RSS of this process and of the largest worker.

It prints the table and writes it to ``benchmarks/RESULTS.md`` with the core count and load. Not a
test: numbers depend on the machine and on what else runs on it (the load average is recorded).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from results_file import git_commit  # beside this script

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RESULTS = HERE / "RESULTS.md"

TARGETS = {"txt": 500.0, "html": 300.0}  # reports/s per core
PDF_RATIO_TARGET = 0.15  # the default engine (PDFium) over bare pdfminer extract_text (issue 21)
PDFMINER_RATIO_TARGET = 1.0  # the pdfminer engine, the fallback
DOCX_RATE_TARGET = 100.0  # documents/s per core, reader alone and parse_bytes
WARM_TARGET_SECONDS = 3.0
RSS_TARGET_MIB = 1024.0


@dataclass
class Row:
    metric: str
    value: str
    target: str = ""
    ok: bool | None = None

    def cells(self) -> list[str]:
        verdict = "" if self.ok is None else ("yes" if self.ok else "**no**")
        return [self.metric, self.value, self.target, verdict]


def corpus(fmt: str, n: int, seed: int) -> Path:
    """A directory of ``n`` synthetic ``fmt`` reports (generated once, then reused)."""
    from nianbao.synth.generate import generate

    d = CACHE / "corpus" / f"{fmt}-{n}-s{seed}"
    reports = d / "reports"
    if (d / ".complete").is_file():
        return reports
    shutil.rmtree(d, ignore_errors=True)
    start = time.perf_counter()
    paths = generate(d / "generated", n, formats=(fmt,), seed=seed)
    reports.mkdir(parents=True)
    for p in paths:  # only the reports: ground truth and manifests stay beside them
        p.rename(reports / p.name)
    (d / ".complete").write_text(f"{len(paths)}\n")
    print(f"  generated {len(paths)} {fmt} reports in {time.perf_counter() - start:.0f} s", flush=True)
    return reports


def files_of(d: Path) -> list[Path]:
    return sorted(p for p in d.iterdir() if p.is_file())


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def parse(files: list[Path], jobs: int, cache_dir: Path | None) -> tuple[float, object]:
    from nianbao.corpus.run import read_corpus

    return timed(
        lambda: read_corpus(
            files, jobs=jobs, cache=cache_dir is not None, cache_dir=cache_dir, progress=False
        )
    )


def bare_pdfminer(files: list[Path]) -> tuple[float, int]:
    """Time plain text extraction; returns seconds and how many files pdfminer refused."""
    from pdfminer.high_level import extract_text

    refused = 0
    start = time.perf_counter()
    for p in files:
        try:
            extract_text(p)
        except Exception:
            refused += 1
    return time.perf_counter() - start, refused


def docx_rates(files: list[Path], repeat: int = 3) -> list[Row]:
    """Documents/s of ``read_docx`` alone and of ``parse_bytes``, one process, best CPU of ``repeat``
    (measured as ``bench_pdf_reader.py`` measures them)."""
    from bench_pdf_reader import docx_rates as rates  # beside this script: one measurement, two reports

    datas = [p.read_bytes() for p in files]
    target = f">= {DOCX_RATE_TARGET:.0f}"
    return [
        Row(
            f"docx: {name} documents/s, one process ({len(datas)} files, CPU)",
            f"{rate:.1f}",
            target,
            rate >= DOCX_RATE_TARGET,
        )
        for name, rate in rates(datas, repeat).items()
    ]


def peak_rss_mib() -> tuple[float, float]:
    """Peak resident set of this process and of the largest finished child, in MiB (Linux: KiB units)."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu_seconds() -> float:
    """CPU of finished child processes (a run's pool workers are joined when it returns)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def status_counts(c: object) -> str:
    reports = c.reports  # type: ignore[attr-defined]
    return ", ".join(f"{k} {v}" for k, v in sorted(reports["status"].value_counts().iter_rows()))


def byte_compile() -> None:
    """Compile the library's modules now, as an install does (``make`` runs compileall).

    With PYTHONDONTWRITEBYTECODE set (as on some machines) and a source edited since install, every
    spawned worker would otherwise compile the stale modules again, and the benchmark would time that.
    """
    import compileall

    import nianbao

    compileall.compile_dir(Path(nianbao.__file__).parent, quiet=1)


def run(args: argparse.Namespace) -> list[Row]:
    from nianbao.corpus.cache import parser_version
    from nianbao.corpus.run import read_corpus

    byte_compile()
    cores = os.cpu_count() or 1
    per_format = {"txt": args.reports // 2, "html": args.reports - args.reports // 2, "docx": args.docx}
    per_format["pdf"] = args.pdfs
    print(f"corpus: {per_format} (seed {args.seed}), {cores} cores, parser {parser_version()}", flush=True)
    # a seed per format: organs and years differ between the format corpora, as in a real collection
    dirs = {fmt: corpus(fmt, n, args.seed + i) for i, (fmt, n) in enumerate(per_format.items()) if n}
    work = CACHE / "run"
    shutil.rmtree(work, ignore_errors=True)
    result_cache = work / "cache"
    rows: list[Row] = []

    for fmt, d in dirs.items():
        files = files_of(d)
        # Each try parses the files from a cold cache of its own (the first try's cache is kept for
        # the warm re-run below); the fastest try is the one least disturbed by other work.
        tries = []
        for i in range(args.repeat):
            try_cache = result_cache if i == 0 else work / f"cache-try-{i}"
            cpu_before, kids_before = own_cpu_seconds(), children_cpu_seconds()
            seconds, c = parse(files, cores, try_cache)
            own = own_cpu_seconds() - cpu_before
            kids = children_cpu_seconds() - kids_before
            tries.append((seconds, own / len(files) * 1000, (own + kids) / len(files) * 1000))
            if i:
                shutil.rmtree(try_cache, ignore_errors=True)
        seconds, own_ms, all_ms = min(tries)
        rate = len(files) / seconds / cores
        rates = sorted(len(files) / s / cores for s, *_ in tries)
        target = TARGETS.get(fmt)
        spread = (
            f" (best of {len(tries)}; all: {', '.join(f'{r:,.0f}' for r in rates)})" if len(tries) > 1 else ""
        )
        rows.append(
            Row(
                f"{fmt}: reports/s per core ({len(files)} files, --jobs {cores})",
                f"{rate:,.1f}{spread}",
                f">= {target:,.0f}" if target else "",
                None if target is None else rate >= target,
            )
        )
        if fmt == "txt":
            rows.append(
                Row(
                    "txt: CPU per file of the coordinating process (walk, hash, dispatch, cache, assemble)",
                    f"{own_ms:.2f} ms",
                )
            )
        rows.append(
            Row(
                f"{fmt}: CPU per file, all processes (coordinator + workers, same run)",
                f"{all_ms:.2f} ms (1000 / CPU = {1000 / all_ms:,.0f} reports/s per core if the cores were free)",
            )
        )
        print(
            f"  {fmt}: {len(files)} files in {seconds:.1f} s -> {rate:.1f}/s per core{spread} [{status_counts(c)}]",
            flush=True,
        )

    if "txt" in dirs:
        sample = files_of(dirs["txt"])[: args.speedup_files]
        one, _ = parse(sample, 1, None)
        two, _ = parse(sample, 2, None)
        rows.append(
            Row(f"txt: reports/s, one process ({len(sample)} files, --jobs 1)", f"{len(sample) / one:,.1f}")
        )
        rows.append(
            Row("speed-up of --jobs 2 over --jobs 1", f"{one / two:.2f}x", "close to 2x on 2 free cores")
        )
        print(f"  jobs 1: {one:.1f} s, jobs 2: {two:.1f} s", flush=True)

    if "pdf" in dirs:
        pdfs = files_of(dirs["pdf"])
        ours, c = parse(pdfs, 1, None)
        miner, c = timed(
            lambda: read_corpus(
                pdfs, jobs=1, cache=False, progress=False, options={"pdf": {"engine": "pdfminer"}}
            )
        )
        bare, refused = bare_pdfminer(pdfs)
        ratio = ours / bare
        rows.append(
            Row(
                f"PDF: our path (PDFium engine) / bare pdfminer extract_text ({len(pdfs)} files, one process)",
                f"{ratio:.3f} ({ours:.1f} s / {bare:.1f} s)",
                f"<= {PDF_RATIO_TARGET:.2f}",
                ratio <= PDF_RATIO_TARGET,
            )
        )
        rows.append(
            Row(
                "PDF: our path with engine=pdfminer / bare pdfminer extract_text (same files)",
                f"{miner / bare:.3f} ({miner:.1f} s)",
                f"<= {PDFMINER_RATIO_TARGET:.1f}",
                miner / bare <= PDFMINER_RATIO_TARGET,
            )
        )
        print(
            f"  pdf: ours {ours:.1f} s, pdfminer engine {miner:.1f} s, bare {bare:.1f} s ({refused} refused)"
        )

    if "docx" in dirs:
        rows += docx_rates(files_of(dirs["docx"]))

    every = [p for d in dirs.values() for p in files_of(d)]
    out = work / "out"
    warm, c = timed(lambda: read_corpus(list(dirs.values()), out=out, cache_dir=result_cache, progress=False))
    stats = c.stats  # type: ignore[attr-defined]
    assert stats.parsed == 0, f"warm run parsed {stats.parsed} files: the cache missed"
    rows.append(
        Row(
            f"warm re-run, unchanged corpus ({len(every)} files, read_corpus + write outputs)",
            f"{warm:.2f} s",
            f"<= {WARM_TARGET_SECONDS:.0f} s",
            warm <= WARM_TARGET_SECONDS,
        )
    )
    # The command, cold then warm, on a cache of its own. The parser version is pinned to this
    # process's, so an edit to the source tree during the benchmark does not turn the warm run cold.
    command = [str(Path(sys.executable).with_name("nianbao")), "parse", *map(str, dirs.values())]
    command += ["--out", str(work / "cli-out"), "--cache-dir", str(work / "cli-cache")]
    env = {**os.environ, "NIANBAO_PARSER_VERSION": parser_version()}
    runs = []
    for _ in ("cold", "warm"):
        seconds, proc = timed(
            lambda: subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        )
        runs.append((seconds, proc))
    (cold_cli, cold_proc), (warm_cli, warm_proc) = runs
    hit = warm_proc.returncode == 0 and " 0 parsed" in warm_proc.stdout  # type: ignore[attr-defined]
    rows.append(
        Row(
            f"`nianbao parse` cold, whole corpus, --jobs {cores}",
            f"{cold_cli:.1f} s ({len(every) / cold_cli / cores:,.1f}/s per core)",
        )
    )
    rows.append(
        Row(
            "warm re-run as `nianbao parse` (with interpreter start-up)",
            f"{warm_cli:.2f} s" + ("" if hit else " (did not hit the cache!)"),
            f"<= {WARM_TARGET_SECONDS:.0f} s",
            hit and warm_cli <= WARM_TARGET_SECONDS,
        )
    )
    startup = min(
        timed(lambda: subprocess.run([command[0], "--help"], capture_output=True, check=False))[0]
        for _ in range(3)
    )
    rows.append(
        Row("of which interpreter start-up and imports (`nianbao --help`, best of 3)", f"{startup:.2f} s")
    )
    print(
        f"  warm: {warm:.2f} s in-process; command: cold {cold_cli:.1f} s, warm {warm_cli:.2f} s, "
        f"start-up {startup:.2f} s",
        flush=True,
    )
    print("  " + warm_proc.stdout.replace("\n", "\n  "), flush=True)  # type: ignore[attr-defined]
    if cold_proc.returncode:  # type: ignore[attr-defined]
        print(cold_proc.stderr, file=sys.stderr)  # type: ignore[attr-defined]

    me, kids = peak_rss_mib()
    rows.append(
        Row(
            "peak RSS of `nianbao parse` (largest child: the command cold, or a pool worker)",
            f"{kids:,.0f} MiB",
            f"<= {RSS_TARGET_MIB:,.0f} MiB",
            kids <= RSS_TARGET_MIB,
        )
    )
    rows.append(
        Row("peak RSS of this benchmark process (all runs above, in-process pdfminer)", f"{me:,.0f} MiB")
    )
    return rows


def render(rows: list[Row], args: argparse.Namespace, load: tuple[float, float], seconds: float) -> str:
    from nianbao.corpus.cache import parser_version

    cores = os.cpu_count() or 1
    verdict = all(r.ok for r in rows if r.ok is not None)
    lines = [
        "# Benchmark results: `benchmarks/bench_parse.py`",
        "",
        f"- date: {dt.datetime.now().isoformat(timespec='minutes')}; commit `{git_commit()}`; parser `{parser_version()}`",
        f"- machine: {cores} cores ({platform.machine()}, {platform.processor() or 'cpu'}), "
        f"Python {platform.python_version()}; load average {load[0]:.1f} at start, {load[1]:.1f} at end "
        "(the machine is shared: other work running inflates every time below)",
        f"- corpus: {args.reports:,} text/HTML reports (half each), {args.docx} DOCX, {args.pdfs} PDF; "
        f"synthetic, seed {args.seed}; whole benchmark {seconds / 60:.1f} min",
        f"- **targets met: {'yes' if verdict else 'no'}**",
        "",
        "| metric | value | target | met |",
        "| --- | --- | --- | --- |",
        *["| " + " | ".join(r.cells()) + " |" for r in rows],
        "",
        "How to read it:",
        "",
        "- *reports/s per core* = files / wall time / cores, parsing with `--jobs` = all cores from a cold",
        "  cache: it includes starting the worker processes (spawned, each importing the parser stack),",
        "  hashing, caching and assembling the frames, not only the per-file parser. Each format is parsed",
        "  `--repeat` times, each from an empty cache; the fastest run counts and all runs are shown.",
        "- *CPU per file, all processes* adds the coordinator's and the workers' CPU time of the same run:",
        "  it is less affected than wall time by other work on the cores (not immune: caches are shared),",
        "  so 1000 / CPU bounds what the run reaches on free cores (a --jobs 2 speed-up well under 2x: not free).",
        "- The per-file parser (`nianbao.parse.report.parse_bytes`) sets the throughput; the corpus layer's own",
        "  share is the *CPU per file of the coordinating process* row (it runs beside the workers).",
        "- The command's warm time is its in-process work plus interpreter start-up, which the",
        "  `nianbao --help` row measures alone (subcommands load on first use: `parse` imports no charts).",
        "- Where a pool run's time goes (process_time, callgrind): per txt file about 1.0 ms parsing,",
        "  0.08 ms building the chunk's frames in the worker and 0.15-0.25 ms in the coordinator (which",
        "  shares the 2 cores with the workers); per HTML file 2-2.7 ms parsing, three quarters of it",
        "  reading the page (over half of the reader's instructions are libxml2 building and freeing the",
        "  tree), and each worker's start (spawn, imports) ~0.35 s of CPU. A worker's parse costs up to a",
        "  fifth more CPU in a pool run than alone (it shares its core with the coordinator's bursts).",
        "  Runs minutes apart on the same code have differed by up to 2.5x on this shared machine (the",
        "  host's load varies): compare rows of one run, not runs.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=10_000, help="text + HTML reports (half each)")
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--docx", type=int, default=200)
    parser.add_argument(
        "--speedup-files", type=int, default=2_000, help="text files for the --jobs comparison"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="cold runs per format for the reports/s rows; the fastest counts (others are shown)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    start, load0 = time.perf_counter(), os.getloadavg()[0]
    rows = run(args)
    text = render(rows, args, (load0, os.getloadavg()[0]), time.perf_counter() - start)
    print()
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
