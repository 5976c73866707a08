"""The package as a user installs it: a wheel built from the checkout, in a fresh virtualenv outside it."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv outside the checkout holding only the wheel; its dependencies are this
    environment's (a path entry, so the editable install of the checkout is not seen there)."""
    tmp = tmp_path_factory.mktemp("installed")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp, ROOT],
        check=True,
        cwd=tmp,
    )
    (wheel,) = tmp.glob("nianbao-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "nianbao/notebooks/00_corpus_overview.ipynb" in names
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    with zipfile.ZipFile(wheel) as zf:  # what pip does for a pure wheel, without pip in the new venv
        zf.extractall(site)
    return env_dir


def _env() -> dict[str, str]:
    """This environment less the checkout; the dependencies' data files (nbconvert's templates,
    the kernel spec) are this environment's too, as a pip install would have put them in the venv."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["JUPYTER_PATH"] = str(Path(sysconfig.get_paths()["data"]) / "share" / "jupyter")
    return env


def _run(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = _env()
    code = "import sys; from nianbao.cli import main; sys.argv[0] = 'nianbao'; main()"
    return subprocess.run(
        [env_dir / "bin" / "python", "-c", code, *args],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.slow
def test_the_installed_package_parses_and_renders(installed: Path, tmp_path: Path) -> None:
    where = _run(installed, "--version", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    located = subprocess.run(
        [installed / "bin" / "python", "-c", "import nianbao; print(nianbao.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    )
    assert str(installed) in located.stdout  # the wheel's copy, not the checkout
    parsed = _run(
        installed, "parse", str(SEEDS), "--out", str(tmp_path / "parsed"), "--no-progress", cwd=tmp_path
    )
    assert parsed.returncode == 0, parsed.stderr
    assert pl.read_parquet(tmp_path / "parsed" / "reports.parquet").height == 5
    page = _run(
        installed, "report", "--parsed", str(tmp_path / "parsed"), "--out", str(tmp_path / "out"),
        "--only", "00", cwd=tmp_path,
    )  # fmt: skip
    assert page.returncode == 0, page.stdout + page.stderr
    html = (tmp_path / "out" / "00_corpus_overview.html").read_text(encoding="utf-8")
    assert '<script src="http' not in html
    assert (tmp_path / "out" / "index.html").is_file()
