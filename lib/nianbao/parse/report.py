"""Parse one file: bytes → document → located tables → keyed rows → checks. Never raises.

Each step is a pure function in its own module (read, locate, tables, metadata, places, checks);
this module strings them together and turns the outcome into rows of the five frames. Bad input
becomes one ``reports`` row with status ``failed`` or ``not_a_report`` and an error a researcher
can act on.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from collections.abc import Iterable, Mapping
from itertools import repeat
from pathlib import Path
from typing import Any, Literal

from nianbao.errors import NotAReport, UnreadableFile, internal_error
from nianbao.frames import Frames
from nianbao.grid import Document, to_simplified
from nianbao.names import shown_path
from nianbao.options import RunOptions
from nianbao.parse.checks import identity_findings, narrative_findings, report_checks
from nianbao.parse.crosswalk import read_crosswalk_file
from nianbao.parse.evidence import attach
from nianbao.parse.locate import find_sections
from nianbao.parse.metadata import (
    detect_template,
    mend_organ,
    narrative_figures,
    organ_kind,
    read_title,
    year_from_text,
)
from nianbao.parse.ocr_checks import ocr_findings, ocr_pages_text
from nianbao.parse.organs import resolve_frames
from nianbao.parse.places import Place, organ_level, resolver
from nianbao.parse.result import FileResult, to_frames
from nianbao.parse.tables import EXACT_LIMIT, Finding, Tables, key_tables, layout, out_of_range
from nianbao.parse.timelimit import FileTimeout, memory_message, time_limit, timeout_message
from nianbao.read import read_document, sniff
from nianbao.read.container import NOT_FOUND
from nianbao.templates import Template, per_template

__all__ = ["ReportFrames", "parse_bytes", "parse_file", "read_report", "report_id_of"]


def report_id_of(data: bytes, sha256: str | None = None) -> str:
    """First 16 hex digits of the SHA-256 of the file's bytes (the contract's report_id).

    ``sha256``: that digest in hex, when the caller has it already (it is not checked).

    >>> report_id_of(b""), report_id_of(b"", sha256="0123456789abcdef0123")
    ('e3b0c44298fc1c14', '0123456789abcdef')
    """
    return (sha256 if sha256 is not None else hashlib.sha256(data).hexdigest())[:16]


def _failed(report_id: str, path: str, fmt: str, status: str, error: str, start: float) -> FileResult:
    return FileResult.failed(
        report_id, path, error, status=status, fmt=fmt, seconds=time.perf_counter() - start
    )


_DEFAULT_OPTIONS = RunOptions()


def parse_bytes(
    data: bytes, path: str, *, sha256: str | None = None, options: RunOptions = _DEFAULT_OPTIONS
) -> FileResult:
    """Parse a file's bytes; ``path`` is recorded as given (relative to the corpus root).

    ``sha256``: the hex SHA-256 of ``data`` when the caller has it already (a corpus run hashes
    every file for its cache key), so that the report_id is not worked out a second time.
    ``options``: the run's settings; each reader takes its own (:data:`nianbao.read.READERS`) and
    places resolve with ``options.places``.

    >>> text = "测试县人民政府2023年政府信息公开工作年度报告\\n全年共主动公开政府信息120条。\\n二、主动公开政府信息情况\\n规章\\t3\\t0\\t5\\n"
    >>> r = parse_bytes(text.encode(), "r.txt")
    >>> [r.report[k] for k in ("status", "organ", "year", "template", "proactive_items", "cells_read")]
    ['partial', '测试县人民政府', 2023, 2021, 120, 3]
    >>> [row[1:] for row in r.proactive[:3]], parse_bytes(b"hello", "x.txt").report["status"]
    ([('rules', 'issued', 3.0), ('rules', 'repealed', 0.0), ('rules', 'in_force', 5.0)], 'not_a_report')
    """
    start = time.perf_counter()
    rid = report_id_of(data, sha256)
    fmt = "other"
    try:
        fmt = sniff(data)
        doc = to_simplified(read_document(data, fmt, options))
        return _parse_document(doc, rid, path, start, options)
    except UnreadableFile as e:
        return _failed(rid, path, fmt, "failed", str(e), start)
    except RecursionError:
        return _failed(
            rid,
            path,
            fmt,
            "failed",
            "the file is nested too deeply to read (hostile or broken markup)",
            start,
        )
    except MemoryError:  # the caller's limit (parse.timelimit, corpus.watchdog) says what to do; not cached
        raise
    except Exception as e:  # a bug of ours must not stop a corpus run: record it on the file's row
        return _failed(
            rid,
            path,
            fmt,
            "failed",
            internal_error(e, path),
            start,
        )


def _parse_document(doc: Document, rid: str, path: str, start: float, options: RunOptions) -> FileResult:
    lines, texts = doc.lines, doc.line_texts
    sections = find_sections(lines, texts)
    head = list(texts[: min(sections.narrative[1] + 1, 80)])
    title = read_title(head, doc.title)
    organ, year = title.organ, title.year
    full_text = doc.text
    if year is None:
        year = year_from_text(full_text)
    region = [s for s in (sections.table2, sections.table3, sections.table4) if s]
    table_text = "\n".join([text for a, b in region for text in texts[a:b]]) if region else full_text
    template = detect_template(table_text, year)
    tables = key_tables(lines, sections, template)
    if not any(tables.found.values()):
        why = "no annual-report title and" if organ is None and year is None else "a title but"
        what = f"{NOT_FOUND}: " if NOT_FOUND in doc.notes else ""
        return _failed(
            rid,
            path,
            doc.format,
            "not_a_report",
            f"{what}not an annual report on open government information: {why} none of the template's tables (主动公开/申请/复议诉讼) found",
            start,
        )
    narrative = "".join(texts[slice(*sections.narrative)])
    figures = narrative_figures(narrative)
    findings = [
        *_drop_out_of_range(figures),
        *tables.findings,
        *identity_findings(tables),
        *narrative_findings(figures, narrative, tables, year, template),
        *ocr_findings(doc.ocr_doubts),
    ]
    if findings:  # the page and printed row of each check about a row (only when checks fired)
        findings = attach(findings, tables, lines, doc.pages)
    locate = resolver(options.places).locate
    organ, place, damaged_title = mend_organ(title, locate) if organ else (None, None, None)
    if damaged_title is not None:
        findings.append(damaged_title)
    if place is None:
        place = locate(organ) if organ else Place(None, None, None, None)
    report: dict[str, Any] = {
        "report_id": rid,
        "path": path,
        "format": doc.format,
        "status": "partial" if tables.damaged else "ok",
        "error": None,
        "organ": organ,
        "organ_level": organ_level(organ_kind(organ), place, organ) if organ else None,
        "province": place.province,
        "city": place.city,
        "county": place.county,
        "year": year,
        "template": template.year,
        "proactive_items": figures.get("proactive_items"),
        "proactive_breakdown_sum": figures.get("proactive_breakdown_sum"),
        "wechat_posts": figures.get("wechat_posts"),
        "weibo_posts": figures.get("weibo_posts"),
        "ocr_pages": ocr_pages_text(doc.ocr_pages),
    }
    result = FileResult(report=report, checks=report_checks(rid, findings))
    null, total = _table_rows(result, tables)
    report["cells_read"] = total - null
    report["cells_null"] = null
    report["checks_warning"] = sum(f.severity == "warning" for f in findings)
    report["checks_error"] = sum(f.severity == "error" for f in findings)
    report["parse_seconds"] = time.perf_counter() - start
    return result


_FIGURE_ZH = {
    "proactive_items": "主动公开信息条数",
    "proactive_breakdown_sum": "主动公开分类条数之和",
    "wechat_posts": "微信公众号发布条数",
    "weibo_posts": "微博发布条数",
}


def _drop_out_of_range(figures: dict[str, int]) -> list[Finding]:
    """Narrative figures too large to be counts are dropped (null) with an error check each."""
    if all(v < EXACT_LIMIT for v in figures.values()):
        return []
    found = []
    for key in [k for k, v in figures.items() if v >= EXACT_LIMIT]:
        digits = str(figures.pop(key))
        printed = digits + ("…" if len(digits) >= 20 else "")
        found.append(out_of_range(f"narrative/{key}", f"叙述中的{_FIGURE_ZH.get(key, key)}", printed))
    return found


class _Counts(dict[float | None, int | None]):
    """value → the value as a count: an int, or None when unknown or not a whole number.

    Worked out once per value (a corpus prints few distinct counts), then looked up in C.
    """

    def __missing__(self, value: float | None) -> int | None:
        count = None if value is None or value != int(value) else int(value)
        if len(self) < 10_000:
            self[value] = count
        return count


_COUNT_OF = _Counts()


def _counts(values: Iterable[float | None]) -> list[int | None]:
    """Each value as a count (:class:`_Counts`)."""
    return list(map(_COUNT_OF.__getitem__, values))


@per_template
def _frame_labels(t: Template) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Per frame (proactive, applications, litigation), its label columns for the cells of its slice
    of ``Tables.values`` (:func:`~nianbao.parse.tables.layout`), in that order."""
    lay = layout(t)
    group = {r.key: r.group for r in t.table3_rows}
    proactive = [(item, measure) for _, item, measure in lay.cells[lay.t2]]
    applications = [(row, group[row], column) for _, row, column in lay.cells[lay.t3]]
    litigation = [(proceeding, result) for _, proceeding, result in lay.cells[lay.t4]]
    return tuple(tuple(zip(*cells, strict=True)) for cells in (proactive, applications, litigation))


def _table_rows(result: FileResult, tables: Tables) -> tuple[int, int]:
    """Fill the result's three table frames; (cells null, cells in all) of the rows written."""
    proactive, applications, litigation = _frame_labels(tables.template)
    rid = result.report_id
    lay, values = tables.layout, tables.values
    printed = values[lay.t2]
    counts3 = _counts(values[lay.t3])
    counts4 = _counts(values[lay.t4])
    result.proactive = list(zip(repeat(rid), *proactive, printed))
    result.applications = list(zip(repeat(rid), *applications, counts3))
    result.litigation = list(zip(repeat(rid), *litigation, counts4))
    null = printed.count(None) + counts3.count(None) + counts4.count(None)
    return null, len(printed) + len(counts3) + len(counts4)


def _hash_file(p: Path) -> str:
    """report_id of a file too large to parse, hashed in chunks without holding it in memory."""
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()[:16]


def parse_file(
    path: str | Path, *, display_path: str | None = None, options: RunOptions = _DEFAULT_OPTIONS
) -> FileResult:
    """Read and parse one file from disk; unreadable or oversized files become failed rows.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "r.txt").write_text("测试县2023年政府信息公开工作年度报告\\n二、主动公开\\n规章\\t3\\t0\\t5\\n")
    ...     parse_file(Path(d) / "r.txt", display_path="r.txt").report["status"], parse_file(d).report["error"]
    ('partial', 'not a regular file (a pipe, socket or device): not opened')
    """
    limit = options.max_file_bytes
    p = Path(path)
    shown = display_path if display_path is not None else shown_path(p)  # any name, even not UTF-8
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block the read forever; a device never ends
            return FileResult.failed(
                report_id_of(os.fsencode(p)),
                shown,
                "not a regular file (a pipe, socket or device): not opened",
            )
        if st.st_size > limit:
            return FileResult.failed(
                _hash_file(p),
                shown,
                f"file is {st.st_size / 2**20:.0f} MB, over the {limit / 2**20:.0f} MB limit for one report; "
                "is it really one annual report?",
            )
        data = _read_regular(p)
    except OSError as e:
        reason = "permission denied" if isinstance(e, PermissionError) else (e.strerror or type(e).__name__)
        return FileResult.failed(report_id_of(os.fsencode(p)), shown, f"cannot read file: {reason.lower()}")
    return parse_bytes(data, shown, options=options)


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file, opened so that a FIFO put there after the stat cannot block."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read()
    finally:
        os.close(fd)


def _bounded_parse_file(path: str | Path, options: RunOptions) -> FileResult:
    """:func:`parse_file`, stopped after ``options.file_timeout`` or when out of memory (a ``failed`` row)."""
    try:
        try:
            with time_limit(options.file_timeout):
                return parse_file(path, options=options)
        except FileTimeout:
            error = timeout_message(options.file_timeout)
    except MemoryError:
        error = memory_message(None)
    try:
        rid = _hash_file(Path(path))
    except OSError:
        rid = report_id_of(str(path).encode())
    return FileResult.failed(rid, str(path), error)


ReportFrames = Frames  # what read_report returns: the one frames container


def read_report(
    path: str | Path,
    *,
    errors: Literal["record", "raise"] = "record",
    options: RunOptions | Mapping[str, Any] | None = None,
    organs: str | Path | None = None,
) -> ReportFrames:
    """Parse one report file into the contract's frames.

    ``options``: :class:`nianbao.options.RunOptions`, or a mapping of them (e.g.
    ``{"pdf": {"max_pages": 5}}``); unknown names raise :class:`nianbao.options.OptionsError`.
    ``organ_id`` and ``organ_name`` are resolved as a corpus run resolves them
    (:func:`nianbao.parse.organs.resolve_frames`), with the crosswalk file ``organs`` if given.

    With ``errors="raise"``, a file that is not readable or not a report raises
    :class:`~nianbao.errors.UnreadableFile` / :class:`~nianbao.errors.NotAReport` instead of
    returning a ``reports`` row with status ``failed`` / ``not_a_report``.

    A parse still running after ``options.file_timeout`` seconds is stopped and the file gets a
    ``failed`` row saying so (:mod:`nianbao.parse.timelimit`: it stops Python code, not a parse
    stuck inside one call of native code; ``read_corpus`` on a pool stops that too).

    >>> r = read_report(Path(__file__).parents[3] / ".." / "shared" / "seeds" / "001_752a671dabfd990e.txt")  # doctest: +SKIP
    >>> r.applications.filter(outcome="granted", applicant="total")["value"].item()  # doctest: +SKIP
    14
    """
    result = _bounded_parse_file(path, RunOptions.resolve(options))
    if errors == "raise" and result.report["status"] in ("failed", "not_a_report"):
        cls = NotAReport if result.report["status"] == "not_a_report" else UnreadableFile
        raise cls(f"{path}: {result.report['error']}")

    crosswalk = read_crosswalk_file(organs) if organs is not None else None
    return ReportFrames(**resolve_frames(to_frames([result]), crosswalk))
