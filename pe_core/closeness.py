"""The "no close word" rule: when a token's nearest words say nothing about it.

A token whose best cosine to any word is low (or negative) has neighbours only by rank, not by
meaning. Every place that shows a token's nearest words (map hover, neighbour lists, the
summary, exports) asks this module, so the threshold and the wording are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

WEAK_COSINE = 0.3
"""Default threshold: a best cosine below this (or negative) is "no close word"."""


def check_threshold(threshold: float) -> float:
    """Validate a user-chosen threshold (a cosine, so within [-1, 1])."""
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        raise ValueError(f"threshold must be a number in [-1, 1], got {threshold!r}") from None
    if not np.isfinite(value) or not -1.0 <= value <= 1.0:
        raise ValueError(f"threshold must be a number in [-1, 1], got {threshold!r}")
    return value


def is_weak(best_cosine: float, threshold: float = WEAK_COSINE) -> bool:
    """True where the best cosine is below ``threshold`` or negative (or not a number)."""
    threshold = check_threshold(threshold)
    value = float(best_cosine)
    return not np.isfinite(value) or value < threshold or value < 0.0


def weak_mask(best_cosines, threshold: float = WEAK_COSINE) -> np.ndarray:
    """Vectorised :func:`is_weak` over an array of best cosines."""
    threshold = check_threshold(threshold)
    values = np.asarray(best_cosines, dtype=np.float64)
    return ~np.isfinite(values) | (values < threshold) | (values < 0.0)


def weak_heading(best_cosine: float) -> str:
    """The heading shown instead of a finding, e.g. "no close word yet (best cosine 0.12)"."""
    return f"no close word yet (best cosine {float(best_cosine):.2f})"


def describe_nearest(
    words: Sequence[str], cosines: Sequence[float], n: int = 3, threshold: float = WEAK_COSINE
) -> str:
    """One honest line: "good 0.71, great 0.66, nice 0.60", or the "no close word" heading."""
    if len(words) != len(cosines):
        raise ValueError(f"got {len(words)} words but {len(cosines)} cosines")
    if not len(words):
        return "no words to compare with"
    if is_weak(cosines[0], threshold):
        return weak_heading(cosines[0])
    return ", ".join(f"{w} {float(c):.2f}" for w, c in list(zip(words, cosines, strict=True))[:n])
