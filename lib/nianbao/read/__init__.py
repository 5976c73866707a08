"""Readers: bytes of any supported format → :class:`nianbao.grid.Document`.

One module per format; :func:`read_document` picks the reader from the bytes (see ``sniff``).
"""

from __future__ import annotations

from nianbao.grid import Document
from nianbao.read.sniff import Format, sniff

__all__ = ["Format", "read_document", "sniff"]


def read_document(data: bytes, fmt: Format | None = None) -> Document:
    """Read ``data`` into a Document; raises :class:`nianbao.errors.UnreadableFile` when it cannot."""
    fmt = fmt or sniff(data)
    if fmt == "pdf":
        from nianbao.read.pdf import read_pdf

        return read_pdf(data)
    if fmt == "docx":
        from nianbao.read.docx import read_docx

        return read_docx(data)
    if fmt == "html":
        from nianbao.read.html import read_html

        return read_html(data)
    from nianbao.read.text import read_text

    return read_text(data)
