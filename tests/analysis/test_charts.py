"""Charts: inline data, both languages, tooltips, the highlight parameter, the theme and the renderer."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import altair as alt
import polars as pl
import pytest

from analysis_frames import Synthetic
from nianbao.analysis import charts
from nianbao.analysis import metrics as m
from nianbao.analysis.chart_text import GROUP_LABELS, label, text
from nianbao.render import offline
from nianbao.render.index import index_html
from nianbao.render.pipeline import PageResult
from nianbao.templates import all_templates

CJK = re.compile(r"[\u4e00-\u9fff]")


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _titles(spec: dict[str, Any]) -> list[str]:
    out = []
    for k, v in _walk(spec):
        if k in ("title", "text", "subtitle") and isinstance(v, str):
            out.append(v)
        if k == "subtitle" and isinstance(v, list):
            out.extend(str(line) for line in v)
        if k == "title" and isinstance(v, dict) and isinstance(v.get("text"), str):
            out.append(v["text"])
    return out


def _params(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for k, v in _walk(spec) if k == "params" for p in v]


def _tooltip_fields(spec: dict[str, Any]) -> set[str]:
    return {
        t["field"]
        for k, v in _walk(spec)
        if k == "tooltip" and isinstance(v, list)
        for t in v
        if "field" in t
    }


def _displayed(chart: Any) -> str:
    """What a notebook shows for the chart with the active renderer (its text/html output)."""
    bundle = chart._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    return str(bundle["text/html"])


def _gallery(s: Synthetic, lang: str) -> dict[str, Callable[[], Any]]:
    data = m.select(s.frames, include_flagged=True)
    volume = m.proactive_volume(data.reports, data.proactive)
    counts = m.application_counts(data.reports, data.applications)
    cases = m.litigation_counts(data.reports, data.litigation)
    return {
        "heatmap": lambda: charts.heatmap(volume, "narrative_items", lang=lang),
        "trend": lambda: charts.trend(
            volume, "narrative_items", m.median_band(volume, "narrative_items"), lang=lang
        ),
        "outcome_bars": lambda: charts.outcome_bars(m.outcome_shares(counts, by=["organ"]), lang=lang),
        "outcome_by_year": lambda: charts.outcome_bars(
            m.outcome_shares(counts, by=["year"]), by="year", lang=lang
        ),
        "denial_bars": lambda: charts.denial_bars(m.denial_reasons(counts), lang=lang),
        "applicant_bars": lambda: charts.applicant_bars(
            m.applicant_mix(data.reports, data.applications), lang=lang
        ),
        "rate_dots": lambda: charts.rate_dots(
            m.review_litigation_rates(counts, cases, by=["organ"]), lang=lang
        ),
        "correction": lambda: charts.rate_dots(
            m.correction_rates(cases, by=["organ"]), value="share", lang=lang
        ),
        "coverage": lambda: charts.coverage_grid(m.coverage(s.frames.reports), lang=lang),
        "quality": lambda: charts.quality_panel(
            m.status_counts(s.frames.reports), m.check_summary(s.frames.checks, s.frames.reports), lang=lang
        ),
    }


ORGAN_CHARTS = ("heatmap", "trend", "outcome_bars", "rate_dots", "correction", "coverage")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_chart_is_valid_inline_and_labelled(synthetic: Synthetic, lang: str) -> None:
    for name, make in _gallery(synthetic, lang).items():
        chart = make()
        spec = chart.to_dict()  # validates against the vega-lite schema
        assert not [v for k, v in _walk(spec) if k == "url"], name  # data is inline, never fetched
        values = [
            v
            for k, v in _walk(spec)
            if k == "values" and isinstance(v, list) and v and isinstance(v[0], dict)
        ]
        assert values, f"{name}: no inline data"
        titles = " ".join(_titles(spec))
        if lang == "zh":
            assert CJK.search(titles), f"{name}: no Chinese title in {titles!r}"
        else:
            # English axis and legend titles (organ names in the data stay Chinese)
            assert not CJK.search(" ".join(t for t in _titles(spec) if "镇" not in t)), f"{name}: {titles!r}"


def test_tooltips_name_organ_year_and_file(synthetic: Synthetic) -> None:
    gallery = _gallery(synthetic, "zh")
    for name in ORGAN_CHARTS:
        fields = _tooltip_fields(gallery[name]().to_dict())
        assert {"organ", "year", "path"} <= fields, (name, fields)
    heat = gallery["heatmap"]().to_dict()
    rows = next(v for k, v in _walk(heat) if k == "values")
    first = next(r for r in rows if r["organ"] == "丙县第1镇人民政府" and r["year"] == 2020)
    assert first["path"] == "丙县/丙县第1镇人民政府_2020.txt"
    assert first["narrative_items"] == synthetic.truth[("丙县第1镇人民政府", 2020)]["narrative"]


def test_highlight_parameter_lists_organs(synthetic: Synthetic) -> None:
    gallery = _gallery(synthetic, "zh")
    organs = sorted({o for o, _ in synthetic.truth})
    for name in ORGAN_CHARTS:
        params = [p for p in _params(gallery[name]().to_dict()) if p.get("name") == "highlight"]
        assert len(params) == 1, name
        assert params[0]["bind"]["options"] == ["", *organs]
        assert params[0]["value"] == ""
    data = m.select(synthetic.frames)
    volume = m.proactive_volume(data.reports, data.proactive)
    chosen = charts.trend(
        volume, "narrative_items", m.median_band(volume, "narrative_items"), highlight=organs[2]
    )
    assert _params(chosen.to_dict())[0]["value"] == organs[2]


def test_empty_selection_draws_a_message() -> None:
    chart = charts.heatmap(pl.DataFrame({"organ": [], "year": [], "path": [], "v": []}), "v", lang="en")
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "text"
    assert spec["data"]["values"] == [{"message": text("no_data", "en")}]


def test_many_organs_are_limited_and_said_so() -> None:
    frame = pl.DataFrame(
        {
            "organ": [f"第{i}镇" for i in range(120)],
            "year": [2021] * 120,
            "path": ["p"] * 120,
            "v": list(range(120)),
        }
    )
    spec = charts.heatmap(frame, "v", limit=30).to_dict()
    values = next(v for k, v in _walk(spec) if k == "values")
    assert len(values) == 30
    assert min(r["v"] for r in values) == 90  # the largest 30 kept
    assert "30" in " ".join(_titles(spec))
    assert "120" in " ".join(_titles(spec))


def test_row_limit_guards_page_size() -> None:
    frame = pl.DataFrame(
        {"organ": ["a"] * 20_001, "year": [2021] * 20_001, "path": ["p"] * 20_001, "v": [1] * 20_001}
    )
    with pytest.raises(ValueError, match="aggregate first"):
        charts.heatmap(frame, "v", limit=10**6)


def test_labels_come_from_the_templates() -> None:
    printed = {lbl for t in all_templates() for lbl in t.table3_group_labels}
    printed |= {charts_label for t in all_templates() for charts_label in (r.label for r in t.table3_rows)}
    printed |= {mr.label for t in all_templates() for mr in t.table3_merged_rows}
    for group, (zh, _en) in GROUP_LABELS.items():
        assert any(zh in p for p in printed), group
    assert label("reason", "denied_third_party_rights") == "保护第三方合法权益"
    assert label("reason", "denied_third_party_rights", "en") == "third-party rights"
    assert label("applicant", "social_organization") == "社会公益组织"
    assert label("outcome_group", "not_processed", "en") == "not processed"


def test_theme_is_enabled_with_cjk_fonts() -> None:
    assert alt.theme.active == "nianbao"
    config = alt.Chart(alt.Data(values=[{"a": 1}])).mark_point().encode(x="a:Q").to_dict()["config"]
    assert config["font"].startswith("Noto Sans CJK SC")
    assert "Microsoft YaHei" in config["axis"]["labelFont"]


def test_renderer_sends_the_bundle_once_and_escapes_data() -> None:
    hostile = "</script><script>alert(1)</script>"
    chart = charts.heatmap(
        pl.DataFrame({"organ": [hostile], "year": [2021], "path": ["a&b.txt"], "v": [1]}), "v"
    )
    offline.reset()
    offline.enable_offline()
    try:
        first = _displayed(chart)
        second = _displayed(chart)
    finally:
        offline.reset()
    assert first.count("<script>\nif (!window.vegaEmbed) {\n") == 1
    assert len(first) > 800_000
    assert "<script>\nif (!window.vegaEmbed) {\n" not in second
    assert len(second) < 20_000
    assert hostile not in second  # cannot close the script element
    assert "\\u003c/script\\u003e" in second
    spec_json = re.search(r"var spec = (\{.*\});", second)
    assert spec_json is not None
    decoded = json.loads(spec_json.group(1))
    assert hostile in json.dumps(decoded, ensure_ascii=False)  # the data survives, escaped only in transit
    assert re.search(r"(src|href)\s*=\s*[\"']?https?:", first) is None


def test_static_svg_mode_draws_chinese_text() -> None:
    chart = charts.denial_bars(
        pl.DataFrame(
            {
                "year": [2021],
                "reason": ["denied_state_secret"],
                "count": [3],
                "share_of_denied": [1.0],
                "reports": [1],
                "path": ["a"],
            }
        )
    )
    offline.enable_offline(mode="svg")
    try:
        html = _displayed(chart)
    finally:
        offline.enable_offline()
    assert "<svg" in html
    assert "<script" not in html
    assert "属于国家秘密" in html


def test_index_escapes_names_and_links_pages(tmp_path: Any) -> None:
    page = tmp_path / "02_applications.html"
    pages = [
        PageResult("02_applications", page, True, 1.0, 1_000_000),
        PageResult("03_review_litigation", None, False, 1.0, 0, 7, "KeyError: '<b>organ</b>'"),
    ]
    html = index_html(
        pages, {"files": 3, "by_status": {"ok": 3}, "years": (2021, 2022)}, {"county": "<i>x</i>"}, "c&d"
    )
    assert 'href="02_applications.html"' in html
    assert ">依申请公开</a>" in html  # the page title from chart_text
    assert "行政复议与行政诉讼" in html  # a failed page keeps its title, without a link
    assert "<b>organ</b>" not in html
    assert "&lt;b&gt;organ&lt;/b&gt;" in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html
    assert "cell 7" in html
    assert "c&amp;d" in html
    assert "<script" not in html


def _layer_values(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows a layer draws (inline values, by name from the top-level datasets)."""
    data = layer.get("data") or spec.get("data")
    if "values" in data:
        return list(data["values"])
    return list(spec["datasets"][data["name"]])


def _svg_texts(chart: Any) -> list[str]:
    """The text a chart draws, rendered by vega itself (vl-convert), to test what a reader sees."""
    import vl_convert

    return re.findall(r"<text[^>]*>([^<]*)</text>", vl_convert.vegalite_to_svg(chart.to_dict()))


def test_year_axis_keeps_a_year_without_reports() -> None:
    frame = pl.DataFrame({"organ": ["甲镇", "甲镇"], "year": [2021, 2023], "path": ["a", "b"], "v": [1, 2]})
    drawn = _svg_texts(charts.heatmap(frame, "v"))
    assert {"2021", "2022", "2023"} <= set(drawn)


def test_heatmap_legend_of_counts_has_whole_labels() -> None:
    frame = pl.DataFrame(
        {"organ": ["甲镇", "甲镇", "乙镇"], "year": [2021, 2022, 2021], "path": ["a", "b", "c"]}
    )
    counts = _svg_texts(charts.heatmap(frame.with_columns(v=pl.Series([0, 1, 1])), "v"))
    assert not {"0.0", "0.5"} & set(counts), counts  # vega's default legend: 0.0, 0.5, 1.0
    assert {"0", "1"} <= set(counts)
    rates = _svg_texts(charts.heatmap(frame.with_columns(v=pl.Series([0.1, 0.5, 0.2])), "v"))
    assert "0.1" in rates  # fractions keep their decimals


def test_count_axes_have_whole_ticks_and_share_axes_end_at_100() -> None:
    status = pl.DataFrame(
        {"status": ["ok", "ok", "partial"], "format": ["txt", "pdf", "txt"], "files": [2, 2, 1]}
    )
    checks = pl.DataFrame(
        {
            "check": ["row_shape", "repair"],
            "severity": ["warning", "info"],
            "checks": [3, 1],
            "reports": [2, 1],
        }
    )
    drawn = _svg_texts(charts.quality_panel(status, checks))
    # files 0–4 and reports 0–2 in whole steps (vega alone drew 0.0 0.5 … and "0 1 1 2 2")
    assert [t for t in drawn if t[:1].isdigit()] == ["0", "1", "2", "3", "4", "0", "1", "2"]
    thirds = pl.DataFrame(
        {
            "organ": ["甲镇"] * 3,
            "outcome_group": ["granted", "denied", "other"],
            "count": [1, 1, 1],
            "handled": [3, 3, 3],
            "share": [1 / 3, 1 / 3, 1 / 3 + 1e-9],  # rounding that once stretched the axis to 110 %
            "lower": [0.0] * 3,
            "upper": [1.0] * 3,
            "small_n": [True] * 3,
        }
    )
    drawn = _svg_texts(charts.outcome_bars(thirds))
    assert "100%" in drawn
    assert "110%" not in drawn


def test_trend_draws_no_band_over_too_few_organs() -> None:
    frame = pl.DataFrame({"organ": ["甲镇", "乙镇"], "year": [2021, 2022], "path": ["a", "b"], "v": [5, 9]})
    spec = charts.trend(frame, "v", m.median_band(frame, "v")).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "point"]
    assert charts.text("gaps") in _titles(spec)
    assert text("no_band").format(n=charts.MIN_BAND_ORGANS) in _titles(spec)
    three = pl.concat(
        [frame, frame.with_columns(organ=pl.lit("丙镇")), frame.with_columns(organ=pl.lit("丁镇"))]
    )
    spec = charts.trend(three, "v", m.median_band(three, "v")).to_dict()
    # the band and the median over the organs' lines (a crowd of lines cannot hide them), points last
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "area", "line", "point"]


def test_a_trend_breaks_at_a_missing_year() -> None:
    """甲镇 reports 2021 and 2023: its line has a null 2022 and vega draws two pieces, not one."""
    frame = pl.DataFrame(
        {"organ": ["甲镇", "甲镇", "乙镇"], "year": [2021, 2023, 2022], "path": "a", "v": [5, 9, 4]}
    )
    spec = charts.trend(frame, "v").to_dict()
    line = spec["layer"][0]
    assert line["mark"]["invalid"] == "break-paths-show-domains"
    values = {(r["organ"], r["year"]): r["v"] for r in _layer_values(spec, line)}
    assert values == {("甲镇", 2021): 5, ("甲镇", 2022): None, ("甲镇", 2023): 9, ("乙镇", 2022): 4}
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec)
    paths = re.findall(r'<path[^>]*aria-roledescription="line mark"[^>]*d="([^"]+)"', svg)
    pieces = sorted(len(re.findall(r"M", d)) for d in paths)
    assert pieces == [1, 2], pieces  # 乙镇: one point's path; 甲镇: two pieces (M … M …)


def test_trends_of_several_levels_get_one_panel_each() -> None:
    frame = pl.DataFrame(
        {
            "organ": ["甲县人民政府"] * 2 + ["甲镇", "乙镇", "丙镇"] * 2,
            "organ_level": ["county"] * 2 + ["township"] * 6,
            "year": [2021, 2022, 2021, 2021, 2021, 2022, 2022, 2022],
            "path": "a",
            "v": [9000, 9500, 10, 20, 30, 11, 21, 31],
        }
    )
    spec = charts.trend(frame, "v").to_dict()
    assert len(spec["vconcat"]) == 2
    titles = [p["title"]["text"] for p in spec["vconcat"]]
    assert titles == ["v · 县级政府", "乡镇（街道）"]
    township = spec["vconcat"][1]
    band = next(layer for layer in township["layer"] if layer["mark"]["type"] == "area")
    medians = [r["median"] for r in _layer_values(spec, band)]
    assert medians == [20.0, 21.0]  # the townships' median, not pulled up by the county government


def test_rate_dots_order_by_the_lower_bound_and_have_a_legend() -> None:
    rates = pl.DataFrame(
        {
            "organ": ["甲镇", "乙镇", "丙镇"],
            "kind": ["review"] * 3,
            "cases": [30, 1, 3],
            "handled": [100, 2, 40],
            "per_100": [30.0, 50.0, 7.5],
            "lower": [21.0, 8.8, 2.6],
            "upper": [41.0, 90.0, 20.0],
            "small_n": [False, True, False],
        }
    )
    spec = charts.rate_dots(rates).to_dict()
    values = {r["organ"]: r["sort_key"] for r in _layer_values(spec, spec["layer"][0])}
    assert sorted(values, key=values.__getitem__, reverse=True) == ["甲镇", "丙镇", "乙镇"]
    drawn = _svg_texts(charts.rate_dots(rates))
    assert text("review") in drawn  # the legend names the colour
    assert text("kind") in drawn


def test_heatmap_colour_is_logarithmic_and_numbers_plain() -> None:
    frame = pl.DataFrame(
        {"organ": ["甲县人民政府", "甲镇"], "year": [2021, 2021], "path": "a", "v": [12212, 80]}
    )
    chart = charts.heatmap(frame, "v")
    spec = chart.to_dict()
    assert spec["layer"][0]["encoding"]["color"]["scale"]["type"] == "symlog"
    assert text("log_colour") in _titles(spec)
    drawn = _svg_texts(chart)
    assert "12,212" in drawn
    assert not [t for t in drawn if re.search(r"\de[+-]\d", t)]


def test_coverage_shows_flagged_reports_as_flagged(synthetic: Synthetic) -> None:
    scope = synthetic.frames
    grid = m.coverage(scope.reports, scope.checks)
    flagged = {
        (r["organ"], r["year"]) for r in grid.filter(pl.col("status") == "flagged").iter_rows(named=True)
    }
    assert flagged == synthetic.flagged
    assert m.coverage(scope.reports).filter(pl.col("status") == "flagged").is_empty()
    drawn = _svg_texts(charts.coverage_grid(grid))
    assert text("flagged_status") in drawn


def test_rate_axis_ends_at_the_trusted_rates_and_says_so() -> None:
    rates = pl.DataFrame(
        {
            "organ": ["甲镇", "乙镇"],
            "kind": ["review", "review"],
            "cases": [5, 1],
            "handled": [100, 1],
            "per_100": [5.0, 100.0],
            "lower": [1.6, 2.5],
            "upper": [11.7, 557.0],
            "small_n": [False, True],
        }
    )
    spec = charts.rate_dots(rates).to_dict()
    scale = spec["layer"][0]["encoding"]["x"]["scale"]
    assert scale["domain"] == [0, 100.0]  # the small organ's rate, not its 557 upper bound
    assert text("clipped") in _titles(spec)


def test_a_highlighted_organ_without_figures_is_named() -> None:
    frame = pl.DataFrame({"organ": ["甲镇"], "year": [2021], "path": ["a"], "v": [3]})
    spec = charts.heatmap(frame, "v", highlight="乙镇").to_dict()
    assert text("absent").format(organ="乙镇") in _titles(spec)
    assert not [t for t in _titles(charts.heatmap(frame, "v", highlight="甲镇").to_dict()) if "乙镇" in t]
    many = pl.DataFrame(
        {
            "organ": [f"第{i}镇" for i in range(10)],
            "year": [2021] * 10,
            "path": ["p"] * 10,
            "v": list(range(10)),
        }
    )
    kept = charts.heatmap(many, "v", limit=3, highlight="第0镇").to_dict()
    organs = {r["organ"] for k, v in _walk(kept) if k == "values" for r in v}
    assert organs == {"第9镇", "第8镇", "第7镇", "第0镇"}  # the highlighted organ stays in a limited chart


# ------------------------------------------------------------------ corrections marked in tooltips


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory) -> tuple[m.Frames, set[str]]:
    """Damaged generated reports parsed with a filled review sheet: the identities' proposed values
    copied into ``value`` for the applications cells of two reports (issue 19's round trip)."""
    from nianbao.corpus.review import review_frame
    from nianbao.corpus.run import read_corpus
    from nianbao.synth import generate

    d = tmp_path_factory.mktemp("corrected")
    generate(d / "corpus", 24, formats=("txt",), seed=19, damage_rate=1.0)
    plain = read_corpus(d / "corpus", cache=False, progress=False, jobs=1)
    sheet = review_frame(plain.frames).filter(
        pl.col("proposed").is_not_null(), pl.col("frame") == "applications"
    )
    two = sheet["report_id"].unique(maintain_order=True).head(2).to_list()
    fixes = sheet.filter(pl.col("report_id").is_in(two)).unique(["report_id", "row", "column"])
    filled = fixes.with_columns(value=pl.col("proposed"), reason=pl.lit("表内合计"))
    filled.select("file", "frame", "row", "column", "value", "reason").write_csv(d / "fixes.csv")
    run = read_corpus(d / "corpus", cache=False, progress=False, jobs=1, corrections=d / "fixes.csv")
    assert set(run.corrections["report_id"].to_list()) == set(two)
    return m.select(run, include_flagged=True), set(two)


def _rows(chart: alt.TopLevelMixin) -> list[dict[str, Any]]:
    spec = chart.to_dict()
    return [row for k, v in _walk(spec) if k == "values" and isinstance(v, list) for row in v]


def _tooltip_expr(chart: alt.TopLevelMixin) -> list[str]:
    return [v["value"]["expr"] for k, v in _walk(chart.to_dict()) if k == "tooltip" and isinstance(v, dict)]


def test_a_tooltip_marks_exactly_the_marks_resting_on_a_correction(
    corrected: tuple[m.Frames, set[str]],
) -> None:
    import vl_convert

    from nianbao.analysis.corrections import CORRECTED, mark_corrected, pool_corrected

    data, fixed = corrected
    counts = m.application_counts(data.reports, data.applications)
    marked = mark_corrected(counts, data, only=["applications", "reports"])
    changed = set(data.corrections.filter(pl.col("report_id").is_in(list(fixed)))["path"].to_list())
    where = {
        (r["organ"], r["year"]) for r in marked.filter(pl.col("report_id").is_in(list(fixed))).to_dicts()
    }
    assert len(where) == 2
    for chart in (charts.heatmap(marked, "applications"), charts.trend(marked, "applications")):
        rows = [r for r in _rows(chart) if "applications" in r and r["applications"] is not None]
        noted = {(r["organ"], r["year"]) for r in rows if r.get(CORRECTED)}
        assert noted == where
        assert {r["path"] for r in rows if r.get(CORRECTED)} == changed
        for r in rows:
            if r.get(CORRECTED):  # the cells changed, printed → new (reason)
                assert "applications/" in r[CORRECTED]
                assert "（表内合计）" in r[CORRECTED]
        exprs = _tooltip_expr(chart)  # a trend has a panel per level: those with a correction
        assert exprs
        assert all("含人工更正" in e and f'isValid(datum["{CORRECTED}"])' in e for e in exprs)
        vl_convert.vegalite_to_svg(chart.to_dict())  # the expression parses and the chart draws
    en = _tooltip_expr(charts.heatmap(marked, "applications", lang="en"))
    assert "includes a reviewer's correction" in en[0]
    # pooled marks: an organ's bar (all years) or a year's bar rests on the corrections of its reports
    organs = {o for o, _ in where}
    by_organ = pool_corrected(m.outcome_shares(counts, by=["county", "organ"]), marked)
    bars = _rows(charts.outcome_bars(by_organ, limit=1000))
    assert {r["organ"] for r in bars if r.get(CORRECTED)} == organs
    assert {r["organ"] for r in bars if not r.get(CORRECTED)} == set(by_organ["organ"]) - organs
    years = {y for _, y in where}
    assert {
        r["year"]
        for r in _rows(charts.denial_bars(pool_corrected(m.denial_reasons(counts), marked)))
        if r.get(CORRECTED)
    } <= years
    mix = pool_corrected(m.applicant_mix(data.reports, data.applications), marked)
    assert set(mix.filter(pl.col(CORRECTED).is_not_null())["year"].to_list()) == years
    cases = m.litigation_counts(data.reports, data.litigation)
    rates = pool_corrected(m.review_litigation_rates(counts, cases, by=["county", "organ"]), marked)
    dots = charts.rate_dots(rates, limit=1000)
    assert {r["organ"] for r in _rows(dots) if r.get(CORRECTED)} == organs
    for chart in (
        charts.outcome_bars(by_organ),
        charts.denial_bars(pool_corrected(m.denial_reasons(counts), marked)),
        charts.applicant_bars(mix),
        dots,
    ):
        assert _tooltip_expr(chart), chart
        vl_convert.vegalite_to_svg(chart.to_dict())
    # a chart of another frame's values rests on no correction: its tooltip is the plain one
    volume = mark_corrected(m.proactive_volume(data.reports, data.proactive), data, only=["proactive"])
    assert volume[CORRECTED].is_null().all()
    plain = charts.heatmap(volume, "narrative_items")
    assert not _tooltip_expr(plain)
    assert CORRECTED not in _tooltip_fields(plain.to_dict())
    assert (
        charts.heatmap(counts, "applications").to_dict()["layer"][0]["encoding"]["tooltip"]
        == (
            charts.heatmap(
                marked.with_columns(pl.lit(None, pl.String).alias(CORRECTED)), "applications"
            ).to_dict()["layer"][0]["encoding"]["tooltip"]
        )
    )
