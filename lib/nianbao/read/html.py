"""HTML pages as saved from government portals.

The report's ``<table>`` elements become grid lines with rowspan/colspan expanded (covered cells are
``None``, so a number printed once is read once); paragraphs and other blocks become text lines.
Scripts, styles, forms, comments and navigation are dropped. A table that contains other tables is
page layout, not a report table: its cells are read as blocks. Nothing is fetched: lxml's HTML
parser is used with network access off, and no external entity is resolved.

>>> page = "<html><body><nav>menu</nav><p>规章</p><table><tr><td rowspan=2>A</td><td colspan=2>1</td></tr>"
>>> page += "<tr><td>2</td><td>3</td></tr></table><script>x()</script></body></html>"
>>> [(line.cells, line.kind) for line in read_html(page.encode()).lines]
[(('规章',), 'text'), (('A', '1', None), 'grid'), ((None, '2', '3'), 'grid')]
"""

from __future__ import annotations

import codecs
import re
import threading
from collections.abc import Iterator
from operator import itemgetter
from typing import cast

from lxml import etree

from nianbao.errors import UnreadableFile
from nianbao.grid import Document, Line, nfkc, normalise_text
from nianbao.read.text import decode_checked

__all__ = ["read_html"]

_DROP = {
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "nav",
    "select",
    "option",
    "button",
    "input",
    "textarea",
    "head",
    "map",
    "audio",
    "video",
    "canvas",
}
_BLOCK = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "center",
    "form",
    "main",
    "aside",
    "figure",
    "figcaption",
    "address",
    "hr",
    "caption",
    "tr",
    "td",
    "th",
    "tbody",
    "thead",
    "tfoot",
    "body",
    "html",
}
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w-]+)", re.IGNORECASE)
_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")
_WS = re.compile(r"\s+")
_MAX_SPAN = 200


_UTF8 = ("utf-8", "utf8")
_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*>")


def _decode(data: bytes) -> tuple[str, bool]:
    """The page's text (the encoding its <meta> declares, else detected), and whether it is ``data``
    read as UTF-8 as it stands (``decode_checked``)."""
    m = _META_CHARSET.search(data[:4096])
    if m:
        enc = m.group(1).decode("ascii", "ignore").lower()
        if enc in ("gb2312", "gbk"):
            enc = "gb18030"
        try:
            return data.decode(enc), enc in _UTF8 and not data.startswith(codecs.BOM_UTF8)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_checked(data)


# lxml's plain elements: lxml.html's element classes cost a Python call per element proxy.
# ``huge_tree`` lifts libxml2's nesting limit from 256 levels to 2048 (a report inside 300 nested
# <div>s was cut off, silently in recover mode) and its limit on one text node; the work stays
# bounded by the file-size limit. One pair of parsers per thread, made once: the depth check reads
# the parser's error log, which another thread's parse would overwrite.
_OPTIONS = {
    "remove_comments": True,
    "remove_pis": True,
    "no_network": True,
    "recover": True,
    "collect_ids": False,
    "huge_tree": True,
}
_PER_THREAD = threading.local()


def _parsers() -> tuple[etree.HTMLParser, etree.HTMLParser]:
    """(text parser, UTF-8 bytes parser) of this thread."""
    made: tuple[etree.HTMLParser, etree.HTMLParser] | None = getattr(_PER_THREAD, "parsers", None)
    if made is None:
        made = _PER_THREAD.parsers = (
            etree.HTMLParser(**_OPTIONS),
            etree.HTMLParser(**_OPTIONS, encoding="utf-8"),
        )
    return made


def _too_deep(parser: etree.HTMLParser) -> bool:
    """Did the parser stop at libxml2's depth limit (the rest of the page is then lost)?"""
    last = parser.error_log.last_error
    return last is not None and last.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT


# Tags that nest without structure on broken pages (thousands of unclosed <font>, <div>s inside
# each other): what a page too deep to parse is read without. Blocks become line breaks.
_NESTING = re.compile(
    r"<(/?)(div|section|article|center|blockquote|main|aside|header|footer|ul|ol|li|dl|dd|dt"
    r"|(span|font|b|i|u|em|strong|a|small|big|sub|sup|s|strike|ins|del|mark|label))\b[^<>]*>",
    re.IGNORECASE,
)
_TOO_DEEP = (
    "the HTML page nests its elements over 2048 levels deep (broken or hostile markup) and cannot be read; "
    "save the report's text or open it in a browser and save it again"
)


def _flatten(text: str) -> str:
    return _NESTING.sub(lambda m: "" if m.group(3) else "<br>", text)


def _parse(data: bytes) -> etree._Element | None:
    """The page's element tree (None when it holds no element).

    lxml hands libxml2 a str as UTF-16 (as UTF-32 or Latin-1 in other cases), which libxml2
    converts back to UTF-8 before it parses: a page that is UTF-8 is handed over as its bytes,
    with the encoding given so that a <meta> cannot make libxml2 read them otherwise. lxml
    refuses a str that starts with an XML declaration naming an encoding (XHTML portal pages
    do): the text is decoded already, so the declaration is dropped. A page nested deeper than
    libxml2 reads is parsed again without its inline and block wrappers (:func:`_flatten`).
    """
    text_parser, utf8_parser = _parsers()
    text, utf8 = _decode(data)
    if utf8 and not text.startswith("<?xml"):
        root = etree.fromstring(data, utf8_parser)
        if not _too_deep(utf8_parser):
            return root
    else:
        text = _XML_DECLARATION.sub("", text, count=1)
        root = etree.fromstring(text, text_parser)
        if not _too_deep(text_parser):
            return root
    root = etree.fromstring(_flatten(text), text_parser)
    if _too_deep(text_parser):
        raise UnreadableFile(_TOO_DEEP)
    return root


_CELLS: dict[str, tuple[str, str]] = {}


def _cell(raw: str) -> tuple[str, str]:
    """(cleaned, final) text of a cell: ``_clean``, then NFKC and stripped (see ``read_html``).

    Memoised: cell texts repeat within and across reports ("0", the template's labels).
    """
    hit = _CELLS.get(raw)
    if hit is None:
        cleaned = _clean(raw)
        hit = (cleaned, nfkc(cleaned).strip())
        if len(_CELLS) < 100_000:
            _CELLS[raw] = hit
    return hit


def _clean(text: str) -> str:
    """Inner whitespace of a cell: none between CJK characters (a label wrapped in its cell), else one space."""
    return _WS.sub(" ", _CJK_GAP.sub("", text)).strip()


def _text_into(node: etree._Element, parts: list[str]) -> None:
    """Append the text of ``node`` and its descendants: <br> and the end of <p>/<div> break lines.

    A walk with a stack of its own (not recursion: a hostile page nests thousands of levels).
    """
    if node.tag == "br":  # (lxml makes a new string at each .tag, .text and .tail: each is read once)
        parts.append("\n")
    text = node.text
    if text:
        parts.append(text)
    stack = [(node, iter(node))]
    while stack:
        parent, children = stack[-1]
        for child in children:
            child_tag = child.tag
            if isinstance(child_tag, str) and child_tag not in _DROP:
                if child_tag == "br":
                    parts.append("\n")
                text = child.text
                if text:
                    parts.append(text)
                stack.append((child, iter(child)))
                break
            tail = child.tail
            if tail:
                parts.append(tail)
        else:  # the parent's children are done
            stack.pop()
            if parent.tag in {"p", "div"}:
                parts.append("\n")
            if stack:  # a child of the node below it: its tail follows it
                tail = parent.tail
                if tail:
                    parts.append(tail)


def _cell_text(el: etree._Element) -> tuple[str, str]:
    """(cleaned, final) text of a table cell (``_cell``)."""
    n = len(el)
    if n == 1:  # the usual cell, <td><p>text</p></td>: what _text_into gives, without the walk
        p = el[0]
        if p.tag == "p" and len(p) == 0:
            before, after = el.text, p.tail
            if before is None and after is None:  # "text\n" cleans as "text" (trailing space is stripped)
                raw = p.text or ""
            else:
                raw = f"{before or ''}{p.text or ''}\n{after or ''}"
        else:
            raw = _walk_text(el)
    elif n == 0:
        raw = el.text or ""
    else:
        raw = _walk_text(el)
    hit = _CELLS.get(raw)  # (``_cell``'s memo, looked up here: most cells are in it)
    return hit if hit is not None else _cell(raw)


def _walk_text(el: etree._Element) -> str:
    parts: list[str] = []
    _text_into(el, parts)
    return "".join(parts)


_string_value = etree.XPath("string()", smart_strings=False)  # what lxml.html's text_content() is


def _title(root: etree._Element) -> str | None:
    """The first <title>'s text, cleaned (not memoised: one per page)."""
    el = next(root.iterdescendants("title"), None)  # what root.find(".//title") does, without ElementPath
    if el is None:
        return None
    # an element with nothing but text inside: .text is its string value (without an XPath call)
    return _clean((el.text or "") if len(el) == 0 else _string_value(el))


_ROWS = etree.XPath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")  # compiled once


def _rows(table: etree._Element) -> list[etree._Element]:
    return _ROWS(table)


_NON_DIGITS = re.compile(r"\D")


_SPANS: dict[str, int] = {}


def _span(raw: str) -> int:
    """A rowspan/colspan attribute's value: digits only, 1 to _MAX_SPAN (memoised: "2", "3"...)."""
    hit = _SPANS.get(raw)
    if hit is None:
        try:
            hit = max(1, min(_MAX_SPAN, int(_NON_DIGITS.sub("", raw) or 1)))
        except ValueError:
            hit = 1
        if len(_SPANS) < 10_000:
            _SPANS[raw] = hit
    return hit


_Cell = tuple[str, str]  # (cleaned, final) text of a cell, see ``_cell``
_Row = list[_Cell | None]  # a line's cells by column; None where a span covers the column
_CELL_TAGS = frozenset({"td", "th"})
_FINAL = itemgetter(1)  # a cell's final text


def _grid(table: etree._Element, index: int) -> list[tuple[Line, _Row]]:
    """Expand rowspan/colspan: the text stands in the top-left cell, covered cells are None.

    Each row comes with its cells' (cleaned, final) texts, for ``read_html``'s traditional pages.
    """
    rows = _rows(table)
    covered: list[set[int]] = [set() for _ in rows]  # per row, the columns a span above or left covers
    out: list[tuple[Line, _Row]] = []
    for r, tr in enumerate(rows):
        cells: _Row = []  # cells[c]: the cell at column c
        here = covered[r]
        for td in tr:
            if td.tag not in _CELL_TAGS:
                continue
            if here:
                while len(cells) in here:
                    cells.append(None)
            cells.append(_cell_text(td))
            rowspan, colspan = td.get(b"rowspan"), td.get(b"colspan")  # (bytes: lxml encodes a str key)
            if rowspan is not None or colspan is not None:  # a plain cell covers nothing
                _cover(rowspan, colspan, r, len(cells) - 1, covered)
        if here:
            if max(here) >= len(cells):
                cells.extend([None] * (max(here) + 1 - len(cells)))
            final = tuple([cell[1] if cell is not None else None for cell in cells])
        else:  # no column covered: every column holds a cell
            final = tuple(map(_FINAL, cast("list[_Cell]", cells)))
        if any(final) or any(cell[0] for cell in cells if cell is not None):
            out.append((Line(final, "grid", index), cells))
    return out


def _cover(rowspan: str | None, colspan: str | None, r: int, c: int, covered: list[set[int]]) -> None:
    """Mark the columns the cell at row ``r``, column ``c`` spans beside and below it."""
    rows = 1 if rowspan is None else min(_span(rowspan), len(covered) - r)
    cols = 1 if colspan is None else _span(colspan)
    if cols > 1:
        covered[r].update(range(c + 1, c + cols))
    for below in covered[r + 1 : r + rows]:
        below.update(range(c, c + cols))


class _Walker:
    def __init__(self) -> None:
        self.lines: list[tuple[Line, _Row]] = []  # each with its cells' (cleaned, final) texts
        self.buf: list[str] = []
        self.tables = 0

    def flush(self) -> None:
        if not self.buf:  # (blocks end next to each other: most flushes have nothing to flush)
            return
        cell = _cell("".join(self.buf))
        if cell[0]:
            self.lines.append((Line((cell[1],), "text"), [cell]))
        self.buf = []

    def walk(self, root: etree._Element) -> None:
        """Read ``root`` and its descendants into lines, in document order.

        A walk with a stack of its own (not recursion: a hostile page nests thousands of levels):
        an element's children are read, then the element is closed (the end of a block flushes
        the text, its tail follows). The stack holds, per open element, the iterator over its
        parent's children, and whether the element is a block, and its tail.
        """
        stack: list[tuple[Iterator[etree._Element], bool, str | None]] = []
        children: Iterator[etree._Element] = iter((root,))
        block, tail = False, None  # of the open element whose children ``children`` are
        while True:
            for el in children:
                tag = el.tag
                if not isinstance(tag, str) or not tag or tag in _DROP:
                    el_tail = el.tail
                    if el_tail:
                        self.buf.append(el_tail)
                    continue
                if tag == "table" and next(el.iterdescendants("table"), None) is None:
                    self.flush()
                    self.lines.extend(_grid(el, self.tables))
                    self.tables += 1
                    el_tail = el.tail
                    if el_tail:
                        self.buf.append(el_tail)
                    continue
                el_block = tag in _BLOCK or tag == "table"
                if (el_block or tag == "br") and self.buf:  # (flush's own test, without the call)
                    self.flush()
                text = el.text
                if text:
                    self.buf.append(text)
                stack.append((children, block, tail))
                children, block, tail = iter(el), el_block, el.tail
                break
            else:  # the open element's children are done: close it
                if not stack:
                    return
                if block and self.buf:
                    self.flush()
                if tail:
                    self.buf.append(tail)
                children, block, tail = stack.pop()


_UNPARSABLE = "the HTML page holds no readable text (empty or not HTML); open it in a browser to check it"


def read_html(data: bytes) -> Document:
    """Read a portal page or HTML fragment into lines; raises UnreadableFile if it holds no text.

    >>> doc = read_html("<title>年度报告</title><p>（一）予以公开</p><table><tr><td>１２</td></tr></table>".encode())
    >>> doc.title, doc.line_texts
    ('年度报告', ('(一)予以公开', '12'))
    """
    try:
        root = _parse(data)
    except (etree.ParserError, ValueError) as e:
        raise UnreadableFile(_UNPARSABLE) from e
    if root is None:
        raise UnreadableFile(_UNPARSABLE)
    title = _title(root)
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    title = normalise_text(title) if title else None
    # Cells are in NFKC one by one, which is NFKC of the whole page (line and cell breaks are
    # characters it never composes across); only the traditional-characters decision needs the page.
    doc = Document("html", tuple(line for line, _ in walker.lines), title)
    if not doc.traditional:  # (text and decision are kept on the document: the parser reads them too)
        return doc
    # Cleaned cells hold no newline or \x1e/\x1f (``_clean`` made them spaces): convert the page
    # as one text, as normalise_text does, and cut it back into its cells.
    raw = ["\x1f".join(c[0] if c is not None else "\x1e" for c in cells) for _, cells in walker.lines]
    norm = normalise_text("\n".join(raw))
    converted = []
    for line, new in zip(doc.lines, norm.split("\n"), strict=True):
        cells = tuple(None if c == "\x1e" else c.strip() for c in new.split("\x1f"))
        converted.append(Line(cells, line.kind, line.table))
    return Document("html", tuple(converted), title)
