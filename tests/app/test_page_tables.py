"""Small page fixes: the t-SNE iterations label, the Compare table's separators, Sweep cells of
one seed, the Neighbours tables' readable headers (CSV exports keep their names)."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from pe_core.plots.curves import sweep_figure
from ui import compare, neighbour_list
from ui import sweep as sweep_ui
from ui.explore import tsne_iterations_label


def test_the_iterations_slider_says_the_early_steps_come_on_top():
    # The progress counts 250 early-exaggeration steps + the slider's 500 = 750.
    assert tsne_iterations_label() == "Iterations (+250 early)"
    assert tsne_iterations_label(100) == "Iterations (+100 early)"


def test_compare_table_writes_parameter_counts_with_thousands_separators():
    table = pd.DataFrame(
        {
            "variant": ["frozen", "full"],
            "state": ["done", "done"],
            "trainable_params": [3459, 20259],
            "frozen_params": [16800, 0],
            "embedding_trainable_params": [0, 16800],
            "optimizer_state_params": [6918, 40518],
            "best_val_accuracy": [0.6751, 0.92],
        }
    )
    styled = compare.comparison_table(SimpleNamespace(table=table))
    assert list(styled.data.columns) == [
        "Variant",
        "State",
        "Trainable params",
        "Frozen params",
        "…of which embedding",
        "Optimizer state",
        "Best val accuracy",
    ]
    assert styled.data["Trainable params"].tolist() == [3459, 20259]  # still numbers
    html = styled.to_html()
    for shown in ("3,459", "20,259", "16,800", "40,518", "6,918"):
        assert f">{shown}<" in html
    assert ">0.675<" in html and ">0.920<" in html and ">20259<" not in html


def _summary(seeds):
    return pd.DataFrame(
        {
            "arm": ["dual", "dual"],
            "size": [100, 300],
            "seeds": seeds,
            "best_val_macro_f1_mean": [0.5581, 0.7264],
            "best_val_macro_f1_std": [0.0, 0.0123],
            "train_minus_val_gap_mean": [0.3, 0.2],
            "train_minus_val_gap_std": [0.0, 0.01],
        }
    )


def test_sweep_cells_of_one_seed_say_they_have_no_spread():
    result = SimpleNamespace(summary=_summary([1, 3]))
    table = sweep_ui.summary_table(result, "best_val_macro_f1")
    assert table.values.tolist() == [["dual", "0.558 (1 seed: no spread)", "0.726 ± 0.012"]]
    assert sweep_ui.spread_caption(result).startswith("One seed per cell: no error bars")
    both = SimpleNamespace(summary=_summary([2, 3]))
    assert sweep_ui.summary_table(both, "best_val_macro_f1").values.tolist() == [
        ["dual", "0.558 ± 0.000", "0.726 ± 0.012"]
    ]
    assert sweep_ui.spread_caption(both).startswith("Mean over seeds, error bars ± one std.")


def test_sweep_figure_draws_no_error_bar_for_a_single_seed():
    fig = sweep_figure(_summary([1, 3]), "best_val_macro_f1")
    bars = fig.data[0].error_y
    assert np.isnan(bars.array[0]) and bars.array[1] == 0.0123 and bars.visible
    alone = sweep_figure(_summary([1, 1]), "best_val_macro_f1").data[0].error_y
    assert alone.visible is False


def test_neighbour_tables_get_readable_headers():
    ranking = pd.DataFrame(
        columns=["token", "kind", "changed", "kept", "l2_from_start", "cosine_from_start"]
    )
    assert list(neighbour_list.readable(ranking).columns) == [
        "Token",
        "Kind",
        "Changed",
        "Kept",
        "L2 distance from start",
        "Cosine distance from start",
    ]
    drift = pd.DataFrame(columns=["snapshot", "epoch", "event", "word"])
    assert list(neighbour_list.readable(drift).columns) == ["Snapshot", "Epoch", "Event", "Word"]
    assert list(ranking.columns)[4] == "l2_from_start"  # the data (and CSVs) keep their names
