"""Tests for pe_core.experiments: the frozen / dual / full comparison table and summary."""

import math
import threading

import numpy as np
import pandas as pd
import pytest
from tiny_corpus import LABELS, TEXTS, TINY, VECTORS

from pe_core import experiments as E


@pytest.fixture(scope="module")
def comparison():
    events = []
    result = E.compare_variants(VECTORS, TEXTS, LABELS, callback=events.append, **TINY)
    return result, events


def test_table_has_the_three_variants_with_exact_parameter_counts(comparison):
    result, _ = comparison
    table = result.table
    assert list(table.columns) == E.TABLE_COLUMNS
    assert table["variant"].tolist() == ["frozen", "dual", "full"]
    vocab = result.results["dual"].vocabulary
    V, k, d = vocab.num_frozen, vocab.num_trainable, vocab.dim
    dense = (d * 4 + 4) + (4 * 2 + 2)
    rows = table.set_index("variant")
    assert rows.loc["frozen", "trainable_params"] == dense
    assert rows.loc["frozen", "frozen_params"] == (1 + V + k) * d
    assert rows.loc["dual", "trainable_params"] == k * d + dense
    assert rows.loc["dual", "frozen_params"] == V * d
    assert rows.loc["full", "trainable_params"] == (1 + V + k) * d + dense
    assert rows.loc["full", "frozen_params"] == 0
    assert rows["encoder_params"].tolist() == [dense] * 3
    assert rows["embedding_trainable_params"].tolist() == [0, k * d, (1 + V + k) * d]
    assert (rows["state"] == "done").all()


def test_table_figures_follow_the_histories(comparison):
    result, _ = comparison
    for row in result.table.to_dict("records"):
        history = result.results[row["variant"]].history
        best = int(np.argmax(history["val_accuracy"]))
        assert row["best_val_accuracy"] == history["val_accuracy"][best]
        assert row["best_val_accuracy_epoch"] == best + 1
        assert row["best_val_macro_f1"] == max(history["val_macro_f1"])
        # measured in inference mode at the epoch end, not the running dropout-mode accuracy
        gap = history["train_accuracy"][-1] - history["val_accuracy"][-1]
        assert row["final_train_minus_val_gap"] == pytest.approx(gap)
        predicted = result.results[row["variant"]].val_predicted
        assert sum(predicted) == len(result.results[row["variant"]].val_indices)
        assert row["val_classes_predicted"] == sum(1 for c in predicted if c > 0)
        assert row["seconds_per_epoch"] > 0
    rows = result.table.set_index("variant")
    # Only full moves the pretrained rows; only frozen keeps the trainable rows still.
    assert rows.loc["frozen", "trainable_row_shift"] == 0.0
    assert rows.loc["dual", "trainable_row_shift"] > 0.0
    assert rows.loc["dual", "frozen_row_shift"] == 0.0
    assert rows.loc["frozen", "frozen_row_shift"] == 0.0
    assert rows.loc["full", "frozen_row_shift"] > 0.0


def test_all_variants_share_vocabulary_split_and_initial_rows(comparison):
    result, _ = comparison
    runs = list(result.results.values())
    for run in runs[1:]:
        assert run.vocabulary is runs[0].vocabulary
        assert np.array_equal(run.val_indices, runs[0].val_indices)
        assert np.array_equal(run.trajectory[0], runs[0].trajectory[0])


def test_curves_are_long_format_per_variant_epoch_metric(comparison):
    result, _ = comparison
    curves = result.curves
    assert list(curves.columns) == ["variant", "epoch", "metric", "value"]
    assert len(curves) == 3 * len(E.CURVE_METRICS) * 2
    assert set(curves.metric) == set(E.CURVE_METRICS)  # train_accuracy (inference mode) too
    dual_f1 = curves.query("variant == 'dual' and metric == 'val_macro_f1'")["value"].tolist()
    assert dual_f1 == result.results["dual"].history["val_macro_f1"]


def test_callback_is_tagged_with_the_variant_and_overall_progress(comparison):
    _, events = comparison
    assert [e["variant"] for e in events if e["event"] == "start"] == ["frozen", "dual", "full"]
    overall = [e["overall_fraction"] for e in events]
    assert overall == sorted(overall) and overall[-1] == 1.0


def test_summary_states_the_computed_numbers(comparison):
    result, _ = comparison
    rows = result.table.set_index("variant")
    text = result.summary()
    dual, full = rows.loc["dual", "trainable_params"], rows.loc["full", "trainable_params"]
    assert text.startswith(f"dual trained {dual:,} parameters ({dual / full:.1%} of full's")
    assert f"{rows.loc['frozen', 'best_val_accuracy']:.2f} frozen" in text
    worst = rows["final_train_minus_val_gap"].idxmax()
    gap = rows.loc[worst, "final_train_minus_val_gap"]
    if gap > E.OVERFIT_GAP:
        assert f"; {worst} overfit most (train-val gap {gap:.2f}, beyond the 0.05" in text
    else:
        assert f"; none overfit beyond a 0.05 train-val gap (largest {gap:.2f}, {worst})" in text


def test_summary_of_a_hand_made_table():
    table = pd.DataFrame(
        [
            {"variant": "frozen", "state": "done", "trainable_params": 100,
             "best_val_accuracy": 0.74, "final_train_minus_val_gap": 0.02},
            {"variant": "dual", "state": "done", "trainable_params": 3200,
             "best_val_accuracy": 0.81, "final_train_minus_val_gap": 0.05},
            {"variant": "full", "state": "stopped", "trainable_params": 640000,
             "best_val_accuracy": 0.79, "final_train_minus_val_gap": 0.15},
        ]
    )  # fmt: skip
    assert E.summarize(table) == (
        "dual trained 3,200 parameters (0.5% of full's 640,000) and reached 0.81 best val "
        "accuracy vs 0.74 frozen and 0.79 full; full overfit most (train-val gap 0.15, beyond "
        "the 0.05 taken as noise) (full stopped early)"
    )
    table["final_train_minus_val_gap"] = [-0.03, 0.04, -0.01]  # 0.04: within the noise
    assert E.summarize(table).endswith(
        "; none overfit beyond a 0.05 train-val gap (largest 0.04, dual) (full stopped early)"
    )
    assert E.summarize(table.iloc[:0]) == "no variant was trained"
    table["val_classes_predicted"] = [1, 2, 2]
    assert E.summarize(table).endswith(
        "(largest 0.04, dual); frozen answered one class for every validation text "
        "(full stopped early)"
    )


def test_stop_event_stops_the_current_variant_and_skips_the_rest():
    stop = threading.Event()

    def stop_in_dual(progress):
        if progress["variant"] == "dual" and progress["step"] == 2:
            stop.set()

    result = E.compare_variants(
        VECTORS, TEXTS, LABELS, callback=stop_in_dual, stop_event=stop, **TINY
    )
    assert result.table["variant"].tolist() == ["frozen", "dual"]
    assert result.table["state"].tolist() == ["done", "stopped"]
    dual = result.table.iloc[1]
    assert math.isnan(dual["best_val_accuracy"]) and math.isnan(dual["seconds_per_epoch"])
    assert "(dual stopped early)" in result.summary()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"variants": ()}, ValueError, "variants is empty"),
        ({"variants": ("dual", "half")}, ValueError, "unknown arm 'half': use frozen, dual"),
        ({"variants": ("dual", "dual")}, ValueError, "arms must not repeat"),
        ({"variant": "dual"}, ValueError, "pass the variants to compare as variants="),
        ({"epochs": 0}, ValueError, "epochs must be an integer >= 1, got 0"),
        ({"epoch": 2}, TypeError, "epoch"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        E.compare_variants(VECTORS, TEXTS, LABELS, **kwargs)
