"""The parser's fast paths give exactly what the general code gives.

Each fast path (NFKC of full-width text, the usual HTML cell, cpca without pkg_resources, the row
solver of mis-counted rows) is checked against the slow path it short-cuts, on inputs chosen to
reach the fallbacks too.
"""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from difflib import SequenceMatcher

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from nianbao.grid import nfkc, normalise_text
from nianbao.parse.labels import _similarity
from nianbao.parse.repair import Constraint, _row_constraints, _solve_row, solve
from nianbao.read.html import _cell_text, _clean, _text_into

# Full-width forms, the ideographic space, combining marks and other compatibility characters,
# CJK and ASCII: the fast path must fall back whenever anything besides full-width forms changes.
_CHARS = st.sampled_from(
    [
        *"（）：，；１２０ａＺ　",
        *("\u0301", "\u0308", "ﬁ", "①", "㎡", "…", "\u00a0", "é", "한", "\u1161"),
        *"年报告一二三abc 123,.()",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_CHARS, max_size=40).map("".join))
def test_nfkc_fast_path_equals_unicodedata(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_nfkc_examples() -> None:
    assert nfkc("（一）１２　件") == "(一)12 件"
    assert nfkc("ａ\u0301") == "á"  # a full-width letter composing with the mark that follows it
    assert normalise_text("总计：１２３") == "总计:123"


def _general(td: etree._Element) -> tuple[str, str]:
    parts: list[str] = []
    _text_into(td, parts)
    cleaned = _clean("".join(parts))
    return cleaned, unicodedata.normalize("NFKC", cleaned).strip()


def test_html_cell_fast_path_equals_the_walk() -> None:
    cells = [
        "<td><p>规 章</p></td>",
        "<td> 前 <p>A  B</p> 后 </td>",
        "<td><p>1</p>2</td>",
        "<td>  </td>",
        "<td>纯文本 12</td>",
        "<td><div>本年</div></td>",
        "<td><p>一<br/>二</p></td>",
        "<td><p>x</p><p>y</p></td>",
        "<td><p><span>被</span>申请</p></td>",
        "<td><p></p></td>",
        "<td><p>（一）　１２ </p></td>",
        "<td><p>¨</p></td>",
    ]
    parser = etree.HTMLParser()
    for html in cells:
        td = etree.fromstring(f"<html><body><table><tr>{html}</tr></table></body></html>", parser).find(
            ".//td"
        )
        assert _cell_text(td) == _general(td), html


def test_cpca_loads_without_pkg_resources() -> None:
    """cpca's import is served its data without pkg_resources, and places resolve as before."""
    code = (
        "import sys\n"
        "from nianbao.parse.places import locate_place\n"
        "print(locate_place('民权县褚庙乡人民政府'), locate_place('水城区坪寨乡人民政府').city)\n"
        "print('pkg_resources' in sys.modules)\n"
        "import pkg_resources\n"
        "print(hasattr(pkg_resources, 'working_set'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        "Place(province='河南省', city='商丘市', county='民权县', level='county') 六盘水市",
        "False",
        "True",  # the real pkg_resources, not the stand-in, for whoever imports it later
    ]


_ROW_VALUES = st.one_of(st.none(), st.integers(0, 6).map(float), st.sampled_from([0.5, 2.5, -1.0]))


@settings(max_examples=500, deadline=None)
@given(st.lists(_ROW_VALUES, min_size=15, max_size=15), st.booleans())
def test_solve_row_equals_solve(row: list[float | None], one_sum: bool) -> None:
    """The list-based row solver gives what the general constraint solver gives."""
    sums = [(6, range(6))] if one_sum else [(b * 5 + 4, [b * 5 + i for i in range(4)]) for b in range(3)]
    cells = dict(enumerate(row))
    cons = [Constraint(terms) for terms in _row_constraints(sums)]
    expected = [cells[i] for i in range(len(row))] if solve(cells, cons, writable=set(cells)) else None
    assert _solve_row(row, _row_constraints(sums)) == expected


def test_label_similarity_is_thread_safe() -> None:
    """Matchers are reused per thread: concurrent scoring (dask threads) gives SequenceMatcher's ratios."""
    labels = ["其他法律行政法规禁止公开", "申请人以政府信息公开名义进行信访", "危及三安全一稳定", "不予处理"]
    pairs = [(a[:k] + "止" + a[k:], b) for a in labels for b in labels for k in range(len(a))]
    expected = [SequenceMatcher(None, a, b, autojunk=False).ratio() for a, b in pairs]

    def run(_: int) -> list[float]:
        return [_similarity(a, b, 0.0) for a, b in pairs]

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(run, range(32)))
    finally:
        sys.setswitchinterval(old)
    assert all(r == expected for r in results)
