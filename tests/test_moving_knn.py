"""MovingTopK: always exact, and cheap (no full search) while the rows move little."""

import numpy as np

from pe_core.knn import NeighbourIndex
from pe_core.moving_knn import MovingTopK


def _exact(index, rows, k):
    return index.query(rows, k=k)


def test_small_moves_reuse_the_candidates_and_stay_exact():
    rng = np.random.default_rng(1)
    words = rng.normal(size=(3_000, 12)).astype(np.float32)
    index = NeighbourIndex(words, metric="cosine")
    moving = MovingTopK(index, k=10, candidates=60)
    rows = rng.normal(size=(4, 12)).astype(np.float32)
    for _ in range(6):
        idx, sim, zero = moving.query(rows)
        want_idx, want_sim = _exact(index, rows, 10)
        np.testing.assert_array_equal(np.sort(idx, axis=1), np.sort(want_idx, axis=1))
        np.testing.assert_allclose(np.sort(sim, axis=1), np.sort(want_sim, axis=1), atol=1e-5)
        assert not zero.any()
        rows = rows + 1e-4 * rng.normal(size=rows.shape).astype(np.float32)
    assert moving.full_searches == 4  # once per row, at the first query
    assert moving.reused == 4 * 5


def test_a_big_move_searches_again_and_a_zero_row_has_no_neighbours():
    rng = np.random.default_rng(2)
    index = NeighbourIndex(rng.normal(size=(500, 6)).astype(np.float32), metric="cosine")
    moving = MovingTopK(index, k=5, candidates=20)
    rows = rng.normal(size=(2, 6)).astype(np.float32)
    moving.query(rows)
    jumped = np.stack([-rows[0], np.zeros(6, np.float32)])
    idx, sim, zero = moving.query(jumped)
    assert zero.tolist() == [False, True]
    assert sim[1].tolist() == [0.0] * 5
    want_idx, _ = index.query(jumped[:1], k=5)
    assert sorted(idx[0].tolist()) == sorted(want_idx[0].tolist())
    assert moving.full_searches == 3  # two first searches, then the jump


def test_query_many_answers_as_query_in_turn_with_fewer_products(monkeypatch):
    rng = np.random.default_rng(5)
    index = NeighbourIndex(rng.normal(size=(2_000, 8)).astype(np.float32), metric="cosine")
    rows = rng.normal(size=(6, 8)).astype(np.float32)
    snaps = []
    for step in range(12):  # drift, with jumps of single rows, and a row that starts at zero
        rows = rows + 0.02 * rng.normal(size=rows.shape).astype(np.float32)
        if step % 3 == 2:
            rows[step % 6] = rng.normal(size=8)
        snap = rows.copy()
        if step < 4:
            snap[5] = 0.0
        snaps.append(snap)
    one, many = MovingTopK(index, k=7, candidates=30), MovingTopK(index, k=7, candidates=30)
    want = [one.query(s) for s in snaps]
    calls = []
    original = index.query
    monkeypatch.setattr(index, "query", lambda q, k: calls.append(len(q)) or original(q, k=k))
    got = many.query_many(snaps[:5]) + many.query_many(snaps[5:])
    for (wi, ws, wz), (gi, gs, gz) in zip(want, got, strict=True):
        np.testing.assert_array_equal(gi, wi)
        np.testing.assert_allclose(gs, ws, atol=1e-6)
        np.testing.assert_array_equal(gz, wz)
    assert (many.full_searches, many.reused) == (one.full_searches, one.reused)
    assert sum(calls) == one.full_searches and len(calls) < 12
    exact, _ = index.query(snaps[-1], k=7)
    np.testing.assert_array_equal(got[-1][0], exact)


def test_query_many_with_a_changed_number_of_rows_starts_those_rows_afresh():
    rng = np.random.default_rng(6)
    index = NeighbourIndex(rng.normal(size=(400, 5)).astype(np.float32), metric="cosine")
    snaps = [rng.normal(size=(3, 5)).astype(np.float32), rng.normal(size=(4, 5)).astype(np.float32)]
    got = MovingTopK(index, k=4, candidates=20).query_many(snaps)
    for snap, (idx, _, zero) in zip(snaps, got, strict=True):
        assert idx.shape == (len(snap), 4) and not zero.any()
        np.testing.assert_array_equal(idx, index.query(snap, k=4)[0])
