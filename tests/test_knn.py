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
