"""The ``nianbao`` command: a thin click layer over the library.

Each command lives with its concern and is loaded only when it runs (click's lazy-group pattern):
``nianbao parse`` must not pay for altair, numpy or the document writers that ``report`` and
``synth`` import, since a warm re-run of a large corpus takes about as long as those imports.
``nianbao --help`` lists the commands from the short help declared here, without importing them;
a test keeps these lines equal to the commands' own. Library errors become messages that say how
to fix the problem.
"""

from __future__ import annotations

import importlib

import click

from nianbao import __version__

__all__ = ["COMMANDS", "LazyGroup", "cli", "main"]


# name -> (module:attribute, short help for `nianbao --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "export": (
        "nianbao.analysis.export:export_command",
        "Write PARSED as an organ-year panel, its codebook and the long frames (CSV, XLSX, parquet) to --out.",
    ),
    "parse": (
        "nianbao.corpus.cli:parse_command",
        "Parse CORPUS (files, directories, .zip archives) into five parquet files in --out.",
    ),
    "report": (
        "nianbao.render.command:report_command",
        "Run every notebook on a parsed corpus (papermill) and write self-contained HTML pages to --out.",
    ),
    "review": (
        "nianbao.corpus.review:review_command",
        "Write a review sheet of the value checks of a parsed corpus (CSV or XLSX); filled in, it is a corrections file.",
    ),
    "synth": (
        "nianbao.synth.command:synth_command",
        "Write a SYNTHETIC corpus of reports with ground truth (expected/<stem>.json) and places.csv.",
    ),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, from ``module:attribute`` strings.

    The listing in the group's help uses the declared short help, so ``--help`` imports nothing.
    """

    def __init__(self, *args: object, lazy_subcommands: dict[str, tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_subcommands = lazy_subcommands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_subcommands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in self.lazy_subcommands:
            return super().get_command(ctx, cmd_name)
        command = self._load(cmd_name)
        self.add_command(command, cmd_name)
        return command

    def _load(self, cmd_name: str) -> click.Command:
        module_name, _, attribute = self.lazy_subcommands[cmd_name][0].partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}:{attribute} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command listing, from declared short help for commands not loaded yet."""
        limit = formatter.width - 6 - max((len(n) for n in self.list_commands(ctx)), default=0)
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                command = self.commands[name]
                if command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(limit)))
            else:
                stand_in = click.Command(name, help=self.lazy_subcommands[name][1])  # shortened as click does
                rows.append((name, stand_in.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup, lazy_subcommands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="nianbao")
def cli() -> None:
    """Parse and compare annual reports on open government information (政府信息公开工作年度报告)."""


def main() -> None:
    """Run the ``nianbao`` command on ``sys.argv`` (the console-script entry point).

    >>> import contextlib, io
    >>> from unittest import mock
    >>> out = io.StringIO()
    >>> with mock.patch("sys.argv", ["nianbao", "--help"]), contextlib.redirect_stdout(out):
    ...     with contextlib.suppress(SystemExit):
    ...         main()
    >>> [line.split()[0] for line in out.getvalue().partition("Commands:")[2].splitlines() if line]
    ['export', 'parse', 'report', 'review', 'synth']
    """
    cli()
