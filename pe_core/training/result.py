"""``TrainingResult``: what a run returns (trajectory of the k rows, history, model, ...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class TrainingResult:
    """What a training run produced.

    Attributes:
        tokens: names of the k trainable rows (``[0]`` is ``"<unk>"``).
        token_kinds: ``"unk" | "special" | "oov" | "promoted"`` per row.
        trajectory: float32 (S, k, d) snapshots of the trainable rows; ``[0]`` = initial rows.
        steps: int (S,) global batch step of each snapshot (0 for the initial rows).
        epochs: float (S,) fractional epoch of each snapshot (``steps / batches_per_epoch``).
        history: per completed epoch: loss, accuracy (running means over the epoch's batches,
            with dropout on, as Keras reports them), train_accuracy (on the training rows in
            inference mode at the epoch's end), val_loss, val_accuracy, val_macro_f1.
        model: the trained ``keras.Model``.
        vocabulary: the ``Vocabulary`` (id layout) the model reads.
        params: whole-model counts ``{"trainable": .., "frozen": ..}``.
        embedding_params: the embedding layer's share ``{"trainable": .., "frozen": ..}``.
        label_names: class names in output order.
        state: ``"done"`` or ``"stopped"`` (stopped early by ``stop_event``).
        seconds: wall time of the whole call; ``epoch_seconds``: time of each epoch.
        notices: things the run changed or noticed (e.g. batch size clamped), for the user.
        settings: the run's settings as plain values (for exports and reports).
        neighbours: :class:`~pe_core.stored_neighbours.SnapshotNeighbours`, the top-K cosine
            neighbours over the whole vocabulary of every token at every snapshot, computed
            while training (None with ``neighbours_k=None``).
        val_predicted: how many validation texts the model assigned to each class (in
            ``label_names`` order) at the last epoch's end; empty before the first epoch
            ends. A model that answers one class for every text shows it here.
    """

    tokens: list[str]
    token_kinds: list[str]
    trajectory: np.ndarray
    steps: np.ndarray
    epochs: np.ndarray
    history: dict[str, list[float]]
    model: Any
    vocabulary: Any
    params: dict[str, int]
    embedding_params: dict[str, int]
    label_names: list[str]
    state: str
    seconds: float
    seed: int
    variant: str
    encoder: str
    max_len: int
    batch_size: int
    batches_per_epoch: int
    train_indices: np.ndarray
    val_indices: np.ndarray
    epoch_seconds: list[float] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    neighbours: Any = None
    val_predicted: list[int] = field(default_factory=list)

    @property
    def initial_rows(self) -> np.ndarray:
        return self.trajectory[0]

    @property
    def final_rows(self) -> np.ndarray:
        return self.trajectory[-1]
