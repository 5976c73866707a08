"""Text recognition of single text lines: PP-OCRv4's Chinese recogniser, on CPU through onnxruntime.

The model ships inside the ``rapidocr-onnxruntime`` wheel (nothing is fetched at run time); only its
recogniser is used. The layout (tables from ruling lines, text lines from ink projections) is found
by :mod:`nianbao.read.ocr_layout`, so every table cell is recognised on its own crop and no cell can
be lost to a text detector (PP-OCR's detector misses lone "0" cells).

The CTC output is decoded here rather than by rapidocr, to keep each character's probability: a
cell's confidence is its *least* sure character (a mean hides one doubtful digit among sure ones).
It is decoded a second time with each digit's look-alikes counted as the digit (o, O, 〇 and ０
for 0; l, I, | for 1: the cell's text becomes the digit whichever of them is read), so a serif "0"
that the model splits between "0" (0.8) and "o" (0.2) is a sure 0, not a doubtful cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort

from nianbao.grid import normalise_text

__all__ = ["DIGIT_LOOKALIKES", "Reading", "recognise"]

_HEIGHT = 48  # the model's input height
# pixels of input width per model call (crops x padded width): past ~1000 the model runs slower
# per pixel (5.3 against 3.2 ms per 48 px at 8 x 960), below it the call overhead shows
_BATCH_WIDTH = 1024
_MAX_BATCH = 16
_MIN_RATIO = 2.0  # inputs are at least twice as wide as high (a lone digit is padded to that)
# characters a cell of figures reads as digits (the reader swaps them when the whole cell is figures)
DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1"})
_FIGURES = "0123456789.,"


@dataclass(frozen=True, slots=True)
class Reading:
    """A recognised line: its text and the probability of its least sure character (1.0 when empty).

    ``figures``: the line decoded with each digit's look-alikes counted as the digit (a character
    that is no digit, comma or point is ``?``), and ``figures_confidence`` its least sure
    character's probability: the confidence of a cell of figures, whose text is the same whichever
    look-alike is read.

    >>> Reading("0", 0.8, "0", 0.99).figures_confidence
    0.99
    """

    text: str
    confidence: float
    figures: str = ""
    figures_confidence: float = 1.0


@cache
def _model() -> tuple[Any, list[str]]:
    """The onnxruntime session (one thread: the corpus layer runs one process per core) and alphabet."""

    path = resources.files("rapidocr_onnxruntime") / "models" / "ch_PP-OCRv4_rec_infer.onnx"
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    alphabet = ["", *meta["character"].splitlines(), " "]  # CTC blank first, space last (as PaddleOCR)
    return session, alphabet


@dataclass(frozen=True)
class _Figures:
    """The alphabet's columns that read as each figure, for decoding with look-alikes merged."""

    columns: np.ndarray  # alphabet indices, grouped by figure
    starts: np.ndarray  # where each figure's group begins in ``columns`` (for np.add.reduceat)
    chars: str  # the figure of each group
    is_figure: np.ndarray  # per alphabet index: does it read as a figure?


@cache
def _figures() -> _Figures:
    _, alphabet = _model()
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(alphabet):
        if c:
            as_read = normalise_text(c).translate(DIGIT_LOOKALIKES)
            if len(as_read) == 1 and as_read in _FIGURES:
                groups.setdefault(as_read, []).append(i)
    chars = "".join(sorted(groups))
    columns = np.array([i for f in chars for i in groups[f]], dtype=np.intp)
    sizes = np.array([len(groups[f]) for f in chars])
    is_figure = np.zeros(len(alphabet), dtype=bool)
    is_figure[columns] = True
    return _Figures(columns, np.concatenate([[0], np.cumsum(sizes)[:-1]]), chars, is_figure)


def _normalised(img: np.ndarray, width: int) -> np.ndarray:
    """A grey crop as the model's input: height 48, 3 channels in [-1, 1], right-padded to ``width``."""

    h, w = img.shape[:2]
    resized_w = min(width, max(1, math.ceil(_HEIGHT * w / h)))
    resized = cv2.resize(
        img, (resized_w, _HEIGHT), interpolation=cv2.INTER_AREA if h > _HEIGHT else cv2.INTER_CUBIC
    )
    out = np.zeros((3, _HEIGHT, width), dtype=np.float32)
    out[:, :, :resized_w] = (resized.astype(np.float32) / 127.5 - 1.0)[None, :, :]
    return out


def _decode(probs: np.ndarray, alphabet: list[str]) -> Reading:
    """Greedy CTC decoding, keeping each emitted character's probability."""
    best = probs.argmax(axis=1)
    top = probs.max(axis=1)
    chars: list[str] = []
    sure: list[float] = []
    prev = 0
    for i, k in enumerate(best):
        if k not in (prev, 0):
            chars.append(alphabet[k] if k < len(alphabet) else "")
            sure.append(float(top[i]))
        elif k == prev and k != 0 and sure:
            sure[-1] = max(sure[-1], float(top[i]))
        prev = k
    figures, figures_sure = _decode_figures(probs, best, top)
    return Reading("".join(chars).strip(), min(sure) if sure else 1.0, figures, figures_sure)


def _decode_figures(probs: np.ndarray, best: np.ndarray, top: np.ndarray) -> tuple[str, float]:
    """Greedy CTC decoding where each figure's look-alikes are one class (their probabilities summed).

    A frame goes to its most probable figure when that figure's summed probability beats the frame's
    best single character that is no figure (blank included); any other character decodes as ``?``.
    """
    f = _figures()
    summed = np.add.reduceat(probs[:, f.columns], f.starts, axis=1)
    fig_best = summed.argmax(axis=1)
    fig_p = summed.max(axis=1)
    # the best non-figure is the frame's best character when that is no figure; when it is one,
    # every non-figure is below it, hence below its figure's sum
    takes_figure = f.is_figure[best] | (fig_p > top)
    chars: list[str] = []
    sure: list[float] = []
    # a frame's token: its figure's index, -1 for blank, or -2 - the alphabet index of another character
    tokens = np.where(takes_figure, fig_best, np.where(best == 0, -1, -2 - best)).tolist()
    prev = -1
    for i, token in enumerate(tokens):
        if token not in (prev, -1):
            chars.append(f.chars[token] if token >= 0 else "?")
            sure.append(float(fig_p[i]) if token >= 0 else 0.0)
        elif token == prev and token >= 0:
            sure[-1] = max(sure[-1], float(fig_p[i]))
        prev = token
    return "".join(chars), min(sure) if sure else 1.0


def recognise(crops: list[np.ndarray]) -> list[Reading]:
    """Recognise grey (uint8, dark text on white) crops of single text lines, in batches of similar width.

    The first call loads the model (~0.3 s); a crop without ink reads as nothing, surely:

    >>> crop = np.full((40, 160), 255, np.uint8)
    >>> _ = cv2.putText(crop, "2024", (8, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    >>> [(r.text, r.confidence > 0.9) for r in recognise([crop, np.full((30, 20), 255, np.uint8)])]
    [('2024', True), ('', True)]
    """
    if not crops:
        return []
    session, alphabet = _model()
    name = session.get_inputs()[0].name
    out: list[Reading | None] = [None] * len(crops)
    for batch, width in _batches(crops):
        x = np.stack([_normalised(crops[i], width) for i in batch])
        probs = session.run(None, {name: x})[0]
        for i, p in zip(batch, probs, strict=True):
            out[i] = _decode(p, alphabet)
    return [r if r is not None else Reading("", 0.0) for r in out]


def _width(crop: np.ndarray) -> int:
    """The model input width a crop needs (its width at height 48, at least twice the height)."""
    return math.ceil(_HEIGHT * max(_MIN_RATIO, crop.shape[1] / max(crop.shape[0], 1)))


def _batches(crops: list[np.ndarray]) -> list[tuple[list[int], int]]:
    """Crops grouped for one model call each: by width (a batch is padded to its widest), as many
    as fit in ``_BATCH_WIDTH`` pixels of input (a wide text line goes alone).

    >>> blank = lambda w: np.zeros((48, w), np.uint8)
    >>> _batches([blank(2000), blank(40), blank(500), blank(60)])
    [([1, 3], 96), ([2], 500), ([0], 2000)]
    """
    order = sorted(range(len(crops)), key=lambda i: _width(crops[i]))
    out: list[tuple[list[int], int]] = []
    for i in order:
        w = _width(crops[i])
        if out and (len(out[-1][0]) + 1) * w <= _BATCH_WIDTH and len(out[-1][0]) < _MAX_BATCH:
            out[-1] = ([*out[-1][0], i], w)
        else:
            out.append(([i], w))
    return out
