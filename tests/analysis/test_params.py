"""Notebook parameters: declared once (render.params), every notebook's cell generated from it, checked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nianbao.errors import NianbaoError
from nianbao.render.params import PARAMETERS, parameters_cell, validate
from nianbao.render.pipeline import run_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_notebook_declares_the_one_parameter_list(notebook: Path) -> None:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    (cell,) = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert "".join(cell["source"]) == parameters_cell(), (
        "run: python -m nianbao.render.params notebooks/*.ipynb"
    )
    namespace: dict[str, object] = {}
    exec("".join(cell["source"]), namespace)  # the cell's defaults are valid values
    validate({k: v for k, v in namespace.items() if not k.startswith("__")})


def test_the_makefile_passes_only_declared_parameters() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    passed = set(re.findall(r"-p (\w+) '", makefile))
    assert passed  # the pattern still finds them
    assert passed <= {p.name for p in PARAMETERS}


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"year": 2021}, "unknown notebook parameter 'year'"),
        ({"years": "2021"}, "years = '2021': expected a year, a list of years, or None"),
        ({"lang": "fr"}, "lang = 'fr': expected zh or en"),
        ({"organ_level": "village"}, "organ_level = 'village'"),
        ({"min_n": 0}, "min_n = 0"),
        ({"include_flagged": "yes"}, "include_flagged = 'yes'"),
    ],
)
def test_a_wrong_parameter_is_one_clear_error(given: dict[str, object], message: str) -> None:
    with pytest.raises(NianbaoError, match=re.escape(message)):
        validate(given)


def test_the_report_refuses_a_wrong_parameter_before_running(tmp_path: Path) -> None:
    with pytest.raises(NianbaoError, match="unknown notebook parameter 'contry'"):
        run_report(tmp_path, tmp_path / "out", parameters={"contry": "民权县"})
    assert not (tmp_path / "out").exists()
