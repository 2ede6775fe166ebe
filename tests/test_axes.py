from types import SimpleNamespace

import numpy as np
import pytest

from pe_core.axes import (
    BUILTIN_NEGATIVE,
    BUILTIN_POSITIVE,
    SemanticAxis,
    axis_figure,
    default_axis_words,
    movement,
    parse_words,
    reference_spread,
    trajectory_scores,
)
from pe_core.vectors import Vectors


def _vectors():
    words = ["good", "great", "bad", "other"]
    matrix = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 0]], dtype=np.float32)
    return Vectors(words, matrix)


def test_score_is_the_cosine_difference_to_the_poles_hand_computed():
    axis = SemanticAxis(["good", "great"], ["bad"], _vectors())
    # Positive pole: mean of (1,0,0) and (1,1,0)/sqrt2 = (0.8536, 0.3536, 0), normalised.
    pole = np.array([1 + 1 / np.sqrt(2), 1 / np.sqrt(2), 0]) / 2
    pole /= np.linalg.norm(pole)
    np.testing.assert_allclose(axis.positive_pole, pole, atol=1e-6)
    points = np.array([[3, 0, 0], [0, 0, 2], [0, 1, 0], [0, 0, 0]], dtype=np.float32)
    got = axis.score(points)
    np.testing.assert_allclose(got[:3], [pole[0], -1.0, pole[1]], atol=1e-6)
    assert np.isnan(got[3])  # the zero vector has no position on any axis
    assert axis.name == "bad ↔ good great"


def test_axis_errors_name_the_words():
    v = _vectors()
    with pytest.raises(ValueError, match=r"negative axis words not in the vectors: \['awful'\]"):
        SemanticAxis(["good"], ["awful"], v)
    with pytest.raises(ValueError, match=r"words on both ends of the axis: \['good'\]"):
        SemanticAxis(["good"], ["good", "bad"], v)
    with pytest.raises(ValueError, match="positive end of the axis needs at least one word"):
        SemanticAxis([], ["bad"], v)
    assert parse_words(" good, great  good ") == ["good", "great"]


def test_default_words_from_label_names_else_the_builtin_pair():
    v = Vectors(
        ["negative", "positive", *BUILTIN_POSITIVE, *BUILTIN_NEGATIVE],
        np.eye(10, dtype=np.float32),
    )
    assert default_axis_words(["negative", "neutral", "positive"], v) == (
        ["positive"],
        ["negative"],
    )
    assert default_axis_words(["0", "1"], v) == (list(BUILTIN_POSITIVE), list(BUILTIN_NEGATIVE))
    with pytest.raises(ValueError, match="no default axis"):
        default_axis_words(["0", "1"], Vectors(["x", "y"], np.eye(2, dtype=np.float32)))
    # Only the built-in words that have vectors are used.
    assert default_axis_words(["0", "1"], _vectors()) == (["good", "great"], ["bad"])


def test_trajectory_scores_movement_and_spread():
    v = _vectors()
    axis = SemanticAxis(["good"], ["bad"], v)
    result = SimpleNamespace(
        tokens=["<smile>", "<sad>", "<unk>"],
        token_kinds=["special", "special", "unk"],
        trajectory=np.array(
            [
                [[0, 0, 0], [0, 0, 0], [0, 0, 0]],
                [[1, 0, 1], [0, 0, 1], [0, 0, 0]],
                [[1, 0, 0], [0, 0, 1], [0, 0, 0]],
            ],
            dtype=np.float32,
        ),
        steps=np.array([0, 5, 10]),
        epochs=np.array([0.0, 0.5, 1.0]),
    )
    scores = trajectory_scores(result, axis)
    smile = scores[scores.token == "<smile>"]["score"].tolist()
    assert np.isnan(smile[0]) and smile[1:] == pytest.approx([0.0, 1.0])
    moves = movement(scores).set_index("token")
    assert moves.index.tolist() == ["<smile>", "<sad>", "<unk>"]  # biggest change first
    assert moves.loc["<smile>", ["start", "end", "change"]].tolist() == pytest.approx([0, 1, 1])
    assert moves.loc["<sad>", "change"] == 0.0 and np.isnan(moves.loc["<unk>", "change"])
    spread = reference_spread(axis, v.matrix)  # words score 1, 1/sqrt2, -1, 0
    assert spread["p50"] == pytest.approx(np.median([1, 1 / np.sqrt(2), -1, 0]))
    fig = axis_figure(scores, axis, spread, ["<smile>", "<sad>"])
    assert [t.name for t in fig.data] == ["<smile>", "<sad>"]
    assert "<b><smile></b>" in [a.text for a in fig.layout.annotations]
