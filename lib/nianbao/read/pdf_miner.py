"""The pdfminer.six engine of the PDF reader: pages → :class:`~nianbao.read.pdf_page.PageContent`, bounded.

pdfminer runs without its layout analysis (``laparams=None``): the reader groups characters itself.
A hostile file must not make it loop or grow without bound, so its work is bounded here:

- object references: an object whose value is a reference (to itself, or a chain longer than
  ``MAX_REF_CHAIN``) is null, not an endless loop in pdfminer's ``resolve1``;
- content: every operand and operator a page's content streams (its Form XObjects included) hand to
  the interpreter is counted; past ``max_operators``, or with Form XObjects nested deeper than
  ``max_form_depth``, or past the reading's deadline (checked every few thousand operators, so also
  within one page), the page raises :class:`PdfLimit` and the file is failed — a page skipped there
  could be part of a table, and a table read without it would look complete;
- streams: a compressed stream inflates to at most ``MAX_STREAM_BYTES`` (the page is then damaged).
"""

from __future__ import annotations

import functools
import io
import logging
import time
import zlib
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pdfminer.pdftypes
from pdfminer.converter import PDFPageAggregator
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, resolve1
from pdfminer.utils import decode_text

from nianbao.errors import UnreadableFile
from nianbao.read.pdf_page import PageContent, page_content
from nianbao.read.pdf_settings import PdfSettings

__all__ = ["FORM_UNITS", "MAX_REF_CHAIN", "MAX_STREAM_BYTES", "MinerSource", "PdfLimit", "open_miner"]

# pdfminer logs a warning for every oddity of a font (thousands per file); without a handler of
# its own they reach stderr through logging's last resort. An application that configures logging
# still receives them.
logging.getLogger("pdfminer").addHandler(logging.NullHandler())

MAX_REF_CHAIN = 32  # an object that is a reference to a reference … at most this deep
_CHECK_EVERY = 4096  # operators between two looks at the clock
FORM_UNITS = 100  # what running one Form XObject costs, in operators


class PdfLimit(UnreadableFile):
    """A bound of the reader's work was hit (operators, nesting, time): the file is failed, not cut.

    The messages are the same whichever engine counted, so both engines give the same row."""

    @classmethod
    def too_much(cls, page: int, s: PdfSettings) -> PdfLimit:
        return cls(
            f"PDF page {page} draws more than the reader allows (max_operators = {s.max_operators}: "
            f"operators, characters and paths, {FORM_UNITS} per Form XObject); the file may be broken "
            "or hostile; raise max_operators in the PDF settings if it is genuine"
        )

    @classmethod
    def too_deep(cls, page: int, s: PdfSettings) -> PdfLimit:
        return cls(
            f"PDF page {page} nests Form XObjects more than {s.max_form_depth} deep (max_form_depth); "
            "the file may be broken or hostile"
        )

    @classmethod
    def too_slow(cls, page: int, s: PdfSettings) -> PdfLimit:
        return cls(
            f"PDF page {page} took over {s.max_seconds:g} s to read (max_seconds); the file may be "
            "broken; raise max_seconds in the PDF settings if it is genuine"
        )


def _decode_info(raw: bytes) -> str:
    """A string of the PDF info dictionary: UTF-16 with either byte order mark, UTF-8, or PDFDocEncoding."""

    for bom, codec in ((b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"), (b"\xef\xbb\xbf", "utf-8")):
        if raw.startswith(bom):
            return raw[len(bom) :].decode(codec, "replace")
    return decode_text(raw)


def _title(doc: Any) -> str | None:

    try:
        for info in doc.info:
            raw = resolve1(info.get("Title"))
            if isinstance(raw, bytes):
                raw = _decode_info(raw)
            if isinstance(raw, str):
                return raw
    except Exception:  # a damaged info dictionary is not a reason to reject the file
        return None
    return None


class _Budget:
    """The operators one page may still execute, and the reading's deadline."""

    def __init__(self, s: PdfSettings, deadline: float, page: int) -> None:
        self.left = s.max_operators
        self.next_look = max(self.left - _CHECK_EVERY, -1)  # look at once when overspent
        self.s = s
        self.deadline = deadline
        self.page = page

    def spend(self, units: int = 1) -> None:
        self.left -= units
        if self.left <= self.next_look:
            self._look()

    def _look(self) -> None:
        self.next_look = max(self.left - _CHECK_EVERY, -1)  # look at once when overspent
        if self.left < 0:
            raise PdfLimit.too_much(self.page, self.s)
        if time.monotonic() > self.deadline:
            raise PdfLimit.too_slow(self.page, self.s)


def _interpreter_class() -> type:
    """pdfminer's page interpreter, counting what it executes against a :class:`_Budget`.

    Every operand goes through ``push`` and every operator without operands is wrapped, so each
    object of a content stream costs one unit; Form XObjects run in sub-interpreters one level deeper,
    and each costs ``FORM_UNITS`` more (setting one up costs pdfminer as much as that many operators).
    """

    class Bounded(PDFPageInterpreter):
        budget: _Budget
        depth = 0

        def push(self, obj: Any) -> None:
            self.budget.spend()
            super().push(obj)

        def subinterp(self) -> Any:
            self.budget.spend(FORM_UNITS)
            child: Any = super().subinterp()
            child.budget, child.depth = self.budget, self.depth + 1
            if child.depth > self.budget.s.max_form_depth:
                raise PdfLimit.too_deep(self.budget.page, self.budget.s)
            return child

    def counted(method: Callable[[Any], None]) -> Callable[[Any], None]:
        def run(self: Any) -> None:
            self.budget.spend()
            method(self)

        return run

    for name in dir(PDFPageInterpreter):
        method = getattr(PDFPageInterpreter, name)
        if name.startswith("do_") and callable(method) and method.__code__.co_argcount == 1:
            setattr(Bounded, name, counted(method))
    return Bounded


def _document_class() -> type:
    """pdfminer's document, whose objects are never bare references: an object that is a reference
    to itself (directly or through others), or a chain longer than MAX_REF_CHAIN, is null — what a
    reference to a missing object is in PDF, and what PDFium makes of it."""

    class Bounded(PDFDocument):
        def getobj(self, objid: int) -> Any:
            obj = super().getobj(objid)
            seen = {objid}
            while isinstance(obj, PDFObjRef):
                if obj.objid in seen or len(seen) >= MAX_REF_CHAIN:
                    return None
                seen.add(obj.objid)
                obj = super().getobj(obj.objid)
            return obj

    return Bounded


MAX_STREAM_BYTES = 256 * 1024 * 1024  # a compressed PDF stream may inflate to at most this


class _StreamTooLarge(Exception):
    """A compressed stream inflates past MAX_STREAM_BYTES (a decompression bomb)."""


class _BoundedInflater:
    """zlib's decompressobj, refusing to produce more than MAX_STREAM_BYTES in all."""

    def __init__(self, wbits: int = zlib.MAX_WBITS) -> None:
        self._inner = zlib.decompressobj(wbits)
        self._produced = 0

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        room = MAX_STREAM_BYTES + 1 - self._produced
        out = self._inner.decompress(data, room if not max_length else min(max_length, room))
        self._produced += len(out)
        if self._produced > MAX_STREAM_BYTES or (self._inner.unconsumed_tail and not max_length):
            raise _StreamTooLarge(f"a compressed stream inflates past {MAX_STREAM_BYTES // 2**20} MB")
        return out

    def flush(self, length: int = zlib.DEF_BUF_SIZE) -> bytes:
        return self._inner.flush(length)

    def __getattr__(self, name: str) -> Any:  # eof, unused_data, unconsumed_tail
        return getattr(self._inner, name)


def _bounded_decompress(data: bytes, wbits: int = zlib.MAX_WBITS, bufsize: int = zlib.DEF_BUF_SIZE) -> bytes:
    """``zlib.decompress`` with the same errors, but bounded by MAX_STREAM_BYTES."""
    inflater = _BoundedInflater(wbits)
    out = inflater.decompress(data)
    if not inflater.eof:
        raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
    return out


def _bound_pdfminer_streams() -> None:
    """Make pdfminer inflate Flate streams through the bounded inflater.

    pdfminer inflates every stream whole, in memory; a small hostile PDF can hold a stream that
    inflates to gigabytes. Its stream module is given a zlib whose output is capped: a stream past
    the cap fails its page, which is skipped with a note. Installing it twice is harmless.
    """

    if not isinstance(pdfminer.pdftypes.zlib, SimpleNamespace):
        shim = SimpleNamespace(
            decompress=_bounded_decompress,
            decompressobj=_BoundedInflater,
            error=zlib.error,
            MAX_WBITS=zlib.MAX_WBITS,
        )
        setattr(pdfminer.pdftypes, "zlib", shim)  # noqa: B010  (a module attribute, not a typed one)


def _open(data: bytes) -> Any:
    """The parsed PDF document, or UnreadableFile saying why not."""

    try:
        return _document_class()(PDFParser(io.BytesIO(data)), password="")
    except PDFPasswordIncorrect as e:
        raise UnreadableFile("PDF is encrypted (password-protected); remove the password and re-run") from e
    except PDFEncryptionError as e:
        raise UnreadableFile("PDF uses an encryption pdfminer cannot open; remove it and re-run") from e
    except Exception as e:
        raise UnreadableFile(
            "PDF is damaged and cannot be parsed; open it and save (or print) it to a new PDF, then re-run"
        ) from e


class MinerSource:
    """An open PDF, read by pdfminer: its title and its pages one by one."""

    def __init__(self, data: bytes, s: PdfSettings, deadline: float) -> None:

        _bound_pdfminer_streams()
        self.doc = _open(data)
        self.s, self.deadline = s, deadline
        self.manager = PDFResourceManager(caching=True)
        self.device = PDFPageAggregator(self.manager, laparams=None)
        self.interpreter_class = _interpreter_class()

    def title(self) -> str | None:
        return _title(self.doc)

    def pages(self) -> Iterator[Callable[[], PageContent]]:
        """One reader per page; iterating raises when the page tree is damaged, a reader when its
        page is (or :class:`PdfLimit` when a bound is hit)."""

        for number, page in enumerate(PDFPage.create_pages(self.doc), start=1):
            yield functools.partial(self._read, page, number)

    def close(self) -> None:
        """Nothing to release (pure Python)."""

    def _read(self, page: Any, number: int) -> PageContent:
        interpreter = self.interpreter_class(self.manager, self.device)
        interpreter.budget = _Budget(self.s, self.deadline, number)
        interpreter.process_page(page)
        return page_content(self.device.get_result(), self.s.max_rule_width)


def open_miner(data: bytes, s: PdfSettings, deadline: float) -> MinerSource:
    """The file opened by pdfminer.six (raises UnreadableFile when it cannot be).

    >>> from nianbao.synth.model import Grid, GridCell
    >>> from nianbao.synth.render_pdf import render_pdf
    >>> pdf = render_pdf([Grid(((GridCell("规章"), GridCell("3", kind="value")),), "t2")], "年报", author="x")
    >>> source = open_miner(pdf, PdfSettings(), deadline=float("inf"))
    >>> page = next(source.pages())()  # the table's digit, the footer's page number; five rulings
    >>> source.title(), sorted(c.text for c in page.chars if c.text.isdigit()), len(page.segs)
    ('年报', ['1', '3'], 5)
    >>> source.close()
    """
    return MinerSource(data, s, deadline)
