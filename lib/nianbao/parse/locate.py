"""Finding the report's sections and tables, and each table row by its label.

The document's lines are cut into regions by their section headings (二、主动公开…, 三、收到和处理…,
四、…行政复议…, 五、…), with anchors as a fallback when a heading is missing. Inside a region,
cells become tokens (text, number, blank); a text token that matches a template label opens a row,
and the number and blank tokens that follow it, up to the next label, are that row's values. Rows
are therefore found by their labels wherever the layout put them: one row per line, one cell per
line, labels split over two cells, group labels repeated or dropped.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress, pairwise
from operator import itemgetter
from typing import Literal, NamedTuple

from nianbao.grid import Line, is_blank, parse_number
from nianbao.parse.labels import GROUP, Matcher

__all__ = [
    "RawRow",
    "Sections",
    "Token",
    "Tokens",
    "find_sections",
    "is_padding",
    "label_rows",
    "table4_values",
    "tokens",
]


TokenKind = Literal["num", "blank", "text"]


class Token(NamedTuple):
    """One cell of a table region. A named tuple, not a dataclass: a report has hundreds of them."""

    kind: TokenKind
    text: str
    value: float | None
    line: int
    exact: bool  # from a real table grid: a blank here is a real blank cell


@dataclass(slots=True)
class RawRow:
    """A located row: its key, the label as printed, and the value tokens that followed it, as runs
    [a, b) of its region's :class:`Tokens`."""

    key: str
    label: str
    line: int
    runs: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Sections:
    """Line ranges [start, end) of the narrative and of tables 2, 3 and 4 (None when not found)."""

    narrative: tuple[int, int]
    table2: tuple[int, int] | None
    table3: tuple[int, int] | None
    table4: tuple[int, int] | None
    closing: tuple[int, int]  # sections 五 and 六: problems, and other matters (fees)


_HEAD = r"^[#\s]*{n}\s*[、.,:．]\s*"
_HEADINGS = {
    2: re.compile(_HEAD.format(n="二") + r".{0,12}主动公开"),
    3: re.compile(_HEAD.format(n="三") + r".{0,20}(?:收到和处理|申请情况|依申请)"),
    4: re.compile(_HEAD.format(n="四") + r".{0,30}(?:行政复议|行政诉讼)"),
    5: re.compile(_HEAD.format(n="五") + r".{0,30}(?:问题|改进|不足)"),
}
_ANCHORS = {
    2: ("第二十条", "信息内容"),
    3: ("本列数据", "申请人情况", "本年新收"),
    4: ("结果维持", "行政复议", "维持", "纠正", "审结"),
    5: ("存在的主要问题", "其他需要报告"),
}


def _line_head(line: Line) -> str:
    for c in line.cells:
        if c:
            return c
    return ""


class _Compact:
    """Each line's text without whitespace, made when first asked for: most documents have their
    headings, and the anchors (the only users) are then never looked at."""

    def __init__(self, line_texts: Sequence[str]) -> None:
        self.line_texts = line_texts
        self.made: dict[int, str] = {}

    def __getitem__(self, i: int) -> str:
        text = self.made.get(i)
        if text is None:
            text = self.made[i] = "".join(self.line_texts[i].split())  # split() drops what \s matches
        return text


# What every heading of _HEADINGS starts with: "#", whitespace (what \s matches, as str.isspace) or
# its numeral. A line's text starts with its first cell, so a line whose text starts otherwise has no
# heading in its first cell either: the heading search looks at the few lines that start so.
_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_HEADING_FIRST = frozenset("#二三四五" + _WHITESPACE)
_FIRST_CHAR = itemgetter(slice(0, 1))


def _find(
    lines: Sequence[Line], headed: Sequence[int], texts: _Compact, n: int, start: int, stop: int
) -> int | None:
    """The first line in [start, stop) headed as section ``n``, else the first with its anchors.

    ``headed`` are the lines (ascending) whose text starts as a heading may (:data:`_HEADING_FIRST`).
    """
    heading = _HEADINGS[n]
    for i in headed:
        if start <= i < stop:
            head = _line_head(lines[i])
            if len(head) <= 60 and heading.match(head):
                return i
    anchors = _ANCHORS[n]
    for i in range(start, stop):
        text = texts[i]
        if (len(text) <= 80 or lines[i].kind != "text") and any(a in text for a in anchors):
            return i
    return None


def find_sections(lines: Sequence[Line], line_texts: Sequence[str] | None = None) -> Sections:
    """Cut the document into narrative, tables 2-4 and closing sections.

    ``line_texts`` are the lines' texts (``Document.line_texts``) when the caller has them already.

    >>> from nianbao.read.text import text_lines
    >>> lines = text_lines("某县2023年报告\\n二、主动公开政府信息情况\\n规章\\t3\\n三、收到和处理政府信息公开申请情况\\n"
    ...     "四、政府信息公开行政复议、行政诉讼情况\\n1\\t0\\n五、存在的主要问题及改进情况\\n无。\\n")
    >>> find_sections(lines)
    Sections(narrative=(0, 1), table2=(1, 3), table3=(3, 4), table4=(4, 6), closing=(6, 8))
    """
    total = len(lines)
    if line_texts is None:
        line_texts = [line.text for line in lines]
    texts = _Compact(line_texts)  # the cells joined, without any whitespace
    headed = list(compress(range(total), map(_HEADING_FIRST.__contains__, map(_FIRST_CHAR, line_texts))))
    t3 = _find(lines, headed, texts, 3, 0, total)
    t2 = _find(lines, headed, texts, 2, 0, t3 if t3 is not None else total)
    t4 = _find(lines, headed, texts, 4, t3 + 1, total) if t3 is not None else None
    after = max(x for x in (t2, t3, t4, -1) if x is not None) + 1
    t5 = _find(lines, headed, texts, 5, after, total)
    end = t5 if t5 is not None else total
    starts = [x for x in (t2, t3, t4) if x is not None]
    narrative_end = min(starts) if starts else total

    def span(a: int | None, nxt: list[int | None]) -> tuple[int, int] | None:
        if a is None:
            return None
        later = [x for x in nxt if x is not None and x > a]
        return (a, min(later) if later else end)

    return Sections(
        narrative=(0, narrative_end),
        table2=span(t2, [t3, t4, t5]),
        table3=span(t3, [t4, t5]),
        table4=span(t4, [t5]),
        closing=(end, total),
    )


_KINDS: dict[str, tuple[TokenKind, float | None]] = {}


def _kind(cell: str) -> tuple[TokenKind, float | None]:
    """(kind, value) of a cell: a number, a printed blank, or text. Memoised (cells repeat)."""
    hit = _KINDS.get(cell)
    if hit is not None:
        return hit
    value = parse_number(cell)
    kind: TokenKind = "num" if value is not None else "blank" if is_blank(cell) else "text"
    if len(_KINDS) < 200_000:
        _KINDS[cell] = (kind, value)
    return kind, value


def is_padding(kind: TokenKind, text: str) -> bool:
    """An empty cell, as opposed to a printed dash: in delimited text, what a merged label cell leaves.
    Padding at the edges of a row is set aside; a dash stands in a value column and is a blank cell.

    >>> is_padding("blank", " "), is_padding("blank", "-"), is_padding("num", "")
    (True, False, False)
    """
    return kind == "blank" and not text.strip()


@dataclass(slots=True)
class Tokens:
    """The cells of a table region in reading order, as parallel lists (token ``i`` is entry ``i``).

    Lists, not an object per cell: a region has hundreds of cells, and a row's values, usually one
    run of cells, are then a slice. ``kinds`` has a letter per token, ``t`` (text), ``n`` (number)
    or ``b`` (blank), so that the text tokens are found by ``str.find``; a cell is a number exactly
    when its value is not None. Line ``line_no[j]`` holds the tokens from ``starts[j]`` up to the
    next line's (lines without tokens are left out).
    """

    kinds: str = ""
    texts: list[str] = field(default_factory=list)
    values: list[float | None] = field(default_factory=list)
    exact: list[bool] = field(default_factory=list)  # from a real table grid: a blank is a real blank cell
    starts: list[int] = field(default_factory=list)
    line_no: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.kinds)

    def line(self, i: int) -> int:
        """The document line of token ``i``."""
        return self.line_no[bisect_right(self.starts, i) - 1]

    def __getitem__(self, i: int) -> Token:
        return Token(_KIND_OF[self.kinds[i]], self.texts[i], self.values[i], self.line(i), self.exact[i])

    def of(self, runs: Sequence[tuple[int, int]]) -> list[Token]:
        """The tokens of the runs [a, b), in order."""
        return [self[i] for a, b in runs for i in range(a, b)]


_LETTER: dict[TokenKind, str] = {"text": "t", "num": "n", "blank": "b"}
_KIND_OF: dict[str, TokenKind] = {letter: kind for kind, letter in _LETTER.items()}

# A line's tokens: kinds (letters), texts, values and exactness of the cells that stand as tokens.
_LineTokens = tuple[str, tuple[str, ...], tuple[float | None, ...], tuple[bool, ...]]
_LINES: dict[Line, _LineTokens] = {}  # lines repeat across reports (labels, rows of zeros)


def _line_tokens(line: Line) -> _LineTokens:
    """The tokens of one line; covered cells (None) are skipped. Memoised by the line's content."""
    cells = [c for c in line.cells if c is not None]
    kinds = [_kind(c) for c in cells]
    # Empty cells before a delimited line's first text are merged-label artefacts; a printed dash
    # there is a blank value cell (table 4's data line may begin with one) and is kept.
    lead = 0
    if line.kind == "delimited":
        while lead < len(cells) and is_padding(kinds[lead][0], cells[lead]):
            lead += 1
    found = (
        "".join(_LETTER[k] for k, _ in kinds[lead:]),
        tuple(cells[lead:]),
        tuple(v for _, v in kinds[lead:]),
        (line.kind == "grid",) * (len(cells) - lead),
    )
    if len(_LINES) < 50_000:
        _LINES[line] = found
    return found


def tokens(lines: Sequence[Line], span: tuple[int, int]) -> Tokens:
    """The cells of lines[span] as tokens; covered cells (None) are skipped.

    >>> from nianbao.read.text import text_lines
    >>> toks = tokens(text_lines("二、主动公开政府信息情况\\n规章\\t3\\t-\\t5\\n"), (0, 2))
    >>> toks.kinds, toks.values, toks.line(3)
    ('ttnbn', [None, None, 3.0, None, 5.0], 1)
    """
    out = Tokens()
    texts, values, exact = out.texts, out.values, out.exact
    starts, line_no = out.starts, out.line_no
    kinds = ""
    memo = _LINES.get
    for i in range(*span):
        line = lines[i]
        line_kinds, line_texts, line_values, line_exact = memo(line) or _line_tokens(line)
        if line_kinds:
            starts.append(len(kinds))
            line_no.append(i)
            kinds += line_kinds
            texts += line_texts
            values += line_values
            exact += line_exact
    out.kinds = kinds
    return out


def label_rows(toks: Tokens, matcher: Matcher, start_key: str | None = None) -> list[RawRow]:
    """Rows opened by labels, each with the value tokens up to the next label.

    Text that matches nothing (a fragment of a split group label, say) is skipped; a label whose own
    match is weaker than its match joined with the next unmatched text is read as the joined label.
    Labels followed by no value at all are headers (a group label printed on its own line) and dropped.
    Only the text tokens are visited: the values between two of them are one run.

    >>> from nianbao.parse.labels import table2_matcher
    >>> from nianbao.read.text import text_lines
    >>> toks = tokens(text_lines("信息内容\\t本年制发件数\\n规章\\t3\\t0\\t5\\n(二)行政规范性文件\\t1\\t0\\t9\\n"), (0, 3))
    >>> [(r.key, r.label, r.line, r.runs) for r in label_rows(toks, table2_matcher(2021))]
    [('rules', '规章', 1, [(3, 6)]), ('normative_documents', '(二)行政规范性文件', 2, [(7, 10)])]
    """
    rows: list[RawRow] = []
    current: RawRow | None = None
    started = start_key is None
    key_of = matcher.keys  # label → key, as matcher.match
    texts, kinds, starts, line_no = toks.texts, toks.kinds, toks.starts, toks.line_no
    n = len(toks)
    at = []  # the text tokens
    i = kinds.find("t")
    while i >= 0:
        at.append(i)
        i = kinds.find("t", i + 1)
    at.append(n)
    k = 0
    while (i := at[k]) < n:
        k += 1
        label = texts[i]
        key = key_of[label]
        after = i + 1  # the first token after the label
        if after < n and at[k] == after and key_of[texts[after]] is None:  # unmatched text follows
            joined = label + texts[after]
            s_joined, k_joined = matcher.score(joined)
            if k_joined is not None and s_joined >= matcher.threshold and s_joined > matcher.score(label)[0]:
                key, label = k_joined, joined
                after += 1
                k += 1
        if key == GROUP:
            current = None
        elif key is not None:  # (text matching nothing leaves the current row open)
            if not started and key == start_key:
                started = True
            current = RawRow(key, label, line_no[bisect_right(starts, i) - 1]) if started else None
            if current is not None:
                rows.append(current)
        if current is not None and after < at[k]:
            current.runs.append((after, at[k]))
    seen: dict[str, RawRow] = {}
    for row in rows:
        if row.runs and row.key not in seen:
            seen[row.key] = row
    return list(seen.values())


def table4_values(toks: Tokens, cells: int | None = None) -> list[tuple[int, int]] | None:
    """The value tokens of table 4, as runs [a, b): the data line(s) after its header, up to the next text.

    A line counts as data when, apart from at most one leading label, it holds only numbers and
    blanks and at least one number. A line of printed blanks only (``-``; one cell per line, or a
    proceeding printed all blank) is data when numbers follow it, and at the end of the data when
    the table's ``cells`` are not yet all accounted for. None when no header or no number is found.

    >>> from nianbao.read.text import text_lines
    >>> toks = tokens(text_lines("四、行政复议、行政诉讼情况\\n结果维持\\t总计\\n1\\t0\\t1\\t0\\t2\\n无。\\n"), (0, 4))
    >>> runs = table4_values(toks)
    >>> runs, toks.values[slice(*runs[0])]
    ([(3, 8)], [1.0, 0.0, 1.0, 0.0, 2.0])
    """
    kinds = toks.kinds
    seen_header = False
    values: list[tuple[int, int]] = []
    pending: list[tuple[int, int]] = []  # blank-only lines, kept if numbers follow (or the table needs them)
    for a, b in pairwise([*toks.starts, len(toks)]):
        data = a + 1 if kinds[a] == "t" else a  # the line's data: [data, b)
        if kinds.find("t", data, b) >= 0 or kinds.count("t", a, b) == b - a:
            if values:  # text after the data: the table has ended
                break
            seen_header = True  # the heading, or header rows (whole, wrapped, or in fragments)
            pending = []
            continue
        if not seen_header:
            continue
        if kinds.find("n", data, b) >= 0:
            values += pending
            values.append((data, b))
            pending = []
        else:
            pending.append((data, b))
    if values and pending and cells is not None and _count(values) + _count(pending) <= cells:
        values += pending
    return values or None


def _count(runs: Sequence[tuple[int, int]]) -> int:
    return sum(b - a for a, b in runs)
