import numpy as np
import pytest

from pe_core.faithfulness import (
    faithfulness,
    has_direction,
    map_agreement,
    map_diameter,
    token_near_hits,
    word_near_share,
)

# Four words on the unit circle in 2-D, drawn at their own coordinates (a perfect map) except
# that "north" and "south" are swapped on the map.
REF = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], dtype=np.float32)
XY_TRUE = REF.astype(np.float64) * 10
XY_SWAPPED = XY_TRUE[[0, 3, 2, 1]]


def test_has_direction_is_relative_to_the_reference_length():
    rows = np.array([[0.0, 0.0], [1e-6, 0.0], [1e-3, 0.0]])
    assert has_direction(rows).tolist() == [False, False, True]
    assert has_direction(rows, 100 * REF).tolist() == [False, False, False]


def test_map_diameter_is_the_largest_distance():
    assert map_diameter(XY_TRUE) == pytest.approx(20.0)
    assert map_diameter([[0, 0], [3, 4], [np.nan, 1]]) == pytest.approx(5.0)


def test_near_counts_true_nearest_words_among_map_neighbours():
    # k=1: each word's nearest other word (a tie of two at 90 degrees: the first) must be the
    # single map point nearest to it.
    assert word_near_share(REF, XY_TRUE, k=1) == 1.0
    token = np.array([[1.0, 0.1]])  # true nearest: east (row 0)
    assert token_near_hits(REF, XY_TRUE, token, [[9.0, 1.0]], k=1).tolist() == [True]
    assert token_near_hits(REF, XY_TRUE, token, [[-9.0, 1.0]], k=1).tolist() == [False]


def test_map_agreement_counts_shared_neighbours():
    token = np.array([[1.0, 0.2]])  # true top-2: east, north
    assert map_agreement(REF, XY_TRUE, token, [[9.0, 2.0]], k=2).tolist() == [2]
    # On the swapped map, the points drawn nearest to (9, 2) are east and "south"'s spot.
    assert map_agreement(REF, XY_SWAPPED, token, [[9.0, 2.0]], k=2).tolist() == [1]


def test_tortuosity_and_largest_step_by_hand():
    # One token going east -> north in d dimensions along three points of the quarter circle;
    # drawn with a detour through (10, 10) and back to north: a crooked 2-D path.
    angles = np.radians([0, 45, 90])
    traj = np.stack([np.cos(angles), np.sin(angles)], axis=1)[:, None, :]
    zero = np.zeros((1, 1, 2))
    traj = np.concatenate([zero, traj])  # snapshot 0: zero init, not on the map
    drawn = np.array([[[np.nan, np.nan]], [[10, 0]], [[20, 20]], [[0, 10]]], dtype=float)
    f = faithfulness(REF, XY_TRUE, traj, drawn, k=1)
    chord = 2 * np.sin(np.radians(22.5))
    d_ratio = 2 * chord / np.sqrt(2)
    m_ratio = (np.hypot(10, 20) + np.hypot(20, 10)) / np.hypot(10, 10)
    assert f.moving == 1
    np.testing.assert_allclose(f.tortuosity, [m_ratio / d_ratio])
    np.testing.assert_allclose(f.largest_step, [np.hypot(10, 20) / 20])
    # Last snapshot: at north's true spot, and north is its nearest word.
    assert f.token_near_share == 1.0 and f.near == 1.0
    assert "near 1.00" in f.line() and "1 moving tokens" in f.line()
    assert "tokens are drawn among their true nearest words · near" in f.line()


def test_a_map_that_draws_tokens_among_the_wrong_words_says_so():
    traj = np.stack([REF[:1], REF[1:2]])  # east, then north: a moving token
    drawn = np.stack([XY_TRUE[:1], XY_TRUE[3:4]])  # north drawn on south
    f = faithfulness(REF, XY_TRUE, traj, drawn, k=1)
    assert f.token_near_share == 0.0 and f.near == 0.0
    assert f.line().startswith(
        "Faithfulness of this map · on this map the words drawn around a token are NOT its "
        "true nearest words (only 0% of tokens have their nearest word among the 10 drawn "
        "around them): read a token's neighbours from its hover · near 0.00"
    )


def test_a_token_that_never_turns_is_not_moving():
    traj = np.stack([REF[:1] * s for s in (1.0, 2.0, 3.0)])  # longer, same direction
    drawn = np.repeat(XY_TRUE[None, :1], 3, axis=0)
    f = faithfulness(REF, XY_TRUE, traj, drawn)
    assert f.moving == 0 and f.line() == "Faithfulness: no token has moved yet."
