"""Argument checks shared by the library's entry points, each raising a ``ValueError`` that
names the argument, the value received and what is allowed. Imports only NumPy and
``pe_core.choices``, so any module (and a config check that must not load Keras) may use it."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from pe_core.choices import ENCODERS, VARIANTS


def is_int(value) -> bool:
    """True for Python and NumPy integers, False for bools (``True`` is not a count)."""
    return not isinstance(value, bool) and isinstance(value, int | np.integer)


def int_at_least(name: str, value, low: int, hint: str = "") -> int:
    """``value`` as an int when it is an integer >= ``low``; else a ValueError naming ``name``."""
    if not is_int(value) or value < low:
        raise ValueError(
            f"{name} must be an integer >= {low}{' ' + hint if hint else ''}, got {value!r}"
        )
    return int(value)


def number_at_least(name: str, value, low: float) -> float:
    """``value`` when it is a real number (not a bool) >= ``low``; else a ValueError naming it."""
    real = isinstance(value, int | float | np.integer | np.floating)
    if isinstance(value, bool) or not real or not value >= low:
        raise ValueError(f"{name} must be a number >= {low}, got {value!r}")
    return value


def one_of(name: str, value, choices: Iterable[str]) -> str:
    """``value`` when it is one of ``choices``; else a ValueError listing them."""
    allowed = tuple(choices)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def dropout_rate(name: str, value) -> float:
    """A rate in [0, 1), as Keras' Dropout takes it."""
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return float(value)


def check_model_args(encoder, variant, hidden, dropout, lora_rank) -> None:
    """The one check of the model settings that ``build_model`` and ``TrainConfig`` share."""
    int_at_least("lora_rank", lora_rank, 1)
    one_of("encoder", encoder, ENCODERS)
    one_of("variant", variant, VARIANTS)
    int_at_least("hidden", hidden, 1)
    dropout_rate("dropout", dropout)
