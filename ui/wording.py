"""The labels of the app's settings, for its controls and for the notices that name them.

A library notice names a setting by its parameter name (``min_oov_count``); the app's notices
name it by the label of its control, taken from here, so a control and a notice that points at
it always read the same (:func:`say`).
"""

from __future__ import annotations

from pe_core.notices import Wording, worded

MIN_OOV_COUNT = "OOV words: minimum count"
OOV_CAP = "OOV words: cap on their rows"
NO_CAP = "No cap"
BATCH_SIZE = "Batch size"
PRETRAINED_SPECIALS = "Special tokens that are pretrained words"
PRETRAINED_CHOICES = {
    "promote": "Train them, starting from their vectors",
    "freeze": "Keep them frozen",
}
DECODE_ESCAPES = "Decode escapes written out as text (\\u2019 → ’)"
UNQUOTE_TEXTS = "Unquote texts that are a quoted CSV field themselves"

APP = Wording(
    labels={
        "min_oov_count": MIN_OOV_COUNT,
        "max_oov_rows": OOV_CAP,
        "batch_size": BATCH_SIZE,
        "pretrained_specials": PRETRAINED_SPECIALS,
        "decode_escapes": DECODE_ESCAPES,
        "unquote_texts": UNQUOTE_TEXTS,
    },
    choices={
        "min_oov_count": {None: f"“{MIN_OOV_COUNT}” = 0"},
        "max_oov_rows": {None: f"“{NO_CAP}”"},
        "pretrained_specials": {k: f"“{v}”" for k, v in PRETRAINED_CHOICES.items()},
        "decode_escapes": {False: f"unticking “{DECODE_ESCAPES}”"},
        "unquote_texts": {False: f"unticking “{UNQUOTE_TEXTS}”"},
    },
)
"""How the app names the library's settings in notices."""


def say(text: str) -> str:
    """A library notice in the app's words (other texts unchanged)."""
    return worded(text, APP)
