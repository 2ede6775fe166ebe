"""The session's semantic axis: its words (defaults from the labels), scores, scale, cached."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

#: Words whose scores give the axis its scale (the most frequent ones: GloVe order).
SPREAD_WORDS = 5000


@dataclass
class AxisView:
    axis: Any
    scores: Any
    spread: dict
    moves: Any


def default_words(result, vectors) -> tuple[str, str]:
    """(positive, negative) as typed text, from the run's label names or the built-in pair."""
    from pe_core.axes import default_axis_words

    pos, neg = default_axis_words(result.label_names, vectors)
    return " ".join(pos), " ".join(neg)


def init_words(result, vectors) -> None:
    """Fill the axis word boxes with the defaults the first time (or when left empty)."""
    s = st.session_state
    pos, neg = default_words(result, vectors)
    if not str(s.get("axis_pos") or "").strip():
        s.axis_pos = pos
    if not str(s.get("axis_neg") or "").strip():
        s.axis_neg = neg


def view(result, vectors, positive: str, negative: str) -> AxisView:
    """The axis of the typed words and every token's scores on it (memoised per run and words)."""
    from pe_core import axes

    pos, neg = axes.parse_words(positive), axes.parse_words(negative)
    key = (id(result), tuple(pos), tuple(neg))
    cached = st.session_state.get("_axis_cache")
    if cached is None or cached[0] != key:
        axis = axes.SemanticAxis(pos, neg, vectors)
        scores = axes.trajectory_scores(result, axis)
        spread = axes.reference_spread(axis, vectors.matrix[:SPREAD_WORDS])
        cached = (key, AxisView(axis, scores, spread, axes.movement(scores)))
        st.session_state._axis_cache = cached
    return cached[1]
