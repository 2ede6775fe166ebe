"""Sniffing a vectors file's first lines: GloVe or word2vec (header ``N D``), dimension, BOM,
trailing spaces; refusing what is not vectors text with a message naming the file."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pe_core.filetypes import binary_kind

HEAD_BYTES = 1 << 18
_SAMPLE_LINES = 200


@dataclass
class Layout:
    fmt: str  # "glove" | "word2vec"
    dim: int
    header: tuple[int, int] | None
    skip_bytes: int  # BOM + header line, consumed before the rows
    trailing_space: bool


def _looks_binary(head: bytes) -> bool:
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
    return b"\x00" in head or controls > len(head) // 100


def sniff(head: bytes, complete: bool, fmt: str, label: str, dim: int | None) -> Layout:
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
    return Layout("word2vec" if header else "glove", found, header, skip, trailing)
