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

    def moved(self):
        """The tokens' moves on the axis, without the tokens that never had a direction."""
        return self.moves.dropna(subset=["change"])


def token_choices(view: AxisView) -> list[str]:
    """The tokens the chart can show; the session's pick defaults to the axis' featured ones
    and keeps only tokens still offered (a new axis or run)."""
    from pe_core.axes import default_tokens

    s = st.session_state
    options = view.moved().token.tolist()
    s.setdefault("axis_tokens", default_tokens(view.moves))
    s.axis_tokens = [t for t in s.axis_tokens if t in options]
    return options


def default_words(result, vectors) -> tuple[str, str]:
    """(positive, negative) as typed text, from the run's label names or the built-in pair."""
    from pe_core.axes import default_axis_words

    pos, neg = default_axis_words(result.label_names, vectors)
    return " ".join(pos), " ".join(neg)


def _refill(keys: tuple[str, str], defaults: tuple[str, str], memo: str) -> None:
    """Put ``defaults`` in the two word boxes ``keys`` when they are empty or still hold the
    defaults of an earlier run (a new run on other vectors gets its own words); words the user
    typed are kept."""
    s = st.session_state
    before = s.get(memo)
    for key, default, old in zip(keys, defaults, before or (None, None), strict=True):
        typed = str(s.get(key) or "").strip()
        if not typed or typed == old:
            s[key] = default
    s[memo] = defaults


def init_words(result, vectors) -> None:
    """Fill the axis word boxes with this run's defaults when empty or left at an earlier
    run's defaults."""
    _refill(("axis_pos", "axis_neg"), default_words(result, vectors), "_axis_defaults")


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


#: Pretrained words drawn on the semantic plane (the most frequent: GloVe order).
PLANE_WORDS = 3000


def init_plane_words(vectors) -> None:
    """Fill the second axis' word boxes with the default (arousal) words, as for the first."""
    from pe_core.semantic_plane import default_plane_words

    try:
        high, low = default_plane_words(vectors)
    except ValueError:
        return  # left empty: the page asks for the words
    _refill(("plane_pos", "plane_neg"), (" ".join(high), " ".join(low)), "_plane_defaults")


def plane(result, vectors, first: AxisView, positive: str, negative: str):
    """(second axis, token paths, words' positions) on the plane (memoised per run and words)."""
    from pe_core import axes, semantic_plane

    pos, neg = axes.parse_words(positive), axes.parse_words(negative)
    key = (id(result), first.axis.name, tuple(pos), tuple(neg))
    cached = st.session_state.get("_plane_cache")
    if cached is None or cached[0] != key:
        second = axes.SemanticAxis(pos, neg, vectors)
        paths = semantic_plane.plane_paths(result, first.axis, second)
        words_xy = semantic_plane.words_on_plane(vectors.matrix[:PLANE_WORDS], first.axis, second)
        cached = (key, (second, paths, words_xy))
        st.session_state._plane_cache = cached
    return cached[1]
