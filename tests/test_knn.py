"""Exact nearest neighbours: equal to a brute-force search, zero rows handled, k bounded."""

import numpy as np
import pytest

from pe_core.knn import NeighbourIndex, nearest, normalise_rows


def _brute(matrix, queries, k):
    m = normalise_rows(matrix)
    q = normalise_rows(queries)
    scores = q @ m.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(scores, order, axis=1)


def test_cosine_top_k_equals_brute_force_on_random_vectors():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(5_000, 16)).astype(np.float32)
    queries = rng.normal(size=(7, 16)).astype(np.float32)
    idx, score = NeighbourIndex(matrix, metric="cosine").query(queries, k=12)
    want_idx, want_score = _brute(matrix, queries, 12)
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_allclose(score, want_score, rtol=0, atol=1e-5)


def test_euclidean_returns_distances_lowest_first():
    matrix = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0]], dtype=np.float32)
    idx, dist = nearest(matrix, [[0.0, 0.0]], k=3, metric="euclidean")
    assert idx.tolist() == [[0, 2, 1]]
    np.testing.assert_allclose(dist, [[0.0, 1.0, 5.0]], atol=1e-6)


def test_all_zero_rows_stay_zero_when_normalised():
    out = normalise_rows(np.array([[0.0, 0.0], [3.0, 4.0]]))
    np.testing.assert_allclose(out, [[0.0, 0.0], [0.6, 0.8]])


def test_an_unknown_metric_is_refused():
    with pytest.raises(ValueError, match="metric must be one of cosine, euclidean; got 'l1'"):
        NeighbourIndex(np.eye(3), metric="l1")


def test_large_k_uses_the_block_selection_and_equals_brute_force_with_ties():
    # Rows tiled 8 times (as the scale benchmark tiles GloVe): every cosine is tied 8 ways, and
    # k = 150 is large enough for the block selection (n >= 64 * 4k) but not a block multiple.
    from pe_core import knn

    rng = np.random.default_rng(4)
    matrix = np.tile(rng.normal(size=(5_003, 12)).astype(np.float32), (8, 1))
    queries = rng.normal(size=(5, 12)).astype(np.float32)
    index = NeighbourIndex(matrix, metric="cosine")
    assert index.n >= knn._BLOCK * 4 * 150  # the block path is the one tested
    idx, score = index.query(queries, k=150)
    want_idx, want_score = _brute(matrix, queries, 150)
    np.testing.assert_allclose(score, want_score, rtol=0, atol=1e-6)
    # Ties may pick other copies at the k-th value only; above it the words are the same.
    for q, got, want, s in zip(queries, idx, want_idx, want_score, strict=True):
        above = s > s[-1] + 1e-6
        assert set(got[above].tolist()) == set(want[above].tolist())
        assert len(set(got.tolist())) == 150  # distinct rows, each with the cosine it reports
        true = normalise_rows(matrix[got]) @ normalise_rows(q[None])[0]
        np.testing.assert_allclose(true, s, rtol=0, atol=1e-6)
