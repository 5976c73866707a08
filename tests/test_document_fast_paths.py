"""The Document → result layer's fast paths give exactly what the plain rules give.

Each fast path (a line's tokens memoised by content, label rows read run by run, table 4's data
as runs, the usual row readings taken from the values, identities checked by one comparison of
all sums, heading candidates found by their first character, whitespace dropped by split/join,
counts memoised) is compared with a plain version of the rule it short-cuts, written out here
as the parser had it, on generated inputs that reach the fallbacks too.
"""

from __future__ import annotations

import re
import struct
import sys
from collections.abc import Sequence
from functools import reduce
from operator import add
from unittest.mock import patch

from hypothesis import example, given, settings
from hypothesis import strategies as st

import nianbao.parse.tables
from builders import correct_truth, report_text
from nianbao.grid import Line, LineKind
from nianbao.parse.checks import _identity_finding, _names, _running_total, _total, identity_findings
from nianbao.parse.identities import table3_constraints, table4_constraints
from nianbao.parse.labels import GROUP, Matcher, table2_matcher, table3_matcher
from nianbao.parse.locate import (
    _ANCHORS,
    _HEADINGS,
    _WHITESPACE,
    RawRow,
    Token,
    Tokens,
    _Compact,
    _kind,
    _line_head,
    find_sections,
    is_padding,
    label_rows,
    table4_values,
    tokens,
)
from nianbao.parse.repair import align, align_read
from nianbao.parse.report import _COUNT_OF, parse_bytes
from nianbao.parse.tables import Finding, Tables, _aligned, _record, key_tables
from nianbao.templates import template_named

T = template_named(2021)

# --- plain versions of the rules ------------------------------------------------------------------


def plain_tokens(lines: Sequence[Line], span: tuple[int, int]) -> list[Token]:
    out = []
    for i in range(*span):
        line = lines[i]
        leading = line.kind == "delimited"
        for cell in line.cells:
            if cell is None:
                continue
            kind, value = _kind(cell)
            if leading and is_padding(kind, cell):
                continue
            leading = False
            out.append(Token(kind, cell, value, i, line.kind == "grid"))
    return out


def plain_label_rows(toks: list[Token], matcher: Matcher, start_key: str | None) -> list[tuple]:
    rows: list[tuple[str, str, int, list[Token]]] = []
    current: tuple[str, str, int, list[Token]] | None = None
    started = start_key is None
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if t.kind != "text":
            if current is not None and started:
                current[3].append(t)
            i += 1
            continue
        label, key = t.text, matcher.match(t.text)
        if i + 1 < n and toks[i + 1].kind == "text" and matcher.match(toks[i + 1].text) is None:
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
        current = (key, label, t.line, []) if started else None
        if current is not None:
            rows.append(current)
    seen: dict[str, tuple] = {}
    for row in rows:
        if row[3] and row[0] not in seen:
            seen[row[0]] = row
    return list(seen.values())


def plain_table4_values(toks: list[Token], cells: int | None) -> list[Token] | None:
    by_line: dict[int, list[Token]] = {}
    for t in toks:
        by_line.setdefault(t.line, []).append(t)
    seen_header = False
    values: list[Token] = []
    pending: list[Token] = []
    for line in sorted(by_line):
        line_toks = by_line[line]
        data = line_toks[1:] if line_toks[0].kind == "text" else line_toks
        if any(t.kind == "text" for t in data) or not any(t.kind != "text" for t in line_toks):
            if values:
                break
            seen_header, pending = True, []
            continue
        if not seen_header:
            continue
        if any(t.kind == "num" for t in data):
            values += pending + data
            pending = []
        else:
            pending += data
    if values and pending and cells is not None and len(values) + len(pending) <= cells:
        values += pending
    return values or None


def plain_sections_starts(lines: Sequence[Line]) -> tuple[int | None, ...]:
    """Where find_sections' sections 2-5 start, each heading looked for in every line's first cell."""
    texts = _Compact([line.text for line in lines])
    heads = [_line_head(line) for line in lines]

    def find(n: int, start: int, stop: int) -> int | None:
        for i in range(start, stop):
            if len(heads[i]) <= 60 and _HEADINGS[n].match(heads[i]):
                return i
        for i in range(start, stop):
            text = texts[i]
            if (len(text) <= 80 or lines[i].kind != "text") and any(a in text for a in _ANCHORS[n]):
                return i
        return None

    total = len(lines)
    t3 = find(3, 0, total)
    t2 = find(2, 0, t3 if t3 is not None else total)
    t4 = find(4, t3 + 1, total) if t3 is not None else None
    after = max(x for x in (t2, t3, t4, -1) if x is not None) + 1
    return t2, t3, t4, find(5, after, total)


def plain_identity_findings(tables: Tables) -> list[Finding]:
    """identity_findings as a walk over every identity's terms, with running totals."""
    cells = dict(tables.items())
    names = _names(T)
    out = []
    for con in table3_constraints(T, tables.merged) + table4_constraints(T):
        plus = minus = 0
        for cell, c in con.terms:
            v = cells.get(cell)  # type: ignore[call-overload]
            if v is None:
                break
            if c > 0:
                plus += v
            elif c < 0:
                minus += v
        else:
            if not abs(plus - minus) < 1e-9:
                out.append(_identity_finding(con, names, plus, minus))
    for cell, v in cells.items():
        if cell[0] in ("t3", "t4") and v is not None and v < 0:
            out.append(
                Finding(
                    "negative_value",
                    "error",
                    f"{cell[0].replace('t', 'table')}/{cell[1]}/{cell[2]}",
                    f"「{names.get(cell[1], cell[1])}」/「{names.get(cell[2], cell[2])}」为负数 {v:g}；申请与案件数不可能为负",
                    actual=v,
                )
            )
    return out


# --- generated documents ------------------------------------------------------------------------

_LABELS = [r.label for r in T.table3_rows] + [v for r in T.table3_rows for v in r.variants]
_LABELS += [m.label for m in T.table3_merged_rows] + list(T.table3_group_labels)
_LABELS += [c.label for c in T.table3_columns] + [i.label for i in T.table2_items]
_FRAGMENTS = [s for label in _LABELS[:12] for s in (label[:3], label[3:])] + ["合计", "其他", "单位:件"]
_FRAGMENTS += ["1.属于", "国家", "秘密"]  # each pair joins into a label: 1.属于国家, 国家秘密
_NUMBERS = ["0", "1", "12", "1,234", "3.5", "-2", "7件", "0.00"]
_BLANKS = ["", " ", "-", "—", "/", "无"]
_CELL = st.one_of(
    st.sampled_from(_LABELS), st.sampled_from(_FRAGMENTS), st.sampled_from(_NUMBERS), st.sampled_from(_BLANKS)
)


@st.composite
def _line(draw: st.DrawFn) -> Line:
    kind: LineKind = draw(st.sampled_from(["text", "delimited", "grid"]))
    if kind == "text":
        return Line((draw(_CELL),), "text")
    cells = draw(st.lists(st.one_of(_CELL, st.none()) if kind == "grid" else _CELL, min_size=1, max_size=9))
    return Line(tuple(cells), kind, 0 if kind == "grid" else None)


_LINES = st.lists(_line(), max_size=40)


def _materialised(lines: list[Line]) -> list[Token]:
    toks = tokens(lines, (0, len(lines)))
    return [toks[i] for i in range(len(toks))]


@settings(max_examples=400, deadline=None)
@given(_LINES)
def test_tokens_are_the_cells_read_one_by_one(lines: list[Line]) -> None:
    assert _materialised(lines) == plain_tokens(lines, (0, len(lines)))
    assert _materialised(lines) == plain_tokens(lines, (0, len(lines)))  # again, from the line memo


# a label split over three cells, whose middle part also joins the last: read once, as the first two
_SPLIT = [Line(("1.属于", "国家", "秘密", "0", "1", "0", "0", "0", "0", "1"), "delimited")]


@settings(max_examples=400, deadline=None)
@given(_LINES, st.booleans(), st.sampled_from(["t2", "t3"]))
@example(_SPLIT, False, "t3")
def test_label_rows_by_runs_equal_the_token_walk(lines: list[Line], from_start: bool, table: str) -> None:
    matcher = table3_matcher(2021) if table == "t3" else table2_matcher(2021)
    start = T.rows_in_group("intake")[0] if from_start and table == "t3" else None
    toks = tokens(lines, (0, len(lines)))
    rows = [(r.key, r.label, r.line, toks.of(r.runs)) for r in label_rows(toks, matcher, start)]
    assert rows == plain_label_rows(plain_tokens(lines, (0, len(lines))), matcher, start)


# a header, a line of numbers, then a line of blanks that the table's cell count still takes
_T4 = [Line(("行政复议",)), Line(("1", "0"), "delimited"), Line(("-", "-"), "delimited")]


@settings(max_examples=400, deadline=None)
@given(_LINES, st.one_of(st.none(), st.integers(0, 30)))
@example(_T4, 4)
@example(_T4, 3)
def test_table4_runs_equal_the_token_values(lines: list[Line], cells: int | None) -> None:
    toks = tokens(lines, (0, len(lines)))
    runs = table4_values(toks, cells)
    expected = plain_table4_values(plain_tokens(lines, (0, len(lines))), cells)
    assert (None if runs is None else toks.of(runs)) == expected


@settings(max_examples=400, deadline=None)
@given(_line(), st.integers(1, 9), st.booleans())
@example(Line(("1", "2", ""), "delimited"), 3, False)  # an empty edge cell is set aside: 2 numbers for 3
@example(Line(("1", "2", ""), "grid", 0), 3, False)  # in a real grid it is a blank cell
@example(Line(("-", "1", "2"), "delimited"), 3, True)  # a printed dash is a blank cell
def test_align_read_equals_align(line: Line, n: int, with_sum: bool) -> None:
    toks = tokens([line], (0, 1))
    values = [toks[i] for i in range(len(toks))]
    sums = [(n - 1, range(n - 1))] if with_sum and n > 1 else []
    got = align_read(list(toks.values), all(toks.exact), n, sums, lambda: values)
    assert got == align(values, n, sums)


@st.composite
def _row_line(draw: st.DrawFn) -> Line:
    """A table 3 row: its label and about one value per column (sometimes one more or one less)."""
    label = draw(st.sampled_from([r.label for r in T.table3_rows] + [m.label for m in T.table3_merged_rows]))
    n = len(T.column_keys) + draw(st.sampled_from([0, 0, 0, -1, 1]))
    values = draw(st.lists(st.sampled_from(_NUMBERS[:3] + _BLANKS[:3]), min_size=n, max_size=n))
    kind: LineKind = draw(st.sampled_from(["delimited", "grid"]))
    return Line((label, *values), kind, 0 if kind == "grid" else None)


def plain_read(
    tables: Tables,
    toks: Tokens,
    table: str,
    key: str,
    columns: Sequence[str],
    raw: RawRow,
    sums: Sequence = (),
) -> None:
    _record(tables, table, key, columns, _aligned(toks, raw, len(columns), sums))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_row_line(), _row_line(), _line()), max_size=40))
def test_rows_printed_whole_are_read_as_aligned(rows: list[Line]) -> None:
    """Writing a row of exactly its numbers at once gives what aligning and recording it gives."""
    lines = [Line(("三、收到和处理政府信息公开申请情况",)), *rows]
    sections = find_sections(lines)
    fast = key_tables(lines, sections, T)
    with patch.object(nianbao.parse.tables, "_read", plain_read):
        plain = key_tables(lines, sections, T)
    assert (fast.values, fast.status, fast.findings) == (plain.values, plain.status, plain.findings)
    assert (fast.found, fast.merged, fast.unproven) == (plain.found, plain.merged, plain.unproven)


_HEADING_LINES = [
    "二、主动公开政府信息情况",
    "  三、收到和处理政府信息公开申请情况",
    "#四、政府信息公开行政复议、行政诉讼情况",
    "\u3000五、存在的主要问题及改进情况",
    "五 . 问题",
    "四、结转下年度继续办理",
    "(三)不予公开",
    "本年新收",
    "结果维持",
    "其他需要报告的事项",
    "第二十条",
    "信息内容",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_HEADING_LINES).map(lambda s: Line((s,))), _line()), max_size=40))
def test_heading_candidates_miss_no_heading(lines: list[Line]) -> None:
    s = find_sections(lines)
    found = tuple(span[0] if span else None for span in (s.table2, s.table3, s.table4))
    t5 = s.closing[0] if s.closing[0] < len(lines) else None
    assert (*found, t5) == plain_sections_starts(lines)


def test_whitespace_is_what_backslash_s_matches() -> None:
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert set(_WHITESPACE) == set(re.findall(r"\s", every)) == {c for c in every if c.isspace()}
    assert "".join(every.split()) == re.sub(r"\s+", "", every)


_NUMBER = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.integers(-(10**20), 10**20),
    st.sampled_from([0.1, 0.2, 0.3, -0.0, 1e16, -1e16, 2.0**53, 1e308]),
)


def _bits(x: float | int) -> tuple:
    return (type(x), struct.pack("d", x) if isinstance(x, float) else x)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_NUMBER, max_size=26))
def test_sums_are_the_running_totals(values: list[float]) -> None:
    try:
        expected = _bits(reduce(add, values, 0))
    except OverflowError:
        return
    assert _bits(_running_total(values)) == expected
    assert _bits(_total(values)) == expected


_CELL_VALUE = st.one_of(
    st.none(),
    st.integers(0, 40).map(float),
    st.integers(0, 40),
    st.sampled_from([0.5, 2.5, -1.0, -3.0, 1e-12]),
)


@settings(max_examples=300, deadline=None)
@given(st.data(), st.booleans())
def test_identity_findings_equal_the_plain_walk(data: st.DataObject, merged: bool) -> None:
    tables = Tables.of(T)
    lay = tables.layout
    # mostly one value, so that sums often hold and one odd cell breaks a few of them
    base = data.draw(_CELL_VALUE)
    for i in range(lay.t3_and_t4.start, lay.t3_and_t4.stop):
        tables.values[i] = base if data.draw(st.integers(0, 19)) else data.draw(_CELL_VALUE)
        tables.status[i] = "read"
    if merged:
        tables.merged.add(T.table3_merged_rows[0].key)
    else:  # the merged row was not printed
        start = lay.rows[("t3", T.table3_merged_rows[0].key)]
        for i in range(start, start + len(T.column_keys)):
            tables.values[i] = tables.status[i] = None
    assert identity_findings(tables) == plain_identity_findings(tables)


def test_counts_are_whole_values_or_none() -> None:
    for value in [None, 0.0, -0.0, 3.0, 3, 2.5, -1.0, 1e20, 7.0]:
        expected = None if value is None or value != int(value) else int(value)
        got = _COUNT_OF[value]
        assert (got, type(got)) == (expected, type(expected)), value


def test_negative_values_are_reported_in_the_order_the_rows_are_read() -> None:
    """A printed merged row (其他处理, read before the other rows) comes first, then table 3 in the
    template's order, then table 4: the order the parser sets the cells in."""
    text = report_text(correct_truth(2021, seed=3))
    text = re.sub(
        r"1\.申请人无正当理由[^\n]*\n2\.申请人逾期[^\n]*\n3\.其他\t[^\n]*\n",
        "(六)其他处理\t-2\t1\t1\t0\t0\t1\t1\n",
        text,
    )
    text = text.replace("(一)予以公开\t0", "(一)予以公开\t-1", 1)
    text = text.replace("\n1\t0\t1\t0\t2\t1", "\n-1\t0\t1\t0\t2\t1", 1)
    checks = parse_bytes(text.encode(), "r.txt").checks
    assert [c[3] for c in checks if c[1] == "negative_value"] == [
        "table3/other_processing/natural_person",
        "table3/granted/natural_person",
        "table4/administrative_review/upheld",
    ]
