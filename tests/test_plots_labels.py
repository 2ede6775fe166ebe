"""Token labels on a map: at most one per side of a point, never over another marker."""

import numpy as np
import pandas as pd
from plot_tables import REF_WORDS, REF_XY

from pe_core.plots.animation import animated_map
from pe_core.plots.labels import label_priority, place_labels


def _at(points):
    return pd.DataFrame([{"token": t, "x": x, "y": y} for t, x, y in points])


def test_place_labels_puts_at_most_one_label_per_side_of_a_crowded_point():
    tokens = [f"<t{i}>" for i in range(10)]
    rows = _at([(t, 0.5, 0.5) for t in tokens])
    where = place_labels(rows, [0, 1], [0, 1], priority=tokens[::-1])
    placed = {t: p for t, p in where.items() if p}
    assert placed == {
        "<t9>": "top center",
        "<t8>": "bottom center",
        "<t7>": "middle right",
        "<t6>": "middle left",
    }


def test_place_labels_does_not_cover_another_tokens_marker():
    # <b> sits just above <a>: a label above <a> would hide it, so it goes below.
    rows = _at([("<a>", 0.5, 0.5), ("<b>", 0.5, 0.53)])
    where = place_labels(rows, [0, 1], [0, 1], priority=["<a>", "<b>"])
    assert where == {"<a>": "bottom center", "<b>": "top center"}


def test_place_labels_keeps_labels_of_points_far_apart():
    rows = _at([("<url>", 0.3, 0.3), ("<user>", 0.7, 0.7), ("🙂", 0.3, 0.7)])
    where = place_labels(rows, [0, 1], [0, 1], priority=[])
    assert where == {"<url>": "top center", "<user>": "top center", "🙂": "top center"}


def test_place_labels_turns_labels_inwards_at_the_plot_edges():
    rows = _at([("<neutralface>", -4.9, 0.0), ("<hashtag>", 4.9, 0.0), ("<url>", 0.0, 9.9)])
    where = place_labels(rows, [-5, 5], [-10, 10], priority=[])
    assert where == {
        "<neutralface>": "top right",
        "<hashtag>": "top left",
        "<url>": "bottom center",
    }


def test_place_labels_skips_points_without_coordinates():
    rows = _at([("<url>", np.nan, 0.0), ("<user>", 0.0, 0.0)])
    assert place_labels(rows, [-1, 1], [-1, 1], priority=["<url>"]) == {
        "<url>": None,
        "<user>": "top center",
    }


def test_map_labels_stacked_and_spread_tokens():
    # Snapshot 0: three zero-initialised tokens on one point; snapshot 1: far apart.
    rows = []
    for token, kind, end in (
        ("<url>", "special", (4, 0)),
        ("<unk>", "unk", (0, 4)),
        ("lol", "oov", (-4, -4)),
    ):
        for s, (x, y) in enumerate([(0, 0), end]):
            rows.append(
                {
                    "token": token,
                    "kind": kind,
                    "snapshot": s,
                    "step": s,
                    "epoch": s,
                    "x": float(x),
                    "y": float(y),
                    "nearest": "w",
                    "similarity": 0.5,
                }
            )
    fig = animated_map(pd.DataFrame(rows), REF_XY, REF_WORDS, trails=False, highlight=["lol"])

    def labelled(frame):
        return sorted(t for tr in frame.data for t in tr.text if t)

    # Stacked: one label per side, and the highlighted token gets the first place (above).
    assert labelled(fig.frames[0]) == ["<b>lol</b>", "<unk>", "<url>"]
    lol = next(tr for tr in fig.frames[0].data if tr.name == "oov")
    assert list(lol.textposition) == ["top center"]
    assert labelled(fig.frames[1]) == ["<b>lol</b>", "<unk>", "<url>"]
    no_labels = animated_map(pd.DataFrame(rows), REF_XY, REF_WORDS, labels=False)
    assert all(
        tr.mode == "markers"
        for tr in no_labels.frames[1].data
        if tr.name in ("unk", "special", "oov")
    )


def test_label_priority_puts_highlighted_tokens_first_then_the_furthest_travelled():
    moves = {"<a>": (0, 1), "<b>": (0, 5), "<c>": (0, 3), "<d>": (0, 0)}
    rows = pd.DataFrame(
        [{"token": t, "x": float(x), "y": 0.0} for t, ends in moves.items() for x in ends]
    )
    assert label_priority(rows, set()) == ["<b>", "<c>", "<a>", "<d>"]
    assert label_priority(rows, {"<d>"}) == ["<d>", "<b>", "<c>", "<a>"]
