"""Pretrained word vectors: the ``Vectors`` container, fast text loaders, a cache and a downloader.

``load_vectors`` reads GloVe text (``word v1 .. vD``, no header) and word2vec / fastText text
(a first line ``N D``), plain, ``.gz`` or inside a ``.zip``. The common case goes through pandas'
C parser (no Python float per value); anything the fast path is unsure about is handed to a
line-by-line parser that names the offending line. A parsed file is cached as ``.npy`` + word
list under ``default_cache_dir()`` so the second load is a memory map.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import threading
import urllib.error
import urllib.request
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pe_core.cache import (
    CacheFullError,
    atomic_write,
    cache_dir,
    disk_full_message,
    is_disk_full,
)
from pe_core.filetypes import binary_kind

CACHE_VERSION = 2  # 2: non-UTF-8 words decoded as cp1252 / latin-1, not U+FFFD
DEFAULT_GLOVE_URL = "https://nlp.stanford.edu/data/"
#: GloVe releases ``download_glove`` offers in the app, with the dimensions of their members.
GLOVE_RELEASES: dict[str, tuple[int, ...]] = {
    "6B": (50, 100, 200, 300),
    "twitter.27B": (25, 50, 100, 200),
}
_HEAD_BYTES = 1 << 18
_SAMPLE_LINES = 200
_TEXT_SUFFIXES = (".txt", ".vec", ".text")
_CHUNK = 1 << 18

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


# --------------------------------------------------------------------------- opening files


class _Counting(io.RawIOBase):
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
        chunk = self._raw.read(_CHUNK if size is None or size < 0 else size)
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
class _Source:
    """A vectors file and how to get its text bytes (plain, gzip or one zip member)."""

    path: Path
    kind: str
    member: str | None = None

    @property
    def label(self) -> str:
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    @contextlib.contextmanager
    def open(self, progress: Progress | None = None, max_lines: int | None = None):
        """Yield a buffered binary stream of the text and its ``_Counting`` layer."""
        with contextlib.ExitStack() as stack:
            if self.kind == "zip":
                zf = stack.enter_context(zipfile.ZipFile(self.path))
                raw = stack.enter_context(zf.open(self.member))
                counter = _Counting(raw, zf.getinfo(self.member).file_size, progress, max_lines)
                stream = stack.enter_context(io.BufferedReader(counter, _CHUNK))
            elif self.kind == "gzip":
                # Progress counts compressed bytes (the only known total); lines counted after.
                disk = _Counting(
                    open(self.path, "rb", buffering=0), self.path.stat().st_size, progress
                )
                stack.callback(disk.close)
                gz = stack.enter_context(gzip.GzipFile(fileobj=io.BufferedReader(disk, _CHUNK)))
                counter = _Counting(gz, 1, None, max_lines)
                stream = stack.enter_context(io.BufferedReader(counter, _CHUNK))
            else:
                raw = open(self.path, "rb", buffering=0)
                counter = _Counting(raw, self.path.stat().st_size, progress, max_lines)
                stream = stack.enter_context(io.BufferedReader(counter, _CHUNK))
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


def _resolve_source(path: Path, member: str | None, dim: int | None) -> _Source:
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
        return _Source(path, "gzip")
    if magic == b"PK\x03\x04" or (magic == b"PK\x05\x06"):
        try:
            return _Source(path, "zip", _zip_member(path, member, dim))
        except zipfile.BadZipFile as exc:
            raise ValueError(f"{path} is not a readable zip file ({exc})") from None
    if suffix == ".gz":
        raise ValueError(f"{path} is named .gz but is not gzip data (starts with {magic!r})")
    if suffix == ".zip":
        raise ValueError(f"{path} is named .zip but is not a zip archive (starts with {magic!r})")
    return _Source(path, "text")


# --------------------------------------------------------------------------- sniffing


@dataclass
class _Layout:
    fmt: str  # "glove" | "word2vec"
    dim: int
    header: tuple[int, int] | None
    skip_bytes: int  # BOM + header line, consumed before the rows
    trailing_space: bool


def _looks_binary(head: bytes) -> bool:
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
    return b"\x00" in head or controls > len(head) // 100


def _sniff(head: bytes, complete: bool, fmt: str, label: str, dim: int | None) -> _Layout:
    """Find format, header and dimension from the first lines; refuse what is not vectors text."""
    if not head.strip():
        raise ValueError(f"{label} is empty; expected text lines 'word v1 v2 ... vD'")
    if _looks_binary(head):
        kind = binary_kind(head)
        message = f"{label} is {kind}, not word vectors: expected text lines 'word v1 ... vD'"
        if kind.startswith("binary"):  # conversion advice only where it can help
            message += (
                ". If it is a binary word2vec .bin, convert it first, e.g. with gensim: "
                "KeyedVectors.load_word2vec_format(path, binary=True)"
                ".save_word2vec_format('vectors.txt', binary=False)"
            )
        raise ValueError(message)
    skip = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    lines = head[skip:].split(b"\n")
    if not complete:
        lines = lines[:-1]
    first = lines[0].split()
    is_header = len(first) == 2 and all(t.isdigit() for t in first)
    if fmt == "word2vec" and not is_header:
        raise ValueError(
            f"{label}: fmt='word2vec' expects a first line 'N D', found {lines[0][:80]!r}"
        )
    header = None
    if is_header and fmt != "glove":
        header = (int(first[0]), int(first[1]))
        skip += len(lines[0]) + 1
        lines = lines[1:]
    rows = [ln.rstrip(b"\r") for ln in lines[:_SAMPLE_LINES] if ln.strip()]
    if not rows:
        if header:
            raise ValueError(
                f"{label} has only a header line {header[0]} {header[1]} and no vector rows"
            )
        raise ValueError(f"{label} has no vector rows")
    counts = Counter(len(r.split()) - 1 for r in rows)
    found = counts.most_common(1)[0][0]
    line1 = 2 if header else 1
    if header and found != header[1]:
        raise ValueError(
            f"{label}: the header says {header[1]} dimensions but the rows have {found} values "
            f"(line {line1} has {len(rows[0].split())} fields)"
        )
    if found < 1:
        raise ValueError(f"{label} line {line1}: found only a word, expected 'word v1 ... vD'")
    if dim is not None and found != dim:
        raise ValueError(f"{label} has {found}-dimensional vectors but dim={dim} was asked for")
    trailing = sum(r.endswith((b" ", b"\t")) for r in rows) * 2 > len(rows)
    return _Layout("word2vec" if header else "glove", found, header, skip, trailing)


# --------------------------------------------------------------------------- parsing


class _Rows:
    """Parsed rows before decoding: words as str (fast path) or bytes, and the matrix."""

    def __init__(self, words: list, matrix: np.ndarray, skipped: Counter, lines: int):
        self.words, self.matrix, self.skipped, self.lines = words, matrix, skipped, lines


def _is_number(token: bytes | str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _parse_line(raw: bytes, dim: int, lineno: int, label: str, on_bad_line: str, skipped: Counter):
    """Parse one line into (word bytes, float32 vector), or None when skipped (and counted)."""
    line = raw.rstrip(b"\r\n")
    if not line.strip():
        skipped["blank_line"] += 1
        return None
    parts = line.split()
    problem = None
    if len(parts) == dim + 1 and not line[:1].isspace():
        word, numbers = parts[0], line[len(parts[0]) :]
    elif len(parts) <= dim:
        problem = f"expected {dim + 1} fields (a word and {dim} numbers), found {len(parts)}"
    else:
        word, *values = line.rsplit(None, dim)
        extra = word.split()[1:]
        if extra and all(_is_number(t) for t in extra):
            problem = f"expected {dim + 1} fields (a word and {dim} numbers), found {len(parts)}"
        else:
            word, numbers = word.strip(), b" ".join(values)
            skipped["word_with_spaces"] += 1
    if problem is None:
        try:
            vec = np.fromstring(numbers, dtype=np.float32, sep=" ")
        except ValueError:
            vec = None
        if vec is None or vec.size != dim:
            problem = f"could not read {dim} numbers from {_text(numbers.strip()[:60])!r}"
        elif not np.isfinite(vec).all():
            if on_bad_line == "skip":
                skipped["non_finite"] += 1
                return None
            raise ValueError(
                f"{label} line {lineno}: NaN or infinite value in the vector of {_text(word)!r}"
            )
    if problem is not None:
        if on_bad_line == "skip":
            skipped["bad_line"] += 1
            return None
        raise ValueError(
            f"{label} line {lineno}: {problem}. Fix the file, or pass on_bad_line='skip' "
            "to skip such lines (they are counted)"
        )
    return word, vec


def _parse_robust(src: _Source, layout: _Layout, on_bad_line: str, max_words, progress) -> _Rows:
    """Line-by-line parser: slower, exact about every line; used when the fast path is unsure."""
    first = 2 if layout.header else 1
    words, vecs, skipped = [], [], Counter()
    label = src.label
    with src.open(progress, _line_limit(layout, max_words)) as (stream, counter):
        stream.read(layout.skip_bytes)
        for lineno, raw in enumerate(stream, start=first):
            row = _parse_line(raw, layout.dim, lineno, label, on_bad_line, skipped)
            if row is not None:
                words.append(row[0])
                vecs.append(row[1])
    matrix = np.vstack(vecs) if vecs else np.zeros((0, layout.dim), np.float32)
    return _Rows(words, matrix, skipped, counter.newlines)


def _line_limit(layout: _Layout, max_words: int | None) -> int | None:
    if max_words is None:
        return None
    return max_words + (1 if layout.header else 0)


class _NotUtf8(Exception):
    pass


def _read_pandas(stream, layout: _Layout, encoding: str):
    """pandas' C parser on the rows; returns (frame, [1-based lines it skipped]) or None.

    Measured choices: UTF-8 first (pandas' native path); a file that is not UTF-8 is re-read as
    latin-1, which maps every byte to one char so the words' bytes survive exactly (decoded
    afterwards with counted replacement) at a fraction of the cost of ``encoding_errors``;
    numeric dtypes are inferred (float64) because per-column float32 dtypes
    are slower; the words become the index (faster than an object column); ``names`` pins the
    field count so extra fields are reported, not absorbed.
    """
    import pandas as pd

    ncols = layout.dim + 1 + (1 if layout.trailing_space else 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pd.read_csv(
                stream,
                sep=" ",
                header=None,
                names=list(range(ncols)),
                index_col=0,
                quoting=csv.QUOTE_NONE,
                na_filter=False,
                engine="c",
                on_bad_lines="warn",
                encoding=encoding,
            )
        except UnicodeDecodeError:
            raise _NotUtf8 from None
        except (pd.errors.ParserError, ValueError):
            return None
    bad = [int(m) for w in caught for m in re.findall(r"Skipping line (\d+)", str(w.message))]
    return frame, bad


def _frame_rows(frame, layout: _Layout):
    """(words, float32 matrix) from the frame, or None if any column is off."""
    import pandas as pd

    d = layout.dim
    if not all(frame[j].dtype.kind in "fiu" for j in range(1, d + 1)):
        return None  # a field that is not a number: the robust parser names the line
    if layout.trailing_space:
        extra = frame[d + 1]
        if extra.dtype.kind in "fiu" or not (extra == "").all():
            return None
    if not pd.api.types.is_string_dtype(frame.index.dtype):
        return None  # every word looked like a number: re-read them as text, line by line
    # The words are the index, so every column is numeric. Measured: to_numpy(float32) then one
    # transposing copy is several times cheaper than converting pandas' float64 interleave.
    values = frame.iloc[:, :d] if layout.trailing_space else frame
    matrix = np.ascontiguousarray(values.to_numpy(np.float32))
    if not np.isfinite(matrix.sum(dtype=np.float64)):  # NaN/inf propagate; no 20M-bool temp
        return None
    words = frame.index.tolist()
    if "" in words:
        return None  # a line starting with a space: the robust parser decides what it is
    return words, matrix


def _parse_fast(src: _Source, layout: _Layout, on_bad_line: str, max_words, progress):
    """pandas fast path; returns None whenever it cannot vouch for every line."""
    for encoding in ("utf-8", "latin-1"):
        with src.open(progress, _line_limit(layout, max_words)) as (_, counter):
            counter.skip(layout.skip_bytes)
            try:
                got = _read_pandas(counter, layout, encoding)
            except _NotUtf8:
                continue
            if got is None:
                return None
            while counter.read(_CHUNK):
                pass  # drain so the line count covers the whole (limited) text
        break
    frame, bad = got
    rows = _frame_rows(frame, layout)
    if rows is None:
        return None
    words, matrix = rows
    lines = counter.newlines - (1 if layout.header else 0)
    lines += 1 if counter.last_byte not in (b"\n", b"") else 0
    blank = lines - len(words) - len(bad)
    if blank < 0 or (blank and bad):
        return None  # cannot place recovered rows exactly: let the robust parser do it
    skipped = Counter({"blank_line": blank} if blank else {})
    if encoding == "latin-1":
        words = "\n".join(words).encode("latin-1")  # the original bytes of every word
    if bad:
        if encoding == "latin-1":
            words = words.split(b"\n")
        return _recover(src, layout, bad, words, matrix, on_bad_line, skipped, lines)
    return _Rows(words, matrix, skipped, lines)


def _recover(src, layout, bad, words, matrix, on_bad_line, skipped, lines) -> _Rows:
    """Parse the lines pandas skipped (too many fields: words with spaces) and put them back."""
    offset = 1 if layout.header else 0
    wanted = set(bad)
    got = {}
    with src.open() as (stream, _):
        stream.read(layout.skip_bytes)
        for lineno, raw in enumerate(stream, start=1):
            if lineno in wanted:
                row = _parse_line(raw, layout.dim, lineno + offset, src.label, on_bad_line, skipped)
                if row is not None:
                    got[lineno] = (
                        row
                        if not words or isinstance(words[0], bytes)
                        else (_decode_words([row[0]], skipped)[0][0], row[1])
                    )
                if lineno >= max(wanted):
                    break
    order = sorted(bad)
    keep = [ln for ln in order if ln in got]
    # pandas rows before line L = (L - 1) - (skipped lines before L); no blank lines here.
    at = [ln - 1 - order.index(ln) for ln in keep]
    if keep:
        matrix = np.insert(matrix, at, np.vstack([got[ln][1] for ln in keep]), axis=0)
        for pos, ln in sorted(zip(at, keep, strict=True), reverse=True):
            words.insert(pos, got[ln][0])
    return _Rows(words, matrix, skipped, lines)


def _decode_word(raw: bytes) -> str:
    """UTF-8, else cp1252 (the ``–’—“”`` of copies saved on Windows), else latin-1 (which maps
    every byte, so two different byte strings never become the same word)."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")


def _decode_words(words: list[bytes] | bytes, skipped: Counter) -> tuple[list[str], set[int]]:
    """Words as str from their bytes (a list, or one blob joined by newlines; str lists pass
    through), and the indices of those that were not UTF-8 (decoded by :func:`_decode_word`,
    counted)."""
    if not words:
        return [], set()
    if isinstance(words, list) and isinstance(words[0], str):
        return words, set()  # decoded as UTF-8 by pandas already
    blob = words if isinstance(words, bytes) else b"\n".join(words)
    try:
        return blob.decode("utf-8").split("\n"), set()
    except UnicodeDecodeError:
        pass
    out, changed = [], set()
    for i, w in enumerate(blob.split(b"\n")):
        try:
            out.append(w.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(_decode_word(w))
            changed.add(i)
    skipped["non_utf8_word"] += len(changed)
    return out, changed


def _fix_mojibake(words: list[str], changed: set[int], skipped: Counter) -> list[str]:
    """Repair mojibake (UTF-8 read as cp1252 and saved again: ``â€“``) with ftfy; counted."""
    try:
        import ftfy
    except ImportError:  # pragma: no cover - ftfy is a requirement
        raise ValueError("fix_mojibake=True needs the ftfy package: pip install ftfy") from None
    out = list(words)
    for i, word in enumerate(words):
        if not word.isascii():
            fixed = ftfy.fix_encoding(word)
            if fixed != word:
                out[i] = fixed
                changed.add(i)
                skipped["mojibake_fixed"] += 1
    return out


def _dedupe(words: list[str], matrix: np.ndarray, skipped: Counter, changed=frozenset()):
    """Keep the first row of every word (GloVe order is frequency order).

    A duplicate that exists only because of decoding (cp1252 bytes that read as a UTF-8 word of
    the file, a repaired mojibake) is counted apart and named in the returned notes.
    """
    if len(set(words)) == len(words):
        return words, matrix, []
    first: dict[str, int] = {}
    keep, decoded = [], []
    for i, w in enumerate(words):
        j = first.setdefault(w, i)
        if j == i:
            keep.append(i)
        elif i in changed or j in changed:
            decoded.append((w, j, i))
    skipped["duplicate_word"] += len(words) - len(keep) - len(decoded)
    skipped["decoded_duplicate"] += len(decoded)
    notes = []
    if decoded:
        named = ", ".join(f"{w!r} (rows {j + 1:,} and {i + 1:,})" for w, j, i in decoded[:10])
        more = f" and {len(decoded) - 10:,} more" if len(decoded) > 10 else ""
        notes.append(
            f"{len(decoded):,} words became equal to an earlier word once decoded and were "
            f"dropped (the earlier row kept): {named}{more}"
        )
    return [words[i] for i in keep], matrix[keep], notes


def _monotone(progress: Progress | None) -> Progress | None:
    """A second pass (latin-1 retry, robust fallback) must not move the user's bar backwards."""
    if progress is None:
        return None
    best = [-1.0]

    def report(fraction: float) -> None:
        if fraction > best[0]:
            best[0] = fraction
            progress(fraction)

    return report


def _parse(
    src: _Source, fmt: str, on_bad_line: str, max_words, dim, progress, fix_mojibake=False
) -> Vectors:
    """Read and parse one vectors file (no cache)."""
    with src.open() as (stream, _):
        head = stream.read(_HEAD_BYTES)
        complete = not stream.read(1)
    layout = _sniff(head, complete, fmt, src.label, dim)
    progress = _monotone(progress)
    rows = _parse_fast(src, layout, on_bad_line, max_words, progress)
    if rows is None:
        rows = _parse_robust(src, layout, on_bad_line, max_words, progress)
    if progress is not None:
        progress(1.0)
    skipped = rows.skipped
    words, changed = _decode_words(rows.words, skipped)
    if fix_mojibake:
        words = _fix_mojibake(words, changed, skipped)
    words, matrix, decoded = _dedupe(words, rows.matrix, skipped, changed)
    if not words:
        raise ValueError(f"{src.label}: no usable vector rows (skipped: {dict(skipped)})")
    notes = [f"read member {src.member} of the zip"] if src.member else []
    notes += decoded
    if layout.header and max_words is None and layout.header[0] != rows.matrix.shape[0]:
        notes.append(
            f"the header announced {layout.header[0]:,} rows, the file has {rows.matrix.shape[0]:,}"
        )
    if max_words is not None:
        notes.append(f"read the first {max_words:,} rows only (max_words)")
    return Vectors(
        words,
        np.ascontiguousarray(matrix, dtype=np.float32),
        source=str(src.path),
        fmt=layout.fmt,
        skipped={k: int(v) for k, v in skipped.items() if v},
        notes=notes,
    )


def load_vectors(
    path: str | os.PathLike,
    max_words: int | None = None,
    fmt: str = "auto",
    cache: bool = True,
    *,
    cache_dir: str | os.PathLike | None = None,
    on_bad_line: str = "error",
    member: str | None = None,
    dim: int | None = None,
    progress: Progress | None = None,
    fix_mojibake: bool = False,
) -> Vectors:
    """Load word vectors from a GloVe or word2vec/fastText text file (.txt, .vec, .gz or .zip).

    Args:
        path: the file. A ``.zip`` may hold several files: choose with ``member`` or ``dim``.
        max_words: read only the first N rows (GloVe files are in frequency order). Rows skipped
            among them (blank, bad, duplicate) are counted, not replaced.
        fmt: "auto" (a first line ``N D`` is a word2vec header), "glove" (never a header),
            "word2vec" / "fasttext" (header required).
        cache: keep the parsed rows in the cache directory and reuse them while the file's
            size and modification time are unchanged.
        cache_dir: where the cache lives (default ``default_cache_dir()``).
        on_bad_line: "error" raises ``ValueError`` naming the line; "skip" skips it and counts
            it in ``Vectors.skipped``.
        member: name of the zip member to read.
        dim: expected dimension; also picks the zip member (``glove.6B.100d.txt`` for 100).
        progress: called with a fraction in [0, 1] while the file is read.
        fix_mojibake: repair words garbled by a wrong decoding somewhere upstream (``â€“`` ->
            ``–``) with ftfy; counted in ``skipped["mojibake_fixed"]``.

    Words that are not valid UTF-8 are decoded as cp1252, else latin-1, so distinct byte strings
    stay distinct words. A word that decoding makes equal to an earlier one is dropped, counted
    (``skipped["decoded_duplicate"]``) and named in ``notes``; never silently.

    Returns:
        ``Vectors``; ``.skipped``/``.notes``/``.report()`` tell what was skipped or altered and
        ``.from_cache`` whether the cache answered.

    Example:
        >>> v = load_vectors("glove.6B.zip", dim=50, max_words=50_000)  # doctest: +SKIP
        >>> v.vector("the").shape  # doctest: +SKIP
        (50,)
    """
    if fmt == "fasttext":
        fmt = "word2vec"
    if fmt not in ("auto", "glove", "word2vec"):
        raise ValueError(f"fmt must be 'auto', 'glove', 'word2vec' or 'fasttext', got {fmt!r}")
    if on_bad_line not in ("error", "skip"):
        raise ValueError(f"on_bad_line must be 'error' or 'skip', got {on_bad_line!r}")
    if max_words is not None and (not isinstance(max_words, int) or max_words < 1):
        raise ValueError(f"max_words must be a positive integer or None, got {max_words!r}")
    path = Path(path).expanduser().resolve()
    src = _resolve_source(path, member, dim)
    try:
        if not cache:
            return _parse(src, fmt, on_bad_line, max_words, dim, progress, fix_mojibake)
        params = {"fmt": fmt, "max_words": max_words, "member": src.member, "dim": dim}
        params["on_bad_line"] = on_bad_line
        if fix_mojibake:
            params["fix_mojibake"] = True
        entry = _CacheEntry(Path(cache_dir) if cache_dir else default_cache_dir(), path, params)
        hit = entry.load()
        if hit is not None:
            if progress is not None:
                progress(1.0)
            return hit
        vectors = _parse(src, fmt, on_bad_line, max_words, dim, progress, fix_mojibake)
        entry.save(vectors)
        return vectors
    except (EOFError, zlib.error, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
        raise ValueError(f"{src.label} is a damaged or truncated {src.kind} file ({exc})") from None


# --------------------------------------------------------------------------- cache


class _CacheEntry:
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


# --------------------------------------------------------------------------- download


class DownloadError(ValueError):
    """A GloVe download failed (offline, HTTP error, damaged archive); the message says what to do."""


class DownloadStopped(DownloadError):
    """``download_glove`` was stopped through its ``stop_event``; the next call resumes."""


# One download per archive at a time in this process: two sessions asking for the same file
# would otherwise append to the same .part file. The second waits, then finds the file there.
_DOWNLOAD_LOCKS: dict[Path, threading.Lock] = {}
_DOWNLOAD_LOCKS_GUARD = threading.Lock()


def _download_lock(path: Path) -> threading.Lock:
    with _DOWNLOAD_LOCKS_GUARD:
        return _DOWNLOAD_LOCKS.setdefault(path.resolve(), threading.Lock())


def _glove_url(name: str, base_url: str | None) -> str:
    base = base_url or os.environ.get("PE_LAB_GLOVE_URL") or DEFAULT_GLOVE_URL
    return base.rstrip("/") + f"/glove.{name}.zip"


def _fetch(url: str, part: Path, timeout: float, progress, stop_event=None) -> None:
    """Append the rest of ``url`` to ``part`` (HTTP Range from its current size)."""
    done = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "pe-lab"})
    if done:
        request.add_header("Range", f"bytes={done}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and done:
            return  # nothing left to send: the part file is complete
        raise
    with response:
        if done and response.status != 206:
            done = 0  # the server ignored the Range header: start again
        length = response.headers.get("Content-Length")
        total = done + int(length) if length is not None else None
        with open(part, "ab" if done else "wb") as out:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
                if stop_event is not None and stop_event.is_set():
                    raise DownloadStopped(
                        f"download of {url} stopped after {done:,} bytes; they are kept in "
                        f"{part} and the next download resumes from there"
                    )
    if total is not None and done < total:
        raise ConnectionError(f"connection closed after {done:,} of {total:,} bytes")


def _download(url: str, target: Path, timeout: float, retries: int, progress, stop_event) -> None:
    """Download ``url`` to ``target`` through ``target.part``, resuming after interruptions."""
    part = target.with_name(target.name + ".part")
    for attempt in range(retries + 1):
        try:
            _fetch(url, part, timeout, progress, stop_event)
            break
        except urllib.error.HTTPError as exc:
            raise DownloadError(_offline_hint(url, f"HTTP {exc.code} {exc.reason}")) from None
        except (OSError, http.client.HTTPException) as exc:
            if is_disk_full(exc):  # not a network problem: a retry would fail the same way
                raise DownloadError(
                    f"{disk_full_message(part.parent)}. The {part.stat().st_size:,} bytes "
                    f"downloaded so far are kept in {part.name}; the next download resumes there."
                ) from None
            # URLError, timeouts and resets are OSErrors; a short body is IncompleteRead or
            # our ConnectionError. Retry: the next request resumes from the .part size.
            if attempt == retries:
                reason = getattr(exc, "reason", None) or repr(exc)
                raise DownloadError(_offline_hint(url, str(reason))) from None
    if not zipfile.is_zipfile(part):
        part.unlink(missing_ok=True)
        raise DownloadError(_offline_hint(url, "the downloaded file is not a zip archive"))
    os.replace(part, target)


def _offline_hint(url: str, reason: str) -> str:
    return (
        f"could not download {url}: {reason}. To work offline, get the GloVe zip or text file "
        "another way and load it with load_vectors('/path/to/glove.6B.50d.txt') (or the .zip "
        "with dim=50); set PE_LAB_GLOVE_URL or base_url= to use a mirror."
    )


def download_glove(
    name: str = "6B",
    dim: int = 50,
    cache_dir: str | os.PathLike | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    base_url: str | None = None,
    *,
    timeout: float = 30.0,
    retries: int = 3,
    keep_zip: bool = True,
    stop_event: threading.Event | None = None,
) -> Path:
    """Download Stanford GloVe ``glove.<name>.zip``, extract ``glove.<name>.<dim>d.txt``, cache it.

    The zip is streamed to ``<cache>/glove/glove.<name>.zip.part`` and an interrupted transfer
    resumes with an HTTP Range request (also on the next call). Only the wanted member is
    extracted; its rows are then parsed into the vectors cache, so ``load_vectors(path)`` on the
    returned path is fast.

    Args:
        name: "6B", "42B", "840B", "twitter.27B", ...
        dim: the dimension whose member to extract (6B: 50, 100, 200, 300).
        cache_dir: default ``default_cache_dir()``.
        progress: called as ``progress(bytes_done, total_bytes_or_None)`` while downloading.
        base_url: default env ``PE_LAB_GLOVE_URL``, else ``https://nlp.stanford.edu/data/``.
        timeout: seconds to wait on the network before giving up on one request.
        retries: how many times an interrupted transfer is resumed within this call.
        keep_zip: keep the zip after extraction (other dimensions then need no download).
        stop_event: when set, the transfer stops after the current chunk and raises
            ``DownloadStopped``; the bytes so far are kept for the next call to resume.

    Returns:
        Path of the extracted text file.

    Raises:
        DownloadError (a ``ValueError``): offline, HTTP error or damaged zip; the message says
        how to use a local file instead. ``DownloadStopped`` (a ``DownloadError``) when stopped.

    Calls for the same archive in one process run one after the other (the second then finds
    the file), never into the same partial file at once.
    """
    root = (Path(cache_dir) if cache_dir else default_cache_dir()) / "glove"
    root.mkdir(parents=True, exist_ok=True)
    member = f"glove.{name}.{dim}d.txt"
    text = root / member
    archive = root / f"glove.{name}.zip"
    with _download_lock(archive):
        if not text.exists():
            if not archive.exists():
                url = _glove_url(name, base_url)
                _download(url, archive, timeout, retries, progress, stop_event)
            with zipfile.ZipFile(archive) as zf:
                if member not in zf.namelist():
                    raise DownloadError(
                        f"{archive} has no member {member}; members: {zf.namelist()}"
                    )
                with zf.open(member) as src:
                    try:
                        atomic_write(text, lambda f: shutil.copyfileobj(src, f, _CHUNK))
                    except CacheFullError as exc:  # nothing half-written is left behind
                        raise DownloadError(f"extracting {member} failed: {exc.strerror}") from None
            if not keep_zip:
                archive.unlink(missing_ok=True)
    load_vectors(text, cache_dir=cache_dir)
    return text
