"""The one table of checks (fields.CHECK_TABLE): every check the code emits is in it, as it is emitted."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from nianbao.analysis.chart_text import check_label
from nianbao.corpus.run import read_corpus
from nianbao.fields import CHECK_TABLE, CHECKS_BY_NAME, data_dictionary
from nianbao.synth.generate import generate

LIB = Path(__file__).resolve().parents[1] / "lib" / "nianbao"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
# how the code names the check it emits: Finding("name", ...), pl.lit("name").alias("check"), check="name"
_EMITTED = re.compile(
    r'Finding\(\s*"([a-z_]+)"|pl\.lit\("([a-z_]+)"\)\.alias\("check"\)|\bcheck\s*=\s*"([a-z_]+)"'
    r'|check_row\(\s*"([a-z_]+)"'
)


def test_table_is_well_formed() -> None:
    assert len(CHECKS_BY_NAME) == len(CHECK_TABLE)
    for c in CHECK_TABLE:
        assert c.severities, c.name
        assert set(c.severities) <= {"info", "warning", "error"}, c.name
        assert all((c.zh, c.en, c.meaning)), c.name
        assert f"`{c.name}`" in data_dictionary()


def test_every_check_named_in_the_code_is_in_the_table() -> None:
    named = {
        name
        for path in LIB.rglob("*.py")
        for match in _EMITTED.finditer(path.read_text(encoding="utf-8"))
        for name in match.groups()
        if name
    }
    assert len(named) >= 15, named  # the pattern still finds the emitters
    assert sorted(named - set(CHECKS_BY_NAME)) == []


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    root = tmp_path_factory.mktemp("damaged")
    generate(root, 150, formats=("txt", "html"), seed=11, damage_rate=0.7)
    inputs = [root, SHARED / "seeds", SHARED / "corpus" / "real" / "files"]
    return read_corpus(inputs, cache=False, jobs=1, progress=False).checks


def test_every_check_emitted_on_damaged_reports_is_in_the_table_with_its_severity(
    emitted: pl.DataFrame,
) -> None:
    pairs = emitted.select("check", pl.col("severity").cast(pl.String)).unique().rows()
    assert len({c for c, _ in pairs}) >= 8  # damage really made checks fire
    assert [
        (c, s)
        for c, s in pairs
        if s not in CHECKS_BY_NAME.get(c, CHECK_TABLE[0]).severities or c not in CHECKS_BY_NAME
    ] == []


def test_labels_come_from_the_table() -> None:
    assert check_label("row_total") == CHECKS_BY_NAME["row_total"].zh
    assert check_label("row_total", "en") == CHECKS_BY_NAME["row_total"].en
    assert check_label("no_such_check", "en") == "no_such_check"
