"""Token names on a map: every special named, next to its dot or moved with a leader line,
never over another name or another token's dot; O(k) grid tests per frame."""

import numpy as np
import pandas as pd
import pytest
from plot_tables import REF_WORDS, REF_XY, map_trace_names

from pe_core.plots import labels
from pe_core.plots.animation import animated_map
from pe_core.plots.labels import label_priority, place_labels, text_label_boxes

PX = labels.PLOT_PX


def _at(points, kind="special"):
    return pd.DataFrame([{"token": t, "kind": kind, "x": x, "y": y} for t, x, y in points])


def _boxes(where, rows, xr, yr):
    """Each named token's name box in plot pixels (moved: around its centre)."""
    out = {}
    at = rows.set_index("token")
    for token, lab in where.items():
        if lab is None:
            continue
        w = labels.label_width(token)
        if lab.moved:
            cx = (lab.x - xr[0]) / (xr[1] - xr[0]) * PX[0]
            cy = (lab.y - yr[0]) / (yr[1] - yr[0]) * PX[1]
            out[token] = (cx - w / 2, cy - 7, cx + w / 2, cy + 7)
        else:
            x = (at.loc[token, "x"] - xr[0]) / (xr[1] - xr[0]) * PX[0]
            y = (at.loc[token, "y"] - yr[0]) / (yr[1] - yr[0]) * PX[1]
            rel = dict(labels._adjacent(6.0, w, 14.0))[lab.position]
            out[token] = (x + rel[0], y + rel[1], x + rel[2], y + rel[3])
    return out


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_lone_tokens_are_named_right_above_their_dots():
    rows = _at([("<url>", 0.3, 0.3), ("<user>", 0.7, 0.7), ("🙂", 0.3, 0.7)])
    where = place_labels(rows, [0, 1], [0, 1], priority=[])
    assert {t: (lab.position, lab.line) for t, lab in where.items()} == {
        "<url>": ("top center", None),
        "<user>": ("top center", None),
        "🙂": ("top center", None),
    }


def test_a_name_never_sits_on_another_tokens_dot():
    # <b> sits just above <a>: a name above <a> would cover it, so it goes below.
    rows = _at([("<a>", 0.5, 0.5), ("<b>", 0.5, 0.53)])
    where = place_labels(rows, [0, 1], [0, 1], priority=["<a>", "<b>"])
    assert {t: lab.position for t, lab in where.items()} == {
        "<a>": "bottom center",
        "<b>": "top center",
    }


def test_names_turn_inwards_at_the_plot_edges():
    rows = _at([("<neutralface>", -4.95, 0.0), ("<hashtag>", 4.95, 0.0), ("<url>", 0.0, 9.95)])
    where = place_labels(rows, [-5, 5], [-10, 10], priority=[])
    assert {t: lab.position for t, lab in where.items()} == {
        "<neutralface>": "middle right",
        "<hashtag>": "middle left",
        "<url>": "bottom center",
    }


def test_every_special_of_a_crowd_is_named_without_overlaps_and_with_leader_lines():
    # The real-data case: <unk>, <number>, <hashtag>, <neutralface> (and more) within a few
    # pixels of each other, plus emoji.
    tokens = ["<unk>", "<number>", "<hashtag>", "<neutralface>", "<user>", "<url>", "😂", "❤"]
    rng = np.random.default_rng(0)
    xy = 0.5 + rng.normal(scale=0.004, size=(len(tokens), 2))
    rows = _at([(t, x, y) for t, (x, y) in zip(tokens, xy, strict=True)])
    rows.loc[0, "kind"] = "unk"
    where = place_labels(rows, [0, 1], [0, 1], priority=tokens)
    assert all(where[t] is not None for t in tokens)
    moved = [t for t in tokens if where[t].moved]
    assert len(moved) >= 4  # they cannot all sit next to their dots
    boxes = _boxes(where, rows, [0, 1], [0, 1])
    names = list(boxes)
    assert not [
        (a, b) for i, a in enumerate(names) for b in names[i + 1 :] if _overlap(boxes[a], boxes[b])
    ]
    for t in moved:
        (x0, y0), (x1, y1) = where[t].line
        dot = rows.set_index("token").loc[t, ["x", "y"]].to_numpy(float)
        # The line starts on the dot's rim (6 px) and ends on the name's box.
        rim = np.hypot((x0 - dot[0]) * PX[0], (y0 - dot[1]) * PX[1])
        assert rim == pytest.approx(6.0, abs=1e-6)
        b = boxes[t]
        ex, ey = x1 * PX[0], y1 * PX[1]
        assert b[0] - 1e-6 <= ex <= b[2] + 1e-6 and b[1] - 1e-6 <= ey <= b[3] + 1e-6


def test_oov_words_are_named_only_where_there_is_room_next_to_the_dot():
    rows = _at([("<url>", 0.5, 0.5)] + [(f"w{i}", 0.5, 0.5) for i in range(12)])
    rows.loc[1:, "kind"] = "oov"
    where = place_labels(rows, [0, 1], [0, 1], priority=[])
    assert where["<url>"].position == "top center"  # a special goes first
    named = [t for t, lab in where.items() if lab is not None and t != "<url>"]
    assert len(named) == 3  # below, right and left of the stack (the corners overlap them)
    assert all(not where[t].moved for t in named)


def test_points_without_coordinates_get_no_name():
    rows = _at([("<url>", np.nan, 0.0), ("<user>", 0.0, 0.0)])
    where = place_labels(rows, [-1, 1], [-1, 1], priority=["<url>"])
    assert where["<url>"] is None and where["<user>"].position == "top center"


def test_emoji_take_two_letters_of_width():
    assert labels.label_width("😂") == 17.0 + 4.0
    assert labels.label_width("<url>") == 5 * 7.0 + 4.0


def test_placement_costs_a_bounded_number_of_grid_tests_per_token(monkeypatch):
    # O(k) per frame, not O(k^2): count the occupancy-grid tests (no clock), on spread
    # tokens and on the worst case, every token on one point.
    calls = {"n": 0}
    hits, line_hits = labels._Grid.hits, labels._Grid.line_hits

    def counting(real):
        def wrapped(self, *args, **kwargs):
            calls["n"] += 1
            return real(self, *args, **kwargs)

        return wrapped

    monkeypatch.setattr(labels._Grid, "hits", counting(hits))
    monkeypatch.setattr(labels._Grid, "line_hits", counting(line_hits))
    rng = np.random.default_rng(1)
    for k, spread in ((50, 1.0), (1000, 1.0), (1000, 0.0)):
        xy = 0.5 + spread * rng.uniform(-0.5, 0.5, size=(k, 2))
        rows = _at([(f"<t{i}>", x, y) for i, (x, y) in enumerate(xy)])
        rows.loc[100:, "kind"] = "oov"  # up to 100 specials, the rest OOV words
        calls["n"] = 0
        place_labels(rows, [0, 1], [0, 1], priority=[])
        assert 0 < calls["n"] <= k * labels.MAX_TESTS_PER_TOKEN
        # OOV words try only the 8 places beside their dots (3 grids each).
        assert calls["n"] <= 100 * labels.MAX_TESTS_PER_TOKEN + (k - 100) * 8 * 3


def test_a_full_plot_stops_looking_instead_of_scanning_every_slot(monkeypatch):
    rows = _at([(f"<t{i}>", 0.5, 0.5) for i in range(400)])
    where = place_labels(rows, [0, 1], [0, 1], priority=[])
    named = sum(lab is not None for lab in where.values())
    assert 60 < named < 400  # as many as fit; hover names the rest
    boxes = list(_boxes(where, rows, [0, 1], [0, 1]).values())
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def _two_snapshots():
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
    return pd.DataFrame(rows)


def test_map_names_stacked_and_spread_tokens():
    # Snapshot 0: three zero-initialised tokens on one point; snapshot 1: far apart.
    fig = animated_map(_two_snapshots(), REF_XY, REF_WORDS, trails=False, highlight=["lol"])

    def named(frame):
        return sorted(t for tr in frame.data if tr.text is not None for t in tr.text if t)

    # Stacked: each named, the highlighted one first (above the stack).
    assert named(fig.frames[0]) == ["<b>lol</b>", "<unk>", "<url>"]
    lol = next(tr for tr in fig.frames[0].data if tr.name == "oov")
    assert list(lol.textposition) == ["top center"]
    assert named(fig.frames[1]) == ["<b>lol</b>", "<unk>", "<url>"]
    moved = next(tr for tr in fig.frames[1].data if tr.name == "moved names")
    assert list(moved.text) == []  # far apart: every name next to its dot
    no_labels = animated_map(_two_snapshots(), REF_XY, REF_WORDS, labels=False)
    assert [tr.name for tr in no_labels.frames[1].data] == map_trace_names(labels=False)
    assert all(tr.mode == "markers" for tr in no_labels.frames[1].data if tr.name == "special")


def test_moved_names_are_drawn_with_leader_lines_in_their_kinds_colour():
    tokens = [f"<s{i}>" for i in range(8)]
    rows = []
    for t in tokens:
        rows.append(
            {
                "token": t,
                "kind": "special",
                "snapshot": 0,
                "step": 0,
                "epoch": 0.0,
                "x": 0.0,
                "y": 0.0,
                "nearest": "w",
                "similarity": 0.5,
            }
        )
    fig = animated_map(pd.DataFrame(rows), REF_XY, REF_WORDS, trails=False)
    special = next(tr for tr in fig.data if tr.name == "special")
    moved = next(tr for tr in fig.data if tr.name == "moved names")
    lines = next(tr for tr in fig.data if tr.name == "leader lines")
    beside = [t for t in special.text if t]
    assert sorted(beside + list(moved.text)) == tokens
    assert len(moved.text) == 8 - len(beside) > 0
    assert list(moved.textfont.color) == ["#4c78a8"] * len(moved.text)
    # One segment (two ends and a gap) per moved name.
    assert len(lines.x) == 3 * len(moved.text)
    xr, yr = list(fig.layout.xaxis.range), list(fig.layout.yaxis.range)
    boxes = text_label_boxes(fig.data, xr, yr)
    assert len(boxes) == 8
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_label_priority_puts_highlighted_tokens_first_then_the_furthest_travelled():
    moves = {"<a>": (0, 1), "<b>": (0, 5), "<c>": (0, 3), "<d>": (0, 0)}
    rows = pd.DataFrame(
        [{"token": t, "x": float(x), "y": 0.0} for t, ends in moves.items() for x in ends]
    )
    assert label_priority(rows, set()) == ["<b>", "<c>", "<a>", "<d>"]
    assert label_priority(rows, {"<d>"}) == ["<d>", "<b>", "<c>", "<a>"]
