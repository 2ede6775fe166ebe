"""UMAP with umap-learn (an optional dependency): the reference laid out once by ``fit``; the
library's own ``transform`` for ``placement="umap"``.

A fitted layout is the ``umap.UMAP`` model; on disk it is pickled. Only PE Lab's own cache
files are unpickled (a ``pe_core.cache.DiskEntry``, checked against its checksums first), never
a file a user gave. Inputs are already prepared (unit rows for the cosine metric).
"""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np

SUFFIX = ".pkl"


def import_umap():
    """The umap module, or an ImportError saying how to install it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import umap
    except ImportError as exc:
        raise ImportError(
            "method='umap' needs the umap-learn package: pip install umap-learn"
        ) from exc
    return umap


def fit(xp: np.ndarray, p: dict, seed: int, report=None):
    """Lay out ``xp`` with the effective parameters ``p``; ``report(fraction, message)``
    (optional) hears of every epoch."""
    umap = import_umap()
    if report is not None:
        report(0.0, "UMAP: nearest neighbours of the reference")
    model = umap.UMAP(
        n_components=2,
        n_neighbors=p["n_neighbors"],
        min_dist=p["min_dist"],
        n_epochs=p["n_epochs"],
        metric="euclidean",
        random_state=seed,
        transform_seed=seed,
        tqdm_kwds=_progress_bar(report),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by random_state"
        model.fit(xp)
    # A cached model is shared and pickled: it must not keep this fit's callback.
    model.tqdm_kwds = {"disable": True}
    return model


def dumps(state) -> bytes:
    """The fitted model, pickled."""
    return pickle.dumps(state)


def loads(data: bytes, xp: np.ndarray, p: dict, seed: int):
    """The model back from :func:`dumps`; ValueError when it is not one of ``xp``."""
    import_umap()
    model = pickle.loads(data)  # our own cache entry, its checksums verified
    if np.asarray(model.embedding_).shape != (xp.shape[0], 2):
        raise ValueError("cached UMAP model does not match the reference")
    return model


def embedding(state) -> np.ndarray:
    """The reference coordinates of a fitted model."""
    return np.asarray(state.embedding_)


def transform(state, pp: np.ndarray, init, p: dict) -> np.ndarray:
    """umap-learn's own placement of prepared points ``pp`` (``placement="umap"``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return state.transform(pp)


def _progress_bar(report) -> dict | None:
    """umap-learn's epoch bar (tqdm) written into ``report`` instead of the terminal."""
    if report is None:
        return None
    return {
        "disable": False,  # the bar without UMAP's verbose log lines
        "file": _EpochBar(report),
        "bar_format": "{n}/{total}",
        "mininterval": 0.25,
    }


class _EpochBar:
    """A text stream for tqdm: each "n/total" it writes becomes a ``report`` call."""

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
