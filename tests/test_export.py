import io
import re
import zipfile
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from pe_core import export
from pe_core.vectors import Vectors


@pytest.fixture
def vectors():
    words = ["the", "good", "bad", "happy"]
    matrix = np.arange(12, dtype=np.float32).reshape(4, 3) / 4
    return Vectors(words, matrix)


@pytest.fixture
def result():
    traj = np.stack([np.zeros((3, 3)), np.full((3, 3), 0.5), np.eye(3) * 1.25]).astype(np.float32)
    return SimpleNamespace(
        tokens=["<unk>", "<smile>", "happy"],
        token_kinds=["unk", "special", "promoted"],
        trajectory=traj,
        steps=np.array([0, 10, 20]),
        epochs=np.array([0.0, 0.5, 1.0]),
        model=None,
    )


def _parse_glove(text):
    rows = [line.split(" ") for line in text.strip().split("\n")]
    return [r[0] for r in rows], np.array([[float(v) for v in r[1:]] for r in rows], np.float32)


def test_projector_bundle_holds_reference_and_every_snapshot(vectors, result):
    data = export.projector_bundle(result, vectors, reference_idx=[0, 2])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == ["metadata.tsv", "projector_config.pbtxt", "vectors.tsv"]
        meta = zf.read("metadata.tsv").decode().splitlines()
        vecs = np.loadtxt(io.StringIO(zf.read("vectors.tsv").decode()), delimiter="\t")
        config = zf.read("projector_config.pbtxt").decode()
    assert meta[0] == "word\tkind\ttoken\tsnapshot\tstep"
    assert len(meta) - 1 == len(vecs) == 2 + 3 * 3
    assert meta[1] == "the\treference\t\t\t"
    assert meta[1 + 2 + 3 * 2 + 1] == "<smile>@2\tspecial\t<smile>\t2\t20"
    np.testing.assert_allclose(vecs[:2], vectors.matrix[[0, 2]])
    np.testing.assert_allclose(vecs[2 + 6 :], result.trajectory[2])
    assert 'tensor_path: "vectors.tsv"' in config and 'metadata_path: "metadata.tsv"' in config


def test_projector_bundle_is_read_by_tensorboards_own_parser(vectors, result):
    from google.protobuf import text_format
    from tensorboard.plugins.projector import projector_config_pb2 as projector

    with zipfile.ZipFile(io.BytesIO(export.projector_bundle(result, vectors))) as zf:
        config = text_format.Parse(
            zf.read("projector_config.pbtxt").decode(), projector.ProjectorConfig()
        )
        meta = zf.read("metadata.tsv").decode().splitlines()
        vecs = np.loadtxt(io.StringIO(zf.read("vectors.tsv").decode()), delimiter="\t")
    (emb,) = config.embeddings
    assert emb.tensor_path == "vectors.tsv" and emb.metadata_path == "metadata.tsv"
    rows = len(vectors) + 3 * 3  # every reference word, then 3 tokens x 3 snapshots
    assert list(emb.tensor_shape) == [rows, 3] == list(vecs.shape)
    # TensorBoard reads a multi-column metadata file as one header row + one row per vector.
    assert meta[0].split("\t") == ["word", "kind", "token", "snapshot", "step"]
    assert len(meta) == 1 + rows and all(len(m.split("\t")) == 5 for m in meta)


def test_projector_bundle_rejects_wrong_dimension(vectors, result):
    result.trajectory = np.zeros((2, 3, 5), np.float32)
    with pytest.raises(ValueError, match=r"shape \(snapshots, k, 3\)"):
        export.projector_bundle(result, vectors)


def test_trained_rows_glove_is_last_snapshot(result):
    words, matrix = _parse_glove(export.trained_rows_glove(result))
    assert words == ["<unk>", "<smile>", "happy"]
    np.testing.assert_array_equal(matrix, result.trajectory[-1])
    words, matrix = _parse_glove(export.trained_rows_glove(result, snapshot=1))
    np.testing.assert_array_equal(matrix, result.trajectory[1])


def test_trained_rows_glove_rejects_bad_snapshot(result):
    with pytest.raises(ValueError, match=r"snapshot must be in \[-3, 2\], got 3"):
        export.trained_rows_glove(result, snapshot=3)


def test_glove_with_trained_is_the_adapter_applied(vectors, result, tmp_path):
    from pe_core.vectors import load_vectors

    path = tmp_path / "g.txt"
    path.write_bytes(export.glove_with_trained(vectors, result))
    written = load_vectors(path)
    applied = export.apply_adapter(vectors, export.adapter_from_result(result))
    assert written.words == applied.words
    np.testing.assert_allclose(written.matrix, applied.matrix, rtol=1e-6)


def test_glove_with_trained_appends_new_and_replaces_promoted(vectors, result):
    words, matrix = _parse_glove(export.glove_with_trained(vectors, result).decode())
    assert words == ["the", "good", "bad", "happy", "<unk>", "<smile>"]
    np.testing.assert_array_equal(matrix[:3], vectors.matrix[:3])
    np.testing.assert_array_equal(matrix[3], result.trajectory[-1][2])  # promoted, in place
    np.testing.assert_array_equal(matrix[4:], result.trajectory[-1][:2])


def test_trajectory_csv_round_trip(result):
    frame = pd.read_csv(io.StringIO(export.trajectory_csv(result)))
    assert list(frame.columns) == ["token", "kind", "snapshot", "step", "epoch", "d0", "d1", "d2"]
    assert len(frame) == 9
    last = frame[frame.snapshot == 2]
    assert list(last.token) == result.tokens
    np.testing.assert_allclose(last[["d0", "d1", "d2"]].to_numpy(), result.trajectory[2])
    assert list(frame.step.unique()) == [0, 10, 20]


def test_coordinates_csv_requires_projection_columns():
    with pytest.raises(ValueError, match=r"lack the columns \['x', 'y'\]"):
        export.coordinates_csv(pd.DataFrame({"token": ["a"], "snapshot": [0]}))
    df = pd.DataFrame({"token": ["a"], "snapshot": [0], "x": [1.5], "y": [-2.0]})
    assert export.coordinates_csv(df).splitlines() == ["token,snapshot,x,y", "a,0,1.5,-2.0"]


def test_model_keras_bytes_loads_in_safe_mode(result, tmp_path):
    keras = pytest.importorskip("keras")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    result.model = model
    path = tmp_path / "m.keras"
    path.write_bytes(export.model_keras_bytes(result))
    loaded = keras.models.load_model(path, safe_mode=True)
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_model_keras_bytes_without_model(result):
    with pytest.raises(ValueError, match="holds no model"):
        export.model_keras_bytes(result)


def test_map_html_is_standalone():
    go = pytest.importorskip("plotly.graph_objects")
    html = export.map_html(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])))
    assert "<html>" in html and html.rstrip().endswith("</html>")
    assert not re.search(r"<script[^>]*\bsrc=", html)  # plotly.js is inline, no CDN
    assert "Plotly.newPlot" in html


def _map_frame(n_snapshots=4):
    rows = [
        {
            "token": t,
            "kind": kind,
            "snapshot": s,
            "step": 10 * s,
            "epoch": s / 2,
            "x": s + i,
            "y": s * (i + 1),
            "nearest": "the",
            "similarity": 0.5,
        }
        for s in range(n_snapshots)
        for i, (t, kind) in enumerate([("<smile>", "special"), ("zorg", "oov")])
    ]
    return pd.DataFrame(rows)


def _plot_spec(html: str) -> tuple[list, dict]:
    """(data, layout) of the Plotly.newPlot call in a page written by map_html."""
    import json

    start = html.index("Plotly.newPlot(")
    decoder = json.JSONDecoder()
    rest = html[html.index("[", start) :]
    data, end = decoder.raw_decode(rest)
    layout, _ = decoder.raw_decode(rest[end:].lstrip(", "))
    return data, layout


def _values(column) -> np.ndarray:
    """A trace's x or y: plotly writes NumPy arrays as base64 ``{"dtype", "bdata"}``."""
    import base64

    if isinstance(column, dict):
        return np.frombuffer(base64.b64decode(column["bdata"]), dtype=column["dtype"])
    return np.array(column, dtype=float)


def test_map_html_opens_on_the_first_frame_with_no_trail_yet():
    from pe_core import plots

    fig = plots.animated_map(_map_frame(), np.zeros((3, 2)), ["a", "b", "c"], trails=True)
    assert fig.layout.sliders[0].active == 3  # the app opens on the last snapshot
    data, layout = _plot_spec(export.map_html(fig))
    trails = [t for t in data if t["name"].endswith("trail")]
    assert len(trails) == 2 and layout["sliders"][0]["active"] == 0
    for trail in trails:  # one point per token and a gap: nothing drawn yet
        assert np.count_nonzero(~np.isnan(_values(trail["x"]))) == 1
    assert layout["title"]["text"] == "step 0 · epoch 0.00"
    data, layout = _plot_spec(export.map_html(fig, frame=None))
    assert layout["sliders"][0]["active"] == 3  # the figure as it is
    whole = [_values(t["x"]) for t in data if t["name"].endswith("trail")]
    assert [np.count_nonzero(~np.isnan(x)) for x in whole] == [4, 4]  # 4 snapshots each


def test_map_html_without_trails_has_none_in_any_frame():
    from pe_core import plots

    fig = plots.animated_map(_map_frame(), np.zeros((3, 2)), ["a", "b", "c"], trails=False)
    html = export.map_html(fig)
    data, _ = _plot_spec(html)
    assert [t["name"] for t in data] == [
        "reference words",
        "special",
        "oov",
        "leader lines",
        "moved names",
    ]
    assert not re.search(r'"name":"\w+ trail"', html)


def test_map_html_keeps_what_the_app_added_to_the_figure():
    # Region labels (layout annotations) and a called-out focus token (a static trace): the
    # page shows whatever the app's figure shows.
    from pe_core import plots

    fig = plots.animated_map(_map_frame(), np.zeros((3, 2)), ["a", "b", "c"], trails=True)
    fig.add_annotation(x=1, y=1, text="food words", showarrow=False)
    fig.add_scatter(x=[2.0], y=[3.0], name="focus: <smile>", mode="markers+text")
    data, layout = _plot_spec(export.map_html(fig))
    assert [a["text"] for a in layout["annotations"]] == ["food words"]
    assert data[-1]["name"] == "focus: <smile>" and layout["sliders"][0]["active"] == 0
