from types import SimpleNamespace

import numpy as np
import pytest

from pe_core.axes import SemanticAxis
from pe_core.semantic_plane import (
    default_plane_words,
    plane_figure,
    plane_paths,
    words_on_plane,
)
from pe_core.vectors import Vectors

WORDS = ["good", "bad", "excited", "calm"]
MATRIX = np.array([[1, 0], [-1, 0], [0, 1], [0, -1]], dtype=np.float32)


def _plane():
    v = Vectors(WORDS, MATRIX)
    return v, SemanticAxis(["good"], ["bad"], v), SemanticAxis(["excited"], ["calm"], v)


def test_paths_are_the_scores_on_both_axes_and_nan_before_a_direction():
    v, x_axis, y_axis = _plane()
    traj = np.array([[[0, 0], [3, 0]], [[2, 2], [0, -5]]], dtype=np.float32)  # 2 snaps x 2
    result = SimpleNamespace(
        trajectory=traj,
        tokens=["<smile>", "<sadface>"],
        token_kinds=["special", "special"],
        steps=[0, 10],
        epochs=[0.0, 1.0],
    )
    paths = plane_paths(result, x_axis, y_axis)
    smile = paths[paths.token == "<smile>"]
    assert np.isnan(smile.x.iloc[0]) and np.isnan(smile.y.iloc[0])  # the zero vector
    # (2, 2): cos to good = cos to excited = 1/sqrt(2), to bad = calm = -1/sqrt(2).
    assert smile.x.iloc[1] == pytest.approx(np.sqrt(2)) and smile.y.iloc[1] == pytest.approx(
        np.sqrt(2)
    )
    sad = paths[paths.token == "<sadface>"]
    assert sad.x.tolist() == pytest.approx([2.0, 0.0])
    assert sad.y.tolist() == pytest.approx([0.0, -2.0])
    np.testing.assert_allclose(
        words_on_plane(MATRIX, x_axis, y_axis), [[2, 0], [-2, 0], [0, 2], [0, -2]], atol=1e-6
    )
    fig = plane_figure(
        paths,
        x_axis,
        y_axis,
        words_on_plane(MATRIX, x_axis, y_axis),
        WORDS,
        ["<smile>", "<sadface>"],
    )
    ends = [a.text for a in fig.layout.annotations if a.name == "path end"]
    assert ends == ["<b><smile></b>", "<b><sadface></b>"]
    assert fig.layout.xaxis.title.text == "← bad   ·   good →"
    assert [t.name for t in fig.data if t.mode == "lines"] == ["<smile>", "<sadface>"]


def test_default_second_axis_uses_the_words_the_vectors_hold():
    v = Vectors(["calm", "angry", "x"], np.eye(3, dtype=np.float32))
    assert default_plane_words(v) == (["angry"], ["calm"])
    with pytest.raises(ValueError, match="no default second axis"):
        default_plane_words(Vectors(["x", "y"], np.eye(2, dtype=np.float32)))
