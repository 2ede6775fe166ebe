"""The one home of PE Lab's caching: the folder, atomic writes, checked entries, memory LRU.

Every on-disk cache (parsed vectors, GloVe downloads, t-SNE / UMAP layouts, a refit of edited
demo vectors) sits under :func:`cache_dir` and is written with :func:`atomic_write`, so a reader
(or a server killed mid-write) never sees half a file: the bytes go to a temporary file in the
same folder, which is then renamed over the target in one step. A :class:`DiskEntry` adds a
manifest of checksums, so a truncated or corrupted entry is a miss that gets rewritten, never a
crash nor wrong data. :class:`MemoryLRU` is the bounded in-memory cache (fitted layouts, the
app's stored runs). No other imports of ours: every module may use this one.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import BinaryIO

ENV = "PE_LAB_CACHE"
TMP_SUFFIX = ".tmp"


def cache_dir() -> Path:
    """The cache folder: env ``PE_LAB_CACHE`` (``~`` expanded) if set, else ``~/.cache/pe_lab``.

    Always absolute-or-home-based: ``PE_LAB_CACHE=~/x`` is ``/home/you/x``, never a relative
    folder named ``~``.
    """
    env = os.environ.get(ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "pe_lab"


class CacheFullError(OSError):
    """Writing into the cache failed because its disk is full (or over quota)."""


def is_disk_full(err: BaseException) -> bool:
    """True for "no space left on device" and "disk quota exceeded"."""
    return isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_full_message(folder: Path) -> str:
    """What to tell a user whose cache disk is full."""
    return (
        f"the disk holding the PE Lab cache ({folder}) is full; free some space there, or set "
        f"{ENV} to a folder on a larger disk, then try again"
    )


def atomic_write(path: Path, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Write ``data`` (bytes, or a function writing to a binary file) to ``path`` atomically.

    The parent folder is created. On any failure the temporary file is removed and the old
    ``path`` (if any) is left as it was; a full disk raises :class:`CacheFullError` with a
    message saying what to do.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())  # the rename must not land before the bytes do
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if is_disk_full(err) or (isinstance(err, OSError) and _nearly_full(path.parent)):
            code = err.errno or errno.ENOSPC
            raise CacheFullError(code, disk_full_message(path.parent)) from err
        raise


def _nearly_full(folder: Path) -> bool:
    # NumPy reports a short write on a full disk as "N requested and M written", with no
    # errno: the free space then tells what happened.
    try:
        stat = os.statvfs(folder)
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < 1 << 20


class MemoryLRU:
    """A bounded, thread-safe map that forgets the least recently used entry first.

    ``maxsize`` bounds the entries kept; ``max_age`` (seconds, optional) also forgets an entry
    not read or written for that long. ``get`` counts as a use.
    """

    def __init__(self, maxsize: int, max_age: float | None = None) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise ValueError(f"maxsize must be an integer >= 1, got {maxsize!r}")
        self.maxsize, self.max_age = maxsize, max_age
        self._items: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default=None, now: float | None = None):
        """The value of ``key`` (now the most recently used), or ``default``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._expire(now)
            item = self._items.get(key)
            if item is None:
                return default
            self._items[key] = (now, item[1])
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: Hashable, value, now: float | None = None) -> None:
        """Keep ``value`` under ``key``; the oldest entries go beyond ``maxsize``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            self._expire(now)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._items.clear()

    def _expire(self, now: float) -> None:
        if self.max_age is not None:
            for key in [k for k, (t, _) in self._items.items() if now - t > self.max_age]:
                del self._items[key]
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def key_digest(*parts, length: int = 24) -> str:
    """A short stable hex key of JSON-able ``parts`` (sorted keys; other objects as ``str``)."""
    blob = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:length]


Writer = bytes | Callable[[BinaryIO], object]


class DiskEntry:
    """One cache entry on disk: a file per part and a manifest with each part's checksum.

    The files are ``<folder>/<stem><suffix>`` for each suffix in ``parts`` (e.g. ``.npy``) and
    ``<stem>.json``, the manifest: the caller's ``meta`` plus every part's size and CRC-32. The
    manifest is written last, so an entry is whole once it exists. :meth:`read` checks every
    part against it: a missing, truncated or corrupted entry is a miss (``None``), its files
    are removed, and the caller computes the value again and writes it anew.
    """

    def __init__(self, folder: Path, stem: str, parts: Sequence[str]) -> None:
        self.folder, self.stem, self.parts = Path(folder), stem, tuple(parts)
        self.manifest = self.folder / f"{stem}.json"
        #: Why the last :meth:`read` missed an entry that was there (None: absent or a hit).
        self.damaged: str | None = None

    def path(self, part: str) -> Path:
        """The file of ``part`` (one of ``parts``)."""
        return self.folder / f"{self.stem}{part}"

    def read(self) -> dict | None:
        """The entry's meta when every part matches its checksum; else None (and removed)."""
        self.damaged = None
        try:
            manifest = json.loads(self.manifest.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            return self._miss(f"unreadable manifest ({exc})")
        try:
            if manifest.get("format") != ENTRY_FORMAT or set(manifest["parts"]) != set(self.parts):
                return self._miss("written by another version")
            for part, (size, crc) in manifest["parts"].items():
                if _size_and_crc(self.path(part)) != (size, crc):
                    return self._miss(f"{self.path(part).name} does not match its checksum")
            return manifest["meta"]
        except (OSError, KeyError, TypeError, ValueError, AttributeError) as exc:
            return self._miss(f"damaged ({exc})")

    def invalidate(self, reason: str) -> None:
        """Remove an entry its reader found unusable after :meth:`read` (e.g. a wrong shape)."""
        self._miss(reason)

    def _miss(self, reason: str) -> None:
        self.damaged = reason
        self.remove()
        return None

    def write(self, parts: dict[str, Writer], meta: dict) -> None:
        """Write every part (bytes, or a function writing to a binary stream, sequentially)
        and then the manifest, each atomically. Raises ``OSError`` (``CacheFullError`` on a
        full disk); the caller decides whether a cache it could not write matters."""
        sums = {}
        for part, data in parts.items():
            sums[part] = _write_summed(self.path(part), data)
        manifest = {"format": ENTRY_FORMAT, "parts": sums, "meta": meta}
        atomic_write(self.manifest, json.dumps(manifest, indent=1).encode())

    def remove(self) -> None:
        """Delete the entry's files (those that exist)."""
        for path in (self.manifest, *map(self.path, self.parts)):
            with contextlib.suppress(OSError):
                path.unlink()


#: Layout of a :class:`DiskEntry` manifest; an entry of another layout is a miss.
ENTRY_FORMAT = 1
_CHUNK = 1 << 20


def _size_and_crc(path: Path) -> tuple[int, int]:
    size, crc = 0, 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            size, crc = size + len(chunk), zlib.crc32(chunk, crc)
    return size, crc


class _Summing:
    """A write-only stream that passes bytes on and keeps their count and CRC-32."""

    def __init__(self, f: BinaryIO) -> None:
        self._f, self.size, self.crc = f, 0, 0

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        self.size, self.crc = self.size + len(view), zlib.crc32(view, self.crc)
        return self._f.write(view)

    def flush(self) -> None:
        self._f.flush()


def _write_summed(path: Path, data: Writer) -> tuple[int, int]:
    if not callable(data):
        atomic_write(path, data)
        return len(data), zlib.crc32(data)
    summing: list[_Summing] = []

    def write(f: BinaryIO) -> None:
        summing.append(_Summing(f))
        data(summing[-1])

    atomic_write(path, write)
    return summing[-1].size, summing[-1].crc
