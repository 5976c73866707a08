"""Property-based fuzzing of the parser with damaged copies of real and generated reports.

Each example takes one report (a seed, a real HTML page, or a report generated with known truth)
and damages it the way files are damaged in the wild: bytes flipped, the file cut short, lines
deleted, duplicated or shuffled, stray Unicode inserted. Whatever the damage:

- ``parse_bytes`` returns (it never raises) one row for the file, which builds the frames, with
  no internal error on it, within a bounded time;
- a report left ``ok`` with no warning or error check holds, wherever it holds a value, the value
  the undamaged report holds for that cell (damage is never silent). Byte flips are held to the
  first promise only: a flipped digit in a cell that no identity covers is undetectable.

The default profile is small (CI stays fast) and derandomized (a failure reproduces);
``NIANBAO_FUZZ_EXAMPLES=2000`` runs a larger search.
"""

from __future__ import annotations

import os
import time
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import correct_truth, report_html, report_text
from nianbao.parse.report import parse_bytes
from nianbao.parse.result import FileResult, to_frames

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EXAMPLES = int(os.environ.get("NIANBAO_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SECONDS = 5.0  # per damaged file; the undamaged reports parse in a few milliseconds


def _sources() -> list[tuple[str, bytes]]:
    out = [(p.name, p.read_bytes()) for p in sorted((SHARED / "seeds").glob("*.txt"))]
    out += [(p.name, p.read_bytes()) for p in sorted((SHARED / "corpus" / "real" / "files").glob("*.html"))]
    for year in (2019, 2021, 2023):
        truth = correct_truth(year, seed=year)
        out.append((f"gen{year}.txt", report_text(truth).encode()))
        out.append((f"gen{year}.html", report_html(truth).encode()))
    out.append(("gen2023_pipes.txt", report_text(correct_truth(2023, seed=3), sep=" | ").encode()))
    return out


SOURCES = _sources()
NAMES = [name for name, _ in SOURCES]


@cache
def _original(i: int) -> tuple[FileResult, dict[tuple, object]]:
    name, data = SOURCES[i]
    r = parse_bytes(data, name)
    assert r.report["status"] in ("ok", "partial"), (name, r.report["error"])
    return r, _cells(r)


def _cells(r: FileResult) -> dict[tuple, object]:
    """Every non-null cell of the three tables and the report's figures, by its labels."""
    out: dict[tuple, object] = {}
    for frame in ("proactive", "applications", "litigation"):
        for row in getattr(r, frame):
            if row[-1] is not None:
                out[(frame, *row[1:-1])] = row[-1]
    # (the organ is printed text: an inserted character beside it is part of what was printed)
    for key in ("year", "template", "proactive_items", "proactive_breakdown_sum", "wechat_posts"):
        if r.report.get(key) is not None:
            out[("reports", key)] = r.report[key]
    return out


def _parse(data: bytes, name: str) -> FileResult:
    start = time.perf_counter()
    r = parse_bytes(data, name)
    assert time.perf_counter() - start < SECONDS
    frames = to_frames([r])  # one row, and the rows build the frames (type-check)
    assert frames["reports"].height == 1
    assert r.report["status"] in ("ok", "partial", "failed", "not_a_report")
    error = r.report.get("error") or ""
    assert "a bug in nianbao" not in error, error
    assert "Traceback" not in error
    return r


def _assert_never_silent(i: int, r: FileResult) -> None:
    """An ok report with no warning or error holds the undamaged report's value in every cell it fills."""
    if r.report["status"] != "ok" or any(c[2] in ("warning", "error") for c in r.checks):
        return
    original = _original(i)[1]
    wrong = {k: (v, original.get(k)) for k, v in _cells(r).items() if original.get(k) != v}
    assert not wrong, f"{NAMES[i]}: silent change {wrong}"


source = st.integers(0, len(SOURCES) - 1)


@FUZZ
@given(
    i=source,
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=8),
)
def test_byte_flips(i: int, flips: list[tuple[float, int]]) -> None:
    data = bytearray(SOURCES[i][1])
    for at, mask in flips:
        data[int(at * len(data))] ^= mask
    _parse(bytes(data), NAMES[i])


@FUZZ
@given(i=source, keep=st.floats(0, 1))
def test_truncation(i: int, keep: float) -> None:
    data = SOURCES[i][1]
    r = _parse(data[: int(keep * len(data))], NAMES[i])
    _assert_never_silent(i, r)


def _lines(i: int) -> list[bytes]:
    return SOURCES[i][1].split(b"\n")


@FUZZ
@given(i=source, data=st.data())
def test_deleted_duplicated_and_shuffled_lines(i: int, data: st.DataObject) -> None:
    lines = _lines(i)
    n = len(lines)
    kind = data.draw(st.sampled_from(["delete", "duplicate", "shuffle"]))
    a = data.draw(st.integers(0, n - 1))
    b = data.draw(st.integers(a + 1, min(n, a + 12)))
    if kind == "delete":
        lines[a:b] = []
    elif kind == "duplicate":
        lines[a:a] = lines[a:b]
    else:
        lines[a:b] = data.draw(st.permutations(lines[a:b]))
    r = _parse(b"\n".join(lines), NAMES[i])
    _assert_never_silent(i, r)


# Inserted text holds no digit: a digit inserted into a number is damage no parser can see.
_STRAY = st.text(
    st.characters(exclude_categories=["Nd", "No", "Cs"], exclude_characters="0123456789"),
    min_size=1,
    max_size=6,
)


@FUZZ
@given(i=source, at=st.floats(0, 1, exclude_max=True), stray=_STRAY)
def test_inserted_unicode(i: int, at: float, stray: str) -> None:
    text = SOURCES[i][1].decode("utf-8", errors="surrogateescape")
    cut = int(at * len(text))
    damaged = (text[:cut] + stray + text[cut:]).encode("utf-8", errors="surrogateescape")
    r = _parse(damaged, NAMES[i])
    _assert_never_silent(i, r)


@pytest.mark.parametrize("i", range(len(SOURCES)), ids=NAMES)
def test_every_source_parses_undamaged(i: int) -> None:
    """The fuzzer's originals are reports (else the never-silent property would test nothing)."""
    _, cells = _original(i)
    assert len(cells) > 50
