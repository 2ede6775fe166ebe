"""Experiment arms: a named way to set up the embedding, shared by Compare and the sweep.

An arm is a model variant (``pe_core.choices.VARIANTS``) plus what it changes in the
vocabulary. Names:

- ``"frozen"``, ``"dual"``, ``"full"``: the three variants as they are.
- ``"lora"`` or ``"lora:<r>"``: the frozen table plus a rank-r update (default r = 4, or the
  run's ``lora_rank``).
- ``"dual+promoted"`` or ``"dual+promoted:<N>"``: dual, and the N (default 20) most frequent
  pretrained words of the texts also get trainable rows, starting at their GloVe vectors.
- ``"dual@zeros"``, ``"dual@mean"``, ``"dual@random"``, ``"dual@word:<w>"``: dual with the
  trainable rows starting from that initialisation (promoted rows keep their own vectors).
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass

DEFAULT_PROMOTE = 20
#: Rank of a plain "lora" arm; equal to ``pe_core.model.DEFAULT_LORA_RANK`` (not imported
#: here, so that naming and planning arms does not import Keras).
DEFAULT_LORA_RANK = 4
BASE_ARMS = ("frozen", "dual", "full")
EXTRA_ARMS = ("lora", "dual+promoted", "dual@mean", "dual@random", "dual@word:good")


@dataclass(frozen=True)
class Arm:
    """One arm: ``name`` as given, the model ``variant``, and its vocabulary changes."""

    name: str
    variant: str
    lora_rank: int | None = None
    promote_top: int = 0
    init: str | None = None


def _positive(text: str, name: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"arm {name!r}: the number after ':' must be a positive integer")
    return int(text)


def parse_arm(name: str) -> Arm:
    """The :class:`Arm` for ``name`` (see the module docstring), or a ValueError naming it."""
    if not isinstance(name, str):
        raise ValueError(f"an arm is a name such as 'dual' or 'lora:4', got {name!r}")
    if name in ("frozen", "dual", "full"):
        return Arm(name, name)
    if name == "lora" or name.startswith("lora:"):
        return Arm(name, "lora", lora_rank=_positive(name[5:], name) if ":" in name else None)
    if name == "dual+promoted" or name.startswith("dual+promoted:"):
        n = _positive(name.split(":", 1)[1], name) if ":" in name else DEFAULT_PROMOTE
        return Arm(name, "dual", promote_top=n)
    if name.startswith("dual@"):
        init = name[5:]
        if init in ("zeros", "mean", "random") or (init.startswith("word:") and len(init) > 5):
            return Arm(name, "dual", init=init)
    raise ValueError(
        f"unknown arm {name!r}: use frozen, dual, full, lora[:r], dual+promoted[:N], "
        "dual@zeros, dual@mean, dual@random or dual@word:<w>"
    )


def check_arms(names) -> tuple[Arm, ...]:
    """Parse every name; at least one, none twice."""
    names = tuple(names)
    if not names:
        raise ValueError("no arm given: choose at least one of frozen, dual, full, lora, ...")
    if len(set(names)) != len(names):
        raise ValueError(f"arms must not repeat, got {names}")
    return tuple(parse_arm(n) for n in names)


def most_frequent_frozen(vocabulary, texts, n: int) -> list[str]:
    """The ``n`` pretrained words of ``vocabulary`` that occur most often in ``texts``."""
    frozen = set(vocabulary.frozen_words)
    counts = Counter(
        tok for text in texts for tok in vocabulary.tokenizer.tokenize(text) if tok in frozen
    )
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [word for word, _ in ranked[:n]]


def promote_words(vocabulary, words):
    """A copy of ``vocabulary`` where ``words`` (pretrained) move to trainable "promoted" rows.

    Their rows start at their pretrained vectors; every other token keeps its role (ids after
    a removed frozen word shift down by one, so texts must be encoded with the new copy).
    """
    from pe_core.vocab import Vocabulary

    words = [w for w in words if w not in vocabulary.trainable_tokens]
    moved = set(words)
    keep = [i for i, w in enumerate(vocabulary.frozen_words) if w not in moved]
    return Vocabulary(
        [vocabulary.frozen_words[i] for i in keep],
        vocabulary.frozen_matrix[keep],
        [*vocabulary.trainable_tokens, *words],
        [*vocabulary.token_kinds, *["promoted"] * len(words)],
        vocabulary.tokenizer,
        vocabulary.vectors,
        init=vocabulary.init,
        seed=vocabulary.seed,
    )


def arm_vocabulary(arm: Arm, vocabulary, texts):
    """The vocabulary ``arm`` trains with, derived from the shared one (itself if unchanged)."""
    if arm.promote_top:
        vocabulary = promote_words(
            vocabulary, most_frequent_frozen(vocabulary, texts, arm.promote_top)
        )
    if arm.init is not None:
        from pe_core.vocab import _check_init

        vocabulary = copy.copy(vocabulary)
        vocabulary.init = _check_init(arm.init, vocabulary.vectors)
    return vocabulary


def arm_train_kwargs(arm: Arm, vocabulary, texts, lora_rank: int | None = None) -> dict:
    """The keywords of ``pe_core.training.train`` that make ``arm`` (variant, vocabulary, r).

    ``lora_rank`` is the rank of a plain ``"lora"`` arm (default ``DEFAULT_LORA_RANK``);
    ``"lora:<r>"`` names its own.
    """
    rank = arm.lora_rank or lora_rank or DEFAULT_LORA_RANK
    return {
        "variant": arm.variant,
        "vocabulary": arm_vocabulary(arm, vocabulary, texts),
        "lora_rank": int(rank),
    }
