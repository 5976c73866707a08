"""Small helpers of the DOCX reader for WordprocessingML elements, in either namespace (transitional
or ISO 29500 strict): local names, attributes, first children."""

from __future__ import annotations

from lxml import etree

__all__ = ["W_NAMESPACES", "attr", "child", "children_named", "int_attr", "local"]

MAX_SPAN = 64  # Word tables have at most 63 columns
W_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # ISO 29500 strict
)


# The elements the reader meets most, by qualified tag (a constant: looked up, never changed)
_COMMON = (
    "p", "r", "t", "tab", "br", "cr", "tbl", "tr", "tc", "tcPr", "pPr", "rPr", "gridSpan", "vMerge",
    "hMerge", "tcW", "pStyle", "numPr", "jc", "spacing", "ind", "rFonts", "sz", "szCs", "b", "bCs",
    "lang", "tblPr", "tblGrid", "gridCol", "trPr", "bookmarkStart", "bookmarkEnd", "proofErr",
    "lastRenderedPageBreak", "sectPr", "vAlign", "tcBorders", "shd", "color", "kern", "noProof",
)  # fmt: skip
_NAMES = {f"{{{ns}}}{name}": name for ns in W_NAMESPACES for name in _COMMON}


def local(el: etree._Element) -> str:
    """An element's local name ('' for comments and processing instructions).

    >>> local(etree.fromstring(f'<w:tbl xmlns:w="{W_NAMESPACES[1]}"/>')), local(etree.Comment("x"))
    ('tbl', '')
    """
    tag = el.tag
    name = _NAMES.get(tag)
    if name is not None:
        return name
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def attr(el: etree._Element, name: str) -> str | None:
    """The attribute ``name`` in either WordprocessingML namespace, None when absent.

    >>> el = etree.fromstring(f'<w:gridSpan xmlns:w="{W_NAMESPACES[0]}" w:val="3"/>')
    >>> attr(el, "val"), attr(el, "type")
    ('3', None)
    """
    for ns in W_NAMESPACES:
        value = el.get(f"{{{ns}}}{name}")
        if value is not None:
            return value
    return None


def child(el: etree._Element, name: str) -> etree._Element | None:
    """The first child element called ``name`` (in any namespace).

    >>> tc = etree.fromstring(f'<w:tc xmlns:w="{W_NAMESPACES[0]}"><w:tcPr/><w:p/><w:p/></w:tc>')
    >>> local(child(tc, "p")), child(tc, "tbl")
    ('p', None)
    """
    suffix = "}" + name
    for c in el:
        tag = c.tag
        if isinstance(tag, str) and (tag.endswith(suffix) or tag == name):
            return c
    return None


def children_named(el: etree._Element, names: tuple[str, ...]) -> dict[str, etree._Element | None]:
    """For each name, the first child element so called (as :func:`child`), in one pass.

    >>> tc = etree.fromstring(f'<w:tc xmlns:w="{W_NAMESPACES[0]}"><w:tcPr/><w:p/></w:tc>')
    >>> {name: el is not None for name, el in children_named(tc, ("tcPr", "p", "tbl")).items()}
    {'tcPr': True, 'p': True, 'tbl': False}
    """
    found: dict[str, etree._Element | None] = dict.fromkeys(names)
    for c in el:
        name = local(c)
        if name in found and found[name] is None:
            found[name] = c
    return found


def int_attr(el: etree._Element | None, name: str, default: int) -> int:
    """The attribute ``name`` as a count in [0, :data:`MAX_SPAN`]; ``default`` when absent or not a number.

    >>> span = etree.fromstring(f'<w:gridSpan xmlns:w="{W_NAMESPACES[0]}" w:val="999"/>')
    >>> int_attr(span, "val", 1), int_attr(span, "type", 1), int_attr(None, "val", 1)
    (64, 1, 1)
    """
    if el is None:
        return default
    try:
        return max(0, min(int(attr(el, name) or default), MAX_SPAN))
    except ValueError:
        return default
