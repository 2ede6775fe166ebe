"""The Data page's special-token rules: the editable table's session state and the preview of
how the current rules tokenize a few texts."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.highlight import TOKEN_CSS, token_spans


def editor_key() -> str:
    """The rules table's widget key: a new version draws a fresh table (edits committed)."""
    return f"rules_editor_{st.session_state.rules_version}"


def reset_rules() -> None:
    """Put the session's preset rules back in the table (a new table version)."""
    s = st.session_state
    s.rules_df = state.default_rules_frame()
    s.rules_version += 1


def commit_edits() -> None:
    """Apply the table's pending edits to the session's rules (the table's on_change)."""
    s = st.session_state
    delta = s.get(editor_key()) or {}
    s.rules_df = state.apply_editor_delta(state.rules_frame(), delta)
    s.rules_version += 1


def preview(text: str, dataset, vectors) -> None:
    """``text`` and the dataset's first six texts as tokens, coloured by kind, with the legend."""
    from pe_core.plots import KIND_COLORS

    tokenizer = state.current_tokenizer()
    st.markdown(TOKEN_CSS, unsafe_allow_html=True)
    for sample in [text, *dataset.texts[:6]]:
        spans = token_spans(tokenizer.tokenize_with_rules(sample), vectors, KIND_COLORS)
        st.markdown(spans, unsafe_allow_html=True)
    st.caption(
        f"<span style='color:{KIND_COLORS['special']}'>■</span> special token · "
        f"<span style='color:{KIND_COLORS['oov']}'>■</span> not in the vectors · plain: "
        "frozen pretrained word",
        unsafe_allow_html=True,
    )


def table() -> None:
    """The rules preset, the editable rules table, the literal specials and the reset button."""
    st.selectbox(
        "Rules preset",
        ["Default", "GloVe Twitter"],
        persist_state="session",
        key="opt_rules_preset",
        on_change=reset_rules,
        help="Default: GloVe 6B's token forms plus tweet specials. GloVe Twitter: the "
        "preprocessing the Twitter vectors were trained with (<user>, <url>, <hashtag> + "
        "word, <number>, <smile>, <lolface>, <sadface>, <neutralface>, <heart>, <repeat>, "
        "<elong>, <allcaps>), so the specials are words those vectors already have.",
    )
    st.data_editor(
        state.rules_frame(),
        key=editor_key(),
        num_rows="dynamic",
        width="stretch",
        on_change=commit_edits,
        hide_index=True,
    )
    c1, c2 = st.columns([3, 1])
    c1.text_input(
        "Literal special tokens",
        persist_state="session",
        key="opt_literal_specials",
        placeholder="e.g. [SEP] <title>",
        help="Kept as one token wherever they occur.",
    )
    if c2.button("Reset to the preset", width="stretch"):
        reset_rules()
        st.rerun()
