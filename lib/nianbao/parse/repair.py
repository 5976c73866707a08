"""Aligning a row's values to its columns, and filling in cells the template's identities prove.

Two steps, both conservative:

1. :func:`align` reads a row's value tokens into its columns. Blanks in a real table grid are blank
   cells; blanks at the edges of tab-delimited text are artefacts of merged label cells and are set
   aside, as are all blanks when the numbers alone fit the columns. A row whose count of numbers fits no reading is *damaged*.
2. :func:`solve` repairs damaged cells only where the identities (sums of non-negative integers)
   leave one possible value: a damaged row whose candidate readings all agree, a sum whose other
   terms are known, or a sum of zero (every term is then zero). Cells printed blank and rows
   missing from the table are never filled; they stay null and are reported by the checks.

>>> align([tok(0)] * 6, 7, sums=[ (6, range(6)) ]).cells     # six zeros for seven columns
[0, 0, 0, 0, 0, 0, 0]
>>> align([tok(14), tok(0), tok(0), tok(0), tok(0), tok(14)], 7, sums=[(6, range(6))]).cells
[None, None, 0, 0, 0, None, None]

(Which column lost its number is unknown, but columns 3-5 are 0 in every reading.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import comb
from operator import attrgetter
from typing import Literal, NamedTuple, TypeVar

from nianbao.parse.locate import Token, is_padding

__all__ = ["Aligned", "Constraint", "Sum", "align", "align_read", "components", "solve", "solve_each", "tok"]

Sum = tuple[int, Iterable[int]]  # (index of the total, indices of its parts) within one row
_MAX_CANDIDATES = 20000


def tok(value: float | None, exact: bool = False) -> Token:
    """A value token (for tests and doctests).

    >>> tok(3), tok(None).kind
    (Token(kind='num', text='3', value=3, line=0, exact=False), 'blank')
    """
    if value is None:
        return Token("blank", "", None, 0, exact)
    return Token("num", str(value), value, 0, exact)


class Aligned(NamedTuple):
    """A row read into its columns. A named tuple, not a dataclass: a report aligns ~30 rows."""

    cells: list[float | None]
    status: Literal["ok", "blank", "shape"]  # shape: the numbers fit no reading of the columns
    numbers: int  # how many numbers were printed
    repaired: tuple[int, ...] = ()  # columns filled in by the row's own identities


def _strip(values: list[Token], lead: bool, trail: bool) -> list[Token]:
    """Drop empty cells at the edges: in delimited text they are left by merged label cells. A cell
    printed as a dash (``-``, ``—``, ``/``, 无) is kept: the report printed it in a value column, so it is a
    blank cell of the row, and dropping it would shift the row's numbers into the wrong columns."""
    a, b = 0, len(values)
    while lead and a < b and is_padding(values[a].kind, values[a].text):
        a += 1
    while trail and b > a and is_padding(values[b - 1].kind, values[b - 1].text):
        b -= 1
    return values[a:b]


def _positional(values: list[Token]) -> Aligned:
    cells = [t.value for t in values]
    blank = cells.count(None)
    return Aligned(cells, "blank" if blank else "ok", len(cells) - blank)


_EXACT = attrgetter("exact")


def align(values: Sequence[Token], n: int, sums: Sequence[Sum] = ()) -> Aligned:
    """Read ``values`` into ``n`` columns; ``sums`` are the row's own identities (total, parts).

    >>> align([tok(None), tok(1), tok(2)], 2)  # an empty cell left by a merged label: set aside
    Aligned(cells=[1, 2], status='ok', numbers=2, repaired=())
    >>> align([tok(1), tok(None, exact=True), tok(2)], 3).cells  # a grid's blank cell stays blank
    [1, None, 2]
    """
    values = list(values)
    numbers = [t.value for t in values if t.kind == "num" and t.value is not None]
    if not numbers:
        return Aligned([None] * n, "blank", 0)
    if len(values) == n and all(map(_EXACT, values)):
        return _positional(values)
    if len(numbers) == n:
        return Aligned(list(numbers), "ok", n)
    v = _strip(values, lead=True, trail=True)
    if len(v) == n:
        return _positional(v)
    cells = _by_candidates(numbers, n, sums)
    repaired = tuple(i for i, c in enumerate(cells) if c is not None)
    return Aligned(cells, "shape", len(numbers), repaired)


def align_read(
    values: list[float | None], exact: bool, n: int, sums: Sequence[Sum], tokens: Callable[[], list[Token]]
) -> Aligned:
    """:func:`align` of cells read by :func:`~nianbao.parse.locate.tokens`, given their values.

    Such a cell is a number exactly when it has a value, so the usual readings (every value a
    column; the numbers alone fit the columns) follow from ``values`` (a fresh list, kept as the
    cells) and whether all cells are ``exact``; the others go to :func:`align` with the ``tokens``.

    >>> align_read([1.0, None, 2.0], True, 3, [], list)  # (``tokens`` is not needed here)
    Aligned(cells=[1.0, None, 2.0], status='blank', numbers=2, repaired=())
    """
    blank = values.count(None)
    if blank == len(values):
        return Aligned([None] * n, "blank", 0)
    if exact and len(values) == n:
        return Aligned(values, "blank" if blank else "ok", n - blank)
    if len(values) - blank == n:
        return Aligned([v for v in values if v is not None] if blank else values, "ok", n)
    return align(tokens(), n, sums)


def _by_candidates(numbers: list[float], n: int, sums: Sequence[Sum]) -> list[float | None]:
    """Cells on which every reading of a mis-counted row agrees (None elsewhere)."""
    k = len(numbers)
    agreed = _Agreement(n)
    if k > n:
        if comb(k, n) > _MAX_CANDIDATES:
            return [None] * n
        for keep in combinations(range(k), n):
            row: list[float | None] = [numbers[i] for i in keep]
            if _holds(row, sums) and not agreed.add(row):
                break
    else:
        if comb(n, k) > _MAX_CANDIDATES:
            return [None] * n
        cons = _row_constraints(sums)
        for where in combinations(range(n), k):
            row = [None] * n
            for pos, value in zip(where, numbers, strict=True):
                row[pos] = value
            solved = _solve_row(row, cons)
            if solved is not None and not agreed.add(solved):
                break
    return agreed.cells()


class _Agreement:
    """The cells on which every reading added so far agrees with the first one."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.first: list[float | None] | None = None
        self.open: list[int] = list(range(n))  # columns on which all readings agree so far

    def add(self, row: list[float | None]) -> bool:
        """Add a reading; False once no column can agree any more (later readings change nothing)."""
        if self.first is None:
            self.first = row
        else:
            first = self.first
            self.open = [i for i in self.open if row[i] == first[i]]
        return bool(self.open)

    def cells(self) -> list[float | None]:
        if self.first is None:  # no reading fits the row's identities
            return [None] * self.n
        cells: list[float | None] = [None] * self.n
        for i in self.open:
            cells[i] = self.first[i]
        return cells


def _holds(row: Sequence[float | None], sums: Sequence[Sum]) -> bool:
    for total, parts in sums:
        vals = [row[i] for i in parts]
        if row[total] is not None and None not in vals and row[total] != sum(v or 0 for v in vals):
            return False
    return True


_K = TypeVar("_K")


def _forced(
    terms: Sequence[tuple[_K, int]], get: Callable[[_K], float | None]
) -> list[tuple[_K, int]] | None:
    """One identity ``sum(c * cell) == 0`` over non-negative integers: the cells it forces.

    None when the known cells contradict it; [] when it forces nothing (all known and holding,
    or unknowns that can take several values); else the forced (cell, value) pairs: the one
    unknown, or every unknown on one side when the others leave them a sum of zero.
    """
    unknown: list[tuple[_K, int]] = []
    known: float = 0  # sum of the known terms, in order (from int 0, as sum() would)
    for cell, c in terms:
        value = get(cell)
        if value is None:
            unknown.append((cell, c))
        else:
            known += c * (value or 0)
    if not unknown:
        return None if abs(known) > 1e-9 else []
    if len(unknown) == 1:
        cell, c = unknown[0]
        value = -known / c
        if value < 0 or value != int(value):
            return None
        return [(cell, int(value))]
    sign = unknown[0][1]
    if any(c != sign for _, c in unknown):
        return []  # unknowns on both sides: nothing is forced
    rest = -known / sign
    if rest < 0:
        return None
    return [(cell, 0) for cell, _ in unknown] if rest == 0 else []


RowTerms = tuple[tuple[int, int], ...]  # (column index, coefficient) of one identity of a row


def _row_constraints(sums: Sequence[Sum]) -> list[RowTerms]:
    """A row's own sums as terms over its column indices: total +1, each part -1."""
    return [((total, 1), *((p, -1) for p in parts)) for total, parts in sums]


def _solve_row(row: list[float | None], cons: Sequence[RowTerms]) -> list[float | None] | None:
    """Fill one row's unknowns from its own sums; None when the reading contradicts them.

    :func:`solve` on a list (every cell writable): it runs once per candidate reading of a
    mis-counted row, thousands of times for a badly damaged table 4, so it avoids the dicts.
    """
    cells = list(row)
    changed = True
    while changed:
        changed = False
        for terms in cons:
            forced = _forced(terms, cells.__getitem__)
            if forced is None:
                return None
            for i, value in forced:
                cells[i] = value
            changed = changed or bool(forced)
    return cells


@dataclass(frozen=True, slots=True)
class Constraint:
    """sum(coefficient * cell) == 0 over non-negative integer cells; ``name`` is the identity's."""

    terms: tuple[tuple[object, int], ...]
    name: str = ""


def solve(cells: dict, constraints: Sequence[Constraint], writable: set) -> bool:
    """Propagate the constraints, filling unknown cells (None) whose value is forced.

    Unknown cells outside ``writable`` are solved on a private copy (they may carry a proof along)
    but never written. Returns False when the known cells contradict a constraint (then nothing is
    trustworthy and the caller should not repair); True otherwise. ``cells`` is updated in place.

    >>> cells = {"total": 5, "a": 2, "b": None}
    >>> solve(cells, [Constraint((("total", 1), ("a", -1), ("b", -1)))], {"b"}), cells["b"]
    (True, 3)
    """
    shadow = dict(cells)
    changed = True
    while changed:
        changed = False
        for con in constraints:
            forced = _forced(con.terms, shadow.get)
            if forced is None:
                return False
            for cell, value in forced:
                shadow[cell] = value
                if cell in writable:
                    cells[cell] = value
            changed = changed or bool(forced)
    return True


def components(constraints: Sequence[Constraint]) -> list[list[Constraint]]:
    """The constraints in groups that share no cell (in first-seen order).

    Two identities that share no cell, directly or through others, cannot inform each other: a
    misprint that breaks one says nothing about the cells of the other.

    >>> a, b, c = Constraint(((1, 1), (2, -1))), Constraint(((3, 1), (4, -1))), Constraint(((2, 1), (5, -1)))
    >>> [len(g) for g in components([a, b, c])]
    [2, 1]
    """
    parent: dict[object, object] = {}

    def root(x: object) -> object:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for con in constraints:
        first = root(con.terms[0][0])
        for cell, _ in con.terms[1:]:
            parent[root(cell)] = first
    groups: dict[object, list[Constraint]] = {}
    for con in constraints:
        groups.setdefault(root(con.terms[0][0]), []).append(con)
    return list(groups.values())


def solve_each(cells: dict, constraints: Sequence[Constraint], writable: set) -> bool:
    """:func:`solve` on each group of :func:`components` on its own; True when none contradicts.

    A group whose printed cells contradict one of its identities proves nothing; the others are
    still solved. So a table 4 that breaks an identity leaves table 3's proofs (e.g. the sub-rows
    of a (六)其他处理 row printed as one row of zeros) standing, and the broken identity is still
    reported by the checks.

    >>> cells = {"total": 5, "a": 2, "b": None, "x": 1, "y": 2}
    >>> cons = [Constraint((("total", 1), ("a", -1), ("b", -1))), Constraint((("x", 1), ("y", -1)))]
    >>> solve_each(cells, cons, {"b"}), cells["b"]  # x = y is broken; b is still proved
    (False, 3)
    """
    held = True
    for group in components(constraints):
        trial = dict(cells)  # solve writes as it goes: keep a contradicted group's writes out
        if solve(trial, group, writable):
            cells.update(trial)
        else:
            held = False
    return held
