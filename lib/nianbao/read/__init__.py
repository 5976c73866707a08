"""Readers: bytes of any supported format → :class:`nianbao.grid.Document`.

One module per format; :func:`read_document` picks the reader from the bytes (see ``sniff``).
:data:`READERS` is the registry: for each format, the module and function that read it and the run
options (:class:`nianbao.options.RunOptions` fields) it takes as keyword arguments. A new format is a
new module and a new entry here; a reader's settings type becomes a field of ``RunOptions``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from typing import Any

from nianbao.grid import Document
from nianbao.read.container import NOT_FOUND, looks_like_container, unwrap
from nianbao.read.sniff import Format, sniff

__all__ = ["READERS", "Format", "Reader", "read_document", "sniff"]


@dataclass(frozen=True, slots=True)
class Reader:
    """Where a format's reader is (imported on first use) and the run options it takes.

    ``settings`` pairs a :class:`~nianbao.options.RunOptions` field with the keyword argument of
    the reader function that receives it.
    """

    module: str
    function: str
    settings: tuple[tuple[str, str], ...] = ()

    @property
    def options(self) -> tuple[str, ...]:
        """The run options this reader takes."""
        return tuple(option for option, _ in self.settings)

    def load(self) -> Any:
        return getattr(importlib.import_module(self.module), self.function)


READERS: dict[str, Reader] = {
    # a PDF without a text layer is read by OCR (read.scan), as the ocr settings say
    "pdf": Reader("nianbao.read.scan", "read_pdf_or_scan", (("pdf", "settings"), ("ocr", "ocr"))),
    "image": Reader("nianbao.read.ocr", "read_image", (("ocr", "settings"),)),
    "docx": Reader("nianbao.read.docx", "read_docx"),
    "html": Reader("nianbao.read.html", "read_html"),
    "txt": Reader("nianbao.read.text", "read_text"),
}


def read_document(data: bytes, fmt: Format | None = None, options: Any = None) -> Document:
    """Read ``data`` into a Document; raises :class:`nianbao.errors.UnreadableFile` when it cannot.

    ``options``: a :class:`nianbao.options.RunOptions` (or None for every reader's defaults); each
    reader gets the fields its :data:`READERS` entry names.

    >>> read_document("2021年某县政府信息公开工作年度报告".encode()).format
    'txt'

    A JSON response or JavaScript file holding the report page in a string is read as that page:

    >>> page = "<p>" + "某县2021年政府信息公开工作年度报告" * 10 + "</p><table><tr><td>规章</td><td>3</td></tr></table>"
    >>> doc = read_document(('var data = {"content": ' + repr(page) + "};").encode())
    >>> doc.format, doc.lines[-1].cells, doc.notes
    ('html', ('规章', '3'), ('read from content of a JSON or JavaScript data file',))
    """
    fmt = fmt or sniff(data)
    if fmt in ("txt", "html") and looks_like_container(data):
        return _read_container(data)
    reader = READERS.get(fmt, READERS["txt"])
    if options is None:
        return reader.load()(data)
    kwargs = {keyword: getattr(options, option) for option, keyword in reader.settings}
    return reader.load()(data, **kwargs)


def _read_container(data: bytes) -> Document:
    """A JSON or JavaScript file: the report page one of its strings holds (:mod:`.container`),
    or the file as text, noted, when none does (it is then not a report, and says why)."""
    found = unwrap(data)
    if found is None:
        doc = READERS["txt"].load()(data)
        return replace(doc, notes=(NOT_FOUND, *doc.notes))
    doc = READERS["html" if found.is_html else "txt"].load()(found.html)
    return replace(doc, notes=(f"read from {found.where} of a JSON or JavaScript data file", *doc.notes))
