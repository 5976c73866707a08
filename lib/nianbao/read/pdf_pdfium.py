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
import re
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
    """The pypdfium2 document of ``data``; raises UnreadableFile when PDFium cannot open it.

    >>> from nianbao.synth.model import Para
    >>> from nianbao.synth.render_pdf import render_pdf
    >>> doc = open_document(render_pdf([Para("年度报告", "title")], "年度报告", author="x"))
    >>> len(doc), doc.get_metadata_value("Title")
    (1, '年度报告')
    >>> doc.close()  # pypdfium2's close says whether it closed the document now
    True
    """

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise UnreadableFile(f"PDFium cannot open the PDF ({e})") from e


def text_layer(data: bytes, max_pages: int = 60) -> list[bool]:
    """For each of the first ``max_pages`` pages: whether it has any text (False: a scanned page
    to OCR). The seam for OCR: pages without text are the ones to render and recognise.

    >>> from nianbao.synth.model import Para
    >>> from nianbao.synth.render_pdf import render_pdf
    >>> text_layer(render_pdf([Para("年度报告", "title")], "年度报告", author="x"))
    [True]
    """

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

        The hot loop of the engine: three raw calls per character (through :data:`_C`, which takes
        addresses); what is the same for all the characters of a text object (matrix, font, size)
        is asked once per object, widths once per font, size and character."""
        count = raw.FPDFText_CountChars(text)
        self.spend(count)
        values = _all_text(text, count)
        chars: list[Char] = []
        cids = 0
        runs = [0, 0, 0, 0]
        ox, oy = ctypes.c_double(), ctypes.c_double()
        at_x, at_y = ctypes.addressof(ox), ctypes.addressof(oy)
        page_text = ctypes.cast(text, ctypes.c_void_p).value
        objects: dict[int | None, _Object] = {}
        known = _Known()
        unmapped, origin, object_of = _C.unmapped, _C.origin, _C.text_object
        ca, cb, cc, cd, ce, cf = ctm
        append = chars.append
        if values is None:  # characters outside the BMP: asked for one by one
            values = "".join(chr(raw.FPDFText_GetUnicode(text, k)) for k in range(count))
        for n, k in enumerate(
            _visible(values)
        ):  # whitespace, and the spaces and line breaks PDFium adds, skipped
            if n % _CHECK_EVERY == _CHECK_EVERY - 1:
                self.look()
            if unmapped(page_text, k) == 1:
                cids += 1
                continue
            key = object_of(page_text, k)
            obj = objects.get(key)
            if obj is None:
                obj = objects[key] = _object(page_text, k, key, ctm, known)
            a, b, c, d, font, widths, descent, top, size, run = obj
            value = values[k]
            origin(page_text, k, at_x, at_y)
            x, y = ox.value, oy.value
            px, py = ca * x + cc * y + ce, cb * x + cd * y + cf
            width = widths.get(value)
            if width is None:
                width = _width(font, widths, value, size)
            if width < 0:  # vertical writing: pdfminer's box is a square of the font size above the origin
                x0, y0 = px + a * 0.0 + c * 0.0, py + b * 0.0 + d * 0.0
                x1, y1 = px + a * size + c * size, py + b * size + d * size
            else:
                x0, y0 = px + a * 0.0 + c * descent, py + b * 0.0 + d * descent
                x1, y1 = px + a * width + c * top, py + b * width + d * top
            if x1 < x0:
                x0, x1 = x1, x0
            if y1 < y0:
                y0, y1 = y1, y0
            append(Char(_RADICAL_OF.get(value, value), x0, x1, y0, y1))
            runs[run] += 1
        return chars, cids, runs

    def objects(self, page: Any, ctm: Matrix) -> tuple[list[Seg], int]:
        """The rulings of the page's paths (Form XObjects walked into) and the number of images."""
        segs: list[Seg] = []
        images = 0
        m = raw.FS_MATRIX()
        at_m = ctypes.addressof(m)
        kind_of, matrix = _C.object_type, _C.object_matrix
        path, image, form = raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_FORM
        stack: list[tuple[int | None, Matrix, bool]] = [
            (ctypes.cast(page, ctypes.c_void_p).value, ctm, False)
        ]
        while stack:
            holder, outer, is_form = stack.pop()
            count = (_C.form_count if is_form else _C.page_count)(holder)
            self.spend(count)
            get = _C.form_object if is_form else _C.page_object
            for i in range(count):
                obj = get(holder, i)
                kind = kind_of(obj)
                if kind == path:
                    matrix(obj, at_m)
                    segs.extend(self._path(obj, _mult((m.a, m.b, m.c, m.d, m.e, m.f), outer)))
                elif kind == image:
                    images += 1
                elif kind == form:
                    matrix(obj, at_m)
                    stack.append((obj, _mult((m.a, m.b, m.c, m.d, m.e, m.f), outer), True))
        return segs, images

    def _path(self, obj: int | None, mat: Matrix) -> Iterator[Seg]:
        """A path object as pdfminer paints it: one item per subpath (split at each move)."""
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        _C.draw_mode(obj, ctypes.addressof(fill), ctypes.addressof(stroke))
        filled, stroked = fill.value != raw.FPDF_FILLMODE_NONE, bool(stroke.value)
        x, y = ctypes.c_float(), ctypes.c_float()
        at_x, at_y = ctypes.addressof(x), ctypes.addressof(y)
        segment, kind_of, point, closes = _C.segment, _C.segment_type, _C.segment_point, _C.segment_close
        move, curve, width = raw.FPDF_SEGMENT_MOVETO, raw.FPDF_SEGMENT_BEZIERTO, self.s.max_rule_width
        ops: list[str] = []
        pts: list[tuple[float, float]] = []
        n = _C.segment_count(obj)
        k = 0
        while k < n:
            seg = segment(obj, k)
            kind = kind_of(seg)
            point(seg, at_x, at_y)
            if kind == move:
                if ops:
                    yield from path_segments("".join(ops), pts, stroked, filled, width)
                ops, pts = ["m"], [_apply(mat, x.value, y.value)]
            elif kind == curve:  # three points per curve: one "c"
                k += 2
                seg = segment(obj, min(k, n - 1))
                point(seg, at_x, at_y)
                ops.append("c")
                pts.append(_apply(mat, x.value, y.value))
            else:
                ops.append("l")
                pts.append(_apply(mat, x.value, y.value))
            if closes(seg) and ops:
                ops.append("h")
                pts.append(pts[0])
            k += 1
        if ops:
            yield from path_segments("".join(ops), pts, stroked, filled, width)


def _all_text(text: Any, count: int) -> str | None:
    """The page's text in one call, one code unit per character (None when it is not: characters
    outside the Basic Multilingual Plane; then they are asked for one by one)."""
    if count <= 0:
        return ""
    buffer = ctypes.create_string_buffer(2 * (count + 1))
    written = raw.FPDFText_GetText(text, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    value = buffer.raw[: 2 * max(written - 1, 0)].decode("utf-16-le", "surrogatepass")
    return value if len(value) == count else None


_VISIBLE = re.compile(r"\S")
_RADICAL_OF = {chr(code): value for code, value in _RADICALS.items()}


def _visible(text: str) -> list[int]:
    """Indices of the characters that are not whitespace (what ``str.strip`` keeps).

    >>> _visible("年 报\\r\\n1")
    [0, 2, 5]
    """
    return [m.start() for m in _VISIBLE.finditer(text)]


class _Calls:
    """The raw calls of the per-character loop, taking handles as addresses (ints): pypdfium2's
    typed pointers cost a conversion per call, and a pointer returned as an int is a dictionary key."""

    def __init__(self) -> None:
        vp, cint, dbl, flt = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_float

        def bind(name: str, restype: Any, *argtypes: Any) -> Any:
            address = ctypes.cast(getattr(raw, name), vp).value
            return ctypes.CFUNCTYPE(restype, *argtypes)(address or 0)

        self.unmapped = bind("FPDFText_HasUnicodeMapError", cint, vp, cint)
        self.origin = bind("FPDFText_GetCharOrigin", cint, vp, cint, vp, vp)
        self.text_object = bind("FPDFText_GetTextObject", vp, vp, cint)
        self.matrix = bind("FPDFText_GetMatrix", cint, vp, cint, vp)
        self.font_size = bind("FPDFText_GetFontSize", dbl, vp, cint)
        self.font = bind("FPDFTextObj_GetFont", vp, vp)
        self.descent = bind("FPDFFont_GetDescent", cint, vp, flt, vp)
        self.glyph_width = bind("FPDFFont_GetGlyphWidth", cint, vp, ctypes.c_uint32, flt, vp)
        self.page_count = bind("FPDFPage_CountObjects", cint, vp)
        self.page_object = bind("FPDFPage_GetObject", vp, vp, cint)
        self.form_count = bind("FPDFFormObj_CountObjects", cint, vp)
        self.form_object = bind("FPDFFormObj_GetObject", vp, vp, ctypes.c_ulong)
        self.object_type = bind("FPDFPageObj_GetType", cint, vp)
        self.object_matrix = bind("FPDFPageObj_GetMatrix", cint, vp, vp)
        self.draw_mode = bind("FPDFPath_GetDrawMode", cint, vp, vp, vp)
        self.segment_count = bind("FPDFPath_CountSegments", cint, vp)
        self.segment = bind("FPDFPath_GetPathSegment", vp, vp, cint)
        self.segment_type = bind("FPDFPathSegment_GetType", cint, vp)
        self.segment_point = bind("FPDFPathSegment_GetPoint", cint, vp, vp, vp)
        self.segment_close = bind("FPDFPathSegment_GetClose", cint, vp)


_C = _Calls()

# What the boxes of one text object's characters need: its matrix on the page (a, b, c, d), font
# (address), widths (per font and size), descent, descent + size, size, and text direction.
_Object = tuple[float, float, float, float, int | None, dict[str, float], float, float, float, int]


class _Known:
    """What one page's text objects share (a font's handle is only known to be the same font
    within a page): widths and descent per font and size, objects per matrix, font and size."""

    def __init__(self) -> None:
        self.metrics: dict[tuple[int | None, float], dict[str, float]] = {}
        self.objects: dict[tuple[float, float, float, float, int | None, float], _Object] = {}
        self.matrix = raw.FS_MATRIX()
        self.at_matrix = ctypes.addressof(self.matrix)


def _object(text: int | None, k: int, key: int | None, ctm: Matrix, page: _Known) -> _Object:
    """The text object of character ``k`` (pdfminer's character model: text space (0, descent) to
    (advance, descent + size), or a square of the size for vertical writing)."""
    m = page.matrix
    _C.matrix(text, k, page.at_matrix)
    size = _C.font_size(text, k)
    font = _C.font(key)
    known = (m.a, m.b, m.c, m.d, font, size)
    obj = page.objects.get(known)  # the same matrix, font and size as an earlier object of the page
    if obj is not None:
        return obj
    a, b, c, d, _, _ = _mult((m.a, m.b, m.c, m.d, 0.0, 0.0), ctm)
    widths = page.metrics.get((font, size))  # per font and size: the widths, and the descent under ""
    if widths is None:
        descent = ctypes.c_float()
        _C.descent(font, size, ctypes.addressof(descent))
        widths = page.metrics[font, size] = {"": descent.value}
    run = (1 if b > 0 else 3) if abs(b) > abs(a) else (0 if a >= 0 else 2)
    obj = page.objects[known] = (a, b, c, d, font, widths, widths[""], widths[""] + size, size, run)
    return obj


def _width(font: int | None, widths: dict[str, float], value: str, size: float) -> float:
    """The advance of ``value`` in text space (PDF widths; negative for vertical writing), kept."""
    out = ctypes.c_float()
    _C.glyph_width(font, ord(value[0]), size, ctypes.addressof(out))
    widths[value] = out.value
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
    """The file opened by PDFium (raises UnreadableFile when PDFium cannot open it).

    >>> from nianbao.synth.model import Grid, GridCell
    >>> from nianbao.synth.render_pdf import render_pdf
    >>> pdf = render_pdf([Grid(((GridCell("规章"), GridCell("3", kind="value")),), "t2")], "年报", author="x")
    >>> source = open_pdfium(pdf, PdfSettings(), deadline=float("inf"))
    >>> page = next(source.pages())()  # the table's digit, the footer's page number; five rulings
    >>> source.title(), sorted(c.text for c in page.chars if c.text.isdigit()), len(page.segs)
    ('年报', ['1', '3'], 5)
    >>> source.close()
    """
    return PdfiumSource(data, s, deadline)
