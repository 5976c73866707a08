"""Benchmark the pages at scale: each page's size and render time on a 10,000-report corpus against
the demo corpus, in one run.

    python benchmarks/bench_pages.py [--reports 10000] [--root /tmp/nianbao-pages] [--no-write]

Two synthetic corpora are generated once under ``--root`` (``nianbao.synth.generate``, seed 2024,
10% damaged): the demo corpus of ``make report`` (300 reports; txt, html, docx, pdf) and a large
one (``--reports``, one seed: ~1,430 organs in ~116 counties at 10,000; text and HTML with one PDF
and one DOCX in 32). Each is parsed with ``nianbao parse --jobs 2`` and rendered with ``nianbao
report``'s pipeline one notebook at a time (``run_report(jobs=1)``), so each page's seconds are its
own. The table gives every page's size and render seconds on both corpora and their ratios; the
targets (issue 20) are under 5 MB and under 60 s per page at 10,000 reports. Render times on this
shared 2-core machine vary with its load (printed): compare the ratios of one run.

It prints the figures and writes them to a section of ``benchmarks/RESULTS.md`` (its own section:
the rest of the file is left as it is).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from results_file import git_commit, write_section  # beside this script

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
SECTION = "## Pages at scale: size and render time per page (`benchmarks/bench_pages.py`, issue 20)"
SEED = 2024
DEMO_FORMATS = ("txt", "html", "docx", "pdf")
BIG_FORMATS = ("txt", "html") * 15 + ("pdf", "docx")
MAX_BYTES = 5_000_000
MAX_SECONDS = 60.0


def corpus(root: Path, name: str, reports: int, formats: tuple[str, ...]) -> Path:
    """``root/name``: a synthetic corpus (generated once; its manifest is written last)."""
    from nianbao.synth.generate import generate

    folder = root / name
    if not (folder / "manifest.json").is_file():
        start = time.perf_counter()
        generate(str(folder), reports, formats=formats, seed=SEED, damage_rate=0.1)
        print(f"  generated {name}: {reports:,} reports in {time.perf_counter() - start:.0f} s", flush=True)
    return folder


def parse(folder: Path, out: Path) -> Path:
    """``nianbao parse FOLDER --out OUT --jobs 2`` (the cache makes a re-run quick)."""
    if not (out / "reports.parquet").is_file():
        command = [sys.executable, "-c", "from nianbao.cli import main; main()", "parse", str(folder)]
        subprocess.run([*command, "--out", str(out), "--jobs", "2"], check=True, capture_output=True)
    return out


def render(parsed: Path, corpus_dir: Path, out: Path) -> dict[str, tuple[int, float]]:
    """Every notebook rendered on ``parsed``, one at a time: page -> (bytes, seconds)."""
    from nianbao.render.pipeline import run_report

    pages = run_report(parsed, out, jobs=1, corpus=corpus_dir, progress=lambda _line: None)
    failed = [p.describe() for p in pages if not p.ok]
    if failed:
        raise SystemExit(f"a page failed: {failed}")
    return {p.name: (p.size, p.seconds) for p in pages}


def organs(parsed: Path) -> tuple[int, int, int]:
    """Reports, organs and counties of a parsed corpus."""
    from nianbao.analysis.selection import load

    reports = load(parsed).reports
    counties = reports.select("province", "city", "county").drop_nulls().unique().height
    return reports.height, reports["organ_id"].drop_nulls().n_unique(), counties


def run(args: argparse.Namespace) -> list[str]:
    root = Path(args.root)
    root.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()[0]
    start = time.perf_counter()
    demo = corpus(root, "demo", 300, DEMO_FORMATS)
    big = corpus(root, f"corpus-{args.reports}", args.reports, BIG_FORMATS)
    sizes = {}
    figures = {}
    for name, folder in (("demo", demo), ("big", big)):
        parsed = parse(folder, root / f"{name}-parsed")
        sizes[name] = organs(parsed)
        print(f"  rendering {name} ({sizes[name][0]:,} reports)", flush=True)
        figures[name] = render(parsed, folder, root / f"{name}-out")
    load_end = os.getloadavg()[0]
    return table(args, figures, sizes, load_start, load_end, time.perf_counter() - start)


def table(
    args: argparse.Namespace,
    figures: dict[str, dict[str, tuple[int, float]]],
    sizes: dict[str, tuple[int, int, int]],
    load_start: float,
    load_end: float,
    seconds: float,
) -> list[str]:
    demo, big = figures["demo"], figures["big"]
    met = all(big[p][0] < MAX_BYTES and big[p][1] < MAX_SECONDS for p in big)
    (dr, do, dc), (br, bo, bc) = sizes["demo"], sizes["big"]
    lines = [
        SECTION,
        "",
        f"- date: {dt.datetime.now().isoformat(timespec='minutes')}; commit `{git_commit()}`",
        f"- machine: {os.cpu_count()} cores ({platform.machine()}), Python {platform.python_version()}; "
        f"load average {load_start:.1f} at start, {load_end:.1f} at end (shared: other work inflates times)",
        f"- corpora: demo {dr:,} reports, {do:,} organs, {dc} counties; large {br:,} reports, {bo:,} organs, "
        f"{bc} counties (synthetic, seed {SEED}); whole benchmark {seconds / 60:.1f} min",
        f"- **targets met (every page < 5 MB and < 60 s at {br:,} reports): {'yes' if met else 'no'}**",
        "",
        f"| page | demo MB | demo s | {br:,} MB | {br:,} s | size ratio | time ratio | met |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for page in demo:
        (ds, dt_), (bs, bt) = demo[page], big[page]
        ok = bs < MAX_BYTES and bt < MAX_SECONDS
        lines.append(
            f"| {page} | {ds / 1e6:.2f} | {dt_:.1f} | {bs / 1e6:.2f} | {bt:.1f} | {bs / ds:.2f}x | "
            f"{bt / dt_:.2f}x | {'yes' if ok else '**no**'} |"
        )
    total_d, total_b = sum(v[1] for v in demo.values()), sum(v[1] for v in big.values())
    lines += [
        f"| all five | | {total_d:.1f} | | {total_b:.1f} | | {total_b / total_d:.2f}x | |",
        "",
        "How to read it: above `max_organs` organs (default 150) the pages pool by county (else city,",
        "province) and list every organ in drill-down tables, so a page grows with the organs only",
        "through those tables (one row per organ) and not through its charts (one row per place-year).",
        "Before the roll-up (commit `4481d5f`, the same corpus, `nianbao report`, load ~6): the five pages",
        "weighed 1.98, 8.90, 14.76, 5.43 and 1.34 MB at 10,000 reports (three over 5 MB: every organ-year in the",
        "trend charts and tables) and took 18.7, 41.5, 36.1, 12.8 and 13.8 s.",
        "",
    ]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--root", default="/tmp/nianbao-pages", help="where the corpora and pages go")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    lines = run(args)
    print()
    print("\n".join(lines))
    if not args.no_write:
        write_section(SECTION, lines)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
