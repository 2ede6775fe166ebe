"""``load_vectors``: open, sniff, parse, decode and cache one vectors file."""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from pe_core.vectors.container import Progress, Vectors, default_cache_dir
from pe_core.vectors.decode import decode_words, dedupe, repair_mojibake
from pe_core.vectors.parse import parse_fast, parse_robust
from pe_core.vectors.sniff import HEAD_BYTES, sniff
from pe_core.vectors.source import Source, resolve_source
from pe_core.vectors.store import CacheEntry


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


def parse_file(
    src: Source, fmt: str, on_bad_line: str, max_words, dim, progress, fix_mojibake=False
) -> Vectors:
    """Read and parse one vectors file (no cache)."""
    with src.open() as (stream, _):
        head = stream.read(HEAD_BYTES)
        complete = not stream.read(1)
    layout = sniff(head, complete, fmt, src.label, dim)
    progress = _monotone(progress)
    rows = parse_fast(src, layout, on_bad_line, max_words, progress)
    if rows is None:
        rows = parse_robust(src, layout, on_bad_line, max_words, progress)
    if progress is not None:
        progress(1.0)
    skipped = rows.skipped
    words, changed = decode_words(rows.words, skipped)
    if fix_mojibake:
        words = repair_mojibake(words, changed, skipped)
    words, matrix, decoded = dedupe(words, rows.matrix, skipped, changed)
    if not words:
        raise ValueError(f"{src.label}: no usable vector rows (skipped: {dict(skipped)})")
    notes = [f"read member {src.member} of the zip"] if src.member else []
    notes += decoded
    if layout.header and max_words is None and layout.header[0] != rows.matrix.shape[0]:
        notes.append(
            f"the header announced {layout.header[0]:,} rows, the file has {rows.matrix.shape[0]:,}"
        )
    if max_words is not None and rows.matrix.shape[0] >= max_words:  # (a shorter file: all)
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
    src = resolve_source(path, member, dim)
    try:
        if not cache:
            return parse_file(src, fmt, on_bad_line, max_words, dim, progress, fix_mojibake)
        params = {"fmt": fmt, "max_words": max_words, "member": src.member, "dim": dim}
        params["on_bad_line"] = on_bad_line
        if fix_mojibake:
            params["fix_mojibake"] = True
        entry = CacheEntry(Path(cache_dir) if cache_dir else default_cache_dir(), path, params)
        hit = entry.load()
        if hit is not None:
            if progress is not None:
                progress(1.0)
            return hit
        vectors = parse_file(src, fmt, on_bad_line, max_words, dim, progress, fix_mojibake)
        entry.save(vectors)
        return vectors
    except (EOFError, zlib.error, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
        raise ValueError(f"{src.label} is a damaged or truncated {src.kind} file ({exc})") from None
