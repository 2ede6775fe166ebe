import numpy as np
import pandas as pd
import pytest

from pe_core import plots
from pe_core.focus import DIM, add_focus, add_word_callout, colour_by_cosine, focus_neighbours


def _frame():
    rows = []
    for s, (sx, sy) in enumerate([(0.0, 0.0), (1.0, 0.0), (2.0, 1.0)]):
        rows.append(
            ["<smile>", "special", s, 10 * s, s / 2, sx, sy, "" if s == 0 else "happy", 0.8]
        )
        rows.append(["<url>", "special", s, 10 * s, s / 2, -sx, sy, "" if s == 0 else "web", 0.5])
    cols = ["token", "kind", "snapshot", "step", "epoch", "x", "y", "nearest", "similarity"]
    return pd.DataFrame(rows, columns=cols)


def test_focus_neighbours_are_the_true_top_k_and_nan_for_a_zero_vector():
    matrix = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
    trajectory = np.array([[[0, 0]], [[1, 0.1]], [[0, 1]]], dtype=np.float32)
    idx, cos = focus_neighbours(trajectory, matrix, 0, k=2)
    assert idx[1].tolist() == [0, 2] and idx[2].tolist() == [1, 2]
    np.testing.assert_allclose(cos[2], [1.0, 1 / np.sqrt(2)], atol=1e-6)
    assert np.isnan(cos[0]).all()


def test_focus_token_is_called_out_in_every_frame_and_the_others_are_dimmed():
    df = _frame()
    ref_xy = np.array([[2.0, 1.2], [-3.0, -3.0]])
    fig = plots.animated_map(df, ref_xy, ["happy", "far"])
    neighbours = {1: (["far"], [0.1]), 2: (["happy", "gone"], [0.8, 0.7])}
    add_focus(
        fig,
        df,
        "<smile>",
        "#4c78a8",
        ref_xy=ref_xy,
        ref_words=["happy", "far"],
        neighbours=neighbours,
    )
    assert [a.text for a in fig.layout.annotations] == ["<b><smile></b>"]
    last = fig.frames[-1]
    note = last.layout.annotations[-1]
    assert (note.x, note.y, note.text) == (2.0, 1.0, "<b><smile></b>")
    first = fig.frames[0].layout.annotations[-1]
    assert first.text == "<b><smile> (no direction yet)</b>"
    by_name = {t.name: t for t in last.data}
    assert list(by_name["nearest words of <smile>"].text) == ["happy 0.80"]  # "gone" is off-map
    assert by_name["focus token"].marker.size == 24
    assert list(by_name["focus path"].x) == [0.0, 1.0, 2.0]
    assert by_name["special"].opacity == DIM
    assert len(last.traces) == len(last.data)
    with pytest.raises(ValueError, match="'<nope>' is not a token on this map"):
        add_focus(fig, df, "<nope>", "#000")


def test_word_callout_and_colour_bar():
    df = _frame()
    fig = plots.paths_figure(df, np.array([[0.0, 1.0], [1.0, 1.0]]), ["happy", "sad"])
    assert add_word_callout(fig, "sad", np.array([[0.0, 1.0], [1.0, 1.0]]), ["happy", "sad"])
    assert not add_word_callout(fig, "nowhere", np.zeros((2, 2)), ["happy", "sad"])
    assert fig.layout.annotations[-1].text == "<b>sad</b>"
    colour_by_cosine(fig, [0.5, -0.25], "<smile>")
    assert list(fig.data[0].marker.color) == [0.5, -0.25]
    assert fig.data[0].marker.colorbar.title.text == "cosine to <smile>"
    assert (fig.data[0].marker.cmin, fig.data[0].marker.cmax) == (-0.25, 0.5)
