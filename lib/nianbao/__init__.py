"""nianbao (年报): parse and compare annual reports on open government information.

>>> import nianbao
>>> sorted(nianbao.FRAME_NAMES)
['applications', 'checks', 'litigation', 'proactive', 'reports']

The one-file reader (``read_report``) is loaded on first use, so that ``import nianbao`` and the
command line's start-up stay free of the parser stack (lxml, pdfminer, opencc, cpca):

>>> callable(nianbao.read_report)
True
"""

import importlib
from typing import TYPE_CHECKING, Any

from nianbao.corpus.run import read_corpus, scan
from nianbao.errors import NianbaoError, NotAReport, UnreadableFile
from nianbao.fields import FRAME_NAMES, FRAME_SCHEMAS
from nianbao.version import __version__

__all__ = [
    "FRAME_NAMES",
    "FRAME_SCHEMAS",
    "NianbaoError",
    "NotAReport",
    "ReportFrames",
    "UnreadableFile",
    "__version__",
    "read_corpus",
    "read_report",
    "scan",
]

if TYPE_CHECKING:
    from nianbao.parse.report import ReportFrames, read_report

_LAZY = {"read_report": "nianbao.parse.report", "ReportFrames": "nianbao.parse.report"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nianbao' has no attribute {name!r}")
