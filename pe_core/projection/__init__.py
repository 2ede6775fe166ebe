"""2-D maps with a fixed reference: PCA, t-SNE (openTSNE) and UMAP.

A :class:`Projector` is fitted once on the *reference* (a few thousand pretrained word
vectors, :func:`choose_reference`) and then places moving points (the trainable tokens,
snapshot after snapshot) without ever moving the reference: ``embedding_`` is computed once
and never written again.

* PCA (``pca``) is an exact linear map, so a copy of a reference word lands exactly on it.
* t-SNE (``tsne``) lays the reference out once with openTSNE; UMAP (``umap``) with
  umap-learn ``fit`` (optional dependency).
* On both, moving points are placed by ``pe_core.placement.AffinityPlacement`` (the default,
  ``placement="affinity"``): exact on a copy of a word, deterministic, and coherent in time
  over a run's snapshots (``transform_sequence``). The libraries' own out-of-sample
  optimisers stay available as ``placement="opentsne"`` and ``placement="umap"``: they are
  the anchors of ``bench/bench_projection.py``.
* Fitted layouts are reused through a :class:`LayoutCache` passed to the projector
  (``layout_cache``); parameters and their one check are in ``params``.

:func:`project_trajectory` places a whole run: a row with no direction (zero or near-zero)
gets NaN coordinates ("not trained yet"), and every placed point carries its true nearest
words with cosines and how many of its map neighbours are true neighbours (``labels``).
"""

from pe_core.cache import cache_dir as default_cache_dir
from pe_core.projection.layout_cache import LayoutCache
from pe_core.projection.params import (
    DEFAULT_PARAMS,
    MAX_REFERENCE,
    METHODS,
    PLACEMENTS,
    Progress,
    validate_params,
)
from pe_core.projection.projector import Projector
from pe_core.projection.reference import choose_reference
from pe_core.projection.trajectory import project_trajectory

__all__ = [
    "DEFAULT_PARAMS",
    "LayoutCache",
    "MAX_REFERENCE",
    "METHODS",
    "PLACEMENTS",
    "Progress",
    "Projector",
    "choose_reference",
    "default_cache_dir",
    "project_trajectory",
    "validate_params",
]
