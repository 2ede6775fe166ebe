"""Which pretrained words make up a map's fixed reference."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pe_core.checks import is_int
from pe_core.projection.params import MAX_REFERENCE


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
