"""Placing moving points on a fixed t-SNE / UMAP map: affinity-weighted, continuous, exact on words.

openTSNE's and UMAP's own ``transform`` optimise each new point against the reference with a
noisy or history-dependent optimiser. For a token that moves a little between snapshots they
can jump between clusters (long zig-zag trails), and they may leave a token among words that
are not its neighbours. :class:`AffinityPlacement` instead draws a point at the weighted mean
of the map positions of its nearest reference words, with weights calibrated the way the map
itself was built:

* t-SNE: a Gaussian on squared distances whose width gives the chosen perplexity (openTSNE's
  rule for the reference's own affinities);
* UMAP: ``exp(-(d - rho) / sigma)`` with ``rho`` the nearest distance and ``sigma`` chosen so
  the memberships sum to ``log2(k)`` (UMAP's ``smooth_knn_dist`` rule).

Two factors make the placement faithful where the plain kernels are not:

* ``1 / d^2``: a point at distance 0 from a word lands exactly on it (a copy of a word is
  drawn on that word), and a point very near a word is drawn very near it.
* a taper that falls to 0 at the (k+1)-th neighbour: when a word enters or leaves the k
  nearest it has weight 0, so the drawn position is a continuous function of the vector; small
  moves of the vector are small moves on the map.

Then a short, bounded optimisation: a few mean-shift steps on the map, each moving the point
to the affinity-weighted mean of its neighbours' positions seen through a Gaussian window of
``bandwidth`` (in units of the map's typical distance from a word to its 10th map neighbour).
It pulls a point that the mean left between two groups of its neighbours into the group that
holds most of their weight, where its nearest words are drawn. Every step is a convex
combination of neighbour positions, so the point stays among them; a copy of a word does not
move off it; the steps are a continuous function of the start.

A run's snapshots are placed by :meth:`AffinityPlacement.place_sequence`, which adds
continuity between frames (the way dynamic t-SNE keeps a moving point coherent in time).
Measured on the app's default runs (bench/RESULTS.md), placing each frame on its own drew
paths up to 7x as crooked as the real ones: when a token's weight is split between two
groups of words, the dominant group flips back and forth from frame to frame and the point
zig-zags across the map, a jump the size of the map for a small move of the vector. Two
rules, both causal (a frame depends only on itself and the frames before it):

* **keep the mode**: each frame's mean-shift also runs from the token's previous position;
  the token stays in the group it was in while that group's windowed weight is at least
  ``keep_mode`` x the strongest group's. It changes group only when the vector really left.
* **bounded steps**: a drawn step is at most ``step_scale`` x the vector's step (chord
  between unit rows) x half the map's diameter, plus ``step_floor`` word spacings. A change
  of group becomes a glide over a few frames instead of one leap; the floor makes sure the
  token arrives even when the vector barely moves any more.

A copy of a word is still drawn exactly on it (no bound applies), a token's first frame
with a direction is placed on its own, and :meth:`AffinityPlacement.place` (one frame, no
history) is unchanged. The reference coordinates are only read; no random numbers are
used, so the result is deterministic and the same on every page given the same snapshots.
Rows without a direction (zero or near-zero, see ``faithfulness.has_direction``) get NaN.
"""

from __future__ import annotations

import numpy as np

from pe_core.faithfulness import has_direction, map_diameter
from pe_core.neighbours import NeighbourIndex, normalise_rows

KERNELS = ("tsne", "umap")
_BISECTION_STEPS = 64
# Squared unit-row distance below which a point is a copy of a word (float32 cosines of a row
# with itself are 1 - 1e-7 or so).
_EXACT = 1e-6


def _calibrate_tsne(d2: np.ndarray, base: np.ndarray, perplexity: float) -> np.ndarray:
    """Per-row beta >= 0 so that the weights ``base * exp(-beta * d2)`` have the perplexity.

    ``d2`` are squared distances minus the row's smallest (so exp never underflows at beta=0).
    Where even beta = 0 gives less than the perplexity, beta stays 0.
    """
    target = np.log(perplexity)
    lo = np.zeros(len(d2))
    hi = np.full(len(d2), np.inf)
    beta = np.ones(len(d2))
    for _ in range(_BISECTION_STEPS):
        w = base * np.exp(-beta[:, None] * d2)
        p = w / np.maximum(w.sum(axis=1, keepdims=True), 1e-300)
        entropy = -(p * np.log(np.where(p > 0, p, 1.0))).sum(axis=1)
        too_wide = entropy > target
        lo = np.where(too_wide, beta, lo)
        hi = np.where(too_wide, hi, beta)
        beta = np.where(np.isfinite(hi), (lo + hi) / 2, beta * 2)
    return np.where(np.isfinite(hi), hi, lo)


def _calibrate_umap(d: np.ndarray, k: int) -> np.ndarray:
    """UMAP's memberships ``exp(-(d - rho) / sigma)`` with ``sum = log2(k)`` per row."""
    rho = d[:, :1]
    gap = d - rho
    target = np.log2(k)
    lo, hi = np.zeros(len(d)), np.full(len(d), np.inf)
    sigma = np.ones(len(d))
    for _ in range(_BISECTION_STEPS):
        total = np.exp(-gap / sigma[:, None]).sum(axis=1)
        too_big = total > target
        hi = np.where(too_big, sigma, hi)
        lo = np.where(too_big, lo, sigma)
        sigma = np.where(np.isfinite(hi), (lo + hi) / 2, sigma * 2)
    return np.exp(-gap / np.maximum(sigma, 1e-12)[:, None])


class AffinityPlacement:
    """Draw points at the affinity-weighted mean of their nearest reference words' positions.

    Args:
        reference: (n, d) reference vectors (cosine: compared as unit rows).
        ref_xy: (n, 2) their fixed map coordinates; only read.
        kernel: ``"tsne"`` (perplexity-calibrated Gaussian) or ``"umap"`` (UMAP memberships).
        size: the perplexity (t-SNE) or the number of neighbours (UMAP) of the kernel.
        k: neighbours looked at; default ``3 * perplexity`` (openTSNE's rule) or ``size``.
        bandwidth: the mean-shift window, in map units of a word's 10th-neighbour distance.
        shift_iter: mean-shift steps after the weighted mean (0: the weighted mean itself).
        keep_mode: ``place_sequence`` keeps a token in its previous group of words while that
            group's windowed weight is >= this share of the strongest group's (0: never
            change group; 1: always the strongest, no memory).
        step_scale: ``place_sequence`` draws a step at most this many times the vector's
            step (on unit rows, scaled by half the map's diameter) ...
        step_floor: ... plus this many word spacings (the 10th-neighbour distance).

    Example:
        >>> ref = np.eye(4, dtype=np.float32)
        >>> xy = np.array([[0.0, 0], [1, 0], [0, 1], [1, 1]])
        >>> AffinityPlacement(ref, xy, "tsne", size=2).place(ref[[2]]).tolist()
        [[0.0, 1.0]]
    """

    def __init__(
        self,
        reference,
        ref_xy,
        kernel: str = "tsne",
        size: float = 5.0,
        k: int | None = None,
        *,
        bandwidth: float = 2.0,
        shift_iter: int = 20,
        keep_mode: float = 0.4,
        step_scale: float = 1.5,
        step_floor: float = 0.5,
    ):
        if kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {', '.join(KERNELS)}; got {kernel!r}")
        self.reference = np.asarray(reference, dtype=np.float32)
        self.ref_xy = np.asarray(ref_xy, dtype=np.float64)
        n = len(self.reference)
        if self.ref_xy.shape != (n, 2):
            raise ValueError(f"ref_xy must be ({n}, 2) like the reference; got {self.ref_xy.shape}")
        if n < 3:
            raise ValueError(f"the reference needs at least 3 words; got {n}")
        self.kernel, self.size = kernel, float(size)
        default = int(np.ceil(3 * size)) if kernel == "tsne" else int(size)
        # One more neighbour than weighted: the taper's zero point.
        self.k = int(min(max(2, k or default), n - 1))
        self._index = NeighbourIndex(self.reference, metric="cosine")
        if bandwidth <= 0 or shift_iter < 0:
            raise ValueError(
                f"bandwidth must be > 0 and shift_iter >= 0; got {bandwidth}, {shift_iter}"
            )
        if not 0 <= keep_mode <= 1 or step_scale <= 0 or step_floor < 0:
            raise ValueError(
                "keep_mode must be in [0, 1], step_scale > 0 and step_floor >= 0; got "
                f"{keep_mode}, {step_scale}, {step_floor}"
            )
        self.shift_iter = int(shift_iter)
        spacing = _typical_spacing(self.ref_xy)
        self.bandwidth = float(bandwidth) * spacing
        self.keep_mode, self.step_scale = float(keep_mode), float(step_scale)
        self.step_floor = float(step_floor) * spacing
        self._half_diameter = map_diameter(self.ref_xy) / 2

    def weights(self, points) -> tuple[np.ndarray, np.ndarray]:
        """(indices (m, k), weights (m, k), rows summing to 1) of each point's neighbours.

        Rows without a direction get NaN weights.
        """
        p = np.asarray(points, dtype=np.float32)
        idx, cos = self._index.query(p, k=self.k + 1)
        d2 = np.clip(2.0 - 2.0 * cos.astype(np.float64), 0.0, 4.0)  # unit-row distances
        w = self._weights(d2)
        w[~has_direction(p, self.reference)] = np.nan
        return idx[:, : self.k], w

    def _weights(self, d2: np.ndarray) -> np.ndarray:
        near, edge = d2[:, : self.k], d2[:, self.k :]
        exact = near[:, :1] <= _EXACT
        span = np.maximum(edge - near[:, :1], 1e-12)
        taper = np.clip((edge - near) / span, 0.0, 1.0)
        inverse = 1.0 / np.maximum(near, 1e-12)
        if self.kernel == "tsne":
            base = taper * inverse / inverse.max(axis=1, keepdims=True)
            beta = _calibrate_tsne(near - near[:, :1], base, min(self.size, self.k))
            w = base * np.exp(-beta[:, None] * (near - near[:, :1]))
        else:
            w = taper * inverse * _calibrate_umap(np.sqrt(near), self.k)
        # A copy of a word: every weight on the word(s) at distance 0.
        w = np.where(exact, (near <= _EXACT).astype(np.float64), w)
        return w / np.maximum(w.sum(axis=1, keepdims=True), 1e-300)

    def _check(self, points) -> np.ndarray:
        p = np.asarray(points, dtype=np.float32)
        if p.ndim != 2 or p.shape[1] != self.reference.shape[1]:
            raise ValueError(
                f"points must be (m, {self.reference.shape[1]}) like the reference; got {p.shape}"
            )
        return p

    def place(self, points) -> np.ndarray:
        """(m, 2) map positions of ``points`` (m, d); NaN rows where there is no direction.

        Each point on its own (no history): the weighted mean, then mean-shift.
        """
        p = self._check(points)
        if not len(p):
            return np.zeros((0, 2))
        idx, w = self.weights(p)
        return self._shift(idx, w, self._mean(idx, w))

    def place_sequence(self, frames) -> np.ndarray:
        """(S, m, 2) positions of the same m tokens over S frames ((S, m, d)), coherent in time.

        Frame 0, and a token's first frame with a direction, are placed as :meth:`place`
        does; later frames keep the token's group of words and bound its step (see the
        module docstring). NaN where a row has no direction.
        """
        frames = np.asarray(frames, dtype=np.float32)
        if frames.ndim != 3:
            raise ValueError(f"frames must be (snapshots, m, d); got shape {frames.shape}")
        s_count, m, _ = frames.shape
        out = np.full((s_count, m, 2), np.nan)
        if not frames.size:
            return out
        unit = normalise_rows(frames.reshape(s_count * m, -1).astype(np.float64))
        unit = unit.reshape(frames.shape)
        mode = np.full((m, 2), np.nan)  # the group each token is in (before the bound)
        for t in range(s_count):
            # One query per frame: a frame's result never depends on how many follow it.
            idx, w = self.weights(self._check(frames[t]))
            ok = np.isfinite(w).all(axis=1)
            before = ok & np.isfinite(mode).all(axis=1)
            target = self._target(idx[ok], w[ok], mode[ok], before[ok])
            mode[:] = np.nan  # a row that lost its direction starts afresh later
            mode[ok] = target
            drawn = target.copy()
            if t and before.any():
                chord = np.linalg.norm(unit[t, ok] - unit[t - 1, ok], axis=1)
                glide = self._bounded(out[t - 1, ok], target, chord)
                on_word = w[ok].max(axis=1) >= 1.0  # a copy of a word lands on it
                drawn = np.where((before[ok] & ~on_word)[:, None], glide, target)
            out[t, ok] = drawn
        return out

    def _target(self, idx, w, previous, has_previous) -> np.ndarray:
        """The strongest mode, or the mode reached from the previous position if strong enough."""
        best = self._shift(idx, w, self._mean(idx, w))
        if not has_previous.any():
            return best
        i, wi = idx[has_previous], w[has_previous]
        kept = self._shift(i, wi, previous[has_previous])
        strong = self._density(i, wi, kept) >= self.keep_mode * self._density(
            i, wi, best[has_previous]
        )
        best[np.flatnonzero(has_previous)[strong]] = kept[strong]
        return best

    def _bounded(self, start, target, chord) -> np.ndarray:
        """Move from ``start`` toward ``target`` by at most the bound for a vector step ``chord``."""
        limit = self.step_scale * chord * self._half_diameter + self.step_floor
        step = target - start
        length = np.linalg.norm(step, axis=1)
        scale = np.where(length > limit, limit / np.maximum(length, 1e-300), 1.0)
        return start + step * scale[:, None]

    def _mean(self, idx, w) -> np.ndarray:
        return np.einsum("mk,mkc->mc", w, self.ref_xy[idx])

    def _window(self, idx, w, y) -> np.ndarray:
        d2 = ((y[:, None, :] - self.ref_xy[idx]) ** 2).sum(-1)
        return w * np.exp(-d2 / (2 * self.bandwidth**2))

    def _density(self, idx, w, y) -> np.ndarray:
        """The windowed weight around ``y``: how strong the group of words there is."""
        return self._window(idx, w, y).sum(axis=1)

    def _shift(self, idx, w, y) -> np.ndarray:
        """``shift_iter`` mean-shift steps from ``y``; a copy of a word stays on it."""
        around = self.ref_xy[idx]
        on_word = w.max(axis=1, initial=0.0) >= 1.0
        y = np.where(on_word[:, None], self._mean(idx, w), y)  # exactly on the word
        for _ in range(self.shift_iter):
            window = self._window(idx, w, y)
            total = window.sum(axis=1, keepdims=True)
            moved = np.einsum("mk,mkc->mc", window, around) / np.maximum(total, 1e-300)
            # No neighbour in the window: stay.
            y = np.where((total > 1e-300) & ~on_word[:, None], moved, y)
        return y


def _typical_spacing(ref_xy: np.ndarray, k: int = 10) -> float:
    """Median distance from a reference point to its ``k``-th nearest map neighbour."""
    from scipy.spatial import cKDTree

    k = min(k, len(ref_xy) - 1)
    dist, _ = cKDTree(ref_xy).query(ref_xy, k=k + 1)
    return float(np.median(dist[:, k])) or 1.0
