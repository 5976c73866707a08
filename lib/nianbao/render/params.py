"""The notebooks' parameters, declared once: name, default, what it accepts, what it does.

Every notebook's ``parameters`` cell is generated from :data:`PARAMETERS` (``python -m
nianbao.render.params notebooks/*.ipynb`` rewrites them; a test fails when a cell differs), and
:func:`validate` checks what papermill, ``nianbao report -p`` or ``make report`` hands in before any
notebook runs, so a misspelt name or a wrong value is one clear error, not a failure inside a cell.

>>> validate({"years": [2021, 2022], "lang": "en"})["years"]
[2021, 2022]
>>> validate({"year": 2021})
Traceback (most recent call last):
...
nianbao.errors.NianbaoError: unknown notebook parameter 'year'; known: parsed, years, province, city, county, organ_level, organ, lang, include_flagged, min_n, max_organs, corpus_dir
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nianbao.errors import NianbaoError
from nianbao.fields import ORGAN_LEVEL

__all__ = ["PARAMETERS", "Parameter", "parameters_cell", "validate"]


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    default: Any
    accepts: str  # what a valid value is, in words (for the error and the cell's comment)
    valid: Callable[[Any], bool]
    comment: str


def _names(value: Any) -> bool:
    return (
        value is None
        or isinstance(value, str)
        or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    )


def _years(value: Any) -> bool:
    def year(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 1990 <= v <= 2100

    return value is None or year(value) or (isinstance(value, list) and all(year(v) for v in value))


_LEVELS = tuple(ORGAN_LEVEL.categories)

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("parsed", "../data/parsed", "a folder path", lambda v: isinstance(v, str) and bool(v),
              "parsed: the directory written by `nianbao parse CORPUS --out DIR`"),
    Parameter("years", None, "a year, a list of years, or None", _years,
              "years: a list such as [2021, 2022], or None for every year"),
    Parameter("province", None, "a name, a list of names, or None", _names,
              "province, city, county: names as printed (河南省, 商丘市, 民权县), or None for everywhere"),
    Parameter("city", None, "a name, a list of names, or None", _names, ""),
    Parameter("county", None, "a name, a list of names, or None", _names, ""),
    Parameter("organ_level", None, f"one of {', '.join(_LEVELS)}, a list of them, or None",
              lambda v: _names(v) and all(x in _LEVELS for x in ([] if v is None else [v] if isinstance(v, str) else v)),
              "organ_level: township, county, county_department, city, ... or None for every level"),
    Parameter("organ", None, "an organ's name or None", lambda v: v is None or isinstance(v, str),
              "organ: the subject of 04_organ_profile; None picks the organ with the most reports"),
    Parameter("lang", "zh", "zh or en", lambda v: v in ("zh", "en"), "lang: chart language, zh or en"),
    Parameter("include_flagged", False, "true or false", lambda v: isinstance(v, bool),
              "include_flagged: True keeps reports failing a template identity (outlined in red) instead of dropping them"),
    Parameter("min_n", 10, "a whole number of at least 1",
              lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
              "min_n: below this many applications (or cases) a share is flagged and left out of rankings"),
    Parameter("max_organs", 150, "a whole number of at least 1",
              lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
              "max_organs: above this many organs, charts and tables pool by county (else city, province), with drill-down tables of every organ"),
    Parameter("corpus_dir", None, "a folder path relative to the page, or None",
              lambda v: v is None or (isinstance(v, str) and bool(v)),
              "corpus_dir: the source files' folder relative to the page (`nianbao report --corpus` sets it); None: no links"),
)  # fmt: skip
_BY_NAME = {p.name: p for p in PARAMETERS}
_HEADER = "# Parameters: papermill (and `make report ORGAN=... COUNTY=...`) override these."


def validate(given: Mapping[str, Any]) -> dict[str, Any]:
    """``given`` checked against :data:`PARAMETERS` (names and values); raises NianbaoError saying
    which parameter is wrong and what it accepts.

    >>> validate({"years": [2021, 2022], "county": "民权县", "lang": "en"})
    {'years': [2021, 2022], 'county': '民权县', 'lang': 'en'}
    >>> validate({"min_n": 0})
    Traceback (most recent call last):
    ...
    nianbao.errors.NianbaoError: notebook parameter min_n = 0: expected a whole number of at least 1
    >>> validate({"organ_levels": "township"})
    Traceback (most recent call last):
    ...
    nianbao.errors.NianbaoError: unknown notebook parameter 'organ_levels'; known: parsed, years, province, city, county, organ_level, organ, lang, include_flagged, min_n, max_organs, corpus_dir
    """
    for name, value in given.items():
        found = _BY_NAME.get(name)
        if found is None:
            known = ", ".join(_BY_NAME)
            raise NianbaoError(f"unknown notebook parameter {name!r}; known: {known}")
        if not found.valid(value):
            raise NianbaoError(f"notebook parameter {name} = {value!r}: expected {found.accepts}")
    return dict(given)


def parameters_cell() -> str:
    """The source of every notebook's ``parameters`` cell (``sync`` writes it into the notebooks, a
    test keeps them in step), each parameter with its default and what it means.

    >>> cell = parameters_cell().splitlines()
    >>> cell[0]
    '# Parameters: papermill (and `make report ORGAN=... COUNTY=...`) override these.'
    >>> [line for line in cell if not line.startswith("#")][:3]
    ['parsed = "../data/parsed"', 'years = None', 'province = None']
    """
    lines = [_HEADER]
    for p in PARAMETERS:
        if p.comment:
            lines.append(f"# {p.comment}")
        value = json.dumps(p.default, ensure_ascii=False) if isinstance(p.default, str) else repr(p.default)
        lines.append(f"{p.name} = {value}")
    return "\n".join(lines)


def sync(notebook: Path) -> bool:
    """Rewrite ``notebook``'s parameters cell from :data:`PARAMETERS`; True when it changed."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise NianbaoError(f"{notebook} has {len(cells)} cells tagged parameters, not one")
    source = parameters_cell().splitlines(keepends=True)
    if cells[0]["source"] == source:
        return False
    cells[0]["source"] = source
    notebook.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return True


if __name__ == "__main__":  # python -m nianbao.render.params notebooks/*.ipynb
    for arg in sys.argv[1:]:
        print(("rewrote " if sync(Path(arg)) else "unchanged ") + arg)
