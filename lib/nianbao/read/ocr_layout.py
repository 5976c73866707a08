"""A scanned page's layout: clean grey image, ruled tables as grids of cells, text lines outside them.

Each step is a small function on numpy arrays (OpenCV for the image operations):

1. :func:`grey` — the red channel of a colour scan, so a red stamp over a table fades to white
   while black print stays black;
2. :func:`deskew` by the angle whose row-projection of ink is sharpest (text lines and rulings
   line up); the caller turns pages scanned sideways or upside down by recognising a few lines;
3. :func:`find_tables` — rulings by morphological opening with long thin kernels, a table per
   connected group of rulings, its row and column boundaries, and merged cells where no ruling
   separates two neighbouring grid cells (as the PDF reader does with vector rulings);
4. :func:`cell_lines` / :func:`text_lines` — the text lines inside a cell (split at rows without
   ink), and outside tables, as boxes for the recogniser. A cell without ink is an empty cell.

Lengths are given in inches and converted by the page's resolution, so they hold at any dpi.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "Box",
    "CellBox",
    "TableGrid",
    "cell_lines",
    "deskew",
    "find_tables",
    "grey",
    "ink_mask",
    "ruling_ink",
    "text_lines",
]

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels (x1, y1 exclusive)


def grey(img: np.ndarray) -> np.ndarray:
    """Grey uint8 image; in a colour image, red ink (a stamp) becomes paper, while black print under
    it (black in every channel) stays black. Other colours (blue or green cell shading) keep their
    luminance and stay light.

    >>> white, black, stamp, print_under_stamp = [255] * 3, [0] * 3, [230, 40, 40], [120, 20, 20]
    >>> grey(np.array([[white, black, stamp, print_under_stamp]], np.uint8)).tolist()
    [[255, 0, 255, 120]]
    """
    if img.ndim == 2:
        return img

    rgb = np.ascontiguousarray(img[:, :, :3])
    out = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    r = rgb[:, :, 0].astype(np.int16)
    reddish = r - np.maximum(rgb[:, :, 1], rgb[:, :, 2]) > 50
    # light red is the stamp itself (also over light shading): paper; dark red is print seen
    # through the stamp: its red channel, dark
    out[reddish] = np.where(rgb[:, :, 0][reddish] >= 150, 255, rgb[:, :, 0][reddish])
    return out


def ink_mask(g: np.ndarray) -> np.ndarray:
    """Ink as 255 on 0: Otsu's threshold (at most 200, so light cell shading and faded stamps stay
    paper), then specks of scanner noise and JPEG artefacts removed. No smoothing filter: it would
    erase the one-pixel rulings of a 150-dpi scan.

    >>> g = np.full((20, 30), 255, np.uint8)
    >>> g[5:10, 5:25] = 30  # a stroke of 5 x 20 pixels
    >>> g[15, 2] = 0  # a speck of noise
    >>> m = ink_mask(g)
    >>> int(m.sum()) // 255, int(m[7, 7]), int(m[15, 2])
    (100, 255, 0)
    """

    t, _ = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, mask = cv2.threshold(g, min(t, 200), 255, cv2.THRESH_BINARY_INV)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    specks = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] <= 2)
    if count > 1 and specks.size:
        drop = np.zeros(count, dtype=bool)
        drop[specks] = True
        drop[0] = False
        mask[drop[labels]] = 0
    return mask


def _profile_sharpness(mask: np.ndarray) -> float:
    rows = mask.sum(axis=1, dtype=np.float64)
    return float(np.var(rows))


def _rotate(img: np.ndarray, angle: float, fill: int, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=interpolation, borderValue=fill)


def skew_angle(mask: np.ndarray, limit: float = 3.0) -> float:
    """The rotation (degrees) that makes the ink's row profile sharpest, within ±``limit``."""

    small = cv2.resize(
        mask, (max(1, mask.shape[1] // 3), max(1, mask.shape[0] // 3)), interpolation=cv2.INTER_AREA
    )
    best, best_angle = -1.0, 0.0
    for step, span in ((0.5, limit), (0.1, 0.5), (0.02, 0.1)):
        centre = best_angle
        for angle in np.arange(centre - span, centre + span + 1e-9, step):
            score = _profile_sharpness(_rotate(small, float(angle), 0))
            if score > best:
                best, best_angle = score, float(angle)
    return best_angle


def deskew(g: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The grey image and its ink mask rotated straight, and the angle turned (degrees).

    >>> page = np.full((300, 400), 255, np.uint8)
    >>> for y in range(40, 260, 30):  # lines of "text"
    ...     page[y : y + 12, 40:360] = 0
    >>> tilted = _rotate(page, 1.5, 255)  # scanned 1.5° askew (counter-clockwise)
    >>> straight, mask, angle = deskew(tilted, ink_mask(tilted))
    >>> round(angle, 1), straight.shape == mask.shape == page.shape
    (-1.4, True)
    """
    angle = skew_angle(mask)
    if abs(angle) < 0.02:
        return g, mask, 0.0
    straight = _rotate(g, angle, 255)
    return straight, ink_mask(straight), angle


def ruling_ink(g: np.ndarray, mask: np.ndarray, angle: float) -> np.ndarray:
    """The ink to find rulings in, on a page straightened by ``angle`` (``g`` before, ``mask`` after):
    the ink of ``g`` rotated with cubic interpolation. A one-pixel ruling of a 150-dpi scan, smeared
    by the scanner's skew, keeps its darkness under cubic interpolation, where linear greys it
    across two pixels: parts fall under the ink threshold, and what is left can stand as a second
    ruling beside it (a generated report's table page, -1° and upside down, had two rows read as
    one). The text is read from the linear rotation, whose strokes are smoother.

    >>> page = np.full((300, 400), 255, np.uint8)
    >>> for y in range(40, 260, 30):  # lines of "text"
    ...     page[y : y + 12, 40:360] = 0
    >>> page[150, 20:380] = 100  # a faint one-pixel ruling between two of them
    >>> tilted = _rotate(page, 1.0, 255)
    >>> straight, mask, angle = deskew(tilted, ink_mask(tilted))
    >>> [int((m[146:155] > 0).any(axis=0).sum()) for m in (mask, ruling_ink(tilted, mask, angle))]  # of 360 px
    [33, 65]
    """
    if not angle:
        return mask
    return ink_mask(_rotate(g, angle, 255, cv2.INTER_CUBIC))


# ---------------------------------------------------------------------------------------------------
# Tables


@dataclass(frozen=True, slots=True)
class CellBox:
    """A (possibly merged) table cell: its first grid row and column, spans, and pixel box.

    >>> CellBox(row=0, col=0, rows=1, cols=2, box=(50, 50, 450, 110)).cols  # two grid columns merged
    2
    """

    row: int
    col: int
    rows: int
    cols: int
    box: Box


@dataclass(frozen=True, slots=True)
class TableGrid:
    """A ruled table found on a page: its box, row and column boundaries, and (merged) cells.

    >>> page = np.full((300, 500), 255, np.uint8)
    >>> page[[50, 110, 170], 50:451] = 0  # three horizontal rulings
    >>> page[50:171, [50, 250, 450]] = 0  # three vertical ones: a table of 2 x 2 cells
    >>> t = find_tables(ink_mask(page), 150)[0][0]
    >>> t.box, t.ys, t.xs, len(t.cells), t.cells[3]
    ((50, 50, 450, 170), (50, 110, 170), (50, 250, 450), 4, CellBox(row=1, col=1, rows=1, cols=1, box=(250, 110, 450, 170)))
    """

    box: Box
    ys: tuple[int, ...]  # row boundaries, top to bottom
    xs: tuple[int, ...]  # column boundaries, left to right
    cells: tuple[CellBox, ...]  # in reading order (row, then column)


def _lines(mask: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical rulings of an ink mask (strokes of characters are too short)."""

    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    h_len, v_len = max(10, int(0.4 * dpi)), max(8, int(0.17 * dpi))
    horizontal = cv2.morphologyEx(
        closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1))
    )
    vertical = cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    return horizontal, vertical


def _positions(profile: np.ndarray, minimum: float) -> list[int]:
    """Centres of the runs where ``profile`` reaches ``minimum`` (one ruling may be a few pixels thick)."""
    on = profile >= minimum
    out: list[int] = []
    start = None
    for i, v in enumerate(on):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start + i - 1) // 2)
            start = None
    if start is not None:
        out.append((start + len(on) - 1) // 2)
    return out


def _ruled(band: np.ndarray) -> bool:
    """Does a ruling run along most of this strip of a line mask?"""
    if band.size == 0:
        return False
    return bool((band.max(axis=0 if band.shape[0] < band.shape[1] else 1) > 0).mean() > 0.6)


def _grid(box: Box, horizontal: np.ndarray, vertical: np.ndarray, dpi: float) -> TableGrid | None:
    x0, y0, x1, y1 = box
    h, v = horizontal[y0:y1, x0:x1], vertical[y0:y1, x0:x1]
    min_cell = max(4, int(0.08 * dpi))
    ys = [y0 + y for y in _positions((h > 0).sum(axis=1), min_cell * 2)]
    xs = [x0 + x for x in _positions((v > 0).sum(axis=0), min_cell)]
    ys = _spaced(ys, min_cell)
    xs = _spaced(xs, min_cell)
    if len(ys) < 2 or len(xs) < 2:
        return None
    tol = max(2, int(0.015 * dpi))
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = list(range(n_rows * n_cols))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols:  # is there a ruling between (r, c) and (r, c + 1)?
                x = xs[c + 1]
                band = vertical[ys[r] + tol : ys[r + 1] - tol, x - tol : x + tol + 1]
                if not _ruled(band):
                    parent[root(r * n_cols + c + 1)] = root(r * n_cols + c)
            if r + 1 < n_rows:
                y = ys[r + 1]
                band = horizontal[y - tol : y + tol + 1, xs[c] + tol : xs[c + 1] - tol]
                if not _ruled(band):
                    parent[root((r + 1) * n_cols + c)] = root(r * n_cols + c)
    groups: dict[int, list[int]] = {}
    for i in range(n_rows * n_cols):
        groups.setdefault(root(i), []).append(i)
    cells = []
    for members in groups.values():
        for r0, c0, r1, c1 in _rectangles({(i // n_cols, i % n_cols) for i in members}):
            cells.append(CellBox(r0, c0, r1 - r0 + 1, c1 - c0 + 1, (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])))
    cells.sort(key=lambda c: (c.row, c.col))
    return TableGrid((xs[0], ys[0], xs[-1], ys[-1]), tuple(ys), tuple(xs), tuple(cells))


def _rectangles(members: set[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """A group of grid cells as rectangles (first row, first column, last row, last column).

    A merged cell is a rectangle; a group of another shape (a ruling broken by a stamp or a
    scanner's dropout) is cut into runs along each row, runs of the same columns in consecutive
    rows joined, so that no crop takes in a neighbour's text.

    >>> _rectangles({(0, 0), (0, 1), (1, 0), (1, 1)}), _rectangles({(0, 0), (0, 1), (1, 1)})
    ([(0, 0, 1, 1)], [(0, 0, 0, 1), (1, 1, 1, 1)])
    """
    rows = sorted({r for r, _ in members})
    cols = sorted({c for _, c in members})
    full = len(members) == len(rows) * len(cols)
    if full and rows == list(range(rows[0], rows[-1] + 1)) and cols == list(range(cols[0], cols[-1] + 1)):
        return [(rows[0], cols[0], rows[-1], cols[-1])]
    runs: list[tuple[int, int, int]] = []  # (row, first column, last column)
    for r in rows:
        in_row = sorted(c for rr, c in members if rr == r)
        start = prev = in_row[0]
        for c in in_row[1:]:
            if c != prev + 1:
                runs.append((r, start, prev))
                start = c
            prev = c
        runs.append((r, start, prev))
    out: list[list[int]] = []
    for r, c0, c1 in runs:
        above = next((o for o in out if o[2] == r - 1 and o[1] == c0 and o[3] == c1), None)
        if above:
            above[2] = r
        else:
            out.append([r, c0, r, c1])
    return [(a, b, c, d) for a, b, c, d in out]


def _spaced(positions: list[int], gap: int) -> list[int]:
    """Positions closer than ``gap`` merged (a double border is one boundary)."""
    out: list[int] = []
    for p in positions:
        if out and p - out[-1] < gap:
            out[-1] = (out[-1] + p) // 2
        else:
            out.append(p)
    return out


def find_tables(mask: np.ndarray, dpi: float) -> tuple[list[TableGrid], np.ndarray]:
    """The ruled tables of a page, top to bottom, and the rulings' mask (to wipe them from crops).

    A cell without a ruling between it and its neighbour is one merged cell with it:

    >>> page = np.full((300, 500), 255, np.uint8)
    >>> page[[50, 110, 170], 50:451] = 0
    >>> page[50:171, [50, 450]] = 0
    >>> page[110:171, 250] = 0  # the middle ruling only in the lower row
    >>> tables, rulings = find_tables(ink_mask(page), 150)
    >>> [(c.row, c.col, c.rows, c.cols) for c in tables[0].cells], rulings.shape
    ([(0, 0, 1, 2), (1, 0, 1, 1), (1, 1, 1, 1)], (300, 500))
    """

    horizontal, vertical = _lines(mask, dpi)
    rulings = cv2.bitwise_or(horizontal, vertical)
    joined = cv2.dilate(rulings, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    tables = []
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i, :4])
        if w < 1.0 * dpi or h < 0.3 * dpi:
            continue  # an underline or a short rule, not a table
        grid = _grid((x, y, x + w, y + h), horizontal, vertical, dpi)
        if grid is not None and len(grid.cells) >= 2:
            tables.append(grid)
    tables.sort(key=lambda t: (t.box[1], t.box[0]))
    return tables, rulings


# ---------------------------------------------------------------------------------------------------
# Text lines


def _bands(profile: np.ndarray, min_ink: int, min_gap: int) -> list[tuple[int, int]]:
    """Runs of ``profile > min_ink``, joined across gaps shorter than ``min_gap``."""
    on = profile > min_ink
    out: list[tuple[int, int]] = []
    start = None
    for i, v in enumerate(on):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(on)))
    merged: list[tuple[int, int]] = []
    for a, b in out:
        if merged and a - merged[-1][1] < min_gap:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def cell_lines(ink: np.ndarray, box: Box, dpi: float) -> list[Box]:
    """The text lines inside a cell's box (rulings already wiped from ``ink``); [] for an empty cell.

    >>> ink = np.zeros((300, 500), np.uint8)
    >>> ink[70:84, 100:160] = 255  # a label wrapped onto two lines
    >>> ink[88:100, 100:130] = 255
    >>> cell_lines(ink, (50, 50, 250, 110), 150), cell_lines(ink, (250, 50, 450, 110), 150)
    ([(96, 66, 164, 88), (96, 84, 134, 104)], [])
    """
    x0, y0, x1, y1 = box
    inset = max(2, int(0.02 * dpi))
    x0, y0, x1, y1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
    if x1 <= x0 or y1 <= y0:
        return []
    crop = ink[y0:y1, x0:x1]
    speck = max(3, int(0.02 * dpi))
    if int((crop > 0).sum()) < speck * speck:
        return []
    out = []
    bands = _bands((crop > 0).sum(axis=1), 0, max(1, int(0.01 * dpi)))
    for a, b in _joined(bands, max(2, int(0.02 * dpi))):
        if b - a < speck:
            continue  # a speck of noise
        cols = np.flatnonzero((crop[a:b] > 0).sum(axis=0))
        if cols.size == 0:
            continue
        out.append(_padded((x0 + int(cols[0]), y0 + a, x0 + int(cols[-1]) + 1, y0 + b), ink.shape, dpi))
    return out


def _joined(bands: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """Bands of one text line that a faint stroke splits joined: a band less than half as tall as
    its neighbour and at most ``gap`` from it is part of it (the flag of a serif 5 over its bowl,
    joined by a hairline that scans lighter than the ink threshold; read apart, "5" became "5 5").

    >>> _joined([(0, 3), (4, 12), (18, 30)], 3)  # flag and bowl of a 5, then a line of text
    [(0, 12), (18, 30)]
    >>> _joined([(0, 14), (17, 31)], 3)  # two lines of a wrapped label stay two
    [(0, 14), (17, 31)]
    """
    out = list(bands)
    i = 0
    while i + 1 < len(out):
        (a0, a1), (b0, b1) = out[i], out[i + 1]
        if b0 - a1 <= gap and (2 * (a1 - a0) < b1 - b0 or 2 * (b1 - b0) < a1 - a0):
            out[i : i + 2] = [(a0, b1)]
            i = max(i - 1, 0)
        else:
            i += 1
    return out


def _padded(box: Box, shape: tuple[int, ...], dpi: float) -> Box:
    pad = max(2, int(0.03 * dpi))
    x0, y0, x1, y1 = box
    return max(0, x0 - pad), max(0, y0 - pad), min(shape[1], x1 + pad), min(shape[0], y1 + pad)


def text_lines(ink: np.ndarray, dpi: float) -> list[list[Box]]:
    """Text lines of a page (tables wiped), top to bottom; each a list of segments split at wide gaps.

    >>> ink = np.zeros((100, 400), np.uint8)
    >>> ink[10:24, 20:120] = ink[10:24, 300:380] = 255  # a line in two parts far apart
    >>> ink[50:64, 20:200] = 255
    >>> text_lines(ink, 150)
    [[(16, 6, 124, 28), (296, 6, 384, 28)], [(16, 46, 204, 68)]]
    """
    speck = max(3, int(0.02 * dpi))
    lines: list[list[Box]] = []
    for a, b in _bands((ink > 0).sum(axis=1), 1, max(1, int(0.02 * dpi))):
        if b - a < speck:
            continue
        height = b - a
        cols = (ink[a:b] > 0).sum(axis=0) > 0
        segs = _bands(cols.astype(np.int32), 0, max(2, int(2.0 * height)))
        boxes = [_padded((s, a, e, b), ink.shape, dpi) for s, e in segs if e - s >= speck]
        if boxes:
            lines.append(boxes)
    return lines
