"""The parsed-vectors cache: one entry per file and load parameters, with checksums, so a
changed, truncated or corrupted entry is re-read and never returned."""

from __future__ import annotations

import hashlib
import json
import warnings
import zlib
from pathlib import Path

import numpy as np

from pe_core.cache import (
    atomic_write,
)
from pe_core.vectors.container import Vectors

CACHE_VERSION = 2  # 2: non-UTF-8 words decoded as cp1252 / latin-1, not U+FFFD


class CacheEntry:
    """One cached parse: ``<key>.npy`` (matrix), ``<key>.words`` and ``<key>.json`` (meta).

    The key hashes the absolute path and the load parameters; the meta records the source's size
    and mtime (a changed file is re-read) and the sizes and checksums of the other two files (a
    truncated or corrupted entry is detected and rebuilt, never returned).
    """

    def __init__(self, root: Path, source: Path, params: dict):
        self.source = source
        self.params = params
        key = json.dumps({"path": str(source), **params, "v": CACHE_VERSION}, sort_keys=True)
        digest = hashlib.sha1(key.encode()).hexdigest()[:20]
        self.dir = root / "vectors"
        base = f"{source.name[:40]}-{digest}"
        self.npy = self.dir / f"{base}.npy"
        self.words = self.dir / f"{base}.words"
        self.meta = self.dir / f"{base}.json"

    def _stamp(self) -> dict:
        st = self.source.stat()
        return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}

    def load(self) -> Vectors | None:
        """The cached ``Vectors``, or None when absent, stale or damaged."""
        try:
            meta = json.loads(self.meta.read_text())
            if meta.get("version") != CACHE_VERSION or meta.get("stamp") != self._stamp():
                return None
            raw = self.words.read_bytes()
            if (
                len(raw) != meta["words_size"]
                or hashlib.sha1(raw).hexdigest() != meta["words_sha1"]
            ):
                return None
            if self.npy.stat().st_size != meta["npy_size"]:
                return None
            matrix = np.load(self.npy, mmap_mode="c", allow_pickle=False)
            if matrix.dtype != np.float32 or list(matrix.shape) != meta["shape"]:
                return None
            if zlib.crc32(matrix) != meta["matrix_crc32"]:
                return None
            words = raw.decode("utf-8").split("\n") if raw else []
            if len(words) != matrix.shape[0]:
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
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            matrix = np.ascontiguousarray(vectors.matrix, dtype=np.float32)
            raw = "\n".join(vectors.words).encode("utf-8")
            atomic_write(self.npy, lambda f: np.save(f, matrix, allow_pickle=False))
            atomic_write(self.words, raw)
            meta = {
                "version": CACHE_VERSION,
                "source": vectors.source,
                "stamp": self._stamp(),
                "params": self.params,
                "fmt": vectors.fmt,
                "shape": list(matrix.shape),
                "npy_size": self.npy.stat().st_size,
                "matrix_crc32": zlib.crc32(matrix),
                "words_size": len(raw),
                "words_sha1": hashlib.sha1(raw).hexdigest(),
                "skipped": vectors.skipped,
                "notes": vectors.notes,
            }
            atomic_write(self.meta, json.dumps(meta, indent=1).encode())
        except OSError as exc:
            # The vectors are fine; only the next load has to parse the file again. Said in
            # the notes too, which the app shows (a warning alone reaches no user).
            message = f"could not write the vectors cache in {self.dir}: {exc}"
            vectors.notes.append(message + "; the next load reads the file again")
            warnings.warn(message, stacklevel=3)
