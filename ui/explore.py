"""The Explore page's projections: fitted once per (method, parameters, reference size) per run.

One map per run: the reference is chosen from the run's data alone (its dataset words, then the
most frequent words), never from where the tokens went, so the Train page's live map and the
Explore map at the same method and size are the same map: same words, same axes, the same
projector object for PCA. A projection is stored in ``st.session_state.projections`` (per
user); the reference layouts themselves are cached by ``pe_core.projection`` (memory + disk,
keyed by the data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

METHODS = {"PCA": "pca", "t-SNE": "tsne", "UMAP": "umap"}
#: Reference words of the run's map (the live map on Train and Explore's default).
DEFAULT_REFERENCE = 2000


@dataclass
class Projection:
    """A fitted map and the run's tokens placed on it."""

    method: str
    projector: Any
    reference_idx: np.ndarray
    frame: pd.DataFrame
    notices: list[str] = field(default_factory=list)
    #: ``pe_core.faithfulness.Faithfulness`` of this map for the run's tokens.
    faithfulness: Any = None
    #: The last animated map drawn, keyed by its options: reruns that change nothing else
    #: (picking a token for the path table, ...) do not rebuild it (about 1 s at k = 150).
    last_figure: tuple[tuple, Any] | None = None


def projection_key(method: str, params: dict, n_ref: int) -> tuple:
    result = st.session_state.get("result")
    return (id(result), method, tuple(sorted(params.items())), int(n_ref))


def run_reference(vectors, vocabulary, n: int = DEFAULT_REFERENCE) -> np.ndarray:
    """Rows of ``vectors`` on the run's map: the dataset's words, then the most frequent ones.

    Known before training starts (the tokens' positions play no part), so the live map and
    every later map of the run share it.
    """
    from pe_core.projection import choose_reference

    return choose_reference(
        vectors, dataset_words=vocabulary.frozen_words, n=min(int(n), len(vectors))
    )


def reference_indices(result, vectors, n: int) -> np.ndarray:
    """The run's reference words at size ``n`` (see :func:`run_reference`)."""
    return run_reference(vectors, result.vocabulary, n)


def export_reference(result, vectors) -> np.ndarray:
    """The reference words of the projector bundle (up to 5,000)."""
    return reference_indices(result, vectors, 5000)


def compute(method: str, params: dict, n_ref: int, progress) -> Projection:
    """Fit the reference layout and place every snapshot; stored in the session."""
    from pe_core.projection import Projector, project_trajectory

    s = st.session_state
    result, vectors = s.result, s.run_vectors
    idx = reference_indices(result, vectors, n_ref)
    projector = _live_map(method, params, idx)
    if projector is None:
        projector = Projector(
            METHODS[method], random_state=int(result.seed), progress=progress, **params
        )
        projector.fit_vectors(vectors, idx)
    frame = project_trajectory(result, projector, vectors, progress=progress)
    proj = Projection(method, projector, idx, frame, list(projector.notices))
    proj.faithfulness = map_faithfulness(projector, result, frame)
    # Keep one projection per method so switching back is instant, and memory stays bounded.
    s.projections = {
        k: v for k, v in s.projections.items() if k[0] == id(result) and k[1] != method
    }
    s.projections[projection_key(method, params, n_ref)] = proj
    return proj


def _live_map(method: str, params: dict, idx: np.ndarray):
    """The Train page's live map when it is the map asked for (PCA, same reference)."""
    live = st.session_state.get("live_projector")
    if live is None or METHODS[method] != live.method or params != {"sphereize": False}:
        return None
    if getattr(live, "reference_idx_", None) is None:
        return None
    return live if np.array_equal(live.reference_idx_, idx) else None


def map_faithfulness(projector, result, frame: pd.DataFrame):
    """Near, tortuosity and largest step of the run's tokens on ``projector``'s map."""
    from pe_core.faithfulness import faithfulness

    traj = np.asarray(result.trajectory)
    xy = frame[["x", "y"]].to_numpy(dtype=float).reshape(traj.shape[0], traj.shape[1], 2)
    return faithfulness(projector.reference_, projector.embedding_, traj, xy)


def figure(proj: Projection, search: str = "", colour_by=None, trails=True, kinds=None):
    """The animated map of ``proj``: reference fixed, tokens moving, optional highlights."""
    from pe_core import plots

    key = (search, colour_by, bool(trails), tuple(kinds or ()))
    if proj.last_figure is not None and proj.last_figure[0] == key:
        return proj.last_figure[1]
    frame = proj.frame if not kinds else proj.frame[proj.frame.kind.isin(kinds)]
    colors = None if colour_by is None else neighbourhood_colors(proj, colour_by)
    fig = plots.animated_map(
        frame,
        proj.projector.embedding_,
        proj.projector.words_,
        title=f"{proj.method} map",
        trails=trails,
        highlight=[search.strip()] if search and search.strip() else None,
        ref_colors=colors,
    )
    proj.last_figure = (key, fig)
    return fig


def paths(proj: Projection, search: str = "", kinds=None):
    """Static start → end view of every token's path on the same map."""
    from pe_core import plots

    frame = proj.frame if not kinds else proj.frame[proj.frame.kind.isin(kinds)]
    return plots.paths_figure(
        frame,
        proj.projector.embedding_,
        proj.projector.words_,
        title=f"{proj.method}: where each token went",
        highlight=[search.strip()] if search and search.strip() else None,
    )


def neighbourhood_colors(proj: Projection, token: str, k: int = 25) -> list[str]:
    """Reference colours: the ``k`` words nearest to ``token`` (last snapshot) in its colour."""
    from pe_core.neighbours import nearest
    from pe_core.plots import KIND_COLORS

    result = st.session_state.result
    t = list(result.tokens).index(token)
    row = result.trajectory[-1, t]
    colors = [KIND_COLORS["reference"]] * len(proj.reference_idx)
    if np.any(row):
        idx, _ = nearest(proj.projector.reference_, row[None], k=min(k, len(colors)))
        for i in idx[0]:
            colors[int(i)] = KIND_COLORS[result.token_kinds[t]]
    return colors


def default_kinds(result) -> list[str]:
    """The kinds the map opens on: with many tokens, not the OOV words (see plots)."""
    from pe_core.plots import default_kinds as kinds

    return sorted(kinds(result.token_kinds))


def found(proj: Projection, search: str) -> bool:
    search = search.strip()
    words = proj.projector.words_ or []
    return search in words or search in set(proj.frame.token)


def default_token_index(result) -> int:
    """The token a page opens on: the one whose row travelled furthest (``<unk>`` last)."""
    travel = np.linalg.norm(result.trajectory[-1] - result.trajectory[0], axis=1)
    travel = np.where(np.asarray(result.token_kinds) == "unk", -1.0, travel)
    return int(np.argmax(travel)) if len(travel) else 0


def path_table(proj: Projection, token: str) -> pd.DataFrame:
    """Where ``token`` was at each snapshot, with its true nearest word and cosine."""
    cols = ["snapshot", "step", "epoch", "x", "y", "nearest", "similarity"]
    return proj.frame.loc[proj.frame.token == token, cols].round(
        {"epoch": 2, "x": 3, "y": 3, "similarity": 3}
    )
