"""Opening a vectors file: plain, gzip or one zip member, identified by its magic bytes, with
progress and line counting as the bytes are read."""

from __future__ import annotations

import contextlib
import gzip
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pe_core.vectors.container import Progress

CHUNK = 1 << 18
_TEXT_SUFFIXES = (".txt", ".vec", ".text")


class Counting(io.RawIOBase):
    """Wraps a binary stream: reports progress, counts newlines, can stop after N lines."""

    def __init__(self, raw, total: int, progress: Progress | None, max_lines: int | None = None):
        self._raw = raw
        self._total = max(total, 1)
        self._progress = progress
        self._reported = -1.0
        self._max_lines = max_lines
        self.newlines = 0
        self.last_byte = b""
        self.position = 0  # bytes of the counted stream read so far

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        # pandas calls read() directly: counting the bytes it returns avoids another copy.
        if self._max_lines is not None and self.newlines >= self._max_lines:
            return b""
        chunk = self._raw.read(CHUNK if size is None or size < 0 else size)
        if not chunk:
            return b""
        newlines = chunk.count(b"\n")
        if self._max_lines is not None and self.newlines + newlines >= self._max_lines:
            # Cut the chunk just after the last wanted line: max_words reads only that far.
            pos = -1
            for _ in range(self._max_lines - self.newlines):
                pos = chunk.find(b"\n", pos + 1)
            chunk, newlines = chunk[: pos + 1], self._max_lines - self.newlines
        self.newlines += newlines
        self.last_byte = chunk[-1:]
        self.position += len(chunk)
        self._report()
        return chunk

    def readinto(self, b) -> int:
        chunk = self.read(len(b))
        b[: len(chunk)] = chunk
        return len(chunk)

    def skip(self, n: int) -> None:
        """Consume exactly ``n`` bytes (BOM and header line)."""
        while n > 0:
            got = len(self.read(n))
            if not got:
                return
            n -= got

    def _report(self) -> None:
        if self._progress is None:
            return
        frac = min(self.position / self._total, 1.0)
        if frac - self._reported >= 0.01:
            self._reported = frac
            self._progress(frac)

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass
class Source:
    """A vectors file and how to get its text bytes (plain, gzip or one zip member)."""

    path: Path
    kind: str
    member: str | None = None

    @property
    def label(self) -> str:
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    @contextlib.contextmanager
    def open(self, progress: Progress | None = None, max_lines: int | None = None):
        """Yield a buffered binary stream of the text and its ``Counting`` layer."""
        with contextlib.ExitStack() as stack:
            if self.kind == "zip":
                zf = stack.enter_context(zipfile.ZipFile(self.path))
                raw = stack.enter_context(zf.open(self.member))
                counter = Counting(raw, zf.getinfo(self.member).file_size, progress, max_lines)
                stream = stack.enter_context(io.BufferedReader(counter, CHUNK))
            elif self.kind == "gzip":
                # Progress counts compressed bytes (the only known total); lines counted after.
                disk = Counting(
                    open(self.path, "rb", buffering=0), self.path.stat().st_size, progress
                )
                stack.callback(disk.close)
                gz = stack.enter_context(gzip.GzipFile(fileobj=io.BufferedReader(disk, CHUNK)))
                counter = Counting(gz, 1, None, max_lines)
                stream = stack.enter_context(io.BufferedReader(counter, CHUNK))
            else:
                raw = open(self.path, "rb", buffering=0)
                counter = Counting(raw, self.path.stat().st_size, progress, max_lines)
                stream = stack.enter_context(io.BufferedReader(counter, CHUNK))
            yield stream, counter


def _zip_member(path: Path, member: str | None, dim: int | None) -> str:
    """Pick the text member of a zip: by name, else by dimension, else the only one."""
    with zipfile.ZipFile(path) as zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
    names = [n for n in names if not n.startswith("__MACOSX/")]
    if member is not None:
        hits = [n for n in names if n == member or n.rsplit("/", 1)[-1] == member]
        if not hits:
            raise ValueError(f"{path}: zip has no member {member!r}; members: {names}")
        return hits[0]
    texts = [n for n in names if n.lower().endswith(_TEXT_SUFFIXES)]
    if not texts:
        raise ValueError(
            f"{path}: zip holds no text vectors file (.txt/.vec); members: {names}. "
            "Pass member='name' to read another member."
        )
    if dim is not None:
        texts = [n for n in texts if re.search(rf"(?<!\d){dim}d(?![a-z0-9])", n.lower())]
        if not texts:
            raise ValueError(
                f"{path}: no member for dim={dim} (name containing '{dim}d'); members: {names}"
            )
    if len(texts) > 1:
        raise ValueError(
            f"{path}: zip holds several vectors files {texts}; choose one with member='...' or dim=..."
        )
    return texts[0]


def resolve_source(path: Path, member: str | None, dim: int | None) -> Source:
    """Identify the container by its magic bytes (an extension can lie) and check it."""
    if not path.exists():
        raise ValueError(f"vectors file not found: {path}")
    if path.is_dir():
        raise ValueError(
            f"{path} is a directory; pass the path of a vectors file (.txt, .vec, .gz, .zip)"
        )
    with open(path, "rb") as f:
        magic = f.read(4)
    suffix = path.suffix.lower()
    if magic[:2] == b"\x1f\x8b":
        return Source(path, "gzip")
    if magic == b"PK\x03\x04" or (magic == b"PK\x05\x06"):
        try:
            return Source(path, "zip", _zip_member(path, member, dim))
        except zipfile.BadZipFile as exc:
            raise ValueError(f"{path} is not a readable zip file ({exc})") from None
    if suffix == ".gz":
        raise ValueError(f"{path} is named .gz but is not gzip data (starts with {magic!r})")
    if suffix == ".zip":
        raise ValueError(f"{path} is named .zip but is not a zip archive (starts with {magic!r})")
    return Source(path, "text")
