"""Hostile files that are not PDFs, built as bytes in the tests (issue 16), for any test to reuse.

Each builder returns one file's bytes: a report inside deeply nested markup, a report with a value
too large for its column or with a megabyte line, binary junk, an empty file, a truncated DOCX, a
title damaged inside its organ name. ``ALL`` maps a file name to its builder; ``REPORTS`` names the
ones that are still reports (they must read as ``ok`` or ``partial``), and
``tests/hostile_pdf.py`` holds the PDFs.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from builders import correct_truth, report_html, report_text


def _page() -> str:
    return report_html(correct_truth(2023, seed=5))


def nested_html(depth: int, tag: str = "div") -> bytes:
    """The generated report's page with its body inside ``depth`` nested ``tag`` elements."""
    page = _page()
    body, end = page.index("<body>") + len("<body>"), page.index("</body>")
    return (page[:body] + f"<{tag}>" * depth + page[body:end] + f"</{tag}>" * depth + page[end:]).encode()


def nested_tables(depth: int = 3000) -> bytes:
    """Tables inside table cells, deeper than any parser reads: a clear failure, not a hang."""
    page = _page()
    body = page.index("<body>") + len("<body>")
    return (page[:body] + "<table><tr><td>" * depth + page[body:]).encode()


def _text(seed: int = 6) -> str:
    return report_text(correct_truth(2021, seed=seed))


def huge_count() -> bytes:
    """A 19-digit count in table 3 (past Int64): the cell is null with an error check."""
    lines = _text().splitlines()
    at = next(i for i, line in enumerate(lines) if "本年新收" in line)
    cells = lines[at].split("\t")
    cells[1] = "1234567890123456789"
    lines[at] = "\t".join(cells)
    return "\n".join(lines).encode()


def long_line(chars: int = 1_500_000, unit: str = "一、") -> bytes:
    """A 1.5 MB line of enumerators inside table 3 (it took ~45 s, growing with its square)."""
    lines = _text(7).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("三、")) + 2
    return "\n".join([*lines[:at], unit * (chars // len(unit)), *lines[at:]]).encode()


def damaged_title() -> bytes:
    """The organ's name broken by a stray ``|``: mended, with a warning."""
    text = _text(8)
    organ = correct_truth(2021)["organ"]  # 测试县城关镇人民政府
    return text.replace(organ, organ[:6] + "|" + organ[6:], 1).encode()


def binary_junk() -> bytes:
    return bytes(range(256)) * 64


def empty() -> bytes:
    return b""


def truncated_docx() -> bytes:
    """A DOCX (a zip with a main document) cut in half."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        body = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in _text().splitlines())
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>',
        )
    data = buf.getvalue()
    return data[: len(data) // 2]


ALL: dict[str, Callable[[], bytes]] = {
    "nested_300.html": lambda: nested_html(300),
    "nested_5000.html": lambda: nested_html(5000),
    "unclosed_fonts.html": lambda: nested_html(4000, "font").replace(b"</font>", b""),
    "nested_tables.html": nested_tables,
    "huge_count.txt": huge_count,
    "long_line.txt": long_line,
    "damaged_title.txt": damaged_title,
    "binary.txt": binary_junk,
    "empty.txt": empty,
    "truncated.docx": truncated_docx,
}
REPORTS = frozenset(
    {
        "nested_300.html",
        "nested_5000.html",
        "unclosed_fonts.html",
        "huge_count.txt",
        "long_line.txt",
        "damaged_title.txt",
    }
)
