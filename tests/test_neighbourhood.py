from types import SimpleNamespace

import numpy as np
import pytest

from pe_core.neighbourhood import (
    change_figure,
    change_ranking,
    distances,
    endpoints,
    first_directions,
    token_change,
)

MATRIX = np.array([[1, 0], [0.9, 0.3], [0, 1], [-1, 0], [0, -1]], dtype=np.float32)


def _result():
    # <still> never moves; <walk> starts at zero, points east, then north; <unk> stays zero.
    traj = np.array(
        [
            [[1, 0], [0, 0], [0, 0]],
            [[1, 0], [1, 0], [0, 0]],
            [[1, 0], [0, 3], [0, 0]],
        ],
        dtype=np.float32,
    )
    return SimpleNamespace(
        tokens=["<still>", "<walk>", "<unk>"],
        token_kinds=["special", "special", "unk"],
        trajectory=traj,
        steps=np.array([0, 10, 20]),
        epochs=np.array([0.0, 0.5, 1.0]),
    )


def test_a_token_that_never_moves_has_overlap_one_and_distance_zero():
    result = _result()
    curves = token_change(result, MATRIX, "<still>", k=2, k_max=5)
    assert curves.jaccard_first.tolist() == [1.0, 1.0, 1.0]
    assert curves.jaccard_final.tolist() == [1.0, 1.0, 1.0]
    assert curves.l2_from_start.tolist() == [0.0, 0.0, 0.0]
    assert curves.cosine_from_start.tolist() == [0.0, 0.0, 0.0]


def test_a_walking_token_hand_computed():
    result = _result()
    assert first_directions(result.trajectory).tolist() == [0, 1, -1]
    curves = token_change(result, MATRIX, "<walk>", k=2, k_max=5)
    # east -> {0, 1}; north -> {2, 1}: Jaccard 1/3 (rows 0,1 vs 2,1 share row 1).
    np.testing.assert_allclose(curves.jaccard_first, [np.nan, 1.0, 1 / 3])
    np.testing.assert_allclose(curves.jaccard_final, [np.nan, 1 / 3, 1.0])
    np.testing.assert_allclose(curves.l2_from_start, [0.0, 1.0, 3.0])
    np.testing.assert_allclose(curves.cosine_from_start, [np.nan, 0.0, 1.0])
    l2, cos = distances(result.trajectory)
    assert np.isnan(cos[:, 2]).all() and l2[:, 2].tolist() == [0, 0, 0]


def test_ranking_puts_the_most_changed_first_and_zero_tokens_last():
    result = _result()
    ends = endpoints(result.trajectory, MATRIX, k=5)
    assert ends.k == 5 and (ends.first[2] == -1).all()
    table = change_ranking(result, ends, k=2)
    assert table.token.tolist() == ["<walk>", "<still>", "<unk>"]
    assert table.changed.tolist()[:2] == pytest.approx([2 / 3, 0.0])
    assert np.isnan(table.changed.iloc[2])
    with pytest.raises(ValueError, match="k must be an integer from 1 to 5; got 6"):
        change_ranking(result, ends, k=6)
    with pytest.raises(ValueError, match="'<nope>' is not a trainable token"):
        token_change(result, MATRIX, "<nope>", k=2)
    fig = change_figure(token_change(result, MATRIX, "<walk>", k=2, k_max=5), "<walk>", 2)
    assert [t.name for t in fig.data] == [
        "vs its first trained snapshot",
        "vs the final snapshot",
        "L2 distance",
        "cosine distance",
    ]


def _with_stored(result, k: int = 3):
    """The result plus its stored neighbours, searched here the way training stores them."""
    from pe_core.neighbours import NeighbourIndex
    from pe_core.stored_neighbours import SnapshotNeighbours

    traj = result.trajectory
    idx, sim = NeighbourIndex(MATRIX).query(traj.reshape(-1, 2), k=k)
    shape = (*traj.shape[:2], k)
    zero = np.linalg.norm(traj, axis=2) == 0
    result.neighbours = SnapshotNeighbours(
        k, idx.reshape(shape).astype(np.int32), sim.reshape(shape), zero
    )
    return result


def test_change_reads_the_stored_neighbours_and_searches_nothing(monkeypatch):
    from pe_core.neighbours import NeighbourIndex

    searched = _result()
    want_curves = token_change(searched, MATRIX, "<walk>", k=2, k_max=5)
    want_ends = endpoints(searched.trajectory, MATRIX, k=3)
    stored = _with_stored(_result())

    def no_search(*args, **kwargs):
        raise AssertionError("searched the vocabulary although the neighbours are stored")

    monkeypatch.setattr(NeighbourIndex, "query", no_search)
    curves = token_change(stored, MATRIX, "<walk>", k=2, k_max=5)
    # east: {1,0 ; 0.9,0.3}; north: {0,1 ; 0.9,0.3}: one word of three shared
    assert curves.jaccard_first.tolist()[1:] == [1.0, 1 / 3]
    assert curves.equals(want_curves)
    ends = endpoints(stored.trajectory, MATRIX, k=50, stored=stored.neighbours)
    assert ends.k == 3  # at most the K stored
    assert ends.first.tolist() == want_ends.first.tolist()
    assert ends.final.tolist() == want_ends.final.tolist()
    assert ends.final[1, :2].tolist() == [2, 1]  # <walk> ends pointing north (then a tie)
    assert ends.first[2].tolist() == [-1, -1, -1]  # <unk> never had a direction
