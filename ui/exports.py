"""The Export page's glue: which map is on screen, its file names, and lazy downloads.

The Export page exports what the Explore page shows: the method and parameters selected there
(read from the widgets' session keys, defaults when Explore was never opened), and the very
figure Explore last drew for that projection. Every file is built only when its button is
clicked (a callable handed to ``st.download_button``), so reruns cost nothing.
"""

from __future__ import annotations

import streamlit as st

from ui import explore, mapjobs
from ui.errors import shown_errors

#: The Explore page's widgets: session key and default, per parameter (a test checks that the
#: page computes the same projection key from the same values).
VIEW_PARAMS = {
    "t-SNE": {"perplexity": ("tsne_perplexity", 30), "n_iter": ("tsne_iter", 500)},
    "UMAP": {"n_neighbors": ("umap_nn", 15), "min_dist": ("umap_md", 0.1)},
    "PCA": {"sphereize": ("pca_sphere", False)},
}
N_REF = ("explore_n_ref", 2000)
_SHORT = {"perplexity": "perp", "n_iter": "iter", "n_neighbors": "nn", "min_dist": "md"}


def selected_view() -> tuple[str, dict, int]:
    """(method, params, n_ref) as selected on the Explore page."""
    s = st.session_state
    method = s.get("opt_method", "PCA")
    params = {name: s.get(key, default) for name, (key, default) in VIEW_PARAMS[method].items()}
    return method, params, int(s.get(*N_REF))


def view_slug(method: str, params: dict, n_ref: int) -> str:
    """A file-name part naming the map: ``tsne_perp30_iter500_ref2000``, ``pca_ref2000``."""
    parts = [method.lower().replace("-", "")]
    for name, value in params.items():
        if isinstance(value, bool):
            parts += ["sphereized"] if value else []
        else:
            parts.append(f"{_SHORT.get(name, name)}{value:g}")
    return "_".join([*parts, f"ref{n_ref}"])


_WORDS = {
    "perplexity": "perplexity {:g}",
    "n_iter": "{:g} iterations",
    "n_neighbors": "{:g} neighbours",
    "min_dist": "min distance {:g}",
    "sphereize": "sphereized",  # a switch: named when on, left out when off
}


def view_label(method: str, params: dict, n_ref: int) -> str:
    """The map in words: ``t-SNE (perplexity 30, 500 iterations) of 2,000 reference words``."""
    shown = [
        _WORDS.get(name, name + " {}").format(value)
        for name, value in params.items()
        if value is not False
    ]
    details = f" ({', '.join(shown)})" if shown else ""
    return f"{method}{details} of {n_ref:,} reference words"


def on_screen_projection():
    """The selected view and its computed projection (None when it is not computed yet)."""
    method, params, n_ref = view = selected_view()
    proj = st.session_state.get("projections", {}).get(
        explore.projection_key(method, params, n_ref)
    )
    return view, proj


def on_screen_figure(proj):
    """The animated map as Explore shows it: its last drawn figure, else drawn with its options.

    Drawing here stores the figure on ``proj`` exactly as Explore would, so neither page
    evicts the other's figure.
    """
    if proj.last_figure is not None:
        return proj.last_figure[1]
    s = st.session_state
    colour_by = s.get("explore_colour_by", "(none)")
    return explore.figure(
        proj,
        search=s.get("explore_search", ""),
        colour_by=None if colour_by in (None, "(none)") else colour_by,
        trails=bool(s.get("opt_trails", True)),
        # Explore's default: every kind of the run, listed as its multiselect lists them.
        kinds=s.get("explore_kinds") or sorted(set(s.result.token_kinds)),
        regions=bool(s.get("explore_regions", True)),
        focus=explore.focus_of(
            s.get("explore_search", ""),
            None if s.get("explore_focus") in (None, "(none)") else s.get("explore_focus"),
            s.result.tokens,
        ),
    )


def adapter_size_text(result) -> str:
    """The adapter download's real size (built once per result: O(k * d), a few ms)."""
    from pe_core.adapter import adapter_bytes, adapter_from_result

    s = st.session_state
    cached = s.get("_adapter_size")
    if cached is None or cached[0] != id(result):
        cached = (id(result), len(adapter_bytes(adapter_from_result(result))))
        s._adapter_size = cached
    k, d = len(result.tokens), int(result.trajectory.shape[2])
    return f"{k} rows x {d} dims, {cached[1] / 1024:,.0f} kB"


def item(title: str, text: str, make, file_name: str, mime: str) -> None:
    """One download: a short explanation and a button; ``make()`` builds the file on click."""
    with st.container(border=True):
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.markdown(f"**{title}**  \n{text}")
        right.download_button(
            "Download",
            make,  # a callable: run only when clicked, never on a rerun
            file_name=file_name,
            mime=mime,
            width="stretch",
            icon=":material/download:",
            on_click="ignore",
            key=f"dl_{file_name}",
        )


def projector_zip(result, vectors) -> bytes:
    """The Embedding Projector bundle of the run, on the export reference words."""
    from pe_core import export

    return export.projector_bundle(result, vectors, explore.export_reference(result, vectors))


def adapter_zip(result) -> bytes:
    """The run's trained rows as an adapter zip."""
    from pe_core import export

    return export.adapter_bytes(export.adapter_from_result(result))


def map_or_offer(view, label: str):
    """The projection of the Explore page's ``view``, or None with what to do drawn instead:
    PCA (exact and quick) on a button here, t-SNE / UMAP as a background job with progress."""
    method, params, n_ref = view
    offer = (
        f"The Explore page is set to {label}, and that map has not been computed yet, so its "
        "coordinates and animated map cannot be exported."
    )
    if method != "PCA":
        mapjobs.show(explore.projection_key(*view), *view, offer=offer)
        return None
    place = st.empty()  # the offer goes away once the map exists
    with place.container():
        st.info(offer, icon=":material/info:")
        clicked = st.button("Compute the PCA map", type="primary")
    if not clicked:
        return None
    with shown_errors("Computing the PCA map", "Try fewer reference words on Explore."):
        proj = explore.compute(*view, None)
        place.empty()
        return proj
    return None
