"""Tell a file's format from its bytes, not its name.

>>> sniff(b"%PDF-1.7 ...")
'pdf'
>>> sniff("<html><body><table></table></body></html>".encode())
'html'
>>> sniff("一、总体情况\\n".encode())
'txt'
>>> sniff(b"\\x89PNG\\r\\n\\x1a\\n....")
'image'
"""

from __future__ import annotations

import re
from typing import Literal

from nianbao.errors import UnreadableFile

__all__ = ["Format", "sniff"]

Format = Literal["txt", "html", "pdf", "docx", "image"]

_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|div|table|p|span|center|title|style)\b",
    re.IGNORECASE | re.DOTALL,
)
_HTML_TAGS = re.compile(rb"<(?:table|tr|td|p|div|br|span)\b", re.IGNORECASE)
# PNG, JPEG, TIFF (both byte orders), GIF, BMP, WebP
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF87a", b"GIF89a", b"BM")
_CONTROL = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])


def _controls(head: bytes) -> int:
    """How many control bytes (other than tab, newlines, form feed and escape) ``head`` holds."""
    return len(head) - len(head.translate(None, _CONTROL))


def sniff(data: bytes) -> Format:
    """The format of ``data``; raises UnreadableFile for empty, binary or unsupported files.

    >>> sniff(b"PK\\x03\\x04 ... [Content_Types].xml ... word/document.xml")
    'docx'
    >>> sniff(b"\\xd0\\xcf\\x11\\xe0 ...")
    Traceback (most recent call last):
    nianbao.errors.UnreadableFile: an old Word/Excel (OLE2 .doc/.xls) file; save it as .docx or PDF and re-run
    """
    if not data or data.isspace():  # (not data.strip(): that copies the file)
        raise UnreadableFile("the file is empty")
    head = data[:4096]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[: 1 << 20] or b"[Content_Types].xml" in data[: 1 << 20]:
            return "docx"
        raise UnreadableFile(
            "a zip archive that is not a Word (.docx) document; unpack it or pass it as a corpus"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile("an old Word/Excel (OLE2 .doc/.xls) file; save it as .docx or PDF and re-run")
    if head.startswith(_IMAGE_MAGIC):
        return "image"  # scanned pages: read by OCR
    if head.startswith((b"{\\rtf",)):
        raise UnreadableFile("an RTF file; save it as .docx or PDF and re-run")
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not utf16 and (head.count(b"\x00") > 2 or _controls(head) > len(head) // 100 + 2):
        raise UnreadableFile("binary data, not a text, HTML, PDF or DOCX report")
    probe = head.decode("utf-16", "ignore").encode() if utf16 else head
    if _HTML_START.match(probe.lstrip(b"\xef\xbb\xbf")) or len(_HTML_TAGS.findall(probe)) >= 3:
        return "html"
    return "txt"
