"""Glue for the Influence page: the session's run -> validation ids -> influence, memoised."""

from __future__ import annotations

import streamlit as st


def validation_texts(result) -> list[str]:
    """The run's validation texts (from the texts it was trained on)."""
    texts = st.session_state.get("run_texts")
    if texts is None or len(texts) <= int(result.val_indices.max(initial=-1)):
        raise ValueError(
            "the texts this model was trained on are no longer in the session: train again"
        )
    return [texts[i] for i in result.val_indices]


def _ids(result):
    cached = st.session_state.get("_influence_ids")
    if cached is None or cached[0] is not result:
        ids = result.vocabulary.encode(validation_texts(result), result.max_len)
        cached = (result, ids)
        st.session_state._influence_ids = cached
    return cached[1]


def _memo(name: str, key: tuple, result, compute):
    """``compute()`` kept in the session under ``name`` for ``key`` and this very ``result``
    (a new run with a reused id is measured again)."""
    cached = st.session_state.get(name)
    if cached is None or cached[0] != key or cached[1] is not result:
        cached = (key, result, compute())
        st.session_state[name] = cached
    return cached[2]


def influence(result, occlude: str, max_texts: int):
    """``token_influence`` of the run's model over its validation texts (memoised per run)."""
    from pe_core.influence import token_influence

    def compute():
        return token_influence(
            result.model,
            result.vocabulary,
            _ids(result),
            label_names=result.label_names,
            occlude=occlude,
            max_texts=int(max_texts),
            seed=int(result.seed),
        )

    return _memo("_influence", (id(result), occlude, int(max_texts)), result, compute)


def growth(result, occlude: str, max_texts: int, count: int, progress=None):
    """Influence at ``count`` snapshots spread over training (memoised per run and settings)."""
    from pe_core.influence import influence_over_snapshots, snapshot_choice

    def compute():
        return influence_over_snapshots(
            result.model,
            result.vocabulary,
            _ids(result),
            result.trajectory,
            snapshot_choice(len(result.trajectory), count),
            label_names=result.label_names,
            epochs=result.epochs,
            progress=progress,
            occlude=occlude,
            max_texts=int(max_texts),
            seed=int(result.seed),
        )

    key = (id(result), occlude, int(max_texts), int(count))
    return _memo("_influence_growth", key, result, compute)


def last_growth(result):
    """The last over-training measurement of this run (any settings), or None."""
    cached = st.session_state.get("_influence_growth")
    return cached[2] if cached is not None and cached[1] is result else None


def sample_texts(result, limit: int = 200) -> list[str]:
    """Validation texts with at least one trainable token (specials, OOV), first ``limit``."""
    ids = _ids(result)
    first = result.vocabulary.num_frozen + 1
    texts = validation_texts(result)
    has = (ids >= first).any(axis=1)
    return [t for t, keep in zip(texts, has, strict=True) if keep][:limit] or texts[:limit]


def text_effects(result, text: str, occlude: str):
    """Each token's effect on the run model's prediction for ``text`` (``pe_core.influence``)."""
    from pe_core.influence import text_effects as effects

    return effects(
        result.model,
        result.vocabulary,
        text,
        max_len=result.max_len,
        label_names=result.label_names,
        occlude=occlude,
    )
