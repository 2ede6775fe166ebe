"""The Explore page's projections: fitted once per (method, parameters, reference size) per run.

A projection is stored in ``st.session_state.projections`` (per user); the reference layouts
themselves are cached by ``pe_core.projection`` (memory + disk, keyed by the data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

METHODS = {"PCA": "pca", "t-SNE": "tsne", "UMAP": "umap"}


@dataclass
class Projection:
    """A fitted map and the run's tokens placed on it."""

    method: str
    projector: Any
    reference_idx: np.ndarray
    frame: pd.DataFrame
    notices: list[str] = field(default_factory=list)
    #: The last animated map drawn, keyed by its options: reruns that change nothing else
    #: (picking a token for the path table, ...) do not rebuild it (about 1 s at k = 150).
    last_figure: tuple[tuple, Any] | None = None


def projection_key(method: str, params: dict, n_ref: int) -> tuple:
    result = st.session_state.get("result")
    return (id(result), method, tuple(sorted(params.items())), int(n_ref))


def reference_indices(result, vectors, n: int) -> np.ndarray:
    """Rows of ``vectors`` drawn on the map: the tokens' neighbours, dataset words, frequent."""
    from pe_core.projection import choose_reference

    return choose_reference(
        vectors,
        dataset_words=result.vocabulary.frozen_words,
        trainable_matrix=result.trajectory[-1],
        n=min(int(n), len(vectors)),
    )


def export_reference(result, vectors) -> np.ndarray:
    """The reference words of the projector bundle (up to 5,000)."""
    return reference_indices(result, vectors, 5000)


def compute(method: str, params: dict, n_ref: int, progress) -> Projection:
    """Fit the reference layout and place every snapshot; stored in the session."""
    from pe_core.projection import Projector, project_trajectory

    s = st.session_state
    result, vectors = s.result, s.run_vectors
    idx = reference_indices(result, vectors, n_ref)
    projector = Projector(
        METHODS[method], random_state=int(result.seed), progress=progress, **params
    )
    projector.fit_vectors(vectors, idx)
    frame = project_trajectory(result, projector, vectors, progress=progress)
    proj = Projection(method, projector, idx, frame, list(projector.notices))
    # Keep one projection per method so switching back is instant, and memory stays bounded.
    s.projections = {
        k: v for k, v in s.projections.items() if k[0] == id(result) and k[1] != method
    }
    s.projections[projection_key(method, params, n_ref)] = proj
    return proj


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
