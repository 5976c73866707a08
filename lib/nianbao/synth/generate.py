"""``generate``: a deterministic synthetic corpus with ground truth, ready for ``nianbao parse``.

Steps: invent organs (:mod:`~nianbao.synth.population`), give each a run of consecutive years
(``reports`` = organs × years, the earliest years of a few organs trimmed to hit the count exactly),
draw their figures (:mod:`~nianbao.synth.numbers`), print them with per-report label variants
(:mod:`~nianbao.synth.layout`), inject damage at ``damage_rate`` (:mod:`~nianbao.synth.damage`),
render each report in one of ``formats`` (spread evenly) and write it with its truth.

Output in ``out_dir``::

    <county>_<organ>_<year>.<txt|html|pdf|docx>   the reports
    expected/<stem>.json                          ground truth (data-contract format, "synthetic": true)
    places.csv                                    every invented province/city/county/township
    manifest.json                                 parameters and the list of files written

Each random stream is seeded from (seed, organ, year, purpose), so a report does not change when
another report's format or damage does, and the same seed gives byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import opencc

from nianbao.synth.damage import BYTE_KINDS, DATA_KINDS, applicable_kinds, apply_damage
from nianbao.synth.layout import document, draw_style_choices, printed_from, truth_from
from nianbao.synth.model import Block, Figures, Grid, GridCell, Organ, Para, ReportSpec, Style
from nianbao.synth.numbers import organ_series
from nianbao.synth.population import build_population, places_rows
from nianbao.synth.render_docx import render_docx
from nianbao.synth.render_html import render_html
from nianbao.synth.render_pdf import render_pdf
from nianbao.synth.render_text import TEXT_LAYOUTS, render_text
from nianbao.synth.truth import truth_json
from nianbao.synth.variants import VARIANT_RATE, CountyRename, county_renames, organ_in_year, organs_rows
from nianbao.templates import template_for_year

__all__ = ["FORMATS", "build_specs", "generate", "render_report", "sample_report", "sample_spec"]

FORMATS = ("txt", "html", "pdf", "docx")
MANIFEST = "manifest.json"
_KIND_WEIGHT = {"traditional": 0.5, "gbk": 0.5}
_SECOND_KIND_RATE = 0.2


def _rng(seed: int, *parts: int) -> np.random.Generator:
    return np.random.default_rng([seed, *parts])


def _organ_years(rng: np.random.Generator, n_organs: int, years: list[int], reports: int) -> list[list[int]]:
    """Consecutive years per organ; the first years of some organs are dropped to total ``reports``."""
    spans = [list(years) for _ in range(n_organs)]
    order = rng.permutation(n_organs)
    for i in range(n_organs * len(years) - reports):
        span = spans[int(order[i % n_organs])]
        if len(span) > 1:
            span.pop(0)
    return spans


def _style(rng: np.random.Generator, fmt: str, year: int) -> Style:
    layout = {"txt": str(rng.choice(TEXT_LAYOUTS)), "html": "nested" if rng.random() < 0.4 else "portal"}.get(
        fmt, "grid"
    )
    if fmt == "txt":
        blank = str(rng.choice(["", "", "-", "/"])) if layout == "pipe" else str(rng.choice(["-", "/", "—"]))
    else:
        blank = str(rng.choice(["", "&nbsp;"])) if fmt == "html" else ""
    style = Style(
        format=fmt,
        layout=layout,
        blank=blank,
        fullwidth=bool(rng.random() < 0.5),
        title_lines=2 if rng.random() < 0.2 else 1,
    )
    draw_style_choices(rng, template_for_year(year), style)
    style.choices["html.split_labels"] = "1" if rng.random() < 0.3 else "0"
    return style


def _fee_years(spec: ReportSpec) -> bool:
    """Whether this report prints a non-zero fee in 万元 (so a 元-for-万元 slip is detectable)."""
    return any(
        v and "万元" in spec.template.measure(m).label
        for item, ms in spec.truth.proactive.items()
        for m, v in ms.items()
        if spec.template.measure(m).decimal
    )


def _damage(rng: np.random.Generator, spec: ReportSpec, fee_ok: bool) -> None:
    kinds = [k for k in applicable_kinds(spec) if k != "fee_unit" or fee_ok]
    weights = np.array([_KIND_WEIGHT.get(k, 1.0) for k in kinds])
    for i in rng.choice(len(kinds), size=len(kinds), replace=False, p=weights / weights.sum()):
        if apply_damage(rng, spec, kinds[int(i)]):
            break
    if spec.damage and spec.damage[0] in DATA_KINDS and rng.random() < _SECOND_KIND_RATE:
        apply_damage(rng, spec, str(rng.choice(BYTE_KINDS)))


def build_specs(
    reports: int,
    formats: Sequence[str],
    seed: int,
    damage_rate: float,
    years: tuple[int, int],
    variant_rate: float = VARIANT_RATE,
) -> list[ReportSpec]:
    """Every report of the corpus, printed and damaged but not rendered.

    ``variant_rate``: share of organs printed under another name from some year on
    (:mod:`nianbao.synth.variants`); each spec's ``organ`` is the organ as that year prints it
    (same ``key``).

    >>> [s.filename for s in build_specs(4, ("txt", "pdf"), 1, 0.0, (2024, 2025))]
    ['c01_gov_2024.txt', 'c01_gov_2025.txt', 'c01_t01_2024.pdf', 'c01_t01_2025.pdf']
    """
    return _build(reports, formats, seed, damage_rate, years, variant_rate)[0]


def _build(
    reports: int,
    formats: Sequence[str],
    seed: int,
    damage_rate: float,
    years: tuple[int, int],
    variant_rate: float,
) -> tuple[list[ReportSpec], dict[str, CountyRename]]:
    """:func:`build_specs` and the counties renamed districts."""
    year_list = list(range(years[0], years[1] + 1))
    if reports < 1 or not year_list:
        return [], {}
    master = _rng(seed, 0)
    n_organs = math.ceil(reports / len(year_list))
    organs = build_population(master, n_organs)
    spans = _organ_years(master, n_organs, year_list, reports)
    fmt_cycle = [formats[i % len(formats)] for i in range(reports)]
    fmt_order = [fmt_cycle[int(i)] for i in master.permutation(reports)]
    specs: list[ReportSpec] = []
    renames = county_renames(seed, organs, year_list, variant_rate)
    for i, (organ, span) in enumerate(zip(organs, spans, strict=True)):
        series = organ_series(_rng(seed, i, 1), organ, span)
        for year in span:
            printed = organ_in_year(seed, i, organ, year, span, variant_rate, renames)
            specs.append(_spec(seed, i, printed, year, series[year], fmt_order[len(specs)]))
    _inject(seed, specs, organs, damage_rate)
    return specs, renames


def _spec(seed: int, i: int, organ: Organ, year: int, fig: Figures, fmt: str) -> ReportSpec:
    t = template_for_year(year)
    rng = _rng(seed, i, year, 0)
    style = _style(rng, fmt, year)
    printed = printed_from(rng, t, fig, style)
    return ReportSpec(organ, year, t, fig, printed, truth_from(t, fig, printed), style, f"{organ.key}_{year}")


def _inject(seed: int, specs: list[ReportSpec], organs: list[Organ], damage_rate: float) -> None:
    index = {o.key: i for i, o in enumerate(organs)}
    by_organ: dict[str, list[ReportSpec]] = {}
    for spec in specs:
        by_organ.setdefault(spec.organ.key, []).append(spec)
    fee_damaged: set[str] = set()
    for spec in specs:
        rng = _rng(seed, index[spec.organ.key], spec.year, 2)
        if rng.random() >= damage_rate:
            continue
        others = [
            s
            for s in by_organ[spec.organ.key]
            if s.year != spec.year and s.template.year == spec.template.year
        ]
        fee_ok = spec.organ.key not in fee_damaged and _fee_years(spec) and any(_fee_years(s) for s in others)
        _damage(rng, spec, fee_ok)
        if "fee_unit" in spec.damage:
            fee_damaged.add(spec.organ.key)


@cache
def _converter():  # pragma: no cover - trivial

    return opencc.OpenCC("s2t")


def _traditional_blocks(blocks: list[Block]) -> list[Block]:
    conv = _converter().convert

    def cell(c: GridCell) -> GridCell:
        return replace(c, text=conv(c.text))

    return [
        Grid(tuple(tuple(cell(c) for c in row) for row in b.rows), b.name)
        if isinstance(b, Grid)
        else Para(conv(b.text), b.role)
        for b in blocks
    ]


def _encode(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:  # a character outside GBK: GB18030 is its superset
        return text.encode("gb18030")


def render_report(seed: int, organ_index: int, spec: ReportSpec) -> bytes:
    """The bytes of one report file.

    >>> render_report(3, 4, sample_spec(3, "txt", 2020, organ=4)).decode().splitlines()[0]
    '桐店县汀洲镇人民政府2020年政府信息公开工作年度报告'
    """
    rng = _rng(seed, organ_index, spec.year, 3)
    blocks = document(rng, spec.organ, spec.year, spec.template, spec.printed, spec.style)
    title = f"{spec.organ.title_name}{spec.year}年政府信息公开工作年度报告"
    fmt = spec.style.format
    if fmt in ("pdf", "docx"):
        if spec.style.traditional:
            blocks = _traditional_blocks(blocks)
            title = _converter().convert(title)
        if fmt == "pdf":
            return render_pdf(blocks, title, author=spec.organ.name)
        return render_docx(blocks, title, spec.year)
    if fmt == "html":
        text = render_html(blocks, spec.style, title, site=f"{spec.organ.county}人民政府")
    else:
        text = render_text(blocks, spec.style)
    if spec.style.traditional:
        text = _converter().convert(text)
    return _encode(text, spec.style.encoding)


_SAMPLE_ORGANS = 24


def sample_spec(
    seed: int, fmt: str, year: int, *, organ: int | None = None, damage: str | None = None
) -> ReportSpec:
    """One report, not rendered, for property tests: organ ``organ`` (0-23) of a small population.

    ``damage`` forces one kind (see :mod:`nianbao.synth.damage`); when it does not apply to this
    report, the report comes back undamaged (``spec.damage`` is empty). ``fee_unit`` is allowed
    whenever the report has a non-zero fee, as no other years exist to compare with here.

    >>> spec = sample_spec(3, "txt", 2020, organ=4)
    >>> spec.template.year, spec.organ.level
    (2019, 'township')
    """
    organs = build_population(_rng(seed, 0), _SAMPLE_ORGANS)
    i = seed % len(organs) if organ is None else organ
    fig = organ_series(_rng(seed, i, 1), organs[i], [year])[year]
    spec = _spec(seed, i, organs[i], year, fig, fmt)
    if damage and (damage != "fee_unit" or _fee_years(spec)):
        apply_damage(_rng(seed, i, year, 2), spec, damage)
    return spec


def sample_report(
    seed: int, fmt: str, year: int, *, organ: int | None = None, damage: str | None = None
) -> tuple[ReportSpec, bytes]:
    """:func:`sample_spec` rendered in memory: (spec, file bytes).

    >>> spec, data = sample_report(3, "pdf", 2020, organ=4)
    >>> spec.filename, data[:8]
    ('c01_t03_2020.pdf', b'%PDF-1.4')
    """
    spec = sample_spec(seed, fmt, year, organ=organ, damage=damage)
    i = seed % _SAMPLE_ORGANS if organ is None else organ
    return spec, render_report(seed, i, spec)


def _places_csv(organs: Iterable[Organ]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["name", "province", "city", "county", "level"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(places_rows(list(organs)))
    return out.getvalue()


def _organs_csv(renames: dict[str, CountyRename]) -> str:
    """The corpus's crosswalk: a division row for each name of a county renamed district."""
    out = io.StringIO()
    columns = ["organ", "place", "years", "organ_id", "organ_name", "note"]
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(organs_rows(renames))
    return out.getvalue()


def _clear_previous(out: Path) -> None:
    """Remove the files a previous run listed in its manifest (and nothing else)."""
    manifest = out / MANIFEST
    if not manifest.is_file():
        return
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError):
        return
    for name in listed:
        p = (out / name).resolve()
        if p.is_file() and out.resolve() in p.parents:
            p.unlink()


def generate(
    out_dir: str | Path,
    reports: int,
    formats: Sequence[str] = FORMATS,
    seed: int = 0,
    damage_rate: float = 0.0,
    years: tuple[int, int] = (2019, 2025),
    variant_rate: float = VARIANT_RATE,
) -> list[Path]:
    """Write a synthetic corpus of ``reports`` reports with ground truth; returns the report paths.

    ``variant_rate``: share of organs printed under other names in later years (prefix or suffix
    dropped, 乡 → 镇, a county turned district: :mod:`nianbao.synth.variants`); the truth's
    ``organ_key`` names the organ whatever it printed. 0 prints every organ one way.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = generate(d, 3, formats=("txt",), seed=1, years=(2023, 2025))
    ...     [p.suffix for p in paths], (Path(d) / "expected" / (paths[0].stem + ".json")).is_file()
    (['.txt', '.txt', '.txt'], True)
    """
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, not {seed}")
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown format(s) {bad}; choose from {', '.join(FORMATS)}")
    if not 0.0 <= damage_rate <= 1.0:
        raise ValueError(f"damage rate must be between 0 and 1, not {damage_rate}")
    if not 0.0 <= variant_rate <= 1.0:
        raise ValueError(f"variant rate must be between 0 and 1, not {variant_rate}")
    out = Path(out_dir)
    (out / "expected").mkdir(parents=True, exist_ok=True)
    _clear_previous(out)
    specs, renames = _build(reports, tuple(formats), seed, damage_rate, years, variant_rate)
    organ_index = {key: i for i, key in enumerate(dict.fromkeys(s.organ.key for s in specs))}
    paths, written = [], []
    for spec in specs:
        path = out / spec.filename
        path.write_bytes(render_report(seed, organ_index[spec.organ.key], spec))
        truth = out / "expected" / f"{spec.stem}.json"
        truth.write_text(json.dumps(truth_json(spec), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        paths.append(path)
        written += [spec.filename, f"expected/{spec.stem}.json"]
    organs = list(dict.fromkeys(s.organ for s in specs))  # each name an organ printed, for places.csv
    (out / "places.csv").write_text(_places_csv(organs), encoding="utf-8")
    extras = ["places.csv"]
    if renames:
        (out / "organs.csv").write_text(_organs_csv(renames), encoding="utf-8")
        extras.append("organs.csv")
    manifest = {
        "synthetic": True,
        "generator": "nianbao synth",
        "note": "合成数据 SYNTHETIC DATA: organs, places and figures are invented",
        "seed": seed,
        "reports": len(specs),
        "formats": list(formats),
        "damage_rate": damage_rate,
        "variant_rate": variant_rate,
        "years": list(years),
        "damaged": sum(1 for s in specs if s.damage),
        "files": [*written, *extras],
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return paths
