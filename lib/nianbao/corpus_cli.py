"""``nianbao parse``: placeholder until the corpus layer lands (see corpus.py)."""

from __future__ import annotations

import click

__all__ = ["parse_command"]


@click.command("parse")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="output directory")
def parse_command(corpus: tuple[str, ...], out_dir: str) -> None:
    """Parse CORPUS (files, directories, .zip archives) into five parquet files in --out."""
    raise click.ClickException("not implemented yet")
