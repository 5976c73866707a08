"""Differential test of the two PDF engines: PDFium and pdfminer.six give the same five frames.

On every generated PDF (40 from ``nianbao synth``, damage included), every real PDF under
``../shared/corpus/real`` and the hostile PDFs of issue 16, a file is parsed end to end
(``parse_bytes``) once per engine; every row of the five frames must be equal (all columns but the
time spent). The PDFs built in ``test_pdf.py`` are held to the same by its ``read_pdf``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hostile_pdf
from nianbao.options import RunOptions
from nianbao.parse.report import parse_bytes
from nianbao.read import read_document
from nianbao.read.pdf import PdfSettings
from nianbao.synth.generate import generate

SHARED = Path(__file__).parents[2] / ".." / "shared"
FRAMES = ("reports", "proactive", "applications", "litigation", "checks")
# pdfminer has no widths for a font that is null (an object referring to itself): see test_pdf.py
NOT_COMPARED = {"self_referring_font"}


def _frames(data: bytes, name: str, engine: str) -> dict[str, Any]:
    """The rows of the five frames for one file read by ``engine`` (parse time left out)."""
    result = parse_bytes(data, name, options=RunOptions(pdf=PdfSettings(engine=engine)))
    out: dict[str, Any] = {frame: result.rows(frame) for frame in FRAMES}
    report = dict(result.report)
    report.pop("parse_seconds", None)
    out["reports"] = report
    return out


def _generated(tmp: Path) -> Iterator[tuple[str, bytes]]:
    for path in generate(tmp, 40, formats=("pdf",), seed=21, damage_rate=0.3):
        yield path.name, path.read_bytes()


def _corpus(tmp: Path) -> list[tuple[str, bytes]]:
    files = list(_generated(tmp))
    real = SHARED / "corpus" / "real" / "files"
    if real.is_dir():
        files += [(p.name, p.read_bytes()) for p in sorted(real.glob("*.pdf"))]
    files += [(f"{n}.pdf", build()) for n, build in hostile_pdf.ALL.items() if n not in NOT_COMPARED]
    return files


def test_engines_give_identical_frames(tmp_path: Path) -> None:
    files = _corpus(tmp_path)
    assert len(files) >= 45
    differ = []
    statuses = set()
    for name, data in files:
        pdfium = _frames(data, name, "pdfium")
        miner = _frames(data, name, "pdfminer")
        statuses.add(miner["reports"]["status"])
        if pdfium != miner:
            frames = [f for f in FRAMES if pdfium[f] != miner[f]]
            differ.append(f"{name}: {', '.join(frames)}")
    assert differ == []
    assert {"ok", "failed"} <= statuses  # the corpus holds reports read and files refused


def test_the_engine_setting_is_the_engine_used() -> None:
    """The differential test above compares two engines, not one engine twice: the run options reach the PDF reader."""
    data = hostile_pdf.self_referring_font()
    lines = {}
    for engine in ("pdfium", "pdfminer"):
        options = RunOptions(pdf=PdfSettings(engine=engine))  # the run's settings, as a user sets them
        lines[engine] = read_document(data, "pdf", options).lines[0].cells
    assert lines == {"pdfium": ("Annual report",), "pdfminer": ("Anualreport",)}
