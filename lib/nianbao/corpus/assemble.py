"""The five frames of a run, in path order, from the result cache and the rows made outside it.

Each file of a run is one of three: its rows are in the cache by key (``keyed``), they were made
by the coordinating process (``direct``: unreadable, over a limit, stopped), or it is a
byte-identical copy of an earlier file (``duplicates``: a reports row only). Every row keeps its
file's order number while the parts are merged, never sorted whole: the cached part can be millions
of rows.

Cached rows are taken by position, not by a join: a segment stores each file's rows together (one
block per ``_kid``), so the rows in path order are the wanted files' blocks one after another,
gathered from the segments' frames as read. At 100,000 reports (17 million applications rows) a join
on (segment, id) held the input, its key columns, the join's indices and the output at once, ~1.5 GiB
over the result; the gather holds the input, one index per row and the output. A segment whose rows
of one file are not together (none written by nianbao) is read through the join instead.
"""

from __future__ import annotations

import polars as pl

from nianbao.corpus.cache import ID_COLUMN, KEY_COLUMN, ResultCache
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
    located = located.drop(KEY_COLUMN)
    out: dict[str, pl.DataFrame] = {}
    for name in FRAME_NAMES:
        cols = FRAME_SCHEMAS[name].names()
        ordered = name == "reports" or made[name].height > 0  # the file order, to merge by (8 bytes a row)
        cached = _gathered(rc, name, located, ordered)
        if cached is None:
            cached = rc.select(name, located).collect()
        if name == "reports":
            cached = cached.with_columns(pl.col(_PATH).alias("path"))
        if ordered:
            out[name] = _merge_by_order(cached.select(_ORDER, *cols), made[name].select(_ORDER, *cols))
        else:
            out[name] = cached.select(cols)
        del cached
    out["reports"] = _merge_by_order(out["reports"], _duplicate_rows(duplicates, out["reports"]))
    return {name: out[name].drop(_ORDER, strict=False).cast(FRAME_SCHEMAS[name]) for name in FRAME_NAMES}


def _gathered(rc: ResultCache, frame: str, located: pl.DataFrame, ordered: bool) -> pl.DataFrame | None:
    """The cached rows of ``frame`` for ``located``'s files (``_ORDER``, ``_PATH``, segment, id), in its order.

    With ``ordered`` each row has its file's ``_ORDER`` (and for ``reports`` its ``_PATH``).

    Each file's rows are its block in its segment: the blocks' positions come from the run lengths
    of the segment's ``_kid`` column, and the rows are gathered by position (see the module docstring).
    None when some segment keeps a file's rows apart (then only a join can select them).
    """
    cols = FRAME_SCHEMAS[frame].names()
    segments = located.get_column("segment").unique().sort().to_list()
    parts, blocks, base = [], [], 0
    for seg in segments:
        rows = rc.scan(frame, [seg]).select(ID_COLUMN, *cols).collect()
        runs = rows.get_column(ID_COLUMN).rle().struct.unnest()  # len, value: one run per block
        if runs.get_column("value").n_unique() != runs.height:
            return None
        lengths = runs.get_column("len").cast(pl.Int64)
        blocks.append(
            pl.DataFrame(
                {
                    "segment": pl.Series([seg] * runs.height, dtype=pl.String),
                    ID_COLUMN: runs.get_column("value"),
                    "_start": lengths.cum_sum() - lengths + base,
                    "_len": lengths,
                }
            )
        )
        parts.append(rows.drop(ID_COLUMN))
        base += rows.height
        del rows
    if not parts:  # no cached file: the join makes the empty frame
        return None
    where = located.join(pl.concat(blocks), on=["segment", ID_COLUMN], how="left", maintain_order="left")
    where = where.filter(pl.col("_len").is_not_null())  # files without rows in this frame
    index = _positions(where.get_column("_start"), where.get_column("_len"), base)
    rows = pl.concat(parts, rechunk=False)
    del parts
    columns = {}
    for name in rows.columns:  # one column at a time, each read column let go once gathered
        columns[name] = rows.get_column(name).gather(index)
        rows = rows.drop(name)
    picked = pl.DataFrame(columns)
    del columns, index
    if not ordered:
        return picked
    keep = [_ORDER, _PATH] if frame == "reports" else [_ORDER]  # each row's file's order (and path)
    return picked.with_columns(where.select(pl.col(keep).repeat_by("_len").explode()))


def _positions(starts: pl.Series, lengths: pl.Series, rows: int) -> pl.Series:
    """Row positions of the blocks (start, length) one after another: [s0, s0+1, ..., s1, s1+1, ...].

    Each position is the output's row number plus its block's shift (start minus where the block
    begins in the output): one repeat and one add in numpy, 4 bytes a row (polars' int_ranges
    built the list column first, six times as much).

    >>> _positions(pl.Series([5, 0]), pl.Series([2, 3]), 7).to_list()
    [5, 6, 0, 1, 2]
    """
    import numpy as np  # noqa: PLC0415 (only when assembling: `nianbao parse --help` starts without it)

    n = lengths.to_numpy().astype(np.int64)
    shifts = starts.to_numpy().astype(np.int64) - (np.cumsum(n) - n)
    index = np.repeat(shifts, n)
    index += np.arange(index.size, dtype=np.int64)
    return pl.Series(index.astype(np.uint32 if rows < 2**32 else np.int64))


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
