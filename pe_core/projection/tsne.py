"""t-SNE with openTSNE: the reference laid out once; the library's own out-of-sample placement.

A fitted layout is an openTSNE ``TSNEEmbedding``; on disk it is only its coordinates (``.npz``),
the affinities are recomputed from the reference when it is read back. Inputs are already
prepared (unit rows for the cosine metric).
"""

from __future__ import annotations

import io

import numpy as np

SUFFIX = ".npz"


def fit(xp: np.ndarray, p: dict, seed: int, report=None):
    """Lay out ``xp`` with the effective parameters ``p``; ``report(fraction, message)``
    (optional) hears of the progress."""
    from openTSNE import TSNE

    total = max(1, p["early_exaggeration_iter"] + p["n_iter"])
    every = max(1, min(25, total // 20))
    done = [0]

    def callback(iteration, error, embedding):
        done[0] += every
        report(0.05 + 0.95 * done[0] / total, f"t-SNE: {done[0]}/{total} iterations")
        return False

    if report is not None:
        report(0.0, "t-SNE: nearest neighbours of the reference")
    affinities = _affinities(xp, p, seed)
    tsne = TSNE(
        n_iter=p["n_iter"],
        early_exaggeration_iter=p["early_exaggeration_iter"],
        learning_rate=p["learning_rate"],
        negative_gradient_method=p["negative_gradient_method"],
        n_jobs=p["n_jobs"],
        random_state=seed,
        callbacks=callback if report is not None else None,
        callbacks_every_iters=every,
    )
    emb = tsne.fit(xp, affinities=affinities, initialization=pca_init(xp))
    coords = np.asarray(emb, dtype=np.float64)
    # Centre once, here: openTSNE's own transform() re-centres the reference in place,
    # which is exactly what must never happen between frames.
    coords = coords - (coords.max(axis=0) + coords.min(axis=0)) / 2
    return _reference(coords, affinities, p, seed)


def dumps(state) -> bytes:
    """The layout's coordinates as ``.npz`` bytes."""
    buf = io.BytesIO()
    np.savez(buf, coords=np.asarray(state))
    return buf.getvalue()


def loads(data: bytes, xp: np.ndarray, p: dict, seed: int):
    """The layout back from :func:`dumps`; ValueError when it is not one of ``xp``."""
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        coords = z["coords"]
    if coords.shape != (xp.shape[0], 2):
        raise ValueError(f"cached layout has shape {coords.shape}")
    return _reference(coords, _affinities(xp, p, seed), p, seed)


def embedding(state) -> np.ndarray:
    """The reference coordinates of a fitted layout."""
    return np.asarray(state)


def _affinities(xp: np.ndarray, p: dict, seed: int):
    from openTSNE.affinity import PerplexityBasedNN

    return PerplexityBasedNN(
        xp, perplexity=p["perplexity"], metric="euclidean", n_jobs=p["n_jobs"], random_state=seed
    )


def _reference(coords: np.ndarray, affinities, p: dict, seed: int):
    from openTSNE import TSNEEmbedding

    affinities.knn_index.n_jobs = 1  # placement queries are a handful of points
    return TSNEEmbedding(
        np.array(coords, dtype=np.float64),
        affinities,
        negative_gradient_method=p["negative_gradient_method"],
        random_state=seed,
        n_jobs=p["n_jobs"],
    )


def transform(state, pp: np.ndarray, init, p: dict) -> np.ndarray:
    """openTSNE's out-of-sample optimisation of prepared points ``pp`` (``placement="opentsne"``);
    ``init``: (m, 2) start positions (warm start, ``warm_n_iter`` steps) or None."""
    if init is None:
        start, n_iter = "median", p["transform_n_iter"]
    else:
        start = np.array(init, dtype=np.float64)
        if start.shape != (pp.shape[0], 2):
            raise ValueError(f"init must have shape ({pp.shape[0]}, 2); got {start.shape}")
        n_iter = p["warm_n_iter"]
    partial = state.prepare_partial(
        pp, initialization=start, k=25, perplexity=p["transform_perplexity"]
    )
    # n_jobs=1: for a handful of points, threads cost far more than they save (measured
    # 10 ms single-threaded vs 1.4 s with 2 threads on a busy 2-core machine).
    # openTSNE's recommended out-of-sample settings (see TSNEEmbedding.transform).
    partial.optimize(
        n_iter=n_iter,
        learning_rate=p["transform_learning_rate"],
        exaggeration=1.5,
        momentum=0.8,
        max_grad_norm=0.25,
        inplace=True,
        n_jobs=1,
    )
    return np.array(partial, dtype=np.float64)


def pca_init(xp: np.ndarray) -> np.ndarray:
    """openTSNE's recommended initialisation: first 2 PCs scaled to std 1e-4 (deterministic)."""
    c = xp.astype(np.float64) - xp.mean(axis=0)
    _, _, vt = np.linalg.svd(c, full_matrices=False)
    y = np.zeros((len(c), 2))
    y[:, : min(2, len(vt))] = c @ vt[:2].T
    y = y * np.sign(y[np.abs(y).argmax(axis=0), [0, 1]])
    y[y == -0.0] = 0.0
    return y / (y[:, 0].std() or 1.0) * 1e-4
