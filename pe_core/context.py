"""What a training result is to be judged against: the majority baseline and overfitting.

An accuracy means little alone: 72 % on tweets where 63 % share one label is a small gain.
``majority_baseline`` is the accuracy of always answering the most common label of the
validation rows; ``rising_val_loss`` finds the epochs where validation loss kept rising, the
usual sign that the model has started to memorise the training rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Validation loss rising for this many epochs in a row is flagged as overfitting.
RISING_EPOCHS = 2


@dataclass(frozen=True)
class Baseline:
    """Always answering ``label``: its accuracy (share of the validation rows) and macro-F1."""

    label: str
    accuracy: float
    macro_f1: float


def majority_baseline(labels, val_indices, label_names: Sequence[str]) -> Baseline:
    """The majority-class baseline on the validation rows ``labels[val_indices]``.

    ``labels``: integer class ids (indices into ``label_names``) or the names themselves.
    Its macro-F1 is that of a classifier answering one class: F1 = 2p / (1 + p) for that class
    (p its share), 0 for the others.
    """
    names = list(label_names)
    values = np.asarray(labels, dtype=object)[np.asarray(val_indices, dtype=np.int64)]
    if not len(values):
        raise ValueError("no validation rows: the baseline needs at least one")
    if all(isinstance(v, int | np.integer) for v in values):
        values = np.array([names[int(v)] for v in values], dtype=object)
    uniq, counts = np.unique(values.astype(str), return_counts=True)
    best = int(np.argmax(counts))  # ties: the name first in sort order (np.unique sorts)
    share = float(counts[best] / counts.sum())
    macro = 2 * share / (1 + share) / max(len(names), len(uniq))
    return Baseline(str(uniq[best]), share, float(macro))


def rising_val_loss(val_loss: Sequence[float], run: int = RISING_EPOCHS) -> list[int]:
    """1-based epochs ending a streak of at least ``run`` consecutive rises of validation loss.

    E.g. losses 0.9, 0.8, 0.85, 0.9, 0.95 rose at epochs 3, 4 and 5: returns [4, 5].
    """
    losses = [float(v) for v in val_loss]
    flagged, streak = [], 0
    for epoch in range(1, len(losses)):
        streak = streak + 1 if losses[epoch] > losses[epoch - 1] else 0
        if streak >= run:
            flagged.append(epoch + 1)
    return flagged


def overfitting_note(val_loss: Sequence[float], run: int = RISING_EPOCHS) -> str:
    """A sentence when validation loss rose for ``run``+ epochs in a row, else ""."""
    flagged = rising_val_loss(val_loss, run)
    if not flagged:
        return ""
    losses = [float(v) for v in val_loss]
    best = int(np.argmin(losses)) + 1
    return (
        f"Overfitting: validation loss rose for {len(flagged) + run - 1} epochs in a row "
        f"(up to epoch {flagged[-1]}: {losses[flagged[-1] - 1]:.3f}, lowest {losses[best - 1]:.3f} "
        f"at epoch {best}). The model is memorising the training texts; about {best} epochs "
        "would do, or lower the learning rate."
    )


def one_class_note(val_predicted: Sequence[int], label_names: Sequence[str]) -> str:
    """A sentence when the model answered one class for every validation text, else "".

    ``val_predicted``: texts predicted per class (``TrainingResult.val_predicted``). Such a
    model learned no distinction between the classes: its accuracy is the share of that class
    in the validation rows, however high it looks.
    """
    counts = [int(c) for c in val_predicted]
    used = [i for i, c in enumerate(counts) if c > 0]
    if len(used) != 1 or len(label_names) < 2:
        return ""
    name, n = str(label_names[used[0]]), counts[used[0]]
    return (
        f"The model answers '{name}' for all {n:,} validation texts: it has not learned to "
        f"tell the {len(label_names)} classes apart, so its accuracy is only the share of "
        f"'{name}' there. Balance the classes (more texts of the others), train longer or "
        "with a different learning rate."
    )
