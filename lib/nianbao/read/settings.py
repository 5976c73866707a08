"""What every reader's settings class shares: made from None, a plain mapping or an instance, with
unknown names refused (a misspelt setting is an error, not silently the default)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

__all__ = ["resolve_settings"]

S = TypeVar("S")


def resolve_settings(cls: type[S], value: S | Mapping[str, Any] | None, what: str) -> S:
    """``cls`` from None (defaults), a plain dict (e.g. a papermill parameter) or an instance.

    ``what`` names the settings in messages ("PDF", "OCR").

    >>> from nianbao.read.pdf_settings import PdfSettings
    >>> resolve_settings(PdfSettings, {"max_pages": 5}, "PDF").max_pages
    5
    >>> resolve_settings(PdfSettings, {"max_page": 5}, "PDF")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: unknown PDF setting(s) ['max_page']; known: ...
    """
    if value is None:
        return cls()
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown {what} setting(s) {unknown}; known: {', '.join(sorted(known))}")
        return cls(**value)
    raise TypeError(f"{what} settings must be a dict or {cls.__name__}, not {type(value).__name__}")
