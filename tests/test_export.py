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
