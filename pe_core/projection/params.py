"""The parameters of a map: the methods, their defaults, and the one check of them.

``Projector.fit`` calls :func:`validate_params` once, then clamps the sizes that depend on the
reference (``effective_sizes``); nothing else checks a map's parameters.
"""

from __future__ import annotations

from collections.abc import Callable

from pe_core.checks import int_at_least, number_at_least, one_of
from pe_core.choices import METRICS

METHODS = ("pca", "tsne", "umap")
MAX_REFERENCE = 20_000

Progress = Callable[[float, str], None]

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
#: Parameters that change how points are placed but not the reference layout (not in the
#: layout's cache key).
PLACEMENT_ONLY = frozenset(
    {"clamp", "transform_perplexity", "transform_n_iter", "warm_n_iter"}
    | {"transform_learning_rate", "placement", "shift_bandwidth", "shift_iter"}
    | {"keep_mode", "step_scale", "step_floor"}
)
#: Placement choices per method: ours first (the default), then the library's own.
PLACEMENTS = {"tsne": ("affinity", "opentsne"), "umap": ("affinity", "umap")}


def validate_params(method: str, params: dict) -> dict:
    """All argument checks that do not depend on the data; returns defaults merged with params."""
    one_of("method", method, METHODS)
    allowed = DEFAULT_PARAMS[method]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {unknown} for method {method!r}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    p = {**allowed, **params}
    if "metric" in p:
        one_of("metric", p["metric"], METRICS)
    for flag in ("sphereize", "clamp"):
        if flag in p and not isinstance(p[flag], bool):
            raise ValueError(f"{flag} must be True or False, got {p[flag]!r}")
    if method in PLACEMENTS:
        _check_placement(method, p)
    if method == "tsne":
        _check_tsne(p)
    if method == "umap":
        int_at_least("n_neighbors", p["n_neighbors"], 2)
        number_at_least("min_dist", p["min_dist"], 0)
        if p["n_epochs"] is not None:
            int_at_least("n_epochs", p["n_epochs"], 1, "or None")
    return p


def _check_placement(method: str, p: dict) -> None:
    one_of(f"placement (method {method!r})", p["placement"], PLACEMENTS[method])
    number_at_least("shift_bandwidth", p["shift_bandwidth"], 1e-9)
    int_at_least("shift_iter", p["shift_iter"], 0)
    if number_at_least("keep_mode", p["keep_mode"], 0) > 1:
        raise ValueError(f"keep_mode must be a number from 0 to 1, got {p['keep_mode']!r}")
    number_at_least("step_scale", p["step_scale"], 1e-9)
    number_at_least("step_floor", p["step_floor"], 0)


def _check_tsne(p: dict) -> None:
    number_at_least("perplexity", p["perplexity"], 1)
    number_at_least("transform_perplexity", p["transform_perplexity"], 1)
    for name in ("n_iter", "early_exaggeration_iter", "transform_n_iter", "warm_n_iter"):
        int_at_least(name, p[name], 0)
    if p["learning_rate"] != "auto":
        number_at_least("learning_rate (or 'auto')", p["learning_rate"], 1e-9)
    number_at_least("transform_learning_rate", p["transform_learning_rate"], 1e-9)
    int_at_least("n_jobs", p["n_jobs"], 1)
    one_of("negative_gradient_method", p["negative_gradient_method"], ("auto", "fft", "bh"))


def effective_sizes(method: str, p: dict, n: int, notices: list[str]) -> dict:
    """``p`` with its neighbourhood sizes fitted to a reference of ``n`` rows: clamped with a
    notice when ``clamp`` is on, else a ValueError naming the largest allowed value."""
    eff = dict(p)
    if method == "tsne":
        # openTSNE uses k = min(n - 1, 3 * perplexity) neighbours.
        eff["perplexity"] = _fit_size("perplexity", p, (n - 1) / 3, notices)
        eff["transform_perplexity"] = min(p["transform_perplexity"], n / 3)
    if method == "umap":
        eff["n_neighbors"] = int(_fit_size("n_neighbors", p, n - 1, notices))
    return eff


def _fit_size(name: str, p: dict, largest: float, notices: list[str]) -> float:
    value = p[name]
    if value <= largest:
        return value
    msg = f"{name}={value} is too large for a reference of this size; largest allowed: "
    msg += f"{largest:g}"
    if not p["clamp"]:
        raise ValueError(msg + f" (pass {name}<={largest:g} or clamp=True)")
    notices.append(msg + f"; using {largest:g}")
    return largest
