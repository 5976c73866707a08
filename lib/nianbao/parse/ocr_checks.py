"""What OCR leaves for the checks: cells it was not sure of, and which pages it read.

A cell recognised less surely than the threshold (or whose ink read as nothing) is a warning pinned
to where it is printed: page, row and column of the page's table grid, with the text read. The
template's identities judge the tables as for any report, so a misread number that breaks a sum is
an error there too; this check also covers cells no identity reaches (table 2).

>>> from nianbao.grid import OcrDoubt
>>> f = ocr_findings((OcrDoubt(3, 5, 2, "18", 0.61, "(一)予以公开"),))[0]
>>> f.where, f.actual, f.message
('page3/row5/col2', 0.61, '扫描件第 3 页表格第 5 行(「(一)予以公开」)第 2 列识别为「18」，置信度 0.61，低于阈值：请对照原件核对')
>>> ocr_pages_text((1, 2, 3, 5)), ocr_pages_text(())
('1-3,5', None)
"""

from __future__ import annotations

from collections.abc import Sequence

from nianbao.grid import OcrDoubt
from nianbao.parse.tables import Finding

__all__ = ["ocr_findings", "ocr_pages_text"]


def ocr_findings(doubts: Sequence[OcrDoubt]) -> list[Finding]:
    """One ``ocr_low_confidence`` warning per doubtful cell (``actual`` is its confidence).

    >>> f = ocr_findings([OcrDoubt(2, 4, 3, "", 0.0, "行政许可")])[0]
    >>> f.check, f.page, f.evidence, f.message.split("，")[0]
    ('ocr_low_confidence', 2, None, '扫描件第 2 页表格第 4 行(「行政许可」)第 3 列有字迹但未能识别')
    """
    out = []
    for d in doubts:
        label = f"(「{d.label}」)" if d.label and d.column > 1 else ""
        read = f"识别为「{d.text}」" if d.text else "有字迹但未能识别"
        out.append(
            Finding(
                "ocr_low_confidence",
                "warning",
                f"page{d.page}/row{d.row}/col{d.column}",
                f"扫描件第 {d.page} 页表格第 {d.row} 行{label}第 {d.column} 列{read}，置信度 {d.confidence:g}，"
                "低于阈值：请对照原件核对",
                actual=d.confidence,
                page=d.page,
                evidence=d.text[:120] or None,
            )
        )
    return out


def ocr_pages_text(pages: Sequence[int]) -> str | None:
    """Pages as compact ranges ("1-3,5"); None when no page was read by OCR.

    >>> ocr_pages_text([7, 2, 3, 3, 4, 9])
    '2-4,7,9'
    """
    if not pages:
        return None
    runs: list[list[int]] = []
    for p in sorted(set(pages)):
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
