"""The shared look: which token kinds a map shows, in which order, legends, float32 data."""

import numpy as np
import pandas as pd

from pe_core import plots
from pe_core.plots.style import f32, kinds_in, legend_below


def test_default_kinds_hide_oov_words_only_when_there_are_many_tokens():
    few = ["unk", "special", "oov", "oov"]
    assert plots.default_kinds(few) == ["unk", "special", "oov"]
    many = ["unk", "special", "promoted"] + ["oov"] * plots.MANY_TOKENS
    assert plots.default_kinds(many) == ["unk", "special", "promoted"]
    assert plots.default_kinds(["oov"] * 50, many=10) == ["oov"]  # nothing else to show


def test_kinds_in_follows_the_legend_order_not_the_tables():
    df = pd.DataFrame({"kind": ["promoted", "oov", "special", "oov"]})
    assert kinds_in(df) == ["special", "oov", "promoted"]


def test_legend_below_and_float32_coordinates():
    assert legend_below(-0.2) == {"orientation": "h", "x": 0.0, "y": -0.2, "yanchor": "top"}
    values = f32([1.0, 2.5])
    assert values.dtype == np.float32 and values.tolist() == [1.0, 2.5]


def test_the_package_exposes_its_figures_and_colours():
    assert plots.KIND_COLORS["special"] == "#4c78a8" and plots.ARM_COLORS["dual"] == "#4c78a8"
    assert plots.animated_map.__module__ == "pe_core.plots.animation"
    assert plots.sweep_figure.__module__ == "pe_core.plots.curves"
    assert all(hasattr(plots, name) for name in plots.__all__)
