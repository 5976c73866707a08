"""``nianbao synth`` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nianbao.cli import cli


def test_synth_writes_reports_truth_places_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "s"
    result = CliRunner().invoke(
        cli,
        [
            "synth",
            "--out",
            str(out),
            "--reports",
            "9",
            "--formats",
            "txt,html",
            "--seed",
            "3",
            "--years",
            "2020-2022",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote 9 synthetic reports" in result.output
    reports = sorted(p for p in out.iterdir() if p.suffix in (".txt", ".html"))
    assert len(reports) == 9
    for p in reports:
        truth = json.loads((out / "expected" / f"{p.stem}.json").read_text(encoding="utf-8"))
        assert truth["source"] == p.name
        assert truth["synthetic"] is True
        assert 2020 <= truth["year"] <= 2022
    assert (out / "places.csv").read_text(encoding="utf-8").startswith("name,province,city,county,level\n")
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"] == 9


def test_synth_rejects_bad_options(tmp_path: Path) -> None:
    runner = CliRunner()
    for args, message in (
        (["--formats", "txt,xls"], "choose from txt,html,pdf,docx"),
        (["--years", "2025-2019"], "ends before it starts"),
        (["--years", "soon"], "give a year or a range"),
        (["--damage-rate", "1.5"], "1.5"),
        (["--seed", "-1"], "-1"),
    ):
        result = runner.invoke(cli, ["synth", "--out", str(tmp_path), *args])
        assert result.exit_code == 2, args
        assert message in result.output, (args, result.output)


def test_synth_has_help() -> None:
    result = CliRunner().invoke(cli, ["synth", "--help"])
    assert result.exit_code == 0
    assert "SYNTHETIC" in result.output
    assert "--damage-rate" in result.output
