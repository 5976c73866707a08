"""The PDF reader's settings (``RunOptions.pdf``): one frozen, validated value per run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from nianbao.read.settings import resolve_settings

__all__ = ["ENGINES", "Engine", "PdfSettings"]

Engine = Literal["auto", "pdfium", "pdfminer"]
ENGINES: tuple[Engine, ...] = ("auto", "pdfium", "pdfminer")
_INTEGERS = ("max_pages", "max_operators", "max_form_depth")


@dataclass(frozen=True)
class PdfSettings:
    """Tunable parameters of the PDF reader; lengths are in PDF points, gaps in font sizes (em).

    ``engine`` picks the library that reads the pages: ``"auto"`` (PDFium, and pdfminer.six for a
    file PDFium cannot open), ``"pdfium"`` or ``"pdfminer"``. Both give the same Document.

    >>> PdfSettings.resolve({"max_pages": 5}).max_pages
    5
    >>> PdfSettings.resolve({"max_page": 5})
    Traceback (most recent call last):
    ...
    ValueError: unknown PDF setting(s) ['max_page']; known: cell_gap, engine, join_paragraphs, max_form_depth, max_operators, max_pages, max_rule_width, max_seconds, row_overlap, snap_tolerance, word_gap
    """

    max_pages: int = 60  # pages after this are not read (a note says so)
    max_seconds: float = (
        30.0  # stop once this much time has passed (between pages: a note; within one: failed)
    )
    snap_tolerance: float = 3.0  # rulings closer than this are one ruling (double borders, rounding)
    max_rule_width: float = 2.0  # a filled rectangle thinner than this is a ruling, not a shaded cell
    row_overlap: float = 0.5  # characters share a line when they overlap by this share of their height
    word_gap: float = 0.1  # a gap wider than this (x char size) between characters is a space
    cell_gap: float = 1.5  # outside ruled tables, a gap wider than this (x char size) splits cells
    join_paragraphs: bool = True  # join the lines of a paragraph into one text line
    engine: Engine = "auto"  # which library reads the pages (see above)
    max_operators: int = 50_000  # content-stream objects per page (Form XObjects included); more: failed
    max_form_depth: int = 12  # Form XObjects nested deeper than this: the file is failed

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "join_paragraphs":
                if not isinstance(value, bool):
                    raise ValueError(f"PDF setting join_paragraphs must be true or false, not {value!r}")
            elif f.name == "engine":
                if value not in ENGINES:
                    raise ValueError(f"PDF setting engine must be one of {', '.join(ENGINES)}, not {value!r}")
            elif f.name in _INTEGERS:
                if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                    raise ValueError(f"PDF setting {f.name} must be a positive whole number, not {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"PDF setting {f.name} must be a positive number, not {value!r}")
        if self.row_overlap > 1:
            raise ValueError(f"PDF setting row_overlap must be at most 1, not {self.row_overlap!r}")

    @classmethod
    def resolve(cls, value: PdfSettings | Mapping[str, Any] | None = None) -> PdfSettings:
        """Settings from None (defaults), a plain dict (e.g. a papermill parameter) or an instance."""
        return resolve_settings(cls, value, "PDF")
