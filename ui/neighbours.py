"""The Neighbours page's lookups: read from the run's stored neighbours, memoised per session.

Whole-vocabulary searches happen only for what the stored neighbours cannot answer (euclidean,
a typed query word), once per distinct question, never again on a rerun that asks the same.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

_MEMO = "_nb_memo"
_MEMO_SIZE = 32


def _memo(key, compute):
    memo = st.session_state.setdefault(_MEMO, {})
    if key not in memo:
        if len(memo) >= _MEMO_SIZE:
            memo.pop(next(iter(memo)))
        memo[key] = compute()
    return memo[key]


def top_of(result, vectors, token: str, snapshot: int, k: int, metric: str):
    """``(words, scores)`` of ``token``'s top-``k`` at ``snapshot``."""
    from pe_core.stored_neighbours import token_neighbours

    t = list(result.tokens).index(token)

    def compute():
        idx, scores = token_neighbours(result, vectors, t, snapshot, k, metric)
        return [vectors.words[i] for i in idx], np.round(scores, 4)

    return _memo(("top", id(result), token, snapshot, k, metric), compute)


def query(result, vectors, text: str, snapshot: int, k: int, metric: str):
    """Nearest words and nearest trainable tokens of a typed word or token."""
    from pe_core.neighbours import nearest
    from pe_core.stored_neighbours import shared_index

    tokens = list(result.tokens)
    if text in tokens:
        q = result.trajectory[snapshot, tokens.index(text)]
    elif text in vectors:
        q = vectors.vector(text)
    else:
        raise ValueError(f"{text!r} is neither a pretrained word nor a trainable token")

    def compute():
        idx, scores = shared_index(vectors, metric).query(q[None], k=k)
        tidx, tscores = nearest(
            result.trajectory[snapshot], q[None], k=min(k, len(tokens)), metric=metric
        )
        words = ([vectors.words[i] for i in idx[0]], np.round(scores[0], 4))
        return words, ([tokens[i] for i in tidx[0]], np.round(tscores[0], 4))

    return _memo(("query", id(result), text, snapshot, k, metric), compute)
