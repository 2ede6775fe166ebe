"""The ``Vectors`` container: words in file order, a float32 matrix, and what loading skipped."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pe_core.cache import (
    cache_dir,
)

# Human wording for the keys of ``Vectors.skipped`` (used by ``Vectors.report``).
REASONS = {
    "blank_line": "blank lines ignored",
    "bad_line": "lines with the wrong number of fields or unreadable numbers skipped",
    "non_finite": "lines with NaN or infinite values skipped",
    "duplicate_word": "duplicate words dropped (the first occurrence kept)",
    "decoded_duplicate": "words that decoding made equal to an earlier word dropped (the first "
    "kept; named in the notes)",
    "non_utf8_word": "words that are not UTF-8 decoded as cp1252 (latin-1 for bytes cp1252 "
    "lacks), so distinct bytes stay distinct words",
    "mojibake_fixed": "words with mojibake (such as â€“ for –) repaired with ftfy",
    "word_with_spaces": "words containing spaces kept (the last D fields are the vector)",
}

Progress = Callable[[float], None]


@dataclass
class Vectors:
    """An ordered set of pretrained word vectors.

    Attributes:
        words: the words, in file order (GloVe files are in frequency order).
        matrix: float32 array of shape (len(words), dim); row i is ``words[i]``.
        source: where the vectors came from (a path, "demo", "memory", ...).
        fmt: the format they were read from ("glove", "word2vec", "demo", "memory").
        skipped: reason -> count of rows skipped or altered while loading (keys in ``REASONS``).
        notes: other facts found while loading (zip member used, header count mismatch, ...).
        from_cache: True when the rows came from the on-disk cache rather than the text file.
    """

    words: list[str]
    matrix: np.ndarray
    source: str = "memory"
    fmt: str = "memory"
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    from_cache: bool = False

    def __post_init__(self) -> None:
        self.matrix = np.asarray(self.matrix, dtype=np.float32)
        if self.matrix.ndim != 2:
            raise ValueError(f"matrix must be 2-D (words x dim), got shape {self.matrix.shape}")
        if len(self.words) != self.matrix.shape[0]:
            raise ValueError(
                f"words has {len(self.words)} entries but matrix has {self.matrix.shape[0]} rows"
            )
        self._index: dict[str, int] | None = None
        self._fingerprint: str | None = None

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
        """A short, stable hash of the words and values (used as a cache key).

        Computed once per ``Vectors`` (hashing 400,000 x 300 floats takes about a second, and
        every Start asked for it); the words and matrix are treated as read-only.
        """
        if self._fingerprint is None:
            h = hashlib.sha1()
            h.update(f"{self.matrix.shape}".encode())
            h.update("\n".join(self.words).encode("utf-8", "replace"))
            h.update(np.ascontiguousarray(self.matrix).tobytes())
            self._fingerprint = h.hexdigest()[:16]
        return self._fingerprint

    def report(self) -> str:
        """A short human summary: size, source, format, cache, and everything skipped or altered."""
        origin = " (from cache)" if self.from_cache else ""
        lines = [f"{len(self):,} words x {self.dim} dims, {self.fmt} format, {self.source}{origin}"]
        for reason, count in self.skipped.items():
            lines.append(f"- {count:,} {REASONS.get(reason, reason)}")
        lines.extend(f"- {note}" for note in self.notes)
        return "\n".join(lines)


def default_cache_dir() -> Path:
    """The cache directory (see ``pe_core.cache.cache_dir``)."""
    return cache_dir()
