"""Time nianbao's PDF reader, both engines, against bare ``pdfminer.high_level.extract_text``, in one run.

Targets (issue 21): the PDFium engine (``engine="pdfium"``, what ``"auto"`` uses) at most 0.15x bare
pdfminer.six ``extract_text`` on the same files; the pdfminer engine at most 1.0x. The machine is
shared and noisy, so what counts are the ratios of one run: CPU time (process_time), the three
readers alternated file by file, best of ``--repeat`` per file and reader.

Run: ``.venv/bin/python benchmarks/bench_pdf_reader.py [--synth 40] [--repeat 3] [--docx 100] [file.pdf ...]``.
Without files it uses the real hongze report (if ``../shared`` is present), a generated 12-page
report with ruled tables, and ``--synth`` reports from ``nianbao synth`` (damage included). In the
same run, ``--docx`` generated DOCX reports give the DOCX rate (target: at least 100 documents/s of
``parse_bytes`` on one core, CPU time, best of ``--repeat``); the load average is printed at the
start and the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pdfminer.high_level import extract_text

from nianbao.read.pdf import PdfSettings, read_pdf

HONGZE = Path(__file__).parents[1] / ".." / "shared" / "corpus" / "real" / "files" / "hongze_2024.pdf"
TARGET_PDFIUM = 0.15
TARGET_PDFMINER = 1.0
TARGET_DOCX = 100.0


def generated_report(pages: int = 12) -> bytes:
    """A report-like PDF: paragraphs and ruled tables with merged cells, in a CJK font."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cn", fontName="STSong-Light", fontSize=12, leading=20)
    text = "本机关坚持以习近平新时代中国特色社会主义思想为指导，全面推进政务公开工作，主动公开政府信息。" * 6
    rows = [["", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
    rows += [["三", f"（{k}）办理结果第{k}项", *[str(k * j % 7) for j in range(7)]] for k in range(1, 25)]
    style_cmds = [
        ("FONT", (0, 0), (-1, -1), "STSong-Light", 8),
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("SPAN", (0, 1), (0, 12)),
        ("SPAN", (0, 13), (0, 24)),
    ]
    story: list[Flowable] = []
    for _ in range(pages // 2):
        story += [Paragraph(text, style), Paragraph(text, style)]
        table = Table(rows, colWidths=[20, 130, *[48] * 7])
        table.setStyle(TableStyle(style_cmds))
        story += [table, PageBreak()]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=36, rightMargin=36).build(story)
    return buf.getvalue()


def synth_reports(n: int) -> list[tuple[str, bytes]]:
    """``n`` PDFs from the product's own generator (seed 5, a fifth damaged)."""
    from nianbao.synth.generate import generate

    with tempfile.TemporaryDirectory() as tmp:
        return [(p.name, p.read_bytes()) for p in generate(tmp, n, formats=("pdf",), seed=5, damage_rate=0.2)]


def docx_reports(n: int) -> list[bytes]:
    """``n`` DOCX reports from the product's own generator (seed 7, as ``bench_parse.py``)."""
    from nianbao.synth.generate import generate

    with tempfile.TemporaryDirectory() as tmp:
        return [p.read_bytes() for p in generate(tmp, n, formats=("docx",), seed=7)]


def docx_rates(datas: list[bytes], repeat: int) -> dict[str, float]:
    """Documents/s of ``read_docx`` alone and of ``parse_bytes``, one process, best CPU of ``repeat``."""
    from nianbao.parse.report import parse_bytes
    from nianbao.read.docx import read_docx

    readers: dict[str, Callable[[bytes], object]] = {
        "read_docx": read_docx,
        "parse_bytes": lambda d: parse_bytes(d, "x.docx"),
    }
    out = {}
    for name, fn in readers.items():
        best = float("inf")
        for _ in range(repeat):
            start = time.process_time()
            for data in datas:
                with contextlib.suppress(Exception):  # a damaged file is a result too
                    fn(data)
            best = min(best, time.process_time() - start)
        out[name] = len(datas) / best
    return out


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _bare(data: bytes) -> object:
    try:
        return extract_text(io.BytesIO(data))
    except Exception:  # pdfminer refuses some damaged files: it still spent the time
        return None


def _ours(engine: str) -> Callable[[bytes], object]:
    settings = PdfSettings(engine=engine)  # type: ignore[arg-type]

    def run(data: bytes) -> object:
        try:
            return read_pdf(data, settings)
        except Exception:  # an unreadable file is a result too
            return None

    return run


READERS: dict[str, Callable[[bytes], object]] = {
    "bare pdfminer": _bare,
    "ours, pdfminer": _ours("pdfminer"),
    "ours, pdfium": _ours("pdfium"),
}


def measure(inputs: list[tuple[str, bytes]], repeat: int) -> dict[str, float]:
    """Sum over files of each reader's best CPU time (readers alternated, so load hits all alike)."""
    totals = dict.fromkeys(READERS, 0.0)
    for _, data in inputs:
        best = dict.fromkeys(READERS, float("inf"))
        for _ in range(repeat):
            for name, fn in READERS.items():
                start = time.process_time()
                fn(data)
                best[name] = min(best[name], time.process_time() - start)
        for name in READERS:
            totals[name] += best[name]
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--synth", type=int, default=40, help="generated reports (without files)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--docx", type=int, default=100, help="generated DOCX reports (0: none)")
    args = parser.parse_args()
    print(f"load average at start: {_load()}")
    inputs = [(p.name, p.read_bytes()) for p in args.files]
    if not inputs:
        if HONGZE.exists():
            inputs.append((HONGZE.name, HONGZE.read_bytes()))
        inputs.append(("generated (12 pages)", generated_report()))
        inputs += synth_reports(args.synth)
    for _ in READERS.values():  # imports and first-use costs outside the timing
        _(inputs[0][1])
    totals = measure(inputs, args.repeat)
    bare = totals["bare pdfminer"]
    n = len(inputs)
    print(f"{n} PDFs, best of {args.repeat} CPU per file, summed:")
    for name, seconds in totals.items():
        print(
            f"  {name:<16} {seconds:7.2f} s  {1000 * seconds / n:6.1f} ms/file  {seconds / bare:5.3f}x bare"
        )
    pdfium, miner = totals["ours, pdfium"] / bare, totals["ours, pdfminer"] / bare
    print(
        f"pdfium engine / bare pdfminer: {pdfium:.3f} (target <= {TARGET_PDFIUM}: {pdfium <= TARGET_PDFIUM})"
    )
    print(
        f"pdfminer engine / bare pdfminer: {miner:.3f} (target <= {TARGET_PDFMINER}: {miner <= TARGET_PDFMINER})"
    )
    print(f"pdfium engine / pdfminer engine: {totals['ours, pdfium'] / totals['ours, pdfminer']:.3f}")
    if args.docx:
        datas = docx_reports(args.docx)
        for name, rate in docx_rates(datas, args.repeat).items():
            print(
                f"docx {name}: {rate:.1f} documents/s ({len(datas)} files, CPU; "
                f"target >= {TARGET_DOCX:.0f}: {rate >= TARGET_DOCX})"
            )
    print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()
