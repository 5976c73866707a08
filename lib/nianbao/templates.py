"""The national report templates, loaded from ``data/templates/<year>.toml``.

A template is data: which items and measures table 2 has, which rows and columns table 3 has
(with their outcome groups), and the proceedings and results of table 4. The parser, the checks
and the synthetic generator all read these objects; none of them branches on a template year.

>>> t = template_for_year(2023)
>>> t.year, len(t.table3_rows), len(t.table3_columns)
(2021, 25, 7)
>>> template_for_year(2020).year
2019
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property, wraps
from importlib import resources
from pathlib import Path
from typing import TypeVar

__all__ = [
    "Column",
    "Item",
    "Measure",
    "MergedRow",
    "Row",
    "Template",
    "all_templates",
    "per_template",
    "template_for_year",
    "template_named",
]


@dataclass(frozen=True, slots=True)
class Measure:
    """A table-2 column. ``means`` names what it counts for comparisons across templates (2019's
    本年新制作数量 ``created`` means 2021's ``issued``); ``synth_latent`` names the quantity the
    synthetic generator draws it from for document items. Both default to the key."""

    key: str
    label: str
    label_en: str
    decimal: bool = False
    means: str = ""
    synth_latent: str = ""

    @property
    def concept(self) -> str:
        return self.means or self.key

    @property
    def latent(self) -> str:
        return self.synth_latent or self.concept


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    label: str
    label_en: str
    article: str
    measures: tuple[str, ...]
    variants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    group: str
    label: str
    label_en: str
    variants: tuple[str, ...] = ()
    needs_number: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    label_en: str
    variants: tuple[str, ...] = ()
    sum_of_others: bool = False


@dataclass(frozen=True, slots=True)
class MergedRow:
    """A row printed in place of several template rows; its numbers are their sum."""

    key: str
    label: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Template:
    year: int
    first_report_year: int
    last_report_year: int
    reference: str
    markers: tuple[str, ...]
    table2_measures: tuple[Measure, ...]
    table2_items: tuple[Item, ...]
    table3_rows: tuple[Row, ...]
    table3_columns: tuple[Column, ...]
    table3_group_labels: tuple[str, ...]
    table3_merged_rows: tuple[MergedRow, ...]
    table4_proceedings: tuple[Column, ...]
    table4_results: tuple[Column, ...]
    table4_header_labels: tuple[str, ...]
    _measure_by_key: dict[str, Measure] = field(default_factory=dict, repr=False)

    # Derived views are cached on the instance (a template is immutable data, read for every report).

    def measure(self, key: str) -> Measure:
        return self._measure_by_key[key]

    @cached_property
    def row_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.table3_rows)

    @cached_property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.table3_columns)

    @cached_property
    def outcome_keys(self) -> tuple[str, ...]:
        """Rows whose sum is the 总计 row: every row between intake and the total."""
        return tuple(r.key for r in self.table3_rows if r.group not in ("intake", "total", "carried_forward"))

    def rows_in_group(self, group: str) -> tuple[str, ...]:
        return self._groups.get(group, ())

    @cached_property
    def _groups(self) -> dict[str, tuple[str, ...]]:
        groups: dict[str, list[str]] = {}
        for r in self.table3_rows:
            groups.setdefault(r.group, []).append(r.key)
        return {g: tuple(keys) for g, keys in groups.items()}

    @cached_property
    def proactive_cells(self) -> tuple[tuple[str, str], ...]:
        """(item, measure) pairs of table 2, in printed order."""
        return tuple((i.key, m) for i in self.table2_items for m in i.measures)


def _tuple(d: dict, key: str) -> tuple[str, ...]:
    return tuple(d.get(key, ()))


def _parse(raw: dict) -> Template:
    t2, t3, t4 = raw["table2"], raw["table3"], raw["table4"]
    measures = tuple(
        Measure(
            m["key"],
            m["label"],
            m["label_en"],
            m.get("decimal", False),
            m.get("means", ""),
            m.get("synth_latent", ""),
        )
        for m in t2["measures"]
    )
    return Template(
        year=raw["year"],
        first_report_year=raw["first_report_year"],
        last_report_year=raw["last_report_year"],
        reference=raw["reference"],
        markers=_tuple(raw, "markers"),
        table2_measures=measures,
        table2_items=tuple(
            Item(
                i["key"], i["label"], i["label_en"], i["article"], tuple(i["measures"]), _tuple(i, "variants")
            )
            for i in t2["items"]
        ),
        table3_rows=tuple(
            Row(
                r["key"],
                r["group"],
                r["label"],
                r["label_en"],
                _tuple(r, "variants"),
                r.get("needs_number", False),
            )
            for r in t3["rows"]
        ),
        table3_columns=tuple(
            Column(c["key"], c["label"], c["label_en"], _tuple(c, "variants"), c.get("sum_of_others", False))
            for c in t3["columns"]
        ),
        table3_group_labels=_tuple(t3, "group_labels"),
        table3_merged_rows=tuple(
            MergedRow(m["key"], m["label"], tuple(m["parts"])) for m in t3.get("merged_rows", ())
        ),
        table4_proceedings=tuple(Column(p["key"], p["label"], p["label_en"]) for p in t4["proceedings"]),
        table4_results=tuple(
            Column(r["key"], r["label"], r["label_en"], (), r.get("sum_of_others", False))
            for r in t4["results"]
        ),
        table4_header_labels=_tuple(t4, "header_labels"),
        _measure_by_key={m.key: m for m in measures},
    )


TEMPLATE_DIRS_VARIABLE = "NIANBAO_TEMPLATES"  # more folders of template files, os.pathsep-separated


@cache
def all_templates() -> tuple[Template, ...]:
    """Every template shipped in ``nianbao/data/templates`` and in the folders ``$NIANBAO_TEMPLATES``
    names, oldest first. A new template year is a new file: nothing in the code names a year."""
    texts = [
        f.read_text(encoding="utf-8")
        for f in (resources.files("nianbao") / "data" / "templates").iterdir()
        if f.name.endswith(".toml")
    ]
    for folder in filter(None, os.environ.get(TEMPLATE_DIRS_VARIABLE, "").split(os.pathsep)):
        texts += [f.read_text(encoding="utf-8") for f in sorted(Path(folder).glob("*.toml"))]
    found = [_parse(tomllib.loads(text)) for text in texts]
    years = [t.year for t in found]
    if len(set(years)) != len(years):
        raise ValueError(f"two template files define the same template year: {sorted(years)}")
    return tuple(sorted(found, key=lambda t: t.year))


def measures_meaning(concept: str) -> tuple[str, ...]:
    """The table-2 measure keys, over every template, that count ``concept`` (their ``means``).

    >>> measures_meaning("issued"), measures_meaning("in_force")
    (('created', 'issued'), ('total_published', 'in_force'))
    """
    return tuple(m.key for t in all_templates() for m in t.table2_measures if m.concept == concept)


def applicant_keys() -> tuple[str, ...]:
    """Table 3's applicant columns (not the total), over every template, newest template's order.

    >>> applicant_keys()[0]
    'natural_person'
    """
    keys = [c.key for t in reversed(all_templates()) for c in t.table3_columns if not c.sum_of_others]
    return tuple(dict.fromkeys(keys))


def outcome_groups() -> tuple[str, ...]:
    """The groups of table 3's outcome rows (予以公开 … 其他处理), over every template, in printed order.

    >>> outcome_groups()
    ('granted', 'partially_granted', 'denied', 'unable', 'not_processed', 'other')
    """
    groups = [r.group for t in reversed(all_templates()) for r in t.table3_rows if r.key in t.outcome_keys]
    return tuple(dict.fromkeys(groups))


@cache
def measure_latents() -> dict[str, str]:
    """Table-2 measure key → the synthetic generator's latent quantity (:attr:`Measure.latent`)."""
    return {m.key: m.latent for t in all_templates() for m in t.table2_measures}


_T = TypeVar("_T")


def per_template(fn: Callable[[Template], _T]) -> Callable[[Template], _T]:
    """Memoise a function of a template: what the parser derives from it once, not per report.

    Templates are immutable but not hashable (they hold a dict), so the memo is keyed by identity
    and keeps the template alive (an id is never reused while the memo holds it).

    >>> calls = []
    >>> @per_template
    ... def row_count(t: Template) -> int:
    ...     calls.append(t.year)
    ...     return len(t.table3_rows)
    >>> row_count(template_named(2021)), row_count(template_named(2021)), calls
    (25, 25, [2021])
    """
    memo: dict[int, tuple[Template, _T]] = {}

    @wraps(fn)
    def derived(t: Template) -> _T:
        hit = memo.get(id(t))
        if hit is None or hit[0] is not t:
            hit = memo[id(t)] = (t, fn(t))
        return hit[1]

    return derived


def template_named(year: int) -> Template:
    """The template defined in ``year`` (2019 or 2021).

    >>> t = template_named(2021)
    >>> t.first_report_year, t.reference, len(t.table2_items)
    (2021, '国办公开办函〔2021〕30号', 6)
    """
    for t in all_templates():
        if t.year == year:
            return t
    raise KeyError(f"no template {year}; known: {[t.year for t in all_templates()]}")


def template_for_year(report_year: int) -> Template:
    """The template in force for a report about ``report_year``.

    >>> template_for_year(2019).year, template_for_year(2020).year, template_for_year(2024).year
    (2019, 2019, 2021)
    """
    for t in reversed(all_templates()):
        if t.first_report_year <= report_year <= t.last_report_year:
            return t
    return all_templates()[0] if report_year < all_templates()[0].first_report_year else all_templates()[-1]
