"""The five frames of a run, in path order, from the result cache and the rows made outside it.

Each file of a run is one of three: its rows are in the cache by key (``keyed``), they were made
by the coordinating process (``direct``: unreadable, over a limit, stopped), or it is a
byte-identical copy of an earlier file (``duplicates``: a reports row only). Every row keeps its
file's order number while the parts are merged, never sorted whole: the cached part can be millions
of rows.
"""

from __future__ import annotations

import polars as pl

from nianbao.corpus.cache import KEY_COLUMN, ResultCache
from nianbao.errors import NianbaoError
from nianbao.fields import FRAME_NAMES, FRAME_SCHEMAS
from nianbao.parse.result import FileResult, to_frames

__all__ = ["assemble"]

_ORDER, _PATH = "_order", "_path"


def assemble(
    keyed: list[tuple[int, str, str]],
    direct: list[tuple[int, FileResult]],
    duplicates: list[tuple[int, str, int]],
    rc: ResultCache,
) -> dict[str, pl.DataFrame]:
    """The five frames in path order: cached rows by key, rows made here, then duplicates' rows.

    ``keyed`` is (order, displayed path, cache key), ``direct`` (order, result), ``duplicates``
    (order, displayed path, order of the first copy); each sorted by order.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d, ResultCache(d, version="v") as rc:
    ...     ok = FileResult({"report_id": "a", "path": "a.txt", "status": "ok"})
    ...     f = assemble([], [(0, ok)], [(1, "copy.txt", 0)], rc)
    ...     f["reports"].select("path", "status", "duplicate_of").rows()
    [('a.txt', 'ok', None), ('copy.txt', 'duplicate', 'a')]
    """
    wanted = pl.DataFrame(
        keyed, schema={_ORDER: pl.Int64, _PATH: pl.String, KEY_COLUMN: pl.String}, orient="row"
    )
    located = wanted.join(rc.index(), on=KEY_COLUMN, how="inner", maintain_order="left")
    if located.height != wanted.height:  # only if the cache was deleted under a running parse
        raise NianbaoError("results vanished from the cache during the run; run again")
    made = _with_order(direct)
    out: dict[str, pl.DataFrame] = {}
    for name in FRAME_NAMES:
        cols = FRAME_SCHEMAS[name].names()
        lf = rc.select(name, located.drop(KEY_COLUMN))
        if name == "reports":
            lf = lf.with_columns(pl.col(_PATH).alias("path"))
        out[name] = _merge_by_order(lf.select(_ORDER, *cols).collect(), made[name].select(_ORDER, *cols))
    out["reports"] = _merge_by_order(out["reports"], _duplicate_rows(duplicates, out["reports"]))
    return {name: out[name].drop(_ORDER).cast(FRAME_SCHEMAS[name]) for name in FRAME_NAMES}


def _merge_by_order(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
    """Two frames each sorted by file order, merged (no full sort: the cached part can be millions of rows)."""
    if not b.height:
        return a
    if not a.height:
        return b
    return a.merge_sorted(b, key=_ORDER)


def _with_order(rows: list[tuple[int, FileResult]]) -> dict[str, pl.DataFrame]:
    """The five frames of these results, each row with its file's order (``_ORDER``), sorted by it."""
    orders = pl.Series(_ORDER, [o for o, _ in rows], pl.Int64)
    frames = to_frames([r for _, r in rows], file_ids=_ORDER)
    return {
        n: f.with_columns(orders.gather(f.get_column(_ORDER))).sort(_ORDER, maintain_order=True)
        for n, f in frames.items()
    }


def _duplicate_rows(duplicates: list[tuple[int, str, int]], reports: pl.DataFrame) -> pl.DataFrame:
    """Reports rows of byte-identical copies: the first copy's id and format, no other facts."""
    dups = pl.DataFrame(
        duplicates, schema={_ORDER: pl.Int64, "path": pl.String, "_first": pl.Int64}, orient="row"
    )
    first = reports.select(pl.col(_ORDER).alias("_first"), "report_id", "format")
    rows = dups.join(first, on="_first", how="left").with_columns(
        status=pl.lit("duplicate").cast(FRAME_SCHEMAS["reports"]["status"]),
        duplicate_of=pl.col("report_id"),
        parse_seconds=pl.lit(0.0),
    )
    empty = pl.DataFrame(schema={_ORDER: pl.Int64, **FRAME_SCHEMAS["reports"]})
    return pl.concat([empty, rows.drop("_first")], how="diagonal").select(empty.columns)
