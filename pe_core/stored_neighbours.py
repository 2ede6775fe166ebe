"""Neighbours computed once per snapshot, while the run trains, and kept with its result.

Every page that shows "the nearest words" of a trainable token (Neighbours, drift, the map's
hover and path table, summaries, exports) reads them from here instead of searching the whole
vocabulary again on every rerun: at V = 400,000 one search of 30 tokens is a 400,000 x 30
similarity block, and a page rerun would redo it for every stored snapshot.

The normalised matrix (the search index) is built once per ``Vectors`` object and shared by
every run and session that uses those vectors (:func:`shared_index`); it is never written to.

Stored per run, for every snapshot it keeps: the top-K word rows (int32) and cosines (float32)
of every trainable token, and a flag for tokens that are still zero (no direction).

Memory: a run keeps at most ``max_snapshots_for(k)`` snapshots (:data:`SNAPSHOT_ROW_BUDGET`
token-snapshots in all), so for any k the trajectory holds at most 200,000 x d float32 and the
stored neighbours at most 200,000 x K x 8 bytes (48 MB at K = 30). The search worker adds its
candidates (at most 32 MB, ``moving_knn``) and the snapshots waiting to be searched (copies of
kept snapshots, so within the same bound). Plus one normalised copy of the vectors (V x d
float32, 160 MB at 400,000 x 100) shared by everyone.

Time: the search runs in a worker thread of the run (:class:`NeighbourRecorder`), overlapped
with training; a row that moved less than its candidates allow is answered from them without
a whole-vocabulary search (``moving_knn``); BLAS uses one thread meanwhile.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass

import numpy as np

from pe_core.knn import NeighbourIndex

#: Neighbours stored per token and snapshot (cosine, over the whole vocabulary).
STORED_K = 30
#: Token-snapshots (S x k) a run keeps at most; see the module docstring for what it bounds.
SNAPSHOT_ROW_BUDGET = 200_000

_INDEX_LOCK = threading.Lock()
# Snapshots the worker searches together at most (those waiting when it is free): one
# whole-vocabulary product per round of rows instead of one per snapshot.
_MAX_BATCH = 64


def _one_blas_thread():
    """BLAS on one thread while the worker searches: training has the other core, and on a
    busy 2-core box OpenBLAS threads waiting for each other made the search 2x slower and the
    small products of the pages ~100x slower (20 ms instead of 0.2 ms). Process-wide while it
    lasts (OpenBLAS has one setting); threadpoolctl comes with scikit-learn."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a scikit-learn dependency
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def max_snapshots_for(num_tokens: int, requested: int) -> int:
    """Snapshots a run with ``num_tokens`` trainable rows keeps: ``requested``, or fewer so that
    snapshots x tokens stays within :data:`SNAPSHOT_ROW_BUDGET` (at least 2: first and last)."""
    return max(2, min(int(requested), SNAPSHOT_ROW_BUDGET // max(1, int(num_tokens))))


def shared_index(vectors, metric: str = "cosine"):
    """The ``NeighbourIndex`` of ``vectors.matrix`` for ``metric``, built once per ``vectors``.

    Kept on the ``Vectors`` object itself, so it lives exactly as long as the vectors do and is
    shared by every run and session holding them (the app caches loaded vectors process-wide).
    Read-only after construction, so threads may query it at the same time.
    """
    indexes = getattr(vectors, "_neighbour_indexes", None) or {}
    index = indexes.get(metric)
    if index is not None and index.matrix.shape == np.shape(vectors.matrix):
        return index
    with _INDEX_LOCK:
        indexes = getattr(vectors, "_neighbour_indexes", None) or {}
        index = indexes.get(metric)
        if index is None or index.matrix.shape != np.shape(vectors.matrix):
            index = NeighbourIndex(vectors.matrix, metric=metric)
            if metric == "cosine":  # its own normalised copy; euclidean reads the vectors' matrix
                index._prepared.setflags(write=False)
            try:
                vectors._neighbour_indexes = {**indexes, metric: index}
            except AttributeError:  # an object that takes no attributes: not shared
                pass
    return index


def token_neighbours(result, vectors, token: int, snapshot: int, k: int, metric="cosine"):
    """Top-``k`` words of trainable row ``token`` at ``snapshot``: ``(indices, scores)`` 1-D.

    Read from the stored neighbours (cosine, k <= K); otherwise one query on the shared index.
    """
    stored = stored_neighbours(result, vectors)
    if metric == "cosine" and stored is not None and k <= stored.k:
        return stored.indices[snapshot, token, :k], stored.similarities[snapshot, token, :k]
    row = np.asarray(result.trajectory[snapshot, token])
    idx, score = shared_index(vectors, metric).query(row[None], k=k)
    return idx[0], score[0]


@dataclass
class SnapshotNeighbours:
    """The top-K nearest pretrained words (cosine) of every token at every snapshot.

    Attributes:
        k: K, neighbours per token and snapshot.
        indices: int32 (S, tokens, K), rows of the run's ``Vectors`` (nearest first).
        similarities: float32 (S, tokens, K), their cosines.
        zero: bool (S, tokens), True where the token's row was all zeros (no direction: its
            neighbours are meaningless and must not be shown).
        seconds: time spent searching, in total (for the benchmarks).
        full_searches: token rows searched over the whole vocabulary, in total; the other
            token-snapshots were answered exactly from their candidates (``moving_knn``).
    """

    k: int
    indices: np.ndarray
    similarities: np.ndarray
    zero: np.ndarray
    seconds: float = 0.0
    full_searches: int = 0

    def top(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(indices, similarities)`` of the first ``k`` neighbours, (S, tokens, k)."""
        if not 1 <= k <= self.k:
            raise ValueError(f"k must be from 1 to the {self.k} stored neighbours; got {k}")
        return self.indices[..., :k], self.similarities[..., :k]

    def select(self, keep) -> SnapshotNeighbours:
        """The neighbours of the snapshots ``keep`` (indices or a boolean mask)."""
        return SnapshotNeighbours(
            self.k,
            self.indices[keep],
            self.similarities[keep],
            self.zero[keep],
            self.seconds,
            self.full_searches,
        )


class NeighbourRecorder:
    """Searches each new snapshot's rows as it arrives, in a worker thread of its own.

    The training thread hands a snapshot over (:meth:`submit`) and goes on with the next batch;
    the worker searches the snapshots in order, so the search overlaps training instead of
    adding to it. A snapshot is *ready* once its neighbours are known; :meth:`finish` waits for
    the last ones (and re-raises an error of the worker). Snapshots the run drops while thinning
    are :meth:`discard`-ed and not searched.

    Args:
        vectors: the run's pretrained ``Vectors`` (searched whole, through :func:`shared_index`).
        k: neighbours kept per token (at most the number of vectors).
        background: False searches in the caller's thread, inside :meth:`submit`.
    """

    def __init__(self, vectors, k: int = STORED_K, background: bool = True) -> None:
        from pe_core.moving_knn import MovingTopK

        self.index = shared_index(vectors)
        self.k = int(min(k, self.index.n))
        self.seconds = 0.0
        # Rows move a little per snapshot: most are answered exactly from their candidates.
        self._search = MovingTopK(self.index, self.k)
        self._lock = threading.Lock()
        self._results: dict[int, tuple] = {}
        self._dropped: set[int] = set()
        self._error: BaseException | None = None
        self._queue = None
        self._thread = None
        self.background = bool(background)

    @property
    def full_searches(self) -> int:
        """Token rows searched over the whole vocabulary so far (not answered from candidates)."""
        return self._search.full_searches

    def search(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Top-k of one snapshot's rows (tokens, d): int32 indices, float32 cosines, zero mask
        (zero rows have no direction: placeholder indices 0..k-1, cosines 0)."""
        t0 = time.perf_counter()
        found = self._search.query(rows)
        self.seconds += time.perf_counter() - t0
        return found

    def submit(self, seq: int, rows: np.ndarray) -> None:
        """Search snapshot ``seq`` (increasing per run) with rows ``rows`` (tokens, d)."""
        if not self.background:
            self._store(seq, self.search(rows))
            return
        if self._thread is None:
            import queue

            self._queue = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._work, name="pe-lab-neighbours")
            self._thread.daemon = True  # a stuck search never keeps the process alive
            self._thread.start()
        self._queue.put((seq, np.array(rows, dtype=np.float32)))

    def _work(self) -> None:
        with _one_blas_thread():
            self._work_loop()

    def _work_loop(self) -> None:
        import queue

        ended = False
        while not ended:
            batch = [self._queue.get()]
            while batch[-1] is not None and len(batch) < _MAX_BATCH:
                try:  # every snapshot waiting: searched together, fewer products of the matrix
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            ended = batch[-1] is None
            with self._lock:
                batch = [i for i in batch if i is not None and i[0] not in self._dropped]
                if self._error is not None or not batch:
                    continue
            try:
                self._store_many(batch)
            except Exception:  # noqa: BLE001 - one by one: the ones before the bad one are kept
                self._store_each(batch)

    def _store_each(self, batch) -> None:
        for seq, rows in batch:
            try:
                self._store(seq, self.search(rows))
            except BaseException as err:  # noqa: BLE001 - re-raised by finish()
                with self._lock:
                    self._error = err
                return

    def _store_many(self, batch) -> None:
        t0 = time.perf_counter()
        found = self._search.query_many([rows for _, rows in batch])
        self.seconds += time.perf_counter() - t0
        for (seq, _), one in zip(batch, found, strict=True):
            self._store(seq, one)

    def _store(self, seq: int, found: tuple) -> None:
        with self._lock:
            if seq not in self._dropped:
                self._results[seq] = found

    def discard(self, seqs) -> None:
        """Forget snapshots ``seqs`` (dropped by the run): not searched, results freed."""
        with self._lock:
            for seq in seqs:
                self._dropped.add(seq)
                self._results.pop(seq, None)

    def ready(self, seqs) -> list[bool]:
        """For each of ``seqs``: are its neighbours known?"""
        with self._lock:
            return [seq in self._results for seq in seqs]

    def results(self, seqs) -> list[tuple]:
        """The search results of ready snapshots ``seqs``, in that order."""
        with self._lock:
            return [self._results[seq] for seq in seqs]

    def finish(self) -> None:
        """Wait until every submitted snapshot is searched; re-raise the worker's error."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error

    @staticmethod
    def stack(
        parts, num_tokens: int, k: int, seconds: float, full_searches: int = 0
    ) -> SnapshotNeighbours:
        """A :class:`SnapshotNeighbours` from the per-snapshot results of :meth:`search`."""
        if not parts:
            empty = np.zeros((0, num_tokens, k), np.int32)
            zero = np.zeros((0, num_tokens), bool)
            return SnapshotNeighbours(
                k, empty, empty.astype(np.float32), zero, seconds, full_searches
            )
        idx, sim, zero = zip(*parts, strict=True)
        return SnapshotNeighbours(
            k, np.stack(idx), np.stack(sim), np.stack(zero), seconds, full_searches
        )


def stored_neighbours(result, vectors=None):
    """The run's stored neighbours when they cover every snapshot (else None).

    ``vectors``, when given, must be the vectors the run searched (same number of rows).
    """
    nb = getattr(result, "neighbours", None)
    if nb is None:
        return None
    if len(nb.indices) != len(result.trajectory):
        return None
    if vectors is not None and nb.k and nb.indices.size and nb.indices.max() >= len(vectors):
        return None
    return nb
