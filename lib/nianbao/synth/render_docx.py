"""DOCX reports written with python-docx: paragraphs and Word tables with merged cells.

Merged cells are real Word merges (``gridSpan`` / ``vMerge``, written as table XML directly: python-docx's
``merge`` is slow), the way a report typed into the
national template's Word file arrives. The core properties say the document is synthetic, with dates
fixed from the report year, and the zip entries get a fixed timestamp, so the same report gives the
same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

from nianbao.synth.model import Block, Grid, Para

__all__ = ["render_docx"]

_FONT = "宋体"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_TABLE_WIDTH = 9000  # twentieths of a point: the text width of an A4 page with Word's margins


def _normal_font(doc: Any) -> None:
    """宋体 for the whole document, set once on the Normal style (per-run fonts are slow)."""
    style = doc.styles["Normal"]
    style.font.name = _FONT
    style.font.size = Pt(12)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), _FONT)


def _paragraph(doc: Any, p: Para) -> None:
    para = doc.add_paragraph()
    if p.role == "title":
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif p.role in ("meta", "signature"):
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = para.add_run(p.text)
    if p.role in ("title", "heading"):
        run.font.bold = True
        run.font.size = Pt(18 if p.role == "title" else 14)


def _tc(text: str, width: int, span: int, vmerge: str | None, value: bool) -> str:
    props = f'<w:tcW w:w="{width * span}" w:type="dxa"/>'
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if vmerge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        props += "<w:vMerge/>"
    run = (
        f'<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
        if text
        else ""
    )
    align = '<w:pPr><w:jc w:val="center"/></w:pPr>' if value else ""
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p>{align}{run}</w:p></w:tc>"


def _table_xml(grid: Grid) -> str:
    """A Word table with real merges: gridSpan across, vMerge restart/continue down."""
    matrix = grid.matrix()
    width = max(len(r) for r in matrix)
    col_w = _TABLE_WIDTH // width
    below: dict[tuple[int, int], int] = {}  # positions under a row-spanning cell -> its colspan
    rows = []
    for r, row in enumerate(matrix):
        tcs, c = [], 0
        while c < width:
            cell = row[c] if c < len(row) else None
            if cell is not None:
                vmerge = "restart" if cell.rowspan > 1 else None
                tcs.append(_tc(cell.text, col_w, cell.colspan, vmerge, cell.kind == "value"))
                for dr in range(1, cell.rowspan):
                    below[(r + dr, c)] = cell.colspan
                c += cell.colspan
            elif (r, c) in below:
                tcs.append(_tc("", col_w, below[(r, c)], "continue", False))
                c += below[(r, c)]
            else:
                tcs.append(_tc("", col_w, 1, None, False))
                c += 1
        rows.append("<w:tr>" + "".join(tcs) + "</w:tr>")
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    grid_cols = f'<w:gridCol w:w="{col_w}"/>' * width
    return (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        f"<w:tblBorders>{borders}</w:tblBorders></w:tblPr><w:tblGrid>{grid_cols}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def _table(doc: Any, grid: Grid) -> None:
    body = doc.element.body
    tbl = parse_xml(_table_xml(grid))
    if body.sectPr is not None:
        body.sectPr.addprevious(tbl)
    else:
        body.append(tbl)


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite the package with a fixed timestamp on every entry (python-docx stamps the time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render_docx(blocks: list[Block], title: str, year: int) -> bytes:
    """The report as DOCX bytes; identical input gives identical bytes.

    >>> from nianbao.synth.model import GridCell
    >>> blocks = [Para("标题", "title"), Grid(((GridCell("规章"), GridCell("0", kind="value")),), "t2")]
    >>> import re
    >>> xml = zipfile.ZipFile(io.BytesIO(render_docx(blocks, "标题", 2024))).read("word/document.xml").decode()
    >>> re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)  # the paragraph, then the table's cells
    ['标题', '规章', '0']
    """
    doc = Document()
    _normal_font(doc)
    for block in blocks:
        if isinstance(block, Grid):
            _table(doc, block)
        else:
            _paragraph(doc, block)
    props = doc.core_properties
    props.title = title
    props.author = "nianbao synth"
    props.last_modified_by = "nianbao synth"
    props.subject = "合成数据 SYNTHETIC DATA"
    props.keywords = "synthetic; nianbao synth; 合成数据"
    props.comments = "Generated by nianbao synth: organs, places and figures are invented."
    props.category = "synthetic"
    props.created = props.modified = datetime(year + 1, 1, 20, 9, 0, 0)
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return _fixed_zip(out.getvalue())
