"""``TrainConfig``: every setting of a run, checked once where it enters (``check``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from pe_core.checks import check_model_args, int_at_least, one_of
from pe_core.choices import OPTIMIZERS
from pe_core.stored_neighbours import STORED_K

MAX_AUTO_LEN = 100
# With snapshot_every=None a run takes about this many snapshots (plus one per epoch end).
AUTO_SNAPSHOTS = 75


@dataclass
class TrainConfig:
    """Every setting of a run, with defaults (see :func:`train` for their meaning)."""

    tokenizer: Any = None
    specials: tuple = ()
    vocabulary: Any = None
    min_oov_count: int = 2
    promote: tuple = ()
    max_frozen: int | None = None
    max_oov_rows: Any = "auto"
    pretrained_specials: str = "promote"
    init: str = "zeros"
    label_names: list[str] | None = None
    max_len: int | None = None
    epochs: int = 5
    batch_size: int = 32
    learning_rate: float = 5e-3
    optimizer: str = "adam"
    encoder: str = "bag"
    variant: str = "dual"
    hidden: int = 64
    dropout: float = 0.2
    val_fraction: float = 0.2
    seed: int = 0
    class_weights: Any = False
    snapshot_every: int | None = None
    max_snapshots: int = 500
    lora_rank: int = 4
    split: Any = None
    neighbours_k: int | None = STORED_K

    def settings(self) -> dict[str, Any]:
        """The settings as plain values (tokenizer and vocabulary left out)."""
        skip = ("tokenizer", "vocabulary", "split")
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}

    def check(self) -> None:
        """Raise ``ValueError`` for any setting out of range (data-independent checks)."""
        int_at_least("epochs", self.epochs, 1)
        int_at_least("batch_size", self.batch_size, 1)
        int_at_least("max_snapshots", self.max_snapshots, 2)
        if self.max_len is not None:
            int_at_least("max_len", self.max_len, 1, "or None to choose it from the data")
        if self.snapshot_every is not None:
            int_at_least("snapshot_every", self.snapshot_every, 1, "(batches), or None")
        if self.neighbours_k is not None:
            int_at_least("neighbours_k", self.neighbours_k, 1, "or None for no stored neighbours")
        if not 0.0 < float(self.val_fraction) <= 0.5:
            raise ValueError(f"val_fraction must be in (0, 0.5], got {self.val_fraction}")
        if not (math.isfinite(float(self.learning_rate)) and float(self.learning_rate) > 0):
            raise ValueError(f"learning_rate must be a positive number, got {self.learning_rate}")
        one_of("optimizer", self.optimizer, OPTIMIZERS)
        check_model_args(self.encoder, self.variant, self.hidden, self.dropout, self.lora_rank)
        if self.class_weights not in (False, None, "balanced"):
            raise ValueError(
                f"class_weights must be False or 'balanced', got {self.class_weights!r}"
            )


def thin_indices(steps, keep: int) -> np.ndarray:
    """Indices of at most ``keep`` snapshots, evenly spaced in *steps*, first and last kept.

    ``steps`` is increasing. For each of ``keep`` evenly spaced target steps the nearest
    snapshot is chosen (duplicates collapse, so fewer than ``keep`` may come back).
    """
    steps = np.asarray(steps, dtype=np.float64)
    n = len(steps)
    if keep < 2:
        raise ValueError(f"keep must be >= 2 (first and last), got {keep}")
    if n <= keep:
        return np.arange(n)
    targets = np.linspace(steps[0], steps[-1], keep)
    after = np.clip(np.searchsorted(steps, targets), 0, n - 1)
    before = np.clip(after - 1, 0, n - 1)
    nearer_before = np.abs(steps[before] - targets) <= np.abs(steps[after] - targets)
    chosen = np.where(nearer_before, before, after)
    chosen[0], chosen[-1] = 0, n - 1
    return np.unique(chosen)
