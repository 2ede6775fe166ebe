"""How faithful a 2-D map is to the vectors it draws: *near*, *tortuosity* and largest step.

Every figure here uses the metric the map is built on: cosine, i.e. euclidean distance between
unit rows. A map is judged by the same rules whether it is PCA, t-SNE or UMAP:

* **near**: the share of moving tokens whose true nearest reference word (in d dimensions) is
  among the ``k`` map points nearest to where the token is drawn, divided by the same share
  for the reference words themselves (for a word: its nearest *other* word). 1.0 means tokens
  are drawn among their words as well as the map draws words among theirs.
* **tortuosity ratio** per token: its 2-D path length over its 2-D start-to-end distance,
  divided by the same ratio of its d-dimensional path (on unit rows). 1.0 means the drawn path
  is exactly as crooked as the real one; larger means zig-zags the vector never made.
* **largest step**: the longest single step of a token's drawn path as a share of the map's
  diameter (the largest distance between two reference points).

Paths start where a token first has a direction (see :func:`has_direction`): a zero vector is
not anywhere on the map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pe_core.neighbours import normalise_rows

#: A row shorter than this share of the reference's median length has no direction yet.
NEAR_ZERO = 1e-4
#: *near* from which a map draws tokens among their true words (issue 11's target); below
#: it the page says that the words drawn around a token are not its true neighbours.
FAITHFUL_NEAR = 0.8


def has_direction(rows, reference=None, *, rel: float = NEAR_ZERO) -> np.ndarray:
    """True per row whose length is above ``rel`` x the median reference length (or ``rel``).

    Zero (and near-zero) rows have no cosine to anything, so no place on a cosine map.
    """
    rows = np.asarray(rows, dtype=np.float64)
    scale = 1.0
    if reference is not None and len(reference):
        scale = float(np.median(np.linalg.norm(np.asarray(reference, dtype=np.float64), axis=1)))
    return np.linalg.norm(rows, axis=-1) > rel * (scale or 1.0)


def map_diameter(xy) -> float:
    """The largest distance between two points of ``xy`` (n, 2), via their convex hull."""
    from scipy.spatial import ConvexHull, QhullError

    pts = np.asarray(xy, dtype=np.float64)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) < 2:
        return 0.0
    try:
        pts = pts[ConvexHull(pts).vertices]
    except (QhullError, ValueError):  # collinear or too few points: use them all
        pass
    diff = pts[:, None, :] - pts[None, :, :]
    return float(np.sqrt((diff**2).sum(-1)).max())


def _map_knn(ref_xy: np.ndarray, points: np.ndarray, k: int, exclude_self: bool) -> np.ndarray:
    """Indices of the ``k`` reference map points nearest to each of ``points`` (2-D)."""
    k = max(1, min(k, len(ref_xy) - int(exclude_self)))
    out = np.empty((len(points), k), dtype=np.int64)
    for start in range(0, len(points), 1024):
        block = points[start : start + 1024]
        d2 = ((block[:, None, :] - ref_xy[None, :, :]) ** 2).sum(-1)
        if exclude_self:
            rows = np.arange(start, start + len(block))
            d2[np.arange(len(block)), rows] = np.inf
        out[start : start + len(block)] = np.argpartition(d2, k - 1, axis=1)[:, :k]
    return out


def _true_nearest(unit_ref: np.ndarray, unit_q: np.ndarray, exclude_self: bool) -> np.ndarray:
    out = np.empty(len(unit_q), dtype=np.int64)
    for start in range(0, len(unit_q), 1024):
        sims = unit_q[start : start + 1024] @ unit_ref.T
        if exclude_self:
            rows = np.arange(start, start + len(sims))
            sims[np.arange(len(sims)), rows] = -np.inf
        out[start : start + len(sims)] = np.argmax(sims, axis=1)
    return out


def word_near_share(reference, ref_xy, k: int = 10) -> float:
    """Share of reference words whose nearest other word is among their ``k`` map neighbours."""
    unit = normalise_rows(np.asarray(reference, dtype=np.float32))
    xy = np.asarray(ref_xy, dtype=np.float64)
    truth = _true_nearest(unit, unit, exclude_self=True)
    shown = _map_knn(xy, xy, k, exclude_self=True)
    return float((shown == truth[:, None]).any(axis=1).mean())


def token_near_hits(reference, ref_xy, rows, xy, k: int = 10) -> np.ndarray:
    """Per token: is its true nearest reference word among the ``k`` map points around it?"""
    unit = normalise_rows(np.asarray(reference, dtype=np.float32))
    truth = _true_nearest(unit, normalise_rows(np.asarray(rows, dtype=np.float32)), False)
    shown = _map_knn(np.asarray(ref_xy, dtype=np.float64), np.asarray(xy, np.float64), k, False)
    return (shown == truth[:, None]).any(axis=1)


def map_agreement(reference, ref_xy, rows, xy, k: int = 10) -> np.ndarray:
    """Per point: how many of its ``k`` map neighbours are among its ``k`` true neighbours."""
    unit = normalise_rows(np.asarray(reference, dtype=np.float32))
    q = normalise_rows(np.asarray(rows, dtype=np.float32))
    xy = np.asarray(xy, dtype=np.float64)
    k = min(k, len(unit))
    out = np.empty(len(q), dtype=int)
    for start in range(0, len(q), 1024):
        sims = q[start : start + 1024] @ unit.T
        true = np.sort(np.argpartition(-sims, k - 1, axis=1)[:, :k], axis=1)
        shown = np.sort(
            _map_knn(np.asarray(ref_xy, np.float64), xy[start : start + 1024], k, False), axis=1
        )
        # Both rows sorted: count common members by a merge over the k x k comparison.
        out[start : start + len(sims)] = (true[:, :, None] == shown[:, None, :]).any(-1).sum(-1)
    return out


def _path_lengths(path: np.ndarray) -> tuple[float, float, np.ndarray]:
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    return float(steps.sum()), float(np.linalg.norm(path[-1] - path[0])), steps


@dataclass
class Faithfulness:
    """The faithfulness figures of one map for one run (see the module docstring)."""

    near: float
    token_near_share: float
    word_near_share: float
    tortuosity: np.ndarray
    largest_step: np.ndarray
    moving: int

    @property
    def tortuosity_median(self) -> float:
        return float(np.median(self.tortuosity)) if len(self.tortuosity) else float("nan")

    @property
    def tortuosity_p90(self) -> float:
        return float(np.percentile(self.tortuosity, 90)) if len(self.tortuosity) else float("nan")

    @property
    def largest_step_median(self) -> float:
        return float(np.median(self.largest_step)) if len(self.largest_step) else float("nan")

    @property
    def largest_step_max(self) -> float:
        return float(np.max(self.largest_step)) if len(self.largest_step) else float("nan")

    def verdict(self) -> str:
        """Whether the words drawn around a token can be read as its neighbours, in words."""
        if not self.near >= FAITHFUL_NEAR:  # NaN included: nothing to vouch for
            return (
                f"on this map the words drawn around a token are NOT its true nearest words "
                f"(only {self.token_near_share:.0%} of tokens have their nearest word among "
                f"the 10 drawn around them): read a token's neighbours from its hover"
            )
        return "tokens are drawn among their true nearest words"

    def line(self) -> str:
        """One line for the page: the verdict, then the four figures in words."""
        if not self.moving:
            return "Faithfulness: no token has moved yet."
        return (
            f"Faithfulness of this map · {self.verdict()} · near {self.near:.2f} (tokens drawn "
            f"among their true nearest words, relative to the words themselves; 1 = as well "
            f"as the words) · "
            f"paths ×{self.tortuosity_median:.2f} as crooked as the real ones (median; "
            f"worst tenth ×{self.tortuosity_p90:.2f}) · largest step "
            f"{self.largest_step_median:.0%} of the map (median token; max "
            f"{self.largest_step_max:.0%}) · {self.moving} moving tokens"
        )

    def as_dict(self) -> dict[str, float]:
        return {
            "near": self.near,
            "token_near_share": self.token_near_share,
            "word_near_share": self.word_near_share,
            "tortuosity_median": self.tortuosity_median,
            "tortuosity_p90": self.tortuosity_p90,
            "largest_step_median": self.largest_step_median,
            "largest_step_max": self.largest_step_max,
            "moving": float(self.moving),
        }


def faithfulness(
    reference, ref_xy, trajectory, placed, *, k: int = 10, word_share: float | None = None
) -> Faithfulness:
    """Near, tortuosity and largest step of a run's tokens drawn on a map.

    Args:
        reference: (n, d) reference vectors; ``ref_xy``: their (n, 2) map coordinates.
        trajectory: (S, m, d) token rows per snapshot; ``placed``: (S, m, 2) where they are
            drawn (NaN where a row has no direction yet).
        k: map neighbours looked at for *near*.
        word_share: the words' own near share when already known (it costs O(n^2)).
    """
    traj = np.asarray(trajectory, dtype=np.float64)
    placed = np.asarray(placed, dtype=np.float64)
    directed = has_direction(traj, reference) & np.isfinite(placed).all(axis=-1)
    unit = normalise_rows(traj.reshape(-1, traj.shape[-1])).reshape(traj.shape)
    diameter = map_diameter(ref_xy) or 1.0
    tort, largest, moving = [], [], []
    for t in range(traj.shape[1]):
        ok = np.flatnonzero(directed[:, t])
        if len(ok) < 2:
            continue
        d_len, d_span, _ = _path_lengths(unit[ok, t])
        if d_span <= 1e-9:
            continue  # the row's direction never changed: not a moving token
        moving.append(t)
        m_len, m_span, steps = _path_lengths(placed[ok, t])
        tort.append((m_len / m_span if m_span > 0 else np.inf) / (d_len / d_span))
        largest.append(steps.max() / diameter)
    moving = np.array(moving, dtype=int)
    if word_share is None:
        word_share = word_near_share(reference, ref_xy, k)
    last = traj.shape[0] - 1
    alive = moving[directed[last, moving]] if len(moving) else moving
    hits = token_near_hits(reference, ref_xy, traj[last, alive], placed[last, alive], k)
    share = float(hits.mean()) if len(hits) else float("nan")
    return Faithfulness(
        near=share / word_share if word_share else float("nan"),
        token_near_share=share,
        word_near_share=float(word_share),
        tortuosity=np.array(tort, dtype=np.float64),
        largest_step=np.array(largest, dtype=np.float64),
        moving=len(moving),
    )
