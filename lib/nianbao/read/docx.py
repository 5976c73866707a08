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
from dataclasses import dataclass

from lxml import etree

from nianbao.errors import UnreadableFile
from nianbao.grid import Cell, Document, Line, normalise_text

__all__ = ["MAX_PART_BYTES", "read_docx"]

MAX_PART_BYTES = 50 * 1024 * 1024  # uncompressed size of document.xml accepted (zip bombs)
_MAX_META_BYTES = 1024 * 1024
_MAX_STYLE_BYTES = 10 * 1024 * 1024
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


# ---------------------------------------------------------------------------------------------------
# Automatic numbering: Word keeps "一、", "（一）", "1." of numbered paragraphs in numbering.xml, not in
# the text, so the reader counts them itself as Word would.

_HAN_DIGITS = "〇一二三四五六七八九"
_HAN_UNITS = ((1000, "千"), (100, "百"), (10, "十"))
_SERIES = {
    "ideographTraditional": "甲乙丙丁戊己庚辛壬癸",
    "ideographZodiac": "子丑寅卯辰巳午未申酉戌亥",
    "decimalEnclosedCircle": "".join(chr(0x2460 + k) for k in range(20)),
    "decimalEnclosedCircleChinese": "".join(chr(0x2460 + k) for k in range(20)),
    "decimalEnclosedParen": "".join(chr(0x2474 + k) for k in range(20)),
    "decimalEnclosedFullstop": "".join(chr(0x2488 + k) for k in range(20)),
}
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip


def _han(n: int) -> str:
    """Chinese counting numerals as Word writes them: 一, 十, 十一, 二十一, 一百零五.

    >>> [_han(n) for n in (1, 10, 11, 21, 105, 2024)]
    ['一', '十', '十一', '二十一', '一百零五', '二千零二十四']
    """
    if n <= 0 or n >= 10000:
        return str(n)
    out, zero = "", False
    for unit, name in _HAN_UNITS:
        digit, n = divmod(n, unit)
        if digit:
            out += (
                ("零" if zero else "")
                + ("" if unit == 10 and digit == 1 and not out else _HAN_DIGITS[digit])
                + name
            )
            zero = False
        elif out:
            zero = True
    return out + (("零" if zero else "") + _HAN_DIGITS[n] if n else "")


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("none", "bullet"):
        return ""
    if fmt.startswith(("chinese", "japanese", "taiwanese", "ideographDigital", "koreanCounting")):
        if fmt == "chineseLegalSimplified":
            return _han(n).translate(str.maketrans("一二三四五六七八九十百千", "壹贰叁肆伍陆柒捌玖拾佰仟"))
        return _han(n)
    if fmt in _SERIES:
        series = _SERIES[fmt]
        return series[n - 1] if 0 < n <= len(series) else str(n)
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = ""
        for value, digits in _ROMAN:
            while 0 < value <= n:
                roman, n = roman + digits, n - value
        return roman.upper() if fmt == "upperRoman" else roman
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


@dataclass(frozen=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."


_LEVEL_REF = re.compile(r"%([1-9])")


class _Numbering:
    """The numbering definitions of a document and the counters while it is read in order."""

    def __init__(self, numbering: etree._Element | None, styles: etree._Element | None) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.style_levels: dict[str, tuple[str, int]] = {}  # styleId → (abstractNumId, level) via lvl/pStyle
        self.nums: dict[
            str, tuple[str, dict[int, _Level], bool]
        ] = {}  # numId → (abstract, overrides, own count)
        self.styles: dict[
            str, tuple[str | None, int | None, str | None]
        ] = {}  # styleId → numId, ilvl, basedOn
        self.counts: dict[str, list[int | None]] = {}
        if numbering is not None:
            self._read_numbering(numbering)
        if styles is not None:
            self._read_styles(styles)

    def _read_numbering(self, root: etree._Element) -> None:
        for el in root:
            if _local(el) == "abstractNum":
                levels: dict[int, _Level] = {}
                for lvl in el:
                    if _local(lvl) == "lvl":
                        ilvl = _int_attr(lvl, "ilvl", 0)
                        levels[ilvl] = _level(lvl)
                        style = _child(lvl, "pStyle")
                        if style is not None and _attr(style, "val"):
                            self.style_levels[_attr(style, "val") or ""] = (
                                _attr(el, "abstractNumId") or "",
                                ilvl,
                            )
                self.abstract[_attr(el, "abstractNumId") or ""] = levels
        for el in root:
            if _local(el) == "num":
                ref = _child(el, "abstractNumId")
                overrides: dict[int, _Level] = {}
                for over in (c for c in el if _local(c) == "lvlOverride"):
                    ilvl = _int_attr(over, "ilvl", 0)
                    base = self.abstract.get(_attr(ref, "val") or "" if ref is not None else "", {})
                    lvl, start = _child(over, "lvl"), _child(over, "startOverride")
                    level = _level(lvl) if lvl is not None else base.get(ilvl, _Level())
                    if start is not None:
                        level = _Level(_int_attr(start, "val", 1), level.fmt, level.text)
                    overrides[ilvl] = level
                abstract = _attr(ref, "val") or "" if ref is not None else ""
                self.nums[_attr(el, "numId") or ""] = (abstract, overrides, bool(overrides))

    def _read_styles(self, root: etree._Element) -> None:
        for el in root:
            if _local(el) != "style" or not _attr(el, "styleId"):
                continue
            ppr, based = _child(el, "pPr"), _child(el, "basedOn")
            num = _child(ppr, "numPr") if ppr is not None else None
            num_id = ilvl = None
            if num is not None:
                id_el, lvl_el = _child(num, "numId"), _child(num, "ilvl")
                num_id = _attr(id_el, "val") if id_el is not None else None
                ilvl = _int_attr(lvl_el, "val", 0) if lvl_el is not None else None
            self.styles[_attr(el, "styleId") or ""] = (
                num_id,
                ilvl,
                _attr(based, "val") if based is not None else None,
            )

    def _style_num(self, style: str | None) -> tuple[str | None, int | None]:
        for _ in range(10):  # basedOn chains are short; a cycle must not hang the reader
            if style is None or style not in self.styles:
                return None, None
            num_id, ilvl, style_based = self.styles[style]
            if num_id is not None:
                if ilvl is None:
                    ilvl = self.style_levels.get(style, ("", 0))[1]
                return num_id, ilvl
            style = style_based
        return None, None

    def prefix(self, p: etree._Element) -> str:
        """The number Word shows before paragraph ``p`` ('' if none); advances the counters."""
        if not self.nums:
            return ""
        ppr = _child(p, "pPr")
        if ppr is None:
            return ""
        style_el, num = _child(ppr, "pStyle"), _child(ppr, "numPr")
        num_id, ilvl = self._style_num(_attr(style_el, "val") if style_el is not None else None)
        if num is not None:
            id_el, lvl_el = _child(num, "numId"), _child(num, "ilvl")
            num_id = _attr(id_el, "val") if id_el is not None else num_id
            ilvl = _int_attr(lvl_el, "val", 0) if lvl_el is not None else ilvl
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract, overrides, own = self.nums[num_id]
        levels = {**self.abstract.get(abstract, {}), **overrides}
        ilvl = min(ilvl or 0, 8)
        counts = self.counts.setdefault(num_id if own else "a" + abstract, [None] * 9)
        level = levels.get(ilvl, _Level())
        counts[ilvl] = level.start if counts[ilvl] is None else (counts[ilvl] or 0) + 1
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = None

        def number(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            lvl = levels.get(k, _Level())
            return _format_number(counts[k] if counts[k] is not None else lvl.start, lvl.fmt)  # type: ignore[arg-type]

        return "" if level.fmt == "bullet" else _LEVEL_REF.sub(number, level.text)


def _level(lvl: etree._Element) -> _Level:
    start, fmt, text = _child(lvl, "start"), _child(lvl, "numFmt"), _child(lvl, "lvlText")
    return _Level(
        _int_attr(start, "val", 1) if start is not None else 1,
        (_attr(fmt, "val") if fmt is not None else None) or "decimal",
        (_attr(text, "val") if text is not None else None) or "",
    )


class _Reader:
    """Walks the body in document order, collecting Lines."""

    def __init__(self, numbering: _Numbering | None = None) -> None:
        self.lines: list[Line] = []
        self.tables = 0
        self.numbering = numbering or _Numbering(None, None)

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
            span = max(1, _int_attr(_child(pr, "gridSpan"), "val", 1))
            for merge in ("vMerge", "hMerge"):
                el = _child(pr, merge)
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
    if any(_local(el) == "tbl" for tr in rows for tc in _row_cells(tr) for el in tc.iter() if el is not tc):
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


def _title(zf: zipfile.ZipFile, part: str) -> str | None:
    core = _optional_xml(zf, part)
    title = next((el.text for el in core.iter() if _local(el) == "title"), None) if core is not None else None
    return (_clean(title)[:300] or None) if title else None


def read_docx(data: bytes) -> Document:
    """Read a .docx report into a :class:`~nianbao.grid.Document`.

    Raises :class:`~nianbao.errors.UnreadableFile` for a file that is not a zip archive (or is an old
    .doc or an encrypted package), a damaged archive, a missing or malformed main document, a main
    document larger than :data:`MAX_PART_BYTES` uncompressed, or a document without any text.
    """
    with _open(data) as zf:
        package = _targets(zf, "")
        part = package.get("officeDocument", "word/document.xml")
        root = _parse(_member(zf, part, MAX_PART_BYTES))
        title = _title(zf, package.get("core-properties", "docProps/core.xml"))
        related = _targets(zf, part)
        numbering = _Numbering(
            _optional_xml(zf, related.get("numbering", "word/numbering.xml"), _MAX_STYLE_BYTES),
            _optional_xml(zf, related.get("styles", "word/styles.xml"), _MAX_STYLE_BYTES),
        )
    lines = _Reader(numbering).body(root)
    if not lines:
        raise UnreadableFile("DOCX contains no text (only images?)")
    return Document("docx", tuple(lines), title)
