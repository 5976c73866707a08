"""Where nianbao keeps its caches: one root, one subfolder per kind of cache.

The root is ``$NIANBAO_CACHE_DIR``, else ``$XDG_CACHE_HOME/nianbao``, else ``~/.cache/nianbao``.
Kinds: ``results`` (parse results by content and parser version, :mod:`nianbao.corpus.cache`;
``nianbao parse`` uses ``OUT/.cache`` instead unless told otherwise) and ``vega`` (the chart
library pasted into HTML pages, :mod:`nianbao.render.offline`, used only when its digest matches
the one shipped with the package). One function names the place, so the two never drift apart.

>>> cache_dir("vega").name
'vega'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

__all__ = ["CacheKind", "cache_dir", "cache_root"]

CacheKind = Literal["results", "vega"]
ENV = "NIANBAO_CACHE_DIR"


def cache_root() -> Path:
    """``$NIANBAO_CACHE_DIR``, else ``$XDG_CACHE_HOME/nianbao``, else ``~/.cache/nianbao``.

    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"XDG_CACHE_HOME": "/var/cache"}, clear=True):
    ...     cache_root().as_posix()
    '/var/cache/nianbao'
    """
    if env := os.environ.get(ENV):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nianbao"


def cache_dir(kind: CacheKind) -> Path:
    """The folder of one kind of cache under :func:`cache_root` (not created here).

    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"NIANBAO_CACHE_DIR": "/srv/nb"}):
    ...     cache_dir("results").as_posix()
    '/srv/nb/results'
    """
    return cache_root() / kind
