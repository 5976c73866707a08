"""Time nianbao's PDF reader against bare ``pdfminer.high_level.extract_text`` on the same bytes.

The target is a ratio of at most 1.0: reading tables must cost no more than pdfminer's own plain text
extraction. Run: ``.venv/bin/python benchmarks/bench_pdf_reader.py [file.pdf ...]``. Without
arguments it uses the real hongze report (if ``../shared`` is present) and a generated 12-page report
with ruled tables.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pdfminer.high_level import extract_text

from nianbao.read.pdf import read_pdf

HONGZE = Path(__file__).parents[1] / ".." / "shared" / "corpus" / "real" / "files" / "hongze_2024.pdf"


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


def compare(name: str, data: bytes, repeat: int = 7) -> float:
    """Best CPU time of ``repeat`` alternating runs of each (CPU time and alternation keep a busy
    machine fair to both)."""
    bare = ours = float("inf")
    runs: list[tuple[str, Callable[[], object]]] = [
        ("bare", lambda: extract_text(io.BytesIO(data))),
        ("ours", lambda: read_pdf(data)),
    ]
    for _ in range(repeat):
        for which, fn in runs:
            start = time.process_time()
            fn()
            elapsed = time.process_time() - start
            if which == "bare":
                bare = min(bare, elapsed)
            else:
                ours = min(ours, elapsed)
    print(f"{name:<28} extract_text {bare:7.3f}s   read_pdf {ours:7.3f}s   ratio {ours / bare:5.2f}")
    return ours / bare


def main(argv: list[str]) -> None:
    inputs = [(Path(a).name, Path(a).read_bytes()) for a in argv]
    if not inputs:
        if HONGZE.exists():
            inputs.append((HONGZE.name, HONGZE.read_bytes()))
        inputs.append(("generated (12 pages)", generated_report()))
    for name, data in inputs:
        compare(name, data)


if __name__ == "__main__":
    main(sys.argv[1:])
