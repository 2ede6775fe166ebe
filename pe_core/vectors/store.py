"""The parsed-vectors cache: one checked ``pe_core.cache.DiskEntry`` per file and load
parameters, so a changed source is re-read and a truncated or corrupted entry is rebuilt,
never returned."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from pe_core.cache import DiskEntry, key_digest
from pe_core.vectors.container import Vectors

# 2: non-UTF-8 words decoded as cp1252 / latin-1, not U+FFFD. 3: a pe_core.cache.DiskEntry
# (one manifest of checksums); entries of version 2 have other names and are never read.
CACHE_VERSION = 3


class CacheEntry:
    """One cached parse: ``<key>.npy`` (matrix), ``<key>.words`` and ``<key>.json`` (manifest).

    The key hashes the absolute path and the load parameters; the manifest records the source's
    size and mtime (a changed file is re-read) and the checksums of the other two files.
    """

    def __init__(self, root: Path, source: Path, params: dict):
        self.source = source
        self.params = params
        digest = key_digest({"path": str(source), **params, "v": CACHE_VERSION}, length=20)
        self.dir = root / "vectors"
        self.entry = DiskEntry(self.dir, f"{source.name[:40]}-{digest}", (".npy", ".words"))

    def _stamp(self) -> dict:
        st = self.source.stat()
        return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}

    def load(self) -> Vectors | None:
        """The cached ``Vectors``, or None when absent, stale or damaged."""
        meta = self.entry.read()
        try:
            if meta is None or meta.get("stamp") != self._stamp():
                return None
            matrix = np.load(self.entry.path(".npy"), mmap_mode="c", allow_pickle=False)
            raw = self.entry.path(".words").read_bytes()
            words = raw.decode("utf-8").split("\n") if raw else []
            shape = list(matrix.shape)
            if matrix.dtype != np.float32 or shape != meta["shape"] or shape[0] != len(words):
                self.entry.invalidate("the matrix does not match its words")
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return Vectors(
            words,
            matrix,
            source=meta["source"],
            fmt=meta["fmt"],
            skipped=meta["skipped"],
            notes=meta["notes"],
            from_cache=True,
        )

    def save(self, vectors: Vectors) -> None:
        """Write the entry; failures to write (read-only disk, full disk) only lose the cache."""
        matrix = np.ascontiguousarray(vectors.matrix, dtype=np.float32)
        meta = {
            "version": CACHE_VERSION,
            "source": vectors.source,
            "stamp": self._stamp(),
            "params": self.params,
            "fmt": vectors.fmt,
            "shape": list(matrix.shape),
            "skipped": vectors.skipped,
            "notes": vectors.notes,
        }
        parts = {
            ".npy": lambda f: np.save(f, matrix, allow_pickle=False),
            ".words": "\n".join(vectors.words).encode("utf-8"),
        }
        try:
            self.entry.write(parts, meta)
        except OSError as exc:
            # The vectors are fine; only the next load has to parse the file again. Said in
            # the notes too, which the app shows (a warning alone reaches no user).
            message = f"could not write the vectors cache in {self.dir}: {exc}"
            vectors.notes.append(message + "; the next load reads the file again")
            warnings.warn(message, stacklevel=3)
