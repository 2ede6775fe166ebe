"""Pretrained word vectors: the ``Vectors`` container, fast text loaders, a cache and a downloader.

``load_vectors`` reads GloVe text (``word v1 .. vD``, no header) and word2vec / fastText text
(a first line ``N D``), plain, ``.gz`` or inside a ``.zip``. The common case goes through pandas'
C parser (no Python float per value); anything the fast path is unsure about is handed to a
line-by-line parser that names the offending line. A parsed file is cached as ``.npy`` + word
list under ``default_cache_dir()`` so the second load is a memory map.

The package, in the order a file goes through it: ``source`` (open plain / gzip / zip, count
bytes and lines), ``sniff`` (format, dimension, header), ``parse`` (rows), ``decode`` (words from
bytes, duplicates), ``store`` (the parsed-vectors cache), ``load`` (``load_vectors``, which ties
them together), ``download`` (``download_glove``); ``container`` holds ``Vectors``.
"""

from pe_core.vectors.container import REASONS, Progress, Vectors, default_cache_dir
from pe_core.vectors.download import (
    DEFAULT_GLOVE_URL,
    GLOVE_RELEASES,
    DownloadError,
    DownloadStopped,
    download_glove,
)
from pe_core.vectors.load import load_vectors
from pe_core.vectors.store import CACHE_VERSION

__all__ = [
    "CACHE_VERSION",
    "DEFAULT_GLOVE_URL",
    "GLOVE_RELEASES",
    "REASONS",
    "DownloadError",
    "DownloadStopped",
    "Progress",
    "Vectors",
    "default_cache_dir",
    "download_glove",
    "load_vectors",
]
