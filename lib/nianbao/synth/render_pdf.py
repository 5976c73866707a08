"""PDF reports drawn with reportlab: text paragraphs and tables as ruled grids with merged cells.

Chinese text uses reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1, not embedded), so
nothing is downloaded at run time and pdfminer.six extracts the characters back as Unicode. Tables
are ``platypus.Table`` objects with a ``GRID`` style and a ``SPAN`` per merged cell, which is how
portal PDFs exported from Word look to a reader: ruling lines around every cell, a merged label
printed once. ``invariant=1`` fixes dates and document ids, so the same report gives the same bytes.
Each page footer and the document metadata say the report is synthetic.
"""

from __future__ import annotations

import io
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from nianbao.synth.model import Block, Grid, Para

__all__ = ["FONT", "render_pdf"]

FONT = "STSong-Light"
_MARGIN = 20 * mm
_WIDTH = A4[0] - 2 * _MARGIN
_FOOTER = "合成数据 SYNTHETIC DATA — nianbao synth"


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@cache
def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle(
        "body", fontName=font, fontSize=10.5, leading=16, firstLineIndent=21, wordWrap="CJK"
    )
    return {
        "body": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=16, leading=24, alignment=TA_CENTER, firstLineIndent=0
        ),
        "meta": ParagraphStyle("meta", parent=base, alignment=TA_CENTER, firstLineIndent=0),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=20, firstLineIndent=0),
        "subheading": ParagraphStyle("subheading", parent=base, fontSize=10.5),
        "signature": ParagraphStyle("signature", parent=base, alignment=2, firstLineIndent=0),
        "synthetic": ParagraphStyle("synthetic", parent=base, textColor=colors.darkred),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=9.5, wordWrap="CJK"),
    }


def _col_widths(grid: Grid, width: int) -> list[float]:
    """Label columns wider than number columns; table 4's fifteen columns share the width."""
    labels = {"table2": 1, "table3": 3}.get(grid.name, 0)
    if labels == 0:
        return [_WIDTH / width] * width
    label_share = 0.30 if labels == 1 else 0.46
    rest = (width - labels) or 1
    return [_WIDTH * label_share / labels] * labels + [_WIDTH * (1 - label_share) / rest] * (width - labels)


def _table(grid: Grid) -> Table:
    matrix = grid.matrix()
    width = max(len(r) for r in matrix)
    cell_style = _styles()["cell"]
    data: list[list[object]] = []
    spans: list[tuple[str, tuple[int, int], tuple[int, int]]] = []
    for r, row in enumerate(matrix):
        line: list[object] = []
        for c in range(width):
            cell = row[c] if c < len(row) else None
            if cell is None:
                line.append("")
                continue
            line.append(cell.text if cell.kind == "value" else Paragraph(escape(cell.text), cell_style))
            if cell.rowspan > 1 or cell.colspan > 1:
                spans.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
        data.append(line)
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), _font(), 7.5),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            *spans,
        ]
    )
    return Table(data, colWidths=_col_widths(grid, width), style=style)


def _footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(_font(), 8)
    canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{_FOOTER}　— {doc.page} —")
    canvas.restoreState()


def render_pdf(blocks: list[Block], title: str, author: str) -> bytes:
    """The report as PDF bytes; identical input gives identical bytes.

    >>> import pypdfium2
    >>> from nianbao.synth.model import GridCell
    >>> blocks = [Para("标题", "title"), Grid(((GridCell("规章"), GridCell("0", kind="value")),), "t2")]
    >>> pdf = render_pdf(blocks, "标题", author="青石镇人民政府")
    >>> pdf[:8], len(pypdfium2.PdfDocument(pdf)), pdf == render_pdf(blocks, "标题", author="青石镇人民政府")
    (b'%PDF-1.4', 1, True)
    """
    styles = _styles()
    story: list[Flowable] = []
    for block in blocks:
        if isinstance(block, Grid):
            story += [Spacer(1, 4), _table(block), Spacer(1, 6)]
        elif isinstance(block, Para):
            story.append(Paragraph(escape(block.text), styles.get(block.role, styles["body"])))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=title,
        author=author,
        subject="合成数据 SYNTHETIC DATA — generated by nianbao synth; organs, places and figures are invented",
        keywords="synthetic, nianbao synth, 合成数据",
        creator="nianbao synth (synthetic data)",
        invariant=1,
    )
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return out.getvalue()
