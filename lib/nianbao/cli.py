"""The ``nianbao`` command: a thin click layer over the library.

Each command lives with its concern and is registered here; library errors become messages that
say how to fix the problem.
"""

from __future__ import annotations

import click

from nianbao import __version__

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nianbao")
def cli() -> None:
    """Parse and compare annual reports on open government information (政府信息公开工作年度报告)."""


def _register() -> None:
    # Commands are defined next to the code they drive; importing them here keeps this file thin.
    from nianbao.corpus_cli import parse_command

    cli.add_command(parse_command)
    try:
        from nianbao.render.command import report_command
    except ImportError:  # the report pipeline arrives with the notebook issue
        pass
    else:
        cli.add_command(report_command)
    try:
        from nianbao.synth.command import synth_command
    except ImportError:  # the generator arrives with its own issue
        return
    cli.add_command(synth_command)


_register()


def main() -> None:
    cli()
