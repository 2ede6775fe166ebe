"""The look every figure shares: token-kind and arm colours, which kinds a map shows, legends.

Colours are defined once here, so a special token is the same colour on the map, in the paths
and in the drift charts, and an arm the same colour on every sweep panel.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

KIND_COLORS: dict[str, str] = {
    "reference": "#c3c7ce",
    "unk": "#e45756",
    "special": "#4c78a8",
    "oov": "#f58518",
    "promoted": "#54a24b",
}
TOKEN_KINDS = ("unk", "special", "oov", "promoted")
#: With more trainable tokens than this, maps draw only the special kinds by default (a cloud of
#: hundreds of OOV words hides what the specials do); the other kinds can be switched on.
MANY_TOKENS = 40

ARM_COLORS = {
    "frozen": "#9d9da1",
    "dual": "#4c78a8",
    "full": "#e45756",
    "lora": "#b279a2",
    "dual+promoted": "#54a24b",
}
#: Colours of arms ARM_COLORS does not name (e.g. "dual@normal"), in order of appearance.
SWEEP_PALETTE = ("#f58518", "#72b7b2", "#eeca3b", "#ff9da6", "#9d755d")

# A horizontal legend above the plot, right-aligned: the map keeps the full width.
TOP_LEGEND = {
    "orientation": "h",
    "x": 1.0,
    "xanchor": "right",
    "y": 1.0,
    "yanchor": "bottom",
    "itemsizing": "constant",
}
#: The thin grey line marking zero on charts of changes and gaps.
ZERO_LINE = {"line_color": "#888", "line_width": 1}


def default_kinds(token_kinds: Sequence[str], many: int = MANY_TOKENS) -> list[str]:
    """The token kinds a map draws by default: all of them, or with more than ``many`` tokens
    only ``<unk>``, the specials and promoted words (the OOV words are left to switch on)."""
    present = [k for k in TOKEN_KINDS if k in set(token_kinds)]
    if len(token_kinds) <= many:
        return present
    return [k for k in present if k != "oov"] or present


def kinds_in(df: pd.DataFrame) -> list[str]:
    """The token kinds present in a token table, in ``TOKEN_KINDS`` order (the legend's)."""
    present = set(df["kind"])
    return [k for k in TOKEN_KINDS if k in present]


def legend_below(y: float) -> dict:
    """A horizontal legend under the plot, left-aligned, its top at ``y`` (plot fractions)."""
    return {"orientation": "h", "x": 0.0, "y": y, "yanchor": "top"}


def f32(values) -> np.ndarray:
    """``values`` as float32, the form every figure sends its coordinates in.

    Plotly validates numpy arrays without a Python loop and sends them to the browser as
    base64 typed arrays (4 bytes a number instead of ~10 characters of JSON).
    """
    return np.asarray(values, dtype=np.float32)
