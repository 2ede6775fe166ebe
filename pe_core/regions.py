"""Named regions of the reference map: clusters of the words in d dimensions, labelled by words.

The reference words are clustered on their full vectors (cosine k-means: k-means on unit-length
rows), not on the 2-D picture, so a region is a group of words that mean alike whatever the map
method. Each region is named by 2-3 of its most representative words: among the members nearest
to the region's centre, the most frequent ones (GloVe files are in frequency order, so the
reference row order is the frequency order), preferring plain words to punctuation and numbers.

:func:`region_annotations` turns the regions into plotly annotations placed on the map: at the
densest part of each region on the 2-D picture, inside the plot, never over another label nor
over any token's marker (at any snapshot). A region with no free place keeps no label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pe_core.neighbours import normalise_rows
from pe_core.plots.labels import text_label_boxes

# Label box size in fractions of the plot, for a map about 700 x 560 px with 11 px text.
_CHAR_W, _LABEL_H = 0.0095, 0.032
_MARKER = 0.024  # a token marker's box (12 px plus a margin)
_CANDIDATES = 80  # positions tried per region, densest first


@dataclass
class Regions:
    """Regions of a reference: ``labels[i]`` is the region of reference row i.

    Attributes:
        labels: (n,) int region id per reference row, ids 0..r-1 by decreasing size.
        words: per region, its 2-3 representative words.
        sizes: per region, how many reference words it holds.
    """

    labels: np.ndarray
    words: list[list[str]]
    sizes: list[int]

    @property
    def names(self) -> list[str]:
        """Per region, its label text: "word · word · word"."""
        return [" · ".join(w) for w in self.words]

    def __len__(self) -> int:
        return len(self.words)


def default_region_count(n: int) -> int:
    """About one region per 200 words, from 4 to 12 (a map with more labels is unreadable)."""
    return int(np.clip(round(np.sqrt(n / 20)), 4, 12)) if n >= 8 else max(1, n // 2)


def find_regions(
    reference,
    words: Sequence[str],
    n_regions: int | None = None,
    *,
    seed: int = 0,
    n_words: int = 3,
) -> Regions:
    """Cluster ``reference`` (n, d) into regions and name each by ``n_words`` of its words.

    Same reference, words and seed -> the same regions and names; every word is in exactly
    one region.
    """
    from sklearn.cluster import KMeans

    x = normalise_rows(np.asarray(reference, dtype=np.float32))
    if x.ndim != 2 or len(x) != len(words):
        raise ValueError(f"reference is {x.shape} but there are {len(words)} words")
    n = len(x)
    r = default_region_count(n) if n_regions is None else int(n_regions)
    if not 1 <= r <= n:
        raise ValueError(f"n_regions must be from 1 to the {n} reference words; got {n_regions}")
    fit = KMeans(n_clusters=r, n_init=4, random_state=int(seed)).fit(x.astype(np.float64))
    raw = fit.labels_
    # Ids by decreasing size (ties: smallest old id), so region 0 is the largest on every run.
    counts = np.bincount(raw, minlength=r)
    order = sorted(range(r), key=lambda c: (-counts[c], c))
    relabel = np.empty(r, dtype=np.int64)
    relabel[order] = np.arange(r)
    labels = relabel[raw]
    centres = normalise_rows(fit.cluster_centers_[order].astype(np.float32))
    names = [
        _representative(x, words, np.flatnonzero(labels == c), centres[c], n_words)
        for c in range(r)
    ]
    return Regions(labels=labels, words=names, sizes=[int(counts[c]) for c in order])


def _representative(x, words, members: np.ndarray, centre, n_words: int) -> list[str]:
    """The most frequent plain words among the members nearest to the centre."""
    if not len(members):
        return []
    cos = x[members] @ centre
    near = members[np.argsort(-cos, kind="stable")[: max(8, 3 * n_words)]]
    plain = [i for i in near if _plain(words[i])]
    pick = sorted(plain or near.tolist())[:n_words]  # lower row = more frequent word
    return [words[i] for i in pick]


def _plain(word: str) -> bool:
    return len(word) > 1 and word.replace("-", "").replace("'", "").isalpha()


def region_annotations(
    regions: Regions,
    ref_xy,
    xr: Sequence[float],
    yr: Sequence[float],
    avoid_xy=None,
    *,
    keep: dict[int, tuple[float, float]] | None = None,
    candidates: list[np.ndarray] | None = None,
    color: str = "#5f6670",
    avoid_boxes: Sequence[tuple[float, float, float, float]] = (),
) -> list[dict]:
    """Plotly annotations naming the regions on a map with axis ranges ``xr`` / ``yr``.

    Each label sits on the densest part of its region in 2-D (the member with most of its
    region within a small radius), moved to the next densest member while its box would leave
    the plot (near an edge it is shifted inwards) or cover a label already placed or any point of ``avoid_xy`` (the token markers).
    Larger regions are placed first; a region with no free place has no label. ``keep``:
    region -> (x, y) in plot fractions to try first (the previous frame's place, so labels stay
    put while the tokens move); filled in with the places chosen. ``candidates``: the result
    of :func:`label_candidates`, when placing many frames of one map. ``avoid_boxes``: boxes
    (plot fractions) no label may cover, e.g. the tokens' own names
    (``pe_core.plots.text_label_boxes``), so a region label never cuts one off.
    """
    if candidates is None:
        candidates = label_candidates(regions, ref_xy, xr, yr)
    avoid = _fractions(avoid_xy, xr, yr) if avoid_xy is not None else np.zeros((0, 2))
    avoid = avoid[np.isfinite(avoid).all(axis=1)]
    keep = {} if keep is None else keep
    placed: list[tuple[float, float, float, float]] = list(avoid_boxes)
    out = []
    for c, name in enumerate(regions.names):
        tries = candidates[c]
        if not name or not len(tries):
            continue
        w = _CHAR_W * len(name) + 0.012
        if c in keep:
            tries = np.vstack([np.asarray(keep[c])[None], tries])
        for x, y in tries:
            # A region at the edge of the map gets its label shifted inwards, not dropped.
            x, y = np.clip(x, w / 2, 1 - w / 2), np.clip(y, _LABEL_H / 2, 1 - _LABEL_H / 2)
            box = (x - w / 2, y - _LABEL_H / 2, x + w / 2, y + _LABEL_H / 2)
            if _fits(box, placed, avoid):
                placed.append(box)
                keep[c] = (float(x), float(y))
                out.append(_annotation(name, x, y, xr, yr, color))
                break
        else:
            keep.pop(c, None)
    return out


def frame_annotations(
    regions: Regions, ref_xy, xr, yr, frames: Sequence[tuple[str, np.ndarray]], boxes=None
) -> dict[str, list[dict]]:
    """Region labels for every frame of an animated map: ``{frame name: annotations}``.

    ``frames``: (name, token positions (m, 2)) in play order. A label keeps its place from one
    frame to the next unless a token moves under it, so no frame covers a token's marker.
    ``boxes``: frame name -> the boxes of that frame's token names, kept clear too.
    """
    keep: dict[int, tuple[float, float]] = {}
    tries = label_candidates(regions, ref_xy, xr, yr)
    boxes = boxes or {}
    return {
        name: region_annotations(
            regions,
            ref_xy,
            xr,
            yr,
            xy,
            keep=keep,
            candidates=tries,
            avoid_boxes=boxes.get(name, ()),
        )
        for name, xy in frames
    }


def label_candidates(regions: Regions, ref_xy, xr, yr) -> list[np.ndarray]:
    """Per region, the places its label may take (plot fractions), densest part first."""
    xy = _fractions(ref_xy, xr, yr)
    return [_dense_first(xy[regions.labels == c])[:_CANDIDATES] for c in range(len(regions))]


def _fractions(points, xr, yr) -> np.ndarray:
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    return np.column_stack(
        [(p[:, 0] - xr[0]) / (xr[1] - xr[0]), (p[:, 1] - yr[0]) / (yr[1] - yr[0])]
    )


def _dense_first(points: np.ndarray, radius: float = 0.06) -> np.ndarray:
    """The points ordered by how many of the others lie within ``radius`` (densest first)."""
    points = points[:2000]  # the pairwise distances stay small for a huge region
    d2 = ((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
    density = (d2 < radius**2).sum(axis=1)
    return points[np.argsort(-density, kind="stable")]


def _fits(box, placed, avoid: np.ndarray) -> bool:
    x0, y0, x1, y1 = box
    if x0 < 0.0 or y0 < 0.0 or x1 > 1.0 or y1 > 1.0:
        return False
    if any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in placed):
        return False
    h = _MARKER / 2
    hit = (
        (avoid[:, 0] + h > x0)
        & (avoid[:, 0] - h < x1)
        & (avoid[:, 1] + h > y0)
        & (avoid[:, 1] - h < y1)
    )
    return not hit.any()


#: The map's plot area in px, as ``pe_core.plots`` sizes its labels (about 700 x 560).
_PLOT_PX = (700.0, 560.0)


def callout_boxes(annotations, xr, yr) -> list[tuple[float, float, float, float]]:
    """The boxes (plot fractions) of the callouts among ``annotations`` (``pe_core.focus``):
    an arrow from the point to a bordered label ``ax`` / ``ay`` px away, kept clear too."""
    boxes = []
    for ann in annotations or ():
        get = ann.get if isinstance(ann, dict) else lambda k, a=ann: getattr(a, k, None)
        if get("name") != "callout":
            continue
        text = str(get("text") or "").replace("<b>", "").replace("</b>", "")
        font = get("font")
        font = (font.get("size") if isinstance(font, dict) else getattr(font, "size", None)) or 12
        fx = (float(get("x")) - xr[0]) / (xr[1] - xr[0]) + float(get("ax") or 0) / _PLOT_PX[0]
        fy = (float(get("y")) - yr[0]) / (yr[1] - yr[0]) - float(get("ay") or 0) / _PLOT_PX[1]
        half_w = (0.62 * font * len(text) + 10) / _PLOT_PX[0] / 2  # bold text, border, pad
        half_h = (font + 12) / _PLOT_PX[1] / 2
        boxes.append((fx - half_w, fy - half_h, fx + half_w, fy + half_h))
    return boxes


def _annotation(name: str, x: float, y: float, xr, yr, color: str) -> dict:
    return {
        "x": round(xr[0] + x * (xr[1] - xr[0]), 4),
        "y": round(yr[0] + y * (yr[1] - yr[0]), 4),
        "xref": "x",
        "yref": "y",
        "text": name,
        "showarrow": False,
        "font": {"size": 11, "color": color},
        "bgcolor": "rgba(255,255,255,0.75)",
        "borderpad": 2,
        "name": "region",
    }


def add_region_labels(fig, regions: Regions, ref_xy, df_tokens, avoid_xy=None) -> int:
    """Name the regions on a map figure of ``pe_core.plots`` (animated or static), in place.

    Animated maps get the labels of each frame in that frame's layout (a token moving under a
    label moves the label); a static map avoids every token position in ``df_tokens``.
    Annotations already in the figure (arrows, callouts) are kept. Returns how many regions are
    labelled in the frame shown first. ``avoid_xy``: more points to keep clear on every frame
    (e.g. the focus token's ringed nearest words).
    """
    extra = np.zeros((0, 2)) if avoid_xy is None else np.asarray(avoid_xy, float).reshape(-1, 2)
    xr, yr = list(fig.layout.xaxis.range), list(fig.layout.yaxis.range)
    positions = {
        str(s): rows[["x", "y"]].to_numpy(dtype=float)
        for s, rows in df_tokens.groupby("snapshot", sort=True)
    }
    if not fig.frames:
        points = np.vstack([df_tokens[["x", "y"]].to_numpy(dtype=float), extra])
        names = text_label_boxes(fig.data, xr, yr) + callout_boxes(fig.layout.annotations, xr, yr)
        labels = region_annotations(regions, ref_xy, xr, yr, points, avoid_boxes=names)
        fig.layout.annotations = [*fig.layout.annotations, *labels]
        return len(labels)
    names = [f.name for f in fig.frames]
    per_frame = frame_annotations(
        regions,
        ref_xy,
        xr,
        yr,
        [(n, np.vstack([positions.get(n, np.zeros((0, 2))), extra])) for n in names],
        boxes={
            f.name: text_label_boxes(f.data, xr, yr)
            + callout_boxes(f.layout.annotations if f.layout else (), xr, yr)
            for f in fig.frames
        },
    )
    for frame in fig.frames:
        frame.layout.annotations = [*(frame.layout.annotations or ()), *per_frame[frame.name]]
    active = fig.layout.sliders[0].active if fig.layout.sliders else len(names) - 1
    shown = per_frame[names[active or 0]]
    fig.layout.annotations = [*fig.layout.annotations, *shown]
    return len(shown)
