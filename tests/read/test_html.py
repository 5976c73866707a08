"""The HTML reader's shortcuts read exactly what the plain rules read.

Each shortcut (UTF-8 bytes handed to libxml2, the usual <td><p>text</p></td> cell, grid rows built
column by column, span values memoised) is checked against the rule it stands for, on generated
pages that reach the fallbacks too.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from nianbao.read.html import (
    _XML_DECLARATION,
    _cell,
    _cell_text,
    _decode,
    _grid,
    _parse,
    _parsers,
    _span,
    _text_into,
)

_TEXTS = st.sampled_from(["", " ", "\n", "规章", "规 章", "0", "1 2", "（一）１２", "a", "\u3000", "資訊"])


def _table(html: str) -> etree._Element:
    root = etree.fromstring(f"<html><body>{html}</body></html>", _parsers()[0])
    table = next(root.iter("table"))
    assert isinstance(table, etree._Element)
    return table


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), _TEXTS), st.one_of(st.none(), _TEXTS), st.one_of(st.none(), _TEXTS))
def test_usual_cell_reads_as_its_walk(before: str | None, text: str | None, after: str | None) -> None:
    """<td>before<p>text</p>after</td>: the shortcut's text is what walking the cell gives."""
    td = etree.Element("td")
    td.text = before
    p = etree.SubElement(td, "p")
    p.text, p.tail = text, after
    parts: list[str] = []
    _text_into(td, parts)
    assert _cell_text(td) == _cell("".join(parts))


def _reference_grid(table: etree._Element) -> list[tuple[str | None, ...]]:
    """Rowspan/colspan expanded the plain way: a dict of placed cells and a fill pass per row."""
    rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    covered: list[set[int]] = [set() for _ in rows]
    out = []
    for r, tr in enumerate(rows):
        cells: dict[int, tuple[str, str]] = {}
        c = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while c in covered[r]:
                c += 1
            cells[c] = _cell_text(td)
            rs, cs = td.get("rowspan"), td.get("colspan")
            rowspan = 1 if rs is None else min(_span(rs), len(rows) - r)
            colspan = 1 if cs is None else _span(cs)
            for dr in range(rowspan):
                for dc in range(colspan):
                    if dr or dc:
                        covered[r + dr].add(c + dc)
            c += colspan
        width = max([*cells, *covered[r]], default=-1) + 1
        final: list[str | None] = [None] * width
        for i, (_, normal) in cells.items():
            final[i] = normal
        if any(cells[i][0] for i in cells):
            out.append(tuple(final))
    return out


_SPANS = st.sampled_from(
    ["", ' rowspan="2"', ' colspan="2"', ' rowspan="3" colspan="2"', ' colspan="0"', ' rowspan="x9"']
)
_CELLS = st.tuples(st.sampled_from(["td", "th"]), _SPANS, _TEXTS).map(
    lambda t: f"<{t[0]}{t[1]}><p>{t[2]}</p></{t[0]}>"
)
_ROWS = st.lists(st.lists(_CELLS, max_size=5).map("".join), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(_ROWS)
def test_grid_rows_equal_the_plain_expansion(rows: list[str]) -> None:
    table = _table("<table>" + "".join(f"<tr>{row}</tr>" for row in rows) + "</table>")
    assert [line.cells for line, _ in _grid(table, 0)] == _reference_grid(table)


def test_span_values() -> None:
    assert [_span(v) for v in ["1", "4", "0", "-3", "２", "2x", " 2 ", "", "abc", "999999", "1.5"]] == [
        1, 4, 1, 3, 2, 2, 2, 1, 1, 200, 15,
    ]  # fmt: skip
    assert _span("9" * 5000) == 1  # too many digits for int(): read as 1, as before


_PAGES = st.lists(
    st.sampled_from(
        [
            "<p>规章</p>",
            "<table><tr><td>1</td><td colspan=2>é</td></tr></table>",
            '<meta charset="utf-8">',
            '<meta charset="gbk">',
            "<meta charset=utf8>",
            "<title>年报</title>",
            "\ufeff",
            "&nbsp;",
            "<br>",
            "\U0001f600",
        ]
    ),
    max_size=8,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    _PAGES, st.sampled_from(["", "\ufeff", "<?xml version='1.0' encoding='utf-8'?>", "<?xml version='1.0'?>"])
)
def test_utf8_bytes_parse_as_the_decoded_text(page: str, head: str) -> None:
    """A page handed to libxml2 as UTF-8 bytes reads as the text the reader decodes would."""
    data = (head + page).encode()
    text, _ = _decode(data)
    # (lxml refuses a str with an XML encoding declaration: the reader drops it from the text)
    expected = etree.fromstring(_XML_DECLARATION.sub("", text, count=1), _parsers()[0])
    tree = _parse(data)
    if tree is None or expected is None:
        assert tree is expected
    else:
        assert etree.tostring(tree, encoding=str) == etree.tostring(expected, encoding=str)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_xhtml_page_with_xml_declaration_is_read(encoding: str, bom: bytes) -> None:
    # XHTML portal pages start with <?xml ... encoding="..."?>; lxml refuses such a declaration on a
    # str, so these pages used to fail as "HTML could not be parsed".
    if bom and encoding != "utf-8":
        pytest.skip("a byte-order mark is UTF-8's")
    from nianbao.read.html import read_html

    page = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        f'<meta http-equiv="Content-Type" content="text/html; charset={encoding}"/>'
        "<title>某镇2023年政府信息公开工作年度报告</title></head>"
        "<body><p>规章</p><table><tr><td>主动公开</td><td>5</td></tr></table></body></html>"
    )
    doc = read_html(bom + page.encode(encoding))
    assert doc.title == "某镇2023年政府信息公开工作年度报告"
    assert [line.cells for line in doc.lines] == [("规章",), ("主动公开", "5")]
