"""Plain-text reports, laid out the way text copied out of real reports looks (see ``shared/seeds``).

Layouts:

``tab_matrix``
    every grid position of a row, tab-separated; positions covered by a merged cell are empty, so
    header cells appear shifted against the numbers below them (seed 004).
``tab_owned``
    only the cells a row owns, tab-separated: merged labels are printed once, so rows under a merged
    label start further left (seed 003).
``pipe``
    the owned cells joined by " | " with a trailing "|" (seed 001).
``cell_per_line``
    every owned cell on its own line, paragraphs separated by blank lines (seed 002).
``markdown``
    "#"-headings and tab-separated rows (seed 000).

A printed-blank cell is written as the report's blank token (``style.blank``); layouts where an empty
string would vanish (every layout but ``pipe``) always get a visible token such as "-" or "/".

>>> from nianbao.synth.model import Grid, GridCell, Para, Style
>>> g = Grid(((GridCell("规章"), GridCell("0", kind="value"), GridCell("", kind="value")),), "t2")
>>> render_text([Para("标题", "title"), g], Style("txt", "pipe"))
'标题\\n规章 | 0 |  |\\n'
"""

from __future__ import annotations

from nianbao.synth.model import Block, Grid, GridCell, Para, Style

__all__ = ["TEXT_LAYOUTS", "render_text"]

TEXT_LAYOUTS = ("tab_matrix", "tab_owned", "pipe", "cell_per_line", "markdown")
_MARKDOWN_PREFIX = {"title": "# ", "heading": "## ", "subheading": "### "}


def _cell_text(cell: GridCell, style: Style) -> str:
    text = cell.text if cell.text or cell.kind != "value" else style.blank
    return text.replace("\n", " ")


def _grid_lines(grid: Grid, style: Style) -> list[str]:
    layout = style.layout
    if layout in ("tab_matrix",):
        return ["\t".join("" if c is None else _cell_text(c, style) for c in row) for row in grid.matrix()]
    owned = [[_cell_text(c, style) for c in row] for row in grid.rows]
    if layout == "pipe":
        return [" | ".join(cells) + " |" for cells in owned]
    if layout == "cell_per_line":
        return [text + "\n" for cells in owned for text in cells]
    return ["\t".join(cells) for cells in owned]


def _para_line(p: Para, style: Style) -> str:
    if style.layout == "markdown":
        return _MARKDOWN_PREFIX.get(p.role, "") + p.text
    return p.text


def render_text(blocks: list[Block], style: Style) -> str:
    """The report as one string (encoding is the caller's business).

    >>> g = Grid(((GridCell("规章"), GridCell("0", kind="value"), GridCell("", kind="value")),), "t2")
    >>> render_text([Para("标题", "title"), g], Style("txt", "tab_owned", blank="-"))
    '标题\\n规章\\t0\\t-\\n'
    """
    spaced = style.layout in ("cell_per_line", "markdown")
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Grid):
            lines += _grid_lines(block, style)
        else:
            lines.append(_para_line(block, style) + ("\n" if spaced else ""))
    return "\n".join(lines) + "\n"
