"""One root exception and a few domain subclasses.

``read_corpus`` never raises these for a single bad file: it records them as a ``reports`` row with
status ``failed`` or ``not_a_report`` and the message as ``error``. ``read_report`` raises them only
when asked to (``errors="raise"``), and the CLI turns them into messages that say what to do.
"""

from __future__ import annotations

import logging

__all__ = ["NianbaoError", "NoTextLayer", "NotAReport", "UnreadableFile", "internal_error"]

log = logging.getLogger("nianbao")


class NianbaoError(Exception):
    """Root of every error nianbao raises on purpose."""


class UnreadableFile(NianbaoError):
    """The file could not be read: empty, binary, encrypted, truncated, too large, no text layer."""


class NoTextLayer(UnreadableFile):
    """A PDF without usable text (scanned page images): the OCR reader can read it instead."""


class NotAReport(NianbaoError):
    """The file was read but is not an annual report on open government information."""


def internal_error(e: BaseException, path: str = "", doing: str = "parsing it") -> str:
    """The row's error for a bug of ours met on a file: plain words and what to do.

    The exception itself (type, message, traceback) is logged at INFO on the ``nianbao`` logger,
    never put in the row: ``logging.basicConfig(level="INFO")`` shows it when debugging.

    >>> internal_error(KeyError("x"), "a.txt")
    'nianbao failed on this file while parsing it (a bug in nianbao, not in the file); please report it with the file'
    """
    log.info("internal error on %s while %s", path or "a file", doing, exc_info=e)
    return f"nianbao failed on this file while {doing} (a bug in nianbao, not in the file); please report it with the file"
