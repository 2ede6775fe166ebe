"""Neighbour drift over training: each token's top-k words at every snapshot, what entered and
left, and its cosine to chosen words. The exact search itself is ``pe_core.knn`` (``nearest``,
``NeighbourIndex`` and ``normalise_rows`` are re-exported here).

``neighbour_drift`` follows each trainable token through the snapshots of a training run:
its top-k at every snapshot, which words entered / left its neighbourhood and when, and its
cosine similarity over time to words the user chose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from pe_core.knn import NeighbourIndex, nearest, normalise_rows
from pe_core.stored_neighbours import shared_index, stored_neighbours

__all__ = ["NeighbourDrift", "NeighbourIndex", "nearest", "neighbour_drift", "normalise_rows"]


@dataclass
class NeighbourDrift:
    """How the neighbourhoods of the trainable tokens changed over a training run.

    Attributes:
        top: one row per (token, snapshot, rank): token, kind, snapshot, step, epoch, rank
            (1 = nearest), word, similarity (cosine). Snapshots where a token is the zero
            vector (no direction yet) have no rows; they are counted in ``zero_snapshots``.
        changes: one row per word entering or leaving a token's top-k: token, kind, word,
            event ("entered" | "left"), snapshot, step, epoch.
        similarity: cosine over time: token, word, snapshot, step, epoch, similarity, rank
            (NaN when outside the top-k), chosen (True for the ``words`` asked for);
            similarity is NaN where the token is the zero vector. Covers
            every word that was ever in the token's top-k plus the chosen words.
        summary: one row per token: kind, first/last top-k, entered, left, overlap (share
            of the first non-zero top-k still present at the end).
        zero_snapshots: token -> number of snapshots where its vector was all zeros.
    """

    k: int
    top: pd.DataFrame
    changes: pd.DataFrame
    similarity: pd.DataFrame
    summary: pd.DataFrame
    zero_snapshots: dict[str, int] = field(default_factory=dict)

    def covers(self, token: str) -> bool:
        """Whether ``token`` had a direction at some snapshot (a row always zero has no
        neighbours to track)."""
        return token in set(self.similarity["token"])

    def changes_of(self, token: str) -> pd.DataFrame:
        """``token``'s entering and leaving words: snapshot, epoch, event, word."""
        return self.changes.loc[self.changes.token == token, ["snapshot", "epoch", "event", "word"]]

    def entered_left(self, token: str) -> tuple[int, int]:
        """How many words entered and how many left ``token``'s top-k over the run."""
        events = self.changes.loc[self.changes.token == token, "event"]
        return int((events == "entered").sum()), int((events == "left").sum())

    def of_token(self, token: str) -> NeighbourDrift:
        """This drift with the similarity table of ``token`` alone (for its figure)."""
        return replace(self, similarity=self.similarity[self.similarity.token == token])


def _snapshot_meta(result) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    traj = np.asarray(result.trajectory, dtype=np.float32)
    if traj.ndim != 3:
        raise ValueError(f"result.trajectory must be (snapshots, tokens, dim); got {traj.shape}")
    s = traj.shape[0]
    steps = np.asarray(getattr(result, "steps", np.arange(s)))
    epochs = np.asarray(getattr(result, "epochs", np.zeros(s)), dtype=float)
    if len(steps) != s or len(epochs) != s:
        raise ValueError(
            f"result.steps ({len(steps)}) and result.epochs ({len(epochs)}) must have one entry "
            f"per snapshot ({s})"
        )
    return traj, steps, epochs


def _chosen_rows(vectors, words: Sequence[str]) -> list[int]:
    missing = [w for w in words if w not in vectors]
    if missing:
        raise ValueError(f"words not in the vectors: {missing}; pick words that have vectors")
    return [vectors.index(w) for w in words]


def neighbour_drift(result, vectors, k: int = 10, words: Sequence[str] = ()) -> NeighbourDrift:
    """Top-k neighbours of every trainable token at every snapshot, and how they changed.

    Args:
        result: a training result with ``.tokens``, ``.token_kinds``, ``.trajectory``
            (snapshots x tokens x dim), ``.steps`` and ``.epochs``.
        vectors: the loaded pretrained ``Vectors`` (neighbours are searched over all of them).
        k: neighbours per token and snapshot. When the result carries stored neighbours
            (``result.neighbours``, computed during training) with at least k, they are read,
            not searched again.
        words: words whose cosine similarity to every token is tracked over time.
    """
    traj, steps, epochs = _snapshot_meta(result)
    tokens, kinds = list(result.tokens), list(result.token_kinds)
    if traj.shape[2] != vectors.dim:
        raise ValueError(
            f"trajectory dimension {traj.shape[2]} differs from the vectors' {vectors.dim}"
        )
    chosen = _chosen_rows(vectors, words)
    idx, score, nonzero = _top_k(result, traj, vectors, k)
    # Whole arrays, no loop over tokens x snapshots: at V = 400,000 and 76 snapshots the old
    # per-token loops and per-token frames cost seconds on every page rerun.
    entered, left = _events(idx, nonzero)
    meta_cols = ["token", "kind", "snapshot", "step", "epoch"]
    return NeighbourDrift(
        k=k,
        top=_top_frame(tokens, kinds, steps, epochs, idx, score, nonzero, vectors.words),
        changes=_changes_frame(tokens, kinds, steps, epochs, idx, entered, left, vectors.words)[
            [*meta_cols, "word", "event"]
        ],
        similarity=_with_meta(
            _similarity(tokens, traj, vectors, idx, nonzero, chosen), steps, epochs
        ),
        summary=_summary_frame(tokens, kinds, idx, nonzero, entered, left, vectors.words),
        zero_snapshots={t: int(n) for t, n in zip(tokens, (~nonzero).sum(axis=0), strict=True)},
    )


def _events(idx: np.ndarray, nonzero: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(S-1, T, k) masks: word ``idx[s+1, t, j]`` entered at s+1 (the token had a top-k at s
    too: a first direction brings a first top-k, not k words "entering"); word ``idx[s, t, j]``
    left at s+1 (gone from the top-k, or the token went back to zero)."""
    cur, prev = idx[1:], idx[:-1]
    in_prev = (cur[..., :, None] == prev[..., None, :]).any(axis=-1)
    in_cur = (prev[..., :, None] == cur[..., None, :]).any(axis=-1)
    nz_cur, nz_prev = nonzero[1:, :, None], nonzero[:-1, :, None]
    return nz_cur & nz_prev & ~in_prev, nz_prev & ~(nz_cur & in_cur)


def _changes_frame(tokens, kinds, steps, epochs, idx, entered, left, words) -> pd.DataFrame:
    """One row per event, token by token, snapshot by snapshot, entries before exits."""
    parts = []
    for code, mask, source in ((0, entered, idx[1:]), (1, left, idx[:-1])):
        s, t, j = np.nonzero(mask)
        parts.append((t, s + 1, np.full(len(s), code), j, source[s, t, j]))
    t, s, ev, j, row = (np.concatenate(cols) for cols in zip(*parts, strict=True))
    order = np.lexsort((j, ev, s, t))
    t, s, ev, row = t[order], s[order], ev[order], row[order]
    return pd.DataFrame(
        {
            "token": np.asarray(tokens, dtype=object)[t],
            "kind": np.asarray(kinds, dtype=object)[t],
            "snapshot": s,
            "step": np.asarray(steps)[s].astype(int),
            "epoch": np.asarray(epochs, dtype=float)[s],
            "word": [words[r] for r in row.tolist()],
            "event": np.asarray(["entered", "left"], dtype=object)[ev],
        }
    )


def _summary_frame(tokens, kinds, idx, nonzero, entered, left, words) -> pd.DataFrame:
    """Per token: first and last top-k, entries, exits, and the share of the first kept."""
    first_snap = nonzero.argmax(axis=0)
    rows = []
    for t, (token, kind) in enumerate(zip(tokens, kinds, strict=True)):
        first = idx[first_snap[t], t].tolist() if nonzero[:, t].any() else []
        last = idx[-1, t].tolist() if nonzero[-1, t] else []
        kept = len(set(first) & set(last)) / len(first) if first else float("nan")
        rows.append(
            {
                "token": token,
                "kind": kind,
                "first_top": [words[r] for r in first],
                "last_top": [words[r] for r in last],
                "entered": int(entered[:, t].sum()),
                "left": int(left[:, t].sum()),
                "overlap": kept,
            }
        )
    return pd.DataFrame(rows)


def _similarity(tokens, traj, vectors, idx, nonzero, chosen) -> pd.DataFrame:
    """Cosine of every token's path to the words it ever had as neighbours + the chosen ones,
    one frame for all tokens (token by token, snapshot-major, words in order of first entry)."""
    cols = {c: [] for c in ("t", "row", "snapshot", "similarity", "rank")}
    s_count = traj.shape[0]
    unit_paths = normalise_rows(traj.reshape(-1, traj.shape[2])).reshape(traj.shape)
    for t in range(len(tokens)):
        seen = idx[nonzero[:, t], t].ravel()
        uniq, first = np.unique(seen, return_index=True)
        rows = list(dict.fromkeys([*uniq[np.argsort(first)].tolist(), *chosen]))
        if not rows:
            continue
        words = normalise_rows(vectors.matrix[rows])
        # einsum, not matmul: tiny products, and BLAS threads on a busy box cost ~100x here.
        sims = np.einsum("sd,wd->sw", unit_paths[:, t], words)
        sims[~nonzero[:, t]] = np.nan  # a zero vector has no cosine
        rank = np.full(sims.shape, np.nan)
        live = np.flatnonzero(nonzero[:, t])
        if len(live):
            rows_arr = np.asarray(rows)
            order = np.argsort(rows_arr, kind="stable")
            top = idx[live, t]
            at = order[np.searchsorted(rows_arr[order], top)]
            rank[live[:, None], at] = np.arange(1, top.shape[1] + 1)
        cols["t"].append(np.full(sims.size, t))
        cols["row"].append(np.tile(rows, s_count))
        cols["snapshot"].append(np.repeat(np.arange(s_count), len(rows)))
        cols["similarity"].append(sims.ravel())
        cols["rank"].append(rank.ravel())
    if not cols["t"]:
        names = ["token", "word", "snapshot", "similarity", "rank", "chosen"]
        return pd.DataFrame(columns=names)
    t, row, snap, sim, rank = (np.concatenate(cols[c]) for c in cols)
    uniq, inverse = np.unique(row, return_inverse=True)
    names = np.asarray([vectors.words[r] for r in uniq.tolist()], dtype=object)
    return pd.DataFrame(
        {
            # object columns: pandas' string inference would convert ~10^6 strings per call
            "token": pd.Series(np.asarray(tokens, dtype=object)[t], dtype=object),
            "word": pd.Series(names[inverse], dtype=object),
            "snapshot": snap,
            "similarity": sim,
            "rank": rank,
            "chosen": np.isin(row, list(chosen)),
        }
    )


def _top_k(result, traj: np.ndarray, vectors, k: int):
    """(indices, cosines, nonzero) of every token at every snapshot: read from the run's stored
    neighbours when they hold k of them, else searched once over the shared index."""
    stored = stored_neighbours(result, vectors)
    if stored is not None and stored.k >= k:
        idx, score = stored.top(k)
        return idx, score, ~stored.zero
    s_count, k_count, _ = traj.shape
    idx, score = shared_index(vectors).query(traj.reshape(s_count * k_count, -1), k=k)
    shape = (s_count, k_count, k)
    return idx.reshape(shape), score.reshape(shape), np.linalg.norm(traj, axis=2) > 0


def _top_frame(tokens, kinds, steps, epochs, idx, score, nonzero, words) -> pd.DataFrame:
    """One row per (token, snapshot, rank), token by token; zero-vector snapshots left out."""
    k = idx.shape[2]
    t_sel, s_sel = np.nonzero(nonzero.T)  # token-major, snapshots in order
    flat = idx[s_sel, t_sel].ravel().tolist()
    return pd.DataFrame(
        {
            "token": np.repeat(np.asarray(tokens, dtype=object)[t_sel], k),
            "kind": np.repeat(np.asarray(kinds, dtype=object)[t_sel], k),
            "snapshot": np.repeat(s_sel, k),
            "step": np.repeat(np.asarray(steps)[s_sel].astype(int), k),
            "epoch": np.repeat(np.asarray(epochs, dtype=float)[s_sel], k),
            "rank": np.tile(np.arange(1, k + 1), len(t_sel)),
            "word": [words[i] for i in flat],
            "similarity": score[s_sel, t_sel].ravel().astype(np.float64),
        },
        columns=["token", "kind", "snapshot", "step", "epoch", "rank", "word", "similarity"],
    )


def _with_meta(df: pd.DataFrame, steps: np.ndarray, epochs: np.ndarray) -> pd.DataFrame:
    snap = df["snapshot"].to_numpy(dtype=int)
    df.insert(3, "step", steps[snap].astype(int) if len(snap) else [])
    df.insert(4, "epoch", epochs[snap].astype(float) if len(snap) else [])
    return df
