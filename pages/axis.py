"""Semantic axis page: each token's position between two sets of words, over training."""

import streamlit as st

from ui import axis, state
from ui.errors import shown_errors

state.require_app(__file__)
s = st.session_state
st.title("Semantic axis")
st.caption(
    "Read movement as meaning: an axis runs from one set of words to another. A token's score "
    "is its cosine to the right-hand words minus its cosine to the left-hand words; the grey "
    "bands show where the pretrained words lie, for scale."
)
result = state.require_result("No trained tokens yet")
vectors = s.run_vectors
axis.init_words(result, vectors)

c = st.columns(2)
negative = c[0].text_input(
    "Left end (words)",
    persist_state="session",
    key="axis_neg",
    help="Words separated by spaces, e.g. bad awful hate sad.",
)
positive = c[1].text_input(
    "Right end (words)",
    persist_state="session",
    key="axis_pos",
    help="Words separated by spaces, e.g. good great love happy.",
)
with shown_errors("Building the axis", "Type words that are in the vectors on both ends.") as first:
    from pe_core.axes import axis_figure

    view = axis.view(result, vectors, positive, negative)
    options = axis.token_choices(view)
    tokens = st.multiselect("Tokens", options, persist_state="session", key="axis_tokens")
    st.plotly_chart(
        axis_figure(view.scores, view.axis, view.spread, tokens), width="stretch", key="axis_chart"
    )
    table = view.moved().round(3)
    st.caption(
        f"How far each token moved on the axis (largest first). The words' middle 90 % spans "
        f"{view.spread['p5']:.2f} to {view.spread['p95']:.2f}."
    )
    st.dataframe(table, width="stretch", hide_index=True)

if not first.failed:  # the plane is drawn on the first axis
    st.subheader("Semantic plane")
    st.caption(
        "A second axis spreads the tokens out: each token's path across both axes over training "
        "(open circle: its first snapshot with a direction; filled: the last). Grey dots are the "
        "pretrained words, for scale."
    )
    with shown_errors("Building the semantic plane", "Type words that are in the vectors."):
        axis.init_plane_words(vectors)
        c = st.columns(2)
        low = c[0].text_input(
            "Second axis, bottom (words)",
            persist_state="session",
            key="plane_neg",
            help="Words separated by spaces; the default is calm ↔ excited (arousal).",
        )
        high = c[1].text_input("Second axis, top (words)", persist_state="session", key="plane_pos")
        from pe_core.semantic_plane import plane_figure

        if not high.strip() and not low.strip():  # no default words in these vectors
            st.info("Type the words of both ends of a second axis to see the plane.")
            st.stop()
        second, paths, words_xy = axis.plane(result, vectors, view, high, low)
        words = vectors.words[: len(words_xy)]
        st.plotly_chart(
            plane_figure(paths, view.axis, second, words_xy, words, tokens),
            width="stretch",
            key="plane_chart",
        )
