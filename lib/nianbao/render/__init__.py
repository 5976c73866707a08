"""Offline HTML: the altair renderer, the nbconvert template and the report pipeline.

>>> from nianbao.render import template_dir
>>> (template_dir() / "nianbao" / "conf.json").is_file()
True
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from nianbao.render.offline import chart_html, enable_offline, reset, safe_json

__all__ = ["chart_html", "enable_offline", "reset", "run_report", "safe_json", "template_dir"]


def template_dir() -> Path:
    """The folder holding the ``nianbao`` nbconvert template (package data), found through
    :mod:`importlib.resources` so it works from an installed wheel as from the checkout.

    >>> sorted(p.name for p in (template_dir() / "nianbao").iterdir() if p.suffix in (".json", ".j2"))
    ['conf.json', 'index.html.j2']
    """
    return Path(str(resources.files("nianbao.render") / "template"))


def __getattr__(name: str) -> object:
    # The pipeline imports papermill and nbconvert (the "notebooks" extra); load them only when asked.
    if name == "run_report":
        from nianbao.render.pipeline import run_report  # noqa: PLC0415 (papermill and nbconvert, only to render)

        return run_report
    raise AttributeError(name)
