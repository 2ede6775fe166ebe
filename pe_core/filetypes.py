"""Naming a file by its first bytes, so a refusal can say what the file really is.

A photo renamed ``.txt`` should be refused as "a PNG image", not with advice about converting
binary word2vec files.
"""

from __future__ import annotations

import re

# (magic bytes at offset 0, what the file is)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (.xls / .doc)"),
    (b"PK\x03\x04", "a zip archive, e.g. an .xlsx spreadsheet"),
    (b"\x1f\x8b", "gzip data"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"\x80\x04", "a Python pickle"),
    (b"\x93NUMPY", "a NumPy .npy array"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

# A binary word2vec file starts with an ASCII "count dim" line, then raw float32 rows.
_WORD2VEC_HEADER = re.compile(rb"^\d+ \d+\r?\n")


def binary_kind(head: bytes) -> str:
    """What a non-text file most likely is, from its first bytes ("binary data" if unknown)."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if _WORD2VEC_HEADER.match(head):
        return "binary word2vec data (a .bin file)"
    return "binary data"
