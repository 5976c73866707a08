"""The names the README shows work as shown, and ``import nianbao`` stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import nianbao

SEED = Path(__file__).parents[2] / "shared" / "seeds" / "001_752a671dabfd990e.txt"


def test_read_report_from_the_package_reads_a_seed() -> None:
    report = nianbao.read_report(SEED)
    assert isinstance(report, nianbao.ReportFrames)
    assert report.reports["status"].item() == "ok"
    granted = report.applications.filter(outcome="granted", applicant="total")["value"].item()
    assert granted == 14


def test_import_nianbao_does_not_load_the_parser_stack() -> None:
    code = "import sys, nianbao; print(sorted(m for m in ('pdfminer', 'docx', 'opencc', 'altair') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="read_reports"):
        nianbao.read_reports  # type: ignore[attr-defined]  # noqa: B018


def test_every_exception_the_package_defines_has_one_root() -> None:
    import importlib
    import pkgutil

    import nianbao
    from nianbao.errors import NianbaoError

    found = []
    for info in pkgutil.walk_packages(nianbao.__path__, "nianbao."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            is_error = isinstance(obj, type) and issubclass(obj, BaseException)
            if is_error and obj.__module__ == info.name and not name.startswith("_"):
                found.append(obj)
    assert found, "no exception classes found: the walk is broken"
    # An interrupt raised into a parse (parse.timelimit.FileTimeout) is a BaseException on purpose,
    # so the parser's `except Exception` cannot swallow it; it never reaches a caller.
    interrupts = [e.__name__ for e in found if not issubclass(e, Exception)]
    assert interrupts == ["FileTimeout"]
    assert [e.__name__ for e in found if issubclass(e, Exception) and not issubclass(e, NianbaoError)] == []


def test_no_module_is_over_600_lines() -> None:
    from pathlib import Path

    lib = Path(__file__).resolve().parents[1] / "lib" / "nianbao"
    sizes = {
        p.relative_to(lib).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in lib.rglob("*.py")
    }
    assert len(sizes) > 50
    assert {name: n for name, n in sizes.items() if n > 600} == {}


def test_every_public_function_has_a_runnable_example() -> None:
    """Each function a module exports (``__all__``) shows its use in a ``>>>`` example, which
    pytest's ``--doctest-modules`` runs, so an example that stops matching the code fails CI."""
    import importlib
    import inspect
    import pkgutil

    public, bare = 0, []
    for info in pkgutil.walk_packages(nianbao.__path__, "nianbao."):
        if ".notebooks" in info.name:  # package data (the notebooks), not modules
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if inspect.isfunction(obj) and obj.__module__ == module.__name__:
                public += 1
                if ">>>" not in (obj.__doc__ or ""):
                    bare.append(f"{info.name}.{name}")
    assert public > 200, "the walk found too few public functions: it is broken"
    assert bare == []
