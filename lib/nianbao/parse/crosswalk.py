"""The organ crosswalk: ``organs.csv`` rows a researcher edits, on top of the automatic resolution.

Columns ``organ,place,years,organ_id,organ_name`` (more may follow, e.g. ``note``):

- ``organ``: the printed organ, exactly, or a pattern with ``*`` (any text) and ``?`` (one character);
- ``place``: text the report's province + city + county must contain (empty: anywhere);
- ``years``: ``2021``, ``2019-2021``, ``2020-`` or ``-2019`` (empty: all years);
- ``organ_id``: with a ``/`` (``320813/gov``), the organ's id outright; without one (``520204``), the
  *division* the organ belongs to, its kind still read from its name (a renamed county: both its
  names get the same division);
- ``organ_name``: the canonical name (of the organ, or of the division for a division row); may
  be empty for an organ row (the automatic name is kept).

The first matching row wins; a corpus's rows come before the package's own table of renamed
divisions (``nianbao/data/organs.csv``), so a researcher can override that too.

>>> cw = read_crosswalk("organ,place,years,organ_id,organ_name\\n*坪寨*,贵州省,2019-2020,x/gov,坪寨\\n", "o.csv")
>>> cw.organ_row("水城县坪寨乡人民政府", "贵州省六盘水市水城县", 2020).source, cw.organ_row("坪寨乡", "贵州省", 2021)
('o.csv:2', None)
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_right
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from importlib import resources
from pathlib import Path

__all__ = [
    "CROSSWALK_COLUMNS",
    "ORGANS_FILE",
    "Crosswalk",
    "CrosswalkIndex",
    "CrosswalkRow",
    "is_crosswalk_text",
    "package_crosswalk",
    "read_crosswalk",
    "read_crosswalk_file",
]

CROSSWALK_COLUMNS = ("organ", "place", "years", "organ_id", "organ_name")
ORGANS_FILE = "organs.csv"
_YEARS = re.compile(r"^\s*(\d{4})?\s*(-)?\s*(\d{4})?\s*$")


@dataclass(frozen=True, slots=True)
class CrosswalkRow:
    organ: str
    place: str
    first: int | None
    last: int | None
    organ_id: str
    organ_name: str
    source: str  # file:line, named in the organ_crosswalk check

    @property
    def is_division(self) -> bool:
        return "/" not in self.organ_id

    @property
    def names(self) -> tuple[str, ...]:
        """The literal place name(s) of a division pattern (``*水城县*`` → 水城县), to strip from a name."""
        return tuple(p for p in re.split(r"[*?]", self.organ) if p)

    def matches(self, organ: str, place: str, year: int | None) -> bool:
        if not fnmatchcase(organ, self.organ):
            return False
        if self.place and self.place not in place:
            return False
        if year is None:
            return self.first is None and self.last is None
        return (self.first is None or year >= self.first) and (self.last is None or year <= self.last)


@dataclass(frozen=True, slots=True)
class Crosswalk:
    """Rows in the order they apply (hashable: resolutions are memoised per crosswalk)."""

    rows: tuple[CrosswalkRow, ...] = ()

    def __add__(self, other: Crosswalk) -> Crosswalk:
        return Crosswalk(self.rows + other.rows)

    def organ_row(self, organ: str, place: str, year: int | None) -> CrosswalkRow | None:
        return next((r for r in self.rows if not r.is_division and r.matches(organ, place, year)), None)

    def division(self, organ: str, place: str, year: int | None) -> CrosswalkRow | None:
        return next((r for r in self.rows if r.is_division and r.matches(organ, place, year)), None)


class CrosswalkIndex:
    """A crosswalk's :meth:`~Crosswalk.organ_row` and :meth:`~Crosswalk.division`, fast on many rows.

    A row's pattern can match an organ only if its longest literal part (the text between ``*`` and
    ``?``) is in the organ's name, so only the rows whose part is a substring of the name are tried,
    in their order: the same first match as :class:`Crosswalk`'s scan of every row, without
    ``fnmatch`` on each (a corpus of many folders brings hundreds of rows; 100,000 reports x 250
    rows is half a minute). Rows whose pattern has a ``[`` (a character set) are always tried.
    """

    def __init__(self, crosswalk: Crosswalk) -> None:
        self.rows = crosswalk.rows
        self._always: list[int] = []
        self._by_part: dict[str, list[int]] = {}
        for i, row in enumerate(self.rows):
            part = "" if "[" in row.organ else max(re.split(r"[*?]", row.organ), key=len)
            if part:
                self._by_part.setdefault(part, []).append(i)
            else:
                self._always.append(i)
        self._lengths = sorted({len(p) for p in self._by_part})
        self._division = [r.is_division for r in self.rows]
        bounds = {r.first for r in self.rows if r.first is not None}
        self._bounds = sorted(bounds | {r.last + 1 for r in self.rows if r.last is not None})

    def year_class(self, year: int | None) -> int | None:
        """Years of one class match the same rows: no row's years begin or end between them.

        (``None``, no year, is a class of its own.) Resolving one organ for each of its years
        then takes one lookup when the rows name no years.

        >>> cw = read_crosswalk("organ,place,years,organ_id,organ_name\\n*乡*,,2019-2020,x/gov,乡\\n", "o.csv")
        >>> [CrosswalkIndex(cw).year_class(y) for y in (None, 2018, 2019, 2020, 2021, 2025)]
        [None, 0, 1, 1, 2, 2]
        """
        return None if year is None else bisect_right(self._bounds, year)

    def _candidates(self, organ: str) -> list[int]:
        found = set(self._always)
        for n in self._lengths:
            for start in range(len(organ) - n + 1):
                hit = self._by_part.get(organ[start : start + n])
                if hit is not None:
                    found.update(hit)
        return sorted(found)

    def _first(self, organ: str, place: str, year: int | None, division: bool) -> CrosswalkRow | None:
        for i in self._candidates(organ):
            if self._division[i] == division and self.rows[i].matches(organ, place, year):
                return self.rows[i]
        return None

    def organ_row(self, organ: str, place: str, year: int | None) -> CrosswalkRow | None:
        return self._first(organ, place, year, division=False)

    def division(self, organ: str, place: str, year: int | None) -> CrosswalkRow | None:
        return self._first(organ, place, year, division=True)


def _years(text: str, where: str) -> tuple[int | None, int | None]:
    m = _YEARS.match(text or "")
    if not m:
        raise ValueError(f"{where}: years {text!r} is not like 2021, 2019-2021, 2020- or -2019")
    first, dash, last = m.groups()
    a = int(first) if first else None
    b = int(last) if last else (None if dash else a)
    if a is not None and b is not None and a > b:
        raise ValueError(f"{where}: years {text!r} run backwards")
    return a, b


def is_crosswalk_text(text: str) -> bool:
    """Does the text start with a crosswalk header (so it is a crosswalk, not a report)?

    >>> is_crosswalk_text("\\ufefforgan,place,years,organ_id,organ_name,note\\n"), is_crosswalk_text("organ,year\\n")
    (True, False)
    """
    header = next(csv.reader([text.lstrip("\ufeff").partition("\n")[0]]), [])
    return set(CROSSWALK_COLUMNS) <= {h.strip() for h in header}


def read_crosswalk(text: str, name: str = ORGANS_FILE) -> Crosswalk:
    """The rows of a crosswalk file's text; ``name`` is how the rows are cited.

    Raises
    ------
    ValueError
        A column is missing, a row has no ``organ`` or ``organ_id``, or its years cannot be read.

    >>> row = read_crosswalk("organ,place,years,organ_id,organ_name\\n*水城县*,,-2019,520221,水城县\\n").rows[0]
    >>> row.is_division, row.first, row.last, row.names, row.source
    (True, None, 2019, ('水城县',), 'organs.csv:2')
    >>> read_crosswalk("organ,place,years,organ_id,organ_name\\nX,,2021-2019,x/gov,\\n", "o.csv")
    Traceback (most recent call last):
    ValueError: o.csv:2: years '2021-2019' run backwards
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    fields = {h.strip() for h in reader.fieldnames or ()}
    if not set(CROSSWALK_COLUMNS) <= fields:
        raise ValueError(f"an organs file needs the columns {', '.join(CROSSWALK_COLUMNS)}")
    rows = []
    for line, raw in enumerate(reader, start=2):
        r = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        if not any(r.get(c) for c in CROSSWALK_COLUMNS):
            continue
        where = f"{name}:{line}"
        if not r.get("organ") or not r.get("organ_id"):
            raise ValueError(f"{where}: a row needs an organ (name or pattern) and an organ_id")
        first, last = _years(r.get("years", ""), where)
        rows.append(
            CrosswalkRow(
                r["organ"], r.get("place", ""), first, last, r["organ_id"], r.get("organ_name", ""), where
            )
        )
    return Crosswalk(tuple(rows))


def read_crosswalk_file(path: str | Path) -> Crosswalk:
    """A crosswalk file (UTF-8, with or without BOM); rows are cited by the file's name.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = Path(d) / "my_organs.csv"
    ...     _ = path.write_text("\\ufefforgan,place,years,organ_id,organ_name\\n某局,,,x/gov,\\n", encoding="utf-8")
    ...     [(r.organ, r.organ_id, r.source) for r in read_crosswalk_file(path).rows]
    [('某局', 'x/gov', 'my_organs.csv:2')]
    """
    p = Path(path)
    return read_crosswalk(p.read_text(encoding="utf-8-sig"), p.name)


@cache
def package_crosswalk() -> Crosswalk:
    """The package's own table of renamed divisions (``nianbao/data/organs.csv``)."""
    text = (resources.files("nianbao") / "data" / ORGANS_FILE).read_text(encoding="utf-8")
    return read_crosswalk(text, "nianbao/data/organs.csv")
