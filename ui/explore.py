"""The Explore page's projections: fitted once per (method, parameters, reference size) per run.

One map per run: the reference is chosen from the run's data alone (its dataset words, then the
most frequent words), never from where the tokens went, so the Train page's live map and the
Explore map at the same method and size are the same map: same words, same axes, the same
projector object for PCA. A projection is stored in ``st.session_state.projections`` (per
user); the reference layouts themselves are reused through the ``LayoutCache`` that the
caller passes in (memory + disk, keyed by the data; ``ui.mapjobs.layouts()`` in the app). PCA is computed in the page (milliseconds); t-SNE and UMAP in a background
job (``ui.mapjobs``) that calls :func:`build_projection` and hands the map to :func:`store`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

if TYPE_CHECKING:  # (pandas is not imported for the first page: 0.25 s of it)
    import pandas as pd

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
    #: The map's named regions (``pe_core.regions``), clustered once per map.
    regions: Any = None
    #: token -> {snapshot: (words, cosines)}, its true nearest words (one O(V) query a token).
    focus_neighbours: dict[str, dict] = field(default_factory=dict)


def projection_key(method: str, params: dict, n_ref: int) -> tuple:
    """The key of the session's run's map in ``st.session_state.projections``."""
    return key_of(st.session_state.get("result"), method, params, n_ref)


def key_of(result, method: str, params: dict, n_ref: int) -> tuple:
    """The projections' key of ``result``'s map: (run, method, parameters, reference size)."""
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
    """Fit the reference layout and place every snapshot, here; stored in the session.

    For PCA (milliseconds). t-SNE and UMAP take seconds to minutes: pages run them as a
    background job (``ui.mapjobs``), which calls :func:`build_projection` and :func:`store`.
    """
    s = st.session_state
    result, vectors = s.result, s.run_vectors
    idx = reference_indices(result, vectors, n_ref)
    projector = _live_map(method, params, idx)
    proj = build_projection(method, params, idx, result, vectors, progress, projector=projector)
    return store(proj, params, n_ref, result)


def build_projection(
    method: str, params: dict, idx, result, vectors, progress=None, *, projector=None, cache=None
) -> Projection:
    """The map of ``result`` on reference rows ``idx``: no session state, so a background
    thread can run it. ``projector``: an already fitted one (the live PCA map) to reuse;
    ``cache``: the ``LayoutCache`` a new t-SNE / UMAP projector reuses layouts from."""
    from pe_core.projection import Projector, project_trajectory

    if projector is None:
        seed = int(result.seed)
        projector = Projector(
            METHODS[method], random_state=seed, progress=progress, cache=cache, **params
        )
        projector.fit_vectors(vectors, idx)
        projector.progress = None  # the job's callback ends with the job
    frame = project_trajectory(result, projector, vectors, progress=progress)
    proj = Projection(method, projector, np.asarray(idx), frame, list(projector.notices))
    proj.faithfulness = map_faithfulness(projector, result, frame)
    return proj


def store(proj: Projection, params: dict, n_ref: int, result) -> Projection:
    """Keep ``proj`` in the session: one projection per method, of the current run only, so
    switching back is instant and memory stays bounded."""
    s = st.session_state
    s.projections = {
        k: v
        for k, v in s.get("projections", {}).items()
        if k[0] == id(result) and k[1] != proj.method
    }
    s.projections[key_of(result, proj.method, params, n_ref)] = proj
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


def regions_of(proj: Projection):
    """The map's regions, clustered in d dimensions on the first call (about 1 s at 2,000)."""
    from pe_core.regions import find_regions

    if proj.regions is None:
        seed = int(getattr(proj.projector, "random_state", 0))  # the run's seed (compute())
        proj.regions = find_regions(proj.projector.reference_, proj.projector.words_, seed=seed)
    return proj.regions


def nearest_words_of(proj: Projection, token: str, k: int = 5) -> dict:
    """snapshot -> (words, cosines): the token's true top-k over the whole vocabulary."""
    from pe_core.focus import focus_neighbours

    if token not in proj.focus_neighbours:
        s = st.session_state
        row = list(s.result.tokens).index(token)
        from pe_core.stored_neighbours import stored_neighbours

        stored = stored_neighbours(s.result, s.run_vectors)  # read: no whole-vocabulary search
        idx, cos = focus_neighbours(s.result.trajectory, s.run_vectors.matrix, row, k, stored)
        words = s.run_vectors.words
        proj.focus_neighbours = {  # one token kept: a new focus replaces it
            token: {
                snap: ([words[i] for i in idx[snap]], cos[snap].tolist())
                for snap in range(len(idx))
                if np.isfinite(cos[snap]).all()
            }
        }
    return proj.focus_neighbours[token]


def _decorate(fig, proj: Projection, frame, search: str, focus, regions: bool) -> None:
    """Focus token, region labels, searched-word callout: in this order (see pe_core.focus)."""
    from pe_core import focus as focusing
    from pe_core.plots import KIND_COLORS

    xy, words = proj.projector.embedding_, proj.projector.words_
    ringed = None
    if focus and focus in set(frame.token):
        kind = frame.loc[frame.token == focus, "kind"].iloc[0]
        near = nearest_words_of(proj, focus)
        focusing.add_focus(
            fig, frame, focus, KIND_COLORS[kind], ref_xy=xy, ref_words=words, neighbours=near
        )
        ever = {w for ws, _ in near.values() for w in ws}
        ringed = xy[[i for i, w in enumerate(words or []) if w in ever]]  # keep them readable
    if regions:
        from pe_core.regions import add_region_labels

        add_region_labels(fig, regions_of(proj), xy, frame, avoid_xy=ringed)
    if search and search != focus:
        focusing.add_word_callout(fig, search, xy, words)


def focus_of(search: str, focus: str | None, tokens) -> str | None:
    """The token in focus: the one picked, else a searched token."""
    if focus:
        return focus
    search = (search or "").strip()
    return search if search in set(tokens) else None


def _drawn(proj: Projection, kinds) -> pd.DataFrame:
    """The tokens drawn: those of the chosen kinds (all when none is chosen)."""
    return proj.frame if not kinds else proj.frame[proj.frame.kind.isin(kinds)]


def _reference(proj: Projection, search: str) -> dict:
    """The map's fixed words (positions, names) and the searched word to highlight: the
    arguments every map figure of ``pe_core.plots`` takes."""
    return {
        "ref_xy": proj.projector.embedding_,
        "ref_words": proj.projector.words_,
        "highlight": [search] if search else None,
    }


def figure(
    proj: Projection,
    search: str = "",
    colour_by=None,
    trails=True,
    kinds=None,
    regions: bool = True,
    focus: str | None = None,
):
    """The animated map of ``proj``: reference fixed, tokens moving, labels and focus."""
    from pe_core import plots

    search = (search or "").strip()
    key = (search, colour_by, bool(trails), tuple(kinds or ()), bool(regions), focus)
    if proj.last_figure is not None and proj.last_figure[0] == key:
        return proj.last_figure[1]
    frame = _drawn(proj, kinds)
    fig = plots.animated_map(
        frame, **_reference(proj, search), title=f"{proj.method} map", trails=trails
    )
    if colour_by is not None:
        from pe_core.focus import colour_by_cosine

        colour_by_cosine(fig, neighbourhood_cosines(proj, colour_by), colour_by)
    _decorate(fig, proj, frame, search, focus, regions)
    proj.last_figure = (key, fig)
    return fig


def paths(proj: Projection, search: str = "", kinds=None, regions=True, focus=None):
    """Static start → end view of every token's path on the same map."""
    from pe_core import plots

    search = (search or "").strip()
    frame = _drawn(proj, kinds)
    fig = plots.paths_figure(
        frame, **_reference(proj, search), title=f"{proj.method}: where each token went"
    )
    _decorate(fig, proj, frame, search, focus, regions)
    return fig


def neighbourhood_cosines(proj: Projection, token: str) -> np.ndarray:
    """Cosine of every reference word to ``token`` at the last snapshot (0 for a zero vector)."""
    from pe_core.neighbours import normalise_rows

    result = st.session_state.result
    row = result.trajectory[-1, list(result.tokens).index(token)]
    return normalise_rows(proj.projector.reference_) @ normalise_rows(row[None])[0]


def default_kinds(result) -> list[str]:
    """The kinds the map opens on: with many tokens, not the OOV words (see plots)."""
    from pe_core.plots import default_kinds as kinds

    return sorted(kinds(result.token_kinds))


def found(proj: Projection, search: str) -> bool:
    search = search.strip()
    words = proj.projector.words_ or []
    return search in words or search in set(proj.frame.token)


def default_token_index(result) -> int:
    """The token a page opens on: of the kinds the map shows by default (with many tokens the
    OOV words are hidden, see :func:`default_kinds`), the one whose row travelled furthest;
    ``<unk>`` only when nothing else is shown."""
    travel = np.linalg.norm(result.trajectory[-1] - result.trajectory[0], axis=1)
    kinds = np.asarray(result.token_kinds)
    shown = np.isin(kinds, default_kinds(result))
    travel = np.where(kinds == "unk", -1.0, travel)
    travel = np.where(shown, travel, -2.0)
    return int(np.argmax(travel)) if len(travel) else 0


def tsne_iterations_label(early: int | None = None) -> str:
    """The t-SNE iterations slider's label: it sets the iterations after the early
    exaggeration ones, and the progress counts both (500 + 250 = 750 by default)."""
    if early is None:
        from pe_core.projection.params import DEFAULT_PARAMS

        early = DEFAULT_PARAMS["tsne"]["early_exaggeration_iter"]
    return f"Iterations (+{early} early)"


def path_table(proj: Projection, token: str) -> pd.DataFrame:
    """Where ``token`` was at each snapshot, with its true nearest word and cosine."""
    cols = ["snapshot", "step", "epoch", "x", "y", "nearest", "similarity"]
    return proj.frame.loc[proj.frame.token == token, cols].round(
        {"epoch": 2, "x": 3, "y": 3, "similarity": 3}
    )


def focus_caption(proj: Projection, token: str, threshold: float | None = None) -> str:
    """One line under the map: the focus token's true nearest words at the last snapshot."""
    from pe_core.closeness import WEAK_COSINE, describe_nearest

    near = nearest_words_of(proj, token)
    if not near:
        return f"**{token}** is still the zero vector: it has no direction, so no nearest words."
    words, cosines = near[max(near)]
    on_map = set(proj.projector.words_ or ())
    shown = sum(w in on_map for w in words)
    line = describe_nearest(words, cosines, n=len(words), threshold=threshold or WEAK_COSINE)
    return (
        f"**{token}** at the end · true nearest words: {line} · {shown} of {len(words)} are "
        "on this map (ringed)."
    )
