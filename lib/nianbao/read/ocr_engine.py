"""Text recognition of single text lines: PP-OCRv4's Chinese recogniser, on CPU through onnxruntime.

The model ships inside the ``rapidocr-onnxruntime`` wheel (nothing is fetched at run time); only its
recogniser is used. The layout (tables from ruling lines, text lines from ink projections) is found
by :mod:`nianbao.read.ocr_layout`, so every table cell is recognised on its own crop and no cell can
be lost to a text detector (PP-OCR's detector misses lone "0" cells).

The CTC output is decoded here rather than by rapidocr, to keep each character's probability: a
cell's confidence is its *least* sure character (a mean hides one doubtful digit among sure ones).
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

__all__ = ["Reading", "recognise"]

_HEIGHT = 48  # the model's input height
_BATCH = 8
_MIN_RATIO = 2.0  # inputs are at least twice as wide as high (a lone digit is padded to that)


@dataclass(frozen=True, slots=True)
class Reading:
    """A recognised line: its text and the probability of its least sure character (1.0 when empty)."""

    text: str
    confidence: float


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
    return Reading("".join(chars).strip(), min(sure) if sure else 1.0)


def recognise(crops: list[np.ndarray]) -> list[Reading]:
    """Recognise grey (uint8, dark text on white) crops of single text lines, in batches of similar width."""
    if not crops:
        return []
    session, alphabet = _model()
    name = session.get_inputs()[0].name
    order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / crops[i].shape[0])
    out: list[Reading | None] = [None] * len(crops)
    for start in range(0, len(order), _BATCH):
        batch = order[start : start + _BATCH]
        ratio = max(_MIN_RATIO, *(crops[i].shape[1] / crops[i].shape[0] for i in batch))
        width = math.ceil(_HEIGHT * ratio)
        x = np.stack([_normalised(crops[i], width) for i in batch])
        probs = session.run(None, {name: x})[0]
        for i, p in zip(batch, probs, strict=True):
            out[i] = _decode(p, alphabet)
    return [r if r is not None else Reading("", 0.0) for r in out]
