"""Token names on a map: where each label goes without covering another, and the boxes drawn.

Boxes are in fractions of the plot area; sizes are measured for a map about 700 x 560 px with
12 px text and 12 px markers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

_CHAR_W, _LABEL_H = 0.011, 0.025
_MARKER_W, _MARKER_H = 0.018, 0.022


def _label_width(text: str) -> float:
    # Characters outside the BMP (emoji) draw about twice as wide as a letter.
    return _CHAR_W * sum(2 if ord(c) > 0xFFFF else 1 for c in text) + 0.01


def _label_boxes(x: float, y: float, w: float):
    """Candidate (textposition, box) pairs for a label of width ``w`` at point (x, y)."""
    gap_x, gap_y = _MARKER_W / 2 + 0.004, _MARKER_H / 2 + 0.002
    if x < w / 2:
        horizontal, x0 = "right", x - _MARKER_W / 2
    elif x > 1 - w / 2:
        horizontal, x0 = "left", x + _MARKER_W / 2 - w
    else:
        horizontal, x0 = "center", x - w / 2
    above = (f"top {horizontal}", (x0, y + gap_y, x0 + w, y + gap_y + _LABEL_H))
    below = (f"bottom {horizontal}", (x0, y - gap_y - _LABEL_H, x0 + w, y - gap_y))
    mid = (y - _LABEL_H / 2, y + _LABEL_H / 2)
    right = ("middle right", (x + gap_x, mid[0], x + gap_x + w, mid[1]))
    left = ("middle left", (x - gap_x - w, mid[0], x - gap_x, mid[1]))
    order = [below, above] if y + gap_y + _LABEL_H > 1 else [above, below]
    order += [left, right] if x + gap_x + w > 1 else [right, left]
    return order


def _overlaps(box, others) -> bool:
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in others)


_NOBODY = object()  # the owner of no box: every stored box counts


class _BoxGrid:
    """Boxes bucketed by grid cell, so an overlap test looks only at the boxes nearby.

    Coincident markers (all tokens at the origin before training) share one entry with their
    count, so a test costs O(cells covered) and placing k labels O(k) on average.
    """

    def __init__(self, cell_w: float, cell_h: float) -> None:
        self.cw, self.ch = cell_w, cell_h
        self.cells: dict[tuple[int, int], dict] = {}

    def _span(self, box):
        i0, i1 = int(np.floor(box[0] / self.cw)), int(np.floor(box[2] / self.cw))
        j0, j1 = int(np.floor(box[1] / self.ch)), int(np.floor(box[3] / self.ch))
        return ((i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1))

    def add(self, box, owner=None) -> None:
        for cell in self._span(box):
            entry = self.cells.setdefault(cell, {}).setdefault(box, set())
            entry.add(owner)

    def hits(self, box, owner: object = _NOBODY) -> bool:
        """True if ``box`` overlaps a stored box not owned only by ``owner``."""
        for cell in self._span(box):
            for other, owners in self.cells.get(cell, {}).items():
                if owners != {owner} and _overlaps(box, (other,)):
                    return True
        return False


def place_labels(rows: pd.DataFrame, xr, yr, priority: Sequence[str]) -> dict[str, str | None]:
    """Where to put each token's text label on one frame, or None where there is no room.

    Greedy, in ``priority`` order (tokens not in it last): a label goes above its point, else
    below, right or left (turned inwards at the plot's edges), at the first place where it
    covers neither a label already placed nor another token's marker. ``xr`` / ``yr`` are the
    fixed axis ranges; boxes are compared in fractions of them, through a grid of cells, so a
    frame of k tokens costs O(k) on average (not O(k^2)).
    """
    xs = (rows["x"].to_numpy(dtype=float) - xr[0]) / (xr[1] - xr[0])
    ys = (rows["y"].to_numpy(dtype=float) - yr[0]) / (yr[1] - yr[0])
    at = {t: (x, y) for t, x, y in zip(rows["token"], xs, ys, strict=True)}
    at = {t: p for t, p in at.items() if np.isfinite(p).all()}
    markers = _BoxGrid(_MARKER_W, _MARKER_H)
    for t, (x, y) in at.items():
        box = (x - _MARKER_W / 2, y - _MARKER_H / 2, x + _MARKER_W / 2, y + _MARKER_H / 2)
        markers.add((round(box[0], 9), round(box[1], 9), round(box[2], 9), round(box[3], 9)), t)
    labels = _BoxGrid(4 * _MARKER_W, _LABEL_H)
    out: dict[str, str | None] = dict.fromkeys(rows["token"])
    known = set(priority)
    for token in [t for t in priority if t in at] + [t for t in at if t not in known]:
        for position, box in _label_boxes(*at[token], _label_width(token)):
            if not labels.hits(box) and not markers.hits(box, token):
                labels.add(box)
                out[token] = position
                break
    return out


def text_label_boxes(traces, xr, yr) -> list[tuple[float, float, float, float]]:
    """The boxes (plot fractions) of the token names that ``traces`` draw as text.

    The inverse of :func:`place_labels` for drawn traces: each label's box from its point and
    its ``textposition``, so labels added later (region names) can keep clear of them.
    """
    boxes = []
    for trace in traces:
        if "text" not in (getattr(trace, "mode", None) or "") or trace.text is None:
            continue
        pos = trace.textposition
        positions = [pos] * len(trace.text) if isinstance(pos, str) or pos is None else pos
        for x, y, text, where in zip(trace.x, trace.y, trace.text, positions, strict=False):
            if not text or x is None or y is None:
                continue
            plain = text.replace("<b>", "").replace("</b>", "")
            fx, fy = (x - xr[0]) / (xr[1] - xr[0]), (y - yr[0]) / (yr[1] - yr[0])
            for position, box in _label_boxes(fx, fy, _label_width(plain)):
                if position == where:
                    pad = 0.1 * (box[2] - box[0]) if plain != text else 0.0  # bold is wider
                    boxes.append((box[0] - pad, box[1], box[2] + pad, box[3]))
                    break
    return boxes


def label_priority(df: pd.DataFrame, highlight: set[str]) -> list[str]:
    """Highlighted tokens first, then the tokens that travelled furthest over the run."""
    ends = df.groupby("token", sort=True)[["x", "y"]].agg(["first", "last"])
    travel = np.hypot(
        ends["x"]["last"] - ends["x"]["first"], ends["y"]["last"] - ends["y"]["first"]
    )
    order = travel.fillna(0).sort_values(ascending=False, kind="stable").index.tolist()
    return [t for t in order if t in highlight] + [t for t in order if t not in highlight]
