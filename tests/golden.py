"""Compare a parsed report with a ground-truth JSON (format of shared/spec/data-contract.md)."""

from __future__ import annotations

from typing import Any

from nianbao.result import FileResult


def mismatches(result: FileResult, truth: dict[str, Any]) -> list[str]:
    """Every difference between a parse and its truth, as readable strings (empty when they agree)."""
    rep = result.report
    bad: list[str] = []
    for key in ("organ", "year", "template", "organ_level", "province", "city", "county"):
        if key not in truth:
            continue
        want, got = truth[key], rep.get(key)
        if key == "organ" and want and got and want.removesuffix("人民政府") == got.removesuffix("人民政府"):
            continue
        if want != got:
            bad.append(f"{key}: expected {want!r}, got {got!r}")
    proactive = {(i, m): v for _, i, m, v in result.proactive}
    for item, measures in truth.get("proactive", {}).items():
        for m, want in measures.items():
            got = proactive.get((item, m), "absent")
            if got != want:
                bad.append(f"table2 {item}/{m}: expected {want!r}, got {got!r}")
    apps: dict[str, list] = {}
    for _, row, _, _, v in result.applications:
        apps.setdefault(row, []).append(v)
    for row, want in truth.get("applications", {}).items():
        if apps.get(row) != want:
            bad.append(f"table3 {row}: expected {want}, got {apps.get(row)}")
    if truth.get("applications") and set(apps) != set(truth["applications"]):
        bad.append(f"table3 rows: expected {sorted(truth['applications'])}, got {sorted(apps)}")
    lit: dict[str, list] = {}
    for _, p, _, v in result.litigation:
        lit.setdefault(p, []).append(v)
    for p, want in truth.get("litigation", {}).items():
        if lit.get(p) != want:
            bad.append(f"table4 {p}: expected {want}, got {lit.get(p)}")
    for key, want in truth.get("narrative", {}).items():
        if rep.get(key) != want:
            bad.append(f"narrative {key}: expected {want!r}, got {rep.get(key)!r}")
    fired = {c[1] for c in result.checks}
    bad += [f"check {c} did not fire" for c in truth.get("expected_checks", []) if c not in fired]
    if not truth.get("expected_checks"):
        bad += [f"false alarm: {c[1:4]} {c[6]}" for c in result.checks if c[2] in ("warning", "error")]
    return bad
