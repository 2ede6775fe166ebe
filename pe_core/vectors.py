"""Pretrained word vectors: the ``Vectors`` container and loaders.

(The fast loaders, cache and ``download_glove`` are added by the vectors issue.)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Vectors:
    """An ordered set of pretrained word vectors.

    Attributes:
        words: the words, in file order (GloVe files are in frequency order).
        matrix: float32 array of shape (len(words), dim); row i is ``words[i]``.
        source: where the vectors came from (a path, "demo", "memory", ...).
        fmt: the format they were read from ("glove", "word2vec", "demo", "memory").
        skipped: reason -> count of rows skipped or altered while loading.
    """

    words: list[str]
    matrix: np.ndarray
    source: str = "memory"
    fmt: str = "memory"
    skipped: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.matrix = np.asarray(self.matrix, dtype=np.float32)
        if self.matrix.ndim != 2:
            raise ValueError(
                f"matrix must be 2-D (words x dim), got shape {self.matrix.shape}"
            )
        if len(self.words) != self.matrix.shape[0]:
            raise ValueError(
                f"words has {len(self.words)} entries but matrix has {self.matrix.shape[0]} rows"
            )
        self._index: dict[str, int] | None = None

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def _lookup(self) -> dict[str, int]:
        if self._index is None:
            index: dict[str, int] = {}
            for i, w in enumerate(self.words):
                index.setdefault(w, i)
            self._index = index
        return self._index

    def index(self, word: str) -> int:
        """Row of ``word``; raises ``KeyError`` naming the word when it is absent."""
        try:
            return self._lookup()[word]
        except KeyError:
            raise KeyError(f"word {word!r} is not in the vectors ({len(self)} words)") from None

    def __contains__(self, word: object) -> bool:
        return word in self._lookup()

    def vector(self, word: str) -> np.ndarray:
        return self.matrix[self.index(word)]

    def fingerprint(self) -> str:
        """A short, stable hash of the words and values (used as a cache key)."""
        h = hashlib.sha1()
        h.update(f"{self.matrix.shape}".encode())
        h.update("\n".join(self.words).encode("utf-8", "replace"))
        h.update(np.ascontiguousarray(self.matrix).tobytes())
        return h.hexdigest()[:16]
