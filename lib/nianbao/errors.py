"""One root exception and a few domain subclasses.

``read_corpus`` never raises these for a single bad file: it records them as a ``reports`` row with
status ``failed`` or ``not_a_report`` and the message as ``error``. ``read_report`` raises them only
when asked to (``errors="raise"``), and the CLI turns them into messages that say what to do.
"""

from __future__ import annotations

__all__ = ["NianbaoError", "NotAReport", "UnreadableFile"]


class NianbaoError(Exception):
    """Root of every error nianbao raises on purpose."""


class UnreadableFile(NianbaoError):
    """The file could not be read: empty, binary, encrypted, truncated, too large, no text layer."""


class NotAReport(NianbaoError):
    """The file was read but is not an annual report on open government information."""
