"""How much each token's neighbourhood changed, and how far its vector travelled.

Per token and snapshot:

* the Jaccard overlap of its top-k words with its top-k at the *first trained snapshot* (the
  first one where it has a direction; zero-initialised tokens have none at snapshot 0) and
  with its top-k at the final snapshot: 1 = the same k words, 0 = none in common;
* the L2 distance of its vector from its initial row, and the cosine distance (1 - cosine)
  from its first direction.

A token that never moves has overlap 1 and distance 0 throughout. The top-k lists are exact
over the whole vocabulary: read from the run's stored neighbours (``result.neighbours``,
computed once while training) when they hold k of them, else searched. The ranking of all
tokens needs only each token's first and final lists (``endpoints``, at the largest k, sliced
for any k); the curves of one token need its list at every snapshot (``token_change``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pe_core.checks import is_int
from pe_core.neighbours import NeighbourIndex, normalise_rows

#: The largest k the app offers; neighbours are searched once at this k and sliced.
K_MAX = 50


def first_directions(trajectory) -> np.ndarray:
    """Per token, the first snapshot where its vector is not zero (-1: never)."""
    nonzero = np.linalg.norm(np.asarray(trajectory, dtype=np.float32), axis=2) > 0
    return np.where(nonzero.any(axis=0), nonzero.argmax(axis=0), -1)


@dataclass
class Endpoints:
    """Every token's top-``K_MAX`` at its first trained snapshot and at the final one.

    ``first`` / ``final``: (T, k) word indices; rows of tokens without a direction are -1.
    Two searches per token, not one per snapshot: the ranking of all tokens stays cheap on a
    run with hundreds of tokens and a full vocabulary.
    """

    first: np.ndarray
    final: np.ndarray

    @property
    def k(self) -> int:
        return int(self.first.shape[1])


def _stored(stored, trajectory, matrix):
    """``stored`` (a ``SnapshotNeighbours``) when it covers every snapshot of ``trajectory``
    over ``matrix``'s rows, else None."""
    if stored is None or len(stored.indices) != len(trajectory) or not stored.k:
        return None
    return stored if stored.indices.max(initial=0) < len(matrix) else None


def endpoints(trajectory, matrix, k: int = K_MAX, stored=None) -> Endpoints:
    """The top-k of every token at its first direction and at the end (exact, cosine).

    ``stored``: the run's ``SnapshotNeighbours``; when given (and covering every snapshot) the
    lists are read from it, at most its K of them, and nothing is searched.
    """
    traj = np.asarray(trajectory, dtype=np.float32)
    t_count = traj.shape[1]
    k = min(int(k), len(matrix))
    starts = first_directions(traj)
    alive = np.flatnonzero(starts >= 0)
    stored = _stored(stored, traj, matrix)
    if stored is not None:
        k = min(k, stored.k)
    first = np.full((t_count, k), -1, dtype=np.int64)
    final = np.full((t_count, k), -1, dtype=np.int64)
    if len(alive) and stored is not None:
        first[alive] = stored.indices[starts[alive], alive, :k]
        final[alive] = stored.indices[-1, alive, :k]
        # A token that went back to zero at the end keeps its last direction's list.
        back = alive[stored.zero[-1, alive]]
        last_live = len(traj) - 1 - np.argmax(~stored.zero[::-1, back], axis=0)
        final[back] = stored.indices[last_live, back, :k]
    elif len(alive):
        index = NeighbourIndex(matrix)
        first[alive] = index.query(traj[starts[alive], alive], k=k)[0]
        last = traj[-1, alive]
        # A token that went back to zero keeps its last direction's list as "final".
        final[alive] = index.query(last, k=k)[0]
    return Endpoints(first, final)


def _jaccard(a, b) -> float:
    sa, sb = set(np.asarray(a).tolist()), set(np.asarray(b).tolist())
    return len(sa & sb) / len(sa | sb) if sa | sb else float("nan")


def _check_k(k, k_max: int) -> int:
    if not is_int(k) or not 1 <= k <= k_max:
        raise ValueError(f"k must be an integer from 1 to {k_max}; got {k!r}")
    return int(k)


def distances(trajectory) -> tuple[np.ndarray, np.ndarray]:
    """(S, T) L2 distance from the initial row, and cosine distance from the first direction
    (NaN before it)."""
    traj = np.asarray(trajectory, dtype=np.float32)
    l2 = np.linalg.norm(traj - traj[:1], axis=2).astype(np.float64)
    cos = np.full(l2.shape, np.nan)
    for t, start in enumerate(first_directions(traj)):
        if start >= 0:
            unit = normalise_rows(traj[start:, t]).astype(np.float64)
            cos[start:, t] = np.clip(1.0 - unit @ unit[0], 0.0, 2.0)
    return l2, cos


def token_path(result, token: str) -> tuple[int, np.ndarray, np.ndarray]:
    """``(t, trajectory, path)``: the token's column, the run's float32 (S, k, d) snapshots and
    the token's (S, d) rows; a ValueError when ``token`` is not a trainable token of the run."""
    tokens = list(result.tokens)
    if token not in tokens:
        raise ValueError(f"{token!r} is not a trainable token of this run")
    t = tokens.index(token)
    traj = np.asarray(result.trajectory, dtype=np.float32)
    return t, traj, traj[:, t]


def token_change(result, matrix, token: str, k: int = 10, k_max: int = K_MAX) -> pd.DataFrame:
    """One token's curves, one row per snapshot: jaccard_first, jaccard_final (NaN without a
    direction), l2_from_start, cosine_from_start. One search per snapshot of this token."""
    k = _check_k(k, k_max)
    t, traj, path = token_path(result, token)
    alive = np.linalg.norm(path, axis=1) > 0
    stored = _stored(getattr(result, "neighbours", None), traj, matrix)
    if stored is not None and k <= stored.k:  # read, not searched: no O(vocabulary) work
        idx = stored.indices[:, t, :k]
    else:
        idx, _ = NeighbourIndex(matrix).query(path, k=min(k, len(matrix)))
    jac_first = np.full(len(path), np.nan)
    jac_final = np.full(len(path), np.nan)
    live = np.flatnonzero(alive)
    for s in live:
        jac_first[s] = _jaccard(idx[s], idx[live[0]])
        jac_final[s] = _jaccard(idx[s], idx[live[-1]])
    l2, cos = distances(traj[:, [t]])
    return pd.DataFrame(
        {
            "snapshot": np.arange(len(path)),
            "step": np.asarray(result.steps).astype(int),
            "epoch": np.asarray(result.epochs, dtype=float),
            "jaccard_first": jac_first,
            "jaccard_final": jac_final,
            "l2_from_start": l2[:, 0],
            "cosine_from_start": cos[:, 0],
        }
    )


def change_ranking(result, ends: Endpoints, k: int = 10) -> pd.DataFrame:
    """Per token: how much its top-k changed from its first direction to the end, how far it went.

    ``kept`` = Jaccard of the first and final top-k; ``changed`` = 1 - kept. Sorted by
    ``changed``, then by L2 distance, largest first; tokens never given a direction last.
    """
    k = _check_k(k, ends.k)
    l2, cos = distances(result.trajectory)
    kept = [
        _jaccard(a[:k], b[:k]) if a[0] >= 0 else float("nan")
        for a, b in zip(ends.first, ends.final, strict=True)
    ]
    table = pd.DataFrame(
        {
            "token": list(result.tokens),
            "kind": list(result.token_kinds),
            "changed": 1.0 - np.asarray(kept),
            "kept": kept,
            "l2_from_start": l2[-1],
            "cosine_from_start": cos[-1],
        }
    )
    table = table.sort_values(
        ["changed", "l2_from_start"], ascending=False, na_position="last", kind="stable"
    )
    return table.reset_index(drop=True)


def change_figure(rows: pd.DataFrame, token: str, k: int):
    """Two panels over training steps: the Jaccard overlaps (left) and the distances (right)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(f"Top-{k} overlap (Jaccard)", "Distance travelled from the start"),
    )
    lines = [
        ("jaccard_first", "vs its first trained snapshot", "#4c78a8", 1),
        ("jaccard_final", "vs the final snapshot", "#f58518", 1),
        ("l2_from_start", "L2 distance", "#54a24b", 2),
        ("cosine_from_start", "cosine distance", "#b279a2", 2),
    ]
    for col, name, color, panel in lines:
        fig.add_trace(
            go.Scatter(
                x=rows["step"].tolist(),
                y=np.round(rows[col].to_numpy(dtype=float), 4).tolist(),
                mode="lines",
                name=name,
                line={"color": color, "width": 2},
            ),
            row=1,
            col=panel,
        )
    fig.update_yaxes(range=[0, 1.05], row=1, col=1)
    fig.update_xaxes(title_text="training step")
    fig.update_layout(
        title=f"How much the neighbourhood of {token} changed",
        height=380,
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 40, "r": 20, "t": 70, "b": 40},
    )
    return fig
