"""What a placed point is labelled with: its true nearest words and how far the map agrees.

The nearest words come from the run's stored neighbours when there are any (no search), else
one search over the shared index of the run's vectors, or over the map's reference words; a
weak best cosine reads "no close word" (``pe_core.closeness``).
"""

from __future__ import annotations

import numpy as np

from pe_core.neighbours import NeighbourIndex


def nearest_words(result, flat, placed, projector, vectors):
    """Nearest word, its cosine and the honest top-3 line of every row of ``flat``; rows not
    ``placed`` (no direction yet) get "", NaN and "not trained yet"."""
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


def map_agree(flat, xy, placed, projector) -> np.ndarray:
    """Per row: how many of its 10 map neighbours are among its 10 true nearest reference
    words (``faithfulness.map_agreement``); -1 for rows not placed."""
    from pe_core.faithfulness import map_agreement

    out = np.full(len(flat), -1, dtype=int)
    if placed.any():
        out[placed] = map_agreement(
            projector.reference_, projector.embedding_, flat[placed], xy[placed]
        )
    return out
