"""Explore page: the trainable tokens' paths through a fixed 2-D map of the pretrained words."""

import streamlit as st

from ui import explore, mapjobs, state, urlstate
from ui.errors import shown_errors

state.require_app(__file__)
s = st.session_state
st.title("Explore")
st.caption(
    "Where each trainable token travelled during training, on a map of the pretrained words "
    "that never moves. Press play, or drag the slider through the snapshots."
)
result = state.require_result("Nothing to explore yet")

urlstate.keep_valid("opt_method", explore.METHODS, "PCA")
c = st.columns([1.2, 1, 1, 1])
method = c[0].radio(
    "Method", list(explore.METHODS), persist_state="session", key="opt_method", horizontal=True
)
params = {}
if method == "t-SNE":
    params["perplexity"] = c[1].slider(
        "Perplexity", 5, 100, 30, persist_state="session", key="tsne_perplexity"
    )
    params["n_iter"] = c[2].slider(
        explore.tsne_iterations_label(),
        250,
        1500,
        500,
        step=50,
        persist_state="session",
        key="tsne_iter",
        help="Optimisation steps after the early-exaggeration ones; the progress bar counts "
        "both (at 500: 750 in all).",
    )
elif method == "UMAP":
    params["n_neighbors"] = c[1].slider(
        "Neighbours", 5, 100, 15, persist_state="session", key="umap_nn"
    )
    params["min_dist"] = c[2].slider(
        "Min distance", 0.0, 0.99, 0.1, persist_state="session", key="umap_md"
    )
else:
    params["sphereize"] = c[1].toggle(
        "Sphereize",
        persist_state="session",
        key="pca_sphere",
        help="Centre, then scale every word to unit length "
        "(as the TensorFlow Embedding Projector does).",
    )
n_ref = c[3].slider(
    "Reference words",
    200,
    5000,
    explore.DEFAULT_REFERENCE,
    step=100,
    persist_state="session",
    key="explore_n_ref",
    help="Pretrained words drawn on the map: the dataset's words, then the most frequent "
    f"ones. At {explore.DEFAULT_REFERENCE:,} the PCA map is the Train page's live map.",
)
if method != "PCA":
    st.info(
        f"{method} keeps the words' neighbourhoods, not their distances. A token is drawn "
        "among its nearest words on the map; hover it to check its true nearest words and "
        "how many of them are drawn around it. A token with no direction yet (zero vector) "
        "is not drawn until it has one.",
        icon=":material/info:",
    )

proj = mapjobs.ensure(method, params, n_ref)
if proj is None:
    st.stop()
for notice in proj.notices:
    st.caption(notice)
if proj.faithfulness is not None:
    st.caption(proj.faithfulness.line())
tokens = list(result.tokens)
urlstate.keep_valid("explore_focus", ["(none)", *tokens], "(none)")
urlstate.keep_valid("explore_colour_by", ["(none)", *tokens], "(none)")
c = st.columns([1.2, 1.2, 1.3, 0.7, 1.1])
focus = c[0].selectbox(
    "Focus token",
    ["(none)", *tokens],
    persist_state="session",
    key="explore_focus",
    help="Drawn large with its name, its path emphasised, the other tokens dimmed, and its "
    "true nearest words ringed on the map.",
)
search = c[1].text_input(
    "Search a word or token",
    persist_state="session",
    key="explore_search",
    placeholder="e.g. happy or <smile>",
)
colour_by = c[2].selectbox(
    "Colour words by a token's neighbourhood",
    ["(none)", *tokens],
    persist_state="session",
    key="explore_colour_by",
)
trails = c[3].toggle("Trails", persist_state="session", key="opt_trails")
regions = c[4].toggle(
    "Region labels",
    value=True,
    persist_state="session",
    key="explore_regions",
    help="The words are grouped into regions by their full vectors (not by the picture); "
    "each region is named by its most representative words.",
)
kinds = st.multiselect(
    "Kinds",
    sorted(set(result.token_kinds)),
    default=explore.default_kinds(result),
    key=f"explore_kinds_{id(result)}",  # each run opens on its own default kinds
    help="With many tokens only <unk> and the specials are drawn at first; add oov to see "
    "the OOV words too.",
)
focus = explore.focus_of(search, None if focus == "(none)" else focus, tokens)

with shown_errors("Drawing the map"):
    options = {"search": search, "kinds": kinds, "regions": regions, "focus": focus}
    fig = explore.figure(
        proj, colour_by=None if colour_by == "(none)" else colour_by, trails=trails, **options
    )
    if focus:
        st.markdown(explore.focus_caption(proj, focus))
    tab_anim, tab_paths = st.tabs(["Animated map", "Start → end"])
    with tab_anim:
        st.caption("Press ▶ Play or drag the slider; every token starts at its initial row.")
        st.plotly_chart(fig, width="stretch", key="explore_map")
    with tab_paths:
        st.plotly_chart(explore.paths(proj, **options), width="stretch", key="explore_paths")
    if search and not explore.found(proj, search):
        st.warning(f"{search!r} is neither a reference word on this map nor a trainable token.")

st.subheader("Path of one token")
token = st.selectbox(
    "Token",
    tokens,
    persist_state="session",
    key="explore_token",
    help="Opens on the shown token that moved furthest during training.",
    index=explore.default_token_index(result),
)
st.dataframe(explore.path_table(proj, token), width="stretch", hide_index=True)
