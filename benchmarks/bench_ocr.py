"""OCR of scanned reports: accuracy on synthetic scans with known truth, and CPU time per page.

Scans are made by :mod:`nianbao.synth.render_scan` from the real hongze_2024.pdf (hand-checked truth,
../shared) and from generated PDF reports (their own truth): stamped, rotated, grey, noisy, JPEG'd,
turned. Figures: share of table cells read exactly; tables with a wrong cell and no warning or error
check on it (a check on the table counts, or an OCR doubt on each wrong cell: a doubt whose text is
what the cell was read as); OCR doubts (``ocr_low_confidence`` warnings); CPU seconds per page on one
core (onnxruntime runs on one thread) and the load average, since other work on a shared machine
inflates CPU time too. Run: ``python benchmarks/bench_ocr.py`` (a few minutes).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from nianbao.parse.report import parse_bytes
from nianbao.synth.generate import sample_report
from nianbao.synth.render_scan import ScanStyle, replace_by_scans, scanned
from nianbao.synth.truth import compare, truth_json

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
STYLES = {
    "clean grey": ScanStyle(),
    "stamp, 0.8°, noise 8, JPEG 75": ScanStyle(angle=0.8, noise=8, jpeg=75, stamp=True, grey=False, seed=1),
    "upside down, -1°, noise 6, JPEG 60": ScanStyle(angle=-1.0, noise=6, jpeg=60, turn=180, seed=2),
}
_TABLE = {"proactive": "table2", "applications": "table3", "litigation": "table4"}


def _cells(truth: dict[str, Any]) -> int:
    n = sum(len(m) for m in truth.get("proactive", {}).values())
    n += sum(len(v) for v in truth.get("applications", {}).values())
    return n + sum(len(v) for v in truth.get("litigation", {}).values())


def measure(
    pdf: bytes, truth: dict[str, Any], style: ScanStyle, only: list[int] | None = None
) -> dict[str, Any]:
    """Figures of one scan: of the whole PDF, or a mixed PDF with only the pages ``only`` scanned."""
    scan = replace_by_scans(pdf, style, only) if only else scanned(pdf, style)
    start = time.process_time()
    r = parse_bytes(scan, "scan.pdf")
    cpu = time.process_time() - start
    pages = len((r.report.get("ocr_pages") or "").split(",")) and _pages(r.report.get("ocr_pages"))
    found = compare(r, truth)
    wrong = [m for m in found if m.split(".", 1)[0] in _TABLE]
    flagged = {c[3].split("/")[0] for c in r.checks if c[2] in ("warning", "error")}
    doubts = [_number(c[8] or "") for c in r.checks if c[1] == "ocr_low_confidence"]
    bad_tables = {_TABLE[m.split(".", 1)[0]] for m in wrong}
    unflagged = sorted(
        t
        for t in bad_tables
        if t not in flagged and not all(_got(m) in doubts for m in wrong if _TABLE[m.split(".", 1)[0]] == t)
    )
    return {
        "cells": _cells(truth),
        "wrong": len(wrong),
        "tables_wrong": len(bad_tables),
        "tables_wrong_unflagged": len(unflagged),
        "ocr_warnings": sum(c[1] == "ocr_low_confidence" for c in r.checks),
        "pages": pages,
        "cpu_per_page": cpu / max(pages, 1),
    }


_GOT = re.compile(r"got (\S+)$")


def _got(mismatch: str) -> float | None:
    """What a wrong cell was read as, from compare's "…: expected 5, got 3" (None: not a number)."""
    m = _GOT.search(mismatch)
    try:
        return float(m.group(1)) if m else None
    except ValueError:
        return None


def _number(text: str) -> float | None:
    """A doubtful cell's text as the parser would take it: a number, or None."""
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _pages(text: str | None) -> int:
    n = 0
    for part in (text or "").split(","):
        if "-" in part:
            a, b = part.split("-")
            n += int(b) - int(a) + 1
        elif part:
            n += 1
    return n


def main() -> None:
    cases = []
    hongze = SHARED / "corpus" / "real" / "files" / "hongze_2024.pdf"
    if hongze.exists():
        truth = json.loads((SHARED / "corpus" / "real" / "expected" / "hongze_2024.json").read_text("utf-8"))
        cases += [
            (f"hongze_2024 ({name})", hongze.read_bytes(), truth, s, None) for name, s in STYLES.items()
        ]
    for seed in (2, 5):
        spec, pdf = sample_report(seed, "pdf", 2023)
        truth = {
            k: v
            for k, v in truth_json(spec).items()
            if k not in ("organ_level", "province", "city", "county")
        }
        style = ScanStyle(noise=6, jpeg=70, seed=seed)
        cases.append((f"generated seed {seed} (noise 6, JPEG 70)", pdf, truth, style, None))
        for name, rotated in STYLES.items():  # their 0.25-pt rulings, rotated and straightened again
            if rotated.angle:
                cases.append(
                    (f"generated seed {seed} ({name})", pdf, truth, replace(rotated, seed=seed), None)
                )
        if seed == 5:  # the table pages scanned, the last page typed (CPU per scanned page)
            cases.append((f"generated seed {seed}, pages 1-2 scanned, 3 typed", pdf, truth, style, [1, 2]))
    total = {"cells": 0, "wrong": 0, "tables_wrong_unflagged": 0, "pages": 0, "cpu": 0.0, "doubts": 0}
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)\n")
    print("| scan | cells exact | tables wrong / unflagged | OCR doubts | CPU s per page |")
    print("| --- | --- | --- | --- | --- |")
    for name, pdf, truth, style, only in cases:
        m = measure(pdf, truth, style, only)
        exact = 1 - m["wrong"] / m["cells"]
        print(
            f"| {name} | {exact:.2%} ({m['cells'] - m['wrong']}/{m['cells']}) | {m['tables_wrong']} / "
            f"{m['tables_wrong_unflagged']} | {m['ocr_warnings']} | {m['cpu_per_page']:.2f} |",
            flush=True,
        )
        total["cells"] += m["cells"]
        total["wrong"] += m["wrong"]
        total["tables_wrong_unflagged"] += m["tables_wrong_unflagged"]
        total["pages"] += m["pages"]
        total["doubts"] += m["ocr_warnings"]
        total["cpu"] += m["cpu_per_page"] * m["pages"]
    print(
        f"\nall: {1 - total['wrong'] / total['cells']:.2%} of {total['cells']} cells exact; "
        f"{total['tables_wrong_unflagged']} tables with a wrong cell and no check; "
        f"{total['doubts']} OCR doubts; {total['cpu'] / total['pages']:.2f} CPU s per page "
        f"({total['pages']} pages); load average at end: {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
