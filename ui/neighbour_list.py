"""An honest neighbour list: cosines as bars, and "no close word yet" instead of a weak finding.

The rule itself (threshold, wording) lives in ``pe_core.closeness``; this module only draws it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from pe_core.closeness import WEAK_COSINE, is_weak, weak_heading

#: Colour of a list that is not a finding (the rows are drawn in it).
GREY = "#9aa0a6"


def threshold_slider(container, key: str) -> float:
    """The "no close word" threshold, shared by every list on the page (default 0.3)."""
    return container.slider(
        "Close-word threshold",
        0.0,
        0.9,
        WEAK_COSINE,
        step=0.05,
        persist_state="session",
        key=key,
        help="A token whose best cosine to any word is below this (or negative) has "
        "neighbours by rank only, not by meaning: its list is greyed and says so.",
    )


def show(
    words: Sequence[str],
    scores: Sequence[float],
    *,
    best_cosine: float,
    threshold: float,
    score_name: str = "cosine",
    column: str = "word",
    ranks: bool = True,
) -> bool:
    """Draw one neighbour list; returns True when it is weak (greyed, headed "no close word")."""
    import pandas as pd

    weak = is_weak(best_cosine, threshold)
    if weak:
        st.markdown(
            f":gray[**{weak_heading(best_cosine)}** · not a finding: the words below are "
            f"only the least far, below the {threshold:.2f} threshold]"
        )
    data = {column: list(words), score_name: np.round(np.asarray(scores, dtype=float), 4)}
    if ranks:
        data = {"rank": list(range(1, len(words) + 1)), **data}
    frame = pd.DataFrame(data)
    shown = frame.style.set_properties(color=GREY) if weak else frame
    if score_name == "cosine":
        bar = st.column_config.ProgressColumn(
            "cosine",
            min_value=0.0,
            max_value=1.0,
            format="%.3f",
            help="Cosine similarity; a bar is empty at 0 or below.",
        )
    else:
        bar = st.column_config.NumberColumn(score_name, format="%.3f")
    st.dataframe(shown, width="stretch", hide_index=True, column_config={score_name: bar})
    return weak


#: Readable headers of the page's tables (the CSV exports keep their own column names).
HEADERS = {
    "token": "Token",
    "kind": "Kind",
    "snapshot": "Snapshot",
    "epoch": "Epoch",
    "event": "Event",
    "word": "Word",
    "nearest at the end": "Nearest at the end",
    "first_top": "First top words",
    "last_top": "Last top words",
    "entered": "Entered",
    "left": "Left",
    "overlap": "Overlap (kept)",
    "changed": "Changed",
    "kept": "Kept",
    "l2_from_start": "L2 distance from start",
    "cosine_from_start": "Cosine distance from start",
}


def readable(frame):
    """``frame`` with readable column headers (``HEADERS``) for display."""
    return frame.rename(columns=HEADERS)


def drift_summary(drift, threshold: float):
    """The all-tokens drift table, with an honest "at the end" column (weak lists say so)."""
    from pe_core.closeness import describe_nearest

    top = drift.top
    last = top[top.snapshot == top.groupby("token").snapshot.transform("max")]
    ends = {
        token: describe_nearest(rows.word.tolist(), rows.similarity.tolist(), 3, threshold)
        for token, rows in last.groupby("token", sort=False)
    }
    summary = drift.summary.copy()
    summary.insert(
        2, "nearest at the end", summary.token.map(ends).fillna("zero vector: no direction yet")
    )
    for col in ("first_top", "last_top"):
        summary[col] = summary[col].map(lambda ws: ", ".join(ws[:8]))
    return summary
