"""The Neighbours page's lookups: read from the run's stored neighbours, memoised per session.

Whole-vocabulary searches happen only for what the stored neighbours cannot answer (euclidean,
a typed query word, the best cosine of a euclidean list), once per distinct question, never
again on a rerun that asks the same.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

_MEMO = "_nb_memo"
_MEMO_SIZE = 32
#: Words offered to track over training: the most frequent first (GloVe order), a list that
#: stays usable with type-ahead.
TRACK_OPTIONS = 20_000


def _memo(key, compute):
    memo = st.session_state.setdefault(_MEMO, {})
    if key not in memo:
        if len(memo) >= _MEMO_SIZE:
            memo.pop(next(iter(memo)))
        memo[key] = compute()
    return memo[key]


def _best_cosine(vectors, row, metric: str, scores) -> float:
    # The "no close word" rule is about cosine; with the euclidean metric ask for it separately.
    if metric == "cosine":
        return float(scores[0])
    from pe_core.neighbours import nearest

    return float(nearest(vectors.matrix, row[None], k=1, metric="cosine")[1][0, 0])


def track_options(vectors) -> list[str]:
    """The words the drift section offers to track."""
    return list(vectors.words[:TRACK_OPTIONS])


def top_of(result, vectors, token: str, snapshot: int, k: int, metric: str):
    """``(words, scores, best cosine)`` of ``token``'s top-``k`` at ``snapshot``; None while
    its row is the zero vector (no direction, so no neighbours)."""
    from pe_core.stored_neighbours import token_neighbours

    t = list(result.tokens).index(token)
    row = result.trajectory[snapshot, t]
    if not np.any(row):
        return None

    def compute():
        idx, scores = token_neighbours(result, vectors, t, snapshot, k, metric)
        scores = np.round(scores, 4)
        return [vectors.words[i] for i in idx], scores, _best_cosine(vectors, row, metric, scores)

    return _memo(("top", id(result), token, snapshot, k, metric), compute)


def query(result, vectors, text: str, snapshot: int, k: int, metric: str):
    """Nearest words ``(words, scores, best cosine)`` and nearest trainable tokens
    ``(tokens, scores)`` of a typed word or token."""
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
        scores = np.round(scores[0], 4)
        words = (
            [vectors.words[i] for i in idx[0]],
            scores,
            _best_cosine(vectors, q, metric, scores),
        )
        return words, ([tokens[i] for i in tidx[0]], np.round(tscores[0], 4))

    return _memo(("query", id(result), text, snapshot, k, metric), compute)


def drift(result, vectors, k: int, track) -> object:
    """``neighbour_drift`` of the run at ``k`` with the tracked words; one entry kept in the
    session, so a new k, word list or run replaces it."""
    from pe_core.neighbours import neighbour_drift

    s = st.session_state
    key = (id(result), k, tuple(track))
    found = s.setdefault("drift", {}).get(key)
    if found is None:
        with st.spinner("Neighbours of every token at every snapshot…"):
            found = neighbour_drift(result, vectors, k=k, words=track)
        s.drift = {key: found}
    return found
