"""Automatic numbering of DOCX paragraphs, counted as Word counts it.

Word keeps "一、", "（一）", "1." of numbered paragraphs in numbering.xml (and styles.xml, for styles
that number), not in the text. :class:`Numbering` reads both parts and gives each paragraph, in
document order, the number Word shows before it. Only a sliver of styles.xml matters (style ids,
basedOn, numPr): :func:`numbering_styles` cuts the part down before it is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from nianbao.read.docx_xml import attr as _attr
from nianbao.read.docx_xml import child as _child
from nianbao.read.docx_xml import children_named as _children_named
from nianbao.read.docx_xml import int_attr as _int_attr
from nianbao.read.docx_xml import local as _local

__all__ = ["Numbering", "numbering_styles"]


_HAN_DIGITS = "〇一二三四五六七八九"
_HAN_UNITS = ((1000, "千"), (100, "百"), (10, "十"))
_SERIES = {
    "ideographTraditional": "甲乙丙丁戊己庚辛壬癸",
    "ideographZodiac": "子丑寅卯辰巳午未申酉戌亥",
    "decimalEnclosedCircle": "".join(chr(0x2460 + k) for k in range(20)),
    "decimalEnclosedCircleChinese": "".join(chr(0x2460 + k) for k in range(20)),
    "decimalEnclosedParen": "".join(chr(0x2474 + k) for k in range(20)),
    "decimalEnclosedFullstop": "".join(chr(0x2488 + k) for k in range(20)),
}
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip


def _han(n: int) -> str:
    """Chinese counting numerals as Word writes them: 一, 十, 十一, 二十一, 一百零五.

    >>> [_han(n) for n in (1, 10, 11, 21, 105, 2024)]
    ['一', '十', '十一', '二十一', '一百零五', '二千零二十四']
    """
    if n <= 0 or n >= 10000:
        return str(n)
    out, zero = "", False
    for unit, name in _HAN_UNITS:
        digit, n = divmod(n, unit)
        if digit:
            out += (
                ("零" if zero else "")
                + ("" if unit == 10 and digit == 1 and not out else _HAN_DIGITS[digit])
                + name
            )
            zero = False
        elif out:
            zero = True
    return out + (("零" if zero else "") + _HAN_DIGITS[n] if n else "")


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("none", "bullet"):
        return ""
    if fmt.startswith(("chinese", "japanese", "taiwanese", "ideographDigital", "koreanCounting")):
        if fmt == "chineseLegalSimplified":
            return _han(n).translate(str.maketrans("一二三四五六七八九十百千", "壹贰叁肆伍陆柒捌玖拾佰仟"))
        return _han(n)
    if fmt in _SERIES:
        series = _SERIES[fmt]
        return series[n - 1] if 0 < n <= len(series) else str(n)
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = ""
        for value, digits in _ROMAN:
            while 0 < value <= n:
                roman, n = roman + digits, n - value
        return roman.upper() if fmt == "upperRoman" else roman
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


@dataclass(frozen=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."


_LEVEL_REF = re.compile(r"%([1-9])")


class Numbering:
    """The numbering definitions of a document and the counters while it is read in order."""

    def __init__(self, numbering: etree._Element | None, styles: etree._Element | None) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.style_levels: dict[str, tuple[str, int]] = {}  # styleId → (abstractNumId, level) via lvl/pStyle
        self.nums: dict[
            str, tuple[str, dict[int, _Level], bool]
        ] = {}  # numId → (abstract, overrides, own count)
        self.styles: dict[
            str, tuple[str | None, int | None, str | None]
        ] = {}  # styleId → numId, ilvl, basedOn
        self.counts: dict[str, list[int | None]] = {}
        if numbering is not None:
            self._read_numbering(numbering)
        if styles is not None:
            self._read_styles(styles)

    def _read_numbering(self, root: etree._Element) -> None:
        for el in root:
            if _local(el) == "abstractNum":
                levels: dict[int, _Level] = {}
                for lvl in el:
                    if _local(lvl) == "lvl":
                        ilvl = _int_attr(lvl, "ilvl", 0)
                        levels[ilvl] = _level(lvl)
                        style = _child(lvl, "pStyle")
                        if style is not None and _attr(style, "val"):
                            self.style_levels[_attr(style, "val") or ""] = (
                                _attr(el, "abstractNumId") or "",
                                ilvl,
                            )
                self.abstract[_attr(el, "abstractNumId") or ""] = levels
        for el in root:
            if _local(el) == "num":
                ref = _child(el, "abstractNumId")
                overrides: dict[int, _Level] = {}
                for over in (c for c in el if _local(c) == "lvlOverride"):
                    ilvl = _int_attr(over, "ilvl", 0)
                    base = self.abstract.get(_attr(ref, "val") or "" if ref is not None else "", {})
                    lvl, start = _child(over, "lvl"), _child(over, "startOverride")
                    level = _level(lvl) if lvl is not None else base.get(ilvl, _Level())
                    if start is not None:
                        level = _Level(_int_attr(start, "val", 1), level.fmt, level.text)
                    overrides[ilvl] = level
                abstract = _attr(ref, "val") or "" if ref is not None else ""
                self.nums[_attr(el, "numId") or ""] = (abstract, overrides, bool(overrides))

    def _read_styles(self, root: etree._Element) -> None:
        for el in root:
            if _local(el) != "style" or not _attr(el, "styleId"):
                continue
            ppr, based = _child(el, "pPr"), _child(el, "basedOn")
            num = _child(ppr, "numPr") if ppr is not None else None
            num_id = ilvl = None
            if num is not None:
                id_el, lvl_el = _child(num, "numId"), _child(num, "ilvl")
                num_id = _attr(id_el, "val") if id_el is not None else None
                ilvl = _int_attr(lvl_el, "val", 0) if lvl_el is not None else None
            self.styles[_attr(el, "styleId") or ""] = (
                num_id,
                ilvl,
                _attr(based, "val") if based is not None else None,
            )

    def _style_num(self, style: str | None) -> tuple[str | None, int | None]:
        for _ in range(10):  # basedOn chains are short; a cycle must not hang the reader
            if style is None or style not in self.styles:
                return None, None
            num_id, ilvl, style_based = self.styles[style]
            if num_id is not None:
                if ilvl is None:
                    ilvl = self.style_levels.get(style, ("", 0))[1]
                return num_id, ilvl
            style = style_based
        return None, None

    def prefix(self, p: etree._Element) -> str:
        """The number Word shows before paragraph ``p`` ('' if none); advances the counters."""
        if not self.nums:
            return ""
        ppr = _child(p, "pPr")
        if ppr is None:
            return ""
        found = _children_named(ppr, ("pStyle", "numPr"))
        style_el, num = found["pStyle"], found["numPr"]
        num_id, ilvl = self._style_num(_attr(style_el, "val") if style_el is not None else None)
        if num is not None:
            id_el, lvl_el = _child(num, "numId"), _child(num, "ilvl")
            num_id = _attr(id_el, "val") if id_el is not None else num_id
            ilvl = _int_attr(lvl_el, "val", 0) if lvl_el is not None else ilvl
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract, overrides, own = self.nums[num_id]
        levels = {**self.abstract.get(abstract, {}), **overrides}
        ilvl = min(ilvl or 0, 8)
        counts = self.counts.setdefault(num_id if own else "a" + abstract, [None] * 9)
        level = levels.get(ilvl, _Level())
        counts[ilvl] = level.start if counts[ilvl] is None else (counts[ilvl] or 0) + 1
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = None

        def number(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            lvl = levels.get(k, _Level())
            return _format_number(counts[k] if counts[k] is not None else lvl.start, lvl.fmt)  # type: ignore[arg-type]

        return "" if level.fmt == "bullet" else _LEVEL_REF.sub(number, level.text)


def _level(lvl: etree._Element) -> _Level:
    start, fmt, text = _child(lvl, "start"), _child(lvl, "numFmt"), _child(lvl, "lvlText")
    return _Level(
        _int_attr(start, "val", 1) if start is not None else 1,
        (_attr(fmt, "val") if fmt is not None else None) or "decimal",
        (_attr(text, "val") if text is not None else None) or "",
    )


_STYLES_ROOT = re.compile(rb"\s*(?:<\?xml[^>]*\?>)?\s*<w:styles[\s>][^>]*>")
_STYLE_ID = re.compile(rb"""^<w:style\s[^>]*?w:styleId=("[^"]*"|'[^']*')""")
_BASED_ON = re.compile(rb"""<w:basedOn\s+w:val=("[^"]*"|'[^']*')""")


def _style_blocks(raw: bytes, start: int, end: int) -> Iterator[bytes]:
    """The ``<w:style>`` elements between ``start`` and ``end`` (styles do not nest)."""
    pos = start
    while True:
        i = raw.find(b"<w:style", pos, end)
        if i < 0:
            return
        if raw[i + 8 : i + 9] not in (b" ", b">", b"/", b"\t", b"\n", b"\r"):  # <w:styleX...
            pos = i + 8
            continue
        j = raw.find(b">", i, end)
        if j < 0:
            return
        if raw[j - 1 : j] == b"/":
            yield raw[i : j + 1]
            pos = j + 1
            continue
        k = raw.find(b"</w:style>", j, end)
        if k < 0:
            return
        yield raw[i : k + 10]
        pos = k + 10


def numbering_styles(raw: bytes) -> bytes:
    """styles.xml cut to what numbering reads: styles with a numPr whole, the others as their id
    and basedOn only (a table style can be kilobytes; Word's and python-docx's styles.xml are
    hundreds of them). The same root, so the same namespaces; written with another prefix than
    ``w:``, the part is returned whole.

    >>> numbering_styles(b'<w:styles a="1"><w:style w:styleId="T"><w:basedOn w:val="N"/><w:tblPr/></w:style></w:styles>')
    b'<w:styles a="1"><w:style w:styleId="T"><w:basedOn w:val="N"/></w:style></w:styles>'
    """
    root = _STYLES_ROOT.match(raw)
    end = raw.rfind(b"</w:styles>")
    if root is None or end < root.end():
        return raw
    kept = []
    for block in _style_blocks(raw, root.end(), end):
        if b"numPr" in block:
            kept.append(block)
            continue
        style_id = _STYLE_ID.match(block)
        if style_id is None:
            continue
        based = _BASED_ON.search(block)
        inner = b"<w:basedOn w:val=%s/>" % based.group(1) if based else b""
        kept.append(b"<w:style w:styleId=%s>%s</w:style>" % (style_id.group(1), inner))
    return root.group(0) + b"".join(kept) + b"</w:styles>"
