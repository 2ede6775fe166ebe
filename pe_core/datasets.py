"""Labelled text datasets: the ``Dataset`` container and ``load_dataset`` (CSV / TSV / txt).

(``load_dataset`` is added by the vectors/data issue.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Dataset:
    """Texts with integer labels. Unpacks as ``texts, labels = dataset``.

    Attributes:
        texts: the texts.
        labels: int array, ``labels[i]`` indexes ``label_names``.
        label_names: the original label values as strings, in id order.
        source: where it came from.
        dropped: reason -> number of rows dropped (nothing is dropped silently).
    """

    texts: list[str]
    labels: np.ndarray
    label_names: list[str]
    source: str = "memory"
    dropped: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if len(self.texts) != len(self.labels):
            raise ValueError(
                f"texts has {len(self.texts)} entries but labels has {len(self.labels)}"
            )

    def __iter__(self):
        return iter((self.texts, self.labels))

    def __len__(self) -> int:
        return len(self.texts)

    def label_counts(self) -> dict[str, int]:
        counts = np.bincount(self.labels, minlength=len(self.label_names))
        return {name: int(c) for name, c in zip(self.label_names, counts, strict=True)}
