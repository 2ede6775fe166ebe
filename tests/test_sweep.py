"""Tests for pe_core.sweep: nested stratified subsets, one validation set, the summary."""

import threading

import numpy as np
import pandas as pd
import pytest
from tiny_corpus import LABELS, TEXTS, VECTORS

from pe_core import sweep as S
from pe_core import training


def test_subsets_are_nested_stratified_and_inside_the_pool():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    pool = np.arange(100)[::2].copy()  # 30 of class 0, 15 of class 1, 5 of class 2
    subsets = S.nested_subsets(y, pool, (10, 20, 50), seed=4)
    assert [len(subsets[n]) for n in (10, 20, 50)] == [10, 20, 50]
    assert set(subsets[10]) <= set(subsets[20]) <= set(subsets[50]) == set(pool)
    for n in (10, 20):
        counts = np.bincount(y[subsets[n]], minlength=3)
        np.testing.assert_allclose(counts, n * np.array([0.6, 0.3, 0.1]), atol=1)
    again = S.nested_subsets(y, pool, (10, 20, 50), seed=4)
    assert all(np.array_equal(again[n], subsets[n]) for n in subsets)
    other = S.nested_subsets(y, pool, (10,), seed=5)
    assert not np.array_equal(other[10], subsets[10])


def test_plan_drops_sizes_above_the_pool_and_derives_epochs_from_the_step_budget():
    plan = S.plan_sweep(LABELS, arms=("dual",), sizes=(8, 16, 100), seeds=(0,), steps=6,
                        batch_size=8)  # fmt: skip
    assert len(plan.val_indices) == 12 and len(plan.pool) == 48
    assert plan.sizes == (8, 16, 48) and plan.dropped == (100,)
    assert [(r["size"], r["epochs"], r["steps"]) for r in plan.runs] == [
        (8, 6, 6), (16, 3, 6), (48, 1, 6)
    ]  # fmt: skip
    assert set(plan.val_indices).isdisjoint(plan.pool)
    assert "3 runs (1 arm × 3 sizes × 1 seed)" in plan.describe()
    assert "100 is more than the 48 training texts, so 48 is the largest size" in plan.describe()
    assert plan.estimate_seconds(0.5) == 18 * 0.5 + 3 * S.SECONDS_PER_RUN
    with pytest.raises(ValueError, match="unknown arm 'half'"):
        S.plan_sweep(LABELS, arms=("half",))
    with pytest.raises(ValueError, match="sizes must be integers >= 1, got 0"):
        S.plan_sweep(LABELS, sizes=(0, 10))


@pytest.fixture(scope="module")
def tiny_sweep():
    calls, events = [], []
    real = training.train

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append((kwargs["variant"], kwargs["seed"], kwargs["split"], result))
        return result

    training.train = spy
    try:
        result = S.run_sweep(
            VECTORS, TEXTS, LABELS, arms=("frozen", "dual"), sizes=(8, 48), seeds=(0, 1),
            steps=4, batch_size=8, hidden=4, callback=events.append,
        )  # fmt: skip
    finally:
        training.train = real
    return result, calls, events


def test_every_run_validates_on_the_same_texts_and_trains_on_its_subset(tiny_sweep):
    result, calls, _ = tiny_sweep
    assert len(calls) == 2 * 2 * 2
    val = result.plan.val_indices
    assert [c[0] for c in calls[:2]] == ["frozen", "dual"]
    for _variant, seed, (train_idx, val_idx), run in calls:
        assert np.array_equal(val_idx, val) and np.array_equal(run.val_indices, val)
        assert np.array_equal(run.train_indices, np.sort(train_idx))
        assert np.array_equal(train_idx, result.subsets[seed][len(train_idx)])
    # Both arms of a (seed, size) cell train on the very same texts.
    by_cell = {}
    for _variant, seed, (train_idx, _), _run in calls:
        by_cell.setdefault((seed, len(train_idx)), []).append(tuple(train_idx))
    assert all(len(set(v)) == 1 for v in by_cell.values())
    assert not np.array_equal(result.subsets[0][8], result.subsets[1][8])


def test_run_table_and_summary_follow_the_runs(tiny_sweep):
    result, calls, events = tiny_sweep
    runs = result.runs
    assert list(runs.columns) == S.RUN_COLUMNS and (runs["state"] == "done").all()
    assert runs[["arm", "size", "seed"]].values.tolist()[:4] == [
        ["frozen", 8, 0], ["dual", 8, 0], ["frozen", 48, 0], ["dual", 48, 0]
    ]  # fmt: skip
    for row, (_, _, _, run) in zip(runs.to_dict("records"), calls, strict=True):
        assert row["best_val_accuracy"] == max(run.history["val_accuracy"])
        assert row["train_minus_val_gap"] == pytest.approx(
            row["final_train_accuracy"] - run.history["val_accuracy"][-1]
        )
        assert row["optimizer_state_params"] == 2 * row["trainable_params"]
    summary = result.summary.set_index(["arm", "size"])
    cell = runs[(runs["arm"] == "dual") & (runs["size"] == 8)]["best_val_macro_f1"]
    assert summary.loc[("dual", 8), "best_val_macro_f1_mean"] == pytest.approx(cell.mean())
    assert summary.loc[("dual", 8), "best_val_macro_f1_std"] == pytest.approx(cell.std(ddof=1))
    assert summary.loc[("dual", 8), "seeds"] == 2
    fractions = [e["fraction"] for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert result.sentence().startswith("dual ")
    n = len(result.plan.runs)
    assert result.outcome("best_val_accuracy") == (
        result.sentence("best_val_accuracy") + f" · {n} of {n} runs."
    )


def test_where_it_wins_names_the_sizes_and_the_noise():
    summary = pd.DataFrame(
        [
            {"arm": "dual", "size": 100, "m_mean": 0.70, "m_std": 0.01},
            {"arm": "full", "size": 100, "m_mean": 0.60, "m_std": 0.02},
            {"arm": "dual", "size": 1000, "m_mean": 0.80, "m_std": 0.01},
            {"arm": "full", "size": 1000, "m_mean": 0.81, "m_std": 0.03},
        ]
    )
    assert S.where_it_wins(summary, "m") == (
        "dual leads on m at 100 texts (+0.100 over full); the best is full at 1,000 texts "
        "(+0.010, within the seed spread)"
    )
    summary.loc[0, "m_mean"] = 0.5
    assert S.where_it_wins(summary, "m").startswith("dual beats full on m at no training size")


def test_stop_keeps_finished_runs_and_skips_the_rest():
    stop = threading.Event()

    def stop_in_second(progress):
        if progress["run"] == 2:
            stop.set()

    result = S.run_sweep(
        VECTORS, TEXTS, LABELS, arms=("frozen", "dual"), sizes=(8,), seeds=(0,), steps=4,
        batch_size=8, hidden=4, callback=stop_in_second, stop_event=stop,
    )  # fmt: skip
    assert result.runs["state"].tolist() == ["done", "stopped"]
    assert result.summary["arm"].tolist() == ["frozen"]
    assert result.outcome().endswith(" · 1 of 2 runs (stopped early).")
    assert result.outcome().startswith(result.sentence())


def test_where_it_wins_leaves_the_focus_arms_own_variants_out():
    summary = pd.DataFrame(
        [
            {"arm": "dual", "size": 100, "m_mean": 0.70, "m_std": 0.0},
            {"arm": "dual+promoted", "size": 100, "m_mean": 0.90, "m_std": 0.0},
            {"arm": "frozen", "size": 100, "m_mean": 0.50, "m_std": 0.0},
        ]
    )
    assert S.where_it_wins(summary, "m") == "dual leads on m at 100 texts (+0.200 over frozen)"
