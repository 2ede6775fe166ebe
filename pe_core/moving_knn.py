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
# The candidates' unit vectors are kept per row (gathering M random rows of a 400,000-row
# matrix at every snapshot cost more than the search it saved); at most this many bytes.
_CANDIDATE_BYTES = 32_000_000


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
        self.candidates = candidates
        self._cand: np.ndarray | None = None  # (rows, M) candidate word rows per row
        self._cand_vecs: np.ndarray | None = None  # (rows, M, d) their unit vectors
        self._ref: np.ndarray | None = None  # (rows, d) unit query at its last full search
        self._floor: np.ndarray | None = None  # (rows,) M-th cosine of that search; NaN: none
        self.full_searches = self.reused = 0

    def query(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indices int32 (n, k), cosines float32 (n, k), zero bool (n,))`` for ``rows``.

        A zero row has no direction: it gets indices 0..k-1 and cosines 0, and ``zero`` True.
        """
        return self.query_many([rows])[0]

    def query_many(self, snapshots) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """:meth:`query` of each of ``snapshots`` (a list of (n, d) arrays), in order.

        The answers, and every row's searches, are exactly those of calling :meth:`query` on
        each in turn; only the whole-vocabulary products are grouped. A product of a few rows
        reads the whole V x d matrix as one of 30 rows does (160 MB at 400,000 x 100), so the
        rows' searches are made in rounds: each round searches every row at the first snapshot
        its candidates cannot answer, all in one product.
        """
        units, zeros = (
            zip(*(self._unit(s) for s in snapshots), strict=True) if snapshots else ((), ())
        )
        if len({u.shape for u in units}) > 1:  # rows added or removed: one snapshot at a time
            return [self.query_many([s])[0] for s in snapshots]
        n = len(units[0]) if units else 0
        self._prepare(n, units[0].shape[1] if units else 0)
        out = [self._placeholders(n) + (z,) for z in zeros]
        done = np.zeros(n, np.int64)  # per row: snapshots answered so far
        while (done < len(units)).any():
            waiting = np.full(n, -1)  # per row: the snapshot it must be searched at
            for j, (unit, zero) in enumerate(zip(units, zeros, strict=True)):
                rows = np.flatnonzero((done == j) & (waiting < 0))
                idx, sim, _ = out[j]
                free = rows[zero[rows]]
                done[free] += 1
                rows = rows[~zero[rows]]
                known = rows[~np.isnan(self._floor[rows])]
                ok = self._reuse(known, unit, idx, sim)
                done[rows[ok[rows]]] += 1
                waiting[rows[~ok[rows]]] = j
            todo = np.flatnonzero(waiting >= 0)
            if len(todo):
                self._search(todo, np.stack([units[waiting[r]][r] for r in todo]), waiting, out)
                done[todo] += 1
        return out

    def _unit(self, rows) -> tuple[np.ndarray, np.ndarray]:
        rows = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(rows, axis=1)
        zero = norms == 0
        return rows / np.where(zero, 1.0, norms)[:, None], zero

    def _placeholders(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        idx = np.tile(np.arange(self.k, dtype=np.int32), (n, 1))
        return idx, np.zeros((n, self.k), np.float32)

    def _prepare(self, n: int, d: int) -> None:
        if self._cand is not None and len(self._cand) == n:
            return
        if self.candidates is None:  # as many as fit the memory bound, 4k to 1,024
            fit = _CANDIDATE_BYTES // (4 * max(1, d) * max(1, n))
            self.m = int(min(self.index.n, max(4 * self.k, min(1024, fit))))
        self._cand = np.zeros((n, self.m), np.int64)
        self._cand_vecs = np.zeros((n, self.m, d), np.float32)
        self._ref = np.zeros((n, d), np.float32)
        self._floor = np.full(n, np.nan)

    def _reuse(self, rows: np.ndarray, unit: np.ndarray, idx, sim) -> np.ndarray:
        """Answer ``rows`` from their candidates where the bound allows; the mask of those."""
        ok = np.zeros(len(unit), bool)
        if not len(rows):
            return ok
        cand = self._cand[rows]  # (r, M)
        sims = np.einsum("rmd,rd->rm", self._cand_vecs[rows], unit[rows])
        part = np.argpartition(-sims, self.k - 1, axis=1)[:, : self.k]
        ranked = np.argsort(-np.take_along_axis(sims, part, axis=1), axis=1, kind="stable")
        order = np.take_along_axis(part, ranked, axis=1)
        top = np.take_along_axis(sims, order, axis=1)
        moved = np.linalg.norm(unit[rows] - self._ref[rows], axis=1)
        good = top[:, -1] >= self._floor[rows] + moved + _SLACK
        hit = rows[good]
        idx[hit] = np.take_along_axis(cand[good], order[good], axis=1)
        sim[hit] = top[good]
        ok[hit] = True
        self.reused += len(hit)
        return ok

    def _search(self, todo: np.ndarray, queries: np.ndarray, at: np.ndarray, out) -> None:
        """Whole-vocabulary search of rows ``todo`` (unit ``queries``), row r answering
        snapshot ``at[r]`` of ``out``; their candidates are refreshed."""
        cand, cand_sim = self.index.query(queries, k=self.m)
        self.full_searches += len(todo)
        for i, r in enumerate(todo):
            idx, sim, _ = out[at[r]]
            idx[r], sim[r] = cand[i, : self.k], cand_sim[i, : self.k]
        self._cand[todo], self._ref[todo] = cand, queries
        self._cand_vecs[todo] = self.index._prepared[cand]
        # With every word a candidate, nothing lies outside: any bound holds.
        self._floor[todo] = cand_sim[:, -1] if self.m < self.index.n else -np.inf
