"""What one PDF page holds for the reader: characters and ruling segments, in reading coordinates.

pdfminer runs without its layout analysis, so a page is a flat list of characters (with their boxes),
drawn paths and images. Characters that pdfminer cannot decode (fonts without a Unicode map) are
counted, not kept. A page whose text mostly runs up, down or upside down (a landscape table turned on a
portrait page) is turned so that its text runs left to right: everything downstream assumes that.
Characters that a font maps to a radical's code point rather than the ideograph's are mapped back:

>>> "⾏政⼈⺠⻚".translate(_RADICALS)
'行政人民页'
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from pdfminer.layout import LTChar, LTCurve, LTFigure, LTImage

from nianbao.read.pdf_tables import Seg, segments_of

__all__ = ["Char", "PageContent", "page_content", "upright"]

# Fonts often map a character's glyph to a radical code point that shares its shape: 行 comes out as
# the Kangxi radical ⾏ (U+2F8F), 页 as ⻚ (U+2EDA). Kangxi radicals have NFKC equivalents; the
# radicals supplement has none, so its standalone characters are listed here.
_SUPPLEMENT = dict(
    zip(
        "⺁⺇⺊⺌⺎⺒⺓⺔⺗⺜⺝⺟⺠⺩⺪⺬⺮⺯⺶⺻⺽⻁⻃⻄⻅⻆⻇⻉⻊⻋⻑⻓⻔⻗⻘⻙⻚⻛⻜⻝⻟⻡⻢⻣⻤⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
        "厂几卜小兀巳幺彐心日月母民王疋示竹糸羊聿臼虎西西见角角贝足车長长门雨青韦页风飞食食首马骨鬼鱼鸟卤麦黄黾齐齿龙龟",
        strict=True,
    )
)
_RADICALS = str.maketrans(
    {**{chr(cp): unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)}, **_SUPPLEMENT}
)


class Char:
    """A character and its box (PDF coordinates: y grows upwards); ``size`` is its height, kept
    (the layout asks for it several times per character)."""

    __slots__ = ("size", "text", "x0", "x1", "y0", "y1")

    def __init__(self, text: str, x0: float, x1: float, y0: float, y1: float) -> None:
        self.text, self.x0, self.x1, self.y0, self.y1 = text, x0, x1, y0, y1
        size = y1 - y0
        self.size = 0.1 if size < 0.1 else size  # max(size, 0.1), without the call

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Char) and (self.text, self.x0, self.x1, self.y0, self.y1) == (
            other.text,
            other.x0,
            other.x1,
            other.y0,
            other.y1,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it replaces

    def __repr__(self) -> str:
        return f"Char({self.text!r}, {self.x0}, {self.x1}, {self.y0}, {self.y1})"


@dataclass
class PageContent:
    """What one page holds, in reading coordinates (sideways pages turned upright)."""

    chars: list[Char]
    segs: list[Seg]
    cids: int  # characters that could not be decoded
    images: int
    edges: tuple[float, float]  # the page's left and right edge


def page_content(layout: Any, max_width: float) -> PageContent:
    """Characters (whitespace dropped), rulings, undecodable characters and images of one page.

    >>> from pdfminer.layout import LTPage, LTRect
    >>> layout = LTPage(1, (0, 0, 200, 100))
    >>> layout.add(LTRect(1.0, (0, 0, 200, 50), stroke=True))
    >>> content = page_content(layout, 2.0)  # a stroked rectangle: four rulings
    >>> [(s.horizontal, s.pos) for s in content.segs], content.edges
    ([(True, 0), (True, 50), (False, 0), (False, 200)], (0, 200))
    """

    chars: list[Char] = []
    segs: list[Seg] = []
    cids = images = 0
    runs = [0, 0, 0, 0]  # characters whose text runs right, up, left, down
    stack = [iter(layout)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
        elif isinstance(item, LTChar):
            text = item.get_text()
            if text.startswith("(cid:"):
                cids += 1
            elif text.strip():
                chars.append(Char(text.translate(_RADICALS), item.x0, item.x1, item.y0, item.y1))
                a, b = item.matrix[0], item.matrix[1]  # the direction the text runs in
                runs[(1 if b > 0 else 3) if abs(b) > abs(a) else (0 if a >= 0 else 2)] += 1
        elif isinstance(item, LTCurve):
            segs.extend(segments_of(item, max_width))
        elif isinstance(item, LTImage):
            images += 1
        elif isinstance(item, LTFigure):
            stack.append(iter(item))
    content = PageContent(chars, segs, cids, images, (layout.x0, layout.x1))
    turn = max(range(4), key=runs.__getitem__)
    if turn and runs[turn] > len(chars) / 2:  # most text runs up, down or right to left: a turned page
        return upright(content, layout.bbox, turn)
    return content


def upright(c: PageContent, bbox: tuple[float, float, float, float], turn: int) -> PageContent:
    """The page turned by ``turn`` quarters so that its text runs left to right.

    Text running up: (x, y) → (y, -x); upside down: (x, y) → (-x, -y); running down: (x, y) → (-y, x).

    >>> page = PageContent([Char("年", 10, 20, 700, 710)], [], 0, 0, (0.0, 612.0))
    >>> upright(page, (0, 0, 612, 792), 1).chars  # text running up
    [Char('年', 700, 710, -20, -10)]
    """
    x0, y0, x1, y1 = bbox
    if turn == 1:
        chars = [Char(ch.text, ch.y0, ch.y1, -ch.x1, -ch.x0) for ch in c.chars]
        segs = [
            Seg(False, s.pos, -s.hi, -s.lo) if s.horizontal else Seg(True, -s.pos, s.lo, s.hi) for s in c.segs
        ]
        edges = (y0, y1)
    elif turn == 2:
        chars = [Char(ch.text, -ch.x1, -ch.x0, -ch.y1, -ch.y0) for ch in c.chars]
        segs = [Seg(s.horizontal, -s.pos, -s.hi, -s.lo) for s in c.segs]
        edges = (-x1, -x0)
    else:
        chars = [Char(ch.text, -ch.y1, -ch.y0, ch.x0, ch.x1) for ch in c.chars]
        segs = [
            Seg(False, -s.pos, s.lo, s.hi) if s.horizontal else Seg(True, s.pos, -s.hi, -s.lo) for s in c.segs
        ]
        edges = (-y1, -y0)
    return PageContent(chars, segs, c.cids, c.images, edges)
