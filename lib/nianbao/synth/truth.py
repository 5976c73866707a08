"""Ground truth: the JSON a generated report is written with, and a comparison of parser output to it.

The JSON follows ``shared/spec/data-contract.md`` (source, organ, year, template, organ_level,
province, city, county, proactive, applications, litigation, narrative, expected_checks) plus
``"synthetic": true``, the ``format`` and the ``damage`` kinds injected. :func:`compare` works for the
hand-made truths of the real seeds as well (``shared/corpus/expected/*.json``): it is the one place
where "parsed correctly" is defined.

>>> from nianbao.templates import template_named
>>> t = template_named(2021)
>>> apps = {k: [0] * 7 for k in t.row_keys}
>>> apps["granted"] = [2, 0, 0, 0, 0, 0, 0]
>>> sorted(broken_identities(t, apps, {}))
['outcome_sum', 'row_total']
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from nianbao.parse.result import FileResult, to_frames
from nianbao.synth.model import ReportSpec
from nianbao.templates import Template, template_named

__all__ = ["CORPUS_CHECKS", "broken_identities", "compare", "compare_corpus", "load_truths", "truth_json"]

TOLERANCE = 1e-6
# Checks that compare a report with other files of the corpus: one parsed file alone cannot raise them.
CORPUS_CHECKS = frozenset({"fee_unit_suspect", "cross_year_carry", "duplicate_report"})
_ORGAN_SUFFIX = "人民政府"


def _sum_known(values: list[int | None]) -> int | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def broken_identities(
    t: Template, applications: Mapping[str, list[int | None]], litigation: Mapping[str, list[int | None]]
) -> set[str]:
    """Names of the template identities that fail on known (non-null) cells.

    >>> from nianbao.templates import template_named
    >>> sorted(broken_identities(template_named(2021), {}, {"administrative_review": [1, 0, 0, 0, 2]}))
    ['litigation_total']
    """
    broken: set[str] = set()
    total_i = next(i for i, c in enumerate(t.table3_columns) if c.sum_of_others)
    for row in applications.values():
        parts = _sum_known([v for i, v in enumerate(row) if i != total_i])
        if parts is not None and row[total_i] is not None and parts != row[total_i]:
            broken.add("row_total")
    intake = t.rows_in_group("intake")
    total = t.rows_in_group("total")
    forward = t.rows_in_group("carried_forward")
    if all(k in applications for k in (*t.outcome_keys, *intake, *total, *forward)):
        for i in range(len(t.table3_columns)):
            outcomes = _sum_known([applications[k][i] for k in t.outcome_keys])
            processed = applications[total[0]][i]
            if outcomes is not None and processed is not None and outcomes != processed:
                broken.add("outcome_sum")
            left = _sum_known([applications[k][i] for k in intake])
            right = _sum_known([applications[k][i] for k in (*total, *forward)])
            if left is not None and right is not None and left != right:
                broken.add("intake_balance")
    sum_i = next(i for i, r in enumerate(t.table4_results) if r.sum_of_others)
    for vals in litigation.values():
        parts = _sum_known([v for i, v in enumerate(vals) if i != sum_i])
        if parts is not None and vals[sum_i] is not None and parts != vals[sum_i]:
            broken.add("litigation_total")
    return broken


def _plain(v: float | None) -> float | int | None:
    """Counts as ints in the JSON, decimals as floats."""
    if v is None:
        return None
    return int(v) if float(v).is_integer() and abs(v) < 2**53 else v


def truth_json(spec: ReportSpec) -> dict[str, Any]:
    """The ground-truth record of one generated report (data-contract format + synthetic fields).

    >>> from nianbao.synth.generate import sample_spec
    >>> truth = truth_json(sample_spec(1, "txt", 2022, organ=0))
    >>> truth["source"], truth["organ"], truth["template"], truth["applications"]["new_received"]
    ('c01_gov_2022.txt', '杏屯市人民政府', 2021, [46, 3, 1, 0, 1, 1, 52])
    """
    o, tr = spec.organ, spec.truth
    return {
        "source": spec.filename,
        "organ": o.title_name,
        "organ_key": o.key,  # the organ's true identity, whatever name this year's report printed
        "year": spec.year,
        "template": spec.template.year,
        "organ_level": o.level,
        "province": o.province,
        "city": o.city,
        "county": o.county,
        "proactive": {item: {m: _plain(v) for m, v in ms.items()} for item, ms in tr.proactive.items()},
        "applications": {k: list(v) for k, v in tr.applications.items()},
        "litigation": {k: list(v) for k, v in tr.litigation.items()},
        "narrative": dict(tr.narrative),
        "expected_checks": sorted(spec.expected_checks),
        "synthetic": True,
        "format": spec.style.format,
        "layout": spec.style.layout,
        "damage": list(spec.damage),
        "note": "; ".join(spec.notes) or "undamaged",
    }


def _same(expected: Any, got: Any) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(got, float) and math.isnan(got):
        return False
    return abs(float(expected) - float(got)) <= TOLERANCE * max(1.0, abs(float(expected)))


def _organ_core(name: str | None) -> str | None:
    return None if name is None else name.strip().removesuffix(_ORGAN_SUFFIX)


def _frames_of(parsed: FileResult | Mapping[str, pl.DataFrame]) -> Mapping[str, pl.DataFrame]:
    return to_frames([parsed]) if isinstance(parsed, FileResult) else parsed


def _select_report(frames: Mapping[str, pl.DataFrame], source: str) -> dict[str, Any] | None:
    reports = frames["reports"]
    if reports.height == 1:
        return reports.row(0, named=True)
    hits = [
        r for r in reports.iter_rows(named=True) if r["path"] and Path(r["path"]).name == Path(source).name
    ]
    return hits[0] if len(hits) == 1 else None


def _cells(frame: pl.DataFrame, report_id: str, row_col: str, col_col: str) -> dict[tuple[str, str], Any]:
    sub = frame.filter(pl.col("report_id") == report_id)
    return {(str(a), str(b)): v for a, b, v in sub.select(row_col, col_col, "value").iter_rows()}


def _compare_table(
    name: str,
    got: dict[tuple[str, str], Any],
    expected: Mapping[str, Mapping[str, Any]],
) -> list[str]:
    out = []
    for row, cols in expected.items():
        for col, want in cols.items():
            have = got.get((row, col))
            if not _same(want, have):
                out.append(f"{name}.{row}.{col}: expected {want!r}, got {have!r}")
    for (row, col), have in got.items():
        if have is not None and col not in expected.get(row, {}):
            out.append(f"{name}.{row}.{col}: not in the truth, got {have!r}")
    return out


def compare(parsed: FileResult | Mapping[str, pl.DataFrame], truth: Mapping[str, Any]) -> list[str]:
    """Every difference between a parse and a ground-truth record, as readable lines ([] = exact).

    ``parsed`` is a :class:`~nianbao.parse.result.FileResult` or the five frames (the report is found by
    ``truth["source"]`` when they hold several). Compared: organ (with or without a trailing
    人民政府), year, template, organ level and place (when the truth names them), every table cell
    (null must be null), the narrative keys the truth lists, the checks in ``expected_checks`` (each
    must fire), and — when ``expected_checks`` is empty — that no warning or error was raised.
    Corpus-level checks (:data:`CORPUS_CHECKS`) are required only when ``parsed`` is a set of frames
    (a corpus parse); a single ``FileResult`` cannot raise them.

    >>> from nianbao.parse.report import parse_bytes
    >>> from nianbao.synth.generate import sample_report
    >>> spec, data = sample_report(1, "txt", 2022, organ=0)
    >>> truth = {k: v for k, v in truth_json(spec).items() if k not in ("organ_level", "province", "city")}
    >>> compare(parse_bytes(data, spec.filename), truth | {"year": 2021, "county": None})
    ['year: expected 2021, got 2022']
    """
    single = isinstance(parsed, FileResult)
    frames = _frames_of(parsed)
    report = _select_report(frames, str(truth.get("source", "")))
    if report is None:
        return [f"report {truth.get('source')!r} not found among {frames['reports'].height} parsed reports"]
    out: list[str] = []
    if report.get("status") in ("failed", "not_a_report", "duplicate"):
        out.append(f"status: {report.get('status')} ({report.get('error')})")
    if _organ_core(report.get("organ")) != _organ_core(truth.get("organ")):
        out.append(f"organ: expected {truth.get('organ')!r}, got {report.get('organ')!r}")
    for key in ("year", "template", "organ_level", "province", "city", "county"):
        if key in truth and report.get(key) != truth[key]:
            out.append(f"{key}: expected {truth[key]!r}, got {report.get(key)!r}")
    rid = report["report_id"]
    t = template_named(int(truth["template"]))
    apps = {
        row: dict(zip(t.column_keys, vals, strict=True))
        for row, vals in truth.get("applications", {}).items()
    }
    results = tuple(r.key for r in t.table4_results)
    lit = {p: dict(zip(results, vals, strict=True)) for p, vals in truth.get("litigation", {}).items()}
    out += _compare_table(
        "proactive", _cells(frames["proactive"], rid, "item", "measure"), truth.get("proactive", {})
    )
    out += _compare_table("applications", _cells(frames["applications"], rid, "outcome", "applicant"), apps)
    out += _compare_table("litigation", _cells(frames["litigation"], rid, "proceeding", "result"), lit)
    for key, want in truth.get("narrative", {}).items():
        if not _same(want, report.get(key)):
            out.append(f"narrative.{key}: expected {want!r}, got {report.get(key)!r}")
    checks = frames["checks"].filter(pl.col("report_id") == rid)
    fired = set(checks["check"].to_list())
    required = [c for c in truth.get("expected_checks", []) if not (single and c in CORPUS_CHECKS)]
    out += [f"check {name} expected but not raised" for name in required if name not in fired]
    if not truth.get("expected_checks"):
        serious = checks.filter(pl.col("severity").cast(pl.String).is_in(["warning", "error"]))
        out += [
            f"unexpected {r['severity']} {r['check']} at {r['where']}: {r['message']}"
            for r in serious.iter_rows(named=True)
        ]
    return out


def load_truths(folder: str | Path) -> list[dict[str, Any]]:
    """Every ground-truth JSON in ``folder`` (e.g. ``DIR/expected``), in file-name order.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     for name in ("b.json", "a.json", "notes.txt"):
    ...         _ = (Path(d) / name).write_text(json.dumps({"source": name}), encoding="utf-8")
    ...     [t["source"] for t in load_truths(d)]
    ['a.json', 'b.json']
    """
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(folder).glob("*.json"))]


def compare_corpus(
    frames: Mapping[str, pl.DataFrame], truths: Iterable[Mapping[str, Any]]
) -> dict[str, list[str]]:
    """:func:`compare` for each truth against a corpus parse; only reports with differences are kept.

    >>> compare_corpus({"reports": pl.DataFrame({"path": []})}, [])
    {}
    """
    out = {}
    for truth in truths:
        diff = compare(frames, truth)
        if diff:
            out[str(truth.get("source"))] = diff
    return out
