import numpy as np
import pandas as pd
import pytest

from pe_core import plots
from pe_core.regions import (
    add_region_labels,
    default_region_count,
    find_regions,
    region_annotations,
)


def _three_groups():
    # Three tight groups along the axes of a 3-d space; the first word of each is the most
    # frequent (lowest row), and "," sits in the first group but is never a label.
    rng = np.random.default_rng(0)
    words, rows = [], []
    for g, names in enumerate(
        [
            ["happy", "glad", ",", "joyful"],
            ["car", "truck", "bus", "van"],
            ["paris", "rome", "oslo"],
        ]
    ):
        for name in names:
            v = np.zeros(3)
            v[g] = 1.0
            rows.append(v + rng.normal(scale=0.02, size=3))
            words.append(name)
    return np.array(rows, dtype=np.float32), words


def test_regions_group_words_by_their_vectors_and_are_named_by_them():
    ref, words = _three_groups()
    regions = find_regions(ref, words, n_regions=3, seed=0, n_words=2)
    assert sorted(regions.sizes, reverse=True) == regions.sizes == [4, 4, 3]
    groups = {frozenset(np.array(words)[regions.labels == c]) for c in range(3)}
    assert groups == {
        frozenset({"happy", "glad", ",", "joyful"}),
        frozenset({"car", "truck", "bus", "van"}),
        frozenset({"paris", "rome", "oslo"}),
    }
    names = set(regions.names)
    assert names == {"happy · glad", "car · truck", "paris · rome"}  # most frequent, no ","


def test_regions_are_deterministic_and_cover_every_word():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(300, 8)).astype(np.float32)
    words = [f"w{i}" for i in range(300)]
    a = find_regions(ref, words, seed=3)
    b = find_regions(ref, words, seed=3)
    assert len(a) == default_region_count(300) == 4
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.names == b.names
    assert a.labels.shape == (300,) and set(a.labels.tolist()) == set(range(len(a)))
    assert sum(a.sizes) == 300


def test_region_count_errors_name_the_argument():
    ref, words = _three_groups()
    with pytest.raises(ValueError, match="n_regions must be from 1 to the 11 reference words"):
        find_regions(ref, words, n_regions=12)


def test_labels_stay_inside_the_plot_and_off_every_token_marker():
    ref, words = _three_groups()
    regions = find_regions(ref, words, n_regions=3, seed=0)
    xy = ref[:, :2] * 10  # group 0 near (10, 0), group 1 near (0, 10), group 2 near (0, 0)
    xr, yr = [-2.0, 12.0], [-2.0, 12.0]
    free = region_annotations(regions, xy, xr, yr)
    assert len(free) == 3
    # A token sitting on the densest point of the "happy" group pushes its label elsewhere
    # or removes it, but it never lands on the token.
    token = np.array([[10.0, 0.0]])
    for ann in region_annotations(regions, xy, xr, yr, token):
        assert xr[0] <= ann["x"] <= xr[1] and yr[0] <= ann["y"] <= yr[1]
        half_w = (0.0095 * len(ann["text"]) + 0.012) / 2 * (xr[1] - xr[0])
        assert not (abs(ann["x"] - 10.0) < half_w and abs(ann["y"] - 0.0) < 0.6)


def test_animated_map_carries_the_labels_in_every_frame():
    ref, words = _three_groups()
    regions = find_regions(ref, words, n_regions=3, seed=0)
    xy = ref[:, :2] * 10
    df = pd.DataFrame(
        {
            "token": ["<smile>", "<smile>"],
            "kind": ["special", "special"],
            "snapshot": [0, 1],
            "step": [0, 10],
            "epoch": [0.0, 1.0],
            "x": [5.0, 5.0],
            "y": [5.0, 5.0],
            "nearest": ["", "happy"],
            "similarity": [np.nan, 0.9],
        }
    )
    fig = plots.animated_map(df, xy, words)
    shown = add_region_labels(fig, regions, xy, df)
    texts = [a.text for a in fig.layout.annotations]
    assert shown == 3 and sorted(texts) == sorted(regions.names)
    for frame in fig.frames:
        assert sorted(a.text for a in frame.layout.annotations) == sorted(regions.names)


def _smile_at(x: float, y: float) -> pd.DataFrame:
    """A one-token map frame: <smile> at (x, y), nearest to "happy"."""
    return pd.DataFrame(
        {
            "token": ["<smile>"],
            "kind": ["special"],
            "snapshot": [0],
            "step": [0],
            "epoch": [0.0],
            "x": [x],
            "y": [y],
            "nearest": ["happy"],
            "similarity": [0.9],
        }
    )


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_region_labels_never_cover_a_token_name():
    # <smile> sits just below the "happy" group's densest point: its name, drawn above its
    # marker, covers the place that region's label would take (the Summary's "<sm" cut-off).
    ref, words = _three_groups()
    regions = find_regions(ref, words, n_regions=3, seed=0)
    xy = ref[:, :2] * 10
    df = _smile_at(10.0, -0.75)
    fig = plots.paths_figure(df, xy, words)
    xr, yr = list(fig.layout.xaxis.range), list(fig.layout.yaxis.range)
    (name_box,) = plots.text_label_boxes(fig.data, xr, yr)
    # Without the boxes, the happy region's label lands on the token's name.
    blind = region_annotations(regions, xy, xr, yr, df[["x", "y"]].to_numpy())
    assert any(_overlap(name_box, _box(a, xr, yr)) for a in blind)
    add_region_labels(fig, regions, xy, df)
    labels = [a for a in fig.layout.annotations if a.name == "region"]
    assert len(labels) == 3  # moved, not dropped
    assert not any(_overlap(name_box, _box(a, xr, yr)) for a in labels)


def _box(ann, xr, yr):
    from pe_core.regions import _CHAR_W, _LABEL_H

    text = ann["text"] if isinstance(ann, dict) else ann.text
    x, y = (ann["x"], ann["y"]) if isinstance(ann, dict) else (ann.x, ann.y)
    fx, fy = (x - xr[0]) / (xr[1] - xr[0]), (y - yr[0]) / (yr[1] - yr[0])
    w = _CHAR_W * len(text) + 0.012
    return (fx - w / 2, fy - _LABEL_H / 2, fx + w / 2, fy + _LABEL_H / 2)


def test_region_labels_keep_clear_of_the_focus_callout():
    from pe_core.focus import callout
    from pe_core.regions import callout_boxes

    ref, words = _three_groups()
    regions = find_regions(ref, words, n_regions=3, seed=0)
    xy = ref[:, :2] * 10
    df = _smile_at(5.0, 5.0)
    fig = plots.paths_figure(df, xy, words)
    xr, yr = list(fig.layout.xaxis.range), list(fig.layout.yaxis.range)
    # The callout's label sits 40 px right of and 40 px above its point: on "happy"'s centre.
    note = callout(
        "<smile>", 10.0 - 40 / 700 * (xr[1] - xr[0]), -40 / 560 * (yr[1] - yr[0]), "#333"
    )
    fig.layout.annotations = [*fig.layout.annotations, note]
    (box,) = callout_boxes(fig.layout.annotations, xr, yr)
    assert (box[0] + box[2]) / 2 == pytest.approx((10.0 - xr[0]) / (xr[1] - xr[0]))
    blind = region_annotations(regions, xy, xr, yr, df[["x", "y"]].to_numpy())
    assert any(_overlap(box, _box(a, xr, yr)) for a in blind)
    add_region_labels(fig, regions, xy, df)
    labels = [a for a in fig.layout.annotations if a.name == "region"]
    assert labels and not any(_overlap(box, _box(a, xr, yr)) for a in labels)
