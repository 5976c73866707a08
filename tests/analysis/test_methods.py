"""The methods page and the index summary: generated from the field table and templates, escaped,
and the summary follows the selection the pages show."""

from __future__ import annotations

import hashlib

import polars as pl

from analysis_frames import Synthetic
from nianbao import __version__
from nianbao.fields import CHECK_TABLE, FRAMES
from nianbao.render.methods import corpus_digest, methods_html
from nianbao.render.pipeline import selection_summary


def test_methods_page_says_how_every_figure_was_made(synthetic: Synthetic) -> None:
    reports = synthetic.frames.reports
    page = methods_html(reports, {"min_n": 7, "max_organs": 40}, "<b>语料</b>")
    assert "&lt;b&gt;语料&lt;/b&gt;" in page
    assert "<b>语料</b>" not in page
    assert __version__ in page
    ids = "\n".join(sorted(reports["report_id"].to_list()))
    assert corpus_digest(reports) == hashlib.sha256(ids.encode()).hexdigest()
    assert corpus_digest(reports) in page
    for check in CHECK_TABLE:
        assert f"<td>{check.name}</td>" in page
    for fields in FRAMES.values():
        for field in fields:
            assert f"<td>{field.name}</td>" in page
    for words in (
        "2019 模板",
        "2021 模板",
        "Wilson",
        "Poisson",
        "min_n (this render)</td><td>7",
        "max_organs (this render)</td><td>40",
        "按地区汇总 pooled by place (max_organs)",
        "本年新收",
        "人工更正 corrections",
        "含人工更正",
        "includes a reviewer&#x27;s correction",
        "nianbao parse --corrections",
        "<code>corrections</code>",
    ):
        assert words in page
    assert "src=" not in page
    assert "<script" not in page


def test_index_summary_follows_the_selection(synthetic: Synthetic) -> None:
    frames = synthetic.frames
    whole = selection_summary(frames, {})
    assert whole["files"] == frames.reports.height
    county = "甲县"
    chosen = selection_summary(frames, {"county": county, "lang": "en"})
    in_county = frames.reports.filter(pl.col("county") == county)
    assert chosen["files"] == in_county.height < whole["files"]
    assert chosen["organs"] == in_county["organ_id"].n_unique()
    assert chosen["corpus_files"] == frames.reports.height
    assert chosen["filters"] == {"county": county}
