"""Where fitted reference layouts are kept for reuse: an object handed to a ``Projector``.

A ``Projector`` without one fits every time and writes nothing; the app passes one shared
:class:`LayoutCache`, so several sessions opening the same map fit it once. Memory holds the
fitted states (a bounded ``pe_core.cache.MemoryLRU``), disk one checked
``pe_core.cache.DiskEntry`` per layout under ``<folder>`` (default ``cache_dir()/layouts``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pe_core.cache import DiskEntry, MemoryLRU, cache_dir

#: Fitted layouts kept in memory: a t-SNE state of a few thousand words is a few MB.
MEMORY_SIZE = 8

FROM_MEMORY = "reference layout reused from memory"
FROM_DISK = "reference layout reused from the cache (computed earlier for these words)"


class LayoutCache:
    """Fitted layouts by key: in memory, and on disk unless ``disk=False``.

    Args:
        folder: the layouts' folder; default ``pe_core.cache.cache_dir() / "layouts"``, read
            when used (so ``PE_LAB_CACHE`` set later is honoured).
        memory_size: layouts kept in memory (least recently used first out).
        disk: False keeps layouts in memory only.
    """

    def __init__(
        self, folder: str | Path | None = None, *, memory_size: int = MEMORY_SIZE, disk=True
    ) -> None:
        self._folder = Path(folder).expanduser() if folder is not None else None
        self.memory = MemoryLRU(memory_size)
        self.disk = bool(disk)

    @property
    def folder(self) -> Path:
        """The folder of the on-disk entries."""
        return self._folder if self._folder is not None else cache_dir() / "layouts"

    def _entry(self, name: str, suffix: str) -> DiskEntry:
        return DiskEntry(self.folder, name, (suffix,))

    def get(self, name: str, suffix: str, load: Callable[[bytes], object], notices: list[str]):
        """The layout ``name`` (e.g. ``"tsne-<key>"``) or None; what happened goes to ``notices``.

        ``load(data)`` turns the bytes of part ``suffix`` back into a layout, raising when they
        do not fit the reference; such an entry, like a damaged one, is removed and missed.
        """
        state = self.memory.get(name)
        if state is not None:
            notices.append(FROM_MEMORY)
            return state
        if not self.disk:
            return None
        entry = self._entry(name, suffix)
        try:
            if entry.read() is not None:
                state = load(entry.path(suffix).read_bytes())
        except Exception as exc:  # noqa: BLE001 - a bad entry is recomputed, never fatal
            entry.invalidate(f"unreadable ({type(exc).__name__}: {exc})")
        if entry.damaged:
            notices.append(f"ignored a damaged cached layout ({entry.damaged}); computed again")
            return None
        if state is not None:
            self.memory.put(name, state)
            notices.append(FROM_DISK)
        return state

    def put(self, name: str, suffix: str, state, dump: Callable[[object], bytes], notices) -> None:
        """Keep ``state`` in memory and (``dump(state)`` bytes) on disk; a disk that cannot be
        written only costs a fit later, said in ``notices``."""
        self.memory.put(name, state)
        if not self.disk:
            return
        try:
            self._entry(name, suffix).write({suffix: dump(state)}, {"name": name})
        except OSError as exc:
            notices.append(f"could not write the layout cache: {exc}")

    def clear_memory(self) -> None:
        """Forget the layouts held in memory (those on disk are kept)."""
        self.memory.clear()
