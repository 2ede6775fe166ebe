"""Benchmark: training the demo, and the frozen / dual / full comparison.

Measures, in one run on this machine:
- ``train()`` on the demo (demo_vectors + demo_dataset, bag encoder, 5 epochs, defaults):
  wall time, val accuracy, and the majority-class baseline on the same validation rows;
- the anchor: plain Keras ``model.fit`` on the same model, data and split (no snapshots,
  no progress), to show what the snapshots/progress/stop machinery costs;
- stop latency of a ``TrainingRun`` (stop() -> thread finished) and determinism (two runs);
- ``compare_variants`` on the demo (the frozen/dual/full table).

Run from the repo root: ``python bench/bench_training.py``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import numpy as np  # noqa: E402
from _results import write_section  # noqa: E402

from pe_core import model as pe_model  # noqa: E402
from pe_core.demo import demo_dataset, demo_vectors  # noqa: E402
from pe_core.experiments import compare_variants  # noqa: E402
from pe_core.training import TrainingRun, train  # noqa: E402


def majority_baseline(labels: np.ndarray, result) -> float:
    """Accuracy on the validation rows of always predicting the training set's majority class."""
    train_y, val_y = labels[result.train_indices], labels[result.val_indices]
    return float((val_y == np.bincount(train_y).argmax()).mean())


def plain_fit(result, labels: np.ndarray, epochs: int) -> tuple[float, float]:
    """The anchor: keras model.fit on the same model/data/split; returns (seconds, val acc)."""
    import keras

    vocab = result.vocabulary
    texts = demo_dataset().texts
    x = vocab.encode(texts, result.max_len)
    y = np.asarray(labels)
    tr, va = result.train_indices, result.val_indices
    model = pe_model.build_classifier(vocab, 3, max_len=result.max_len, seed=result.seed)
    model.compile(
        optimizer=keras.optimizers.Adam(5e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    hist = model.fit(
        x[tr], y[tr], batch_size=32, epochs=epochs, validation_data=(x[va], y[va]), verbose=0
    )
    return time.perf_counter() - start, max(hist.history["val_accuracy"])


def stop_latency(vectors, dataset) -> float:
    """Seconds from stop() (called mid-epoch from outside) until the run's thread has ended."""
    halfway = threading.Event()

    def watch(progress):
        if progress["step"] == 40:
            halfway.set()

    run = TrainingRun(
        vectors, dataset.texts, dataset.labels, label_names=dataset.label_names, callback=watch
    )
    run.start()
    halfway.wait(60)
    start = time.perf_counter()
    run.stop()
    run.join(60)
    assert run.progress()["state"] == "stopped"
    return time.perf_counter() - start


def markdown_table(df) -> str:
    def cell(v):
        if isinstance(v, float):
            return f"{v:.3f}"
        if isinstance(v, int | np.integer):
            return f"{int(v):,}"
        return str(v)

    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def main() -> None:
    vectors, dataset = demo_vectors(), demo_dataset()
    labels = np.asarray(dataset.labels)

    start = time.perf_counter()
    result = train(vectors, dataset.texts, labels, label_names=dataset.label_names)
    seconds = time.perf_counter() - start
    again = train(vectors, dataset.texts, labels, label_names=dataset.label_names)
    deterministic = np.array_equal(result.trajectory, again.trajectory)
    val_acc = max(result.history["val_accuracy"])
    final_acc = result.history["val_accuracy"][-1]
    baseline = majority_baseline(labels, result)
    fit_seconds, fit_acc = plain_fit(result, labels, epochs=5)
    latency = stop_latency(vectors, dataset)
    vocab = result.vocabulary

    start = time.perf_counter()
    comparison = compare_variants(vectors, dataset.texts, labels, label_names=dataset.label_names)
    compare_seconds = time.perf_counter() - start

    text = f"""## Training (`bench/bench_training.py`)

Demo: `demo_vectors()` ({len(vectors):,} x {vectors.dim}) + `demo_dataset()` ({len(dataset):,}
texts, 3 classes), `train()` with defaults: bag encoder, dual variant, 5 epochs, batch 32,
Adam lr 5e-3, seed 0. Vocabulary: V = {vocab.num_frozen:,} frozen rows, k = {vocab.num_trainable}
trainable rows; max_len {result.max_len}; {result.batches_per_epoch} batches per epoch;
{len(result.steps)} snapshots.

| measure | value |
|---|---|
| `train()` wall time, 5 epochs (vocabulary, encoding, model build included) | {seconds:.1f} s (target <= 30 s) |
| epoch times | {", ".join(f"{s:.2f}" for s in result.epoch_seconds)} s (first includes tracing) |
| val accuracy, final / best epoch | {final_acc:.3f} / {val_acc:.3f} |
| majority-class baseline (same validation rows) | {baseline:.3f} |
| margin over baseline (final epoch) | {100 * (final_acc - baseline):+.1f} points (target >= +10) |
| anchor: plain Keras `model.fit`, same model/data/split, 5 epochs (fit only) | {fit_seconds:.1f} s, best val accuracy {fit_acc:.3f} |
| `TrainingRun.stop()` mid-epoch -> thread ended | {1000 * latency:.0f} ms |
| same seed twice -> identical trajectory | {"yes" if deterministic else "NO"} |

### Frozen / dual / full on the demo (`compare_variants`, same settings, {compare_seconds:.1f} s)

{markdown_table(comparison.table)}

Summary: {comparison.summary()}.

Parameter counts are for the whole model; `embedding_trainable_params` is the embedding's
share, `encoder_params` the rest (Dense layers). `final_train_minus_val_gap` is the train
accuracy minus the validation accuracy of the last epoch, both measured in inference mode (no
dropout) at the epoch's end (`history["train_accuracy"]`; the running dropout-mode accuracy
Keras reports would bias it towards "none overfit"). Row shifts are mean L2 distances first ->
last snapshot.
"""
    write_section("training", text)
    print(text)


if __name__ == "__main__":
    main()
