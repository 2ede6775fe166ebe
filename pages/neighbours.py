"""Neighbours page: which pretrained words each trainable token is near, and how that changed."""

import streamlit as st

from pe_core import plots
from pe_core.neighbourhood import change_figure
from pe_core.stored_neighbours import STORED_K
from ui import change, explore, neighbour_list, neighbours, state
from ui.errors import shown_errors

state.require_app(__file__)
s = st.session_state

st.title("Neighbours")
st.caption(
    "Exact nearest pretrained words of a trainable token at any snapshot, and which words "
    "entered or left its neighbourhood during training."
)
result = state.require_result("No trained tokens yet")
vectors = s.run_vectors
tokens = list(result.tokens)
last = len(result.trajectory) - 1

c = st.columns([1.4, 1, 1, 1, 2])
token = c[0].selectbox(
    "Token",
    tokens,
    index=explore.default_token_index(result),
    persist_state="session",
    key="nb_token",
    help="Opens on the token that moved furthest during training.",
)
k = c[1].slider(
    "k",
    1,
    STORED_K,
    persist_state="session",
    key="opt_nb_k",
    help=f"The run stored the {STORED_K} nearest words of every token at every snapshot.",
)
metric = c[2].radio(
    "Metric", ["cosine", "euclidean"], persist_state="session", key="opt_nb_metric", horizontal=True
)
threshold = neighbour_list.threshold_slider(c[3], "nb_weak")
if last > 0:
    snap = c[4].slider(
        "Snapshot",
        0,
        last,
        last,
        key="nb_snapshot",
        help="0 is the initial row; the last is the end of training.",
    )
else:  # a run stopped before its first batch: only the initial rows (a 0..0 slider raises)
    snap = 0
    c[4].caption("One snapshot only: the run stopped before its first batch.")
st.caption(f"Snapshot {snap}: step {int(result.steps[snap])}, epoch {result.epochs[snap]:.2f}")
if st.button(f"Show {token} on the map", icon=":material/scatter_plot:", key="nb_show_on_map"):
    s.explore_focus = token  # Explore draws it as the focus token
    st.switch_page("pages/explore.py")

score_name = "cosine" if metric == "cosine" else "distance"
left, right = st.columns(2)
with left, shown_errors("Finding the neighbours"):
    st.subheader(f"Top {k} of {token}")
    found = neighbours.top_of(result, vectors, token, snap, k, metric)
    if found is None:
        st.info(
            f"{token} is still the zero vector at snapshot {snap}: it has no direction, so "
            "no neighbours. Pick a later snapshot."
        )
    else:
        words, scores, best = found
        neighbour_list.show(
            words, scores, best_cosine=best, threshold=threshold, score_name=score_name
        )

with right, shown_errors("Querying"):
    st.subheader("Query any word or token")
    query = st.text_input(
        "Word or token",
        persist_state="session",
        key="nb_query",
        placeholder="e.g. happy or <smile>",
    )
    if query:
        (words, scores, best), (near_tokens, tscores) = neighbours.query(
            result, vectors, query, snap, k, metric
        )
        a, b = st.columns(2)
        with a:
            neighbour_list.show(
                words,
                scores,
                best_cosine=best,
                threshold=threshold,
                score_name=score_name,
                ranks=False,
            )
        b.dataframe({"Token": near_tokens, score_name: tscores}, width="stretch", hide_index=True)

st.subheader("Drift over training")
if last == 0:
    st.info(
        "Drift needs at least two snapshots; this run stopped before its first batch. "
        "Train longer to see how the neighbourhoods changed.",
        icon=":material/info:",
    )
    st.stop()
track = st.multiselect(
    "Track words (cosine to the token over training)",
    neighbours.track_options(vectors),
    persist_state="session",
    key="nb_track",
    placeholder="e.g. happy, sad",
)
with shown_errors("Computing the drift"):
    drift = neighbours.drift(result, vectors, k, track)
    if not drift.covers(token):
        # Zero at every snapshot (e.g. a row that never received a gradient): no direction,
        # so no neighbours to track; saying so beats an empty heatmap.
        st.info(f"{token} never had a direction (zero vector), so it has no neighbours to track.")
        st.stop()
    a, b = st.columns([2, 1])
    a.plotly_chart(plots.drift_heatmap(drift, token), width="stretch", key="nb_heatmap")
    b.metric("Entered / left the top-k", "{} / {}".format(*drift.entered_left(token)))
    b.dataframe(
        neighbour_list.readable(drift.changes_of(token)),
        width="stretch",
        hide_index=True,
        height=380,
    )
    if track:
        figure = plots.similarity_figure(drift.of_token(token), track)
        st.plotly_chart(figure, width="stretch", key="nb_similarity")
    st.caption("All tokens: first and last neighbourhood, and the share of it kept (overlap).")
    st.dataframe(
        neighbour_list.readable(neighbour_list.drift_summary(drift, threshold)),
        width="stretch",
        hide_index=True,
    )

st.subheader("Neighbourhood change and distance travelled")
st.caption(
    f"Overlap (Jaccard) of {token}'s top {k} with its top {k} at its first trained snapshot "
    "and at the final one: 1 = the same words, 0 = none in common. Distance: how far its "
    "vector went from its initial row (L2) and from its first direction (cosine distance)."
)
with shown_errors("Measuring the neighbourhood change"):
    curves = change.token_curves(result, vectors, token, min(k, 50))
    st.plotly_chart(change_figure(curves, token, k), width="stretch", key="nb_change")
    st.caption(
        f"All tokens, most changed first: **changed** = 1 - overlap of the first and final top "
        f"{k}; ties by distance travelled."
    )
    st.dataframe(
        neighbour_list.readable(change.ranking(result, vectors, min(k, 50))),
        width="stretch",
        hide_index=True,
    )
