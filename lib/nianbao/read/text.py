"""Plain text and markdown copied out of portals, PDFs and Word files.

Encodings are detected (UTF-8 with or without BOM, UTF-16, GB18030/GBK, Big5) with
charset-normalizer. Lines holding tabs are split into cells ("delimited" lines: blank cells at their
edges are artefacts of merged header cells, so downstream code sets them aside); pipe-separated lines
mark each cell, blank ones included, and are read as grid rows. Markdown heading marks and table
rules are dropped.

>>> doc = read_text("规章\\t0\\t0\\t0\\n| 行政许可 | 5 |\\n## 三、收到\\n".encode())
>>> [(line.cells, line.kind) for line in doc.lines]
[(('规章', '0', '0', '0'), 'delimited'), (('行政许可', '5'), 'grid'), (('三、收到',), 'text')]
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from nianbao.errors import UnreadableFile
from nianbao.grid import Document, Line, normalise_text

__all__ = ["decode", "decode_checked", "read_text", "text_lines"]

_CANDIDATES = ["utf_8", "gb18030", "big5", "utf_16"]
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^\s*#{1,6}\s*")


def decode(data: bytes) -> str:
    """Bytes → str, detecting the encoding; raises UnreadableFile when no encoding fits.

    >>> decode("政府信息公开".encode("gbk")), decode(b"\\xef\\xbb\\xbf" + "规章".encode())
    ('政府信息公开', '规章')
    """
    return decode_checked(data)[0]


def decode_checked(data: bytes) -> tuple[str, bool]:
    """``decode``, and whether the text is ``data`` read as UTF-8 as it stands.

    True when no byte-order mark was dropped and nothing cut or replaced: a parser that reads
    UTF-8 itself (libxml2) can then be handed the bytes instead of a copy of the text.

    >>> decode_checked("规章".encode()), decode_checked(b"\\xef\\xbb\\xbf" + "规章".encode())
    (('规章', True), ('规章', False))
    """
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), False
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError as e:
        if e.start > len(data) - 4:  # a multi-byte character cut at the end (truncated file)
            return data[: e.start].decode("utf-8"), False

    best = from_bytes(data[: 256 * 1024], cp_isolation=_CANDIDATES).best()
    if best is None:
        try:  # GB18030 decodes almost anything that is Chinese text; it is the national standard
            return data.decode("gb18030"), False
        except UnicodeDecodeError:
            raise UnreadableFile("text in an unknown encoding (not UTF-8, GB18030/GBK or Big5)") from None
    return data.decode(best.encoding, errors="replace"), False


def _split(line: str) -> Line:
    if "\t" in line:
        return Line(tuple([c.strip() for c in line.split("\t")]), "delimited")
    if "|" in line:
        s = line.strip()
        parts = [c.strip() for c in s.split("|")]
        if s.startswith("|"):
            parts = parts[1:]
        if s.endswith("|"):
            parts = parts[:-1]
        # pipes mark every cell, blank ones included (markdown tables): read them as a grid
        return Line(tuple(parts), "grid")
    return Line((line.strip(),), "text")


def text_lines(text: str) -> tuple[Line, ...]:
    """Split normalised text into lines of cells; blank lines and markdown rules are dropped.

    >>> [line.cells for line in text_lines("| 规章 | 3 |\\n|---|---|\\n\\n## 三、申请\\n")]
    [('规章', '3'), ('三、申请',)]
    """
    out = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or ("--" in raw and _MD_RULE.match(raw)):  # a rule has "--" in every cell
            continue
        if "#" in raw:
            line = _split(_HEADING.sub("", raw, count=1))
        elif "\t" in raw or "|" in raw:
            line = _split(raw)
        else:  # running text, most lines: what _split gives
            out.append(Line((stripped,), "text"))
            continue
        if any(line.cells):
            out.append(line)
    return tuple(out)


def read_text(data: bytes) -> Document:
    """Read a plain-text or markdown report.

    >>> doc = read_text("（一）行政许可\\t５\\n".encode("gb18030"))
    >>> doc.format, doc.line_texts
    ('txt', ('(一)行政许可 5',))
    """
    return Document("txt", text_lines(normalise_text(decode(data))))
