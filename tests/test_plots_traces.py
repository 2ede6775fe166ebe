"""The map's pieces: the checked token table, hover text, "not trained yet", fixed ranges."""

import numpy as np
import pytest
from plot_tables import REF_WORDS, REF_XY, token_table

from pe_core.plots.animation import animated_map
from pe_core.plots.paths import paths_figure
from pe_core.plots.traces import fixed_ranges, map_input


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
    df.loc[(df.snapshot == 2) & (df.token == "lol"), ["x", "y"]] = np.nan
    titled = paths_figure(df, REF_XY, REF_WORDS, title="run")
    assert titled.layout.title.text == "run<br><sup>not trained yet (not drawn): lol</sup>"


def test_maps_list_every_token_in_their_meta_even_the_ones_not_drawn():
    df = token_table(snapshots=2)
    df.loc[df.token == "lol", ["x", "y"]] = np.nan  # never trained: drawn nowhere
    for fig in (animated_map(df, REF_XY, REF_WORDS), paths_figure(df, REF_XY, REF_WORDS)):
        assert fig.layout.meta == {"tokens": ["<unk>", "<url>", "lol"]}


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


def test_map_input_sorts_by_snapshot_then_token_and_reads_no_reference_as_empty():
    df = token_table(snapshots=2).iloc[::-1]
    ordered, xy = map_input(df, None, None)
    assert list(ordered["token"]) == ["<unk>", "<url>", "lol"] * 2
    assert list(ordered["snapshot"]) == [0, 0, 0, 1, 1, 1]
    assert xy.shape == (0, 2)
