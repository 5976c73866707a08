"""How many Form XObjects a page draws, counted before PDFium expands them (which it does without a limit).

A Form XObject is a content stream a page draws with ``/Name Do``; it can draw other forms. A 2 KB
file whose forms draw each other 10 times over 8 levels asks for 10^8 expansions: PDFium never
finishes it. pdfminer's object layer (lazy, bounded by :mod:`nianbao.read.pdf_miner`) reads the
page's content and its forms' content, each stream once, and counts the draws with the same costs as
pdfminer's interpreter: a form drawn costs ``FORM_UNITS`` of ``max_operators``, forms nested deeper
than ``max_form_depth`` fail the file. A form that draws itself is not followed (PDFium skips it too).
"""

from __future__ import annotations

import re
from typing import Any

from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFStream, resolve1

from nianbao.read.pdf_miner import FORM_UNITS, PdfLimit, open_miner
from nianbao.read.pdf_settings import PdfSettings

__all__ = ["FormCounter", "may_use_forms"]

_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s*Do\b")


def may_use_forms(data: bytes) -> bool:
    """Whether the file may hold a Form XObject: one is named in plain bytes, or objects are packed
    in compressed object streams where a name cannot be seen.

    >>> may_use_forms(b"5 0 obj << /Type /XObject /Subtype /Form >>"), may_use_forms(b"<< /Type /Page >>")
    (True, False)
    """
    return b"/Form" in data or b"/ObjStm" in data


def _is_form(obj: Any) -> bool:

    return isinstance(obj, PDFStream) and getattr(resolve1(obj.get("Subtype")), "name", None) == "Form"


class FormCounter:
    """Counts, page by page, the Form XObjects a page would draw; raises PdfLimit past the bounds."""

    def __init__(self, data: bytes, s: PdfSettings) -> None:

        self.s = s
        self.source = open_miner(data, s, float("inf"))
        self.pages = PDFPage.create_pages(self.source.doc)
        self.seen: list[Any] = []
        self.draws: dict[int, int] = {}  # form object id → forms it draws, itself included

    def check(self, index: int, number: int) -> None:
        """Raise PdfLimit when page ``index`` (0-based; ``number`` for messages) draws too many forms."""
        while len(self.seen) <= index:
            page = next(self.pages, None)
            if page is None:
                return
            self.seen.append(page)
        page = self.seen[index]
        total = self._count(page.contents, page.resources, 0, set(), number)
        if total * FORM_UNITS > self.s.max_operators:
            raise self._too_many(number)

    def _too_many(self, number: int) -> PdfLimit:
        return PdfLimit.too_much(number, self.s)

    def _count(self, streams: Any, resources: Any, depth: int, active: set[int], number: int) -> int:

        xobjects = resolve1((resolve1(resources) or {}).get("XObject")) or {}
        if not isinstance(xobjects, dict) or not any(_is_form(resolve1(x)) for x in xobjects.values()):
            return 0  # no form to draw: the content need not be read
        total = 0
        for item in streams or []:
            stream = resolve1(item)
            if not isinstance(stream, PDFStream):
                continue
            for name in _DO.findall(stream.get_data()):
                ref = xobjects.get(name.decode("latin-1"))
                form = resolve1(ref)
                if not _is_form(form):
                    continue
                key = getattr(ref, "objid", id(form))
                if key in active:  # draws itself: not followed
                    continue
                if depth + 1 > self.s.max_form_depth:
                    raise PdfLimit.too_deep(number, self.s)
                if key not in self.draws:
                    inner = form.get("Resources") or resources
                    self.draws[key] = 1 + self._count([form], inner, depth + 1, active | {key}, number)
                total += self.draws[key]
                if total * FORM_UNITS > self.s.max_operators:
                    raise self._too_many(number)
        return total
