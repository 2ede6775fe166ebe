"""The ``Projector``: a 2-D map fitted once on a fixed reference, moving points placed into it.

Estimator conventions (scikit-learn's): the constructor only stores its arguments; ``fit``
checks them, once, together with the data (``params.validate_params`` then
``params.effective_sizes``) and returns self; fitted attributes end in ``_``. Caching is not
the estimator's business: a ``LayoutCache`` passed in as ``cache`` is used, none by default,
so fitting has no hidden side effect on the process or the disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from pe_core.cache import key_digest
from pe_core.checks import int_at_least
from pe_core.neighbours import normalise_rows
from pe_core.projection import tsne, umap
from pe_core.projection.layout_cache import LayoutCache
from pe_core.projection.params import (
    MAX_REFERENCE,
    PLACEMENT_ONLY,
    Progress,
    effective_sizes,
    validate_params,
)
from pe_core.projection.pca import PCAMap

#: The methods whose reference layout is fitted by a library (and so worth caching).
_LAYOUTS = {"tsne": tsne, "umap": umap}


class Projector:
    """Fit a 2-D map on a fixed reference once; place moving points into it.

    Args:
        method: ``"pca"``, ``"tsne"`` or ``"umap"``.
        random_state: seed for every random choice of the layout (t-SNE init, UMAP).
        progress: optional ``progress(fraction, message)`` called during the long fit.
        cache: a ``LayoutCache`` to reuse t-SNE / UMAP reference layouts from (memory, and
            disk under ``PE_LAB_CACHE``/layouts), keyed on the data, the layout parameters and
            the seed; None (the default) fits every time and writes nothing. PCA is exact and
            takes milliseconds, so it is never cached.
        **params: method parameters; see ``DEFAULT_PARAMS[method]`` for the allowed names
            and defaults. t-SNE: ``perplexity`` (<= (n - 1) / 3; larger values are clamped
            with a notice in ``.notices`` when ``clamp=True``, else ``ValueError``),
            ``metric`` ("cosine" = euclidean on unit-length rows), iterations, ``n_jobs``,
            and the placement settings ``transform_*`` / ``warm_n_iter``. UMAP:
            ``n_neighbors`` (< n, same clamp rule), ``min_dist``, ``metric``, ``n_epochs``.
            PCA: ``sphereize`` (centre, then scale every row to unit length, like the
            TensorFlow Embedding Projector). All are checked by ``fit``.

    Attributes (after ``fit``):
        embedding_: (n, 2) float64 reference coordinates, read-only, never recomputed.
        reference_: (n, d) float32 reference vectors; ``words_``: their words (or None).
        effective_params_: every parameter as used: defaults, then ``params``, then the
            neighbourhood sizes clamped to the reference.
        notices: human-readable notes about adjustments (clamped perplexity, cache use).
        layout_: the library's fitted layout (openTSNE ``TSNEEmbedding``, ``umap.UMAP``) that
            ``placement="opentsne"`` / ``"umap"`` place against; PCA has none.
        from_cache_: whether the layout came from ``cache``.

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
        cache: LayoutCache | None = None,
        **params,
    ) -> None:
        self.method = method
        self.random_state = random_state
        self.progress = progress
        self.cache = cache
        self.params = params
        self.notices: list[str] = []

    # ----------------------------------------------------------------- fit
    def fit(self, reference, words: Sequence[str] | None = None, *, data_key: str | None = None):
        """Check the parameters and lay out ``reference`` (n, d) once; returns self.

        ``words``: the n words of the reference (kept for nearest-word labels).
        ``data_key``: identifies the reference for the cache (e.g. vectors fingerprint plus
        the reference ids); defaults to a hash of the reference matrix itself.
        """
        params = self._check_params()
        x = _check_reference(reference, words)
        self.notices = []
        self.effective_params_ = effective_sizes(self.method, params, x.shape[0], self.notices)
        self.reference_ = x
        self.words_ = list(words) if words is not None else None
        self.n_features_in_ = x.shape[1]
        self.from_cache_ = False
        self.cache_key_ = None
        if self.method == "pca":
            self._pca = PCAMap(self.effective_params_["sphereize"])
            coords = self._pca.fit(x)
            self.components_ = self._pca.components_
            self.explained_variance_ratio_ = self._pca.explained_variance_ratio_
        else:
            self.cache_key_ = self._cache_key(x, data_key)
            coords = self._fit_layout(self._prepare(x))
        coords = np.array(coords, dtype=np.float64)
        coords.setflags(write=False)
        self.embedding_ = coords
        self.reference_.setflags(write=False)
        self._placer = self._make_placer()
        self._report(1.0, f"{self.method}: reference layout ready")
        return self

    def fit_transform(self, reference, words: Sequence[str] | None = None, **kwargs) -> np.ndarray:
        """``fit(reference, words, **kwargs)`` and the reference's coordinates, ``embedding_``."""
        return self.fit(reference, words, **kwargs).embedding_

    def fit_vectors(self, vectors, indices):
        """Fit on rows ``indices`` of a ``Vectors``; cache key = (fingerprint, ids)."""
        ids = np.asarray(indices, dtype=np.int64)
        ids_hash = hashlib.sha1(ids.tobytes()).hexdigest()
        words = [vectors.words[i] for i in ids]
        # PCA never reads a layout cache: its key can come from the reference rows alone
        # instead of hashing the whole V x d table.
        key = None if self.method == "pca" else f"{vectors.fingerprint()}:{ids_hash}"
        return self.fit(vectors.matrix[ids], words, data_key=key)

    def _check_params(self) -> dict:
        """The one check of the constructor's arguments (those that need no data)."""
        params = validate_params(self.method, self.params)
        int_at_least("random_state", self.random_state, 0)
        if self.cache is not None and not isinstance(self.cache, LayoutCache):
            raise ValueError(f"cache must be a LayoutCache or None, got {self.cache!r}")
        return params

    def _cache_key(self, x: np.ndarray, data_key: str | None) -> str:
        if data_key is None:
            data_key = hashlib.sha1(f"{x.shape}".encode() + x.tobytes()).hexdigest()
        layout = {k: v for k, v in self.effective_params_.items() if k not in PLACEMENT_ONLY}
        return key_digest(self.method, layout, int(self.random_state), data_key)

    def _fit_layout(self, xp: np.ndarray) -> np.ndarray:
        """t-SNE / UMAP: the layout from ``cache`` when it has it, else fitted (and kept)."""
        method, p, seed = _LAYOUTS[self.method], self.effective_params_, int(self.random_state)
        if self.method == "umap":
            umap.import_umap()  # a missing package is said even when a layout is cached
        name = f"{self.method}-{self.cache_key_}"
        state = None
        if self.cache is not None:
            load = lambda data: method.loads(data, xp, p, seed)  # noqa: E731
            state = self.cache.get(name, method.SUFFIX, load, self.notices)
            self.from_cache_ = state is not None
        if state is None:
            report = self._report if self.progress is not None else None
            state = method.fit(xp, p, seed, report)
            if self.cache is not None:
                self.cache.put(name, method.SUFFIX, state, method.dumps, self.notices)
        self.layout_ = state
        return method.embedding(state)

    def _make_placer(self):
        """Our placement for t-SNE / UMAP; reads only the read-only reference and layout."""
        p = self.effective_params_
        if p.get("placement") != "affinity":
            return None
        from pe_core.placement import AffinityPlacement

        if self.method == "tsne":
            kernel, size = "tsne", p["transform_perplexity"]
        else:
            kernel, size = "umap", p["n_neighbors"]
        return AffinityPlacement(
            self._prepare(self.reference_),
            self.embedding_,
            kernel,
            size=size,
            bandwidth=p["shift_bandwidth"],
            shift_iter=p["shift_iter"],
            keep_mode=p["keep_mode"],
            step_scale=p["step_scale"],
            step_floor=p["step_floor"],
        )

    def _report(self, fraction: float, message: str) -> None:
        if self.progress is not None:
            self.progress(float(min(max(fraction, 0.0), 1.0)), message)

    def _prepare(self, x: np.ndarray) -> np.ndarray:
        # Cosine neighbourhoods = euclidean on unit rows; zero rows stay zero (no NaN).
        if self.effective_params_.get("metric") == "cosine":
            return normalise_rows(x)
        return np.asarray(x, dtype=np.float32)

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
                f"method={self.method!r}, "
                f"placement={self.effective_params_.get('placement')!r}"
            )
        if self._placer is not None:
            return self._placer.place(p)
        if self.method == "pca":
            return self._pca.transform(p)
        method = _LAYOUTS[self.method]
        xy = method.transform(self.layout_, self._prepare(p), init, self.effective_params_)
        return np.asarray(xy, dtype=np.float64)

    @property
    def _warm_starts(self) -> bool:
        return self.method == "tsne" and self.effective_params_["placement"] == "opentsne"

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


def _check_reference(reference, words) -> np.ndarray:
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
