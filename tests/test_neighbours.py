from types import SimpleNamespace

import numpy as np
import pytest

from pe_core.neighbours import NeighbourIndex, nearest, neighbour_drift, normalise_rows
from pe_core.vectors import Vectors


def _brute_cosine(matrix, queries, k):
    m = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    sims = q.astype(np.float64) @ m.astype(np.float64).T
    order = np.argsort(-sims, axis=1)[:, :k]
    return order, np.take_along_axis(sims, order, axis=1)


def test_nearest_cosine_equals_brute_force():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(3000, 25)).astype(np.float32)
    queries = rng.normal(size=(13, 25))
    idx, scores = nearest(matrix, queries, k=7)
    want_idx, want_scores = _brute_cosine(matrix, queries, 7)
    assert idx.shape == (13, 7) and scores.shape == (13, 7)
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_allclose(scores, want_scores, atol=1e-5)


def test_nearest_euclidean_equals_brute_force():
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(2000, 10)).astype(np.float32)
    queries = rng.normal(size=(5, 10)).astype(np.float32)
    idx, dist = nearest(matrix, queries, k=4, metric="euclidean")
    full = np.linalg.norm(matrix[None].astype(np.float64) - queries[:, None], axis=2)
    want = np.argsort(full, axis=1)[:, :4]
    np.testing.assert_array_equal(idx, want)
    np.testing.assert_allclose(dist, np.take_along_axis(full, want, axis=1), rtol=1e-5)


def test_hand_computed_cosine_and_exclude():
    matrix = np.array([[1, 0], [0, 1], [1, 1], [-1, 0]], dtype=np.float32)
    idx, sims = nearest(matrix, [[1, 0]], k=4)
    assert idx.tolist() == [[0, 2, 1, 3]]
    np.testing.assert_allclose(sims, [[1.0, np.sqrt(0.5), 0.0, -1.0]], atol=1e-6)
    idx, _ = nearest(matrix, [[1, 0]], k=2, exclude=[0])
    assert idx.tolist() == [[2, 1]]


def test_batching_gives_the_same_answer(monkeypatch):
    import pe_core.knn as nb

    rng = np.random.default_rng(2)
    matrix = rng.normal(size=(500, 8)).astype(np.float32)
    queries = rng.normal(size=(9, 8))
    whole = NeighbourIndex(matrix).query(queries, k=3)
    monkeypatch.setattr(nb, "_BLOCK_FLOATS", 1000)  # 2 queries per batch
    batched = NeighbourIndex(matrix).query(queries, k=3)
    np.testing.assert_array_equal(whole[0], batched[0])
    np.testing.assert_allclose(whole[1], batched[1], atol=1e-6)  # BLAS blocking: last bit


def test_k_equal_to_n_returns_everything_sorted():
    matrix = np.array([[3, 0], [1, 0], [2, 0]], dtype=np.float32)
    idx, dist = nearest(matrix, [[0, 0]], k=3, metric="euclidean")
    assert idx.tolist() == [[1, 2, 0]]
    np.testing.assert_allclose(dist, [[1, 2, 3]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "k must be an integer >= 1; got 0"),
        ({"k": 6}, r"k=6 is larger than the 5 candidate rows"),
        ({"k": 5, "exclude": [1]}, r"k=5 is larger than the 4 candidate rows .*1 excluded"),
        ({"metric": "manhattan"}, "metric must be one of cosine, euclidean; got 'manhattan'"),
        ({"exclude": [9]}, r"exclude holds indices outside 0..4"),
    ],
)
def test_nearest_errors(kwargs, message):
    matrix = np.eye(5, dtype=np.float32)
    with pytest.raises(ValueError, match=message):
        nearest(matrix, np.ones((1, 5)), **kwargs)


def test_dimension_mismatch_is_an_error():
    with pytest.raises(ValueError, match="queries have dimension 3 but the matrix has dimension 5"):
        nearest(np.eye(5), np.ones((2, 3)), k=1)


def _drift_fixture():
    words = ["east", "north", "west", "south", "northeast"]
    matrix = np.array([[1, 0], [0, 1], [-1, 0], [0, -1], [1, 1]], dtype=np.float32)
    vectors = Vectors(words, matrix)
    # One token walks from zero to east to north; the other stays west.
    trajectory = np.array(
        [
            [[0, 0], [-1, 0.1]],
            [[1, 0.05], [-1, 0.1]],
            [[0.05, 1], [-1, 0.1]],
        ],
        dtype=np.float32,
    )
    result = SimpleNamespace(
        tokens=["<url>", "<unk>"],
        token_kinds=["special", "unk"],
        trajectory=trajectory,
        steps=np.array([0, 10, 20]),
        epochs=np.array([0.0, 0.5, 1.0]),
    )
    return result, vectors


def test_neighbour_drift_tracks_entries_and_exits():
    result, vectors = _drift_fixture()
    drift = neighbour_drift(result, vectors, k=2, words=["south"])
    url_top = drift.top[drift.top.token == "<url>"]
    assert url_top.snapshot.tolist() == [1, 1, 2, 2]  # snapshot 0 is the zero vector
    assert url_top.word.tolist() == ["east", "northeast", "north", "northeast"]
    assert drift.zero_snapshots == {"<url>": 1, "<unk>": 0}
    changes = drift.changes[drift.changes.token == "<url>"]
    # Snapshot 1 is <url>'s first direction: its first top-k, not two words "entering".
    assert changes[["word", "event", "snapshot", "step"]].values.tolist() == [
        ["north", "entered", 2, 20],
        ["east", "left", 2, 20],
    ]
    assert drift.changes[drift.changes.token == "<unk>"].empty
    summary = drift.summary.set_index("token")
    assert summary.loc["<url>", ["entered", "left"]].tolist() == [1, 1]
    assert summary.loc["<url>", "overlap"] == 0.5
    assert summary.loc["<unk>", "last_top"] == ["west", "north"]


def test_neighbour_drift_similarity_to_chosen_words():
    result, vectors = _drift_fixture()
    drift = neighbour_drift(result, vectors, k=2, words=["south"])
    south = drift.similarity[
        (drift.similarity.token == "<url>") & (drift.similarity.word == "south")
    ]
    assert south.chosen.all()
    assert south.step.tolist() == [0, 10, 20]
    want = [np.nan, -0.05 / np.hypot(1, 0.05), -1 / np.hypot(0.05, 1)]
    np.testing.assert_allclose(south.similarity, want, atol=1e-6)
    assert south["rank"].isna().all()
    east = drift.similarity[(drift.similarity.token == "<url>") & (drift.similarity.word == "east")]
    assert east["rank"].tolist()[1] == 1.0


def test_neighbour_drift_errors():
    result, vectors = _drift_fixture()
    with pytest.raises(ValueError, match=r"words not in the vectors: \['nowhere'\]"):
        neighbour_drift(result, vectors, words=["nowhere"])
    with pytest.raises(ValueError, match="k=9 is larger than the 5 candidate rows"):
        neighbour_drift(result, vectors, k=9)
    result.trajectory = np.zeros((3, 2, 4), dtype=np.float32)
    with pytest.raises(ValueError, match="trajectory dimension 4 differs from the vectors' 2"):
        neighbour_drift(result, vectors)


@pytest.mark.parametrize("n", [64 * 640, 64 * 640 + 37])
def test_block_top_k_is_exact_on_large_matrices(n):
    from pe_core.knn import _top_columns

    values = np.random.default_rng(n).normal(size=(5, n)).astype(np.float32)
    values[0, 100:110] = 9.0  # the whole top-10 of row 0 inside one block
    values[1, 200:300] = 8.0  # a top-100 over several blocks of 16 (the block for k > 64)
    for k in (1, 10, 30, 100):
        want = np.sort(values, axis=1)[:, n - k :]  # the k largest values (ties in rows 0, 1)
        top = _top_columns(np.ascontiguousarray(values.T), k)
        got = np.take_along_axis(values, top, axis=1)
        np.testing.assert_array_equal(np.sort(got, axis=1), want)
        assert all(len(set(row.tolist())) == k for row in top)
    index = NeighbourIndex(np.random.default_rng(1).normal(size=(n, 4)))
    q = np.random.default_rng(2).normal(size=(3, 4))
    sims = normalise_rows(q) @ index._prepared.T
    np.testing.assert_array_equal(index.query(q, k=5)[0], np.argsort(-sims, axis=1)[:, :5])


def test_the_drift_of_one_token():
    result, vectors = _drift_fixture()
    result.trajectory[:, 1] = 0  # <unk> never gets a direction
    drift = neighbour_drift(result, vectors, k=2)
    assert drift.covers("<url>") and not drift.covers("<unk>")
    assert drift.changes_of("<url>").values.tolist() == [
        [2, 1.0, "entered", "north"],
        [2, 1.0, "left", "east"],
    ]
    assert drift.entered_left("<url>") == (1, 1)
    assert drift.entered_left("<unk>") == (0, 0)
    mine = drift.of_token("<url>")
    assert set(mine.similarity.token) == {"<url>"}
    assert len(mine.similarity) == len(drift.similarity[drift.similarity.token == "<url>"])
    assert mine.changes is drift.changes and mine.k == 2
