"""Tests for pe_core.stored_neighbours: neighbours searched once per snapshot during training."""

import numpy as np
import pytest
from tiny_corpus import LABELS, TEXTS, TINY, VECTORS

from pe_core import stored_neighbours as SN
from pe_core import training as T
from pe_core.neighbours import NeighbourIndex, nearest, neighbour_drift
from pe_core.projection import Projector, project_trajectory
from pe_core.vectors import Vectors


@pytest.fixture(scope="module")
def result():
    return T.train(VECTORS, TEXTS, LABELS, snapshot_every=3, **TINY)


def test_every_snapshot_has_its_exact_top_k_over_the_whole_vocabulary(result):
    nb = result.neighbours
    s_count, k_count, _ = result.trajectory.shape
    K = min(SN.STORED_K, len(VECTORS))
    assert nb.k == K and nb.indices.shape == (s_count, k_count, K) == nb.similarities.shape
    assert nb.indices.dtype == np.int32 and nb.similarities.dtype == np.float32
    assert nb.zero[0].all()  # zeros init: no direction at step 0
    np.testing.assert_array_equal(nb.zero, ~np.any(result.trajectory, axis=2))
    assert not nb.zero[-1, 1:].any()
    for s in range(1, s_count):
        moving = ~nb.zero[s]  # a zero row has no neighbours (placeholders, cosine 0)
        idx, sim = nearest(VECTORS.matrix, result.trajectory[s][moving], k=K)
        np.testing.assert_array_equal(nb.indices[s][moving], idx)
        np.testing.assert_allclose(nb.similarities[s][moving], sim, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(nb.similarities[s][~moving], 0.0)
    assert nb.seconds > 0
    assert 0 < nb.full_searches <= int((~nb.zero).sum())


def test_an_unmoved_snapshot_is_answered_without_a_whole_vocabulary_search():
    from pe_core.stored_neighbours import NeighbourRecorder

    rng = np.random.default_rng(4)
    vectors = Vectors([f"w{i}" for i in range(500)], rng.standard_normal((500, 8)))
    rows = rng.standard_normal((4, 8)).astype(np.float32)
    rows[2] = 0.0  # no direction: never searched
    recorder = NeighbourRecorder(vectors, k=5, background=False)
    recorder.submit(0, rows)
    recorder.submit(1, rows.copy())  # the same rows again: all three from their candidates
    assert recorder.full_searches == 3
    stacked = recorder.stack(recorder.results([0, 1]), 4, 5, 0.1, recorder.full_searches)
    assert stacked.full_searches == 3
    np.testing.assert_array_equal(stacked.indices[0], stacked.indices[1])
    assert stacked.select([1]).full_searches == 3


def test_drift_and_map_read_the_stored_neighbours_instead_of_searching(result, monkeypatch):
    plain = T.train(VECTORS, TEXTS, LABELS, snapshot_every=3, neighbours_k=None, **TINY)
    assert plain.neighbours is None
    searched = neighbour_drift(plain, VECTORS, k=5, words=["good"])
    projector = Projector("pca").fit(VECTORS.matrix, VECTORS.words)
    searched_map = project_trajectory(plain, projector, VECTORS)

    def no_search(*args, **kwargs):
        raise AssertionError("searched the vocabulary although the neighbours are stored")

    monkeypatch.setattr(NeighbourIndex, "query", no_search)
    stored = neighbour_drift(result, VECTORS, k=5, words=[])
    stored_map = project_trajectory(result, projector, VECTORS)
    # Same seed, same run: the stored answers are the searched ones.
    cols = ["token", "snapshot", "rank", "word"]
    assert stored.top[cols].equals(searched.top[cols]) and stored.changes.equals(searched.changes)
    np.testing.assert_allclose(stored.top.similarity, searched.top.similarity, rtol=1e-5, atol=1e-6)
    assert stored_map[["token", "snapshot", "nearest"]].equals(
        searched_map[["token", "snapshot", "nearest"]]
    )
    np.testing.assert_allclose(stored_map.similarity, searched_map.similarity, rtol=1e-5, atol=1e-6)
    with pytest.raises(AssertionError, match="searched the vocabulary"):
        neighbour_drift(result, VECTORS, k=SN.STORED_K + 1)  # more than stored: must search


def test_token_neighbours_reads_stored_cosine_and_searches_euclidean(result):
    idx, sim = SN.token_neighbours(result, VECTORS, 1, 2, 3)
    np.testing.assert_array_equal(idx, result.neighbours.indices[2, 1, :3])
    e_idx, e_dist = SN.token_neighbours(result, VECTORS, 1, 2, 3, metric="euclidean")
    want = nearest(VECTORS.matrix, result.trajectory[2, 1], k=3, metric="euclidean")
    np.testing.assert_array_equal(e_idx, want[0][0])


def test_the_index_is_built_once_per_vectors_and_read_only():
    vectors = Vectors(["a", "b", "c"], np.eye(3) * 2)
    first = SN.shared_index(vectors)
    assert SN.shared_index(vectors) is first
    assert not first._prepared.flags.writeable
    np.testing.assert_allclose(first._prepared, np.eye(3))
    assert SN.shared_index(Vectors(["a", "b", "c"], np.eye(3))) is not first


def test_snapshots_are_bounded_for_any_k_and_the_bound_is_said():
    assert SN.max_snapshots_for(30, 500) == 500
    assert SN.max_snapshots_for(4_000, 500) == 50  # 200,000 token-snapshots
    assert SN.max_snapshots_for(10**7, 500) == 2
    texts = [f"good zz{i} zz{i}" for i in range(500)]
    labels = ["pos", "neg"] * 250
    run = T.train(VECTORS, texts, labels, snapshot_every=1, **TINY)  # TINY: no OOV cap
    k = len(run.tokens)
    assert k == 501 and len(run.trajectory) <= SN.SNAPSHOT_ROW_BUDGET // k
    assert any(f"with k={k} trainable rows at most" in n for n in run.notices)


def test_a_poll_copies_only_the_snapshots_after_a_step(result):
    run = T.TrainingRun(VECTORS, TEXTS, LABELS, snapshot_every=3, **TINY).start()
    assert run.join(300)
    every = run.snapshots()
    later = run.snapshots(after_step=int(every["steps"][2]))
    assert later["steps"].tolist() == every["steps"][3:].tolist()
    assert later["all_steps"].tolist() == every["steps"].tolist()
    np.testing.assert_array_equal(later["trajectory"], every["trajectory"][3:])
    np.testing.assert_array_equal(later["neighbours"].indices, every["neighbours"].indices[3:])


def test_moving_top_k_is_exact_while_rows_drift_and_jump():
    from pe_core.moving_knn import MovingTopK

    rng = np.random.default_rng(5)
    words = rng.normal(size=(5_000, 8)).astype(np.float32)
    index = NeighbourIndex(words)
    moving = MovingTopK(index, k=10, candidates=40)
    rows = rng.normal(size=(6, 8)).astype(np.float32)
    rows[5] = 0.0  # a row that never moves off zero
    for step in range(40):
        rows[:5] += rng.normal(scale=0.02, size=(5, 8))  # small moves: candidates answer
        if step % 13 == 12:
            rows[0] = rng.normal(size=8)  # a jump: must be searched again
        idx, sim, zero = moving.query(rows)
        want_idx, want_sim = index.query(rows[:5], k=10)
        np.testing.assert_array_equal(idx[:5], want_idx)
        np.testing.assert_allclose(sim[:5], want_sim, rtol=1e-5, atol=1e-6)
        assert zero.tolist() == [False] * 5 + [True]
        np.testing.assert_array_equal(sim[5], 0.0)
    assert moving.reused > 100 and moving.full_searches >= 5 + 3


def test_the_worker_searches_every_submitted_snapshot_in_order_and_skips_discarded_ones():
    from pe_core.neighbours import NeighbourIndex
    from pe_core.stored_neighbours import NeighbourRecorder
    from pe_core.vectors import Vectors

    rng = np.random.default_rng(3)
    vectors = Vectors([f"w{i}" for i in range(300)], rng.standard_normal((300, 6)))
    snaps = [rng.standard_normal((4, 6)).astype(np.float32) for _ in range(5)]
    snaps[0][1] = 0.0  # a zero row: flagged, not searched
    recorder = NeighbourRecorder(vectors, k=5)
    for seq, rows in enumerate(snaps):
        recorder.submit(seq, rows)
    recorder.discard([2])
    recorder.finish()
    assert recorder.ready(range(5)) in ([True, True, False, True, True], [True] * 5)
    kept = [0, 1, 3, 4]
    recorder.discard([2])  # whether or not it was searched before the discard: gone now
    assert recorder.ready(range(5)) == [True, True, False, True, True]
    exact = NeighbourIndex(vectors.matrix)
    for seq, (idx, sim, zero) in zip(kept, recorder.results(kept), strict=True):
        want, want_sim = exact.query(snaps[seq], k=5)
        live = ~zero
        assert zero.tolist() == [seq == 0 and r == 1 for r in range(4)]
        assert idx[live].tolist() == want[live].tolist()
        np.testing.assert_allclose(sim[live], want_sim[live], rtol=0, atol=1e-5)


def test_a_failed_search_in_the_worker_is_raised_by_finish():
    from pe_core.stored_neighbours import NeighbourRecorder
    from pe_core.vectors import Vectors

    recorder = NeighbourRecorder(Vectors(["a", "b", "c"], np.eye(3)), k=2)
    recorder.submit(0, np.ones((2, 3), np.float32))
    recorder.submit(1, np.ones((2, 4), np.float32))  # the wrong dimension
    with pytest.raises(ValueError, match="could not be broadcast"):
        recorder.finish()
    assert recorder.ready([0, 1]) == [True, False]
