"""Assembling frames from the cache: rows gathered by position equal the join's, in path order.

A cache of several segments holds files whose rows are in no particular order against the run's
path order (and files the run does not want); the gather (blocks of rows by position) must give
exactly the rows the join on (segment, id) gives, in the same order, and a segment that keeps one
file's rows apart must still be read right (through the join).
"""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from nianbao.corpus.assemble import _gathered, _positions, assemble
from nianbao.corpus.cache import ResultCache
from nianbao.corpus.parallel import batch_frames
from nianbao.fields import FRAME_NAMES, FRAME_SCHEMAS
from nianbao.parse.result import FileResult

RESULTS = FRAME_SCHEMAS["litigation"]["result"].categories.to_list()


def result(i: int) -> FileResult:
    """File ``i``: ``i % 4`` litigation rows and ``i % 3`` checks, each telling its file and position."""
    rid = f"r{i:03d}"
    return FileResult(
        report={"report_id": rid, "path": f"stored-{i}.txt", "status": "ok", "year": 2000 + i},
        litigation=[(rid, "administrative_review", RESULTS[j % 5], 100 * i + j) for j in range(i % 4)],
        checks=[(rid, "blank_cells", "warning", f"t{j}", None, None, f"{i}/{j}") for j in range(i % 3)],
    )


def join_path(rc: ResultCache, keyed: list[tuple[int, str, str]]) -> dict[str, pl.DataFrame]:
    """What the join on (segment, id) gives: the reference the gather must equal."""
    wanted = pl.DataFrame(
        keyed, schema={"_order": pl.Int64, "_path": pl.String, "_key": pl.String}, orient="row"
    )
    located = wanted.join(rc.index(), on="_key", how="inner", maintain_order="left").drop("_key")
    out = {}
    for name in FRAME_NAMES:
        lf = rc.select(name, located)
        if name == "reports":
            lf = lf.with_columns(pl.col("_path").alias("path"))
        out[name] = lf.select(FRAME_SCHEMAS[name].names()).collect().cast(FRAME_SCHEMAS[name])
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gathered_rows_equal_the_join_over_several_segments(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    files = list(range(40))
    with ResultCache(tmp_path, version="v") as rc:
        for lo in range(0, 40, 13):  # four segments, the files of each in a shuffled order
            batch = files[lo : lo + 13]
            rng.shuffle(batch)
            rc.write_segment([batch_frames([(f"k{i}", result(i)) for i in batch], first_id=lo)])
        wanted = rng.sample(files, 30)  # the run wants 30 of them (others are another corpus's), in its order
        keyed = [(order, f"shown-{i}.txt", f"k{i}") for order, i in enumerate(wanted)]
        got = assemble(keyed, [], [], rc)
        want = join_path(rc, keyed)
    for name in FRAME_NAMES:
        assert_frame_equal(got[name], want[name])
    assert got["reports"]["path"].to_list() == [f"shown-{i}.txt" for i in wanted]
    lit = [v for i in wanted for v in range(100 * i, 100 * i + i % 4)]
    assert got["litigation"]["value"].to_list() == lit  # path order, then each file's own order


def test_a_segment_that_keeps_a_files_rows_apart_is_read_through_the_join(tmp_path: Path) -> None:
    a, b = batch_frames([("k0", result(3)), ("k1", result(7))]), batch_frames([("k2", result(5))], first_id=2)
    stray = a["litigation"].head(1).with_columns(value=pl.lit(999, pl.Int64))  # a later row of file 0
    b["litigation"] = pl.concat([b["litigation"], stray])
    with ResultCache(tmp_path, version="v") as rc:
        rc.write_segment([a, b])  # litigation rows by file: 0 0 0 1 1 1 2 0
        keyed = [(0, "x.txt", "k2"), (1, "y.txt", "k0"), (2, "z.txt", "k1")]
        got = assemble(keyed, [], [], rc)
        want = join_path(rc, keyed)
    for name in FRAME_NAMES:
        assert_frame_equal(got[name], want[name])
        located = rc.index().with_columns(_order=pl.int_range(3, dtype=pl.Int64), _path=pl.lit("p"))
        assert _gathered(rc, "litigation", located, True) is None  # the join it was
        assert _gathered(rc, "checks", located, True) is not None  # its checks rows are together
    assert got["litigation"]["value"].to_list() == [500, 300, 301, 302, 999, 700, 701, 702]


def test_rows_made_outside_the_cache_and_duplicates_merge_in_path_order(tmp_path: Path) -> None:
    with ResultCache(tmp_path, version="v") as rc:
        rc.write_segment([batch_frames([("k0", result(3)), ("k1", result(6))])])
        got = assemble([(0, "a.txt", "k1"), (2, "c.txt", "k0")], [(1, result(5))], [(3, "d.txt", 0)], rc)
    assert got["reports"].select("path", "status", "duplicate_of").rows() == [
        ("a.txt", "ok", None),
        ("stored-5.txt", "ok", None),
        ("c.txt", "ok", None),
        ("d.txt", "duplicate", "r006"),
    ]
    assert got["litigation"]["value"].to_list() == [600, 601, 500, 300, 301, 302]


def test_positions_lay_blocks_end_to_end() -> None:
    index = _positions(pl.Series([10, 0, 4]), pl.Series([3, 2, 1]), 13)
    assert (index.to_list(), index.dtype) == ([10, 11, 12, 0, 1, 4], pl.UInt32)
    assert _positions(pl.Series([2**32]), pl.Series([2]), 2**32 + 2).to_list() == [2**32, 2**32 + 1]
