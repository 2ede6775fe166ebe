import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from pe_core import plots
from pe_core.neighbours import neighbour_drift
from pe_core.plots import (
    KIND_COLORS,
    animated_map,
    curves_figure,
    drift_heatmap,
    fixed_ranges,
    influence_figure,
    paths_figure,
    place_labels,
    similarity_figure,
    sweep_figure,
)
from pe_core.vectors import Vectors


def token_table(snapshots=4, tokens=(("<url>", "special"), ("<unk>", "unk"), ("lol", "oov"))):
    rows = []
    for s in range(snapshots):
        for i, (token, kind) in enumerate(tokens):
            rows.append(
                {
                    "token": token,
                    "kind": kind,
                    "snapshot": s,
                    "step": 10 * s,
                    "epoch": s / 2,
                    "x": float(i + s),
                    "y": float(-i - 2 * s),
                    "nearest": "" if s == 0 else "word",
                    "similarity": np.nan if s == 0 else 0.5,
                }
            )
    return pd.DataFrame(rows)


REF_XY = np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 2.0]])
REF_WORDS = ["the", "cat", "dog"]


def test_animated_map_has_one_frame_per_snapshot_and_fixed_ranges():
    df = token_table(snapshots=5)
    fig = animated_map(df, REF_XY, REF_WORDS)
    assert len(fig.frames) == 5
    assert [f.name for f in fig.frames] == ["0", "1", "2", "3", "4"]
    assert len(fig.layout.sliders[0].steps) == 5
    assert [s.label for s in fig.layout.sliders[0].steps] == ["0", "10", "20", "30", "40"]
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["⟲ Replay", "▶ Play", "⏸ Pause"]
    assert buttons[0].args[1]["fromcurrent"] is False and buttons[1].args[1]["fromcurrent"] is True
    # Ranges: x spans -1 .. 2 + 4 = 6, y spans -2 - 8 = -10 .. 2, with 5 % margin, fixed.
    assert fig.layout.xaxis.autorange is False and fig.layout.yaxis.autorange is False
    np.testing.assert_allclose(fig.layout.xaxis.range, [-1.35, 6.35])
    np.testing.assert_allclose(fig.layout.yaxis.range, [-10.6, 2.6])
    for frame in fig.frames:
        assert frame.layout.xaxis.range is None  # frames never touch the axes


def test_animated_map_opens_at_the_chosen_snapshot():
    df = token_table(snapshots=4)
    last = animated_map(df, REF_XY, REF_WORDS)
    assert last.layout.sliders[0].active == 3
    # The figure's own token traces are those of the last frame.
    for trace, frame_trace in zip(last.data[1:], last.frames[-1].data, strict=True):
        np.testing.assert_array_equal(trace.x, frame_trace.x)
    first = animated_map(df, REF_XY, REF_WORDS, start="first")
    assert first.layout.sliders[0].active == 0
    for trace, frame_trace in zip(first.data[1:], first.frames[0].data, strict=True):
        np.testing.assert_array_equal(trace.x, frame_trace.x)
    with pytest.raises(ValueError, match='start must be "first" or "last", got \'middle\''):
        animated_map(df, REF_XY, REF_WORDS, start="middle")


def test_reference_is_static_and_tokens_move():
    df = token_table(snapshots=3)
    fig = animated_map(df, REF_XY, REF_WORDS)
    ref = fig.data[0]
    assert ref.name == "reference words" and list(ref.text) == REF_WORDS
    assert ref.marker.color == KIND_COLORS["reference"]
    for frame in fig.frames:
        assert 0 not in frame.traces  # the reference trace is never part of a frame
        assert len(frame.data) == len(frame.traces)
    # Trace layout per kind: trail then tokens; kinds in the fixed order unk, special, oov.
    names = [t.name for t in fig.data[1:]]
    assert names == ["unk trail", "unk", "special trail", "special", "oov trail", "oov"]
    last = {t.name: t for t in fig.frames[-1].data}
    assert list(last["special"].x) == [2.0] and list(last["special"].y) == [-4.0]
    np.testing.assert_array_equal(last["special trail"].x, [0.0, 1.0, 2.0, np.nan])
    assert last["oov"].marker.color == KIND_COLORS["oov"]


def test_hover_shows_nearest_word_and_similarity():
    # A table without the honesty columns: the nearest word with its cosine.
    fig = animated_map(token_table(snapshots=2), REF_XY, REF_WORDS)
    first = {t.name: t for t in fig.frames[0].data}["special"]
    second = {t.name: t for t in fig.frames[1].data}["special"]
    assert list(first.customdata[0]) == ["<url>", "special", 0, 0.0, "not trained yet", "—"]
    assert list(second.customdata[0]) == ["<url>", "special", 10, 0.5, "word 0.50", "—"]
    assert "true nearest words" in second.hovertemplate


def test_hover_gives_true_top3_and_map_agreement():
    df = token_table(snapshots=2)
    df["top3"] = ["not trained yet"] * 3 + ["good 0.71, great 0.66, nice 0.60"] * 3
    df["map_agree"] = [-1] * 3 + [7] * 3
    second = {t.name: t for t in animated_map(df, REF_XY, REF_WORDS).frames[1].data}["special"]
    assert list(second.customdata[0]) == [
        "<url>",
        "special",
        10,
        0.5,
        "good 0.71, great 0.66, nice 0.60",
        "7 of its 10 map neighbours",
    ]
    assert "true top-10 words drawn around it: %{customdata[5]}" in second.hovertemplate


def test_tokens_without_direction_are_not_drawn_and_named_in_the_title():
    df = token_table(snapshots=3)
    df.loc[df.snapshot == 0, ["x", "y"]] = np.nan  # zero init: nowhere on the map
    df.loc[(df.snapshot == 1) & (df.token == "lol"), ["x", "y"]] = np.nan
    fig = animated_map(df, REF_XY, REF_WORDS)
    titles = [f.layout.title.text for f in fig.frames]
    note = " · not trained yet (not drawn): "
    assert titles == [
        f"step 0 · epoch 0.00{note}<unk>, <url>, lol",
        f"step 10 · epoch 0.50{note}lol",
        "step 20 · epoch 1.00",
    ]
    paths = paths_figure(df, REF_XY, REF_WORDS, title="run")
    starts = {t.name: t for t in paths.data}["oov start"]
    # lol's path starts at snapshot 2, the first with a direction.
    np.testing.assert_array_equal(starts.x, [np.float32(2.0 + 2)])
    assert paths.layout.title.text == "run"


def test_maps_list_every_token_in_their_meta_even_the_ones_not_drawn():
    df = token_table(snapshots=2)
    df.loc[df.token == "lol", ["x", "y"]] = np.nan  # never trained: drawn nowhere
    for fig in (animated_map(df, REF_XY, REF_WORDS), paths_figure(df, REF_XY, REF_WORDS)):
        assert fig.layout.meta == {"tokens": ["<unk>", "<url>", "lol"]}


def test_trail_length_and_no_trails():
    df = token_table(snapshots=5, tokens=(("<url>", "special"),))
    fig = animated_map(df, REF_XY, REF_WORDS, trail_length=2)
    trail = {t.name: t for t in fig.frames[-1].data}["special trail"]
    np.testing.assert_array_equal(trail.x, [2.0, 3.0, 4.0, np.nan])
    fig = animated_map(df, REF_XY, REF_WORDS, trails=False)
    assert [t.name for t in fig.data] == ["reference words", "special"]


def test_highlight_and_webgl_for_big_references():
    rng = np.random.default_rng(0)
    big = rng.normal(size=(1500, 2))
    words = [f"w{i}" for i in range(1500)]
    fig = animated_map(token_table(2), big, words, highlight=["w3", "<unk>"])
    assert isinstance(fig.data[0], go.Scattergl)
    assert fig.data[1].name == "highlighted words" and list(fig.data[1].text) == ["w3"]
    unk = {t.name: t for t in fig.frames[0].data}["unk"]
    assert list(unk.marker.size) == [18] and list(unk.text) == ["<b><unk></b>"]


def test_figure_json_stays_small():
    # 30 snapshots x 20 tokens over 2,000 reference words.
    tokens = tuple((f"<t{i}>", "special") for i in range(20))
    df = token_table(snapshots=30, tokens=tokens)
    ref = np.random.default_rng(1).normal(size=(2000, 2))
    fig = animated_map(df, ref, [f"w{i}" for i in range(2000)])
    assert len(fig.frames) == 30
    assert len(fig.to_json()) < 2_000_000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(columns=["nearest"]), r"lacks column\(s\) \['nearest'\]"),
        (lambda d: d.assign(kind="weird"), r"unknown token kind\(s\) \['weird'\]; allowed: unk"),
    ],
)
def test_animated_map_errors(change, message):
    with pytest.raises(ValueError, match=message):
        animated_map(change(token_table()), REF_XY, REF_WORDS)


def test_reference_errors():
    with pytest.raises(ValueError, match="ref_words has 2 entries but ref_xy has 3 rows"):
        animated_map(token_table(), REF_XY, ["a", "b"])
    with pytest.raises(ValueError, match=r"ref_xy must be \(n, 2\)"):
        animated_map(token_table(), np.zeros((3, 3)), REF_WORDS)
    with pytest.raises(ValueError, match="ref_colors has 1 entries but ref_xy has 3 rows"):
        animated_map(token_table(), REF_XY, REF_WORDS, ref_colors=["red"])


def test_fixed_ranges_ignore_nan_and_handle_a_single_point():
    xr, yr = fixed_ranges(np.array([[1.0, 1.0], [np.nan, 0.0]]))
    assert xr[0] < 1.0 < xr[1] and yr[0] < 1.0 < yr[1]


def test_paths_figure_arrows_from_start_to_end():
    df = token_table(snapshots=3)
    fig = paths_figure(df, REF_XY, REF_WORDS)
    assert len(fig.layout.annotations) == 3
    url = [a for a in fig.layout.annotations if a.arrowcolor == KIND_COLORS["special"]][0]
    assert (url.ax, url.ay, url.x, url.y) == (0.0, 0.0, 2.0, -4.0)
    assert not fig.frames


def test_curves_figure_draws_available_keys():
    history = {
        "loss": [1.0, 0.5],
        "val_loss": [1.1, 0.7],
        "accuracy": [0.5, 0.8],
        "val_macro_f1": [],
    }
    fig = curves_figure(history)
    assert [t.name for t in fig.data] == [
        "train (running, dropout on)",
        "validation",
        "train accuracy (running, dropout on)",
    ]
    assert list(fig.data[1].y) == [1.1, 0.7] and list(fig.data[0].x) == [1, 2]
    assert len(curves_figure({}).data) == 0


def test_curves_figure_draws_the_inference_mode_train_accuracy_when_there_is_one():
    # The running (dropout-mode) accuracy is not drawn beside it: one train accuracy, the one
    # measured like the validation accuracy.
    history = {"accuracy": [0.5, 0.7], "train_accuracy": [0.6, 0.9], "val_accuracy": [0.55, 0.8]}
    fig = curves_figure(history)
    assert [(t.name, list(t.y)) for t in fig.data] == [
        ("train accuracy (epoch end, no dropout)", [0.6, 0.9]),
        ("validation accuracy", [0.55, 0.8]),
    ]


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


# ------------------------------------------------------------------------------------ labels


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


def test_long_runs_are_animated_at_evenly_spaced_snapshots():
    df = token_table(snapshots=130, tokens=(("<url>", "special"),))
    fig = animated_map(df, REF_XY, REF_WORDS, max_frames=60)
    names = [int(f.name) for f in fig.frames]
    assert len(names) == 60 and names[0] == 0 and names[-1] == 129
    assert max(np.diff(names)) <= 3 and len(fig.layout.sliders[0].steps) == 60
    trail = {t.name: t for t in fig.frames[-1].data}["special trail"]
    assert len(trail.x) == 61  # one point per frame shown, then the gap
    # The ranges still cover every position, and None keeps every snapshot.
    np.testing.assert_allclose(fig.layout.xaxis.range[1], 129 + 130 * 0.05)
    assert len(animated_map(df, REF_XY, REF_WORDS, max_frames=None).frames) == 130
    with pytest.raises(ValueError, match="max_frames must be at least 2"):
        animated_map(df, REF_XY, REF_WORDS, max_frames=1)


def test_sweep_figure_draws_each_arm_in_both_panels_on_a_log_axis():
    summary = pd.DataFrame(
        [
            {"arm": a, "size": n, "best_val_macro_f1_mean": m, "best_val_macro_f1_std": 0.01,
             "train_minus_val_gap_mean": g, "train_minus_val_gap_std": 0.02}
            for a, n, m, g in [("dual", 100, 0.7, 0.3), ("dual", 1000, 0.9, 0.0),
                               ("full", 100, 0.6, 0.4), ("full", 1000, 0.9, 0.05)]
        ]
    )  # fmt: skip
    fig = sweep_figure(summary)
    assert [(t.name, t.showlegend) for t in fig.data] == [
        ("dual", True), ("dual", False), ("full", True), ("full", False)
    ]  # fmt: skip
    assert list(fig.data[1].y) == [0.3, 0.0]  # the gap panel
    assert fig.layout.xaxis.type == "log" and list(fig.layout.xaxis.ticktext) == ["100", "1,000"]


def test_influence_figure_puts_the_first_ranked_token_on_top():
    ranked = pd.DataFrame(
        {"token": ["<smile>", "<sad>"], "class": ["pos", "neg"], "kind": ["special", "special"],
         "mean_effect": [0.3, 0.2], "ci95": [0.03, float("nan")], "n_texts": [400, 1]}
    )  # fmt: skip
    bar = influence_figure(ranked).data[0]
    assert list(bar.y) == ["<sad>  →  P(neg)", "<smile>  →  P(pos)"]  # drawn bottom-up
    assert list(bar.error_x.array) == [0.0, 0.03]


def test_default_kinds_hide_oov_words_only_when_there_are_many_tokens():
    few = ["unk", "special", "oov", "oov"]
    assert plots.default_kinds(few) == ["unk", "special", "oov"]
    many = ["unk", "special", "promoted"] + ["oov"] * plots.MANY_TOKENS
    assert plots.default_kinds(many) == ["unk", "special", "promoted"]
    assert plots.default_kinds(["oov"] * 50, many=10) == ["oov"]  # nothing else to show
