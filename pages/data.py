"""Data page: word vectors, labelled dataset, special-token rules and the trainable set."""

import streamlit as st

from pe_core.data_report import trainable_line
from pe_core.plots import KIND_COLORS
from ui import (
    dataset_source,
    downloads,
    rules_editor,
    state,
    vector_sources,
    vocab_summary,
    wording,
)
from ui.errors import shown_errors
from ui.highlight import TOKEN_CSS, token_chips

state.require_app(__file__)
s = st.session_state
st.title("Data")
st.caption(
    "Choose the pretrained vectors (kept frozen), the labelled texts, and which tokens get their "
    "own trainable row."
)

downloads.collect()  # (the sidebar does this too; a page run alone, as in AppTest, has none)
vocab_summary.show()
tab_vec, tab_data, tab_tok, tab_train = st.tabs(
    ["Word vectors", "Dataset", "Special tokens", "Trainable set"]
)

with tab_vec:
    vector_sources.current(s.vectors, s.vectors_desc)
    vector_sources.twitter_preset_hint(vectors=s.vectors)
    source = st.radio(
        "Source",
        vector_sources.SOURCES,
        persist_state="session",
        key="opt_vectors_source",
        horizontal=True,
    )
    max_words = st.number_input(
        "Max words (0 = all)",
        min_value=0,
        step=10_000,
        persist_state="session",
        key="opt_max_words",
        help="GloVe files are sorted by frequency: the first words are the most common.",
    )
    fix = st.checkbox(
        "Repair mojibake (â€“ → –) with ftfy",
        persist_state="session",
        key="opt_fix_mojibake",
        help="For copies whose words went through a wrong decoding somewhere; files that are "
        "not UTF-8 are read as cp1252 / latin-1 either way, and every word is kept.",
    )
    vector_sources.PANELS[source](int(max_words) or None, fix)

with tab_data:
    dataset_source.current(s.dataset, s.dataset_desc)
    source = st.radio(
        "Source",
        dataset_source.SOURCES,
        persist_state="session",
        key="opt_dataset_source",
        horizontal=True,
    )
    if source == "Embedded demo":
        dataset_source.demo()
    else:
        dataset_source.upload()

with tab_tok:
    st.caption(
        "Each enabled rule replaces what its pattern matches by its token (one trainable row per "
        "token); a rule of mode *tag* keeps the match and adds its token after it. Edit, disable "
        "or add rows; literal specials are kept as written."
    )
    rules_editor.table()
    st.text_input("Try a text", persist_state="session", key="opt_preview_text")
    with shown_errors("Tokenizing the preview", "Check the rule patterns (regular expressions)."):
        rules_editor.preview(s.opt_preview_text, s.dataset, s.vectors)

with tab_train:
    st.caption(
        "`<unk>` and the special tokens always get a trainable row; OOV words (not in the "
        "vectors) get one, most frequent first, if they occur often enough and the cap allows."
    )
    c1, c2, c3 = st.columns(3)
    c1.number_input(
        f"{wording.MIN_OOV_COUNT} (0 = none)",
        min_value=0,
        step=1,
        persist_state="session",
        key="opt_min_oov_count",
        help="Words missing from the vectors that occur at least this often in the "
        "dataset get their own trainable row; rarer ones become <unk>.",
    )
    c2.selectbox(
        wording.OOV_CAP,
        list(state.OOV_CAPS),
        persist_state="session",
        key="opt_oov_cap",
        help="The premise: too little data to learn new embeddings for every word. By default "
        "at most 10 % of the frozen rows go to OOV words, the most frequent ones.",
    )
    c3.number_input(
        "N (for 'At most N rows')",
        min_value=0,
        step=10,
        persist_state="session",
        key="opt_max_oov_rows",
        disabled=s.opt_oov_cap != "At most N rows",
    )
    c1, c2 = st.columns(2)
    c1.selectbox(
        "Initialisation of the trainable rows",
        ["zeros", "mean", "random"],
        persist_state="session",
        key="opt_init",
    )
    c2.radio(
        wording.PRETRAINED_SPECIALS,
        list(wording.PRETRAINED_CHOICES),
        format_func=wording.PRETRAINED_CHOICES.get,
        persist_state="session",
        key="opt_pretrained_specials",
        help="GloVe Twitter already has vectors for <user>, <url>, <smile>, ...",
    )
    st.text_input(
        "Promoted words (comma separated)",
        persist_state="session",
        key="opt_promote",
        help="Pretrained words that should be trained too (they start at their GloVe vector).",
        placeholder="good, bad",
    )
    with shown_errors("Building the vocabulary"):
        vocab = state.current_vocabulary()
        st.markdown(trainable_line(vocab))
        st.markdown(TOKEN_CSS, unsafe_allow_html=True)
        chips = token_chips(vocab.trainable_tokens, vocab.token_kinds, KIND_COLORS)
        st.markdown(chips, unsafe_allow_html=True)
