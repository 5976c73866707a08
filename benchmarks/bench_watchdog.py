"""Benchmark what the per-file watchdog costs a pool worker: parsing with it vs without, txt and HTML.

    python benchmarks/bench_watchdog.py [--reports 300] [--rounds 6]

Parses the same synthetic files in this process through ``parallel.parse_chunk`` (the code a pool
worker runs per chunk), with the watchdog as a pool worker has it (``file_timeout`` = 120 s: a
repeating ``SIGALRM`` checks the running file; each file's start recorded in the state the
worker shares with its coordinator) and without (``file_timeout`` infinite, no shared state). The
files go in blocks of 20, each block parsed ``--rounds`` times per arm in ABBA order; the cost is
the sum of the blocks' best times with over without (CPU time of this thread: the machine is
shared, and other work only ever slows a block down). The fixed work the watchdog adds (per file
and per chunk) is timed on its own too: on a loaded machine it is the steadier figure. The
coordinator's side (reading each worker's progress while it waits for results) runs only while
it waits, so it takes nothing from the workers. Target: at most 3% (issue 16).
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
TARGET = 0.03
BLOCK = 20

Chunk = list[tuple[str, str, bytes]]


def files(fmt: str, n: int) -> Chunk:
    """``n`` synthetic ``fmt`` reports as a chunk (generated once under benchmarks/.cache)."""
    from nianbao.corpus.cache import cache_key
    from nianbao.synth.generate import generate

    d = CACHE / "watchdog" / f"{fmt}-{n}"
    if not (d / ".complete").is_file():
        generate(d, n, formats=(fmt,), seed=16)
        (d / ".complete").write_text("")
    paths = sorted(p for p in d.iterdir() if p.suffix == f".{fmt}")
    return [(cache_key(p.read_bytes(), p.suffix), p.name, p.read_bytes()) for p in paths]


def seconds(chunk: Chunk, watched: bool) -> float:
    from nianbao.corpus import workers
    from nianbao.corpus.parallel import parse_chunk
    from nianbao.options import RunOptions

    workers._STATE[:] = [multiprocessing.RawArray("d", 4)] if watched else []
    start = time.thread_time()
    parse_chunk(chunk, RunOptions(file_timeout=120.0 if watched else float("inf")))
    took = time.thread_time() - start
    workers._STATE.clear()
    return took


def fixed_cost() -> tuple[float, float]:
    """Seconds the watchdog adds per file and per chunk, timed alone."""
    from nianbao.corpus import workers
    from nianbao.parse.timelimit import FileClock

    workers._STATE[:] = [multiprocessing.RawArray("d", 4)]
    n = 100_000
    with FileClock(120.0) as clock:
        start = time.thread_time()
        for i in range(n):
            workers.mark_file(0, i)
            clock.start()
            clock.stop()
        per_file = (time.thread_time() - start) / n
    start = time.thread_time()
    for _ in range(1000):
        with FileClock(120.0):
            pass
    per_chunk = (time.thread_time() - start) / 1000
    workers._STATE.clear()
    return per_file, per_chunk


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--reports", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args()
    from nianbao.corpus.parallel import start_worker

    start_worker()  # as in a pool worker
    per_file, per_chunk = fixed_cost()
    print(f"fixed cost: {1e6 * per_file:.2f} us per file, {1e6 * per_chunk:.1f} us per chunk")
    for fmt in ("txt", "html"):
        chunk = files(fmt, args.reports)
        seconds(chunk, False)  # warm the parser's caches
        best = {False: 0.0, True: 0.0}
        for i in range(0, len(chunk), BLOCK):
            block = chunk[i : i + BLOCK]
            got: dict[bool, list[float]] = {False: [], True: []}
            for r in range(args.rounds):
                for watched in (False, True, True, False) if r % 2 == 0 else (True, False, False, True):
                    got[watched].append(seconds(block, watched))
            for watched, times in got.items():
                best[watched] += min(times)
        cost = best[True] / best[False] - 1
        fixed = (per_file + per_chunk / 64) / (best[False] / len(chunk))
        verdict = "yes" if max(cost, fixed) <= TARGET else "NO"
        print(
            f"{fmt:5} {len(chunk)} files, {1e3 * best[False] / len(chunk):.3f} ms/file: "
            f"measured cost {100 * cost:+.2f}%, fixed cost {100 * fixed:.2f}% "
            f"(target <= {100 * TARGET:.0f}%: {verdict})"
        )


if __name__ == "__main__":
    main()
