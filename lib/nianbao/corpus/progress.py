"""A corpus run's progress bar: tqdm on a terminal, widgets in a notebook, nothing elsewhere."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

__all__ = ["progress_bar"]


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        return None


def _in_notebook() -> bool:
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return type(shell).__name__ == "ZMQInteractiveShell"


def progress_bar(total: int, progress: bool | None) -> Any:
    """tqdm on a terminal (widgets in a notebook when ipywidgets is installed); nothing otherwise.

    >>> type(progress_bar(10, progress=False)).__name__
    '_NoBar'
    >>> with progress_bar(10, progress=True) as bar:  # drawn on stderr
    ...     bar.total, bar.unit
    (10, 'file')
    """
    notebook = _in_notebook()
    if progress is None:
        progress = notebook or sys.stderr.isatty()
    if not progress:
        return _NoBar()

    if notebook and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm  # noqa: PLC0415 (needs ipywidgets, only in a notebook)
    else:
        from tqdm import tqdm  # noqa: PLC0415 (only when a bar is shown)
    return tqdm(total=total, unit="file", desc="parsing", smoothing=0.1, dynamic_ncols=True)
