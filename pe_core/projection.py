"""2-D maps with a fixed reference: PCA, t-SNE (openTSNE) and UMAP.

A :class:`Projector` is fitted once on the *reference* (a few thousand pretrained word
vectors) and then places moving points (the trainable tokens, snapshot after snapshot)
without ever moving the reference: ``embedding_`` is computed once and never written again.

* PCA is an exact linear map, so a copy of a reference word lands exactly on that word.
* t-SNE lays the reference out once with openTSNE (Barnes-Hut or FFT gradients); UMAP with
  umap-learn ``fit`` (optional dependency).
* On both, moving points are placed by ``pe_core.placement.AffinityPlacement`` (the default,
  ``placement="affinity"``): the affinity-weighted mean of their nearest words' positions,
  calibrated like the map itself, then a few bounded mean-shift steps. It is exact on a copy
  of a word and deterministic. A run's snapshots (``transform_sequence``) are placed coherently
  in time: a token keeps its group of words until its vector leaves it and its drawn steps are
  bounded by its vector's steps, so trails are smooth rather than zig-zags between clusters. The libraries' own out-of-sample
  optimisers stay available as ``placement="opentsne"`` (with warm start from the previous
  frame) and ``placement="umap"``: they are the anchors of ``bench/bench_projection.py``.

A row with no direction (zero or near-zero) is not anywhere on a cosine map:
:func:`project_trajectory` gives it NaN coordinates ("not trained yet"), and attaches to every
placed point its true nearest words with cosines and how many of its map neighbours are true
neighbours (``pe_core.faithfulness``), so every point can be checked.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pe_core.cache import atomic_write, cache_dir
from pe_core.checks import is_int
from pe_core.choices import METRICS
from pe_core.neighbours import NeighbourIndex, normalise_rows

METHODS = ("pca", "tsne", "umap")
MAX_REFERENCE = 20_000

# How tokens are placed on a t-SNE or UMAP map (pe_core.placement), the same for both.
_PLACEMENT_DEFAULTS: dict = {
    "placement": "affinity",
    "shift_bandwidth": 2.0,
    "shift_iter": 20,
    "keep_mode": 0.4,
    "step_scale": 1.5,
    "step_floor": 0.5,
}

# Defaults per method; these are also the only parameters each method accepts.
DEFAULT_PARAMS: dict[str, dict] = {
    "pca": {"sphereize": False},
    "tsne": {
        "perplexity": 30.0,
        "metric": "cosine",
        "n_iter": 500,
        "early_exaggeration_iter": 250,
        "learning_rate": "auto",
        # openTSNE's "auto": Barnes-Hut below 10,000 points, FFT above. Measured on 2,000 GloVe
        # words: BH 5.2 s vs FFT 16.9 s (this openTSNE build has no FFTW; numpy FFT fallback).
        "negative_gradient_method": "auto",
        # One thread: on a shared 2-core machine openTSNE's 2-thread fit measured 2.3x slower
        # (bench/RESULTS.md, "projection"); pass n_jobs=2 on an idle machine.
        "n_jobs": 1,
        "clamp": True,
        "transform_perplexity": 5.0,
        "transform_n_iter": 250,
        "warm_n_iter": 75,
        "transform_learning_rate": 0.1,
        **_PLACEMENT_DEFAULTS,
    },
    "umap": {
        "n_neighbors": 15,
        "min_dist": 0.1,
        "metric": "cosine",
        "n_epochs": None,
        "clamp": True,
        **_PLACEMENT_DEFAULTS,
    },
}
# Parameters that change how points are placed but not the reference layout (not in cache key).
_PLACEMENT_ONLY = {"clamp", "transform_perplexity", "transform_n_iter", "warm_n_iter"}
_PLACEMENT_ONLY |= {"transform_learning_rate", "placement", "shift_bandwidth", "shift_iter"}
_PLACEMENT_ONLY |= {"keep_mode", "step_scale", "step_floor"}
#: Placement choices per method: ours first (the default), then the library's own.
PLACEMENTS = {"tsne": ("affinity", "opentsne"), "umap": ("affinity", "umap")}

Progress = Callable[[float, str], None]


def _check_number(name, value, low, *, integer=False, allow=()):
    if value in allow:
        return
    kind = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kind) or not value >= low:
        what = "an integer" if integer else "a number"
        extra = f" or one of {list(allow)}" if allow else ""
        raise ValueError(f"{name} must be {what} >= {low}{extra}; got {value!r}")


def validate_params(method: str, params: dict) -> dict:
    """All argument checks that do not depend on the data; returns defaults merged with params."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    allowed = DEFAULT_PARAMS[method]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {unknown} for method {method!r}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    p = {**allowed, **params}
    if "metric" in p and p["metric"] not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}; got {p['metric']!r}")
    for flag in ("sphereize", "clamp"):
        if flag in p and not isinstance(p[flag], bool):
            raise ValueError(f"{flag} must be True or False; got {p[flag]!r}")
    if method in PLACEMENTS:
        if p["placement"] not in PLACEMENTS[method]:
            raise ValueError(
                f"placement must be one of {', '.join(PLACEMENTS[method])} for method "
                f"{method!r}; got {p['placement']!r}"
            )
        _check_number("shift_bandwidth", p["shift_bandwidth"], 1e-9)
        _check_number("shift_iter", p["shift_iter"], 0, integer=True)
        _check_number("keep_mode", p["keep_mode"], 0)
        if p["keep_mode"] > 1:
            raise ValueError(f"keep_mode must be a number from 0 to 1; got {p['keep_mode']!r}")
        _check_number("step_scale", p["step_scale"], 1e-9)
        _check_number("step_floor", p["step_floor"], 0)
    if method == "tsne":
        _check_number("perplexity", p["perplexity"], 1)
        _check_number("transform_perplexity", p["transform_perplexity"], 1)
        for name in ("n_iter", "early_exaggeration_iter", "transform_n_iter", "warm_n_iter"):
            _check_number(name, p[name], 0, integer=True)
        _check_number("learning_rate", p["learning_rate"], 1e-9, allow=("auto",))
        _check_number("transform_learning_rate", p["transform_learning_rate"], 1e-9)
        _check_number("n_jobs", p["n_jobs"], 1, integer=True)
        if p["negative_gradient_method"] not in ("auto", "fft", "bh"):
            raise ValueError(
                "negative_gradient_method must be one of auto, fft, bh; "
                f"got {p['negative_gradient_method']!r}"
            )
    if method == "umap":
        _check_number("n_neighbors", p["n_neighbors"], 2, integer=True)
        _check_number("min_dist", p["min_dist"], 0)
        _check_number("n_epochs", p["n_epochs"], 1, integer=True, allow=(None,))
    return p


def default_cache_dir() -> Path:
    """Where reference layouts are cached (see ``pe_core.cache.cache_dir``)."""
    return cache_dir()


# Fitted reference states shared by all projectors of this process (several app sessions
# opening the same map fit it once). Small LRU: a t-SNE state is a few MB.
_MEMORY: OrderedDict[str, object] = OrderedDict()
_MEMORY_LOCK = threading.Lock()
_MEMORY_SIZE = 8


def _memory_get(key: str):
    with _MEMORY_LOCK:
        if key in _MEMORY:
            _MEMORY.move_to_end(key)
            return _MEMORY[key]
    return None


def _memory_put(key: str, state) -> None:
    with _MEMORY_LOCK:
        _MEMORY[key] = state
        _MEMORY.move_to_end(key)
        while len(_MEMORY) > _MEMORY_SIZE:
            _MEMORY.popitem(last=False)


def clear_memory_cache() -> None:
    """Forget every in-memory reference layout (the on-disk cache is kept)."""
    with _MEMORY_LOCK:
        _MEMORY.clear()


def _import_umap():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import umap
    except ImportError as exc:
        raise ImportError(
            "method='umap' needs the umap-learn package: pip install umap-learn"
        ) from exc
    return umap


class Projector:
    """Fit a 2-D map on a fixed reference once; place moving points into it.

    Args:
        method: ``"pca"``, ``"tsne"`` or ``"umap"``.
        random_state: seed for every random choice of the layout (t-SNE init, UMAP).
        progress: optional ``progress(fraction, message)`` called during the long fit.
        cache: reuse t-SNE / UMAP reference layouts from memory and from disk
            (``PE_LAB_CACHE``/layouts, else ``~/.cache/pe_lab/layouts``), keyed on the data,
            the layout parameters and the seed. PCA is exact and takes milliseconds, so it
            is always recomputed.
        **params: method parameters; see ``DEFAULT_PARAMS[method]`` for the allowed names
            and defaults. t-SNE: ``perplexity`` (<= (n - 1) / 3; larger values are clamped
            with a notice in ``.notices`` when ``clamp=True``, else ``ValueError``),
            ``metric`` ("cosine" = euclidean on unit-length rows), iterations, ``n_jobs``,
            and the placement settings ``transform_*`` / ``warm_n_iter``. UMAP:
            ``n_neighbors`` (< n, same clamp rule), ``min_dist``, ``metric``, ``n_epochs``.
            PCA: ``sphereize`` (centre, then scale every row to unit length, like the
            TensorFlow Embedding Projector).

    Attributes (after ``fit``):
        embedding_: (n, 2) float64 reference coordinates, read-only, never recomputed.
        reference_: (n, d) float32 reference vectors; ``words_``: their words (or None).
        notices: human-readable notes about adjustments (clamped perplexity, cache use).
        from_cache_: whether the layout came from the memory or disk cache.

    Example:
        >>> ref = np.random.default_rng(0).normal(size=(50, 8))
        >>> p = Projector("pca").fit(ref)
        >>> bool(np.allclose(p.transform(ref[:3]), p.embedding_[:3]))
        True
    """

    def __init__(
        self,
        method: str = "pca",
        random_state: int = 0,
        *,
        progress: Progress | None = None,
        cache: bool = True,
        **params,
    ) -> None:
        self.params = validate_params(method, params)
        self.method = method
        _check_number("random_state", random_state, 0, integer=True)
        self.random_state = int(random_state)
        self.progress = progress
        self.cache = cache
        self.notices: list[str] = []

    # ----------------------------------------------------------------- fit
    def fit(self, reference, words: Sequence[str] | None = None, *, data_key: str | None = None):
        """Lay out ``reference`` (n, d) once; returns self.

        ``words``: the n words of the reference (kept for nearest-word labels).
        ``data_key``: identifies the reference for the cache (e.g. vectors fingerprint plus
        the reference ids); defaults to a hash of the reference matrix itself.
        """
        x = self._check_reference(reference, words)
        self.notices = []
        self._effective = self._check_sizes(x.shape[0])
        self.reference_ = x
        self.words_ = list(words) if words is not None else None
        self.n_features_in_ = x.shape[1]
        if data_key is None:
            data_key = hashlib.sha1(f"{x.shape}".encode() + x.tobytes()).hexdigest()
        self.cache_key_ = self._cache_key(data_key)
        self.from_cache_ = False
        coords = getattr(self, f"_fit_{self.method}")(x)
        coords = np.array(coords, dtype=np.float64)
        coords.setflags(write=False)
        self.embedding_ = coords
        self.reference_.setflags(write=False)
        self._placer = self._make_placer()
        self._report(1.0, f"{self.method}: reference layout ready")
        return self

    def _make_placer(self):
        """Our placement for t-SNE / UMAP; reads only the read-only reference and layout."""
        if self.params.get("placement") != "affinity":
            return None
        from pe_core.placement import AffinityPlacement

        if self.method == "tsne":
            kernel, size = "tsne", self._effective["transform_perplexity"]
        else:
            kernel, size = "umap", self._effective["n_neighbors"]
        return AffinityPlacement(
            self._prepare(self.reference_),
            self.embedding_,
            kernel,
            size=size,
            bandwidth=self.params["shift_bandwidth"],
            shift_iter=self.params["shift_iter"],
            keep_mode=self.params["keep_mode"],
            step_scale=self.params["step_scale"],
            step_floor=self.params["step_floor"],
        )

    def fit_vectors(self, vectors, indices):
        """Fit on rows ``indices`` of a ``Vectors``; cache key = (fingerprint, ids)."""
        ids = np.asarray(indices, dtype=np.int64)
        ids_hash = hashlib.sha1(ids.tobytes()).hexdigest()
        words = [vectors.words[i] for i in ids]
        # PCA never reads a layout cache: its key can come from the reference rows alone
        # instead of hashing the whole V x d table.
        key = None if self.method == "pca" else f"{vectors.fingerprint()}:{ids_hash}"
        return self.fit(vectors.matrix[ids], words, data_key=key)

    def _check_reference(self, reference, words) -> np.ndarray:
        x = np.asarray(reference, dtype=np.float32)
        if x.ndim != 2:
            raise ValueError(f"reference must be 2-D (words x dim); got shape {x.shape}")
        if not 3 <= x.shape[0] <= MAX_REFERENCE:
            raise ValueError(
                f"reference must have between 3 and {MAX_REFERENCE} rows; got {x.shape[0]}"
            )
        bad = int((~np.isfinite(x)).any(axis=1).sum())
        if bad:
            raise ValueError(f"reference has {bad} row(s) with NaN or infinite values")
        if words is not None and len(words) != x.shape[0]:
            raise ValueError(f"words has {len(words)} entries but reference has {x.shape[0]} rows")
        return np.ascontiguousarray(x)

    def _check_sizes(self, n: int) -> dict:
        """Data-dependent checks: neighbourhood sizes against the reference size."""
        eff: dict = {}
        if self.method == "tsne":
            # openTSNE uses k = min(n - 1, 3 * perplexity) neighbours.
            eff["perplexity"] = self._fit_size("perplexity", self.params["perplexity"], (n - 1) / 3)
            eff["transform_perplexity"] = min(self.params["transform_perplexity"], n / 3)
        if self.method == "umap":
            eff["n_neighbors"] = int(
                self._fit_size("n_neighbors", self.params["n_neighbors"], n - 1)
            )
        return eff

    def _fit_size(self, name: str, value: float, largest: float) -> float:
        if value <= largest:
            return value
        msg = f"{name}={value} is too large for a reference of this size; largest allowed: "
        msg += f"{largest:g}"
        if not self.params["clamp"]:
            raise ValueError(msg + f" (pass {name}<={largest:g} or clamp=True)")
        self.notices.append(msg + f"; using {largest:g}")
        return largest

    def _cache_key(self, data_key: str) -> str:
        layout = {k: v for k, v in self.params.items() if k not in _PLACEMENT_ONLY}
        blob = json.dumps(
            [self.method, layout, self._effective, self.random_state, data_key],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha1(blob.encode()).hexdigest()[:24]

    def _report(self, fraction: float, message: str) -> None:
        if self.progress is not None:
            self.progress(float(min(max(fraction, 0.0), 1.0)), message)

    def _prepare(self, x: np.ndarray) -> np.ndarray:
        # Cosine neighbourhoods = euclidean on unit rows; zero rows stay zero (no NaN).
        if self.params.get("metric") == "cosine":
            return normalise_rows(x)
        return np.asarray(x, dtype=np.float32)

    def _cache_path(self, suffix: str) -> Path:
        return default_cache_dir() / "layouts" / f"{self.method}-{self.cache_key_}{suffix}"

    # ----------------------------------------------------------------- transform
    def _check_fitted(self) -> None:
        if not hasattr(self, "embedding_"):
            raise ValueError("this Projector is not fitted yet; call fit(reference) first")

    def _check_points(self, points) -> np.ndarray:
        self._check_fitted()
        p = np.asarray(points, dtype=np.float32)
        if p.ndim == 1:
            p = p[None, :]
        if p.ndim != 2 or p.shape[1] != self.n_features_in_:
            raise ValueError(
                f"points must be (m, {self.n_features_in_}) like the reference; got {p.shape}"
            )
        if not np.isfinite(p).all():
            raise ValueError("points contain NaN or infinite values")
        return p

    def transform(self, points, init=None) -> np.ndarray:
        """Place ``points`` (m, d) on the map: (m, 2). The reference never moves.

        t-SNE / UMAP with ``placement="affinity"`` (the default): rows without a direction
        (zero or near-zero) get NaN, they are nowhere on a cosine map.

        ``init`` (t-SNE with ``placement="opentsne"`` only): (m, 2) start positions, e.g. the
        previous frame's; the optimisation then runs ``warm_n_iter`` steps instead of
        ``transform_n_iter``.
        """
        p = self._check_points(points)
        if p.shape[0] == 0:
            return np.zeros((0, 2))
        if init is not None and not self._warm_starts:
            raise ValueError(
                "init is only used by method='tsne' with placement='opentsne', not "
                f"method={self.method!r}, placement={self.params.get('placement')!r}"
            )
        if self._placer is not None:
            return self._placer.place(p)
        return np.asarray(getattr(self, f"_transform_{self.method}")(p, init), dtype=np.float64)

    @property
    def _warm_starts(self) -> bool:
        return self.method == "tsne" and self.params["placement"] == "opentsne"

    def transform_sequence(self, frames, progress: Progress | None = None) -> list[np.ndarray]:
        """Place a sequence of frames (each (m, d)).

        PCA: the same as ``transform`` of each. t-SNE / UMAP with ``placement="affinity"``:
        when every frame holds the same tokens (same row count), the frames are placed
        coherently in time (``AffinityPlacement.place_sequence``: a token keeps its group of
        words until its vector leaves it, and its steps are bounded by its vector's); frames
        of different sizes are placed one by one. t-SNE with ``placement="opentsne"``: each
        frame starts from the previous one's positions.
        """
        frames = [self._check_points(f) for f in frames]
        if self._placer is not None and frames and len({len(f) for f in frames}) == 1:
            return list(self._placer.place_sequence(np.stack(frames)))
        if (self.method == "pca" or self._placer is not None) and frames:
            sizes = np.cumsum([len(f) for f in frames])[:-1]
            return np.split(self.transform(np.concatenate(frames)), sizes)
        out, prev = [], None
        for i, frame in enumerate(frames):
            warm = prev if self._warm_starts and prev is not None else None
            if warm is not None and len(warm) != len(frame):
                warm = None
            prev = self.transform(frame, init=warm)
            out.append(prev)
            if progress is not None:
                progress(
                    (i + 1) / len(frames), f"{self.method}: placed frame {i + 1}/{len(frames)}"
                )
        return out

    # ----------------------------------------------------------------- PCA
    def _fit_pca(self, x: np.ndarray) -> np.ndarray:
        x64 = x.astype(np.float64)
        self._sphere_mean = x64.mean(axis=0) if self.params["sphereize"] else None
        x1 = self._pca_input(x64)
        self._pca_mean = x1.mean(axis=0)
        # Eigenvectors of the d x d scatter matrix: the same axes as an SVD of the data, at
        # O(n d^2) instead of computing an n x d factor nobody needs.
        centred = x1 - self._pca_mean
        var, vecs = np.linalg.eigh(centred.T @ centred)
        var, vecs = np.clip(var[::-1], 0, None), vecs[:, ::-1]
        comps = np.zeros((2, x.shape[1]))
        comps[: min(2, vecs.shape[1])] = vecs[:, :2].T
        # Deterministic signs (largest |loading| positive), as scikit-learn's svd_flip.
        signs = np.sign(comps[np.arange(2), np.abs(comps).argmax(axis=1)])
        self.components_ = comps * np.where(signs == 0, 1.0, signs)[:, None]
        ratio = var / var.sum() if var.sum() > 0 else var
        self.explained_variance_ratio_ = np.pad(ratio[:2], (0, max(0, 2 - len(ratio[:2]))))
        # The reference goes through exactly the same per-row map as transform().
        return self._pca_map(x)

    def _pca_input(self, x64: np.ndarray) -> np.ndarray:
        if self._sphere_mean is None:
            return x64
        c = x64 - self._sphere_mean
        norms = np.linalg.norm(c, axis=1, keepdims=True)
        return c / np.where(norms > 0, norms, 1.0)

    def _pca_map(self, points: np.ndarray) -> np.ndarray:
        out = np.empty((len(points), 2))
        # Row-wise reduction over the contiguous last axis: each row's result does not depend
        # on which other rows are in the batch (a BLAS product can differ in the last bit).
        for start in range(0, len(points), 4096):
            c = self._pca_input(points[start : start + 4096].astype(np.float64)) - self._pca_mean
            out[start : start + 4096] = np.sum(c[:, None, :] * self.components_[None], axis=2)
        return out

    def _transform_pca(self, p: np.ndarray, init) -> np.ndarray:
        return self._pca_map(p)

    # ----------------------------------------------------------------- t-SNE
    def _fit_tsne(self, x: np.ndarray) -> np.ndarray:
        state = self._cached_state(".npz", self._load_tsne, x)
        if state is None:
            state = self._run_tsne(self._prepare(x))
            if self.cache:
                _memory_put(self.cache_key_, state)
                self._save(".npz", lambda fh: np.savez(fh, coords=np.asarray(state)))
        self._tsne = state
        return np.asarray(state)

    def _tsne_affinities(self, xp: np.ndarray):
        from openTSNE.affinity import PerplexityBasedNN

        return PerplexityBasedNN(
            xp,
            perplexity=self._effective["perplexity"],
            metric="euclidean",
            n_jobs=self.params["n_jobs"],
            random_state=self.random_state,
        )

    def _tsne_reference(self, coords: np.ndarray, affinities):
        from openTSNE import TSNEEmbedding

        affinities.knn_index.n_jobs = 1  # placement queries are a handful of points
        return TSNEEmbedding(
            np.array(coords, dtype=np.float64),
            affinities,
            negative_gradient_method=self.params["negative_gradient_method"],
            random_state=self.random_state,
            n_jobs=self.params["n_jobs"],
        )

    def _run_tsne(self, xp: np.ndarray):
        from openTSNE import TSNE

        p = self.params
        total = max(1, p["early_exaggeration_iter"] + p["n_iter"])
        every = max(1, min(25, total // 20))
        done = [0]

        def callback(iteration, error, embedding):
            done[0] += every
            self._report(0.05 + 0.95 * done[0] / total, f"t-SNE: {done[0]}/{total} iterations")
            return False

        self._report(0.0, "t-SNE: nearest neighbours of the reference")
        affinities = self._tsne_affinities(xp)
        tsne = TSNE(
            n_iter=p["n_iter"],
            early_exaggeration_iter=p["early_exaggeration_iter"],
            learning_rate=p["learning_rate"],
            negative_gradient_method=p["negative_gradient_method"],
            n_jobs=p["n_jobs"],
            random_state=self.random_state,
            callbacks=callback if self.progress is not None else None,
            callbacks_every_iters=every,
        )
        emb = tsne.fit(xp, affinities=affinities, initialization=_pca_init(xp, self.random_state))
        coords = np.asarray(emb, dtype=np.float64)
        # Centre once, here: openTSNE's own transform() re-centres the reference in place,
        # which is exactly what must never happen between frames.
        coords = coords - (coords.max(axis=0) + coords.min(axis=0)) / 2
        return self._tsne_reference(coords, affinities)

    def _load_tsne(self, path: Path, x: np.ndarray):
        with np.load(path) as data:
            coords = data["coords"]
        if coords.shape != (x.shape[0], 2):
            raise ValueError(f"cached layout has shape {coords.shape}")
        return self._tsne_reference(coords, self._tsne_affinities(self._prepare(x)))

    def _transform_tsne(self, p: np.ndarray, init) -> np.ndarray:
        params = self.params
        if init is None:
            start, n_iter = "median", params["transform_n_iter"]
        else:
            start = np.array(init, dtype=np.float64)
            if start.shape != (p.shape[0], 2):
                raise ValueError(f"init must have shape ({p.shape[0]}, 2); got {start.shape}")
            n_iter = params["warm_n_iter"]
        partial = self._tsne.prepare_partial(
            self._prepare(p),
            initialization=start,
            k=25,
            perplexity=self._effective["transform_perplexity"],
        )
        # n_jobs=1: for a handful of points, threads cost far more than they save (measured
        # 10 ms single-threaded vs 1.4 s with 2 threads on a busy 2-core machine).
        # openTSNE's recommended out-of-sample settings (see TSNEEmbedding.transform).
        partial.optimize(
            n_iter=n_iter,
            learning_rate=params["transform_learning_rate"],
            exaggeration=1.5,
            momentum=0.8,
            max_grad_norm=0.25,
            inplace=True,
            n_jobs=1,
        )
        return np.array(partial, dtype=np.float64)

    # ----------------------------------------------------------------- UMAP
    def _fit_umap(self, x: np.ndarray) -> np.ndarray:
        umap = _import_umap()
        state = self._cached_state(".pkl", self._load_umap, x)
        if state is None:
            self._report(0.0, "UMAP: nearest neighbours of the reference")
            model = umap.UMAP(
                n_components=2,
                n_neighbors=self._effective["n_neighbors"],
                min_dist=self.params["min_dist"],
                n_epochs=self.params["n_epochs"],
                metric="euclidean",
                random_state=self.random_state,
                transform_seed=self.random_state,
                tqdm_kwds=self._umap_progress(),
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "n_jobs overridden by random_state"
                model.fit(self._prepare(x))
            # The cached model is shared and pickled: it must not keep this fit's callback.
            model.tqdm_kwds = {"disable": True}
            state = model
            if self.cache:
                _memory_put(self.cache_key_, state)
                self._save(".pkl", lambda fh: pickle.dump(state, fh))
        self._umap = state
        return np.asarray(state.embedding_)

    def _umap_progress(self) -> dict | None:
        """umap-learn's epoch bar (tqdm) written into ``progress`` instead of the terminal."""
        if self.progress is None:
            return None
        return {
            "disable": False,  # the bar without UMAP's verbose log lines
            "file": _EpochBar(self._report),
            "bar_format": "{n}/{total}",
            "mininterval": 0.25,
        }

    @staticmethod
    def _load_umap(path: Path, x: np.ndarray):
        with open(path, "rb") as fh:
            model = pickle.load(fh)  # our own cache file, written by _fit_umap
        if np.asarray(model.embedding_).shape != (x.shape[0], 2):
            raise ValueError("cached UMAP model does not match the reference")
        return model

    def _transform_umap(self, p: np.ndarray, init) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self._umap.transform(self._prepare(p))

    # ----------------------------------------------------------------- cache
    def _cached_state(self, suffix: str, loader, x: np.ndarray):
        if not self.cache:
            return None
        state = _memory_get(self.cache_key_)
        if state is not None:
            self.from_cache_ = True
            self.notices.append("reference layout reused from memory")
            return state
        path = self._cache_path(suffix)
        if not path.exists():
            return None
        try:
            state = loader(path, x)
        except Exception as exc:  # a damaged cache file is recomputed, not fatal
            self.notices.append(f"ignored unreadable cache file {path.name}: {exc}")
            return None
        _memory_put(self.cache_key_, state)
        self.from_cache_ = True
        self.notices.append(
            "reference layout reused from the cache (computed earlier for these words)"
        )
        return state

    def _save(self, suffix: str, write) -> None:
        import io

        buf = io.BytesIO()
        write(buf)
        try:
            atomic_write(self._cache_path(suffix), buf.getvalue())
        except OSError as exc:  # a read-only cache dir only costs a recomputation later
            self.notices.append(f"could not write the layout cache: {exc}")


class _EpochBar:
    """A text stream for tqdm: each "n/total" it writes becomes a ``progress`` call."""

    def __init__(self, report) -> None:
        self._report = report

    def write(self, text: str) -> None:
        found = re.findall(r"(\d+)/(\d+)", text)
        if found:
            n, total = (int(v) for v in found[-1])
            if total:
                self._report(0.05 + 0.95 * n / total, f"UMAP: {n}/{total} epochs")

    def flush(self) -> None:
        pass


def _pca_init(xp: np.ndarray, seed: int) -> np.ndarray:
    """openTSNE's recommended initialisation: first 2 PCs scaled to std 1e-4 (deterministic)."""
    c = xp.astype(np.float64) - xp.mean(axis=0)
    _, _, vt = np.linalg.svd(c, full_matrices=False)
    y = np.zeros((len(c), 2))
    y[:, : min(2, len(vt))] = c @ vt[:2].T
    y = y * np.sign(y[np.abs(y).argmax(axis=0), [0, 1]])
    y[y == -0.0] = 0.0
    return y / (y[:, 0].std() or 1.0) * 1e-4


def project_trajectory(
    result, projector: Projector, vectors=None, *, progress: Progress | None = None
) -> pd.DataFrame:
    """Place every snapshot of a training run's trainable tokens on a fitted map.

    Args:
        result: a training result with ``.tokens``, ``.token_kinds``, ``.trajectory``
            (snapshots x tokens x dim), ``.steps`` and ``.epochs``.
        projector: a fitted :class:`Projector` (its reference never moves).
        vectors: when given, ``nearest`` / ``top3`` come from all of these vectors instead of
            only the projector's reference words: read from ``result.neighbours``
            (stored during training) when present, else searched once on the shared index.
        progress: optional ``progress(fraction, message)`` per placed frame.

    Returns:
        One row per (snapshot, token): token, kind, snapshot, step, epoch, x, y, nearest,
        similarity, placed, top3, map_agree. ``nearest`` is the nearest word by cosine and
        ``similarity`` its cosine; ``top3`` the three nearest words with cosines in one line,
        or "no close word yet (...)" when the best cosine is weak (``pe_core.closeness``);
        ``map_agree`` how many of the 10 reference words drawn nearest to the point are among
        its 10 true nearest reference words. A row with no direction yet (zero or near-zero,
        ``faithfulness.has_direction``) is "not trained yet": ``placed=False``, x / y NaN,
        ``nearest=""``, ``similarity=NaN``, ``map_agree=-1``.
    """
    from pe_core.faithfulness import has_direction

    projector._check_fitted()
    traj, tokens, kinds, steps, epochs = _check_result(result)
    s_count, k_count, _ = traj.shape
    xy = np.concatenate(projector.transform_sequence(list(traj), progress=progress))
    flat = traj.reshape(s_count * k_count, -1)
    placed = has_direction(flat, projector.reference_)
    xy[~placed] = np.nan
    nearest, sims, top3 = _nearest_words(result, flat, placed, projector, vectors)
    return pd.DataFrame(
        {
            "token": np.tile(tokens, s_count),
            "kind": np.tile(kinds, s_count),
            "snapshot": np.repeat(np.arange(s_count), k_count),
            "step": np.repeat(steps.astype(int), k_count),
            "epoch": np.repeat(epochs, k_count),
            "x": xy[:, 0],
            "y": xy[:, 1],
            "nearest": nearest,
            "similarity": sims,
            "placed": placed,
            "top3": top3,
            "map_agree": _map_agree(flat, xy, placed, projector),
        }
    )


def _check_result(result):
    traj = np.asarray(result.trajectory, dtype=np.float32)
    tokens, kinds = list(result.tokens), list(result.token_kinds)
    if traj.ndim != 3 or traj.shape[1] != len(tokens) or len(kinds) != len(tokens):
        raise ValueError(
            f"result.trajectory must be (snapshots, {len(tokens)} tokens, dim) with one kind per "
            f"token; got shape {traj.shape} and {len(kinds)} kinds"
        )
    s_count = traj.shape[0]
    steps = np.asarray(result.steps)
    epochs = np.asarray(result.epochs, dtype=float)
    if len(steps) != s_count or len(epochs) != s_count:
        raise ValueError(f"result.steps / result.epochs need {s_count} entries (one per snapshot)")
    return traj, tokens, kinds, steps, epochs


def _nearest_words(result, flat, placed, projector, vectors):
    """Nearest word, its cosine and the honest top-3 line of every row: the run's stored
    neighbours when there are any (no search), else one search over the shared index of
    ``vectors``, or over the projector's reference without ``vectors``."""
    from pe_core.closeness import describe_nearest
    from pe_core.stored_neighbours import shared_index, stored_neighbours

    stored = stored_neighbours(result, vectors) if vectors is not None else None
    if stored is not None:
        idx, sim = stored.top(min(3, stored.k))
        idx, sim = idx.reshape(len(flat), -1), sim.reshape(len(flat), -1)
        names = vectors.words
    elif vectors is not None:
        index, names = shared_index(vectors), vectors.words
        idx, sim = index.query(flat, k=min(3, index.n))
    else:
        index = NeighbourIndex(projector.reference_)
        names = projector.words_ or [f"#{i}" for i in range(len(projector.reference_))]
        idx, sim = index.query(flat, k=min(3, index.n))
    # Only the rows' own neighbours are looked up: no O(vocabulary) copy of the words.
    top3 = [
        describe_nearest([names[j] for j in i.tolist()], [float(c) for c in s])
        if ok
        else "not trained yet"
        for i, s, ok in zip(idx, sim, placed, strict=True)
    ]
    nearest = np.where(placed, [names[j] for j in idx[:, 0].tolist()], "")
    sims = np.where(placed, sim[:, 0].astype(np.float64), np.nan)
    return nearest, sims, top3


def _map_agree(flat, xy, placed, projector) -> np.ndarray:
    from pe_core.faithfulness import map_agreement

    out = np.full(len(flat), -1, dtype=int)
    if placed.any():
        out[placed] = map_agreement(
            projector.reference_, projector.embedding_, flat[placed], xy[placed]
        )
    return out


def choose_reference(
    vectors,
    *,
    dataset_words: Sequence[str] = (),
    trainable_matrix=None,
    n: int = 2000,
    max_n: int = MAX_REFERENCE,
    neighbours_k: int = 10,
) -> np.ndarray:
    """Row indices of ``vectors`` for the map's reference, at most ``n`` of them (sorted).

    Priority: the current ``neighbours_k`` nearest words of each trainable row (so the
    tokens land among the words they are near), then ``dataset_words`` that have vectors
    (pass them most frequent first), then the most frequent pretrained words (GloVe files
    are in frequency order) until ``n`` is reached or the vectors run out.
    """
    if not is_int(n) or not 1 <= n <= max_n:
        raise ValueError(f"n (reference size) must be an integer from 1 to {max_n}; got {n!r}")
    if neighbours_k < 0:
        raise ValueError(f"neighbours_k must be >= 0; got {neighbours_k}")
    chosen: dict[int, None] = {}
    if trainable_matrix is not None and neighbours_k > 0:
        rows = np.asarray(trainable_matrix, dtype=np.float32).reshape(-1, vectors.dim)
        rows = rows[np.linalg.norm(rows, axis=1) > 0]  # zero rows have no neighbours yet
        if len(rows):
            k = min(neighbours_k, len(vectors))
            from pe_core.stored_neighbours import shared_index

            idx, _ = shared_index(vectors).query(rows, k=k)
            chosen.update(dict.fromkeys(idx.T.ravel().tolist()))  # rank 1 of every token first
    for word in dataset_words:
        if len(chosen) >= n:
            break
        if word in vectors:
            chosen.setdefault(vectors.index(word), None)
    for i in range(len(vectors)):
        if len(chosen) >= n:
            break
        chosen.setdefault(i, None)
    return np.array(sorted(list(chosen)[:n]), dtype=np.int64)
