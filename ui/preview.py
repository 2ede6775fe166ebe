"""The Train page's map before a run has a snapshot: the fixed reference words alone.

The browser loads its chart code (plotly.js) with the first chart a page draws: about a second
on the demo machine, and on the first click it came on top of the run's start. Drawn by the
live fragment's first poll after the first page (so the first page's script stays light), this
preview loads it before the click. It is the run's own map: the same reference words and axes
as the live map the run will draw (``training.live_projector`` fitted on the same vocabulary), only
without tokens, and it says so.
"""

from __future__ import annotations

import streamlit as st

from ui import state

TITLE = "PCA map · fixed reference words; tokens appear as the run moves them"


def reference_figure():
    """The preview figure for the session's vectors and vocabulary (memoised per both);
    None when no vectors or dataset are loaded."""
    s = st.session_state
    if s.get("vectors") is None or s.get("dataset") is None:
        return None
    vocab = state.current_vocabulary()
    # The vocabulary's own memo key (data version, tokenizer, options, seed): plain values, so
    # the memo keeps no old vectors alive.
    key = s._vocab_cache[0]
    memo = s.get("_preview_map")
    if memo is not None and memo[0] == key:
        return memo[1]
    import pandas as pd

    from pe_core import plots
    from ui.training import live_projector

    projector = live_projector(s.vectors, vocab)
    no_tokens = pd.DataFrame(
        {c: pd.Series([], dtype=float if c in ("x", "y") else object) for c in plots.MAP_COLUMNS}
    )
    figure = plots.paths_figure(
        no_tokens, projector.embedding_, projector.words_, title=TITLE, height=560
    )
    s._preview_map = (key, figure)
    return figure


def intro(label: str) -> None:
    """What the Train page shows before any run: how to start, the three ideas, and (from the
    fragment's second run on) the preview map."""
    st.info(
        f"Press **{label}** to start: it takes well under a minute on the demo, and "
        "the map fills in while it runs.",
        icon=":material/info:",
    )
    steps = st.columns(3)
    steps[0].markdown(
        "**1 · Frozen words**  \nEvery pretrained (GloVe) word keeps its vector: the "
        "grey points of the map never move."
    )
    steps[1].markdown(
        "**2 · Trainable tokens**  \n`<unk>`, special tokens such as `<url>` or "
        "`<smile>`, emoji and frequent unknown words get their own rows."
    )
    steps[2].markdown(
        "**3 · Watch them move**  \nThe classifier pulls those rows towards the words "
        "that mean the same; Explore and Neighbours show where they went."
    )
    _draw_preview()


def _draw_preview() -> None:
    """The map of the reference words alone, from the fragment's second run on (the first
    run is part of the first page). Once drawn, one full rerun stops the polling."""
    s = st.session_state
    if not s.get("_preview_due"):
        s._preview_due = True  # the next poll draws it
        return
    figure = reference_figure()
    if figure is not None:
        col_map, _ = st.columns([3, 2])
        col_map.plotly_chart(figure, width="stretch", key="live_map")
        col_map.caption(
            "The fixed map: grey points are frozen GloVe words and never move. The trainable "
            "tokens are drawn here, where their vectors are, once the run has moved them."
        )
    if not s.get("_preview_shown"):
        s._preview_shown = True
        st.rerun(scope="app")  # a full run, so that the fragment stops polling
