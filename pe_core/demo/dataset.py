"""The demo dataset: short social-media-style texts labelled negative / neutral / positive.

The wording comes from ``texts.json`` (templates per topic and label, slot fillers, emoticons,
hashtags, handles); this module only draws from it, deterministically per seed.
"""

from __future__ import annotations

import re

import numpy as np

from pe_core.checks import is_int
from pe_core.datasets import Dataset
from pe_core.demo.recipe import TEXTS

DEMO_LABELS: tuple[str, ...] = tuple(TEXTS["labels"])
NEGATIVE, NEUTRAL, POSITIVE = (
    DEMO_LABELS.index(name) for name in ("negative", "neutral", "positive")
)


def _by_label(table: dict) -> dict[int, object]:
    """``texts.json`` keys its per-label tables by label name; the generator uses label ids."""
    return {DEMO_LABELS.index(name): value for name, value in table.items()}


# Invented brands: out of vocabulary for GloVe and for the demo vectors. Two lean one way
# (zorbix mostly praised, flumio mostly cursed), so a trainable OOV row has something to learn.
DEMO_BRANDS: tuple[str, ...] = tuple(TEXTS["brands"])
_BRAND_WEIGHTS: dict[int, list[int]] = _by_label(TEXTS["brand_weights"])
# Emoticons and emoji with relative frequencies: ":)" and ":(" dominate, as they do on Twitter,
# so <smile> and <sadface> get the most training signal.
DEMO_EMOTICONS: dict[int, dict[str, int]] = _by_label(TEXTS["emoticons"])
# Slot fillers for the templates ({name} or {name2} for a second, different pick).
_SLOTS: dict[str, list[str]] = TEXTS["slots"]
# Per topic: neutral wording (also reused, with only an emoticon, for positive/negative texts),
# positive wording and negative wording. {brand} and {num} are filled separately.
_TEMPLATES: dict[str, dict[int, list[str]]] = {
    topic: _by_label(table) for topic, table in TEXTS["templates"].items()
}
# Hashtag words are real words (or a brand), so keep_hashtag_word=True stays in vocabulary too.
_HASHTAGS: dict[str, list[str]] = TEXTS["hashtags"]
_HANDLE_NAMES: tuple[str, ...] = tuple(TEXTS["handle_names"])
_NUMBERS: tuple[str, ...] = tuple(TEXTS["numbers"])

_LABEL_NOISE = 0.07  # share of labels replaced by another class, so no model reaches 100 %
# Share of positive/negative texts with sentiment wording; the rest say it by emoticon only.
_EXPLICIT_SHARE = 0.55
_SLOT_RE = re.compile(r"\{([a-z]+)(2?)\}")


def _pick(rng: np.random.Generator, items: tuple[str, ...] | list[str]) -> str:
    return items[int(rng.integers(len(items)))]


def _pick_weighted(rng: np.random.Generator, table: dict[str, int]) -> str:
    keys = list(table)
    weights = np.array([table[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=weights / weights.sum()))]


def _fill(template: str, rng: np.random.Generator, label: int) -> str:
    """Fill every {slot} of a template; {x2} differs from {x} where the pool allows it."""
    chosen: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        name, second = match.group(1), match.group(2)
        if name == "brand":
            weights = np.array(_BRAND_WEIGHTS[label], dtype=float)
            return DEMO_BRANDS[int(rng.choice(len(DEMO_BRANDS), p=weights / weights.sum()))]
        if name == "num":
            return _pick(rng, _NUMBERS)
        word = _pick(rng, _SLOTS[name])
        if second:
            while word == chosen.get(name):
                word = _pick(rng, _SLOTS[name])
        else:
            chosen[name] = word
        return word

    return _SLOT_RE.sub(replace, template)


def _url(rng: np.random.Generator) -> str:
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "".join(_pick(rng, alphabet) for _ in range(int(rng.integers(6, 11))))
    host = _pick(rng, ("https://t.co/", "http://bit.ly/", "https://www.example.com/p/"))
    return host + code


def _handle(rng: np.random.Generator) -> str:
    separator = "_" if rng.random() < 0.3 else ""
    digits = str(rng.integers(1, 99)) if rng.random() < 0.5 else ""
    return "@" + _pick(rng, _HANDLE_NAMES) + separator + digits


def _demo_text(rng: np.random.Generator, label: int) -> str:
    """One text whose true sentiment is ``label`` (before label noise)."""
    topic = _pick(rng, list(_TEMPLATES))
    emoticons: list[str] = []
    if label == NEUTRAL:
        wording = NEUTRAL
        if rng.random() < 0.12:
            emoticons.append(_pick_weighted(rng, DEMO_EMOTICONS[NEUTRAL]))
    elif rng.random() < _EXPLICIT_SHARE:
        wording = label
        if rng.random() < 0.5:
            emoticons.append(_pick_weighted(rng, DEMO_EMOTICONS[label]))
    else:
        # Neutral wording: here the emoticon is the only clue to the sentiment.
        wording = NEUTRAL
        emoticons.append(_pick_weighted(rng, DEMO_EMOTICONS[label]))
        if rng.random() < 0.2:
            emoticons.append(_pick_weighted(rng, DEMO_EMOTICONS[label]))
    text = _fill(_pick(rng, _TEMPLATES[topic][wording]), rng, label)
    if rng.random() < 0.4:
        text = text[0].upper() + text[1:]
    tail = [" ".join(emoticons)] if emoticons else []
    if rng.random() < 0.35:
        count = 1 + int(rng.random() < 0.3)
        tags = rng.choice(len(_HASHTAGS[topic]), size=count, replace=False)
        tail.append(" ".join("#" + _HASHTAGS[topic][int(i)] for i in tags))
    if rng.random() < 0.2:
        tail.append(_url(rng))
    if len(tail) > 1 and rng.random() < 0.3:
        tail.reverse()
    if rng.random() < 0.3:
        text = _handle(rng) + " " + text
    return " ".join([text, *tail])


def demo_dataset(n: int = 3000, seed: int = 0) -> Dataset:
    """A generated, labelled set of ``n`` short social-media-style texts (deterministic per seed).

    Labels are "negative", "neutral", "positive" (ids 0, 1, 2), balanced before 7 % label noise.
    Topics: food, travel, weather, sports, tech, music. Texts carry @mentions, URLs, #hashtags,
    numbers, emoticons, emoji and invented brand names (``DEMO_BRANDS``). About 45 % of the
    positive and negative texts use neutral wording and only an emoticon or emoji tells their
    sentiment. Every ordinary word is in ``demo_vectors()``.

    Example:
        >>> texts, labels = demo_dataset(300, seed=1)
        >>> len(texts), sorted(set(labels.tolist()))
        (300, [0, 1, 2])
    """
    if not is_int(n) or n < 30:
        raise ValueError(f"n must be an integer >= 30 (a few texts per class), got {n!r}")
    if not is_int(seed):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    truth = rng.permutation(np.arange(int(n)) % 3)
    texts = [_demo_text(rng, int(y)) for y in truth]
    labels = truth.copy()
    noisy = rng.random(int(n)) < _LABEL_NOISE
    labels[noisy] = (labels[noisy] + rng.integers(1, 3, int(noisy.sum()))) % 3
    return Dataset(texts=texts, labels=labels, label_names=list(DEMO_LABELS), source="demo")


# --------------------------------------------------------------------------------------------
# The demo vectors
# --------------------------------------------------------------------------------------------
