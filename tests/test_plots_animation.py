"""The animated map: one frame per snapshot, a fixed reference, fixed ranges, play controls."""

import numpy as np
import plotly.graph_objects as go
import pytest
from plot_tables import REF_WORDS, REF_XY, map_trace_names, token_table

from pe_core.plots.animation import animated_map, show_frame
from pe_core.plots.style import KIND_COLORS


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
    assert names == map_trace_names()
    last = {t.name: t for t in fig.frames[-1].data}
    assert list(last["special"].x) == [2.0] and list(last["special"].y) == [-4.0]
    np.testing.assert_array_equal(last["special trail"].x, [0.0, 1.0, 2.0, np.nan])
    assert last["oov"].marker.color == KIND_COLORS["oov"]


def test_trail_length_and_no_trails():
    df = token_table(snapshots=5, tokens=(("<url>", "special"),))
    fig = animated_map(df, REF_XY, REF_WORDS, trail_length=2)
    trail = {t.name: t for t in fig.frames[-1].data}["special trail"]
    np.testing.assert_array_equal(trail.x, [2.0, 3.0, 4.0, np.nan])
    fig = animated_map(df, REF_XY, REF_WORDS, trails=False)
    assert [t.name for t in fig.data] == [
        "reference words",
        *map_trace_names(["special"], trails=False),
    ]


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


def test_show_frame_puts_that_frames_tokens_title_and_slider_in_the_figure():
    df = token_table(snapshots=3)
    fig = animated_map(df, REF_XY, REF_WORDS, title="map")
    first = show_frame(fig, 0)
    names = [t["name"] for t in first["data"]]
    assert names == ["reference words", *map_trace_names()]
    special = first["data"][names.index("special")]
    frames = fig.to_dict()["frames"]
    assert special == frames[0]["data"][3] != frames[-1]["data"][3]  # snapshot 0's <url>
    assert first["layout"]["title"]["text"] == "step 0 · epoch 0.00"
    assert first["layout"]["sliders"][0]["active"] == 0
    assert len(first["frames"]) == 3 and first["data"][0] == fig.to_dict()["data"][0]
    assert show_frame(fig, -1)["layout"]["sliders"][0]["active"] == 2
    with pytest.raises(ValueError, match=r"index must be in \[-3, 2\], got 3"):
        show_frame(fig, 3)
    still = go.Figure(go.Scatter(x=[1], y=[2]))
    assert show_frame(still, 0) == still.to_dict()
