"""``nianbao export``: the panel holds every value of the long frames in its own column, the codebook
describes every column, and the files open (CSV with BOM, XLSX with Chinese headers, parquet)."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from analysis_frames import xlsx_rows
from nianbao.analysis import metrics
from nianbao.analysis.export import export_command
from nianbao.analysis.panel import codebook, panel


def _cells(frames: metrics.Frames) -> dict[tuple[str, str], float]:
    """Every non-null value of the three long frames, keyed by report and panel column."""
    found: dict[tuple[str, str], float] = {}
    for frame, prefix, row, col in (
        (frames.proactive, "t2_", "item", "measure"),
        (frames.applications, "t3_", "outcome", "applicant"),
        (frames.litigation, "t4_", "proceeding", "result"),
    ):
        for rid, r, c, v in frame.select("report_id", row, col, "value").drop_nulls("value").iter_rows():
            found[(rid, f"{prefix}{r}__{c}")] = v
    return found


def test_panel_holds_every_printed_value_once(seed_frames: metrics.Frames) -> None:
    table = panel(seed_frames)
    assert table.height == seed_frames.reports.height
    assert table["report_id"].n_unique() == table.height
    values = [c for c in table.columns if c[:3] in ("t2_", "t3_", "t4_")]
    back = {
        (rid, column): v
        for rid, column, v in table.unpivot(index="report_id", on=values).drop_nulls("value").iter_rows()
    }
    assert back == _cells(seed_frames)
    assert len(back) > 500  # the seeds print hundreds of cells: this compares real values
    book = codebook(table.columns)
    assert book["column"].to_list() == table.columns  # every column described, in panel order
    granted = book.filter(pl.col("column") == "t3_granted__total").row(0, named=True)
    assert granted["label_zh"].startswith("表三 (一)予以公开")
    assert granted["type"] == "integer"


def test_export_writes_files_that_open(tmp_path: Path, seeds_dir: Path, seed_frames: metrics.Frames) -> None:
    result = CliRunner().invoke(export_command, [str(seeds_dir), "--out", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "x"
    expected = panel(seed_frames)
    csv = (out / "panel.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")
    from_csv = pl.read_csv(io.BytesIO(csv[3:]), infer_schema_length=None)
    assert from_csv["report_id"].to_list() == expected["report_id"].to_list()
    assert from_csv["t3_new_received__total"].to_list() == expected["t3_new_received__total"].to_list()
    from_parquet = pl.read_parquet(out / "panel.parquet")
    assert from_parquet.columns == expected.columns
    rows = xlsx_rows((out / "panel.xlsx").read_bytes())
    assert rows[0][:5] == ["报告编号", "机关编号", "机关名称（规范）", "机关（报告所印）", "层级"]
    assert len(rows) == expected.height + 1
    for name in ("reports", "applications", "checks", "codebook"):
        assert (out / f"{name}.csv").is_file()
        assert (out / f"{name}.parquet").is_file()
    bad = CliRunner().invoke(
        export_command, [str(seeds_dir), "--out", str(tmp_path / "y"), "--format", "dta"]
    )
    assert bad.exit_code == 1
    assert "unknown format dta" in bad.output
