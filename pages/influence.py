"""Influence page: how much each trainable token moves the predictions (occlusion)."""

import streamlit as st

from pe_core import plots
from ui import csv_download, highlight, state
from ui import influence as inf_ui
from ui.errors import shown_errors

state.require_app(__file__)
s = st.session_state
st.title("Influence")
st.caption(
    "Does `<smile>` matter to the model? For each trainable token, over the validation texts "
    "that contain it: how much each class's probability changes when the token is removed."
)
result = state.require_result("No model to measure yet")

c = st.columns([1.2, 1, 1.4])
occlude = c[0].radio(
    "Remove a token by",
    ["padding", "unk"],
    format_func={"padding": "padding (text gets shorter)", "unk": "<unk> (same length)"}.get,
    horizontal=True,
    key="inf_occlude",
    help="Padding drops the token, so mean pooling averages over one token fewer; <unk> "
    "keeps the length but puts the learned <unk> row there.",
)
cap = c[1].number_input(
    "Texts per token (cap)",
    min_value=10,
    max_value=5000,
    value=500,
    step=50,
    key="inf_cap",
    help="Bounds the cost: one batched forward pass per token over at most this many texts.",
)

with shown_errors("Measuring the influence", "Train again on the current data."):
    inf = inf_ui.influence(result, occlude, int(cap))
    ranked = inf.ranked()
    st.success(inf.sentence() + ".", icon=":material/insights:")
    st.caption(f"Cost: {inf.cost_text()}.")
    if not ranked.empty:
        st.plotly_chart(plots.influence_figure(ranked), width="stretch", key="inf_bars")
        st.caption(
            "Ordered by the surest effect (the lower end of the 95 % CI of its size), so a "
            "large effect seen in a handful of texts does not outrank a solid one. Bars: the "
            "token's strongest class; colour: its kind (special, OOV, <unk>)."
        )
        unmeasured = inf.unmeasured_text()
        if unmeasured:
            st.caption(unmeasured)
        with st.expander("All tokens and classes (table)"):
            st.dataframe(inf.table.round(4), width="stretch", hide_index=True)
        csv_download.button("Download the influence table (CSV)", inf.table, "influence.csv")

st.subheader("One text, token by token")
with shown_errors("Scoring the text"):
    samples = inf_ui.sample_texts(result)
    text = st.selectbox("Validation text (with a trainable token)", samples, key="inf_text")
    if text:
        frame = inf_ui.text_effects(result, text, occlude)
        st.markdown(
            f"Predicted **{frame.attrs['predicted']}** (P = {frame.attrs['probability']:.2f}). "
            "Green tokens raise that probability, red ones lower it; outlined tokens are "
            "trainable (specials, OOV, `<unk>`). Hover a token for its effect.",
        )
        st.html(highlight.TOKEN_CSS + highlight.effect_spans(frame))

st.subheader("Over training")
count = st.slider("Snapshots", 2, 10, 5, key="inf_snapshots")
if st.button("Measure at these snapshots", key="inf_growth", icon=":material/timeline:"):
    with shown_errors("Measuring over training"):
        bar = st.progress(0.0, text="Measuring the influence at each snapshot…")
        inf_ui.growth(
            result,
            occlude,
            int(cap),
            count,
            progress=lambda done, total: bar.progress(done / total, f"Snapshot {done}/{total}"),
        )
        bar.empty()
growth = inf_ui.last_growth(result)
if growth is not None and not ranked.empty:
    pairs = list(zip(ranked["token"].head(5), ranked["class"].head(5), strict=True))
    st.plotly_chart(plots.influence_growth_figure(growth, pairs), width="stretch")
    st.caption(
        "Each point puts the trainable rows stored at that snapshot into the final model; the "
        "encoder and output layers are the final ones (they are not stored per snapshot)."
    )
