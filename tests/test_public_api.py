"""The names the README shows work as shown, and ``import nianbao`` stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import nianbao

SEED = Path(__file__).parents[2] / "shared" / "seeds" / "001_752a671dabfd990e.txt"


def test_read_report_from_the_package_reads_a_seed() -> None:
    report = nianbao.read_report(SEED)
    assert isinstance(report, nianbao.ReportFrames)
    assert report.reports["status"].item() == "ok"
    granted = report.applications.filter(outcome="granted", applicant="total")["value"].item()
    assert granted == 14


def test_import_nianbao_does_not_load_the_parser_stack() -> None:
    code = "import sys, nianbao; print(sorted(m for m in ('pdfminer', 'docx', 'opencc', 'altair') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="read_reports"):
        nianbao.read_reports  # type: ignore[attr-defined]  # noqa: B018
