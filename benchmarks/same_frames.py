"""Do two output folders of ``nianbao parse`` hold the same frames? A harness for refactors of the corpus layer.

``python benchmarks/same_frames.py OUT_A OUT_B [--ignore-parse-seconds]`` loads both sets of parquet
outputs and compares every frame (the five contract frames, and ``corrections`` when either has it)
with polars ``equals`` (values, order, dtypes, nulls): exit status 0 only if all are identical.
Two cold runs differ in ``reports.parse_seconds`` (a wall time), so ``--ignore-parse-seconds``
drops that column; a warm run takes it from the cache and must match it too.

Typical use, before and after a change to the warm path::

    nianbao parse CORPUS --out /tmp/ref                        # the code before the change
    cp -r /tmp/ref/.cache /tmp/new/.cache                      # the same cache, then with the new code:
    NIANBAO_PARSER_VERSION=<ref's version> nianbao parse CORPUS --out /tmp/new
    python benchmarks/same_frames.py /tmp/ref /tmp/new
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

FRAMES = ("reports", "proactive", "applications", "litigation", "checks", "corrections")


def differences(a: Path, b: Path, ignore_parse_seconds: bool = False) -> list[str]:
    """What differs between the two folders' frames, one line per frame (empty: identical)."""
    out = []
    for name in FRAMES:
        pa, pb = a / f"{name}.parquet", b / f"{name}.parquet"
        if not pa.is_file() and not pb.is_file():
            continue
        if pa.is_file() != pb.is_file():
            out.append(f"{name}: only in {a if pa.is_file() else b}")
            continue
        fa, fb = pl.read_parquet(pa), pl.read_parquet(pb)
        if ignore_parse_seconds and name == "reports":
            fa, fb = fa.drop("parse_seconds"), fb.drop("parse_seconds")
        if fa.schema != fb.schema:
            out.append(f"{name}: schemas differ: {fa.schema} vs {fb.schema}")
        elif fa.height != fb.height:
            out.append(f"{name}: {fa.height:,} vs {fb.height:,} rows")
        elif not fa.equals(fb):
            bad = [c for c in fa.columns if not fa.get_column(c).equals(fb.get_column(c))]
            out.append(f"{name}: {fa.height:,} rows, values differ in {bad}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--ignore-parse-seconds", action="store_true")
    args = parser.parse_args(argv)
    found = differences(args.a, args.b, args.ignore_parse_seconds)
    rows = {n: pl.scan_parquet(args.a / f"{n}.parquet").select(pl.len()).collect().item() for n in FRAMES[:5]}
    if found:
        print("\n".join(found))
        return 1
    print(f"identical: {', '.join(f'{n} {k:,}' for n, k in rows.items())} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
