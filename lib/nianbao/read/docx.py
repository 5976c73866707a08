"""Word (.docx) reports: the body's paragraphs and tables in document order.

The main document part is read straight from the zip archive and parsed with a locked-down lxml
parser (no entity resolution, no network, no DTD, size-limited), rather than through python-docx,
which loads every part of the package: a hostile file can be a zip bomb or carry external entities.

Paragraphs become ``text`` lines (a paragraph laid out with tabs becomes a ``delimited`` line, a
manual line break starts a new line). Tables become ``grid`` lines built from the XML cells, not
from python-docx's ``row.cells`` (which repeats a merged cell once per grid column): a horizontally
merged cell (``w:gridSpan``) is its text followed by ``None`` for each covered column, and a cell
that continues a vertical merge (``w:vMerge``) is ``None``, so a number printed once is read once.
Tables nested in a cell are emitted, as tables of their own, right after the row that holds them;
so are text boxes. Deleted revisions, field codes and drawing fallbacks are skipped.

>>> lines = _Reader().body(_parse(_DOC.format(
...     '<w:p><w:r><w:t>规章</w:t></w:r></w:p>'
...     '<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>A</w:t></w:r></w:p></w:tc>'
...     '</w:tr></w:tbl>').encode()))
>>> [(line.cells, line.kind, line.table) for line in lines]
[(('规章',), 'text', None), (('A', None), 'grid', 0)]
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

__all__ = ["MAX_PART_BYTES", "read_docx"]

MAX_PART_BYTES = 50 * 1024 * 1024  # uncompressed size of document.xml accepted (zip bombs)
_MAX_META_BYTES = 1024 * 1024
_MAX_SPAN = 64  # Word tables have at most 63 columns
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_W_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # ISO 29500 strict
)
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


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _attr(el: etree._Element, name: str) -> str | None:
    for ns in _W_NAMESPACES:
        value = el.get(f"{{{ns}}}{name}")
        if value is not None:
            return value
    return None


def _child(el: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in el if _local(c) == name), None)


def _int_attr(el: etree._Element | None, name: str, default: int) -> int:
    if el is None:
        return default
    try:
        return max(0, min(int(_attr(el, name) or default), _MAX_SPAN))
    except ValueError:
        return default


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

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.tables = 0

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

    def paragraph(self, p: etree._Element) -> None:
        parts: list[str] = []
        boxes: list[etree._Element] = []
        _inline(p, parts, boxes)
        for raw in "".join(parts).split("\n"):
            cells = [c for c in (_clean(part) for part in _TABS.split(raw)) if c]
            if cells:
                self.lines.append(Line(tuple(cells), "text" if len(cells) == 1 else "delimited"))
        for box in boxes:
            self.blocks(box)

    def table(self, tbl: etree._Element) -> None:
        index = self.tables
        self.tables += 1
        for tr in _table_rows(tbl):
            cells: list[Cell] = []
            inner: list[etree._Element] = []  # nested tables and text boxes, read after the row
            tr_pr = _child(tr, "trPr")
            cells += [None] * _int_attr(_child(tr_pr, "gridBefore") if tr_pr is not None else None, "val", 0)
            for tc in _row_cells(tr):
                text, span, covered = _cell(tc, inner)
                cells.append(None if covered and not text else text)
                cells += [None] * (span - 1)
            cells += [None] * _int_attr(_child(tr_pr, "gridAfter") if tr_pr is not None else None, "val", 0)
            if any(cells):
                self.lines.append(Line(tuple(cells), "grid", index))
            for el in inner:
                self.table(el) if _local(el) == "tbl" else self.blocks(el)


def _table_rows(tbl: etree._Element) -> Iterator[etree._Element]:
    for child in tbl:
        name = _local(child)
        if name == "tr":
            yield child
        elif name in _WRAPPERS:
            yield from _table_rows(child)


def _row_cells(tr: etree._Element) -> Iterator[etree._Element]:
    for child in tr:
        name = _local(child)
        if name == "tc":
            yield child
        elif name in _WRAPPERS:
            yield from _row_cells(child)


def _cell(tc: etree._Element, inner: list[etree._Element]) -> tuple[str, int, bool]:
    """A cell's text, the grid columns it spans, and whether a merge covers it (vMerge/hMerge continue)."""
    pr = _child(tc, "tcPr")
    span, covered = 1, False
    if pr is not None:
        span = max(1, _int_attr(_child(pr, "gridSpan"), "val", 1))
        for merge in ("vMerge", "hMerge"):
            el = _child(pr, merge)
            if el is not None and (_attr(el, "val") or "continue") != "restart":
                covered = True
    paragraphs: list[str] = []
    _cell_blocks(tc, paragraphs, inner)
    return _clean("\n".join(paragraphs)), span, covered


def _cell_blocks(el: etree._Element, paragraphs: list[str], inner: list[etree._Element]) -> None:
    for child in el:
        name = _local(child)
        if name == "p":
            parts: list[str] = []
            _inline(child, parts, inner)
            paragraphs.append("".join(parts))
        elif name == "tbl":
            inner.append(child)
        elif name in _WRAPPERS:
            _cell_blocks(child, paragraphs, inner)


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
            f"not a DOCX: the file is not a zip archive or the archive is damaged ({e})"
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
        raise UnreadableFile(f"DOCX archive is damaged: {name} cannot be extracted ({e})") from e
    if len(raw) > limit:
        raise UnreadableFile(f"DOCX part {name} is too large (over {limit / 1e6:.0f} MB uncompressed)")
    return raw


def _parse(raw: bytes) -> etree._Element:
    try:
        return etree.fromstring(raw, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as e:
        raise UnreadableFile(f"DOCX main document is not well-formed XML ({e})") from e


def _main_part(zf: zipfile.ZipFile) -> str:
    """The main document's name, from the package relationships (usually word/document.xml)."""
    try:
        rels = etree.fromstring(_member(zf, "_rels/.rels", _MAX_META_BYTES), _PARSER)
    except (UnreadableFile, etree.XMLSyntaxError, ValueError):
        return "word/document.xml"
    for rel in rels:
        if (rel.get("Type") or "").endswith("/officeDocument") and rel.get("Target"):
            return (rel.get("Target") or "").lstrip("/")
    return "word/document.xml"


def _title(zf: zipfile.ZipFile) -> str | None:
    try:
        core = etree.fromstring(_member(zf, "docProps/core.xml", _MAX_META_BYTES), _PARSER)
    except (UnreadableFile, etree.XMLSyntaxError, ValueError):
        return None
    title = next((el.text for el in core.iter() if _local(el) == "title"), None)
    return _clean(title)[:300] or None if title else None


def read_docx(data: bytes) -> Document:
    """Read a .docx report into a :class:`~nianbao.grid.Document`.

    Raises :class:`~nianbao.errors.UnreadableFile` for a file that is not a zip archive (or is an old
    .doc or an encrypted package), a damaged archive, a missing or malformed main document, a main
    document larger than :data:`MAX_PART_BYTES` uncompressed, or a document without any text.
    """
    with _open(data) as zf:
        part = _main_part(zf)
        root = _parse(_member(zf, part, MAX_PART_BYTES))
        title = _title(zf)
    lines = _Reader().body(root)
    if not lines:
        raise UnreadableFile("DOCX contains no text (only images?)")
    return Document("docx", tuple(lines), title)
