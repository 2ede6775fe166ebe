"""The frozen / dual / full experiment: same data, split, seed and settings, three embeddings.

``compare_variants`` is the evidence for the idea behind PE Lab: training only the k special
rows ("dual") needs far fewer parameters than fine-tuning every row ("full"), overfits less,
and still learns the OOV and special tokens that a fully frozen table ("frozen") cannot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pe_core import arms as pe_arms
from pe_core import model as pe_model
from pe_core import training
from pe_core.training import data as _data

TABLE_COLUMNS = [
    "variant",
    "state",
    "trainable_params",
    "frozen_params",
    "embedding_trainable_params",
    "encoder_params",
    "optimizer_state_params",
    "best_val_accuracy",
    "best_val_accuracy_epoch",
    "best_val_macro_f1",
    "best_val_macro_f1_epoch",
    "final_train_minus_val_gap",
    "val_classes_predicted",
    "seconds_per_epoch",
    "trainable_row_shift",
    "frozen_row_shift",
]
# A last-epoch train-minus-val accuracy gap up to this is noise, not overfitting: a few points
# of accuracy between train and validation are normal on a few thousand texts. The sentence
# states the threshold, so a reader can judge it.
OVERFIT_GAP = 0.05
CURVE_METRICS = ("loss", "accuracy", "train_accuracy", "val_loss", "val_accuracy", "val_macro_f1")


@dataclass
class ComparisonResult:
    """What :func:`compare_variants` measured.

    Attributes:
        table: one row per variant (columns ``TABLE_COLUMNS``): parameter counts (whole model,
            and the embedding's trainable share vs the encoder/dense layers), best validation
            accuracy and macro-F1 with their 1-based epoch, the last epoch's train accuracy
            minus val accuracy (overfitting), how many classes the last epoch predicted for
            the validation texts (1: the variant answers one class for all), seconds per epoch, and how far the rows moved
            (mean L2 distance first -> last: ``trainable_row_shift`` for the k trainable rows,
            ``frozen_row_shift`` for the V pretrained rows, which only "full" can move).
        curves: long table (variant, epoch, metric, value) of every per-epoch metric.
        results: variant -> its ``TrainingResult``.
    """

    table: pd.DataFrame
    curves: pd.DataFrame
    results: dict = field(default_factory=dict)

    def summary(self) -> str:
        """One sentence with the numbers (computed from the table)."""
        return summarize(self.table)


def _best(values: list[float]) -> tuple[float, int | float]:
    if not values:
        return math.nan, math.nan
    i = int(np.argmax(values))
    return float(values[i]), i + 1


def _shift(result, initial_frozen: np.ndarray) -> tuple[float, float]:
    trainable = float(np.linalg.norm(result.trajectory[-1] - result.trajectory[0], axis=1).mean())
    moved = pe_model.frozen_rows(result.model) - initial_frozen
    return trainable, float(np.linalg.norm(moved, axis=1).mean()) if len(moved) else 0.0


def _row(variant: str, result) -> dict:
    counts = pe_model.model_params(result.model)
    history = result.history
    acc, acc_epoch = _best(history["val_accuracy"])
    f1, f1_epoch = _best(history["val_macro_f1"])
    gap = math.nan
    # The train side in inference mode at the epoch's end, like the validation side: the
    # running (dropout-mode) accuracy would bias the gap towards "none overfit".
    train_acc = history.get("train_accuracy") or history["accuracy"]
    if train_acc:
        gap = float(train_acc[-1] - history["val_accuracy"][-1])
    epochs = len(result.epoch_seconds)
    trainable_shift, frozen_shift = _shift(result, result.vocabulary.frozen_matrix)
    return {
        "variant": variant,
        "state": result.state,
        "trainable_params": counts["trainable"],
        "frozen_params": counts["frozen"],
        "embedding_trainable_params": counts["embedding_trainable"],
        "encoder_params": counts["encoder"],
        "optimizer_state_params": pe_model.optimizer_state_size(result.model),
        "best_val_accuracy": acc,
        "best_val_accuracy_epoch": acc_epoch,
        "best_val_macro_f1": f1,
        "best_val_macro_f1_epoch": f1_epoch,
        "final_train_minus_val_gap": gap,
        "val_classes_predicted": sum(1 for c in result.val_predicted if c > 0)
        if result.val_predicted
        else math.nan,
        "seconds_per_epoch": sum(result.epoch_seconds) / epochs if epochs else math.nan,
        "trainable_row_shift": trainable_shift,
        "frozen_row_shift": frozen_shift,
    }


def _curves(results: dict) -> pd.DataFrame:
    rows = [
        {"variant": variant, "epoch": epoch, "metric": metric, "value": float(value)}
        for variant, result in results.items()
        for metric in CURVE_METRICS
        for epoch, value in enumerate(result.history[metric], start=1)
    ]
    return pd.DataFrame(rows, columns=["variant", "epoch", "metric", "value"])


def _check_variants(variants) -> tuple[pe_arms.Arm, ...]:
    variants = tuple(variants)
    if not variants:
        raise ValueError("variants is empty: give at least one of 'frozen', 'dual', 'full'")
    return pe_arms.check_arms(variants)


def compare_variants(
    vectors,
    texts,
    labels,
    *,
    variants=("frozen", "dual", "full"),
    callback=None,
    stop_event=None,
    **train_kwargs,
) -> ComparisonResult:
    """Train each variant with the same vocabulary, seed, split and settings; compare them.

    Args:
        vectors, texts, labels: as for :func:`pe_core.training.train`.
        variants: which arms to train, in this order: "frozen", "dual", "full", or any arm
            of ``pe_core.arms`` ("lora:4", "dual+promoted:20", "dual@mean", ...).
        callback: gets each run's progress dict plus ``variant``, ``variant_index`` (0-based),
            ``variants`` and ``overall_fraction`` (0..1 over all runs).
        stop_event: when set, the current run stops (state "stopped", kept in the table) and
            the remaining variants are skipped.
        **train_kwargs: any keyword of ``train`` except ``variant`` (e.g. epochs, encoder,
            seed, learning_rate, vocabulary). The vocabulary is built once and shared.
    """
    arms = _check_variants(variants)
    variants = tuple(arm.name for arm in arms)
    if "variant" in train_kwargs:
        raise ValueError("pass the variants to compare as variants=..., not variant=")
    config = training.TrainConfig(**train_kwargs)  # TypeError for an unknown keyword
    config.check()
    notices: list[str] = []
    vocabulary = _data.build_vocabulary(vectors, list(texts), config, notices)
    # The vocabulary settings went into the shared vocabulary; each arm derives its own.
    vocab_keys = ("tokenizer", "specials", "promote", "min_oov_count", "max_frozen", "init")
    shared = {k: v for k, v in train_kwargs.items() if k not in (*vocab_keys, "vocabulary")}
    lora_rank = shared.pop("lora_rank", None)
    results = {}
    for index, arm in enumerate(arms):
        if stop_event is not None and stop_event.is_set():
            break
        variant = arm.name
        results[variant] = training.train(
            vectors,
            texts,
            labels,
            callback=_tagged(callback, variant, index, variants),
            stop_event=stop_event,
            **shared,
            **pe_arms.arm_train_kwargs(arm, vocabulary, texts, lora_rank),
        )
        results[variant].notices[:0] = notices
    table = pd.DataFrame([_row(v, r) for v, r in results.items()], columns=TABLE_COLUMNS)
    return ComparisonResult(table=table, curves=_curves(results), results=results)


def _tagged(callback, variant: str, index: int, variants: tuple[str, ...]):
    if callback is None:
        return None

    def tagged(progress: dict) -> None:
        progress.update(
            variant=variant,
            variant_index=index,
            variants=list(variants),
            overall_fraction=(index + progress["fraction"]) / len(variants),
        )
        callback(progress)

    return tagged


def summarize(table: pd.DataFrame) -> str:
    """E.g. "dual trained 3,200 parameters (0.5% of full's 640,000) and reached 0.81 best val
    accuracy vs 0.74 frozen and 0.79 full; full overfit most (train-val gap 0.15, beyond the
    0.05 taken as noise)"."""
    if table.empty:
        return "no variant was trained"
    rows = {r["variant"]: r for r in table.to_dict("records")}
    focus = "dual" if "dual" in rows else next(iter(rows))
    me = rows[focus]
    text = f"{focus} trained {int(me['trainable_params']):,} parameters"
    if "full" in rows and focus != "full":
        full = int(rows["full"]["trainable_params"])
        text += f" ({me['trainable_params'] / full:.1%} of full's {full:,})"
    text += f" and reached {_num(me['best_val_accuracy'])} best val accuracy"
    others = [f"{_num(r['best_val_accuracy'])} {v}" for v, r in rows.items() if v != focus]
    if others:
        text += " vs " + " and ".join(others)
    gaps = {v: r["final_train_minus_val_gap"] for v, r in rows.items()}
    gaps = {v: g for v, g in gaps.items() if not math.isnan(g)}
    if len(gaps) > 1:
        worst = max(gaps, key=gaps.get)
        if gaps[worst] > OVERFIT_GAP:
            text += (
                f"; {worst} overfit most (train-val gap {gaps[worst]:.2f}, beyond the "
                f"{OVERFIT_GAP:.2f} taken as noise)"
            )
        else:
            text += (
                f"; none overfit beyond a {OVERFIT_GAP:.2f} train-val gap (largest "
                f"{gaps[worst]:.2f}, {worst})"
            )
    # A variant that answers one class for every text learned nothing, however it scores.
    one = [v for v, r in rows.items() if r.get("val_classes_predicted") == 1]
    if one:
        text += f"; {', '.join(one)} answered one class for every validation text"
    stopped = [v for v, r in rows.items() if r["state"] != "done"]
    if stopped:
        text += f" ({', '.join(stopped)} stopped early)"
    return text


def _num(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.2f}"
