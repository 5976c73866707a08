"""Ruled tables in a PDF page: ruling segments → tables of cells, as a chain of pure functions.

pdfplumber's lattice idea, simplified: the segments a page draws (stroked lines, rectangle sides,
thin filled bars) are snapped together when they lie within a tolerance, joined where they overlap,
and split into connected groups, one per table. A group's distinct ruling positions give the column
borders and row borders of a grid; two neighbouring grid cells belong to one merged cell when no
ruling runs between them. The result is a :class:`Grid` that maps any point to its (merged) cell.

>>> box = [Seg(True, 100.0, 0.0, 200.0), Seg(True, 50.0, 0.0, 200.0), Seg(True, 0.0, 0.0, 200.0)]
>>> box += [Seg(False, 0.0, 0.0, 100.0), Seg(False, 200.0, 0.0, 100.0), Seg(False, 100.0, 0.0, 50.0)]
>>> (grid,) = find_tables(box, 3.0)
>>> grid.xs, grid.ys, grid.owner  # the top row is one cell over both columns (no ruling at x=100)
([0.0, 100.0, 200.0], [100.0, 50.0, 0.0], [0, 0, 2, 3])
>>> grid.cell_at(150, 75), grid.cell_at(150, 25)
(0, 3)
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pdfminer.layout import LTLine, LTRect

__all__ = ["Grid", "Seg", "find_tables", "path_segments", "segments_of"]


@dataclass(frozen=True, slots=True)
class Seg:
    """A ruling: horizontal (``pos`` = y, span in x) or vertical (``pos`` = x, span in y)."""

    horizontal: bool
    pos: float
    lo: float
    hi: float


Point = tuple[float, float]


def segments_of(item: Any, max_width: float) -> Iterator[Seg]:
    """The rulings a pdfminer path item contributes (see :func:`_rulings`).

    >>> from pdfminer.layout import LTLine
    >>> list(segments_of(LTLine(1.0, (0.0, 10.0), (200.0, 10.0)), 2.0))
    [Seg(horizontal=True, pos=10.0, lo=0.0, hi=200.0)]
    """

    path = getattr(item, "original_path", None) or []
    if any(op[0] in "cvy" for op in path):  # Bézier curves: not a table
        return
    kind = "line" if isinstance(item, LTLine) else "rect" if isinstance(item, LTRect) else "curve"
    yield from _rulings(kind, item.bbox, item.pts, item.stroke, item.fill, max_width)


def path_segments(shape: str, pts: list[Point], stroke: bool, fill: bool, max_width: float) -> Iterator[Seg]:
    """The rulings of one subpath given as pdfminer paints it: ``shape`` has one letter per
    operation (m, l, c, h) and ``pts`` one end point per letter (h: the subpath's start), in page
    coordinates. Classified as pdfminer's ``paint_path`` classifies it (line, rectangle, curve).

    >>> rect = [(0, 0), (200, 0), (200, 50), (0, 50), (0, 0)]  # a stroked rectangle: four rulings
    >>> [(s.horizontal, s.pos) for s in path_segments("mlllh", rect, True, False, 2.0)]
    [(True, 0), (True, 50), (False, 0), (False, 200)]
    """
    if not shape.startswith("m") or "c" in shape:  # not a subpath; Bézier curves: not a table
        return
    pts = list(pts)
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:  # a redundant l before h
        shape = shape[:-2] + "h"
        pts.pop()
    if shape in {"mlh", "ml"}:
        kind, pts = "line", pts[:2]
    elif shape in {"mlllh", "mllll"}:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
            y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
        )
        if pts[0] == pts[4] and square:
            (ax, ay), (bx, by) = pts[0], pts[2]
            kind, pts = "rect", [(ax, ay), (bx, ay), (bx, by), (ax, by)]
        else:
            kind = "curve"
    else:
        kind = "curve"
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    yield from _rulings(kind, (min(xs), min(ys), max(xs), max(ys)), pts, stroke, fill, max_width)


def _rulings(
    kind: str,
    bbox: tuple[float, float, float, float],
    pts: list[Point],
    stroke: bool,
    fill: bool,
    max_width: float,
) -> Iterator[Seg]:
    """Stroked lines and rectangle sides, and thin filled bars (rectangles, or the bevelled
    quadrilaterals browsers draw for ``border=1`` cells)."""
    x0, y0, x1, y1 = bbox
    if fill and not stroke and kind != "line":
        if min(x1 - x0, y1 - y0) <= max_width:  # wider: a shaded cell or a background, not a ruling
            if x1 - x0 >= y1 - y0:
                yield Seg(True, (y0 + y1) / 2, x0, x1)
            else:
                yield Seg(False, (x0 + x1) / 2, y0, y1)
        return
    if kind == "rect":
        if stroke:
            yield from (Seg(True, y0, x0, x1), Seg(True, y1, x0, x1))
            yield from (Seg(False, x0, y0, y1), Seg(False, x1, y0, y1))
        return
    if kind == "line" or stroke:
        for (ax, ay), (bx, by) in itertools.pairwise(pts):
            if abs(ay - by) <= 0.5 and abs(ax - bx) > 0.5:
                yield Seg(True, (ay + by) / 2, min(ax, bx), max(ax, bx))
            elif abs(ax - bx) <= 0.5 and abs(ay - by) > 0.5:
                yield Seg(False, (ax + bx) / 2, min(ay, by), max(ay, by))


def _snap(segs: list[Seg], tol: float) -> list[Seg]:
    """Rulings at nearly the same position moved onto one position, overlapping pieces joined."""
    out: list[Seg] = []
    segs = sorted(segs, key=lambda s: s.pos)
    i = 0
    while i < len(segs):
        j = i + 1
        while j < len(segs) and segs[j].pos - segs[j - 1].pos <= tol:
            j += 1
        group = segs[i:j]
        pos = sum(s.pos for s in group) / len(group)
        lo, hi = None, None
        for s in sorted(group, key=lambda s: s.lo):
            if hi is not None and lo is not None and s.lo <= hi + tol:
                hi = max(hi, s.hi)
                continue
            if lo is not None and hi is not None:
                out.append(Seg(group[0].horizontal, pos, lo, hi))
            lo, hi = s.lo, s.hi
        if lo is not None and hi is not None:
            out.append(Seg(group[0].horizontal, pos, lo, hi))
        i = j
    return out


def _touch(h: Seg, v: Seg, tol: float) -> bool:
    return h.lo - tol <= v.pos <= h.hi + tol and v.lo - tol <= h.pos <= v.hi + tol


def _groups(hs: list[Seg], vs: list[Seg], tol: float) -> list[tuple[list[Seg], list[Seg]]]:
    """Rulings split into connected groups (a horizontal and a vertical ruling touch or cross)."""
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_x = sorted(range(len(vs)), key=lambda k: vs[k].pos)
    xs = [vs[k].pos for k in by_x]
    for i, h in enumerate(hs):
        for k in by_x[bisect.bisect_left(xs, h.lo - tol) : bisect.bisect_right(xs, h.hi + tol)]:
            if _touch(h, vs[k], tol):
                parent[find(i)] = find(len(hs) + k)
    out: dict[int, tuple[list[Seg], list[Seg]]] = {}
    for i, h in enumerate(hs):
        out.setdefault(find(i), ([], []))[0].append(h)
    for k, v in enumerate(vs):
        out.setdefault(find(len(hs) + k), ([], []))[1].append(v)
    return [g for g in out.values() if g[0] and g[1]]


def _positions(values: Iterable[float], tol: float) -> list[float]:
    """Distinct positions (ascending), values closer than ``tol`` merged."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _at_positions(segs: list[Seg], positions: list[float], tol: float) -> list[list[Seg]]:
    """For each position, the rulings that lie on it."""
    segs = sorted(segs, key=lambda s: s.pos)
    keys = [s.pos for s in segs]
    return [segs[bisect.bisect_left(keys, p - tol) : bisect.bisect_right(keys, p + tol)] for p in positions]


def _covers(segs: list[Seg], at: float, tol: float) -> bool:
    """Whether one of these rulings passes through ``at`` along its length."""
    return any(s.lo - tol <= at <= s.hi + tol for s in segs)


@dataclass
class Grid:
    """A ruled table: column borders ``xs`` (ascending), row borders ``ys`` (descending, top first)."""

    xs: list[float]
    ys: list[float]
    owner: list[int]  # per grid cell (row * ncols + col): the first grid cell of its merged cell

    def __post_init__(self) -> None:
        self._down = [-y for y in self.ys]  # ascending, for bisect
        self._last_col, self._last_row = len(self.xs) - 2, len(self.ys) - 2

    @property
    def ncols(self) -> int:
        return len(self.xs) - 1

    def contains(self, x: float, y: float) -> bool:
        return self.xs[0] <= x <= self.xs[-1] and self.ys[-1] <= y <= self.ys[0]

    def cell_at(self, x: float, y: float) -> int:
        col = bisect.bisect_right(self.xs, x) - 1
        col = 0 if col < 0 else self._last_col if col > self._last_col else col
        row = bisect.bisect_right(self._down, -y) - 1
        row = 0 if row < 0 else self._last_row if row > self._last_row else row
        return self.owner[row * (self._last_col + 1) + col]


def _grid_of(hs: list[Seg], vs: list[Seg], tol: float) -> Grid | None:
    """The grid of one group of rulings, with merged cells found from missing rulings."""
    xs = _positions([v.pos for v in vs] + [min(h.lo for h in hs), max(h.hi for h in hs)], tol)
    ys = _positions([h.pos for h in hs] + [min(v.lo for v in vs), max(v.hi for v in vs)], tol)[::-1]
    ncols, nrows = len(xs) - 1, len(ys) - 1
    if ncols < 2 or nrows < 1 or ncols * nrows > 20_000:
        return None
    parent = list(range(ncols * nrows))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)

    v_at, h_at = _at_positions(vs, xs, tol), _at_positions(hs, ys, tol)
    for r in range(nrows):
        ymid = (ys[r] + ys[r + 1]) / 2
        for c in range(ncols - 1):
            if not _covers(v_at[c + 1], ymid, tol):
                union(r * ncols + c, r * ncols + c + 1)
    for c in range(ncols):
        xmid = (xs[c] + xs[c + 1]) / 2
        for r in range(nrows - 1):
            if not _covers(h_at[r + 1], xmid, tol):
                union(r * ncols + c, (r + 1) * ncols + c)
    owner = [find(i) for i in range(ncols * nrows)]
    if len(set(owner)) < 2:  # a frame around text, not a table
        return None
    return Grid(xs, ys, owner)


def find_tables(segs: list[Seg], tol: float) -> list[Grid]:
    """The ruled tables these rulings draw, top first; ``tol`` is the snap tolerance in points.

    >>> ruled = [Seg(True, y, 0.0, 200.0) for y in (0.0, 50.0)] + [Seg(False, x, 0.0, 50.0) for x in (0, 100, 200)]
    >>> [(g.xs, g.ys) for g in find_tables(ruled, 3.0)]  # one row of two cells
    [([0.0, 100.0, 200.0], [50.0, 0.0])]
    """
    hs = _snap([s for s in segs if s.horizontal and s.hi - s.lo > tol], tol)
    vs = _snap([s for s in segs if not s.horizontal and s.hi - s.lo > tol], tol)
    grids = (_grid_of(h, v, tol) for h, v in _groups(hs, vs, tol))
    return sorted((g for g in grids if g is not None), key=lambda g: -g.ys[0])
