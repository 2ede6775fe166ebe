"""Token influence charts: ranked bars and the effect over the snapshots."""

import numpy as np
import pandas as pd

from pe_core.plots.influence import influence_figure, influence_growth_figure
from pe_core.plots.style import KIND_COLORS


def test_influence_figure_puts_the_first_ranked_token_on_top():
    ranked = pd.DataFrame(
        {"token": ["<smile>", "<sad>"], "class": ["pos", "neg"], "kind": ["special", "special"],
         "mean_effect": [0.3, 0.2], "ci95": [0.03, float("nan")], "n_texts": [400, 1]}
    )  # fmt: skip
    bar = influence_figure(ranked).data[0]
    assert list(bar.y) == ["<sad>  →  P(neg)", "<smile>  →  P(pos)"]  # drawn bottom-up
    assert list(bar.error_x.array) == [0.0, 0.03]


def test_influence_bars_are_coloured_by_kind_with_a_line_at_zero():
    ranked = pd.DataFrame(
        {"token": ["<smile>", "lol"], "class": ["pos", "pos"], "kind": ["special", "mystery"],
         "mean_effect": [0.3, -0.1], "ci95": [0.03, 0.02], "n_texts": [400, 9]}
    )  # fmt: skip
    fig = influence_figure(ranked, top=1)
    assert list(fig.data[0].y) == ["<smile>  →  P(pos)"]  # top=1 keeps the strongest
    assert list(fig.data[0].marker.color) == [KIND_COLORS["special"]]
    assert list(influence_figure(ranked).data[0].marker.color) == ["#888888", "#4c78a8"]
    assert fig.layout.shapes[0].x0 == 0 and fig.layout.shapes[0].line.color == "#888"


def test_influence_growth_draws_one_line_per_pair_in_epoch_order():
    frame = pd.DataFrame(
        {"token": ["<a>", "<a>", "<a>", "<b>"], "class": ["pos", "pos", "neg", "pos"],
         "epoch": [2.0, 1.0, 1.0, 1.0], "mean_effect": [0.2, 0.1, 0.5, 0.3],
         "ci95": [0.01, np.nan, 0.0, 0.0]}
    )  # fmt: skip
    fig = influence_growth_figure(frame, [("<a>", "pos"), ("<b>", "pos")])
    assert [t.name for t in fig.data] == ["<a> → P(pos)", "<b> → P(pos)"]
    assert list(fig.data[0].x) == [1.0, 2.0] and list(fig.data[0].y) == [0.1, 0.2]
    assert list(fig.data[0].error_y.array) == [0.0, 0.01]  # an unknown CI draws no bar
    assert fig.layout.shapes[0].y0 == 0
