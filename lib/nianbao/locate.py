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
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Literal, NamedTuple

from nianbao.grid import Line, is_blank, parse_number
from nianbao.labels import GROUP, Matcher

__all__ = [
    "RawRow",
    "Sections",
    "Token",
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
    """A located row: its key, the label as printed, and the value tokens that followed it."""

    key: str
    label: str
    line: int
    values: list[Token] = field(default_factory=list)


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


# What every heading of _HEADINGS starts with. A line's text starts with its first cell, so a line
# whose text lacks this prefix has no heading in its first cell either: the heading search looks at
# the few lines that have it.
_HEADING_START = re.compile(r"^[#\s]*[二三四五]\s*[、.,:．]")


def _find(
    lines: Sequence[Line], headed: Sequence[int], texts: _Compact, n: int, start: int, stop: int
) -> int | None:
    """The first line in [start, stop) headed as section ``n``, else the first with its anchors.

    ``headed`` are the lines (ascending) whose text has a heading's start (:data:`_HEADING_START`).
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
    """
    total = len(lines)
    if line_texts is None:
        line_texts = [line.text for line in lines]
    texts = _Compact(line_texts)  # the cells joined, without any whitespace
    headed = list(compress(range(total), map(_HEADING_START.match, line_texts)))
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
    Padding at the edges of a row is set aside; a dash stands in a value column and is a blank cell."""
    return kind == "blank" and not text.strip()


def tokens(lines: Sequence[Line], span: tuple[int, int]) -> list[Token]:
    """The cells of lines[span] as tokens; covered cells (None) are skipped."""
    out: list[Token] = []
    kinds = _KINDS
    for i in range(*span):
        line = lines[i]
        exact = line.kind == "grid"
        # Empty cells before a delimited line's first text are merged-label artefacts; a printed dash
        # there is a blank value cell (table 4's data line may begin with one) and is kept.
        leading = line.kind == "delimited"
        for cell in line.cells:
            if cell is None:
                continue
            kind, value = kinds.get(cell) or _kind(cell)
            if leading and is_padding(kind, cell):
                continue
            leading = False
            out.append(tuple.__new__(Token, (kind, cell, value, i, exact)))  # Token(...), minus a call
    return out


def label_rows(toks: Sequence[Token], matcher: Matcher, start_key: str | None = None) -> list[RawRow]:
    """Rows opened by labels, each with the value tokens up to the next label.

    Text that matches nothing (a fragment of a split group label, say) is skipped; a label whose own
    match is weaker than its match joined with the next unmatched text is read as the joined label.
    Labels followed by no value at all are headers (a group label printed on its own line) and dropped.
    """
    rows: list[RawRow] = []
    current: RawRow | None = None
    started = start_key is None
    match = matcher.match
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        if t.kind != "text":
            if current is not None and started:
                current.values.append(t)
            i += 1
            continue
        label = t.text
        key = match(label)
        if i + 1 < n and toks[i + 1].kind == "text" and match(toks[i + 1].text) is None:
            joined = label + toks[i + 1].text
            s_joined, k_joined = matcher.score(joined)
            if k_joined is not None and s_joined >= matcher.threshold and s_joined > matcher.score(label)[0]:
                key, label = k_joined, joined
                i += 1
        i += 1
        if key is None:
            continue
        if key == GROUP:
            current = None
            continue
        if not started and key == start_key:
            started = True
        current = RawRow(key, label, t.line) if started else None
        if current is not None:
            rows.append(current)
    seen: dict[str, RawRow] = {}
    for row in rows:
        if row.values and row.key not in seen:
            seen[row.key] = row
    return list(seen.values())


def table4_values(toks: Sequence[Token], cells: int | None = None) -> list[Token] | None:
    """The value tokens of table 4: the data line(s) after its header, up to the next text.

    A line counts as data when, apart from at most one leading label, it holds only numbers and
    blanks and at least one number. A line of printed blanks only (``-``; one cell per line, or a
    proceeding printed all blank) is data when numbers follow it, and at the end of the data when
    the table's ``cells`` are not yet all accounted for. None when no header or no number is found.
    """
    by_line: dict[int, list[Token]] = {}
    for t in toks:
        by_line.setdefault(t.line, []).append(t)
    seen_header = False
    values: list[Token] = []
    pending: list[Token] = []  # blank-only lines, kept if numbers follow (or the table needs them)
    for line in sorted(by_line):
        line_toks = by_line[line]
        data = line_toks[1:] if line_toks and line_toks[0].kind == "text" else line_toks
        if any(t.kind == "text" for t in data) or not any(t.kind != "text" for t in line_toks):
            if values:  # text after the data: the table has ended
                break
            seen_header = True  # the heading, or header rows (whole, wrapped, or in fragments)
            pending = []
            continue
        if not seen_header:
            continue
        if any(t.kind == "num" for t in data):
            values.extend(pending)
            values.extend(data)
            pending = []
        else:
            pending.extend(data)
    if values and pending and cells is not None and len(values) + len(pending) <= cells:
        values.extend(pending)
    return values or None
