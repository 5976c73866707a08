"""The one-screen summary ``nianbao parse`` prints: files by status, where results came from, checks.

Every path in it goes through :func:`nianbao.names.shown_path`, so a name that is not UTF-8
prints as readable text, never as a ``UnicodeEncodeError`` at the very end of a long run; notes the
run made on the way (a damaged cache segment dropped) are listed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from nianbao.fields import FRAME_NAMES
from nianbao.names import shown_path

if TYPE_CHECKING:
    from nianbao.corpus.run import Corpus

__all__ = ["summarize"]


def summarize(corpus: Corpus, out_dir: str | os.PathLike[str] | None = None, failures: int = 5) -> str:
    """The one-screen summary printed by ``nianbao parse``.

    >>> from nianbao.corpus.run import Corpus, RunStats
    >>> from nianbao.parse.result import FileResult, to_frames
    >>> ok = FileResult({"report_id": "a", "path": "a.txt", "status": "ok"})
    >>> bad = FileResult({"report_id": "b", "path": "b.pdf", "status": "failed", "error": "damaged PDF"})
    >>> print(summarize(Corpus(**to_frames([ok, bad]), stats=RunStats(files=2, parsed=2, seconds=0.42))))
    2 files in 0.4 s: 2 parsed (1 jobs), 0 from cache, 0 byte-identical duplicates, 0 unreadable
    status:   ok 1 · failed 1
    checks:   none
    failed or not a report (1; first 1):
      b.pdf: damaged PDF
    """
    s = corpus.stats
    r, c = corpus.reports, corpus.checks
    how = "on dask" if s.executor == "dask" else f"{s.jobs} jobs"
    lines = [
        f"{s.files:,} files in {s.seconds:.1f} s: {s.parsed:,} parsed ({how}), "
        f"{s.cached:,} from cache, {s.duplicates:,} byte-identical duplicates, {s.unread:,} unreadable",
        "status:   " + _counts(r, "status"),
        "checks:   " + (_counts(c, "severity") or "none"),
    ]
    if c.height:
        top = c.group_by("check").len().sort(["len", "check"], descending=[True, False]).head(6)
        lines.append("  most:   " + ", ".join(f"{k} {n:,}" for k, n in top.iter_rows()))
    if s.places_files:
        lines.append(f"places:   {s.aliases:,} aliases from {', '.join(map(shown_path, s.places_files))}")
    if s.organs_files:
        lines.append(f"organs:   crosswalk {', '.join(map(shown_path, s.organs_files))}")
    if s.corrections_files:
        lines.append(
            f"corrected: {corpus.corrections.height:,} values from {', '.join(map(shown_path, s.corrections_files))}"
            f" ({c.filter(pl.col('check').str.starts_with('correction_')).height:,} corrections not applied)"
        )
    lines += [f"note:     {note}" for note in s.notes]
    bad = r.filter(pl.col("status").is_in(["failed", "not_a_report"]))
    if bad.height:
        lines.append(f"failed or not a report ({bad.height:,}; first {min(failures, bad.height)}):")
        rows = bad.select("path", "error").head(failures).iter_rows()
        lines += [f"  {_one_line(p)}: {_one_line(e or '')}" for p, e in rows]
    if out_dir is not None:
        names = [*FRAME_NAMES, "corrections"] if s.corrections_files else FRAME_NAMES
        written = shown_path(Path(out_dir) / ("{" + ",".join(names) + "}.parquet"))
        if s.kept:
            lines.append(f"kept:     {written} (nothing changed since the run that wrote them)")
        else:
            lines.append(f"wrote:    {written}")
    return "\n".join(lines)


def _counts(frame: pl.DataFrame, col: str) -> str:
    counts = frame.get_column(col).value_counts(sort=False)
    present = dict(counts.iter_rows())
    dtype = frame.schema[col]
    order = dtype.categories.to_list() if isinstance(dtype, pl.Enum) else sorted(present)
    return " · ".join(f"{k} {present[k]:,}" for k in order if present.get(k))


_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F]}


def _one_line(text: str) -> str:
    r"""Text kept on its line: a newline or escape code in a file name must not redraw the screen.

    >>> _one_line("a\nb\x1b[2J.txt")
    'a\\x0ab\\x1b[2J.txt'
    """
    return text.translate(_CONTROLS)
