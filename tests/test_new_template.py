"""A new template year is a data change: a made-up template, from a TOML file alone, is parsed,
measured and charted like the national ones (in a process of its own: templates load once)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_2021 = ROOT / "lib" / "nianbao" / "data" / "templates" / "2021.toml"

_SCRIPT = r"""
from nianbao.analysis import charts, metrics
from nianbao.parse.report import parse_bytes
from nianbao.parse.result import to_frames
from nianbao.synth.generate import sample_report
from nianbao.synth.truth import compare, truth_json
from nianbao.templates import template_for_year

assert template_for_year(2031).reference == "虚构模板（测试）"
results = []
for seed, fmt in enumerate(("txt", "html", "docx")):
    spec, data = sample_report(seed, fmt, 2031)
    assert "本年制定数量" in data.decode("utf-8", "ignore") or fmt == "docx"
    result = parse_bytes(data, spec.filename)
    truth = {k: v for k, v in truth_json(spec).items() if k not in ("organ_level", "province", "city", "county")}
    assert result.report["template"] == 2031, result.report
    assert compare(result, truth) == [], compare(result, truth)
    results.append(result)
frames = metrics.from_frames(dict(to_frames(results)))
volume = metrics.proactive_volume(frames.reports, frames.proactive)
assert volume["documents_issued"].null_count() == 0, volume
counts = metrics.application_counts(frames.reports, frames.applications)
chart = charts.outcome_bars(metrics.outcome_shares(counts, min_n=1))
chart.to_dict()
print("ok", len(results))
"""


def test_a_made_up_template_from_toml_alone(tmp_path: Path) -> None:
    text = TEMPLATE_2021.read_text(encoding="utf-8")
    made_up = (
        text.replace("year = 2021\n", "year = 2031\n", 1)
        .replace("first_report_year = 2021", "first_report_year = 2031")
        .replace('reference = "国办公开办函〔2021〕30号"', 'reference = "虚构模板（测试）"')
        .replace('"本年制发件数"', '"本年制定数量"')  # a renamed measure label, also its marker
    )
    assert made_up.count("本年制定数量") == 2  # marker and label
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "2031.toml").write_text(made_up, encoding="utf-8")
    env = {**os.environ, "NIANBAO_TEMPLATES": str(folder)}
    run = subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == "ok 3"
