"""Hostile PDFs crafted by hand as bytes (correct xref offsets), for the reader's bounds (issue 16).

Each builder returns a small PDF that made pdfminer.six loop forever or take minutes and gigabytes
before the reader bounded its work: objects that refer to themselves (the /Info title, a page's
/Contents, a font), Form XObjects that draw each other many times over many levels, and one page with
a long content stream of text operators. ``ALL`` names them, for the hostile-corpus tests.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_TEXT = b"BT /F1 12 Tf 72 700 Td (Annual report) Tj ET"


def raw_pdf(objects: list[bytes], info: int | None = None) -> bytes:
    """A PDF from numbered object bodies (object 1 is the catalog), with a correct xref table;
    ``info`` is the number of the object the trailer's /Info points to."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    extra = b" /Info %d 0 R" % info if info else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        extra,
        xref,
    )
    return bytes(out)


def stream(content: bytes, compress: bool = False) -> bytes:
    """A stream object's body."""
    if compress:
        packed = zlib.compress(content, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed)
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)


def _page(
    contents: bytes = b"4 0 R", fonts: bytes = b"<< /F1 " + _FONT + b" >>", extra: bytes = b""
) -> bytes:
    return (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents "
        + contents
        + b" /Resources << /Font "
        + fonts
        + extra
        + b" >> >>"
    )


_CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def self_referring_title() -> bytes:
    """/Info's /Title is object 6, whose value is a reference to object 6 (about 700 bytes)."""
    return raw_pdf(
        [_CATALOG, _PAGES, _page(), stream(_TEXT), b"<< /Title 6 0 R /Producer (x) >>", b"6 0 R"], info=5
    )


def self_referring_contents() -> bytes:
    """The page's /Contents is object 4, whose value is a reference to object 4."""
    return raw_pdf([_CATALOG, _PAGES, _page(), b"4 0 R"])


def self_referring_font() -> bytes:
    """The page's font /F1 is object 5, whose value is a reference to object 5."""
    return raw_pdf([_CATALOG, _PAGES, _page(fonts=b"<< /F1 5 0 R >>"), stream(_TEXT), b"5 0 R"])


def xobject_fan(levels: int = 8, fan: int = 10) -> bytes:
    """Form XObjects that draw the next level ``fan`` times over ``levels`` levels (fan**levels draws
    of the innermost form, about 2 KB)."""
    first = 5  # object number of level 0
    forms = []
    for level in range(levels):
        if level + 1 < levels:
            draw = b" ".join([b"/X Do"] * fan)
            res = b"<< /XObject << /X %d 0 R >> /Font << /F1 %s >> >>" % (first + level + 1, _FONT)
        else:
            draw, res = _TEXT, b"<< /Font << /F1 " + _FONT + b" >> >>"
        forms.append(
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources %s /Length %d >>\n"
            b"stream\n%s\nendstream" % (res, len(draw), draw)
        )
    page = _page(extra=b" /XObject << /X %d 0 R >>" % first)
    return raw_pdf([_CATALOG, _PAGES, page, stream(_TEXT + b" /X Do"), *forms])


def self_drawing_xobject() -> bytes:
    """A Form XObject that draws itself (an endless recursion)."""
    form = b"/X Do " + _TEXT
    body = (
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] "
        b"/Resources << /XObject << /X 5 0 R >> /Font << /F1 %s >> >> /Length %d >>\n"
        b"stream\n%s\nendstream" % (_FONT, len(form), form)
    )
    return raw_pdf([_CATALOG, _PAGES, _page(extra=b" /XObject << /X 5 0 R >>"), stream(b"/X Do"), body])


def long_text_stream(operators: int = 400_000) -> bytes:
    """One page whose compressed content stream shows a character ``operators`` times (a 50 KB file
    that pdfminer turned into minutes and gigabytes)."""
    body = b"BT /F1 1 Tf 72 700 Td " + b"(a) Tj " * operators + b"ET"
    return raw_pdf([_CATALOG, _PAGES, _page(), stream(body, compress=True)])


ALL: dict[str, Callable[[], bytes]] = {
    "self_referring_title": self_referring_title,
    "self_referring_contents": self_referring_contents,
    "self_referring_font": self_referring_font,
    "xobject_fan": xobject_fan,
    "self_drawing_xobject": self_drawing_xobject,
    "long_text_stream": long_text_stream,
}
