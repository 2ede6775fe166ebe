"""Neighbour drift charts: the heatmap of one token's neighbours and the similarity lines."""

import json

import numpy as np
import pytest

from pe_core.neighbours import neighbour_drift
from pe_core.plots.drift import drift_heatmap, similarity_figure
from pe_core.plots.style import KIND_COLORS
from pe_core.vectors import Vectors


def _drift():
    vectors = Vectors(
        ["east", "north", "west", "south"],
        np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], dtype=np.float32),
    )
    traj = np.array([[[0, 0]], [[1, 0.1]], [[0.1, 1]]], dtype=np.float32)
    from types import SimpleNamespace

    result = SimpleNamespace(
        tokens=["<url>"],
        token_kinds=["special"],
        trajectory=traj,
        steps=np.array([0, 5, 9]),
        epochs=np.array([0.0, 0.5, 1.0]),
    )
    return neighbour_drift(result, vectors, k=2, words=["west"])


def test_drift_heatmap_words_by_final_rank():
    fig = drift_heatmap(_drift(), "<url>")
    heat = fig.data[0]
    assert list(heat.x) == ["0", "5", "9"]
    assert list(heat.y) == ["north", "east", "★ west"]
    assert [list(r) for r in heat.text] == [["", "2", "1"], ["", "1", "2"], ["", "", ""]]
    assert np.isnan(heat.z[0][0])  # zero vector at snapshot 0
    with pytest.raises(
        ValueError, match=r"token '<x>' is not in the drift table; tokens: \['<url>'\]"
    ):
        drift_heatmap(_drift(), "<x>")


def test_similarity_figure_one_line_per_token_and_word():
    fig = similarity_figure(_drift())
    assert [t.name for t in fig.data] == ["<url> · west"]
    assert fig.data[0].line.color == KIND_COLORS["special"]
    assert list(fig.data[0].x) == [0, 5, 9]
    json.loads(fig.to_json())
