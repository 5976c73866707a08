"""Fixtures of the analysis tests: frames with known values and rendered reports (helpers in
``tests/analysis_frames.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from analysis_frames import (
    EXPECTED,
    SEEDS,
    Rendered,
    Synthetic,
    frames_of,
    make_synthetic,
    render,
    result_from_truth,
    write_parsed,
)
from nianbao.analysis import metrics


@pytest.fixture(scope="session")
def seed_truths() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXPECTED.glob("*.json"))]


@pytest.fixture(scope="session")
def seed_frames(seed_truths: list[dict[str, Any]]) -> metrics.Frames:
    return frames_of([result_from_truth(t) for t in seed_truths])


@pytest.fixture(scope="session")
def synthetic() -> Synthetic:
    return make_synthetic()


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory, synthetic: Synthetic) -> Path:
    return write_parsed(synthetic.frames, tmp_path_factory.mktemp("synthetic") / "parsed")


@pytest.fixture(scope="session")
def seeds_dir(tmp_path_factory: pytest.TempPathFactory, seed_frames: metrics.Frames) -> Path:
    return write_parsed(seed_frames, tmp_path_factory.mktemp("seeds") / "parsed")


@pytest.fixture(scope="session")
def seeds_parsed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed reports through the parser, as `make report CORPUS=../shared/seeds` parses them."""
    from nianbao.corpus.run import read_corpus

    out = tmp_path_factory.mktemp("seeds-parsed")
    read_corpus(SEEDS, out=out, jobs=1, cache=False)
    return out


@pytest.fixture(scope="session")
def synthetic_report(tmp_path_factory: pytest.TempPathFactory, synthetic_dir: Path) -> Rendered:
    """The five notebooks rendered with their default parameters on the synthetic corpus."""
    return render(synthetic_dir, tmp_path_factory.mktemp("report-synthetic"))


@pytest.fixture(scope="session")
def seeds_report(tmp_path_factory: pytest.TempPathFactory, seeds_parsed_dir: Path) -> Rendered:
    """The five notebooks rendered with their default parameters on the parsed seeds."""
    return render(seeds_parsed_dir, tmp_path_factory.mktemp("report-seeds"))


@pytest.fixture(scope="session")
def synthetic_report_en(tmp_path_factory: pytest.TempPathFactory, synthetic_dir: Path) -> Rendered:
    """The five notebooks in English, flagged reports kept, on the synthetic corpus."""
    return render(
        synthetic_dir, tmp_path_factory.mktemp("report-en"), {"lang": "en", "include_flagged": True}
    )
