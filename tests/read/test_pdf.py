"""The PDF reader on PDFs built here with reportlab, on hostile bytes, and on the real hongze report.

Every PDF read here without an explicit engine is read by both engines (``read_pdf`` below): PDFium
and pdfminer.six must give the same Document, or the same error, or the test fails.
"""

from __future__ import annotations

import io
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

import hostile_pdf
from nianbao.errors import UnreadableFile
from nianbao.grid import Document, Line
from nianbao.parse.report import parse_bytes
from nianbao.read import pdf_miner, read_document
from nianbao.read.pdf import PdfLimit, PdfSettings
from nianbao.read.pdf import read_pdf as _read_pdf

SHARED = Path(__file__).parents[2] / ".." / "shared"
HONGZE = SHARED / "corpus" / "real" / "files" / "hongze_2024.pdf"
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
STYLE = ParagraphStyle("cn", fontName=FONT, fontSize=12, leading=18)


def _outcome(data: bytes, settings: PdfSettings) -> Document | tuple[str, str]:
    try:
        return _read_pdf(data, settings)
    except UnreadableFile as e:
        return type(e).__name__, str(e)


def read_pdf(data: bytes, settings: PdfSettings | None = None) -> Document:
    """The reader with the settings' engine; without one, both engines, which must agree (PDFium
    alone when it opens the file, "auto" — PDFium, else pdfminer — in any case)."""
    s = PdfSettings.resolve(settings)
    if s.engine != "auto":
        return _read_pdf(data, s)
    miner = _outcome(data, replace(s, engine="pdfminer"))
    assert _outcome(data, s) == miner
    pdfium = _outcome(data, replace(s, engine="pdfium"))
    if isinstance(pdfium, Document) or isinstance(miner, Document):
        assert pdfium == miner
    return _read_pdf(data, s)


def _story_pdf(story: list[Flowable], **kwargs: object) -> bytes:
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, **kwargs).build(story)
    return buf.getvalue()


def _canvas_pdf(draw: Callable[[Canvas], object], **kwargs: object) -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, **kwargs)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _ruled_table() -> Table:
    """A table with a tall merged group label (one character per line), a header spanning two
    columns, a label wrapped over two lines in its cell, and a blank cell."""
    data = [
        ["", "", "自然人", "法人"],
        ["\n".join("三、本年度办理结果"), "（一）予以公开", "50", "0"],
        ["", "（二）部分公开（区分处理的，\n只计这一情形）", "9", ""],
        ["", "（三）不予公开", "1,234", "0"],
    ]
    table = Table(data, colWidths=[20, 160, 60, 60])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 10),
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("SPAN", (0, 1), (0, 3)),
                ("SPAN", (0, 0), (1, 0)),
            ]
        )
    )
    return table


def test_ruled_table_rows_are_label_then_numbers() -> None:
    story = [Paragraph("二、收到和处理政府信息公开申请情况", STYLE), Spacer(1, 12), _ruled_table()]
    story.append(Paragraph("本年度收取信息处理费 0 元。", STYLE))
    doc = read_pdf(_story_pdf(story))
    assert doc.format == "pdf"
    assert doc.lines == (
        Line(("二、收到和处理政府信息公开申请情况",), "text"),
        Line(("", None, "自然人", "法人"), "grid", 0),
        Line(("三、本年度办理结果", "(一)予以公开", "50", "0"), "grid", 0),
        Line((None, "(二)部分公开(区分处理的,只计这一情形)", "9", ""), "grid", 0),
        Line((None, "(三)不予公开", "1,234", "0"), "grid", 0),
        Line(("本年度收取信息处理费 0 元。",), "text"),
    )


def test_table_split_over_pages_keeps_its_number() -> None:
    rows = [[f"{i}.事项", str(i), "0"] for i in range(1, 80)]
    table = Table(rows, colWidths=[120, 60, 60], repeatRows=0)
    table.setStyle(
        TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10), ("GRID", (0, 0), (-1, -1), 0.5, "black")])
    )
    doc = read_pdf(_story_pdf([Paragraph("表格", STYLE), table]))
    grid = [line for line in doc.lines if line.kind == "grid"]
    assert [line.cells for line in grid] == [(f"{i}.事项", str(i), "0") for i in range(1, 80)]
    assert {line.table for line in grid} == {0}


def test_paragraph_lines_are_joined_and_headings_kept_apart() -> None:
    body = "本机关坚持以习近平新时代中国特色社会主义思想为指导，全面推进政务公开工作，" * 4
    story = [Paragraph("一、总体情况", STYLE), Paragraph(body, STYLE), Paragraph("二、主动公开情况", STYLE)]
    data = _story_pdf(story)
    doc = read_pdf(data)
    assert [line.cells for line in doc.lines] == [
        ("一、总体情况",),
        (body.replace("，", ","),),
        ("二、主动公开情况",),
    ]
    assert {line.kind for line in doc.lines} == {"text"}
    unjoined = read_pdf(data, {"join_paragraphs": False})
    assert len(unjoined.lines) > 3
    assert "".join(line.text for line in unjoined.lines[1:-1]) == body.replace("，", ",")


def test_unruled_table_gives_delimited_lines() -> None:
    def draw(c: Canvas) -> None:
        c.setFont(FONT, 12)
        c.drawString(72, 760, "信息内容")
        c.drawString(260, 760, "本年新制作数量")
        for k, (label, a, b) in enumerate([("规章", "0", "12"), ("规范性文件", "3", "1 0")]):
            y = 730 - 24 * k
            c.drawString(72, y, label)
            c.drawString(260, y, a)
            c.drawString(380, y, b)

    doc = read_pdf(_canvas_pdf(draw))
    assert [(line.cells, line.kind) for line in doc.lines] == [
        (("信息内容", "本年新制作数量"), "delimited"),
        (("规章", "0", "12"), "delimited"),
        (("规范性文件", "3", "1 0"), "delimited"),
    ]


def test_fake_bold_duplicates_are_dropped() -> None:
    def draw(c: Canvas) -> None:
        c.setFont(FONT, 12)
        c.drawString(72, 700, "予以公开")
        c.drawString(72.3, 700, "予以公开")

    assert read_pdf(_canvas_pdf(draw)).lines == (Line(("予以公开",), "text"),)


def test_owner_password_only_is_readable() -> None:
    # (pdfminer cannot map reportlab's CID font once encrypted, so this text is Latin)
    enc = StandardEncryption("", ownerPassword="owner", canPrint=0, canCopy=0)
    doc = read_pdf(_canvas_pdf(lambda c: c.drawString(72, 700, "Annual report 2024"), encrypt=enc))
    assert doc.lines == (Line(("Annual report 2024",), "text"),)


def test_user_password_is_unreadable() -> None:
    enc = StandardEncryption("secret", ownerPassword="owner")
    data = _canvas_pdf(lambda c: (c.setFont(FONT, 12), c.drawString(72, 700, "年度报告")), encrypt=enc)
    with pytest.raises(UnreadableFile, match="encrypted"):
        read_pdf(data)


def test_truncated_pdf_is_unreadable() -> None:
    data = _story_pdf([_ruled_table()])
    with pytest.raises(UnreadableFile, match="truncated"):
        read_pdf(data[: len(data) // 2])


def test_garbage_after_header_is_unreadable() -> None:
    with pytest.raises(UnreadableFile, match="damaged"):
        read_pdf(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")


def test_not_a_pdf_is_unreadable() -> None:
    with pytest.raises(UnreadableFile, match="not a PDF"):
        read_pdf(b"<html>not a pdf</html>")


def test_image_only_pdf_has_no_text_layer() -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    image = ImageReader(Image.new("RGB", (40, 40), "white"))
    data = _canvas_pdf(lambda c: c.drawImage(image, 72, 600, 200, 200))
    with pytest.raises(UnreadableFile, match="no text layer"):
        read_pdf(data)


def _zero_page_pdf() -> bytes:
    return hostile_pdf.raw_pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    )


def test_zero_pages_is_unreadable() -> None:
    with pytest.raises(UnreadableFile, match="no pages"):
        read_pdf(_zero_page_pdf())


def test_decompression_bomb_page_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_miner, "MAX_STREAM_BYTES", 1_000_000)

    def stream(content: bytes) -> bytes:
        packed = zlib.compress(content, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed)

    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
    page += b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"
    data = hostile_pdf.raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
            page % 5,
            page % 6,
            stream(b" " * 5_000_000 + b"BT /F1 12 Tf 72 700 Td (Bomb) Tj ET"),
            stream(b"BT /F1 12 Tf 72 700 Td (Annual report) Tj ET"),
        ]
    )
    doc = read_pdf(data, PdfSettings(engine="pdfminer"))  # PDFium inflates streams itself
    assert doc.lines == (Line(("Annual report",), "text"),)
    assert len(doc.notes) == 1
    assert doc.notes[0].startswith("1 damaged page(s) could not be read and were skipped (the first at page ")


def test_max_pages_leaves_a_note() -> None:
    def draw(c: Canvas) -> None:
        for page in range(3):
            c.setFont(FONT, 12)
            c.drawString(72, 700, f"第{page + 1}页正文")
            c.showPage()

    doc = read_pdf(_canvas_pdf(draw), PdfSettings(max_pages=2))
    assert [line.cells for line in doc.lines] == [("第1页正文",), ("第2页正文",)]
    assert doc.notes == ("only the first 2 pages were read (max_pages)",)


def test_settings_are_checked_once() -> None:
    assert PdfSettings.resolve(None) == PdfSettings()
    settings = PdfSettings(row_overlap=0.6)
    assert PdfSettings.resolve(settings) is settings
    with pytest.raises(ValueError, match="positive"):
        PdfSettings.resolve({"max_seconds": 0})
    with pytest.raises(ValueError, match="row_overlap"):
        PdfSettings(row_overlap=2)
    with pytest.raises(TypeError):
        PdfSettings.resolve(["max_pages"])  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def hongze() -> tuple[Line, ...]:
    if not SHARED.is_dir():
        pytest.skip("shared corpus absent")
    return read_pdf(HONGZE.read_bytes()).lines


def _numbers_after(lines: tuple[Line, ...], label: str) -> list[str]:
    (line,) = [line for line in lines if label in line.cells]
    cells = line.texts()
    return list(cells[cells.index(label) + 1 :])


def test_hongze_table_3_rows(hongze: tuple[Line, ...]) -> None:
    assert _numbers_after(hongze, "(一)予以公开") == ["50", "0", "0", "0", "0", "0", "50"]
    assert _numbers_after(hongze, "2.其他法律行政止公开") == ["0"] * 7
    assert _numbers_after(hongze, "(六)其他处理") == [""] + ["0"] * 7
    assert _numbers_after(hongze, "5.要求行政机关确认或重新出具已获取信息") == ["0"] * 7
    assert _numbers_after(hongze, "1.本机关不掌握相关政府信息") == ["31", "0", "0", "0", "0", "0", "31"]
    group = next(line for line in hongze if "(一)予以公开" in line.cells)
    assert group.cells[:3] == ("三、本年度办理结果", "(一)予以公开", None)
    table_3 = {line.table for line in hongze if line.kind == "grid" and "(七)总计" in line.text}
    assert table_3 == {group.table}


def test_hongze_tables_2_and_4(hongze: tuple[Line, ...]) -> None:
    assert _numbers_after(hongze, "行政规范性文件") == ["3", "0", "8"]
    assert _numbers_after(hongze, "行政事业性收费") == ["7545"]
    numbers = [line.cells for line in hongze if line.kind == "grid" and line.cells[:2] == ("1", "1")]
    assert numbers == [("1", "1", "0", "0", "2", "1", "0", "0", "0", "1", "2", "0", "1", "0", "3")]


def test_hongze_text(hongze: tuple[Line, ...]) -> None:
    text = "\n".join(line.text for line in hongze if line.kind == "text")
    assert "主动发布各类政府信息 2428 条" in text
    assert "全年收取政府信息公开信息处理费 0 元" in text
    assert ("2024 年政府信息公开工作年度报告",) in [line.cells for line in hongze]


def _small_report(c: Canvas) -> None:
    c.setFont(FONT, 12)
    c.drawString(72, 700, "第一行文字")
    c.drawString(72, 680, "第二行文字")
    c.drawString(300, 680, "12")
    c.setLineWidth(0.5)
    for y in (600, 580, 560):
        c.line(72, y, 372, y)
    for x in (72, 222, 372):
        c.line(x, 560, x, 600)
    for y, label, number in ((585, "规章", "7"), (565, "文件", "8")):
        c.drawString(80, y, label)
        c.drawString(230, y, number)


SMALL_REPORT = [
    (("第一行文字",), "text", None),
    (("第二行文字", "12"), "delimited", None),
    (("规章", "7"), "grid", 0),
    (("文件", "8"), "grid", 0),
]


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_turned_pages_read_upright(rotation: int) -> None:
    """A page whose text runs up, down or upside down (a landscape table turned on a portrait page)."""

    def draw(c: Canvas) -> None:
        c.translate(300, 400)
        c.rotate(rotation)
        c.translate(-300, -400)
        _small_report(c)

    doc = read_pdf(_canvas_pdf(draw))
    assert [(line.cells, line.kind, line.table) for line in doc.lines] == SMALL_REPORT


def test_unruled_wrapped_labels_join_their_numbers() -> None:
    """Without rulings, a label wrapped over two lines has its numbers centred between them."""

    def draw(c: Canvas) -> None:
        c.setFont(FONT, 12)
        c.drawString(72, 730, "(一)予以公开")
        c.drawString(260, 730, "50")
        c.drawString(380, 730, "50")
        c.drawString(72, 706, "（二）部分公开（区分处理的，")
        c.drawString(260, 697, "9")
        c.drawString(380, 697, "9")
        c.drawString(72, 688, "只计这一情形）")
        c.drawString(72, 664, "(三)不予公开")
        c.drawString(72, 640, "1.属于国家秘密")
        c.drawString(260, 640, "0")
        c.drawString(380, 640, "-")

    assert [(line.cells, line.kind) for line in read_pdf(_canvas_pdf(draw)).lines] == [
        (("(一)予以公开", "50", "50"), "delimited"),
        (("(二)部分公开(区分处理的,只计这一情形)", "9", "9"), "delimited"),
        (("(三)不予公开",), "text"),
        (("1.属于国家秘密", "0", "-"), "delimited"),
    ]


def test_page_number_does_not_take_a_label() -> None:
    def draw(c: Canvas) -> None:
        c.setFont(FONT, 12)
        c.drawString(72, 120, "运维管理还需加强等。")
        c.drawString(290, 104, "4")

    assert [line.cells for line in read_pdf(_canvas_pdf(draw)).lines] == [("运维管理还需加强等。",), ("4",)]


def test_browser_cell_borders_are_rulings() -> None:
    """Browsers print ``<table border=1 cellspacing=1>`` as a bevelled box per cell: thin filled
    quadrilaterals (not rectangles), two borders side by side between neighbouring cells."""

    def box(c: Canvas, x0: float, y0: float, x1: float, y1: float, w: float = 0.75) -> None:
        sides = [
            [(x0, y1), (x1, y1), (x1 - w, y1 - w), (x0 + w, y1 - w)],  # top
            [(x0, y0), (x1, y0), (x1 - w, y0 + w), (x0 + w, y0 + w)],  # bottom
            [(x0, y0), (x0, y1), (x0 + w, y1 - w), (x0 + w, y0 + w)],  # left
            [(x1, y0), (x1, y1), (x1 - w, y1 - w), (x1 - w, y0 + w)],  # right
        ]
        for points in sides:
            path = c.beginPath()
            path.moveTo(*points[0])
            for point in points[1:]:
                path.lineTo(*point)
            path.close()
            c.drawPath(path, stroke=0, fill=1)

    def draw(c: Canvas) -> None:
        c.setFont(FONT, 12)
        for row, (label, number) in enumerate((("规章", "13"), ("规范性文件", ""))):
            top = 700 - 26 * row
            box(c, 72, top - 24, 220, top)
            box(c, 222, top - 24, 300, top)
            c.drawString(76, top - 17, label)
            if number:
                c.drawString(226, top - 17, number)

    doc = read_pdf(_canvas_pdf(draw))
    assert [(line.cells, line.kind) for line in doc.lines] == [
        (("规章", "13"), "grid"),
        (("规范性文件", ""), "grid"),
    ]


# ---------------------------------------------------------------------------------------------------
# Hostile PDFs (issue 16): each finishes within a bound, through read_document and parse_bytes

# What each hostile file becomes: a Document's first line, or the start of the failed row's error
_HOSTILE_OUTCOME = {
    "self_referring_title": ("ok", "Annual report"),  # no title
    "self_referring_contents": ("failed", "PDF has no text layer"),  # the contents are null
    "self_referring_font": ("ok", "Annual report"),  # the font is null: PDFium substitutes one
    "xobject_fan": ("failed", "PDF page 1 draws more than"),
    "self_drawing_xobject": ("ok", "Annual report"),  # the recursion is not followed
    "long_text_stream": ("failed", "PDF page 1 draws more than"),
}
# pdfminer has no widths for a null font: its characters all stand on one spot (the only file
# where the engines differ; "auto" reads it with PDFium)
_PDFMINER_OUTCOME = {"self_referring_font": ("ok", "Anualreport")}
_HOSTILE_SECONDS = 20.0  # each file, on a busy shared machine (pdfminer at its operator cap: ~2 s alone)


@pytest.mark.parametrize("name", sorted(hostile_pdf.ALL))
@pytest.mark.parametrize("engine", ["pdfminer", "pdfium", "auto"])
def test_hostile_pdf_is_read_or_failed_within_a_bound(name: str, engine: str) -> None:
    data = hostile_pdf.ALL[name]()
    status, text = (_HOSTILE_OUTCOME | (_PDFMINER_OUTCOME if engine == "pdfminer" else {}))[name]
    start = time.monotonic()
    if status == "ok":
        settings = PdfSettings(engine=engine)  # type: ignore[arg-type]
        doc = read_document(data, "pdf") if engine == "auto" else read_pdf(data, settings)
        assert doc.lines[0].cells == (text,)
        assert doc.title is None
    else:
        with pytest.raises(UnreadableFile, match=f"^{re.escape(text)}"):
            read_pdf(data, PdfSettings(engine=engine))  # type: ignore[arg-type]
    assert time.monotonic() - start < _HOSTILE_SECONDS


@pytest.mark.parametrize("name", sorted(hostile_pdf.ALL))
def test_hostile_pdf_gives_one_row_through_parse_bytes(name: str) -> None:
    start = time.monotonic()
    result = parse_bytes(hostile_pdf.ALL[name](), f"hostile/{name}.pdf")
    assert time.monotonic() - start < _HOSTILE_SECONDS
    status, text = _HOSTILE_OUTCOME[name]
    if status == "ok":  # read, but not a report
        assert result.report["status"] == "not_a_report"
    else:
        assert result.report["status"] == "failed"
        assert result.report["error"].startswith(text)


def test_operator_and_nesting_bounds_are_settings() -> None:
    fan = hostile_pdf.xobject_fan(levels=3, fan=3)  # 9 draws of the innermost form: fine
    # the forms draw the text on top of the page's own: one line
    assert read_pdf(fan, PdfSettings(engine="pdfminer")).lines == (Line(("Annual report",), "text"),)
    with pytest.raises(PdfLimit, match="nests Form XObjects more than 1 deep"):
        read_pdf(fan, PdfSettings(engine="pdfminer", max_form_depth=1))
    with pytest.raises(PdfLimit, match=r"draws more than the reader allows \(max_operators = 500"):
        read_pdf(fan, PdfSettings(engine="pdfminer", max_operators=500))
