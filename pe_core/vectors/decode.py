"""Words from bytes: UTF-8, else cp1252, else latin-1 (distinct bytes stay distinct words),
optional mojibake repair with ftfy, and duplicates dropped with a count and their names."""

from __future__ import annotations

from collections import Counter

import numpy as np


def _decode_word(raw: bytes) -> str:
    """UTF-8, else cp1252 (the ``–’—“”`` of copies saved on Windows), else latin-1 (which maps
    every byte, so two different byte strings never become the same word)."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")


def decode_words(words: list[bytes] | bytes, skipped: Counter) -> tuple[list[str], set[int]]:
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


def repair_mojibake(words: list[str], changed: set[int], skipped: Counter) -> list[str]:
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


def dedupe(words: list[str], matrix: np.ndarray, skipped: Counter, changed=frozenset()):
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
