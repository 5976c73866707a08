"""The recogniser's decoding and the OCR reader's confidence and cost, on made-up model outputs and
on scans of a generated report (its own truth, so no ../shared needed)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from nianbao.read import ocr, ocr_engine
from nianbao.read.ocr_engine import Reading, _decode, _model
from nianbao.read.pdf import read_pdf
from nianbao.synth.generate import sample_report
from nianbao.synth.render_scan import ScanStyle, scanned


def _probs(frames: list[dict[str, float]]) -> np.ndarray:
    """A CTC output: per frame, the given characters' probabilities ("" is the blank), the rest on blank."""
    _, alphabet = _model()
    index = {c: i for i, c in enumerate(alphabet) if c}
    out = np.zeros((len(frames), len(alphabet)), np.float32)
    for t, frame in enumerate(frames):
        for c, p in frame.items():
            out[t, index[c] if c else 0] = p
        out[t, 0] += 1 - out[t].sum()
    return out


def test_a_digit_split_with_its_look_alikes_is_a_sure_figure() -> None:
    r = _decode(_probs([{}, {"0": 0.62, "o": 0.35, "O": 0.02}, {}]), _model()[1])
    assert (r.text, round(r.confidence, 2)) == ("0", 0.62)
    assert (r.figures, round(r.figures_confidence, 2)) == ("0", 0.99)


def test_figures_decoding_never_hides_a_doubt_it_cannot_explain() -> None:
    alphabet = _model()[1]
    # two frames read "0" then "o": plain text "0o" (swapped to "00" by the reader), but merged it
    # is one 0, so the figures differ from the cell's text and the plain confidence stands
    r = _decode(_probs([{"0": 0.6, "o": 0.3}, {"o": 0.55, "0": 0.4}]), alphabet)
    assert (r.text, r.figures) == ("0o", "0")
    # a 3 against an 8: look-alikes do not merge different figures
    r = _decode(_probs([{"3": 0.55, "8": 0.45}]), alphabet)
    assert (r.figures, round(r.figures_confidence, 2)) == ("3", 0.55)
    # a character that is no figure: "?" and never sure
    r = _decode(_probs([{"1": 0.9}, {"口": 0.7, "0": 0.2}]), alphabet)
    assert (r.text, r.figures, r.figures_confidence) == ("1口", "1?", 0.0)
    # a figure whose look-alikes together beat the blank is read (plain decoding saw only blank)
    r = _decode(_probs([{"0": 0.3, "o": 0.3}]), alphabet)
    assert (r.text, r.figures, round(r.figures_confidence, 2)) == ("", "0", 0.6)


def test_cell_confidence_uses_merged_figures_only_for_a_cell_read_as_them() -> None:
    sure_zero = Reading("o", 0.7, "0", 0.98)
    assert ocr._confidence("0", [sure_zero]) == 0.98
    assert ocr._confidence("o", [Reading("o", 0.7, "0", 0.98)]) == 0.7  # a lone "o" is not swapped
    assert ocr._confidence("00", [Reading("0o", 0.6, "0", 0.97)]) == 0.6  # merged reads one 0
    assert ocr._confidence("1 2", [Reading("1", 0.8, "1", 0.95), Reading("2", 0.99, "2", 0.99)]) == 0.8


@cache
def _generated(seed: int) -> tuple[bytes, bytes]:
    _, pdf = sample_report(seed, "pdf", 2023)
    return pdf, scanned(pdf, ScanStyle(noise=6, jpeg=70, seed=seed), pages=[2])


def _grid(doc: object) -> list[tuple[str | None, ...]]:
    return [line.cells for line in doc.lines if line.kind == "grid"]  # type: ignore[attr-defined]


def test_generated_table_page_reads_exactly_with_few_doubts_and_each_crop_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A generated report's table page (8-pt serif figures, which the model reads as 0 or o): every
    figure exact, at most a few doubts (there were 50 before look-alikes merged), and every crop
    recognised once (the orientation sample is part of the page's crops)."""
    pdf, scan = _generated(5)
    seen: list[int] = []
    real = ocr_engine.recognise

    def counting(crops: list[np.ndarray]) -> list[Reading]:
        seen.append(len(crops))
        return real(crops)

    monkeypatch.setattr(ocr, "recognise", counting)
    doc = ocr.ocr_pdf(scan)
    text_layer = read_pdf(pdf)
    on_page = [
        line.cells for line, page in zip(text_layer.lines, text_layer.pages or (), strict=True) if page == 2
    ]
    printed = [r for r in on_page if r and r[-1] and r[-1].isdigit()]
    read = _grid(doc)
    figures = [tuple(c for c in r if c and c.isdigit()) for r in printed]
    assert len(figures) >= 10
    for row in figures:  # each printed row of figures is read, figure for figure, on the scan
        assert row in [tuple(c for c in r if c and c.isdigit()) for r in read], row
    assert len(doc.ocr_doubts) <= 3, doc.ocr_doubts
    layout = ocr._layout(*_page_layout_inputs(scan))
    assert sum(seen) == len(layout.crops)


def _page_layout_inputs(scan: bytes) -> tuple[np.ndarray, np.ndarray, float]:
    from nianbao.read.ocr_layout import deskew, grey, ink_mask
    from nianbao.synth.render_scan import rasterise

    g = grey(rasterise(scan, 150)[0])
    g, mask, _ = deskew(g, ink_mask(g))
    return g, mask, 150.0
