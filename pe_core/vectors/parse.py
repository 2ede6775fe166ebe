"""Parsing the rows: pandas' C parser for the common case, a line-by-line parser that names the
offending line for everything else."""

from __future__ import annotations

import csv
import re
import warnings
from collections import Counter

import numpy as np

from pe_core.vectors.decode import decode_words
from pe_core.vectors.sniff import Layout
from pe_core.vectors.source import CHUNK, Source


class Rows:
    """Parsed rows before decoding: words as str (fast path) or bytes, and the matrix."""

    def __init__(self, words: list, matrix: np.ndarray, skipped: Counter, lines: int):
        self.words, self.matrix, self.skipped, self.lines = words, matrix, skipped, lines


def is_number(token: bytes | str) -> bool:
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
        if extra and all(is_number(t) for t in extra):
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


def parse_robust(src: Source, layout: Layout, on_bad_line: str, max_words, progress) -> Rows:
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
    return Rows(words, matrix, skipped, counter.newlines)


def _line_limit(layout: Layout, max_words: int | None) -> int | None:
    if max_words is None:
        return None
    return max_words + (1 if layout.header else 0)


class _NotUtf8(Exception):
    pass


def _read_pandas(stream, layout: Layout, encoding: str):
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


def _frame_rows(frame, layout: Layout):
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


def parse_fast(src: Source, layout: Layout, on_bad_line: str, max_words, progress):
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
            while counter.read(CHUNK):
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
    return Rows(words, matrix, skipped, lines)


def _recover(src, layout, bad, words, matrix, on_bad_line, skipped, lines) -> Rows:
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
                        else (decode_words([row[0]], skipped)[0][0], row[1])
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
    return Rows(words, matrix, skipped, lines)
