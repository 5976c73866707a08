"""The objects the generator passes from stage to stage.

population → :class:`Organ`; numbers → :class:`Figures` (the true values of one organ-year);
layout → :class:`Printed` (the cell texts a report prints) and document blocks (:class:`Para`,
:class:`Grid`); damage edits ``Printed`` and the :class:`Truth` together, so that what a parser
should read back is always recorded beside what was printed.

>>> Grid((( GridCell("a", colspan=2),), (GridCell("1", kind="value"), GridCell("2", kind="value"))), "t").width
2
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from nianbao.templates import Template

__all__ = [
    "Block",
    "Figures",
    "Grid",
    "GridCell",
    "Narrative",
    "Organ",
    "Para",
    "Printed",
    "PrintedRow",
    "ReportSpec",
    "Style",
    "Truth",
]

CellKind = Literal["header", "label", "value"]
ParaRole = Literal["title", "meta", "heading", "subheading", "body", "signature", "synthetic"]


@dataclass(frozen=True, slots=True)
class Organ:
    """One publishing organ of the synthetic population."""

    key: str  # ascii, unique in a corpus, used in file names: "c01_t03"
    name: str  # official name: 岚川县青石镇人民政府
    title_name: str  # the organ as its reports print it in the title (the truth's ``organ``)
    short: str  # how the narrative names it: 青石镇
    place: str  # place stem for account names: 青石
    level: str  # contract organ_level: township, county, county_department
    kind: str  # number profile: township, street, government, land, housing, police, …
    province: str
    city: str
    county: str
    parent: str  # who leads it, for the narrative: 县委、县政府


@dataclass(slots=True)
class Narrative:
    """Figures the narrative states; ``breakdown`` is (category, count) as printed."""

    proactive_items: int | None
    breakdown: list[tuple[str, int]]
    wechat_posts: int | None
    wechat_account: str | None
    weibo_posts: int | None
    applications: int
    review_cases: int
    litigation_cases: int
    training: int

    @property
    def breakdown_sum(self) -> int | None:
        return sum(n for _, n in self.breakdown) if self.breakdown else None


@dataclass(slots=True)
class Figures:
    """The true values of one organ-year: every template identity holds."""

    proactive: dict[str, dict[str, float]]
    applications: dict[str, list[int]]
    litigation: dict[str, list[int]]
    narrative: Narrative
    decimals: dict[str, int] = field(default_factory=dict)  # measure key -> printed decimals


@dataclass(slots=True)
class PrintedRow:
    """A table-3 row as printed: its key (a template row or a merged row), label and cell texts."""

    key: str
    label: str
    cells: list[str]


@dataclass(slots=True)
class Printed:
    """Cell texts as printed ("" is a printed-blank cell) and the narrative as printed."""

    table2: dict[str, dict[str, str]]
    table3: list[PrintedRow]
    table4: dict[str, list[str]]
    narrative: Narrative


@dataclass(slots=True)
class Truth:
    """What a correct parser outputs for the report (None: blank, missing or unprovable)."""

    proactive: dict[str, dict[str, float | None]]
    applications: dict[str, list[int | None]]
    litigation: dict[str, list[int | None]]
    narrative: dict[str, int | None]


@dataclass(slots=True)
class Style:
    """Per-report presentation choices (none of them changes the truth)."""

    format: str  # txt, html, pdf, docx
    layout: str  # txt: tab_matrix, tab_owned, pipe, cell_per_line, markdown; html: portal, nested
    blank: str = ""  # how a blank value cell is printed
    fullwidth: bool = False  # （一） instead of (一)
    title_lines: int = 1
    traditional: bool = False
    encoding: str = "utf-8"
    choices: dict[str, str] = field(default_factory=dict)  # label variants drawn for this report


@dataclass(slots=True)
class ReportSpec:
    """Everything about one generated report: who, when, what is true, what is printed, how."""

    organ: Organ
    year: int
    template: Template
    figures: Figures
    printed: Printed
    truth: Truth
    style: Style
    stem: str
    damage: list[str] = field(default_factory=list)
    expected_checks: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"{self.stem}.{self.style.format}"


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph of running text."""

    text: str
    role: ParaRole = "body"


@dataclass(frozen=True, slots=True)
class GridCell:
    """A table cell that owns ``rowspan`` × ``colspan`` grid positions."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: CellKind = "label"


@dataclass(frozen=True, slots=True)
class Grid:
    """A printed table: rows of owned cells, HTML-style (covered positions are not listed)."""

    rows: tuple[tuple[GridCell, ...], ...]
    name: str

    @property
    def width(self) -> int:
        return max((len(m) for m in self.matrix()), default=0)

    def matrix(self) -> list[list[GridCell | None]]:
        """Positions row by row: the owning cell at its top-left corner, ``None`` where covered.

        Rows may be ragged (a row printed with an extra or a missing number).
        """
        out: list[list[GridCell | None]] = []
        covered: dict[tuple[int, int], bool] = {}
        for r, row in enumerate(self.rows):
            line: list[GridCell | None] = []
            c = 0
            for cell in row:
                while covered.get((r, c)):
                    line.append(None)
                    c += 1
                line.append(cell)
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        if dr or dc:
                            covered[(r + dr, c + dc)] = True
                c += 1
                line.extend([None] * (cell.colspan - 1))
                c += cell.colspan - 1
            while covered.get((r, c)):
                line.append(None)
                c += 1
            out.append(line)
        return out


Block = Para | Grid
