"""Neighbourhood change of the session's run: the endpoints searched once per run, cached."""

from __future__ import annotations

import streamlit as st


def endpoints(result, vectors):
    """Every token's top-k at its first direction and at the end: read from the run's stored
    neighbours (searched once per run only without them)."""
    from pe_core.neighbourhood import endpoints as search

    cached = st.session_state.get("_endpoints_cache")
    if cached is None or cached[0] != id(result):
        cached = (
            id(result),
            search(result.trajectory, vectors.matrix, stored=getattr(result, "neighbours", None)),
        )
        st.session_state._endpoints_cache = cached
    return cached[1]


def token_curves(result, vectors, token: str, k: int):
    """One token's overlap and distance curves (memoised for the last token and k)."""
    from pe_core.neighbourhood import token_change

    key = (id(result), token, int(k))
    cached = st.session_state.get("_token_change_cache")
    if cached is None or cached[0] != key:
        cached = (key, token_change(result, vectors.matrix, token, int(k)))
        st.session_state._token_change_cache = cached
    return cached[1]


def ranking(result, vectors, k: int):
    """All tokens, most changed first, at ``k`` (see ``pe_core.neighbourhood.change_ranking``),
    rounded for the table."""
    from pe_core.neighbourhood import change_ranking

    return change_ranking(result, endpoints(result, vectors), int(k)).round(3)
