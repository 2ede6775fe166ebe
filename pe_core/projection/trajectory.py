"""A training run's snapshots placed on a fitted map, one labelled row per token and snapshot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pe_core.projection.labels import map_agree, nearest_words
from pe_core.projection.params import Progress


def project_trajectory(
    result, projector, vectors=None, *, progress: Progress | None = None
) -> pd.DataFrame:
    """Place every snapshot of a training run's trainable tokens on a fitted map.

    Args:
        result: a training result with ``.tokens``, ``.token_kinds``, ``.trajectory``
            (snapshots x tokens x dim), ``.steps`` and ``.epochs``.
        projector: a fitted ``Projector`` (its reference never moves).
        vectors: when given, ``nearest`` / ``top3`` come from all of these vectors instead of
            only the projector's reference words: read from ``result.neighbours``
            (stored during training) when present, else searched once on the shared index.
        progress: optional ``progress(fraction, message)`` per placed frame.

    Returns:
        A ``pandas.DataFrame``, one row per (snapshot, token): token, kind, snapshot, step,
        epoch, x, y, nearest, similarity, placed, top3, map_agree. ``nearest`` is the nearest
        word by cosine and ``similarity`` its cosine; ``top3`` the three nearest words with
        cosines in one line, or "no close word yet (...)" when the best cosine is weak
        (``pe_core.closeness``); ``map_agree`` how many of the 10 reference words drawn nearest
        to the point are among its 10 true nearest reference words. A row with no direction
        yet (zero or near-zero, ``faithfulness.has_direction``) is "not trained yet":
        ``placed=False``, x / y NaN, ``nearest=""``, ``similarity=NaN``, ``map_agree=-1``.
    """
    from pe_core.faithfulness import has_direction

    projector._check_fitted()
    traj, tokens, kinds, steps, epochs = _check_result(result)
    s_count, k_count, _ = traj.shape
    xy = np.concatenate(projector.transform_sequence(list(traj), progress=progress))
    flat = traj.reshape(s_count * k_count, -1)
    placed = has_direction(flat, projector.reference_)
    xy[~placed] = np.nan
    nearest, sims, top3 = nearest_words(result, flat, placed, projector, vectors)
    return pd.DataFrame(
        {
            "token": np.tile(tokens, s_count),
            "kind": np.tile(kinds, s_count),
            "snapshot": np.repeat(np.arange(s_count), k_count),
            "step": np.repeat(steps.astype(int), k_count),
            "epoch": np.repeat(epochs, k_count),
            "x": xy[:, 0],
            "y": xy[:, 1],
            "nearest": nearest,
            "similarity": sims,
            "placed": placed,
            "top3": top3,
            "map_agree": map_agree(flat, xy, placed, projector),
        }
    )


def _check_result(result):
    traj = np.asarray(result.trajectory, dtype=np.float32)
    tokens, kinds = list(result.tokens), list(result.token_kinds)
    if traj.ndim != 3 or traj.shape[1] != len(tokens) or len(kinds) != len(tokens):
        raise ValueError(
            f"result.trajectory must be (snapshots, {len(tokens)} tokens, dim) with one kind per "
            f"token; got shape {traj.shape} and {len(kinds)} kinds"
        )
    s_count = traj.shape[0]
    steps = np.asarray(result.steps)
    epochs = np.asarray(result.epochs, dtype=float)
    if len(steps) != s_count or len(epochs) != s_count:
        raise ValueError(f"result.steps / result.epochs need {s_count} entries (one per snapshot)")
    return traj, tokens, kinds, steps, epochs
