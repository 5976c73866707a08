"""Word (.docx) reports: the body's paragraphs and tables in document order.

The main document part is read straight from the zip archive and parsed with a locked-down lxml
parser (no entity resolution, no network, no DTD, size-limited), rather than through python-docx,
which loads every part of the package: a hostile file can be a zip bomb or carry external entities.

Paragraphs become ``text`` lines (a paragraph laid out with tabs becomes a ``delimited`` line, a
manual line break starts a new line). Tables become ``grid`` lines built from the XML cells, not
from python-docx's ``row.cells`` (which repeats a merged cell once per grid column): a horizontally
merged cell (``w:gridSpan``) is its text followed by ``None`` for each covered column, and a cell
that continues a vertical merge (``w:vMerge``) is ``None``, so a number printed once is read once.
A table that holds other tables, or has one column only, is page layout: its cells are read as
blocks (paragraphs and tables), as the HTML reader does. Text boxes are read after their paragraph.
Deleted revisions, field codes and drawing fallbacks are skipped. Automatic numbering ("一、",
"（一）", "1." kept in numbering.xml, not in the text) is counted as Word counts it and put before
the paragraph's text, so a numbered label reads as it is printed.

>>> cell = '<w:tc>{}<w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc>'.format
>>> span = cell('<w:tcPr><w:gridSpan w:val="2"/></w:tcPr>', "A")
>>> body = f'<w:p><w:r><w:t>规章</w:t></w:r></w:p><w:tbl><w:tr>{span}</w:tr><w:tr>{cell("", "B")}{cell("", "1")}</w:tr></w:tbl>'
>>> lines = _Reader().body(_parse(_DOC.format(body).encode()))
>>> [(line.cells, line.kind, line.table) for line in lines]
[(('规章',), 'text', None), (('A', None), 'grid', 0), (('B', '1'), 'grid', 0)]
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator

from lxml import etree

from nianbao.errors import UnreadableFile
from nianbao.grid import Cell, Document, Line, normalise_text
from nianbao.read.docx_numbering import Numbering, numbering_styles
from nianbao.read.docx_xml import W_NAMESPACES as _W_NAMESPACES
from nianbao.read.docx_xml import attr as _attr
from nianbao.read.docx_xml import child as _child
from nianbao.read.docx_xml import children_named as _children_named
from nianbao.read.docx_xml import int_attr as _int_attr
from nianbao.read.docx_xml import local as _local

__all__ = ["MAX_PART_BYTES", "read_docx"]

MAX_PART_BYTES = 50 * 1024 * 1024  # uncompressed size of document.xml accepted (zip bombs)
_MAX_META_BYTES = 1024 * 1024
_MAX_STYLE_BYTES = 10 * 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DOC = '<w:document xmlns:w="' + _W_NAMESPACES[0] + '"><w:body>{}</w:body></w:document>'
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)

# Elements whose content is read as if it stood in their place (wrappers), and skipped elements.
_WRAPPERS = frozenset(
    {"sdt", "sdtContent", "customXml", "smartTag", "hyperlink", "ins", "moveTo", "fldSimple", "dir", "bdo"}
)
_SKIPPED = frozenset({"del", "moveFrom", "instrText", "delText", "sdtPr", "rPr", "pPr", "Fallback"})
_DRAWINGS = frozenset({"drawing", "pict", "object"})

_CJK = "\u3000-\u9fff\uff00-\uffef\u2018-\u201d\u2014\u2026"  # CJK, full-width forms, “”‘’—…
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_WS = re.compile(r"\s+")
_TABS = re.compile(r"\t+")


def _clean(text: str) -> str:
    """Whitespace removed between CJK characters (a wrapped label), else one space; then normalised.

    >>> _clean(" （一）予以\\n公开  2024\\u3000年 ")
    '(一)予以公开 2024 年'
    """
    return normalise_text(_WS.sub(" ", _CJK_GAP.sub("", text)).strip()).strip()


def _text_boxes(el: etree._Element) -> Iterator[etree._Element]:
    """The outermost text-box contents inside a drawing, skipping compatibility fallbacks."""
    for child in el:
        name = _local(child)
        if name == "txbxContent":
            yield child
        elif name != "Fallback":
            yield from _text_boxes(child)


def _inline(el: etree._Element, parts: list[str], boxes: list[etree._Element]) -> None:
    """Text of a paragraph's content, in order; text boxes found on the way are collected."""
    for child in el:
        name = _local(child)
        if name in _SKIPPED:
            continue
        if name == "t":
            parts.append(child.text or "")
        elif name == "tab":
            parts.append("\t")
        elif name in ("br", "cr"):
            parts.append("\n")
        elif name == "noBreakHyphen":
            parts.append("-")
        elif name in _DRAWINGS:
            boxes.extend(_text_boxes(child))
        elif name == "AlternateContent":
            choice = _child(child, "Choice")
            if choice is not None:
                _inline(choice, parts, boxes)
        else:  # runs, wrappers, math
            _inline(child, parts, boxes)


class _Reader:
    """Walks the body in document order, collecting Lines."""

    def __init__(self, numbering: Numbering | None = None) -> None:
        self.lines: list[Line] = []
        self.tables = 0
        self.numbering = numbering or Numbering(None, None)

    def body(self, root: etree._Element) -> list[Line]:
        body = next((el for el in root.iter() if _local(el) == "body"), None)
        if body is None:
            raise UnreadableFile("DOCX main document has no body")
        self.blocks(body)
        return self.lines

    def blocks(self, el: etree._Element) -> None:
        for child in el:
            name = _local(child)
            if name == "p":
                self.paragraph(child)
            elif name == "tbl":
                self.table(child)
            elif name in _WRAPPERS:
                self.blocks(child)

    def text(self, p: etree._Element, boxes: list[etree._Element]) -> str:
        """A paragraph's text with its automatic number; its text boxes are added to ``boxes``."""
        parts = [self.numbering.prefix(p)]
        _inline(p, parts, boxes)
        return "".join(parts)

    def paragraph(self, p: etree._Element) -> None:
        boxes: list[etree._Element] = []
        for raw in self.text(p, boxes).split("\n"):
            cells = [c for c in (_clean(part) for part in _TABS.split(raw)) if c]
            if cells:
                self.lines.append(Line(tuple(cells), "text" if len(cells) == 1 else "delimited"))
        for box in boxes:
            self.blocks(box)

    def table(self, tbl: etree._Element) -> None:
        if _is_layout(tbl):
            for tr in _table_rows(tbl):
                for tc in _row_cells(tr):
                    self.blocks(tc)
            return
        index = self.tables
        self.tables += 1
        for tr in _table_rows(tbl):
            cells: list[Cell] = []
            inner: list[etree._Element] = []  # nested tables and text boxes, read after the row
            tr_pr = _child(tr, "trPr")
            cells += [None] * _int_attr(_child(tr_pr, "gridBefore") if tr_pr is not None else None, "val", 0)
            for tc in _row_cells(tr):
                text, span, covered = self.cell(tc, inner)
                cells.append(None if covered and not text else text)
                cells += [None] * (span - 1)
            cells += [None] * _int_attr(_child(tr_pr, "gridAfter") if tr_pr is not None else None, "val", 0)
            if any(cells):
                self.lines.append(Line(tuple(cells), "grid", index))
            for el in inner:
                if _local(el) == "tbl":
                    self.table(el)
                else:
                    self.blocks(el)

    def cell(self, tc: etree._Element, inner: list[etree._Element]) -> tuple[str, int, bool]:
        """A cell's text, the grid columns it spans, and whether a merge covers it (vMerge/hMerge continue)."""
        pr = _child(tc, "tcPr")
        span, covered = 1, False
        if pr is not None:
            found = _children_named(pr, ("gridSpan", "vMerge", "hMerge"))
            span = max(1, _int_attr(found["gridSpan"], "val", 1))
            for merge in ("vMerge", "hMerge"):
                el = found[merge]
                if el is not None and (_attr(el, "val") or "continue") != "restart":
                    covered = True
        paragraphs: list[str] = []
        self.cell_blocks(tc, paragraphs, inner)
        return _clean("\n".join(paragraphs)), span, covered

    def cell_blocks(self, el: etree._Element, paragraphs: list[str], inner: list[etree._Element]) -> None:
        for child in el:
            name = _local(child)
            if name == "p":
                paragraphs.append(self.text(child, inner))
            elif name == "tbl":
                inner.append(child)
            elif name in _WRAPPERS:
                self.cell_blocks(child, paragraphs, inner)


def _is_layout(tbl: etree._Element) -> bool:
    """A table used for page layout, not a report table: one that holds other tables (a whole page
    wrapped in a table, as web-exported documents do), or one column only (a frame around text)."""
    rows = list(_table_rows(tbl))
    if any(next(tc.iter("{*}tbl"), None) is not None for tr in rows for tc in _row_cells(tr)):
        return True
    return all(len(list(_row_cells(tr))) <= 1 for tr in rows)


def _children(parent: etree._Element, name: str) -> Iterator[etree._Element]:
    """Children called `name`, looking through wrapper elements (content controls, custom XML, revisions)
    that Word may put between a table and its rows, or a row and its cells."""
    for child in parent:
        local = _local(child)
        if local == name:
            yield child
        elif local in _WRAPPERS:
            yield from _children(child, name)


def _table_rows(tbl: etree._Element) -> Iterator[etree._Element]:
    return _children(tbl, "tr")


def _row_cells(tr: etree._Element) -> Iterator[etree._Element]:
    return _children(tr, "tc")


# ---------------------------------------------------------------------------------------------------
# The package


def _open(data: bytes) -> zipfile.ZipFile:
    if data[:8] == _OLE_MAGIC:
        raise UnreadableFile(
            "file is an old Word .doc or a password-protected .docx; save it as .docx without a password and re-run"
        )
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as e:
        raise UnreadableFile(
            "not a DOCX: the file is not a zip archive or the archive is damaged; open it in Word, save it again and re-run"
        ) from e


def _member(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """A member's bytes, never more than ``limit`` of them whatever the archive declares."""
    try:
        info = zf.getinfo(name)
        if info.file_size > limit:
            raise UnreadableFile(
                f"DOCX part {name} is too large ({info.file_size / 1e6:.0f} MB uncompressed)"
            )
        with zf.open(info) as f:
            raw = f.read(limit + 1)
    except UnreadableFile:
        raise
    except KeyError as e:
        raise UnreadableFile(f"DOCX is missing its main document ({name})") from e
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
        ValueError,
    ) as e:
        raise UnreadableFile(
            f"DOCX archive is damaged: {name} cannot be extracted; open it in Word, save it again and re-run"
        ) from e
    if len(raw) > limit:
        raise UnreadableFile(f"DOCX part {name} is too large (over {limit / 1e6:.0f} MB uncompressed)")
    return raw


def _parse(raw: bytes) -> etree._Element:
    try:
        return etree.fromstring(raw, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as e:
        raise UnreadableFile(
            "DOCX main document is not well-formed XML; open it in Word, save it again and re-run"
        ) from e


def _optional_xml(zf: zipfile.ZipFile, name: str, limit: int = _MAX_META_BYTES) -> etree._Element | None:
    """A secondary part (relationships, styles, numbering, properties), or None if absent or broken."""
    try:
        return etree.fromstring(_member(zf, name, limit), _PARSER)
    except (UnreadableFile, etree.XMLSyntaxError, ValueError):
        return None


def _targets(zf: zipfile.ZipFile, source: str) -> dict[str, str]:
    """Relationship type (last path segment) → part name, for the part ``source`` ('' for the package)."""
    folder, _, name = source.rpartition("/")
    rels = _optional_xml(zf, f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels")
    out: dict[str, str] = {}
    for rel in rels if rels is not None else ():
        kind, target = (rel.get("Type") or "").rpartition("/")[2], rel.get("Target") or ""
        if target and rel.get("TargetMode") != "External":
            out.setdefault(
                kind, target.lstrip("/") if target.startswith("/") or not folder else f"{folder}/{target}"
            )
    return out


def _styles(zf: zipfile.ZipFile, name: str) -> etree._Element | None:
    """The styles part as numbering reads it (see :func:`_numbering_styles`), None if absent or broken."""
    try:
        return etree.fromstring(numbering_styles(_member(zf, name, _MAX_STYLE_BYTES)), _PARSER)
    except (UnreadableFile, etree.XMLSyntaxError, ValueError):
        return None


def _title(zf: zipfile.ZipFile, part: str) -> str | None:
    core = _optional_xml(zf, part)
    title = next((el.text for el in core.iter() if _local(el) == "title"), None) if core is not None else None
    return (_clean(title)[:300] or None) if title else None


def read_docx(data: bytes) -> Document:
    """Read a .docx report into a :class:`~nianbao.grid.Document`.

    Raises :class:`~nianbao.errors.UnreadableFile` for a file that is not a zip archive (or is an old
    .doc or an encrypted package), a damaged archive, a missing or malformed main document, a main
    document larger than :data:`MAX_PART_BYTES` uncompressed, or a document without any text.

    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     z.writestr("word/document.xml", _DOC.format("<w:p><w:r><w:t>规章</w:t><w:tab/><w:t>3</w:t></w:r></w:p>"))
    >>> [(line.cells, line.kind) for line in read_docx(buf.getvalue()).lines]
    [(('规章', '3'), 'delimited')]
    """
    with _open(data) as zf:
        package = _targets(zf, "")
        part = package.get("officeDocument", "word/document.xml")
        root = _parse(_member(zf, part, MAX_PART_BYTES))
        title = _title(zf, package.get("core-properties", "docProps/core.xml"))
        related = _targets(zf, part)
        numbering_xml = _optional_xml(zf, related.get("numbering", "word/numbering.xml"), _MAX_STYLE_BYTES)
        # styles matter only for numbering: without a numbering instance, no paragraph is numbered
        numbered = numbering_xml is not None and next(numbering_xml.iterchildren("{*}num"), None) is not None
        styles = _styles(zf, related.get("styles", "word/styles.xml")) if numbered else None
        numbering = Numbering(numbering_xml, styles)
    lines = _Reader(numbering).body(root)
    if not lines:
        raise UnreadableFile("DOCX contains no text (only images?)")
    return Document("docx", tuple(lines), title)
