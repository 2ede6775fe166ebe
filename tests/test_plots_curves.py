"""Per-epoch curves and the data-size sweep's two panels."""

import pandas as pd

from pe_core.plots.curves import curves_figure, sweep_figure
from pe_core.plots.style import ARM_COLORS, SWEEP_PALETTE


def test_curves_figure_draws_available_keys():
    history = {
        "loss": [1.0, 0.5],
        "val_loss": [1.1, 0.7],
        "accuracy": [0.5, 0.8],
        "val_macro_f1": [],
    }
    fig = curves_figure(history)
    assert [t.name for t in fig.data] == [
        "train (running, dropout on)",
        "validation",
        "train accuracy (running, dropout on)",
    ]
    assert list(fig.data[1].y) == [1.1, 0.7] and list(fig.data[0].x) == [1, 2]
    assert len(curves_figure({}).data) == 0


def test_curves_figure_draws_the_inference_mode_train_accuracy_when_there_is_one():
    # The running (dropout-mode) accuracy is not drawn beside it: one train accuracy, the one
    # measured like the validation accuracy.
    history = {"accuracy": [0.5, 0.7], "train_accuracy": [0.6, 0.9], "val_accuracy": [0.55, 0.8]}
    fig = curves_figure(history)
    assert [(t.name, list(t.y)) for t in fig.data] == [
        ("train accuracy (epoch end, no dropout)", [0.6, 0.9]),
        ("validation accuracy", [0.55, 0.8]),
    ]


def test_sweep_figure_draws_each_arm_in_both_panels_on_a_log_axis():
    summary = pd.DataFrame(
        [
            {"arm": a, "size": n, "best_val_macro_f1_mean": m, "best_val_macro_f1_std": 0.01,
             "train_minus_val_gap_mean": g, "train_minus_val_gap_std": 0.02}
            for a, n, m, g in [("dual", 100, 0.7, 0.3), ("dual", 1000, 0.9, 0.0),
                               ("full", 100, 0.6, 0.4), ("full", 1000, 0.9, 0.05)]
        ]
    )  # fmt: skip
    fig = sweep_figure(summary)
    assert [(t.name, t.showlegend) for t in fig.data] == [
        ("dual", True), ("dual", False), ("full", True), ("full", False)
    ]  # fmt: skip
    assert list(fig.data[1].y) == [0.3, 0.0]  # the gap panel
    assert fig.layout.xaxis.type == "log" and list(fig.layout.xaxis.ticktext) == ["100", "1,000"]


def _summary(arms):
    return pd.DataFrame(
        [
            {"arm": a, "size": 100, "best_val_macro_f1_mean": 0.5, "best_val_macro_f1_std": 0.0,
             "train_minus_val_gap_mean": 0.1, "train_minus_val_gap_std": 0.0}
            for a in arms
        ]
    )  # fmt: skip


def test_sweep_figure_colours_known_arms_and_gives_the_others_the_palette_in_order():
    fig = sweep_figure(_summary(["dual", "dual@normal", "frozen", "dual@glove"]))
    colours = [t.line.color for t in fig.data if t.showlegend]
    assert colours == [ARM_COLORS["dual"], SWEEP_PALETTE[0], ARM_COLORS["frozen"], SWEEP_PALETTE[1]]
    assert [t.line.width for t in fig.data if t.showlegend] == [3, 2, 2, 2]  # dual stands out


def test_both_charts_put_the_legend_below_with_their_own_height_and_margins():
    curves = curves_figure({"loss": [1.0]}, title="Per epoch").layout
    assert (curves.title.text, curves.height) == ("Per epoch", 380)
    assert (curves.margin.l, curves.margin.r, curves.margin.t, curves.margin.b) == (40, 20, 60, 40)
    assert (curves.legend.orientation, curves.legend.x, curves.legend.y) == ("h", 0.0, -0.22)
    assert curves.legend.yanchor == "top"
    sweep = sweep_figure(_summary(["dual"])).layout
    assert (sweep.title.text, sweep.height) == (None, 420)
    assert (sweep.margin.l, sweep.margin.r, sweep.margin.t, sweep.margin.b) == (50, 20, 70, 50)
    assert (sweep.legend.orientation, sweep.legend.x, sweep.legend.y) == ("h", 0.0, -0.2)
    zero = sweep.shapes[0]
    assert (zero.y0, zero.line.color, zero.line.width, zero.xref) == (0, "#888", 1, "x2 domain")
