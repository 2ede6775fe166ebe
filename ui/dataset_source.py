"""The Data page's dataset: the current texts and labels, and the sources to replace them (the
embedded demo, or an uploaded CSV / TSV with its text and label columns picked)."""

from __future__ import annotations

import streamlit as st

from ui import assets, loaders, state, wording
from ui.errors import shown_errors
from ui.highlight import literal
from ui.wording import say

SOURCES = ["Embedded demo", "Upload CSV / TSV"]


def current(ds, desc: str) -> None:
    """The session's dataset: its size, loading notes, dropped rows, first texts and labels."""
    from pe_core.data_report import dropped_rows

    st.markdown(f"**Current:** {desc} — {len(ds):,} texts")
    for note in getattr(ds, "notes", None) or []:
        st.caption(literal(say(note)))  # a text's \ or * shows as written
    dropped = dropped_rows(ds.dropped)
    if dropped:
        st.warning(dropped)
    c1, c2 = st.columns([2, 1])
    c1.dataframe(
        {"text": ds.texts[:200], "label": [ds.label_names[i] for i in ds.labels[:200]]},
        height=260,
        width="stretch",
    )
    c2.bar_chart(ds.label_counts(), height=260, horizontal=True)


def demo() -> None:
    """The embedded demo dataset, on a click."""
    if st.button("Use the demo dataset"):
        state.set_dataset(assets.demo_dataset(), "Embedded demo")
        st.rerun()


def repair_options() -> dict[str, bool]:
    """The two text repairs of ``load_dataset``, as checkboxes (both on by default)."""
    c1, c2 = st.columns(2)
    escapes = c1.checkbox(
        wording.DECODE_ESCAPES,
        persist_state="session",
        key="opt_decode_escapes",
        help=r"Exports often write a character as an escape: `Don\u2019t` for `Don’t`, `\"` "
        r"""for `"`. Tokenized as written, they become words such as `u2019t` that get """
        "trainable rows.",
    )
    quotes = c2.checkbox(
        wording.UNQUOTE_TEXTS,
        persist_state="session",
        key="opt_unquote_texts",
        help='A text written as `"say ""hi"" now"` was quoted twice on its way (TweetEval\'s '
        'tweets are): it is read as `say "hi" now`.',
    )
    return {"decode_escapes": escapes, "unquote_texts": quotes}


def upload() -> None:
    """An uploaded CSV / TSV: pick its text and label columns (guessed), then load it."""
    up = st.file_uploader(
        "CSV or TSV with a text column and a label column",
        type=["csv", "tsv", "txt"],
        key="dataset_upload",
    )
    if up is None:
        return
    with shown_errors("Reading the columns"):  # the message says what was wrong
        columns, text_guess, label_guess = loaders.table_columns(up.name, up.getvalue())
        pickers = zip(st.columns(2), ("text", "label"), (text_guess, label_guess), strict=True)
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
        repairs = repair_options()
        if st.button("Use this dataset", type="primary"):
            with shown_errors("Loading the dataset", "Pick the text and label columns."):
                dataset = loaders.dataset_from_upload(
                    up.name, up.getvalue(), text_col, label_col, **repairs
                )
                state.set_dataset(dataset, f"Upload: {up.name}")
                st.rerun()
