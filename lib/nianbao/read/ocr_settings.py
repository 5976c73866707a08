"""Settings of the OCR reader (:mod:`nianbao.read.ocr`), kept apart so that a run's options can
name them without importing the recogniser and numpy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from nianbao.read.settings import resolve_settings

__all__ = ["OcrMode", "OcrSettings"]

OcrMode = Literal["auto", "off", "force"]
_MODES = ("auto", "off", "force")


@dataclass(frozen=True)
class OcrSettings:
    """How scanned pages are read.

    ``mode``: ``auto`` recognises only what has no text layer (image files, PDFs without text, and
    the scanned pages of a PDF whose other pages have text), ``off`` never recognises (such files fail with a message saying so), ``force`` recognises every
    PDF page even when it has text. ``dpi``: the resolution pages are recognised at (PDF pages are
    rendered at it; images far from it are scaled to it). ``page_seconds``: a page's recognition
    stops after this long (a note says so). ``min_confidence``: cells recognised less surely are
    reported by an ``ocr_low_confidence`` check.

    >>> OcrSettings.resolve({"mode": "off"}).mode
    'off'
    >>> OcrSettings.resolve({"dpi": 200, "speed": 1})
    Traceback (most recent call last):
    ...
    ValueError: unknown OCR setting(s) ['speed']; known: dpi, max_pages, min_confidence, mode, page_seconds
    """

    mode: OcrMode = "auto"
    dpi: int = 150
    page_seconds: float = 20.0
    min_confidence: float = 0.9
    max_pages: int = 30

    def __post_init__(self) -> None:
        if self.mode not in _MODES:
            raise ValueError(f"OCR setting mode must be one of {', '.join(_MODES)}, not {self.mode!r}")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "mode":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"OCR setting {f.name} must be a positive number, not {value!r}")
        if not 72 <= self.dpi <= 600:
            raise ValueError(f"OCR setting dpi must be between 72 and 600, not {self.dpi!r}")
        if self.min_confidence > 1:
            raise ValueError(f"OCR setting min_confidence must be at most 1, not {self.min_confidence!r}")

    @classmethod
    def resolve(cls, value: OcrSettings | Mapping[str, Any] | None = None) -> OcrSettings:
        """Settings from None (defaults), a plain dict (e.g. a papermill parameter) or an instance."""
        return resolve_settings(cls, value, "OCR")
