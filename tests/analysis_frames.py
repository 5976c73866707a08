"""Frames with known values for the analysis tests (metrics, charts, notebooks, browser).

Two sources, both independent of the parser:

* ``seed_frames``: the hand-checked truth of the five seeds (``shared/corpus/expected/*.json``) turned
  into the contract frames, read in place from the ``shared`` folder beside the checkout.
* ``synthetic_frames``: a generated corpus of townships in two counties over four years (2020 uses the
  2019 template), with a known truth dictionary, a report failing an identity and blank cells.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from nianbao.analysis import metrics
from nianbao.fields import FRAME_NAMES
from nianbao.parse.result import FileResult, to_frames
from nianbao.templates import template_for_year

SHARED = Path(__file__).parents[1] / ".." / "shared"
EXPECTED = SHARED / "corpus" / "expected"
SEEDS = SHARED / "seeds"


def _rid(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def result_from_truth(truth: dict[str, Any], status: str = "ok") -> FileResult:
    """The five frames' rows for one ground-truth JSON (format of data-contract.md)."""
    rid = _rid(truth["source"])
    t = template_for_year(truth["year"])
    narrative = truth.get("narrative", {})
    report = {
        "report_id": rid,
        "path": truth["source"],
        "format": "txt",
        "status": status,
        "organ": truth["organ"],
        "organ_level": truth["organ_level"],
        "province": truth["province"],
        "city": truth["city"],
        "county": truth["county"],
        "year": truth["year"],
        "template": truth["template"],
        "proactive_items": narrative.get("proactive_items"),
        "proactive_breakdown_sum": narrative.get("proactive_breakdown_sum"),
        "wechat_posts": narrative.get("wechat_posts"),
        "weibo_posts": narrative.get("weibo_posts"),
        "parse_seconds": 0.01,
    }
    result = FileResult(report)
    for item, measures in truth["proactive"].items():
        for measure, value in measures.items():
            result.proactive.append((rid, item, measure, None if value is None else float(value)))
    groups = {r.key: r.group for r in t.table3_rows}
    for row, values in truth["applications"].items():
        for column, value in zip(t.column_keys, values, strict=True):
            result.applications.append((rid, row, groups[row], column, value))
    results = [r.key for r in t.table4_results]
    for proceeding, values in truth["litigation"].items():
        for res, value in zip(results, values, strict=True):
            result.litigation.append((rid, proceeding, res, value))
    for check in truth.get("expected_checks", []):
        result.checks.append((rid, check, "warning", "table3", None, None, f"{check} (from truth)"))
    return result


def frames_of(results: list[FileResult]) -> metrics.Frames:
    return metrics.from_frames(dict(to_frames(results)))


def write_parsed(frames: metrics.Frames, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in FRAME_NAMES:
        getattr(frames, name).write_parquet(folder / f"{name}.parquet")
    return folder


# ------------------------------------------------------------------------------------ synthetic corpus


@dataclass
class Synthetic:
    frames: metrics.Frames
    # (organ, year) -> {"new": .., "carried": .., "handled": .., groups.., "review": .., ...}
    truth: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    flagged: set[tuple[str, int]] = field(default_factory=set)
    counties: dict[str, str] = field(default_factory=dict)


OUTCOME_ROWS_2021 = {
    "granted": ["granted"],
    "partially_granted": ["partially_granted"],
    "denied": ["denied_state_secret", "denied_third_party_rights", "denied_process_info"],
    "unable": ["unable_not_held"],
    "not_processed": ["not_processed_petition"],
    "other": ["other_reasons"],
}


def make_synthetic(
    seed: int = 7, organs_per_county: int = 4, years: tuple[int, ...] = (2020, 2021, 2022, 2023)
) -> Synthetic:
    """Townships × years with random counts; ``truth`` holds what each report says, in plain numbers."""
    rng = random.Random(seed)
    counties = {"甲县": "乙市", "丙县": "乙市"}
    out = Synthetic(frames=None)  # type: ignore[arg-type]
    results: list[FileResult] = []
    for county, city in counties.items():
        for i in range(organs_per_county):
            organ = f"{county}第{i + 1}镇人民政府"
            out.counties[organ] = county
            for year in years:
                t = template_for_year(year)
                rid = _rid(f"{organ}{year}")
                path = f"{county}/{organ}_{year}.txt"
                intake_new = [rng.randint(0, 12 * (i + 1)), rng.randint(0, 3), 0, 0, rng.randint(0, 1), 0]
                carried = rng.randint(0, 2)
                new_total = sum(intake_new)
                handled = new_total + carried - (1 if new_total + carried > 0 and rng.random() < 0.3 else 0)
                carried_forward = new_total + carried - handled
                # split handled over outcome rows (total column only; the applicant split is not needed here)
                row_values: dict[str, int] = {}
                remaining = handled
                keys = [r for rows in OUTCOME_ROWS_2021.values() for r in rows]
                for k in keys[:-1]:
                    v = rng.randint(0, remaining // 2) if remaining else 0
                    row_values[k] = v
                    remaining -= v
                row_values[keys[-1]] = remaining
                if t.year == 2019:
                    row_values["other_processing"] = row_values.pop("other_reasons")
                review = [rng.randint(0, 2), rng.randint(0, 1), 0, rng.randint(0, 1)]
                lit_direct = [rng.randint(0, 1), rng.randint(0, 1), 0, 0]
                lit_after = [0, rng.randint(0, 1), 0, 0]
                narrative = rng.randint(20, 400)
                report = {
                    "report_id": rid,
                    "path": path,
                    "format": "txt",
                    "status": "ok",
                    "organ": organ,
                    "organ_level": "township",
                    "province": "某省",
                    "city": city,
                    "county": county,
                    "year": year,
                    "template": t.year,
                    "proactive_items": narrative,
                    "proactive_breakdown_sum": narrative,
                    "parse_seconds": 0.01,
                }
                res = FileResult(report)
                issued = {"rules": rng.randint(0, 2), "normative_documents": rng.randint(0, 5)}
                for item in t.table2_items:
                    for m in item.measures:
                        v = issued.get(item.key, 0) if m in ("issued", "created") else rng.randint(0, 9)
                        res.proactive.append((rid, item.key, m, float(v)))
                groups = {r.key: r.group for r in t.table3_rows}
                for row in t.table3_rows:
                    if row.key == "new_received":
                        per_col = [*intake_new, new_total]
                    elif row.key == "carried_over":
                        per_col = [carried, 0, 0, 0, 0, 0, carried]
                    elif row.key == "total_processed":
                        per_col = [None] * 6 + [handled]
                    elif row.key == "carried_forward":
                        per_col = [None] * 6 + [carried_forward]
                    else:
                        v = row_values.get(row.key, 0)
                        per_col = [None] * 6 + [v]
                    for col, value in zip(t.column_keys, per_col, strict=True):
                        res.applications.append((rid, row.key, groups[row.key], col, value))
                for proc, vals in (
                    ("administrative_review", review),
                    ("litigation_direct", lit_direct),
                    ("litigation_after_review", lit_after),
                ):
                    for r, v in zip(
                        ("upheld", "corrected", "other", "pending", "total"), [*vals, sum(vals)], strict=True
                    ):
                        res.litigation.append((rid, proc, r, v))
                if i == 0 and year == 2022:  # one report fails an identity
                    res.checks.append(
                        (rid, "intake_balance", "error", "table3/total", 5.0, 6.0, "intake does not balance")
                    )
                    out.flagged.add((organ, year))
                if i == 1 and year == 2021:
                    res.checks.append((rid, "blank_cells", "warning", "table2", None, None, "blank cells"))
                results.append(res)
                groups_truth = {
                    g: sum(row_values.get(r, 0) for r in rows) for g, rows in OUTCOME_ROWS_2021.items()
                }
                if t.year == 2019:
                    groups_truth["other"] = row_values["other_processing"]
                out.truth[(organ, year)] = {
                    "path": path,
                    "new": new_total,
                    "carried": carried,
                    "handled": handled,
                    "narrative": narrative,
                    "issued": issued["rules"] + issued["normative_documents"],
                    "applicants": intake_new,
                    "review_cases": sum(review),
                    "review_corrected": review[1],
                    "review_concluded": sum(review[:3]),
                    "litigation_cases": sum(lit_direct) + sum(lit_after),
                    "litigation_corrected": lit_direct[1] + lit_after[1],
                    "litigation_concluded": sum(lit_direct[:3]) + sum(lit_after[:3]),
                    **groups_truth,
                    "denied_rows": {r: row_values[r] for r in OUTCOME_ROWS_2021["denied"]},
                }
    # a failed file and a duplicate: never in comparisons
    results.append(
        FileResult(
            {
                "report_id": _rid("bad"),
                "path": "bad.pdf",
                "format": "pdf",
                "status": "failed",
                "error": "unreadable",
            }
        )
    )
    out.frames = frames_of(results)
    return out


def as_dict(frame: pl.DataFrame, key: str, value: str) -> dict[Any, Any]:
    return {r[key]: r[value] for r in frame.iter_rows(named=True)}


# ------------------------------------------------------------------------------------ rendered reports


# Charts each notebook draws at the least with its default parameters.
DEFAULT_CHARTS = {
    "00_corpus_overview": 2,
    "01_proactive_disclosure": 3,
    "02_applications": 6,
    "03_review_litigation": 3,
    "04_organ_profile": 4,
}


@dataclass
class Rendered:
    out: Path
    pages: list[Any]


def render(parsed: Path, out: Path, parameters: dict[str, Any] | None = None) -> Rendered:
    from nianbao.render.pipeline import run_report

    pages = run_report(parsed, out, parameters=parameters, jobs=2, progress=lambda _line: None)
    return Rendered(out, pages)


def xlsx_rows(data: bytes) -> list[list[str]]:
    """Rows of the first sheet as text (shared strings resolved), read with the standard library."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared_xml = (
            book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in book.namelist() else ""
        )
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    shared = [re.sub(r"<[^>]+>", "", s) for s in re.findall(r"<si>(.*?)</si>", shared_xml, re.S)]
    rows = []
    for row in re.findall(r"<row[^>]*>(.*?)</row>", sheet, re.S):
        cells = []
        for attrs, value in re.findall(r"<c ([^>]*?)(?:/>|>(.*?)</c>)", row, re.S):
            v = re.sub(r"<[^>]+>", "", value or "")
            cells.append(shared[int(v)] if 't="s"' in attrs and v else v)
        rows.append(cells)
    return rows
