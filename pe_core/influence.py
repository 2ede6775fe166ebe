"""Token influence: how much each trainable token moves the model's predictions (occlusion).

For a token t and the validation texts that contain it, the influence on class c is the mean
over those texts of ``P(c | text) - P(c | text with t occluded)``: positive means t *raises*
P(c). Occlusion replaces every occurrence of t by padding (id 0, the default) or by ``<unk>``
(padding shortens the text for mean pooling; ``<unk>`` keeps its length but puts a learned row
there). The cost is bounded: one batched forward pass per token over at most ``max_texts``
texts (a seeded sample when more contain it), plus one pass for the unoccluded texts.

``influence_over_snapshots`` repeats this with the trainable rows of earlier snapshots put
into the *final* model (the rest of the model is not stored per snapshot), so it shows how the
rows' influence grows as the final classifier reads them.

Example:
    >>> ids = result.vocabulary.encode(val_texts, result.max_len)  # doctest: +SKIP
    >>> inf = token_influence(result.model, result.vocabulary, ids, label_names=names)  # doctest: +SKIP
    >>> inf.sentence()  # doctest: +SKIP
    '`<smile>` raises P(positive) by +0.31 on average (412 texts, 95 % CI ±0.03)'
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pe_core.checks import is_int

OCCLUSIONS = ("padding", "unk")
DEFAULT_MAX_TEXTS = 500
COLUMNS = [
    "token",
    "kind",
    "class",
    "mean_effect",
    "ci95",
    "n_texts",
    "n_containing",
    "capped",
    "occluded_by",
]


def _check(occlude: str, max_texts) -> None:
    if occlude not in OCCLUSIONS:
        raise ValueError(f"occlude must be one of {OCCLUSIONS}, got {occlude!r}")
    if not is_int(max_texts) or max_texts < 2:
        raise ValueError(f"max_texts must be an integer >= 2, got {max_texts!r}")


def occlude_ids(ids: np.ndarray, token_id: int, replacement: int) -> np.ndarray:
    """A copy of ``ids`` with every ``token_id`` replaced by ``replacement`` (unchanged if absent)."""
    out = np.array(ids, copy=True)
    out[out == token_id] = replacement
    return out


def predict(model, ids: np.ndarray, batch: int = 2048) -> np.ndarray:
    """Class probabilities (float64, n x C) in inference mode, ``batch`` rows per call."""
    if len(ids) == 0:
        return np.zeros((0, int(model.output_shape[-1])))
    parts = [model.predict_on_batch(ids[i : i + batch]) for i in range(0, len(ids), batch)]
    return np.concatenate(parts).astype(np.float64)


def _ci95(values: np.ndarray) -> np.ndarray:
    """Half-width of the 95 % confidence interval of the mean, per column (Student t)."""
    n = len(values)
    if n < 2:
        return np.full(values.shape[1], np.nan)
    from scipy import stats

    sem = values.std(axis=0, ddof=1) / np.sqrt(n)
    return stats.t.ppf(0.975, n - 1) * sem


@dataclass
class Influence:
    """What :func:`token_influence` measured.

    Attributes:
        table: one row per (token, class), columns ``COLUMNS``: ``mean_effect`` (mean of
            P(class | text) - P(class | text without the token)), ``ci95`` (half-width),
            ``n_texts`` used, ``n_containing`` (validation texts with the token; more than
            ``n_texts`` when capped), ``capped``, ``occluded_by`` ("padding" or "<unk>").
        max_texts: the cap. forward_passes / seconds / texts_scored: the cost.
    """

    table: pd.DataFrame
    max_texts: int
    forward_passes: int
    texts_scored: int
    seconds: float

    def ranked(self) -> pd.DataFrame:
        """One row per token, its strongest class (largest |mean effect|), most certain first.

        Tokens are ordered by the lower end of the 95 % CI of |effect| (``|mean| - ci95``, 0
        for a single text), so a large effect seen in a handful of texts does not outrank a
        solid one seen in hundreds. Tokens in no validation text are left out.
        """
        t = self.table.dropna(subset=["mean_effect"])
        if t.empty:
            return t.copy()
        best = t.loc[t["mean_effect"].abs().groupby(t["token"], sort=False).idxmax()]
        size = best["mean_effect"].abs()
        sure = (size - best["ci95"].fillna(size)).clip(lower=0.0)
        best = best.assign(_sure=sure, _size=size)
        best = best.sort_values(["_sure", "_size", "token"], ascending=[False, False, True])
        return best.drop(columns=["_sure", "_size"])

    def sentence(self, token: str | None = None) -> str:
        """E.g. "`<smile>` raises P(positive) by +0.31 on average (412 texts, 95 % CI ±0.03)"."""
        ranked = self.ranked()
        if token is not None:
            ranked = ranked[ranked["token"] == token]
        if ranked.empty:
            return (
                f"`{token}` is in no validation text, so its influence cannot be measured"
                if token is not None
                else "no trainable token occurs in the validation texts"
            )
        return describe(ranked.iloc[0].to_dict())

    def unmeasured_text(self, shown: int = 20) -> str | None:
        """ "Not in any validation text, so not measured: a, b … and 3 more" (the first
        ``shown`` tokens named), or None when every token was measured."""
        missing = self.table.loc[self.table["n_texts"] == 0, "token"].unique()
        if not len(missing):
            return None
        more = f" … and {len(missing) - shown} more" if len(missing) > shown else ""
        return f"Not in any validation text, so not measured: {', '.join(missing[:shown])}{more}"

    def cost_text(self) -> str:
        """E.g. "12 tokens · 13 batched forward passes over 1,234 texts in 0.8 s · cap 500"."""
        capped = int(self.table.drop_duplicates("token")["capped"].sum())
        tokens = self.table["token"].nunique()
        text = (
            f"{tokens:,} tokens · {self.forward_passes:,} batched forward passes over "
            f"{self.texts_scored:,} texts in {self.seconds:.1f} s · at most "
            f"{self.max_texts:,} texts per token"
        )
        return text + (f" ({capped} tokens capped, a seeded sample)" if capped else "")


def describe(row: dict) -> str:
    """One sentence for one (token, class) row of an influence table."""
    effect, ci = float(row["mean_effect"]), float(row["ci95"])
    verb = "raises" if effect >= 0 else "lowers"
    ci_text = "no CI" if np.isnan(ci) else f"95 % CI ±{ci:.2f}"
    n = int(row["n_texts"])
    texts = f"{n:,} text{'s' if n != 1 else ''}"
    if row.get("capped"):
        texts += f" of {int(row['n_containing']):,}"
    return (
        f"`{row['token']}` {verb} P({row['class']}) by {effect:+.2f} on average "
        f"({texts}, {ci_text})"
    )


def token_influence(
    model,
    vocabulary,
    ids: np.ndarray,
    *,
    label_names,
    tokens=None,
    occlude: str = "padding",
    max_texts: int = DEFAULT_MAX_TEXTS,
    seed: int = 0,
    base_probs: np.ndarray | None = None,
) -> Influence:
    """Mean change of each class's probability when a trainable token is occluded.

    Args:
        model: a classifier over ``vocabulary``'s ids (``pe_core.model.build_classifier``).
        vocabulary: its ``Vocabulary``.
        ids: int32 (n, max_len) encoded validation texts.
        label_names: class names in output order.
        tokens: trainable tokens to measure (default: all k).
        occlude: "padding" (id 0) or "unk" (the ``<unk>`` id; ``<unk>`` itself is then
            occluded by padding, since replacing it by itself changes nothing).
        max_texts: at most this many texts per token (a sample seeded by ``seed``).
        base_probs: the unoccluded probabilities of ``ids`` if already computed.
    """
    _check(occlude, max_texts)
    ids = np.asarray(ids, dtype=np.int32)
    started = time.perf_counter()
    passes = 0
    if base_probs is None:
        base_probs, passes = predict(model, ids), 1
    names = [str(n) for n in label_names]
    tokens = list(vocabulary.trainable_tokens) if tokens is None else list(tokens)
    kinds = dict(zip(vocabulary.trainable_tokens, vocabulary.token_kinds, strict=True))
    rng = np.random.default_rng([int(seed), 15])
    rows, scored = [], 0
    for token in tokens:
        token_id = vocabulary.id_of(token)
        by_unk = occlude == "unk" and token_id != vocabulary.unk_id
        replacement = vocabulary.unk_id if by_unk else 0
        containing = np.flatnonzero((ids == token_id).any(axis=1))
        chosen = containing
        if len(containing) > max_texts:
            chosen = np.sort(rng.choice(containing, size=max_texts, replace=False))
        effect = np.full(len(names), np.nan)
        ci = np.full(len(names), np.nan)
        if len(chosen):
            occluded = predict(model, occlude_ids(ids[chosen], token_id, replacement))
            passes += 1
            scored += len(chosen)
            delta = base_probs[chosen] - occluded
            effect, ci = delta.mean(axis=0), _ci95(delta)
        for c, name in enumerate(names):
            rows.append(
                {
                    "token": token,
                    "kind": kinds.get(token, "frozen"),
                    "class": name,
                    "mean_effect": float(effect[c]),
                    "ci95": float(ci[c]),
                    "n_texts": int(len(chosen)),
                    "n_containing": int(len(containing)),
                    "capped": bool(len(containing) > len(chosen)),
                    "occluded_by": "<unk>" if by_unk else "padding",
                }
            )
    table = pd.DataFrame(rows, columns=COLUMNS)
    return Influence(table, int(max_texts), passes, scored, time.perf_counter() - started)


def text_effects(
    model, vocabulary, text: str, *, max_len: int, label_names, occlude: str = "padding"
) -> pd.DataFrame:
    """Per-token occlusion effect in one text: one batched pass over its L occluded copies.

    Returns one row per kept token (position, token, kind: "frozen" for a pretrained word or
    the trainable kind, id, ``effect`` on the predicted class, then one ``P(<class>)`` effect
    column per class). The predicted class is in ``df.attrs["predicted"]``.
    """
    _check(occlude, 2)
    tokens = vocabulary.tokenizer.tokenize(text)[:max_len]
    ids = vocabulary.encode_tokens([tokens], max_len)
    base = predict(model, ids)[0]
    n = len(tokens)
    copies = np.repeat(ids, n, axis=0)
    for pos in range(n):
        tid = copies[pos, pos]
        copies[pos, pos] = vocabulary.unk_id if occlude == "unk" and tid != vocabulary.unk_id else 0
    delta = base[None, :] - predict(model, copies) if n else np.zeros((0, len(base)))
    predicted = int(np.argmax(base))
    kinds = dict(zip(vocabulary.trainable_tokens, vocabulary.token_kinds, strict=True))
    first_trainable = vocabulary.num_frozen + 1
    frame = pd.DataFrame(
        {
            "position": np.arange(n),
            "token": tokens,
            "id": ids[0, :n],
            "kind": [
                kinds[vocabulary.token_of(int(i))] if i >= first_trainable else "frozen"
                for i in ids[0, :n]
            ],
            "effect": delta[:, predicted] if n else [],
        }
    )
    for c, name in enumerate(label_names):
        frame[f"P({name})"] = delta[:, c] if n else []
    frame.attrs["predicted"] = str(label_names[predicted])
    frame.attrs["probability"] = float(base[predicted])
    return frame


def influence_over_snapshots(
    model,
    vocabulary,
    ids: np.ndarray,
    trajectory: np.ndarray,
    snapshots,
    *,
    label_names,
    epochs=None,
    progress=None,
    **kwargs,
) -> pd.DataFrame:
    """:func:`token_influence` with the trainable rows of each snapshot in ``snapshots``.

    The stored rows of snapshot s are put into the final model, measured, and the final rows
    put back (also on error). Returns the influence tables stacked with ``snapshot`` and
    ``epoch`` columns. ``progress(done, total)`` is called after each snapshot.
    """
    from pe_core import model as pe_model

    snapshots = [int(s) for s in snapshots]
    final = pe_model.trainable_rows(model)
    frames = []
    try:
        for done, snap in enumerate(snapshots, start=1):
            pe_model.set_trainable_rows(model, trajectory[snap])
            table = token_influence(model, vocabulary, ids, label_names=label_names, **kwargs)
            frame = table.table.assign(
                snapshot=snap, epoch=float(epochs[snap]) if epochs is not None else np.nan
            )
            frames.append(frame)
            if progress is not None:
                progress(done, len(snapshots))
    finally:
        pe_model.set_trainable_rows(model, final)
    return pd.concat(frames, ignore_index=True)


def snapshot_choice(n_snapshots: int, count: int = 5) -> list[int]:
    """``count`` snapshot indices evenly spread from the first to the last (fewer if short)."""
    if n_snapshots < 1:
        return []
    return sorted({int(round(i)) for i in np.linspace(0, n_snapshots - 1, max(1, count))})
