"""Neighbours page: which pretrained words each trainable token is near, and how that changed."""

from dataclasses import replace

import numpy as np
import streamlit as st

from pe_core.neighbours import nearest, neighbour_drift
from pe_core.stored_neighbours import STORED_K
from ui import change, explore, neighbour_list, neighbours, state
from ui.errors import shown_errors

state.require_app(__file__)
s = st.session_state


def _track_options(vectors) -> list[str]:
    # The most frequent words first (GloVe order); a long list stays usable with type-ahead.
    return list(vectors.words[:20_000])


def _best_cosine(vectors, row, metric: str, scores) -> float:
    # The "no close word" rule is about cosine; with the euclidean metric ask for it separately.
    if metric == "cosine":
        return float(scores[0])
    return float(nearest(vectors.matrix, row[None], k=1, metric="cosine")[1][0, 0])


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
    row = result.trajectory[snap, tokens.index(token)]
    if not np.any(row):
        st.info(
            f"{token} is still the zero vector at snapshot {snap}: it has no direction, so "
            "no neighbours. Pick a later snapshot."
        )
    else:
        words, scores = neighbours.top_of(result, vectors, token, snap, k, metric)
        neighbour_list.show(
            words,
            scores,
            best_cosine=_best_cosine(vectors, row, metric, scores),
            threshold=threshold,
            score_name=score_name,
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
        (words, scores), (near_tokens, tscores) = neighbours.query(
            result, vectors, query, snap, k, metric
        )
        a, b = st.columns(2)
        q = result.trajectory[snap, tokens.index(query)] if query in tokens else None
        if q is None and query in vectors:
            q = vectors.vector(query)
        with a:
            neighbour_list.show(
                words,
                scores,
                best_cosine=_best_cosine(vectors, q, metric, scores),
                threshold=threshold,
                score_name=score_name,
                ranks=False,
            )
        b.dataframe({"token": near_tokens, score_name: tscores}, width="stretch", hide_index=True)

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
    _track_options(vectors),
    persist_state="session",
    key="nb_track",
    placeholder="e.g. happy, sad",
)
with shown_errors("Computing the drift"):
    key = (id(result), k, tuple(track))
    drift = s.setdefault("drift", {}).get(key)
    if drift is None:
        with st.spinner("Neighbours of every token at every snapshot…"):
            drift = neighbour_drift(result, vectors, k=k, words=track)
        s.drift = {key: drift}  # one entry: a new k, word list or run replaces it
    from pe_core import plots

    if token not in set(drift.similarity["token"]):
        # Zero at every snapshot (e.g. a row that never received a gradient): no direction,
        # so no neighbours to track; saying so beats an empty heatmap.
        st.info(f"{token} never had a direction (zero vector), so it has no neighbours to track.")
        st.stop()
    changes = drift.changes[drift.changes.token == token]
    a, b = st.columns([2, 1])
    a.plotly_chart(plots.drift_heatmap(drift, token), width="stretch", key="nb_heatmap")
    entered = changes[changes.event == "entered"]
    left_ = changes[changes.event == "left"]
    b.metric("Entered / left the top-k", f"{len(entered)} / {len(left_)}")
    b.dataframe(
        changes[["snapshot", "epoch", "event", "word"]],
        width="stretch",
        hide_index=True,
        height=380,
    )
    if track:
        mine = replace(drift, similarity=drift.similarity[drift.similarity.token == token])
        st.plotly_chart(plots.similarity_figure(mine, track), width="stretch", key="nb_similarity")
    summary = neighbour_list.drift_summary(drift, threshold)
    st.caption("All tokens: first and last neighbourhood, and the share of it kept (overlap).")
    st.dataframe(summary, width="stretch", hide_index=True)

st.subheader("Neighbourhood change and distance travelled")
st.caption(
    f"Overlap (Jaccard) of {token}'s top {k} with its top {k} at its first trained snapshot "
    "and at the final one: 1 = the same words, 0 = none in common. Distance: how far its "
    "vector went from its initial row (L2) and from its first direction (cosine distance)."
)
with shown_errors("Measuring the neighbourhood change"):
    from pe_core.neighbourhood import change_figure, change_ranking

    curves = change.token_curves(result, vectors, token, min(k, 50))
    st.plotly_chart(change_figure(curves, token, k), width="stretch", key="nb_change")
    ranking = change_ranking(result, change.endpoints(result, vectors), min(k, 50))
    st.caption(
        f"All tokens, most changed first: **changed** = 1 - overlap of the first and final top "
        f"{k}; ties by distance travelled."
    )
    st.dataframe(ranking.round(3), width="stretch", hide_index=True)
