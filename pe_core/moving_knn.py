"""Exact cosine top-K of query rows that move a little between calls (training snapshots).

A full search of 30 rows over 400,000 words reads the whole 400,000 x d matrix. Between two
snapshots a trainable row usually turns by a small angle, so its nearest words barely change.
:class:`MovingTopK` keeps, per row, the M best candidates of its last full search and the M-th
cosine ``s_M`` of that search. For a unit vector q' and any unit word vector w outside the
candidates, ``q'.w <= q.w + |q' - q| <= s_M + |q' - q|`` (Cauchy-Schwarz), with q the row at
the full search. So when the K-th best cosine among the candidates is at least that bound, the
top-K is exactly among the candidates and no full search is needed; otherwise the row is
searched fully again (and its candidates refreshed). The answer is always exact.
"""

from __future__ import annotations

import numpy as np

# Float32 cosines carry about 1e-6 of rounding; the bound is widened by this much to stay exact.
_SLACK = 1e-5


class MovingTopK:
    """Top-``k`` words (cosine) of ``num_rows`` moving rows, exact, cheap while they move little.

    Args:
        index: a cosine ``NeighbourIndex`` (its ``_prepared`` rows are unit vectors).
        k: neighbours per row. ``candidates``: M, kept per row (more: fewer full searches).

    Attributes: ``full_searches`` and ``reused`` count rows answered each way.
    """

    def __init__(self, index, k: int, candidates: int | None = None) -> None:
        self.index = index
        self.k = int(min(k, index.n))
        self.m = int(min(index.n, candidates or max(4 * self.k, 128)))
        self._cand: dict[int, np.ndarray] = {}  # row -> candidate word rows (M,)
        self._ref: dict[int, np.ndarray] = {}  # row -> unit query at its last full search
        self._floor: dict[int, float] = {}  # row -> M-th cosine of that search
        self.full_searches = self.reused = 0

    def query(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indices int32 (n, k), cosines float32 (n, k), zero bool (n,))`` for ``rows``.

        A zero row has no direction: it gets indices 0..k-1 and cosines 0, and ``zero`` True.
        """
        rows = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(rows, axis=1)
        zero = norms == 0
        unit = rows / np.where(zero, 1.0, norms)[:, None]
        idx = np.tile(np.arange(self.k, dtype=np.int32), (len(rows), 1))
        sim = np.zeros((len(rows), self.k), np.float32)
        todo = []
        for r in np.flatnonzero(~zero).tolist():
            got = self._reuse(r, unit[r])
            if got is None:
                todo.append(r)
            else:
                idx[r], sim[r] = got
        if todo:
            self._search(todo, unit, idx, sim)
        return idx, sim, zero

    def _reuse(self, r: int, q: np.ndarray):
        cand = self._cand.get(r)
        if cand is None:
            return None
        sims = self.index._prepared[cand] @ q
        order = np.argsort(-sims, kind="stable")[: self.k]
        bound = self._floor[r] + float(np.linalg.norm(q - self._ref[r])) + _SLACK
        if sims[order[-1]] < bound:
            return None
        self.reused += 1
        return cand[order].astype(np.int32), sims[order].astype(np.float32)

    def _search(self, todo: list[int], unit: np.ndarray, idx, sim) -> None:
        cand, cand_sim = self.index.query(unit[todo], k=self.m)
        self.full_searches += len(todo)
        for j, r in enumerate(todo):
            idx[r], sim[r] = cand[j, : self.k], cand_sim[j, : self.k]
            self._cand[r], self._ref[r] = cand[j], unit[r].copy()
            # With every word a candidate, nothing lies outside: any bound holds.
            self._floor[r] = float(cand_sim[j, -1]) if self.m < self.index.n else -np.inf
