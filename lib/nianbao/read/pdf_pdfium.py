"""The PDFium engine of the PDF reader (pypdfium2): the same characters and rulings as pdfminer, faster.

PDFium parses a page's content in C++; this module asks it, through pypdfium2's raw API, for what
the reader uses and puts it in the geometry pdfminer.six gives, so that both engines give the same
Document (a differential test holds them to it):

- characters: PDFium's text page (``FPDFText_*``); a character's box is pdfminer's: from its origin,
  along the text direction by its advance, and from the font's descent up by the font size, in the
  character's text matrix (PDFium's loose box gives the advance and the descent);
- rulings: path objects (``FPDFPath_*``, Form XObjects walked into), split into subpaths and
  classified as pdfminer classifies them (line, rectangle, curve), then
  :func:`~nianbao.read.pdf_tables.path_segments` as for pdfminer;
- coordinates: relative to the MediaBox's lower left corner and turned by the page's /Rotate, as
  pdfminer's are.

Bounds: PDFium resolves reference cycles itself, but it expands Form XObjects without a limit (a
2 KB file drawing forms 10 times over 8 levels never finishes), so before PDFium loads a page that
uses forms, :func:`nianbao.read.pdf_forms.FormCounter` counts the forms it would draw with
pdfminer's object layer; a page with more characters and paths than ``max_operators`` is a
:class:`~nianbao.read.pdf_miner.PdfLimit` too, and the deadline is looked at within a page.

For OCR of pages without a text layer: :func:`text_layer` says which pages have one, and
:func:`open_document` gives the pypdfium2 document (render its pages with ``page.render``).
pypdfium2 is not thread-safe: use processes, as the corpus runner does. PDFium inflates compressed
streams itself, without :data:`~nianbao.read.pdf_miner.MAX_STREAM_BYTES`: a decompression bomb's memory
is bounded by the corpus runner's per-file limits, not here.
"""

from __future__ import annotations

import ctypes
import functools
import time
from collections.abc import Callable, Iterator
from typing import Any

import pypdfium2 as pdfium
from pypdfium2 import raw

from nianbao.errors import UnreadableFile
from nianbao.read.pdf_forms import FormCounter, may_use_forms
from nianbao.read.pdf_miner import PdfLimit
from nianbao.read.pdf_page import _RADICALS, Char, PageContent, upright
from nianbao.read.pdf_settings import PdfSettings
from nianbao.read.pdf_tables import Seg, path_segments

__all__ = ["PdfiumSource", "open_document", "open_pdfium", "text_layer"]

Matrix = tuple[float, float, float, float, float, float]
_CHECK_EVERY = 2048  # characters between two looks at the clock


def open_document(data: bytes) -> Any:
    """The pypdfium2 document of ``data``; raises UnreadableFile when PDFium cannot open it."""

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise UnreadableFile(f"PDFium cannot open the PDF ({e})") from e


def text_layer(data: bytes, max_pages: int = 60) -> list[bool]:
    """For each of the first ``max_pages`` pages: whether it has any text (False: a scanned page
    to OCR). The seam for OCR: pages without text are the ones to render and recognise."""

    doc = open_document(data)
    try:
        out = []
        for index in range(min(len(doc), max_pages)):
            page = doc[index]
            text = raw.FPDFText_LoadPage(page.raw)
            try:
                out.append(raw.FPDFText_CountChars(text) > 0)
            finally:
                raw.FPDFText_ClosePage(text)
                page.close()
        return out
    finally:
        doc.close()


def _mult(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (row vectors, as in PDF)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _media_box(raw: Any, page: Any) -> tuple[float, float, float, float]:
    """The page's MediaBox; PDFium reads it from the page itself only, so an inherited one comes
    from the page's bounding box (MediaBox and CropBox), else US Letter as pdfminer assumes."""
    values = [ctypes.c_float() for _ in range(4)]
    if raw.FPDFPage_GetMediaBox(page, *values):
        return values[0].value, values[1].value, values[2].value, values[3].value
    rect = raw.FS_RECTF()
    if raw.FPDF_GetPageBoundingBox(page, rect):
        return rect.left, rect.bottom, rect.right, rect.top
    return 0.0, 0.0, 612.0, 792.0


def _page_ctm(box: tuple[float, float, float, float], rotate: int) -> Matrix:
    """pdfminer's page matrix: MediaBox corner to the origin, turned by /Rotate (degrees)."""
    x0, y0, x1, y1 = box
    if rotate == 90:
        return (0, -1, 1, 0, -y0, x1)
    if rotate == 180:
        return (-1, 0, 0, -1, x1, y1)
    if rotate == 270:
        return (0, 1, -1, 0, y1, -x0)
    return (1, 0, 0, 1, -x0, -y0)


class _Reader:
    """Reads one page's characters and rulings through the raw API."""

    def __init__(self, s: PdfSettings, deadline: float, number: int) -> None:

        self.raw = raw
        self.s, self.deadline, self.number = s, deadline, number
        self.budget = s.max_operators

    def spend(self, units: int) -> None:
        self.budget -= units
        if self.budget < 0:
            raise PdfLimit.too_much(self.number, self.s)

    def look(self) -> None:
        if time.monotonic() > self.deadline:
            raise PdfLimit.too_slow(self.number, self.s)

    def chars(self, text: Any, ctm: Matrix) -> tuple[list[Char], int, list[int]]:
        """The page's characters (pdfminer's boxes), undecodable ones, and text directions.

        The hot loop of the engine: a few raw calls per character; what is the same for all the
        characters of a text object (matrix, font, size) is asked once per object, widths once per
        font, size and character."""
        raw = self.raw
        count = raw.FPDFText_CountChars(text)
        self.spend(count)
        values = _all_text(raw, text, count)
        chars: list[Char] = []
        cids = 0
        runs = [0, 0, 0, 0]
        ox, oy = ctypes.c_double(), ctypes.c_double()
        objects: dict[int | None, _Object] = {}
        metrics: dict[tuple[int | None, float], dict[str, float]] = {}
        unmapped, origin, object_of = (
            raw.FPDFText_HasUnicodeMapError,
            raw.FPDFText_GetCharOrigin,
            _object_getter(raw),
        )
        ca, cb, cc, cd, ce, cf = ctm
        for k in range(count):
            if k % _CHECK_EVERY == _CHECK_EVERY - 1:
                self.look()
            value = values[k] if values is not None else chr(raw.FPDFText_GetUnicode(text, k))
            if not value.strip():  # whitespace, and the spaces and line breaks PDFium adds
                continue
            if unmapped(text, k) == 1:
                cids += 1
                continue
            key = object_of(text, k)
            obj = objects.get(key)
            if obj is None:
                obj = objects[key] = _Object(raw, text, k, key, ctm, metrics)
            origin(text, k, ox, oy)
            x, y = ox.value, oy.value
            px, py = ca * x + cc * y + ce, cb * x + cd * y + cf
            width = obj.widths.get(value)
            if width is None:
                width = obj.width(value)
            a, b, c, d = obj.unit
            if width < 0:  # vertical writing: pdfminer's box is a square of the font size above the origin
                lx, ly, hx, hy = 0.0, 0.0, obj.size, obj.size
            else:
                lx, ly, hx, hy = 0.0, obj.descent, width, obj.descent + obj.size
            x0, y0 = px + a * lx + c * ly, py + b * lx + d * ly
            x1, y1 = px + a * hx + c * hy, py + b * hx + d * hy
            if x1 < x0:
                x0, x1 = x1, x0
            if y1 < y0:
                y0, y1 = y1, y0
            chars.append(Char(value.translate(_RADICALS), x0, x1, y0, y1))
            runs[obj.run] += 1
        return chars, cids, runs

    def objects(self, page: Any, ctm: Matrix) -> tuple[list[Seg], int]:
        """The rulings of the page's paths (Form XObjects walked into) and the number of images."""
        raw = self.raw
        segs: list[Seg] = []
        images = 0
        m = raw.FS_MATRIX()
        stack: list[tuple[Any, Matrix, bool]] = [(page, ctm, False)]
        while stack:
            holder, outer, is_form = stack.pop()
            count = (raw.FPDFFormObj_CountObjects if is_form else raw.FPDFPage_CountObjects)(holder)
            self.spend(count)
            get = raw.FPDFFormObj_GetObject if is_form else raw.FPDFPage_GetObject
            for i in range(count):
                obj = get(holder, i)
                kind = raw.FPDFPageObj_GetType(obj)
                if kind == raw.FPDF_PAGEOBJ_PATH:
                    raw.FPDFPageObj_GetMatrix(obj, m)
                    mat = _mult((m.a, m.b, m.c, m.d, m.e, m.f), outer)
                    segs.extend(self._path(obj, mat))
                elif kind == raw.FPDF_PAGEOBJ_IMAGE:
                    images += 1
                elif kind == raw.FPDF_PAGEOBJ_FORM:
                    raw.FPDFPageObj_GetMatrix(obj, m)
                    stack.append((obj, _mult((m.a, m.b, m.c, m.d, m.e, m.f), outer), True))
        return segs, images

    def _path(self, obj: Any, mat: Matrix) -> Iterator[Seg]:
        """A path object as pdfminer paints it: one item per subpath (split at each move)."""
        raw = self.raw
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        raw.FPDFPath_GetDrawMode(obj, fill, stroke)
        filled, stroked = fill.value != raw.FPDF_FILLMODE_NONE, bool(stroke.value)
        x, y = ctypes.c_float(), ctypes.c_float()
        ops: list[str] = []
        pts: list[tuple[float, float]] = []
        n = raw.FPDFPath_CountSegments(obj)
        k = 0
        while k < n:
            seg = raw.FPDFPath_GetPathSegment(obj, k)
            kind = raw.FPDFPathSegment_GetType(seg)
            raw.FPDFPathSegment_GetPoint(seg, x, y)
            if kind == raw.FPDF_SEGMENT_MOVETO:
                if ops:
                    yield from path_segments("".join(ops), pts, stroked, filled, self.s.max_rule_width)
                ops, pts = ["m"], [_apply(mat, x.value, y.value)]
            elif kind == raw.FPDF_SEGMENT_BEZIERTO:  # three points per curve: one "c"
                k += 2
                seg = raw.FPDFPath_GetPathSegment(obj, min(k, n - 1))
                raw.FPDFPathSegment_GetPoint(seg, x, y)
                ops.append("c")
                pts.append(_apply(mat, x.value, y.value))
            else:
                ops.append("l")
                pts.append(_apply(mat, x.value, y.value))
            if raw.FPDFPathSegment_GetClose(seg) and ops:
                ops.append("h")
                pts.append(pts[0])
            k += 1
        if ops:
            yield from path_segments("".join(ops), pts, stroked, filled, self.s.max_rule_width)


def _all_text(raw: Any, text: Any, count: int) -> str | None:
    """The page's text in one call, one code unit per character (None when it is not: characters
    outside the Basic Multilingual Plane; then they are asked for one by one)."""
    if count <= 0:
        return ""
    buffer = ctypes.create_string_buffer(2 * (count + 1))
    written = raw.FPDFText_GetText(text, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    value = buffer.raw[: 2 * max(written - 1, 0)].decode("utf-16-le", "surrogatepass")
    return value if len(value) == count else None


def _object_getter(raw: Any) -> Callable[[Any, int], int | None]:
    """``FPDFText_GetTextObject`` returning the object's address (a dictionary key) instead of a
    pointer object, which would need a cast per character."""
    address = ctypes.cast(raw.FPDFText_GetTextObject, ctypes.c_void_p).value
    prototype = ctypes.CFUNCTYPE(ctypes.c_void_p, raw.FPDF_TEXTPAGE, ctypes.c_int)
    getter: Callable[[Any, int], int | None] = prototype(address or 0)
    return getter


class _Object:
    """What the boxes of one text object's characters need: its matrix on the page, font size,
    the font's descent and widths (pdfminer's character model: text space (0, descent) to
    (advance, descent + size), or a square of the size for vertical writing)."""

    def __init__(
        self,
        raw: Any,
        text: Any,
        k: int,
        key: int | None,
        ctm: Matrix,
        metrics: dict[tuple[int | None, float], dict[str, float]],
    ) -> None:
        m = raw.FS_MATRIX()
        raw.FPDFText_GetMatrix(text, k, m)
        self.raw, self.size = raw, raw.FPDFText_GetFontSize(text, k)
        a, b, c, d, _, _ = _mult((m.a, m.b, m.c, m.d, 0.0, 0.0), ctm)
        self.unit = (a, b, c, d)
        self.font = raw.FPDFTextObj_GetFont(ctypes.cast(ctypes.c_void_p(key), raw.FPDF_PAGEOBJECT))
        font_key = (ctypes.cast(self.font, ctypes.c_void_p).value, self.size)
        widths = metrics.get(font_key)  # per font and size: the widths, and the descent under ""
        if widths is None:
            descent = ctypes.c_float()
            raw.FPDFFont_GetDescent(self.font, ctypes.c_float(self.size), descent)
            widths = metrics[font_key] = {"": descent.value}
        self.widths = widths
        self.descent = widths[""]
        self.run = (1 if b > 0 else 3) if abs(b) > abs(a) else (0 if a >= 0 else 2)

    def width(self, value: str) -> float:
        """The advance of ``value`` in text space (PDF widths; negative for vertical writing)."""
        out = ctypes.c_float()
        self.raw.FPDFFont_GetGlyphWidth(self.font, ord(value[0]), ctypes.c_float(self.size), out)
        self.widths[value] = out.value
        return out.value


class PdfiumSource:
    """An open PDF, read by PDFium: its title and its pages one by one."""

    def __init__(self, data: bytes, s: PdfSettings, deadline: float) -> None:
        self.doc = open_document(data)
        self.data, self.s, self.deadline = data, s, deadline
        self.may_use_forms = may_use_forms(data)
        self.forms: FormCounter | None = None

    def _check_forms(self, index: int) -> None:
        """Count the page's Form XObject draws before PDFium expands them. A file pdfminer cannot
        open (PDFium repairs more) is not counted: the corpus watchdog still bounds it."""
        if not self.may_use_forms:
            return
        if self.forms is None:
            try:
                self.forms = FormCounter(self.data, self.s)
            except UnreadableFile:
                self.may_use_forms = False
                return
        try:
            self.forms.check(index, index + 1)
        except PdfLimit:
            raise
        except Exception:  # a damaged object on the way: PDFium reads what it can
            return

    def title(self) -> str | None:
        value = self.doc.get_metadata_value("Title")
        return value or None

    def pages(self) -> Iterator[Callable[[], PageContent]]:
        for index in range(len(self.doc)):
            yield functools.partial(self._read, index)

    def _read(self, index: int) -> PageContent:
        raw = self.raw_module()
        self._check_forms(index)
        reader = _Reader(self.s, self.deadline, index + 1)
        page = raw.FPDF_LoadPage(self.doc.raw, index)  # raw: pypdfium2's page wrapper costs per page
        if not page:
            raise UnreadableFile(f"PDFium cannot load page {index + 1}")
        try:
            box = _media_box(raw, page)
            quarters = raw.FPDFPage_GetRotation(page)  # -1 when unknown
            ctm = _page_ctm(box, 90 * quarters if 0 <= quarters <= 3 else 0)
            reader.spend(raw.FPDFPage_CountObjects(page))  # before the text page doubles the work
            reader.budget = self.s.max_operators
            text = raw.FPDFText_LoadPage(page)
            try:
                chars, cids, runs = reader.chars(text, ctm)
            finally:
                raw.FPDFText_ClosePage(text)
            reader.look()
            segs, images = reader.objects(page, ctm)
        finally:
            raw.FPDF_ClosePage(page)
        x0, y0 = _apply(ctm, box[0], box[1])
        x1, y1 = _apply(ctm, box[2], box[3])
        width, height = abs(x1 - x0), abs(y1 - y0)
        content = PageContent(chars, segs, cids, images, (0.0, width))
        turn = max(range(4), key=runs.__getitem__)
        if turn and runs[turn] > len(chars) / 2:  # most text runs up, down or right to left
            return upright(content, (0.0, 0.0, width, height), turn)
        return content

    @staticmethod
    def raw_module() -> Any:

        return raw

    def close(self) -> None:
        self.doc.close()


def open_pdfium(data: bytes, s: PdfSettings, deadline: float) -> PdfiumSource:
    """The file opened by PDFium (raises UnreadableFile when PDFium cannot open it)."""
    return PdfiumSource(data, s, deadline)
