"""Token names on a map: every special token named next to its dot, none covering another.

A label first tries the eight places around its dot (above, below, right, left, the corners),
drawn by plotly's ``textposition`` so it stays attached at any plot width. A place counts only
if it covers no other label and keeps clear of every other token's dot (with a small margin,
so the nearest dot to a name is its own). A special token (``REQUIRED_KINDS``) that finds no
such place is moved: its name goes on rings further out, away from the crowd, or else into a
column at the side of the plot, and a leader line joins it to its dot. Other kinds (hundreds
of OOV words) are named only where a place next to the dot is free; hover names every point.

Everything is measured in pixels of a plot about ``PLOT_PX`` in size (12 px text and markers)
and checked on occupancy grids of ``_CELL`` px cells, so a test costs a constant number of
cells and placing one frame of k tokens is O(k) after the O(k log k) priority order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Kinds whose every token shown gets a name (moved, with a leader line, when needed).
REQUIRED_KINDS = ("unk", "special", "promoted")
#: The plot area assumed when the real one is not known (the Train page's narrow map; a wider
#: plot only spreads the names further apart).
PLOT_PX = (560.0, 420.0)
_CHAR_PX, _WIDE_PX, _TEXT_H = 7.0, 17.0, 14.0
_MARKER, _BIG_MARKER = 12.0, 18.0
_GAP, _CLEAR = 2.0, 3.0  # label to own dot; label to any other dot
_CELL, _DOT_CELL = 1.0, 3.0  # names and lines; dots (a coarser grid: cheap to sum up)
_RINGS, _ANGLES = 12, 24
_SLOTS_PER_COLUMN = 60  # at most (a plot 1,000 px tall)
#: Upper bound of occupancy-grid tests for one token: 8 places beside the dot, the rings (one
#: summed-area query for all of them, then names, lines and the leader line per place) and the
#: side columns. Constant in k,
#: so a frame of k tokens costs O(k) tests.
MAX_TESTS_PER_TOKEN = 8 * 3 + _RINGS * _ANGLES * 3 + 1 + 2 * 2 * _SLOTS_PER_COLUMN * 3


@dataclass(frozen=True)
class Label:
    """Where one token's name goes.

    ``position``: a plotly ``textposition`` when the name sits next to its dot (drawn with the
    marker), None when it was moved; then ``x`` / ``y`` (data units) are the centre of the name
    and ``line`` the leader line's two ends ((x0, y0), (x1, y1)) from the dot to the name.
    """

    position: str | None
    x: float
    y: float
    line: tuple[tuple[float, float], tuple[float, float]] | None = None

    @property
    def moved(self) -> bool:
        return self.position is None


def plot_px(height: float) -> tuple[float, float]:
    """The plot area assumed for a map figure ``height`` px tall (title, legend, slider and
    margins take about 220 px of it)."""
    return PLOT_PX[0], max(200.0, float(height) - 220.0)


def label_width(text: str) -> float:
    """Pixels a 12 px label takes: emoji and other wide characters about twice a letter."""
    return sum(_WIDE_PX if ord(c) > 0x2FFF else _CHAR_PX for c in text) + 4.0


def _adjacent(r: float, w: float, h: float):
    """(textposition, box) next to a dot of radius ``r``, box relative to the dot (y up)."""
    g = r + _GAP
    return [
        ("top center", (-w / 2, g, w / 2, g + h)),
        ("bottom center", (-w / 2, -g - h, w / 2, -g)),
        ("middle right", (g, -h / 2, g + w, h / 2)),
        ("middle left", (-g - w, -h / 2, -g, h / 2)),
        ("top right", (r * 0.7, r * 0.7, r * 0.7 + w, r * 0.7 + h)),
        ("top left", (-r * 0.7 - w, r * 0.7, -r * 0.7, r * 0.7 + h)),
        ("bottom right", (r * 0.7, -r * 0.7 - h, r * 0.7 + w, -r * 0.7)),
        ("bottom left", (-r * 0.7 - w, -r * 0.7 - h, -r * 0.7, -r * 0.7)),
    ]


class _Grid:
    """Counts per ``_CELL`` px cell over the plot; a box covers the cells it touches."""

    def __init__(self, width: float, height: float, cell: float = 1.0) -> None:
        self.w, self.h, self.cell = width, height, cell
        self.counts = np.zeros((int(height // cell) + 2, int(width // cell) + 2), np.int32)

    def _slice(self, box):
        # Every cell the box touches: two boxes that share a cell are taken to overlap, so a
        # name never covers another (at worst two names keep a pixel further apart).
        i0, i1 = int(max(box[0], 0) // self.cell), int(min(box[2], self.w) // self.cell) + 1
        j0, j1 = int(max(box[1], 0) // self.cell), int(min(box[3], self.h) // self.cell) + 1
        return slice(j0, j1), slice(i0, i1)

    def add(self, box, n: int = 1) -> None:
        self.counts[self._slice(box)] += n

    def hits(self, box, minus=None) -> bool:
        """True if ``box`` covers an occupied cell (after taking away ``minus``: (box, n))."""
        rows, cols = self._slice(box)
        part = self.counts[rows, cols]
        if minus is None:
            return bool(part.any())
        part = part.copy()
        own, n = minus
        orows, ocols = self._slice(own)
        r0, r1 = max(rows.start, orows.start), min(rows.stop, orows.stop)
        c0, c1 = max(cols.start, ocols.start), min(cols.stop, ocols.stop)
        if r0 < r1 and c0 < c1:
            part[r0 - rows.start : r1 - rows.start, c0 - cols.start : c1 - cols.start] -= n
        return bool((part > 0).any())

    def totals(self, boxes: np.ndarray) -> np.ndarray:
        """Occupied-cell totals of many boxes ((m, 4)) at once, from a summed-area table (the
        grid must not change after the first call)."""
        if not hasattr(self, "_sums"):
            self._sums = np.pad(self.counts.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
        i0 = (np.maximum(boxes[:, 0], 0) // self.cell).astype(int)
        i1 = (np.minimum(boxes[:, 2], self.w) // self.cell).astype(int) + 1
        j0 = (np.maximum(boxes[:, 1], 0) // self.cell).astype(int)
        j1 = (np.minimum(boxes[:, 3], self.h) // self.cell).astype(int) + 1
        i0, j0 = np.minimum(i0, i1), np.minimum(j0, j1)
        s = self._sums
        return s[j1, i1] - s[j0, i1] - s[j1, i0] + s[j0, i0]

    def _line_cells(self, a, b):
        # Both ends clamped into the plot: the cells between them are then all in the grid.
        a = (min(max(a[0], 0.0), self.w), min(max(a[1], 0.0), self.h))
        b = (min(max(b[0], 0.0), self.w), min(max(b[1], 0.0), self.h))
        n = int(np.hypot(b[0] - a[0], b[1] - a[1]) // self.cell) + 2
        t = np.arange(n) / (n - 1)
        xs = ((a[0] + t * (b[0] - a[0])) // self.cell).astype(int)
        ys = ((a[1] + t * (b[1] - a[1])) // self.cell).astype(int)
        return ys, xs

    def line_hits(self, a, b) -> bool:
        """True if the segment from ``a`` to ``b`` crosses an occupied cell."""
        return bool(self.counts[self._line_cells(a, b)].any())

    def add_line(self, a, b) -> None:
        self.counts[self._line_cells(a, b)] += 1


def _inside(box, w: float, h: float) -> bool:
    return box[0] >= 0 and box[1] >= 0 and box[2] <= w and box[3] <= h


def _shift(box, x: float, y: float):
    return (box[0] + x, box[1] + y, box[2] + x, box[3] + y)


def _leader_end(box, x: float, y: float) -> tuple[float, float]:
    """Where the line from a dot at (x, y) meets its name's box.

    From above or below it ends on the box's top or bottom edge within the middle half of the
    name, so it still touches the text when the plot is wider than assumed (the name is then
    narrower than its box, around the same centre).
    """
    cx, quarter = (box[0] + box[2]) / 2, (box[2] - box[0]) / 4
    if y < box[1] or y > box[3]:
        return min(max(x, cx - quarter), cx + quarter), (box[1] if y < box[1] else box[3])
    return (box[0] if x < box[0] else box[2]), min(max(y, box[1]), box[3])


class _Placer:
    """One frame's placement state: dots, names and leader lines placed so far (pixels)."""

    def __init__(self, px: dict, sizes: dict, plot_px) -> None:
        self.w, self.h = plot_px
        self.px, self.sizes = px, sizes
        self.dots = _Grid(self.w, self.h, _DOT_CELL)
        self.names, self.lines = _Grid(self.w, self.h, _CELL), _Grid(self.w, self.h, _CELL)
        # Dots on the same pixel are one stack: a name next to the stack is next to each.
        self.stack: dict[tuple[int, int], int] = {}
        for t, (x, y) in px.items():
            self.stack[(round(x), round(y))] = self.stack.get((round(x), round(y)), 0) + 1
            self.dots.add(self._dot_box(t))
        centre = np.array(list(px.values())).mean(axis=0) if px else np.zeros(2)
        self.centre = (float(centre[0]), float(centre[1]))
        self.full = False

    def _dot_box(self, token: str, pad: float = _CLEAR):
        (x, y), r = self.px[token], self.sizes[token] / 2 + pad
        return (x - r, y - r, x + r, y + r)

    def _free(self, box, token: str | None = None) -> bool:
        if not _inside(box, self.w, self.h) or self.names.hits(box) or self.lines.hits(box):
            return False
        if token is None:
            return not self.dots.hits(box)
        x, y = self.px[token]
        return not self.dots.hits(
            box, minus=(self._dot_box(token), self.stack[(round(x), round(y))])
        )

    def _take(self, box) -> None:
        self.names.add(box)

    def beside(self, token: str, w: float) -> str | None:
        """The first free place next to the dot, as a textposition, or None."""
        x, y = self.px[token]
        for position, rel in _adjacent(self.sizes[token] / 2, w, _TEXT_H):
            box = _shift(rel, x, y)
            if self._free(box, token):
                self._take(box)
                return position
        return None

    def _leader_ok(self, token, box) -> bool:
        x, y = self.px[token]
        end = _leader_end(box, x, y)
        return not self.names.line_hits((x, y), end)

    def _commit_moved(self, token, box):
        x, y = self.px[token]
        end = _leader_end(box, x, y)
        self._take(box)
        self.lines.add_line((x, y), end)
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        # The line starts at the dot's rim, so it never crosses the dot it names.
        d = np.hypot(end[0] - x, end[1] - y)
        r = min(self.sizes[token] / 2, d) / max(d, 1e-9)
        start = (x + (end[0] - x) * r, y + (end[1] - y) * r)
        return centre, (start, end)

    def on_rings(self, token: str, w: float):
        """A free place further out, away from the crowd, joined by a leader line that
        crosses no other name; else the first free place whatever its line crosses."""
        x, y = self.px[token]
        boxes = self._ring_boxes(x, y, self.sizes[token] / 2, w)
        # The checks that do not change while names are placed, for every place at once.
        h = _TEXT_H
        ok = (boxes[:, 0] >= 0) & (boxes[:, 1] >= 0) & (boxes[:, 2] <= self.w)
        ok &= boxes[:, 3] <= self.h
        ok &= np.abs((boxes[:, 1] + boxes[:, 3]) / 2 - y) >= h / 2 + 2  # beside: _leader_end
        ok[ok] = self.dots.totals(boxes[ok]) == 0
        fallback, last_ring = None, _RINGS
        for i in np.flatnonzero(ok):
            if i // _ANGLES > last_ring:
                break
            box = tuple(boxes[i])
            if self.names.hits(box) or self.lines.hits(box):
                continue
            if self._leader_ok(token, box):
                return self._commit_moved(token, box)
            if fallback is None:  # a clean line is worth at most two rings more
                fallback, last_ring = box, i // _ANGLES + 2
        return None if fallback is None else self._commit_moved(token, fallback)

    def _ring_boxes(self, x: float, y: float, r: float, w: float) -> np.ndarray:
        """Name boxes on ``_RINGS`` rings around (x, y), nearest ring first, and on each
        ring away from the crowd first, then alternating either side of that direction."""
        away = np.arctan2(y - self.centre[1], x - self.centre[0])
        offsets = np.arange(_ANGLES) * (2 * np.pi / _ANGLES)
        angles = away + offsets[np.argsort(np.minimum(offsets, 2 * np.pi - offsets), kind="stable")]
        radii = r + _GAP + np.arange(1, _RINGS + 1) * _TEXT_H * 1.2
        cx = (x + radii[:, None] * np.cos(angles)[None]).ravel()
        cy = (y + radii[:, None] * np.sin(angles)[None]).ravel()
        return np.column_stack([cx - w / 2, cy - _TEXT_H / 2, cx + w / 2, cy + _TEXT_H / 2])

    def in_column(self, token: str, w: float):
        """A slot in a column at the plot's side nearer the dot (nearest height first)."""
        x, y = self.px[token]
        slots = min(int(self.h // (_TEXT_H + 2)), _SLOTS_PER_COLUMN)
        near = int(min(max(y // (_TEXT_H + 2), 0), slots - 1))
        order = sorted(range(slots), key=lambda s: abs(s - near))
        sides = (0, 1) if x < self.w / 2 else (1, 0)
        for strict in (True, False):  # last resort: over a dot, never over a name
            for side in sides:
                x0 = 2.0 if side == 0 else self.w - 2.0 - w
                for s in order:
                    box = (x0, s * (_TEXT_H + 2), x0 + w, s * (_TEXT_H + 2) + _TEXT_H)
                    ok = self._free(box) if strict else not self.names.hits(box)
                    if ok:
                        return self._commit_moved(token, box)
        return None


def place_labels(
    rows: pd.DataFrame,
    xr,
    yr,
    priority: Sequence[str],
    *,
    highlight: set[str] | frozenset = frozenset(),
    plot_px=PLOT_PX,
) -> dict[str, Label | None]:
    """Where each token's name goes on one frame (None: not named; hover still names it).

    In ``priority`` order (tokens not in it last): ``highlight`` first, then tokens of
    ``REQUIRED_KINDS`` (every row when ``rows`` has no ``kind`` column), then the rest: a name next to its dot where that is free (see
    the module docstring), else, for the required kinds, moved with a leader line. ``xr`` /
    ``yr`` are the fixed axis ranges, ``plot_px`` the plot area's (width, height) in pixels.
    """
    w, h = float(plot_px[0]), float(plot_px[1])
    xs = (rows["x"].to_numpy(dtype=float) - xr[0]) / (xr[1] - xr[0]) * w
    ys = (rows["y"].to_numpy(dtype=float) - yr[0]) / (yr[1] - yr[0]) * h
    px = {t: (x, y) for t, x, y in zip(rows["token"], xs, ys, strict=True)}
    px = {t: p for t, p in px.items() if np.isfinite(p).all()}
    kinds = dict(zip(rows["token"], rows["kind"], strict=True)) if "kind" in rows else {}
    required = {t for t in px if kinds.get(t, REQUIRED_KINDS[0]) in REQUIRED_KINDS}
    sizes = {t: _BIG_MARKER if t in highlight else _MARKER for t in px}
    placer = _Placer(px, sizes, (w, h))
    known = set(priority)
    ranked = [t for t in priority if t in px] + [t for t in px if t not in known]
    # Highlighted tokens first, then the required kinds, then the rest, each by priority.
    order = [t for t in ranked if t in highlight]
    order += [t for t in ranked if t in required and t not in highlight]
    order += [t for t in ranked if t not in required and t not in highlight]
    out: dict[str, Label | None] = dict.fromkeys(rows["token"])
    for token in order:
        width = label_width(token) * (1.15 if token in highlight else 1.0)
        position = placer.beside(token, width)
        if position is not None:
            out[token] = Label(position, *_data(px[token], xr, yr, w, h))
            continue
        if token not in required or placer.full:
            continue
        moved = placer.on_rings(token, width) or placer.in_column(token, width)
        placer.full = moved is None  # no slot left anywhere: the rest can only be hovered
        if moved is not None:
            centre, (a, b) = moved
            line = (_data(a, xr, yr, w, h), _data(b, xr, yr, w, h))
            out[token] = Label(None, *_data(centre, xr, yr, w, h), line=line)
    return out


def _data(p, xr, yr, w: float, h: float) -> tuple[float, float]:
    return (
        float(xr[0] + p[0] / w * (xr[1] - xr[0])),
        float(yr[0] + p[1] / h * (yr[1] - yr[0])),
    )


def text_label_boxes(traces, xr, yr, plot_px=PLOT_PX) -> list[tuple[float, float, float, float]]:
    """The boxes (plot fractions) of the token names that ``traces`` draw as text.

    The inverse of :func:`place_labels` for drawn traces: each name's box from its point and
    its ``textposition`` ("middle center" for a moved name), so labels added later (region
    names) can keep clear of them.
    """
    w, h = float(plot_px[0]), float(plot_px[1])
    boxes = []
    for trace in traces:
        if "text" not in (getattr(trace, "mode", None) or "") or trace.text is None:
            continue
        pos = trace.textposition
        positions = [pos] * len(trace.text) if isinstance(pos, str) or pos is None else pos
        for x, y, text, where in zip(trace.x, trace.y, trace.text, positions, strict=False):
            if not text or x is None or y is None or not np.isfinite([x, y]).all():
                continue
            plain = text.replace("<b>", "").replace("</b>", "")
            tw = label_width(plain) * (1.15 if plain != text else 1.0)
            px, py = (x - xr[0]) / (xr[1] - xr[0]) * w, (y - yr[0]) / (yr[1] - yr[0]) * h
            if where in (None, "middle center"):
                rel = (-tw / 2, -_TEXT_H / 2, tw / 2, _TEXT_H / 2)
            else:
                rel = dict(_adjacent(_MARKER / 2, tw, _TEXT_H)).get(where)
                if rel is None:
                    continue
            b = _shift(rel, px, py)
            boxes.append((b[0] / w, b[1] / h, b[2] / w, b[3] / h))
    return boxes


def label_priority(df: pd.DataFrame, highlight: set[str]) -> list[str]:
    """Highlighted tokens first, then the tokens that travelled furthest over the run."""
    ends = df.groupby("token", sort=True)[["x", "y"]].agg(["first", "last"])
    travel = np.hypot(
        ends["x"]["last"] - ends["x"]["first"], ends["y"]["last"] - ends["y"]["first"]
    )
    order = travel.fillna(0).sort_values(ascending=False, kind="stable").index.tolist()
    return [t for t in order if t in highlight] + [t for t in order if t not in highlight]
