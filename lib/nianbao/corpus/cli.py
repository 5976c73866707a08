"""``nianbao parse``: parse a corpus into five parquet files, with progress and a one-screen summary.

Exit status: 0 when the outputs were written, even if files failed (they are rows with status
``failed``); non-zero only when a CORPUS input does not exist (2, from click), the output
directory cannot be written (1), or the run was interrupted (130: Ctrl-C; 143: SIGTERM; the files
finished by then are cached, so running the same command again resumes).
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from nianbao.corpus.cache import CacheWriteError, write_failure
from nianbao.corpus.run import read_corpus
from nianbao.errors import NianbaoError
from nianbao.names import shown_path
from nianbao.options import OptionsError, RunOptions, merge_options, parse_assignment

__all__ = ["parse_command"]


def _check_writable(out: Path) -> None:
    """Fail before parsing anything when ``out`` cannot hold the outputs."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise click.ClickException(
            f"cannot write to {shown_path(out)}: {write_failure(e)}; choose another --out directory"
        ) from e


def _options(config: str | None, assignments: tuple[str, ...]) -> RunOptions:
    """The run options of ``--config`` and ``--set``, checked before anything is read."""
    changes: dict[str, Any] = {}
    try:
        for text in assignments:
            changes = merge_options(changes, parse_assignment(text))
        if config:
            return RunOptions.from_toml(config, changes)
        return RunOptions.resolve(changes)
    except OptionsError as e:
        raise click.BadParameter(str(e), param_hint="--set/--config") from e


def _limits(options: RunOptions, file_timeout: float | None, max_memory: float | None) -> RunOptions:
    """``options`` with the limits given as flags (0: none), which win over --config and --set."""
    changes: dict[str, Any] = {}
    if file_timeout is not None:
        changes["file_timeout"] = file_timeout or float("inf")
    if max_memory is not None:
        changes["max_memory"] = int(max_memory * 2**30)
    return options.with_changes(changes) if changes else options


class _Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM: the run stops, its workers end, finished work stays cached."""

    def __init__(self, status: int) -> None:
        super().__init__()
        self.status = status


@contextmanager
def _interruptible() -> Iterator[None]:
    """Turn Ctrl-C and SIGTERM into :class:`_Interrupted` (exit 130 / 143), and a second one into nothing.

    Cleaning up (stopping the workers, writing the last finished results to the cache) takes a
    moment; a second Ctrl-C meanwhile must not leave a traceback and half of it undone.
    """

    def stop(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise _Interrupted(128 + signum)

    if threading.current_thread() is not threading.main_thread():  # only the main thread gets signals
        yield
        return
    previous = signal.signal(signal.SIGINT, stop), signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])


@click.command("parse")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="output directory")
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=None, help="worker processes [default: all cores]"
)
@click.option("--no-cache", is_flag=True, help="parse every file again; neither read nor write the cache")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="where parse results are cached [default: OUT/.cache]",
)
@click.option(
    "--executor",
    type=click.Choice(["process", "dask"]),
    default="process",
    show_default=True,
    help="run on a local process pool or on a dask.distributed cluster",
)
@click.option("--scheduler", metavar="ADDRESS", default=None, help="dask scheduler, e.g. tcp://10.0.0.5:8786")
@click.option(
    "--progress/--no-progress", default=None, help="progress bar [default: when stderr is a terminal]"
)
@click.option(
    "--config",
    "config",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="run options from a TOML file (e.g. file_timeout = 60, [pdf] max_pages = 20)",
)
@click.option(
    "--set",
    "assignments",
    metavar="NAME=VALUE",
    multiple=True,
    help="a run option, e.g. --set pdf.max_seconds=10 (repeatable; after --config)",
)
@click.option(
    "--file-timeout",
    metavar="SECONDS",
    type=click.FloatRange(min=0),
    default=None,
    help="stop a file's parse after this long and record it as failed (0: no limit) [default: 120]",
)
@click.option(
    "--max-memory",
    metavar="GIB",
    type=click.FloatRange(min=0),
    default=None,
    help="memory each worker process may use; a file needing more is recorded as failed "
    "(0: no limit) [default: 4]",
)
@click.option(
    "--corrections",
    "corrections",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="corrections file (CSV, or a filled review sheet .csv/.xlsx) applied after parsing; repeatable. "
    "A corrections.csv at the top of a CORPUS folder is applied too",
)
@click.option(
    "--organs",
    "organs",
    type=click.Path(exists=True, dir_okay=False),
    help="organ crosswalk (organs.csv: organ,place,years,organ_id,organ_name) applied on top of the "
    "automatic organ_id; an organs.csv at the top of a CORPUS folder is applied too, after it",
)
def parse_command(
    corpus: tuple[str, ...],
    out_dir: str,
    jobs: int | None,
    no_cache: bool,
    cache_dir: str | None,
    executor: str,
    scheduler: str | None,
    progress: bool | None,
    config: str | None,
    assignments: tuple[str, ...],
    corrections: tuple[str, ...] = (),
    organs: str | None = None,
    file_timeout: float | None = None,
    max_memory: float | None = None,
) -> None:
    """Parse CORPUS (files, directories, .zip archives) into five parquet files in --out.

    Files already parsed by this version of nianbao are taken from the cache, so re-running a
    grown corpus parses only the new files, and a killed run resumes where it stopped.
    """
    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler needs --executor dask")
    options = _limits(_options(config, assignments), file_timeout, max_memory)
    out = Path(out_dir)
    _check_writable(out)
    try:
        with _interruptible():
            result = read_corpus(
                list(corpus),
                out=out,
                jobs=jobs,
                cache=not no_cache,
                cache_dir=cache_dir,
                executor="dask" if executor == "dask" else "process",
                scheduler=scheduler,
                progress=progress,
                options=options,
                corrections=list(corrections),
                organs=organs,
            )
    except _Interrupted as e:
        kept = "nothing was kept (--no-cache)" if no_cache else "the files finished so far are cached"
        click.echo(f"\ninterrupted: {kept}; run the same command again to resume", err=True)
        sys.exit(e.status)
    except CacheWriteError as e:
        raise click.ClickException(f"{e}; the previous outputs in {shown_path(out)} are untouched") from e
    except NianbaoError as e:
        raise click.ClickException(str(e)) from e
    except OSError as e:  # not a write of ours: say what and where, without the raw [Errno N]
        where = f" ({shown_path(os.fsdecode(e.filename))})" if e.filename else ""
        raise click.ClickException(f"{write_failure(e)}{where}; check the path and run again") from e
    click.echo(result.summary(out_dir=os.fspath(out)))
