"""``nianbao export``: the parsed corpus as files a Stata, R or Excel user opens directly.

Written to ``--out``, for each chosen format (csv, xlsx, parquet):

* ``panel.<fmt>`` — one row per report, every table value a column (:func:`nianbao.analysis.panel.panel`);
* ``codebook.<fmt>`` — what each panel column means, in Chinese and English;
* ``reports``, ``proactive``, ``applications``, ``litigation``, ``checks`` — the long frames, as parsed
  (csv and parquet only: the long frames of a large corpus pass Excel's 1,048,576-row limit).

CSV is UTF-8 with a byte-order mark, so Excel and WPS read the Chinese; XLSX (xlsxwriter) has one
sheet per table, Chinese headers in the panel and a frozen header row; nulls stay empty cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
import polars as pl

from nianbao.analysis.panel import codebook, panel
from nianbao.analysis.selection import load
from nianbao.analysis.tables import csv_bytes
from nianbao.errors import NianbaoError
from nianbao.fields import FRAME_NAMES

__all__ = ["FORMATS", "export", "export_command"]

FORMATS = ("csv", "xlsx", "parquet")
EXCEL_ROWS = 1_048_575  # rows below the header row in one sheet


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Enums as text and NaN as null: what every format and every reader takes the same way."""
    return frame.with_columns(
        [
            pl.col(c).cast(pl.String)
            for c, d in frame.schema.items()
            if isinstance(d, pl.Enum | pl.Categorical)
        ]
        + [pl.col(c).fill_nan(None) for c, d in frame.schema.items() if d.is_float()]
    )


def _write_xlsx(path: Path, sheets: Sequence[tuple[str, pl.DataFrame, dict[str, str] | None]]) -> None:
    """One workbook, a sheet per frame, header row frozen; ``headers`` renames columns for readers."""
    import xlsxwriter  # noqa: PLC0415 (only to write an .xlsx file)

    with xlsxwriter.Workbook(path) as book:
        for name, frame, headers in sheets:
            shown = frame.rename(headers) if headers else frame
            shown.write_excel(
                book, worksheet=name, autofit=frame.width <= 40, freeze_panes=(1, 0), table_style=None
            )


def export(parsed: str | Path, out: str | Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write the panel, its codebook and the long frames of a parsed corpus; return the files written.

    >>> import tempfile
    >>> from nianbao.analysis.selection import from_frames
    >>> reports = pl.DataFrame({"report_id": ["a"], "organ": ["甲镇"], "organ_id": ["o1"], "year": [2023], "status": ["ok"]})
    >>> apps = pl.DataFrame({"report_id": ["a"], "outcome": ["granted"], "applicant": ["total"], "value": [3]})
    >>> frames = from_frames({n: pl.DataFrame() for n in FRAME_NAMES} | {"reports": reports, "applications": apps})
    >>> with tempfile.TemporaryDirectory() as parsed:
    ...     for name, frame in frames.frames.items():
    ...         frame.write_parquet(Path(parsed) / f"{name}.parquet")
    ...     written = export(parsed, Path(parsed) / "export", ["csv"])
    ...     panel_csv = pl.read_csv(written[0]).select("organ_id", "year", "t3_granted__total").rows()
    >>> [path.name for path in written], panel_csv
    (['panel.csv', 'codebook.csv', 'reports.csv', 'proactive.csv', 'applications.csv', 'litigation.csv', 'checks.csv'], [('o1', 2023, 3)])
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {', '.join(unknown)}: choose from {', '.join(FORMATS)}")
    frames = load(parsed)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    table = _flat(panel(frames))
    book = codebook(table.columns)
    longs = {n: _flat(getattr(frames, n)) for n in FRAME_NAMES}
    written: list[Path] = []
    for fmt in formats:
        if fmt == "xlsx":
            if table.height > EXCEL_ROWS:
                raise ValueError(f"the panel has {table.height:,} rows, more than one Excel sheet holds")
            labels = dict(zip(book["column"], book["label_zh"], strict=True))
            headers = _unique({c: labels.get(c, c) for c in table.columns})
            target = folder / "panel.xlsx"
            _write_xlsx(
                target,
                [("panel", table, headers), ("codebook", book, None), ("checks", longs["checks"], None)],
            )
            written.append(target)
            continue
        for name, frame in {"panel": table, "codebook": book, **longs}.items():
            target = folder / f"{name}.{fmt}"
            if fmt == "csv":
                target.write_bytes(csv_bytes(frame))
            else:
                frame.write_parquet(target)
            written.append(target)
    return written


def _unique(headers: dict[str, str]) -> dict[str, str]:
    seen: dict[str, int] = {}
    out = {}
    for column, header in headers.items():
        seen[header] = seen.get(header, 0) + 1
        out[column] = header if seen[header] == 1 else f"{header} ({column})"
    return out


@click.command("export")
@click.argument("parsed", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--format",
    "formats",
    default="csv,xlsx,parquet",
    show_default=True,
    help="comma-separated: csv, xlsx, parquet",
)
def export_command(parsed: Path, out: Path, formats: str) -> None:
    """Write PARSED as an organ-year panel, its codebook and the long frames (CSV, XLSX, parquet) to --out.

    PARSED is a directory written by `nianbao parse`. The panel has one row per report and every
    table value as a column named from the template keys (t3_granted__total …); the codebook says
    what each column means, in Chinese and English.
    """

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    try:
        written = export(parsed, out, chosen)
    except (NianbaoError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    for path in written:
        click.echo(str(path))
