"""The figures above the Data page's tabs: the session's vocabulary in seven numbers, with its
warnings (too many trainable rows) and notices."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.errors import shown_errors
from ui.wording import say


def show() -> None:
    """Build the session's vocabulary and draw its figures, warnings and notices."""
    from pe_core.data_report import vocabulary_figures

    with shown_errors("Building the vocabulary", "Check the special-token table below."):
        vocab = state.current_vocabulary()
        for col, fig in zip(st.columns(7), vocabulary_figures(vocab), strict=True):
            col.metric(
                fig.label,
                fig.value,
                delta=fig.delta,
                delta_color="off",
                delta_arrow="off",
                help=fig.help,
            )
        for warning in vocab.warnings:
            st.warning(f"Too many trainable rows: {say(warning)}.", icon=":material/warning:")
        for notice in vocab.notices:
            st.info(f"{say(notice)}.", icon=":material/info:")
