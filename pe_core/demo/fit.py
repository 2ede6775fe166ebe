"""The demo vectors: fitted from a generated background corpus, shipped, cached.

The background grammar (``grammar.json``) writes sentences from frames, one letter per slot:
T topic noun (the sentence's topic), S sentiment word (the sentence's polarity; an adjective when
the sentence is neutral), A adjective, V verb, C colour, N number, M time, G place name,
P pronoun, D determiner, R preposition, X auxiliary, K connective, Z punctuation. Each group sits
next to its own mix of other groups, and most groups also co-occur with themselves (two topic
nouns, "good and great", "three or four"): that is what makes the words of a group each other's
neighbours after the fit.
"""

from __future__ import annotations

import contextlib
import functools
import zipfile
from pathlib import Path

import numpy as np

from pe_core.cache import DiskEntry, atomic_write, cache_dir, key_digest
from pe_core.demo.recipe import GRAMMAR, WORD_GROUPS, demo_word_groups
from pe_core.vectors import Vectors

_TOPICS: list[str] = GRAMMAR["topics"]
_FRAMES: list[str] = GRAMMAR["frames"]
_SLOT_GROUP: dict[str, str] = GRAMMAR["slot_groups"]

# Any change to the groups, the grammar or these settings changes the cache key below.
_FIT = {
    "version": 2,  # bump on any change to the fitting code: it is not part of the key
    "seed": 0,
    "sentences": 150_000,
    "window": 4,
    "zipf": 0.5,
    "context_alpha": 0.75,
    "dim": 50,
    "svd_iter": 4,
    "mean_norm": 4.7,  # mean row norm of real GloVe 6B 50d (measured on an 8k-word sample)
}


def _sampling_table(groups: dict[str, list[str]]) -> np.ndarray:
    """Cumulative word probabilities, group g occupying (g, g+1]: one searchsorted samples any group."""
    parts = []
    for g, words in enumerate(groups.values()):
        # Zipf-like within a group (earlier words are commoner), as in real text.
        weights = 1.0 / (np.arange(len(words)) + 2.0) ** _FIT["zipf"]
        cdf = np.cumsum(weights) / weights.sum()
        cdf[-1] = 1.0
        parts.append(g + cdf)
    return np.concatenate(parts)


def _corpus_frames(rng: np.random.Generator, groups: dict[str, list[str]]):
    """Yield the background corpus frame by frame: int arrays (sentences, slots) of word ids."""
    gid = {name: i for i, name in enumerate(groups)}
    table = _sampling_table(groups)
    topics = np.array([gid[t] for t in _TOPICS])
    # Topics are drawn in proportion to their size, so every word gets a similar number of uses.
    topic_p = np.array([len(groups[t]) for t in _TOPICS], dtype=float)
    topic_p /= topic_p.sum()
    polarity_gid = np.array([gid["positive"], gid["negative"], gid["adjectives"]])
    frame_of = rng.integers(0, len(_FRAMES), _FIT["sentences"])
    for f, frame in enumerate(_FRAMES):
        n = int(np.count_nonzero(frame_of == f))
        topic = topics[rng.choice(len(topics), n, p=topic_p)]
        sentiment = polarity_gid[rng.choice(3, n, p=[0.3, 0.3, 0.4])]
        columns = []
        for slot in frame:
            if slot == "T":
                group = topic
            elif slot == "S":
                group = sentiment
            else:
                group = np.full(n, gid[_SLOT_GROUP[slot]])
            columns.append(np.searchsorted(table, group + rng.random(n), side="right"))
        yield np.stack(columns, axis=1)


def _cooccurrence(groups: dict[str, list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric window co-occurrence counts (weight 1/distance, as GloVe) and word counts."""
    size = sum(len(w) for w in groups.values())
    rng = np.random.default_rng(_FIT["seed"])
    keys, weights, counts = [], [], np.zeros(size)
    for ids in _corpus_frames(rng, groups):
        counts += np.bincount(ids.ravel(), minlength=size)
        for d in range(1, min(_FIT["window"], ids.shape[1] - 1) + 1):
            keys.append((ids[:, :-d] * size + ids[:, d:]).ravel())
            weights.append(np.full(keys[-1].size, 1.0 / d))
    flat = np.bincount(np.concatenate(keys), np.concatenate(weights), minlength=size * size)
    pairs = flat.reshape(size, size)
    return pairs + pairs.T, counts


def _ppmi(pairs: np.ndarray) -> np.ndarray:
    """Positive PMI with context-distribution smoothing (Levy, Goldberg & Dagan 2015)."""
    total = pairs.sum()
    rows = pairs.sum(axis=1)
    context = rows ** _FIT["context_alpha"]
    context /= context.sum()
    with np.errstate(divide="ignore"):
        pmi = np.log(pairs / total) - np.log(rows / total)[:, None] - np.log(context)[None, :]
    return np.maximum(pmi, 0.0).astype(np.float32)


def _truncated_svd(a: np.ndarray, k: int, n_iter: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k left singular vectors and values by randomized subspace iteration (Halko et al.).

    Plain numpy (scikit-learn's randomized_svd does the same but costs seconds to import). Each
    vector's sign is fixed (largest entry positive) so the result does not depend on LAPACK's.
    """
    rng = np.random.default_rng(seed)
    q = np.linalg.qr(a @ rng.standard_normal((a.shape[1], k + 10)).astype(a.dtype))[0]
    for _ in range(n_iter):
        q = np.linalg.qr(a.T @ q)[0]
        q = np.linalg.qr(a @ q)[0]
    u_small, s, _ = np.linalg.svd(q.T @ a, full_matrices=False)
    u = (q @ u_small)[:, :k]
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(k)])
    return u * signs, s[:k]


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _build_demo_vectors() -> tuple[list[str], np.ndarray]:
    """Fit the demo vectors from scratch: corpus -> counts -> PPMI -> truncated SVD -> scaling."""
    groups = demo_word_groups()
    words = [w for ws in groups.values() for w in ws]
    pairs, counts = _cooccurrence(groups)
    # One BLAS thread: these small products gain nothing from more, a busy machine made two
    # threads spin 20x slower (measured), and a fixed thread count keeps the bits reproducible.
    with _one_blas_thread():
        u, s = _truncated_svd(_ppmi(pairs), _FIT["dim"], _FIT["svd_iter"], _FIT["seed"])
    matrix = u * np.sqrt(s)  # symmetric split of the singular values, as in Levy et al.
    matrix *= _FIT["mean_norm"] / np.linalg.norm(matrix, axis=1).mean()
    # Rows in frequency order like a GloVe file, so max_words-style truncation keeps common words.
    order = np.argsort(-counts, kind="stable")
    return [words[i] for i in order], np.ascontiguousarray(matrix[order], dtype=np.float32)


def _cache_key() -> str:
    return key_digest(_FIT, WORD_GROUPS, GRAMMAR, length=16)


def _cache_entry() -> DiskEntry:
    """The user-cache entry of this recipe's fit (``$PE_LAB_CACHE/demo``, read when used)."""
    return DiskEntry(cache_dir() / "demo", f"demo_vectors-{_cache_key()}", (".npy", ".words"))


def _read_cache() -> tuple[list[str], np.ndarray] | None:
    """The cached fit, or None when absent or damaged (it is then rebuilt and rewritten)."""
    entry = _cache_entry()
    if entry.read() is None:
        return None
    try:
        words = entry.path(".words").read_text(encoding="utf-8").split("\n")
        matrix = np.load(entry.path(".npy"), allow_pickle=False)
    except (OSError, ValueError):
        return None
    fit = _check_fit(words, matrix)
    if fit is None:
        entry.invalidate("not a fit of this recipe")
    return fit


def _write_cache(words: list[str], matrix: np.ndarray) -> None:
    parts = {
        ".words": "\n".join(words).encode("utf-8"),
        ".npy": lambda f: np.save(f, matrix, allow_pickle=False),
    }
    try:
        _cache_entry().write(parts, {"key": _cache_key()})
    except OSError:
        pass  # a read-only or full disk only costs a rebuild next time; the vectors are fine


#: The fit, shipped with the package so that a fresh install (and the app's first page) never
#: waits for it. ``python -m pe_core.demo`` rewrites it; a test checks it equals a fresh fit.
SHIPPED_VECTORS = Path(__file__).with_name("demo_vectors.npz")


def _check_fit(words: list[str], matrix: np.ndarray) -> tuple[list[str], np.ndarray] | None:
    if matrix.dtype != np.float32 or matrix.shape != (len(words), _FIT["dim"]):
        return None
    return words, matrix


def _read_shipped() -> tuple[list[str], np.ndarray] | None:
    """The shipped fit, or None when it is missing, damaged or fitted from another recipe."""
    try:
        with np.load(SHIPPED_VECTORS, allow_pickle=False) as z:
            if str(z["key"]) != _cache_key():
                return None
            words, matrix = [str(w) for w in z["words"]], z["matrix"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    return _check_fit(words, matrix)


def write_shipped_vectors(path: Path | None = None) -> Path:
    """Fit the demo vectors from scratch and write them as the shipped file (or to ``path``)."""
    words, matrix = _build_demo_vectors()
    path = Path(path) if path is not None else SHIPPED_VECTORS
    atomic_write(
        path,
        lambda f: np.savez_compressed(
            f, key=np.array(_cache_key()), words=np.array(words), matrix=matrix
        ),
    )
    return path


@functools.lru_cache(maxsize=1)
def _demo_vectors_cached() -> tuple[tuple[str, ...], np.ndarray]:
    # Shipped file first; the user cache and a fresh fit only serve an edited recipe.
    cached = _read_shipped() or _read_cache()
    if cached is None:
        cached = _build_demo_vectors()
        _write_cache(*cached)
    words, matrix = cached
    matrix.setflags(write=False)  # shared by every caller; each gets its own copy below
    return tuple(words), matrix


def demo_vectors() -> Vectors:
    """The project's own 50-d demo word vectors (~2,100 words): **not GloVe**.

    Fitted from a generated background corpus (window co-occurrence -> PPMI -> truncated SVD,
    rows scaled to GloVe 6B 50d's mean norm 4.7), deterministically. The fit ships with the
    package (``SHIPPED_VECTORS``, rebuilt by ``python -m pe_core.demo``), so this only reads a
    small file; if the recipe below was edited since, it refits (about a second) and caches the
    result under ``$PE_LAB_CACHE/demo`` (default ``~/.cache/pe_lab``). Cached in memory too.
    Words come in frequency order, like a GloVe file. The words of each group of
    ``demo_word_groups()`` are each other's nearest neighbours. Special tokens (<smile>, ...),
    emoji and the brands in ``DEMO_BRANDS`` are deliberately absent (out of vocabulary).

    Every call returns a new ``Vectors`` with its own copy of the matrix.
    """
    words, matrix = _demo_vectors_cached()
    return Vectors(words=list(words), matrix=matrix.copy(), source="demo", fmt="demo")
