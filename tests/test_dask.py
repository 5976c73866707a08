"""The dask executor: the same per-file work on a dask.distributed cluster gives the same outputs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from nianbao.cli import cli
from nianbao.corpus.run import Corpus, read_corpus
from nianbao.fields import FRAME_NAMES

distributed = pytest.importorskip("distributed")

SHARED = Path(__file__).parents[1] / ".." / "shared"
pytestmark = pytest.mark.slow


def _corpus(root: Path) -> Path:
    """The shared seeds and real files, a subdirectory, a zip of copies and a junk file."""
    import zipfile

    root.mkdir(parents=True)
    files = sorted((SHARED / "seeds").glob("*.txt")) + sorted(
        (SHARED / "corpus" / "real" / "files").iterdir()
    )
    for i, p in enumerate(files):
        target = root / ("sub" if i % 2 else "") / p.name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(p.read_bytes())
    with zipfile.ZipFile(root / "batch.zip", "w") as zf:
        zf.writestr("copy.txt", files[0].read_bytes())
        zf.writestr("altered.txt", files[1].read_bytes() + b"\n")
    (root / "junk.html").write_bytes(b"\xff\xfe\x00garbage")
    return root


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as c:
        yield c


def _comparable(c: Corpus) -> dict[str, pl.DataFrame]:
    """Frames sorted by report and path, without the timing column."""
    out = {}
    for name in FRAME_NAMES:
        df = c.frames[name]
        if name == "reports":
            df = df.drop("parse_seconds").sort("path")
        out[name] = df
    return out


def test_dask_gives_the_same_frames_as_the_local_pool(tmp_path: Path, cluster: object) -> None:
    root = _corpus(tmp_path / "c")
    local = read_corpus(root, jobs=1, cache=False, progress=False)
    with distributed.Client(cluster) as client:
        remote = read_corpus(root, executor="dask", client=client, cache=False, progress=False)
    assert remote.stats.executor == "dask"
    assert remote.stats.parsed == local.stats.parsed == 10
    assert remote.reports.height == 11
    got, want = _comparable(remote), _comparable(local)
    for name in FRAME_NAMES:
        assert_frame_equal(got[name], want[name])


def test_the_command_with_a_scheduler_address_writes_the_same_outputs(
    tmp_path: Path, cluster: object
) -> None:
    root = _corpus(tmp_path / "c")
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    runner = CliRunner()
    local = runner.invoke(
        cli, ["parse", str(root), "--out", str(tmp_path / "local"), "-j", "2", "--no-cache"]
    )
    assert local.exit_code == 0, local.output
    remote = runner.invoke(
        cli,
        ["parse", str(root), "--out", str(tmp_path / "dask"), "--executor", "dask", "--scheduler", address],
    )
    assert remote.exit_code == 0, remote.output
    assert "parsed (on dask)" in remote.output
    got, want = _comparable(Corpus.read(tmp_path / "dask")), _comparable(Corpus.read(tmp_path / "local"))
    for name in FRAME_NAMES:
        assert_frame_equal(got[name], want[name])


def test_dask_workers_resolve_with_each_run_s_places_file(tmp_path: Path, cluster: object) -> None:
    """Workers outlive runs: the second run's places.csv, not the first's, must decide."""
    from nianbao.synth.generate import generate
    from nianbao.synth.truth import load_truths

    root = tmp_path / "demo"
    generate(root, 12, formats=("txt", "html"), seed=5)
    truth = {t["source"]: (t["province"], t["county"]) for t in load_truths(root / "expected")}
    with distributed.Client(cluster) as client:
        first = read_corpus(root, executor="dask", client=client, cache=False, progress=False)
        assert dict(first.reports.select("path", pl.concat_list("province", "county")).iter_rows()) == {
            p: list(v) for p, v in truth.items()
        }
        places = (root / "places.csv").read_text(encoding="utf-8")
        for province in {p for p, _ in truth.values()}:
            places = places.replace(f",{province},", f",{province}甲,")  # the province column of every row
        (root / "places.csv").write_text(places, encoding="utf-8")
        second = read_corpus(root, executor="dask", client=client, cache=False, progress=False)
    assert dict(second.reports.select("path", pl.concat_list("province", "county")).iter_rows()) == {
        p: [f"{province}甲", county] for p, (province, county) in truth.items()
    }
