"""``nianbao report``: render the notebooks on a parsed corpus into offline HTML pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from nianbao.errors import NianbaoError
from nianbao.render.pipeline import run_report

__all__ = ["parse_value", "report_command"]


def parse_value(text: str) -> Any:
    """A parameter value from the command line: JSON when it parses (numbers, lists, true, null), else text.

    >>> parse_value("2021"), parse_value("[2021, 2022]"), parse_value("民权县"), parse_value("null")
    (2021, [2021, 2022], '民权县', None)
    """
    try:
        return json.loads(text)
    except ValueError:
        return text


@click.command("report")
@click.option(
    "--parsed",
    "parsed",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="directory written by `nianbao parse`",
)
@click.option(
    "--out", "out", default="outputs", show_default=True, type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "-p",
    "--parameter",
    "parameters",
    multiple=True,
    nargs=2,
    metavar="NAME VALUE",
    help="notebook parameter, e.g. -p county 民权县 -p years '[2021,2022]' -p lang en (repeatable)",
)
@click.option("--only", multiple=True, help="render only notebooks whose name starts with this (repeatable)")
@click.option("--notebooks", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None)
@click.option("--jobs", "-j", default=1, show_default=True, help="notebooks rendered in parallel")
@click.option("--label", default=None, help="corpus name shown on the index page")
@click.option(
    "--corpus",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="folder the reports were parsed from: pages link each report they name to its file",
)
def report_command(
    *,
    parsed: Path,
    out: Path,
    parameters: tuple[tuple[str, str], ...],
    only: tuple[str, ...],
    notebooks: Path | None,
    jobs: int,
    label: str | None,
    corpus: Path | None,
) -> None:
    """Run every notebook on a parsed corpus (papermill) and write self-contained HTML pages to --out.

    A notebook that fails is still rendered with the failing cell marked; the command then exits 1.
    """

    params = {name: parse_value(value) for name, value in parameters}
    try:
        pages = run_report(
            parsed,
            out,
            parameters=params,
            notebooks=notebooks,
            only=only or None,
            jobs=jobs,
            corpus_label=label,
            corpus=corpus,
            progress=click.echo,
        )
    except NianbaoError as exc:
        raise click.ClickException(str(exc)) from exc
    failed = [p for p in pages if not p.ok]
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(pages)} notebooks failed: " + ", ".join(p.name for p in failed)
        )
