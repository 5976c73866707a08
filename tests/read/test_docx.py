"""The DOCX reader on documents built here with python-docx or by hand, and on hostile archives."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from nianbao.errors import UnreadableFile
from nianbao.grid import Line
from nianbao.read import docx as docx_reader
from nianbao.read.docx import read_docx
from nianbao.read.docx_numbering import Numbering, numbering_styles

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _save(document: docx.document.Document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _package(body: str, *, prolog: str = "", extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal .docx whose body is ``body`` (WordprocessingML, prefix ``w``)."""
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<w:document xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", xml.encode())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t xml:space='preserve'>{text}</w:t></w:r></w:p>"


def test_tables_with_merges_both_ways_and_paragraphs_between() -> None:
    document = docx.Document()
    document.core_properties.title = "洪泽区2024年政府信息公开工作年度报告"
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    table = document.add_table(rows=4, cols=4)
    values = [
        ["", "", "自然人", "总计"],
        ["", "（一）予以公开", "50", "50"],
        ["", "", "9", "9"],
        ["", "", "1", ""],
    ]
    for r, row in enumerate(values):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(0, 0).merge(table.cell(0, 1)).text = "申请人情况"
    table.cell(1, 0).merge(table.cell(3, 0)).text = "三、本年度\n办理结果"
    table.cell(2, 1).text = "（二）部分公开（区分处理的，\n只计这一情形）"
    document.add_paragraph("规章\t0\t12")
    document.add_paragraph("四、结转下年度继续办理")
    doc = read_docx(_save(document))
    assert doc.format == "docx"
    assert doc.title == "洪泽区2024年政府信息公开工作年度报告"
    assert doc.lines == (
        Line(("三、收到和处理政府信息公开申请情况",), "text"),
        Line(("申请人情况", None, "自然人", "总计"), "grid", 0),
        Line(("三、本年度办理结果", "(一)予以公开", "50", "50"), "grid", 0),
        Line((None, "(二)部分公开(区分处理的,只计这一情形)", "9", "9"), "grid", 0),
        Line((None, "", "1", ""), "grid", 0),
        Line(("规章", "0", "12"), "delimited"),
        Line(("四、结转下年度继续办理",), "text"),
    )


def test_table_holding_tables_is_layout() -> None:
    """A whole page wrapped in a table (web-exported documents): its cells are read as blocks."""
    document = docx.Document()
    page = document.add_table(rows=1, cols=2)
    left = page.cell(0, 0)
    left.text = "二、主动公开政府信息情况"
    inner = left.add_table(rows=2, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "规章", "0"
    inner.cell(1, 0).text, inner.cell(1, 1).text = "规范性文件", "3"
    left.add_paragraph("三、收到和处理政府信息公开申请情况")
    page.cell(0, 1).text = "页边"
    frame = document.add_table(rows=1, cols=1)
    frame.cell(0, 0).text = "框内文字"
    assert read_docx(_save(document)).lines == (
        Line(("二、主动公开政府信息情况",), "text"),
        Line(("规章", "0"), "grid", 0),
        Line(("规范性文件", "3"), "grid", 0),
        Line(("三、收到和处理政府信息公开申请情况",), "text"),
        Line(("页边",), "text"),
        Line(("框内文字",), "text"),
    )


def test_revisions_fields_breaks_and_text_boxes() -> None:
    box = "<w:txbxContent>" + _p("文本框") + "</w:txbxContent>"
    body = (
        "<w:p><w:r><w:t>收费</w:t></w:r><w:del><w:r><w:delText>100</w:delText></w:r></w:del>"
        "<w:ins><w:r><w:t>0</w:t></w:r></w:ins>"
        "<w:r><w:fldChar w:fldCharType='begin'/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r>"
        "<w:r><w:fldChar w:fldCharType='end'/></w:r><w:r><w:t>元</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>淮安市</w:t><w:br/><w:t>年度报告</w:t></w:r></w:p>"
        "<w:p><w:r><mc:AlternateContent><mc:Choice Requires='wps'><w:drawing>"
        f"<a:graphic xmlns:a='urn:a'>{box}</a:graphic></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
        "<w:sdt><w:sdtContent>" + _p("控件内") + "</w:sdtContent></w:sdt>"
    )
    assert [line.cells for line in read_docx(_package(body)).lines] == [
        ("收费0元",),
        ("淮安市",),
        ("年度报告",),
        ("文本框",),
        ("控件内",),
    ]


def test_grid_before_and_hmerge_keep_columns_aligned() -> None:
    def tc(text: str, pr: str = "") -> str:
        return f"<w:tc><w:tcPr>{pr}</w:tcPr>{_p(text)}</w:tc>"

    restart, bad_span = "<w:hMerge w:val='restart'/>", "<w:gridSpan w:val='x'/>"
    body = (
        "<w:tbl>"
        f"<w:tr>{tc('A', restart)}{tc('', '<w:hMerge/>')}{tc('1')}</w:tr>"
        f"<w:tr><w:trPr><w:gridBefore w:val='1'/></w:trPr>{tc('B')}{tc('2', bad_span)}</w:tr>"
        "</w:tbl>"
    )
    assert [line.cells for line in read_docx(_package(body)).lines] == [("A", None, "1"), (None, "B", "2")]


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    prolog = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    doc = read_docx(_package("<w:p><w:r><w:t>规章&xxe;</w:t></w:r></w:p>", prolog=prolog))
    assert "TOPSECRET" not in doc.text
    assert doc.lines[0].text.startswith("规章")


def test_main_part_is_found_from_relationships() -> None:
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="/word/main.xml"/></Relationships>'
    )
    data = _package(_p("旧"), extra={"_rels/.rels": rels.encode()})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("word/document.xml").replace("旧".encode(), "新".encode())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("_rels/.rels", rels)
        zf.writestr("word/main.xml", xml)
    assert read_docx(buf.getvalue()).lines == (Line(("新",), "text"),)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 this is not really a zip", "not a zip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "old Word .doc"),
        (b"", "not a zip archive"),
    ],
)
def test_bad_archives_are_unreadable(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableFile, match=message):
        read_docx(data)


def test_truncated_docx_is_unreadable() -> None:
    data = _save(docx.Document())
    with pytest.raises(UnreadableFile):
        read_docx(data[: len(data) // 2])


def test_missing_or_broken_document_xml_is_unreadable() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/styles.xml", "<x/>")
    with pytest.raises(UnreadableFile, match="missing its main document"):
        read_docx(buf.getvalue())
    broken = _package("<w:p><w:r><w:t>规章</w:r></w:p>")
    with pytest.raises(UnreadableFile, match="not well-formed"):
        read_docx(broken)


def test_oversized_document_xml_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docx_reader, "MAX_PART_BYTES", 1000)
    with pytest.raises(UnreadableFile, match="too large"):
        read_docx(_package(_p("规章" * 1000)))


def test_document_without_text_is_unreadable() -> None:
    with pytest.raises(UnreadableFile, match="no text"):
        read_docx(_save(docx.Document()))


NUMBERING = f"""<w:numbering xmlns:w="{W}">
<w:abstractNum w:abstractNumId="7">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/>
    <w:pStyle w:val="H1"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="8">
  <w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="\u2022"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="8"/></w:num>
<w:num w:numId="3"><w:abstractNumId w:val="7"/>
  <w:lvlOverride w:ilvl="2"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
</w:numbering>"""
STYLES = f"""<w:styles xmlns:w="{W}">
<w:style w:type="paragraph" w:styleId="H1"><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="H1x"><w:basedOn w:val="H1"/></w:style>
<w:style w:type="paragraph" w:styleId="Loop"><w:basedOn w:val="Loop"/></w:style>
</w:styles>"""


def _numbered(text: str, num: int | None = 1, level: int | None = None, style: str | None = None) -> str:
    pr = f"<w:pStyle w:val='{style}'/>" if style else ""
    if num is not None:
        ilvl = f"<w:ilvl w:val='{level}'/>" if level is not None else ""
        pr += f"<w:numPr>{ilvl}<w:numId w:val='{num}'/></w:numPr>"
    return f"<w:p><w:pPr>{pr}</w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"


def test_automatic_numbering_is_part_of_the_text() -> None:
    cell = f"<w:tc>{_numbered('属于国家秘密', level=2)}</w:tc><w:tc>{_p('0')}</w:tc>"
    body = (
        _numbered("总体情况", None, style="H1")
        + _numbered("主动公开情况", level=1)
        + _numbered("依申请公开情况", level=1)
        + _numbered("主动公开政府信息情况", None, style="H1x")
        + f"<w:tbl><w:tr>{cell}</w:tr><w:tr>{cell}</w:tr></w:tbl>"
        + _numbered("要点", num=2)
        + _numbered("另起", num=3, level=2)
        + _numbered("无编号", num=0, style="H1")
        + _numbered("循环样式", None, style="Loop")
    )
    data = _package(
        body, extra={"word/numbering.xml": NUMBERING.encode(), "word/styles.xml": STYLES.encode()}
    )
    assert [line.cells for line in read_docx(data).lines] == [
        ("一、总体情况",),
        ("(一)主动公开情况",),
        ("(二)依申请公开情况",),
        ("二、主动公开政府信息情况",),
        ("1.属于国家秘密", "0"),
        ("2.属于国家秘密", "0"),
        ("要点",),
        ("5.另起",),
        ("无编号",),
        ("循环样式",),
    ]


def _numbering_of(styles: bytes, numbering: bytes) -> tuple[object, ...]:
    n = Numbering(docx_reader._parse(numbering), docx_reader._parse(styles) if styles else None)
    return n.styles, n.style_levels, n.nums, n.abstract


def test_styles_cut_to_numbering_read_the_same() -> None:
    """Numbering reads the cut styles part (ids, basedOn, numPr) exactly as the whole part: on
    python-docx's default template (hundreds of styles, 14 with numbering) and on odd markup."""
    with zipfile.ZipFile(io.BytesIO(_save(docx.Document()))) as zf:
        styles, numbering = zf.read("word/styles.xml"), zf.read("word/numbering.xml")
    cut = numbering_styles(styles)
    assert len(cut) < len(styles) / 5
    assert _numbering_of(cut, numbering) == _numbering_of(styles, numbering)
    assert _numbering_of(cut, numbering)[0]["ListNumber"][0] is not None  # a numbered style kept
    odd = (
        f'<w:styles xmlns:w="{W}"><w:style w:styleId=\'A&amp;B\' w:type="paragraph">'
        '<w:name w:val="x"/><w:basedOn w:val="H1"/></w:style><w:style w:type="table"/>'
        '<w:stylePaneFormatFilter/><w:style\nw:styleId="H1"><w:pPr><w:numPr><w:numId w:val="1"/>'
        "</w:numPr></w:pPr></w:style></w:styles>"
    ).encode()
    assert _numbering_of(numbering_styles(odd), numbering) == _numbering_of(odd, numbering)
    other_prefix = odd.replace(b"w:", b"x:").replace(b"xmlns:w", b"xmlns:x")
    assert numbering_styles(other_prefix) == other_prefix  # read whole
