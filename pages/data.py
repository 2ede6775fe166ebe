"""Data page: word vectors, labelled dataset, special-token rules and the trainable set."""

import streamlit as st

from ui import assets, downloads, loaders, paths, state
from ui.errors import shown_errors
from ui.highlight import TOKEN_CSS, token_chips, token_spans

state.require_app(__file__)
s = st.session_state
st.title("Data")
st.caption(
    "Choose the pretrained vectors (kept frozen), the labelled texts, and which tokens get their "
    "own trainable row."
)


def summary() -> None:
    with shown_errors("Building the vocabulary", "Check the special-token table below."):
        vocab = state.current_vocabulary()
        stats = vocab.stats
        cols = st.columns(7)
        cols[0].metric("V frozen words", f"{vocab.num_frozen:,}")
        cols[1].metric("k trainable tokens", f"{vocab.num_trainable:,}")
        cols[2].metric("d dimensions", vocab.dim)
        cols[3].metric(
            "Trainable params",
            f"{vocab.num_trainable * vocab.dim:,}",
            delta=f"frozen: {vocab.num_frozen * vocab.dim:,}",
            delta_color="off",
            delta_arrow="off",
            help="Embedding parameters only: k × d trainable, V × d frozen.",
        )
        cols[4].metric(
            "OOV rate",
            f"{stats.get('oov_rate', 0):.1%}",
            help="Share of all the dataset's tokens that are ordinary words missing from the "
            "vectors, whether they got their own trainable row or are read as <unk>.",
        )
        cols[5].metric(
            "<unk> rate",
            f"{stats.get('unk_rate', 0):.1%}",
            help="Share of the dataset's tokens that have no row at all and are read as <unk>: "
            "not in the vectors and rarer than the OOV minimum count.",
        )
        cols[6].metric(
            "Coverage",
            f"{stats.get('coverage', 0):.1%}",
            help="Share of the dataset's word types found in the vectors.",
        )
        for warning in vocab.warnings:
            st.warning(f"Too many trainable rows: {warning}.", icon=":material/warning:")
        for notice in vocab.notices:
            st.info(f"{notice}.", icon=":material/info:")


downloads.collect()  # (the sidebar does this too; a page run alone, as in AppTest, has none)
summary()
tab_vec, tab_data, tab_tok, tab_train = st.tabs(
    ["Word vectors", "Dataset", "Special tokens", "Trainable set"]
)

RELEASE_LABELS = {
    "6B": "6B (Wikipedia + Gigaword, 400k words)",
    "twitter.27B": "Twitter 27B (2B tweets, 1.2M words)",
}


def _use_twitter_preset() -> None:
    s.opt_rules_preset = "GloVe Twitter"
    s.rules_df = state.default_rules_frame()
    s.rules_version += 1


def twitter_preset_hint(vectors=None, release: str | None = None) -> None:
    """Suggest the GloVe Twitter rules when these vectors were made with them (once chosen)."""
    from pe_core.presets import suggested_preset

    wanted = suggested_preset(vectors, release)
    if wanted != "GloVe Twitter" or s.get("opt_rules_preset") == wanted:
        return
    st.info(
        "GloVe Twitter vectors were trained on tweets rewritten by its preprocessing (`<user>`, "
        "`<url>`, `<hashtag>`, `<smile>`, `<repeat>`, `<allcaps>`, ...). The **GloVe Twitter** "
        "rules preset writes your texts the same way, so these tokens meet their own vectors.",
        icon=":material/lightbulb:",
    )
    st.button(
        "Use the GloVe Twitter rules preset",
        key=f"use_twitter_preset_{'release' if release else 'vectors'}",
        on_click=_use_twitter_preset,
    )


with tab_vec:
    st.markdown(f"**Current:** {s.vectors_desc} — {len(s.vectors):,} words × {s.vectors.dim} d")
    if s.vectors.skipped:
        from pe_core.vectors import REASONS

        st.caption(
            "While loading: "
            + "; ".join(f"{n:,} {REASONS.get(r, r)}" for r, n in s.vectors.skipped.items())
        )
    for note in s.vectors.notes:  # zip member read, header mismatch, cache not written, ...
        st.caption(note)
    twitter_preset_hint(vectors=s.vectors)
    source = st.radio(
        "Source",
        ["Embedded demo", "Upload a file", "File in the data directory", "Download GloVe"],
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
    limit = int(max_words) or None
    fix = st.checkbox(
        "Repair mojibake (â€“ → –) with ftfy",
        persist_state="session",
        key="opt_fix_mojibake",
        help="For copies whose words went through a wrong decoding somewhere; files that are "
        "not UTF-8 are read as cp1252 / latin-1 either way, and every word is kept.",
    )
    if source == "Embedded demo":
        st.caption("A small built-in vocabulary with clear word groups; loads instantly.")
        if st.button("Use the demo vectors"):
            state.set_vectors(assets.demo_vectors(), "Embedded demo")
            st.rerun()
    elif source == "Upload a file":
        up = st.file_uploader(
            "GloVe / word2vec / fastText text file",
            type=["txt", "vec", "gz", "zip"],
            key="vectors_upload",
        )
        if up is not None and st.button("Load the uploaded vectors", type="primary"):
            with shown_errors(
                "Loading the vectors",
                "Upload a text file with one word and its "
                "numbers per line (GloVe or word2vec format).",
            ):
                bar = st.progress(0.0, text=f"Reading {up.name}…")
                try:
                    vectors = loaders.vectors_from_upload(
                        up.name,
                        up,  # streamed to disk in chunks: never a second copy in memory
                        limit,
                        progress=lambda f: bar.progress(min(max(float(f), 0.0), 1.0)),
                        fix_mojibake=fix,
                    )
                finally:
                    bar.empty()  # a refused file leaves no half-filled "Reading…" bar
                state.set_vectors(vectors, f"Upload: {up.name}")
                st.rerun()
    elif source == "File in the data directory":
        root = paths.data_dir()
        names = [
            n
            for n in paths.list_data_files(root)
            if n.lower().endswith(loaders.VECTOR_SUFFIXES) and "readme" not in n.lower()
        ]
        st.caption(
            f"Data directory: `{root}` (set with the PE_LAB_DATA_DIR variable). Vector files "
            f"there: {', '.join(f'`{n}`' for n in names[:8]) or 'none yet'}."
        )
        typed = st.text_input(
            "Path inside the data directory",
            value=names[0] if names else "",
            key="vectors_path",
            placeholder="glove.6B.50d.txt",
        )
        if st.button("Load from the data directory", type="primary"):
            with shown_errors("Loading the vectors"):
                path = paths.resolve_in_data_dir(typed, root)
                with st.spinner(f"Reading {path.name}…"):
                    vectors = assets.vectors_file(path, limit, fix)
                state.set_vectors(vectors, f"File: {path.name}")
                st.rerun()
    else:
        from pe_core.vectors import GLOVE_RELEASES

        c1, c2 = st.columns(2)
        name = c1.selectbox(
            "Release",
            list(GLOVE_RELEASES),
            format_func=RELEASE_LABELS.get,
            persist_state="session",
            key="glove_name",
        )
        dim = c2.selectbox(  # one key per release: their dimensions differ
            "Dimensions", GLOVE_RELEASES[name], persist_state="session", key=f"glove_dim_{name}"
        )
        st.caption(
            "Downloads from the Stanford NLP site into the cache (PE_LAB_CACHE) once, in the "
            "background: the app stays usable meanwhile."
        )
        twitter_preset_hint(release=name)
        job = s.get("download_job")
        busy = job is not None and not job.done
        if st.button("Download and load", type="primary", disabled=busy):
            downloads.start(name, int(dim), limit)
            st.rerun()

        @st.fragment(run_every=1.0 if busy else None)
        def download_status() -> None:
            job = s.get("download_job")
            if job is None:
                return
            p = job.progress()
            if not job.done:
                st.progress(p["fraction"], text=job.text())
                if st.button("Stop the download", icon=":material/stop:"):
                    job.stop()
                return
            if busy:  # ended since the page was drawn: redraw it all (button, summary, sidebar)
                st.rerun(scope="app")
            if p["phase"] == "failed":
                st.error(
                    f"Downloading GloVe failed: {p['error']}\n\nCheck the network, or place "
                    "the file in the data directory and load it by path."
                )
            elif p["phase"] == "stopped":
                st.info(f"Download stopped: {p['error']}", icon=":material/pause:")
            else:
                st.success(f"Loaded {job.label}.", icon=":material/check_circle:")

        download_status()

with tab_data:
    ds = s.dataset
    st.markdown(f"**Current:** {s.dataset_desc} — {len(ds):,} texts")
    for note in getattr(ds, "notes", None) or []:
        st.caption(note)
    if ds.dropped:
        st.warning("Dropped rows: " + ", ".join(f"{r}: {n:,}" for r, n in ds.dropped.items()))
    c1, c2 = st.columns([2, 1])
    c1.dataframe(
        {"text": ds.texts[:200], "label": [ds.label_names[i] for i in ds.labels[:200]]},
        height=260,
        width="stretch",
    )
    c2.bar_chart(ds.label_counts(), height=260, horizontal=True)
    source = st.radio(
        "Source",
        ["Embedded demo", "Upload CSV / TSV"],
        persist_state="session",
        key="opt_dataset_source",
        horizontal=True,
    )
    if source == "Embedded demo":
        if st.button("Use the demo dataset"):
            state.set_dataset(assets.demo_dataset(), "Embedded demo")
            st.rerun()
    else:
        up = st.file_uploader(
            "CSV or TSV with a text column and a label column",
            type=["csv", "tsv", "txt"],
            key="dataset_upload",
        )
        if up is not None:
            with shown_errors("Reading the columns"):  # the message says what was wrong
                columns, text_guess, label_guess = loaders.table_columns(up.name, up.getvalue())
                guesses = (text_guess, label_guess)
                pickers = zip(st.columns(2), ("text", "label"), guesses, strict=True)
                text_col, label_col = (
                    col.selectbox(
                        f"{role.capitalize()} column",
                        range(len(columns)),
                        index=guess,
                        format_func=columns.__getitem__,
                        key=f"dataset_{role}_col",
                    )
                    for col, role, guess in pickers
                )
                if st.button("Use this dataset", type="primary"):
                    with shown_errors("Loading the dataset", "Pick the text and label columns."):
                        dataset = loaders.dataset_from_upload(
                            up.name, up.getvalue(), text_col, label_col
                        )
                        state.set_dataset(dataset, f"Upload: {up.name}")
                        st.rerun()

with tab_tok:
    st.caption(
        "Each enabled rule replaces what its pattern matches by its token (one trainable row per "
        "token); a rule of mode *tag* keeps the match and adds its token after it. Edit, disable "
        "or add rows; literal specials are kept as written."
    )

    def _use_preset() -> None:
        s.rules_df = state.default_rules_frame()
        s.rules_version += 1

    st.selectbox(
        "Rules preset",
        ["Default", "GloVe Twitter"],
        persist_state="session",
        key="opt_rules_preset",
        on_change=_use_preset,
        help="Default: GloVe 6B's token forms plus tweet specials. GloVe Twitter: the "
        "preprocessing the Twitter vectors were trained with (<user>, <url>, <hashtag> + "
        "word, <number>, <smile>, <lolface>, <sadface>, <neutralface>, <heart>, <repeat>, "
        "<elong>, <allcaps>), so the specials are words those vectors already have.",
    )

    def _commit_rules() -> None:
        delta = s.get(f"rules_editor_{s.rules_version}") or {}
        s.rules_df = state.apply_editor_delta(state.rules_frame(), delta)
        s.rules_version += 1

    st.data_editor(
        state.rules_frame(),
        key=f"rules_editor_{s.rules_version}",
        num_rows="dynamic",
        width="stretch",
        on_change=_commit_rules,
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
        s.rules_df = state.default_rules_frame()
        s.rules_version += 1
        st.rerun()
    st.text_input("Try a text", persist_state="session", key="opt_preview_text")
    with shown_errors("Tokenizing the preview", "Check the rule patterns (regular expressions)."):
        from pe_core.plots import KIND_COLORS

        tokenizer = state.current_tokenizer()
        samples = [s.opt_preview_text, *s.dataset.texts[:6]]
        st.markdown(TOKEN_CSS, unsafe_allow_html=True)
        for text in samples:
            spans = token_spans(tokenizer.tokenize_with_rules(text), s.vectors, KIND_COLORS)
            st.markdown(spans, unsafe_allow_html=True)
        st.caption(
            f"<span style='color:{KIND_COLORS['special']}'>■</span> special token · "
            f"<span style='color:{KIND_COLORS['oov']}'>■</span> not in the vectors · plain: "
            "frozen pretrained word",
            unsafe_allow_html=True,
        )

with tab_train:
    st.caption(
        "`<unk>` and the special tokens always get a trainable row; OOV words (not in the "
        "vectors) get one, most frequent first, if they occur often enough and the cap allows."
    )
    c1, c2, c3 = st.columns(3)
    c1.number_input(
        "OOV words: minimum count (0 = none)",
        min_value=0,
        step=1,
        persist_state="session",
        key="opt_min_oov_count",
        help="Words missing from the vectors that occur at least this often in the "
        "dataset get their own trainable row; rarer ones become <unk>.",
    )
    c2.selectbox(
        "OOV words: cap on their rows",
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
        "Special tokens that are pretrained words",
        ["promote", "freeze"],
        format_func={
            "promote": "Train them, starting from their vectors",
            "freeze": "Keep them frozen",
        }.get,
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
        from pe_core.plots import KIND_COLORS

        cap = vocab.stats.get("max_oov_rows")
        st.markdown(
            f"**{vocab.num_trainable:,} trainable rows** for {vocab.num_frozen:,} frozen words "
            f"({vocab.stats.get('trainable_share', 0):.1%}); OOV rows: "
            f"{vocab.token_kinds.count('oov'):,} of at most "
            f"{'no cap' if cap is None else f'{cap:,}'}."
        )
        st.markdown(TOKEN_CSS, unsafe_allow_html=True)
        st.markdown(
            token_chips(vocab.trainable_tokens, vocab.token_kinds, KIND_COLORS),
            unsafe_allow_html=True,
        )
